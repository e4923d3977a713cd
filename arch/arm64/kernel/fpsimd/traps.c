// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP/SVE core: traps from userspace.
 *
 * The SVE access trap is where a task's context grows: like x86 taking
 * the XFD fault on a task's first AMX use and enlarging its fpstate, a
 * task that runs in the FPSIMD layout traps on its first SVE instruction,
 * gets an SVE image at its vector length, and returns with SVE enabled.
 * Whether it may grow is decided by the system's SVE support (a guest's
 * by what its VMM enabled, see KVM); nothing else changes its layout
 * except exec, a new vector length, ptrace and signal return.
 *
 * The SME access trap is the same for SME's larger state: ZA (up to
 * 64 KiB at a 2048-bit streaming length) and ZT0 are allocated on the
 * task's first SME instruction, never before.
 */

#include <linux/compat.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/esr.h>
#include <asm/exception.h>
#include <asm/fpsimd.h>
#include <asm/traps.h>

#include "internal.h"

/* The instruction is not available: SIGILL, as for any undefined one. */
static void undefined_insn(struct pt_regs *uregs)
{
	force_signal_inject(SIGILL, ILL_ILLOPC, uregs->pc, 0);
}

/**
 * do_sve_acc() - handle a task's SVE instruction while SVE is disabled
 * @syndrome: the exception syndrome (ESR)
 * @uregs: the task's registers
 *
 * Current's registers are written back in the FPSIMD layout, its image is
 * converted to SVE (the V values in the low bits, everything else zero)
 * and the return path loads it with SVE enabled.
 */
void do_sve_acc(unsigned long syndrome, struct pt_regs *uregs)
{
	struct thread_struct *th = &current->thread;

	/* KVM's VMM watch or deferral trapped it: it runs again. */
	if (fpregs_handle_el0_trap())
		return;
	if (!system_supports_sve() || WARN_ON(is_compat_task())) {
		undefined_insn(uregs);
		return;
	}

	/* Grow: an image at current's VL, zeroed (P, FFR, upper Z bits). */
	sve_alloc(current, true);
	if (!th->sve_state) {
		force_sig(SIGKILL);
		return;
	}

	/* After this, no CPU holds current's registers: the image is ours. */
	fpregs_evict_task(current);
	WARN_ON(test_and_set_thread_flag(TIF_SVE));
	if (th->fp_type != FP_STATE_SVE) {
		fpsimd_to_sve(current);
		th->fp_type = FP_STATE_SVE;
	}
}

/**
 * do_sme_acc() - handle a task's SME instruction while SME is disabled
 * @syndrome: the exception syndrome (ESR)
 * @uregs: the task's registers
 *
 * The task's first SME instruction: it gets ZA/ZT0 storage at its
 * streaming length and room for its streaming Z registers, its current
 * registers are written back, and the return path loads them with SME
 * enabled (TIF_SME). PSTATE.SM and ZA are still clear, since setting them
 * is itself an SME instruction. Any other SME trap (an instruction not
 * allowed in the current mode) is an undefined instruction.
 */
void do_sme_acc(unsigned long syndrome, struct pt_regs *uregs)
{
	struct thread_struct *th = &current->thread;

	if (fpregs_handle_el0_trap())
		return;
	if (!system_supports_sme() || WARN_ON(is_compat_task()) ||
	    ESR_ELx_SME_ISS_SMTC(syndrome) != ESR_ELx_SME_ISS_SMTC_SME_DISABLED) {
		undefined_insn(uregs);
		return;
	}

	/* Grow: ZA and ZT0 zeroed, the SVE buffer at the longer length. */
	sve_alloc(current, false);
	sme_alloc(current, true);
	if (!th->sve_state || !th->sme_state) {
		force_sig(SIGKILL);
		return;
	}

	fpregs_evict_task(current);
	WARN_ON(th->svcr);
	WARN_ON(test_and_set_thread_flag(TIF_SME));
}

/**
 * do_fpsimd_acc() - handle an FPSIMD access trap
 * @syndrome: the exception syndrome (ESR)
 * @uregs: the task's registers
 *
 * With FP/SIMD present, EL0 access to it is disabled only by KVM, for a
 * VMM thread between two KVM_RUNs (fpu_vmm_return()): its first use lands
 * here and runs again, its registers loaded if they were deferred. The
 * trap is retried even when fpregs_handle_el0_trap() finds no reason for it:
 * a task preempted between the trap and this handler may find EL0 access
 * turned on by another task's return to userspace. Without FP/SIMD the
 * instruction is undefined.
 */
void do_fpsimd_acc(unsigned long syndrome, struct pt_regs *uregs)
{
	if (system_supports_fpsimd()) {
		fpregs_handle_el0_trap();
		return;
	}
	undefined_insn(uregs);
}

/*
 * The syndrome of a trapped floating-point exception flags each exception
 * in the bit FPSR uses for it; the first one set, in this order, names it.
 */
static const struct {
	unsigned long	bit;
	int		code;
} fp_exc_codes[] = {
	{ BIT(0), FPE_FLTINV },		/* invalid operation */
	{ BIT(1), FPE_FLTDIV },		/* division by zero */
	{ BIT(2), FPE_FLTOVF },		/* overflow */
	{ BIT(3), FPE_FLTUND },		/* underflow */
	{ BIT(4), FPE_FLTRES },		/* inexact */
};

/**
 * do_fpsimd_exc() - deliver a trapped floating-point exception as SIGFPE
 * @syndrome: the exception syndrome (ESR)
 * @uregs: the task's registers
 */
void do_fpsimd_exc(unsigned long syndrome, struct pt_regs *uregs)
{
	int code = FPE_FLTUNK;
	unsigned int i;

	for (i = 0; (syndrome & ESR_ELx_FP_EXC_TFV) && i < ARRAY_SIZE(fp_exc_codes); i++) {
		if (syndrome & fp_exc_codes[i].bit) {
			code = fp_exc_codes[i].code;
			break;
		}
	}
	send_sig_fault(SIGFPE, code, (void __user *)instruction_pointer(uregs),
		       current);
}
