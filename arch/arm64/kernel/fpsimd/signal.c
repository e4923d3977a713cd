// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP/SVE core: what signal delivery, sigreturn and ptrace need.
 *
 * These callers read and write a task's memory image directly (the
 * signal frame and the regsets use the same layouts), so each entry point
 * first makes the image current or makes the registers forget it, through
 * the core's sync and flush transitions, and converts between the FPSIMD
 * and SVE layouts where an ABI asks for the other one.
 */

#include <linux/sched.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#include <asm/fpsimd.h>

#include "internal.h"

/* Byte offset of Z register @n in an SVE image of @vq quadwords. */
static size_t zreg_offset(unsigned int vq, unsigned int n)
{
	return SVE_SIG_ZREG_OFFSET(vq, n) - SVE_SIG_REGS_OFFSET;
}

/*
 * A Z register in memory is little-endian whatever the kernel's byte
 * order; a V register in struct user_fpsimd_state is a native __uint128_t.
 */
static void vreg_to_zreg(void *z, __uint128_t v)
{
	__le64 *d = z;

	d[0] = cpu_to_le64((u64)v);
	d[1] = cpu_to_le64((u64)(v >> 64));
}

static __uint128_t zreg_to_vreg(const void *z)
{
	const __le64 *s = z;

	return (__uint128_t)le64_to_cpu(s[1]) << 64 | le64_to_cpu(s[0]);
}

static void copy_vregs_in(struct task_struct *task, unsigned int vq)
{
	struct thread_struct *th = &task->thread;
	unsigned int n;

	for (n = 0; n < SVE_NUM_ZREGS; n++)
		vreg_to_zreg(th->sve_state + zreg_offset(vq, n),
			     th->uw.fpsimd_state.vregs[n]);
}

/**
 * fpsimd_to_sve() - copy a task's V registers into its SVE image
 * @task: a task whose image is not live in any CPU's registers
 *
 * Only the low 128 bits of each Z register change.
 */
void fpsimd_to_sve(struct task_struct *task)
{
	if (!system_supports_sve())
		return;
	copy_vregs_in(task, sve_vq_from_vl(thread_get_cur_vl(&task->thread)));
}

/**
 * sve_to_fpsimd() - copy the low 128 bits of a task's Z registers to V
 * @task: a task whose image is not live in any CPU's registers
 */
void sve_to_fpsimd(struct task_struct *task)
{
	struct thread_struct *th = &task->thread;
	unsigned int vq, n;

	if (!system_supports_sve())
		return;
	vq = sve_vq_from_vl(thread_get_cur_vl(th));
	for (n = 0; n < SVE_NUM_ZREGS; n++)
		th->uw.fpsimd_state.vregs[n] =
			zreg_to_vreg(th->sve_state + zreg_offset(vq, n));
}

#ifdef CONFIG_ARM64_SVE
/**
 * fpsimd_force_sync_to_sve() - make a task's SVE image agree with its V
 *                              registers, whatever its layout
 * @tsk: the task (stopped, or current after a flush)
 */
void fpsimd_force_sync_to_sve(struct task_struct *tsk)
{
	fpsimd_to_sve(tsk);
}

/**
 * fpsimd_sync_to_sve() - bring the SVE image up to date for a reader
 * @tsk: the task (stopped, or current after a flush)
 *
 * A task that is not using SVE, in or out of streaming mode, keeps its
 * values in the FPSIMD image only; copy them over so that its SVE image
 * reads consistently.
 */
void fpsimd_sync_to_sve(struct task_struct *tsk)
{
	if (!test_tsk_thread_flag(tsk, TIF_SVE) &&
	    !thread_sm_enabled(&tsk->thread))
		fpsimd_to_sve(tsk);
}

/**
 * sve_sync_to_fpsimd() - bring the FPSIMD image up to date for a reader
 * @tsk: the task (stopped, or current after a flush)
 */
void sve_sync_to_fpsimd(struct task_struct *tsk)
{
	if (tsk->thread.fp_type == FP_STATE_SVE)
		sve_to_fpsimd(tsk);
}

/**
 * sve_sync_from_fpsimd_zeropad() - rebuild the SVE image from V alone
 * @tsk: the task (stopped, or current after a flush)
 *
 * For a task whose image is in the SVE layout (SVE in use, or streaming
 * mode) and whose FPSIMD view was written: Z takes the V values with the
 * upper bits zero, and P and FFR become zero.
 */
void sve_sync_from_fpsimd_zeropad(struct task_struct *tsk)
{
	struct thread_struct *th = &tsk->thread;
	unsigned int vq = sve_vq_from_vl(thread_get_cur_vl(th));

	if (th->fp_type == FP_STATE_SVE) {
		memset(th->sve_state, 0, SVE_SIG_REGS_SIZE(vq));
		copy_vregs_in(tsk, vq);
	}
}
#endif /* CONFIG_ARM64_SVE */

/**
 * fpsimd_preserve_current_state() - write current's registers to memory
 *
 * For readers of the image (signal frames, fork, core dumps). The registers
 * stay recorded as current's, so returning to userspace costs no reload;
 * TIF_FOREIGN_FPSTATE is set so that the return path marks them dirty
 * again (invariant I6).
 */
void fpsimd_preserve_current_state(void)
{
	bool locked;

	if (!fpregs_present())
		return;
	locked = fpregs_lock();
	fpregs_sync(fpregs_this_cpu(), smp_processor_id(),
		    &current->thread.fpstate);
	fpregs_mark_foreign(current);
	fpregs_unlock(locked);
}

/**
 * fpsimd_signal_preserve_current_state() - save current for a signal frame
 *
 * As fpsimd_preserve_current_state(), and the FPSIMD image is made valid
 * too: the frame always carries the V registers.
 */
void fpsimd_signal_preserve_current_state(void)
{
	fpsimd_preserve_current_state();
	sve_sync_to_fpsimd(current);
}

/**
 * fpsimd_update_current_state() - install FPSIMD values from a signal frame
 * @frame: the V registers, FPSR and FPCR to give current
 *
 * Current's registers are discarded; the new values are loaded on the way
 * back to userspace. A task in the SVE layout keeps it, with the low 128
 * bits of each Z register replaced.
 */
void fpsimd_update_current_state(const struct user_fpsimd_state *frame)
{
	struct thread_struct *th = &current->thread;
	bool locked;

	if (WARN_ON(!fpregs_present()))
		return;
	locked = fpregs_lock();
	fpregs_discard(fpregs_this_cpu(), smp_processor_id(),
		       &th->fpstate);
	fpregs_mark_foreign(current);
	th->uw.fpsimd_state = *frame;
	if (th->fp_type == FP_STATE_SVE)
		fpsimd_to_sve(current);
	fpregs_unlock(locked);
}

/**
 * fpsimd_update_current_fpmr() - install FPMR from a signal frame
 * @fpmr: the value to give current
 *
 * Sigreturn restores FPMR after the V registers. Like them it goes into
 * current's memory image, with the registers discarded: the return to
 * userspace loads FPMR from the thread along with the rest, so a value
 * written to the register itself would be overwritten by that load.
 */
void fpsimd_update_current_fpmr(u64 fpmr)
{
	struct thread_struct *th = &current->thread;
	bool locked;

	if (WARN_ON(!fpregs_present()))
		return;
	locked = fpregs_lock();
	fpregs_discard(fpregs_this_cpu(), smp_processor_id(), &th->fpstate);
	fpregs_mark_foreign(current);
	th->uw.fpmr = fpmr;
	fpregs_unlock(locked);
}

/**
 * fpsimd_save_and_flush_current_state() - make current's image the truth
 *
 * Current's registers are written back if newer and then forgotten: the
 * image may be rewritten piece by piece (signal return reads one record
 * at a time, with preemption enabled), and current is loaded from it on
 * its way back to userspace.
 */
void fpsimd_save_and_flush_current_state(void)
{
	if (fpregs_present())
		fpregs_evict_task(current);
}

#ifdef CONFIG_ARM64_SME
/* FPSR as leaving streaming mode sets it (the architecture's ResetSVEState). */
#define FPSR_AFTER_SMSTOP	0x0800009f

/**
 * fpsimd_signal_sme_off() - start a signal handler with SM and ZA off
 *
 * Signal handlers run outside streaming mode with ZA off (sme.rst). The
 * frame was written from current's image; the image is now made the
 * truth and changed as an SMSTOP would change the registers, and the
 * return path loads it. Leaving streaming mode zeroes the Z registers,
 * whose low bits are the V registers, so those start as zero, FPSR as
 * SMSTOP leaves it; FPCR is kept. ZA and ZT0 stay in memory for
 * sigreturn to bring back.
 */
void fpsimd_signal_sme_off(void)
{
	struct thread_struct *th = &current->thread;

	if (!system_supports_sme())
		return;
	fpregs_evict_task(current);
	if (th->svcr & SVCR_SM_MASK) {
		memset(th->uw.fpsimd_state.vregs, 0,
		       sizeof(th->uw.fpsimd_state.vregs));
		th->uw.fpsimd_state.fpsr = FPSR_AFTER_SMSTOP;
		th->fp_type = FP_STATE_FPSIMD;
	}
	th->svcr = 0;
}
#endif
