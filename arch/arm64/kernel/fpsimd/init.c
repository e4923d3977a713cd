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
#define FPCORE_SCTLR_ENFPM	BIT_ULL(34)

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
	sysreg_clear_set_s(SYS_SCTLR_EL1, 0, FPCORE_SCTLR_ENFPM);
}

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
		fpcore_init();
	}
	if (!fp || !simd)
		pr_notice("fpsimd: this CPU lacks%s%s\n", fp ? "" : " floating point",
			  simd ? "" : " Advanced SIMD");
	return sve_sysctl_init();
}
core_initcall(fpsimd_core_init);
