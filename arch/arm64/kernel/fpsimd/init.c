// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP/SVE core: enabling the hardware, power management, boot.
 *
 * A CPU that powers down loses its registers: before it does, whoever owns
 * them is written back and the CPU's record is emptied, so nobody counts
 * on registers that are gone.
 */

#include <linux/cpu_pm.h>
#include <linux/cpufeature.h>
#include <linux/init.h>
#include <linux/printk.h>
#include <asm/fpsimd.h>
#include <asm/sysreg.h>

#include "internal.h"

/* SCTLR_EL1.EnFPM (bit 34): EL0 and EL1 may access FPMR without trapping. */
#define FPREGS_SCTLR_ENFPM	BIT_ULL(34)

/**
 * cpu_enable_fpsimd() - let EL0 and EL1 use FP/SIMD without trapping
 * @cap: unused
 */
void cpu_enable_fpsimd(const struct arm64_cpu_capabilities *__always_unused cap)
{
	sysreg_clear_set(cpacr_el1, 0,
			 CPACR_EL1_FPEN_EL1EN | CPACR_EL1_FPEN_EL0EN);
	isb();
}

/**
 * cpu_enable_fpmr() - let FPMR be accessed without trapping
 * @cap: unused
 *
 * Only on hardware with FP8 support (FEAT_FPMR); QEMU 7.2 has none, so
 * this and the FPMR transfers in context.c are reviewed, not run.
 */
void cpu_enable_fpmr(const struct arm64_cpu_capabilities *__always_unused cap)
{
	sysreg_clear_set_s(SYS_SCTLR_EL1, 0, FPREGS_SCTLR_ENFPM);
}

#ifdef CONFIG_ARM64_SME
/*
 * SMCR_EL1 as every CPU runs it: LEN is programmed per task, FA64 and
 * EZT0 are on where the system has them, nothing else.
 */
static u64 fpregs_smcr_base(void)
{
	return (system_supports_fa64() ? SMCR_ELx_FA64 : 0) |
	       (system_supports_sme2() ? SMCR_ELx_EZT0 : 0);
}

/* SMCR's optional controls are enabled after SME itself (below). */
static_assert(ARM64_SME2 > ARM64_SME && ARM64_SME_FA64 > ARM64_SME);

/**
 * cpu_enable_sme() - let this CPU's kernel use SME
 * @cap: unused
 *
 * EL0 access is left off (each task gets it on its first SME instruction),
 * EL0 may use TPIDR2_EL0, and this CPU asks for the lowest streaming
 * priority, the one every CPU implements.
 */
void cpu_enable_sme(const struct arm64_cpu_capabilities *__always_unused cap)
{
	sysreg_clear_set_s(SYS_SMPRI_EL1, SMPRI_EL1_PRIORITY_MASK, 0);
	sysreg_clear_set(cpacr_el1, 0, CPACR_EL1_SMEN_EL1EN);
	isb();
	sysreg_clear_set_s(SYS_SMCR_EL1, SMCR_ELx_FA64 | SMCR_ELx_EZT0 |
			   SMCR_ELx_LEN_MASK, 0);
	sysreg_clear_set(sctlr_el1, 0, SCTLR_ELx_ENTP2);
	isb();
}

/**
 * cpu_enable_sme2() - let streaming code use ZT0
 * @cap: unused
 *
 * Enabled after cpu_enable_sme(), which reset SMCR_EL1.
 */
void cpu_enable_sme2(const struct arm64_cpu_capabilities *__always_unused cap)
{
	sysreg_clear_set_s(SYS_SMCR_EL1, 0, SMCR_ELx_EZT0_MASK);
}

/**
 * cpu_enable_fa64() - let streaming code use the full A64 instruction set
 * @cap: unused
 *
 * Enabled after cpu_enable_sme(), which reset SMCR_EL1.
 */
void cpu_enable_fa64(const struct arm64_cpu_capabilities *__always_unused cap)
{
	sysreg_clear_set_s(SYS_SMCR_EL1, 0, SMCR_ELx_FA64_MASK);
}

/**
 * sme_suspend_exit() - restore this CPU's SME controls after a suspend
 *
 * The registers' contents were written back before suspend
 * (fpsimd_save_and_flush_cpu_state() from CPU PM); only the controls need
 * setting again. LEN is set by the next load.
 */
void sme_suspend_exit(void)
{
	if (system_supports_sme()) {
		write_sysreg_s(fpregs_smcr_base(), SYS_SMCR_EL1);
		sysreg_clear_set_s(SYS_SMPRI_EL1, SMPRI_EL1_PRIORITY_MASK, 0);
	}
}
#endif /* CONFIG_ARM64_SME */

#ifdef CONFIG_CPU_PM
static int fpsimd_pm_notify(struct notifier_block *nb, unsigned long event,
			    void *unused)
{
	if (event != CPU_PM_ENTER)
		return event == CPU_PM_EXIT ? NOTIFY_OK : NOTIFY_DONE;
	/* The registers are about to be lost: write their owner back. */
	fpsimd_save_and_flush_cpu_state();
	return NOTIFY_OK;
}

static struct notifier_block fpsimd_pm_nb = {
	.notifier_call = fpsimd_pm_notify,
};
#endif

static int __init fpsimd_core_init(void)
{
	bool fp = cpu_have_named_feature(FP);
	bool simd = cpu_have_named_feature(ASIMD);

	if (fp) {
#ifdef CONFIG_CPU_PM
		cpu_pm_register_notifier(&fpsimd_pm_nb);
#endif
		fpregs_init();
	}
	if (!fp || !simd)
		pr_notice("fpsimd: this CPU lacks%s%s\n", fp ? "" : " floating point",
			  simd ? "" : " Advanced SIMD");
	return vec_sysctl_init();
}
core_initcall(fpsimd_core_init);
