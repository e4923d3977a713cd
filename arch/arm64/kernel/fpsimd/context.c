// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP/SVE context objects: what a struct fpstate holds and how its
 * registers move between the CPU and its memory image.
 *
 * The ownership core (core.c) decides when to save or load; this file
 * knows where each kind of context keeps its values and in which layout:
 *
 *   kind            image                              layout
 *   FPSTATE_USER    thread.uw.fpsimd_state and         FPSIMD, or SVE at the
 *                   thread.sve_state                   task's VL (thread.fp_type)
 *   FPSTATE_KERNEL  thread.kernel_fpsimd_state         FPSIMD
 *   FPSTATE_GUEST   the vCPU's, via struct fpu_guest   FPSIMD, or SVE at the
 *                                                      vCPU's maximum VL
 *
 * Every SVE transfer first programs ZCR with the length of the context it
 * moves (invariant I7 in core.c), so a save can never meet a vector
 * length other than the one its buffer was laid out for.
 */

#include <linux/bug.h>
#include <linux/sched.h>
#include <asm/fpsimd.h>
#include <asm/sysreg.h>

#include "internal.h"

static struct fpu_guest *fpstate_guest(struct fpstate *st)
{
	return container_of(st, struct fpu_guest, fpstate);
}

/**
 * fpstate_task() - the task a context belongs to
 * @st: the context
 *
 * Return: the task for a user or kernel-mode context, NULL for a guest.
 */
struct task_struct *fpstate_task(struct fpstate *st)
{
	switch (st->kind) {
	case FPSTATE_USER:
		return container_of(st, struct task_struct, thread.fpstate);
	case FPSTATE_KERNEL:
		return container_of(st, struct task_struct,
				    thread.kernel_fpstate);
	default:
		return NULL;
	}
}

/**
 * fpstate_type() - the layout of a context's memory image
 * @st: the context
 *
 * Return: FP_STATE_FPSIMD or FP_STATE_SVE.
 */
enum fp_type fpstate_type(struct fpstate *st)
{
	switch (st->kind) {
	case FPSTATE_USER:
		return fpstate_task(st)->thread.fp_type;
	case FPSTATE_GUEST:
		return *fpstate_guest(st)->fp_type;
	default:
		return FP_STATE_FPSIMD;
	}
}

/**
 * fpstate_vl() - the vector length of a context's SVE layout
 * @st: the context
 *
 * Return: the length in bytes the context is saved and loaded at when it
 * holds SVE state, 0 for a context that can only hold FPSIMD state.
 */
unsigned int fpstate_vl(struct fpstate *st)
{
	if (!system_supports_sve())
		return 0;
	switch (st->kind) {
	case FPSTATE_USER:
		return task_get_sve_vl(fpstate_task(st));
	case FPSTATE_GUEST:
		return st->save_as == FP_STATE_SVE ? fpstate_guest(st)->sve_vl : 0;
	default:
		return 0;
	}
}

/**
 * fpstate_size() - the bytes of register state a context holds now
 * @st: the context
 *
 * Return: the FPSIMD size, plus the SVE register file at fpstate_vl() when
 * the image is in the SVE layout.
 */
size_t fpstate_size(struct fpstate *st)
{
	size_t size = sizeof(struct user_fpsimd_state);

	if (fpstate_type(st) == FP_STATE_SVE)
		size += SVE_SIG_REGS_SIZE(sve_vq_from_vl(fpstate_vl(st)));
	return size;
}

/*
 * Save the live SVE registers at @vl into @image (laid out as the signal
 * frame's register block), FPSR and FPCR into @fp. When the length cannot
 * be programmed (a hypervisor's ZCR_EL2 caps it lower), keep what is
 * certain, the FPSIMD view, and say so.
 */
static enum fp_type fpstate_save_sve(void *image, struct user_fpsimd_state *fp,
				     unsigned int vl)
{
	sve_set_vq(sve_vq_from_vl(vl) - 1);
	if (WARN_ON_ONCE(sve_get_vl() != vl)) {
		fpsimd_save_state(fp);
		return FP_STATE_FPSIMD;
	}
	sve_save_state(image + sve_ffr_offset(vl), &fp->fpsr, true);
	return FP_STATE_SVE;
}

static void fpstate_save_user(struct fpstate *st)
{
	struct task_struct *t = fpstate_task(st);
	struct thread_struct *th = &t->thread;
	u8 as = READ_ONCE(st->save_as);
	bool sve = false;

	/* Only current runs on the registers it may have dirtied. */
	WARN_ON_ONCE(t != current);
	if (system_supports_fpmr())
		th->uw.fpmr = read_sysreg_s(SYS_FPMR);
	if (system_supports_sve())
		sve = as == FP_STATE_SVE ||
		      (as == FP_STATE_CURRENT && test_tsk_thread_flag(t, TIF_SVE));
	if (sve) {
		th->fp_type = fpstate_save_sve(th->sve_state, &th->uw.fpsimd_state,
					       task_get_sve_vl(t));
	} else {
		fpsimd_save_state(&th->uw.fpsimd_state);
		th->fp_type = FP_STATE_FPSIMD;
	}
}

static void fpstate_save_guest(struct fpstate *st)
{
	struct fpu_guest *g = fpstate_guest(st);

	g->nr_saves++;
	if (system_supports_fpmr())
		*g->fpmr = read_sysreg_s(SYS_FPMR);
	if (system_supports_sve() && st->save_as == FP_STATE_SVE) {
		*g->fp_type = fpstate_save_sve(g->sve_state, g->regs, g->sve_vl);
	} else {
		fpsimd_save_state(g->regs);
		*g->fp_type = FP_STATE_FPSIMD;
	}
}

/**
 * fpstate_hw_save() - write the registers to their owner's memory image
 * @st: the context the registers belong to
 *
 * The layout is the one @st asks for (fpstate::save_as), recorded in the
 * image's type for the next load and for ptrace and signal readers.
 */
void fpstate_hw_save(struct fpstate *st)
{
	fpcore_assert_locked();
	switch (st->kind) {
	case FPSTATE_USER:
		fpstate_save_user(st);
		break;
	case FPSTATE_KERNEL:
		fpsimd_save_state(&fpstate_task(st)->thread.kernel_fpsimd_state);
		break;
	case FPSTATE_GUEST:
		fpstate_save_guest(st);
		break;
	}
}

static void fpstate_load_user(struct fpstate *st)
{
	struct task_struct *t = fpstate_task(st);
	struct thread_struct *th = &t->thread;

	if (WARN_ON_ONCE(t != current))
		return;
	WRITE_ONCE(st->save_as, FP_STATE_CURRENT);
	if (system_supports_fpmr())
		write_sysreg_s(th->uw.fpmr, SYS_FPMR);

	if (system_supports_sve() && th->fp_type == FP_STATE_SVE) {
		unsigned int vl = task_get_sve_vl(t);

		set_thread_flag(TIF_SVE);
		sve_user_enable();
		sve_set_vq(sve_vq_from_vl(vl) - 1);
		sve_load_state(th->sve_state + sve_ffr_offset(vl),
			       &th->uw.fpsimd_state.fpsr, true);
		return;
	}
	WARN_ON_ONCE(th->fp_type != FP_STATE_FPSIMD);
	if (system_supports_sve()) {
		/* SVE traps again; its first use grows the context. */
		clear_thread_flag(TIF_SVE);
		sve_user_disable();
	}
	fpsimd_load_state(&th->uw.fpsimd_state);
}

/**
 * fpstate_hw_load() - fill the registers from a context's memory image
 * @st: a context of current (guests are loaded by the hypervisor's trap
 *      handler, which the core learns of through fpu_guest_exit())
 *
 * For a user context this also sets what userspace may do without
 * trapping: SVE access is enabled exactly when the image is SVE.
 */
void fpstate_hw_load(struct fpstate *st)
{
	fpcore_assert_locked();
	switch (st->kind) {
	case FPSTATE_USER:
		fpstate_load_user(st);
		break;
	case FPSTATE_KERNEL:
		fpsimd_load_state(&fpstate_task(st)->thread.kernel_fpsimd_state);
		break;
	case FPSTATE_GUEST:
		WARN_ONCE(1, "guest FP state is loaded by the hypervisor\n");
		break;
	}
}
