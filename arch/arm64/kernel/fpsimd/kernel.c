// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP/SVE core: the kernel's own use of the registers.
 *
 * kernel_neon_begin() first writes back whoever owns the registers, in
 * that owner's layout and at its vector length: a task, a task's own
 * kernel-mode NEON context (when a softirq interrupts it), or a vCPU whose
 * state stayed live after a guest exit. Nothing is lost and nothing is
 * saved at a length other than its owner's (core.c, I7).
 *
 * In task context the section is preemptible: the task's kernel-mode
 * registers are a context of their own (thread.kernel_fpstate), claimed
 * here, saved on switch-out and loaded again on switch-in. In a softirq
 * the section runs with softirqs disabled and owns nothing; if it
 * interrupted a task's section, that task's registers are put back at
 * kernel_neon_end().
 *
 * EFI runtime services may also be called where kernel-mode NEON is not
 * allowed (IRQs off): then the live registers, whoever they belong to, are
 * kept in a per-CPU buffer around the call and restored unchanged.
 */

#include <linux/bug.h>
#include <linux/export.h>
#include <linux/interrupt.h>
#include <linux/percpu.h>
#include <asm/fpsimd.h>
#include <asm/neon.h>
#include <asm/simd.h>

#include "internal.h"

static bool neon_in_task_context(void)
{
	return IS_ENABLED(CONFIG_PREEMPT_RT) || !in_serving_softirq();
}

/**
 * kernel_neon_begin() - let the kernel use the FPSIMD registers
 *
 * Must be paired with kernel_neon_end(), in the same context, and only
 * where may_use_simd() is true.
 */
void kernel_neon_begin(void)
{
	struct fpown_cpu *pc;
	bool locked;
	int cpu;

	if (WARN_ON(!fpcore_present()))
		return;
	WARN_ON_ONCE(!may_use_simd());

	locked = fpcore_lock();
	pc = this_cpu_ptr(&fpsimd_own);
	cpu = smp_processor_id();
	if (neon_in_task_context()) {
		/* Nested task-context sections are not allowed. */
		WARN_ON_ONCE(test_and_set_thread_flag(TIF_KERNEL_FPSTATE));
		fpctx_kernel_task_begin(pc, cpu, &current->thread.kernel_fpstate);
	} else {
		/* Also saves current's own section if this interrupted one. */
		fpctx_kernel_begin(pc, cpu);
	}
	fpcore_foreign(current);
	fpcore_unlock(locked);
}
EXPORT_SYMBOL_GPL(kernel_neon_begin);

/**
 * kernel_neon_end() - the kernel is done with the FPSIMD registers
 *
 * Their contents are dead. Current's user state comes back on the way to
 * userspace; an interrupted task-context section gets its registers back
 * now.
 */
void kernel_neon_end(void)
{
	struct fpstate *kst = &current->thread.kernel_fpstate;
	struct fpown_cpu *pc;
	bool locked;
	int cpu;

	if (!fpcore_present())
		return;

	locked = fpcore_lock();
	pc = this_cpu_ptr(&fpsimd_own);
	cpu = smp_processor_id();
	if (neon_in_task_context()) {
		fpctx_kernel_task_end(pc, cpu, kst);
		clear_tsk_thread_flag(current, TIF_KERNEL_FPSTATE);
	} else if (test_tsk_thread_flag(current, TIF_KERNEL_FPSTATE)) {
		/* A softirq's section ends: the interrupted one resumes. */
		fpctx_kernel_task_resume(pc, cpu, kst);
	}
	fpcore_unlock(locked);
}
EXPORT_SYMBOL_GPL(kernel_neon_end);

#ifdef CONFIG_EFI

static DEFINE_PER_CPU(struct user_fpsimd_state, efi_fp_regs);
static DEFINE_PER_CPU(bool, efi_fp_saved);
static DEFINE_PER_CPU(bool, efi_sve_saved);
static void __percpu *efi_sve_regs;

/**
 * fpsimd_efi_setup() - allocate the per-CPU SVE buffer for EFI calls
 *
 * Sized for the largest vector length any CPU offers; called once the
 * lengths are known.
 */
void __init fpsimd_efi_setup(void)
{
	size_t size = SVE_SIG_REGS_SIZE(sve_vq_from_vl(sve_max_vl()));

	if (system_supports_sve())
		efi_sve_regs = __alloc_percpu(size, SVE_VQ_BYTES);
	if (system_supports_sve() && !efi_sve_regs)
		pr_err("fpsimd: no per-CPU SVE buffer, EFI calls from atomic context keep only the FPSIMD registers\n");
}

/**
 * __efi_fpsimd_begin() - prepare the registers for an EFI runtime call
 */
void __efi_fpsimd_begin(void)
{
	struct user_fpsimd_state *fp;

	if (!fpcore_present())
		return;
	WARN_ON(preemptible());

	if (may_use_simd()) {
		kernel_neon_begin();
		return;
	}
	fp = this_cpu_ptr(&efi_fp_regs);
	if (system_supports_sve() && efi_sve_regs) {
		void *image = this_cpu_ptr(efi_sve_regs);

		/* Whatever length is in force: the restore uses the same. */
		sve_save_state(image + sve_ffr_offset(sve_max_vl()), &fp->fpsr,
			       true);
		__this_cpu_write(efi_sve_saved, true);
	} else {
		fpsimd_save_state(fp);
	}
	__this_cpu_write(efi_fp_saved, true);
}

/**
 * __efi_fpsimd_end() - give the registers back after an EFI runtime call
 */
void __efi_fpsimd_end(void)
{
	struct user_fpsimd_state *fp;

	if (!fpcore_present())
		return;

	if (!__this_cpu_xchg(efi_fp_saved, false)) {
		kernel_neon_end();
		return;
	}
	fp = this_cpu_ptr(&efi_fp_regs);
	if (__this_cpu_xchg(efi_sve_saved, false)) {
		void *image = this_cpu_ptr(efi_sve_regs);

		sve_load_state(image + sve_ffr_offset(sve_max_vl()), &fp->fpsr,
			       true);
	} else {
		fpsimd_load_state(fp);
	}
}

#endif /* CONFIG_EFI */
