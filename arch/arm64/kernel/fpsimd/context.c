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
 *                   thread.sve_state                   task's VL (thread.fp_type),
 *                                                      or at its streaming VL
 *                                                      in streaming mode
 *                   thread.svcr, thread.sme_state      ZA at the streaming VL,
 *                                                      then ZT0 (SME2), when
 *                                                      SVCR.ZA is set
 *   FPSTATE_KERNEL  thread.kernel_fpsimd_state         FPSIMD
 *   FPSTATE_GUEST   the vCPU's, via struct fpu_guest   FPSIMD, or SVE at the
 *                                                      vCPU's maximum VL, or
 *                                                      at its maximum streaming
 *                                                      VL in streaming mode
 *                   fpu_guest::svcr, ::sme_state       ZA at the maximum
 *                                                      streaming VL, when
 *                                                      SVCR.ZA is set
 *
 * Every SVE transfer first programs ZCR (SMCR in streaming mode) with the
 * length of the context it moves (invariant I7 in core.c), so a save can
 * never meet a vector length other than the one its buffer was laid out
 * for.
 *
 * SME state is the arm64 counterpart of x86's AMX tile data, and grows
 * the same way: a task's ZA/ZT0 storage exists only after its first SME
 * instruction trapped (do_sme_acc(), the XFD fault's counterpart), and is
 * moved only while the task has PSTATE.ZA set. fpstate_components() says
 * what an image holds, as x86's fpstate::xfeatures does.
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

/* The vCPU's SVCR as its image has it: 0 for a vCPU without SME. */
static u64 fpstate_guest_svcr(struct fpu_guest *g)
{
	return g->sme_vl ? *g->svcr : 0;
}

/* The length of the vCPU's Z, P and FFR image: streaming or not. */
static unsigned int fpstate_guest_vl(struct fpu_guest *g)
{
	if (fpstate_guest_svcr(g) & SVCR_SM_MASK)
		return g->sme_vl;
	return g->fpstate.save_as == FP_STATE_SVE ? g->sve_vl : 0;
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
 * holds SVE state (a task's streaming length in streaming mode), 0 for a
 * context that can only hold FPSIMD state.
 */
unsigned int fpstate_vl(struct fpstate *st)
{
	if (!system_supports_sve())
		return 0;
	switch (st->kind) {
	case FPSTATE_USER:
		return thread_get_cur_vl(&fpstate_task(st)->thread);
	case FPSTATE_GUEST:
		return fpstate_guest_vl(fpstate_guest(st));
	default:
		return 0;
	}
}

/**
 * fpstate_components() - which register components a context's image holds
 * @st: the context
 *
 * Return: a mask of FPSTATE_COMP_* bits: FPSIMD always, SVE when the image
 * is in the SVE layout (at the streaming length in streaming mode), ZA
 * and, on SME2 systems, ZT0 while the task has PSTATE.ZA set.
 */
unsigned int fpstate_components(struct fpstate *st)
{
	unsigned int comps = FPSTATE_COMP_FPSIMD;

	if (fpstate_type(st) == FP_STATE_SVE)
		comps |= FPSTATE_COMP_SVE;
	if (st->kind == FPSTATE_USER &&
	    thread_za_enabled(&fpstate_task(st)->thread)) {
		comps |= FPSTATE_COMP_ZA;
		if (system_supports_sme2())
			comps |= FPSTATE_COMP_ZT0;
	}
	/* Guests have SME without SME2: ZA alone. */
	if (st->kind == FPSTATE_GUEST &&
	    (fpstate_guest_svcr(fpstate_guest(st)) & SVCR_ZA_MASK))
		comps |= FPSTATE_COMP_ZA;
	return comps;
}

/**
 * fpstate_size() - the bytes of register state a context holds now
 * @st: the context
 *
 * Return: the size of the components fpstate_components() reports, each
 * at the vector length it is kept at.
 */
size_t fpstate_size(struct fpstate *st)
{
	unsigned int comps = fpstate_components(st);
	size_t size = sizeof(struct user_fpsimd_state);

	if (comps & FPSTATE_COMP_SVE)
		size += SVE_SIG_REGS_SIZE(sve_vq_from_vl(fpstate_vl(st)));
	if (comps & FPSTATE_COMP_ZA && st->kind == FPSTATE_GUEST)
		size += ZA_SIG_REGS_SIZE(sve_vq_from_vl(fpstate_guest(st)->sme_vl));
	else if (comps & FPSTATE_COMP_ZA)
		size += ZA_SIG_REGS_SIZE(sve_vq_from_vl(task_get_sme_vl(fpstate_task(st))));
	if (comps & FPSTATE_COMP_ZT0)
		size += ZT_SIG_REG_SIZE;
	return size;
}

/*
 * Save the live SVE registers at @vl into @image (laid out as the signal
 * frame's register block), FPSR and FPCR into @fp. When the length cannot
 * be programmed (a hypervisor's ZCR_EL2 caps it lower), keep what is
 * certain, the FPSIMD view, and say so.
 */
static __always_inline enum fp_type
fpstate_save_sve(void *image, struct user_fpsimd_state *fp, unsigned int vl)
{
	sve_cond_update_zcr_vq(sve_vq_from_vl(vl) - 1, SYS_ZCR_EL1);
	if (WARN_ON_ONCE(sve_get_vl() != vl)) {
		fpsimd_save_state(fp);
		return FP_STATE_FPSIMD;
	}
	sve_save_state(image + sve_ffr_offset(vl), &fp->fpsr, true);
	return FP_STATE_SVE;
}

/*
 * Program the task's streaming length; in streaming mode it is also the
 * length of the Z registers. SMCR_EL1 is the host's own, so it takes.
 */
static void fpstate_set_sme_vl(struct task_struct *t)
{
	unsigned int vl = task_get_sme_vl(t);

	sme_set_vq(sve_vq_from_vl(vl) - 1);
	WARN_ON_ONCE(sme_get_vl() != vl);
}

/*
 * The SME part of a save: SVCR, then ZA and ZT0 if PSTATE.ZA is set, then
 * in streaming mode the Z, P (and with FA64, FFR) registers at the
 * streaming length. Return: true when the streaming registers were saved,
 * so nothing else is.
 */
static bool fpstate_save_sme(struct task_struct *t)
{
	struct thread_struct *th = &t->thread;
	u64 svcr = read_sysreg_s(SYS_SVCR);

	th->svcr = svcr;
	if (!svcr)
		return false;
	/* Set only by a task with TIF_SME, which has both buffers. */
	if (WARN_ON_ONCE(!th->sme_state || !th->sve_state)) {
		th->svcr = 0;
		return false;
	}
	fpstate_set_sme_vl(t);
	if (svcr & SVCR_ZA_MASK)
		sme_save_state(th->sme_state, system_supports_sme2());
	if (!(svcr & SVCR_SM_MASK))
		return false;
	sve_save_state(th->sve_state + sve_ffr_offset(task_get_sme_vl(t)),
		       &th->uw.fpsimd_state.fpsr, system_supports_fa64());
	th->fp_type = FP_STATE_SVE;
	return true;
}

/**
 * fpstate_save_za() - write back a task's ZA and ZT0 alone
 * @t: current, with PSTATE.ZA set and PSTATE.SM clear
 *
 * For the guest's first FP use inside KVM_RUN: the hypervisor wrote the
 * caller's V registers back, and ZA stayed on beside the guest, which
 * cannot reach it (fpregs_vcpu_load_sme()). The image then says ZA is on.
 */
void fpstate_save_za(struct task_struct *t)
{
	struct thread_struct *th = &t->thread;

	lockdep_assert_irqs_disabled();
	/* system_supports_sme() is false at build time without ARM64_SME. */
	if (WARN_ON_ONCE(!system_supports_sme() || t != current ||
			 !th->sme_state))
		return;
	fpstate_set_sme_vl(t);
	sme_save_state(th->sme_state, system_supports_sme2());
	th->svcr = SVCR_ZA_MASK;
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
	if (system_supports_sme() && fpstate_save_sme(t))
		return;
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

/*
 * Program the vCPU's maximum streaming length, the layout of its image.
 * Return: false when it did not take (it cannot be shorter than the
 * host's, so this is a bug).
 */
static bool fpstate_guest_set_sme_vl(struct fpu_guest *g)
{
	sme_set_vq(sve_vq_from_vl(g->sme_vl) - 1);
	return !WARN_ON_ONCE(sme_get_vl() != g->sme_vl);
}

/*
 * The SME part of a vCPU's save, as fpstate_save_sme() is a task's: SVCR,
 * ZA if PSTATE.ZA is set, and in streaming mode the Z, P (and with FA64,
 * FFR) registers at the streaming length. Return: true when the streaming
 * registers were saved, so nothing else is.
 */
static bool fpstate_save_guest_sme(struct fpu_guest *g)
{
	u64 svcr = read_sysreg_s(SYS_SVCR);

	*g->svcr = svcr;
	if (!svcr || !fpstate_guest_set_sme_vl(g))
		return false;
	if (svcr & SVCR_ZA_MASK) {
		sme_save_state(g->sme_state, false);
		g->nr_za_saves++;
	}
	if (!(svcr & SVCR_SM_MASK))
		return false;
	sve_save_state(g->sve_state + sve_ffr_offset(g->sme_vl),
		       &g->regs->fpsr, system_supports_fa64());
	*g->fp_type = FP_STATE_SVE;
	return true;
}

static void fpstate_save_guest(struct fpstate *st)
{
	struct fpu_guest *g = fpstate_guest(st);

	g->nr_saves++;
	if (system_supports_fpmr())
		*g->fpmr = read_sysreg_s(SYS_FPMR);
	if (system_supports_sme() && g->sme_vl && fpstate_save_guest_sme(g))
		return;
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
	fpregs_assert_locked();
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

/*
 * The SME part of a load: SVCR, ZA and ZT0 if PSTATE.ZA is set, and in
 * streaming mode the Z, P (FFR) registers at the streaming length; EL0's
 * SME (and in streaming mode SVE) access as TIF_SME (TIF_SVE) says goes
 * into @el0. Return: true when the streaming registers were loaded, so
 * nothing else is.
 */
static bool fpstate_load_sme(struct task_struct *t, u64 *el0)
{
	struct thread_struct *th = &t->thread;
	u64 svcr = th->svcr;

	if (test_tsk_thread_flag(t, TIF_SME)) {
		fpstate_set_sme_vl(t);
		*el0 |= CPACR_EL1_SMEN_EL0EN;
	} else {
		WARN_ON_ONCE(svcr);
		svcr = 0;
	}
	/* A change of PSTATE.SM or ZA zeroes what it covers: all reloaded. */
	if (read_sysreg_s(SYS_SVCR) != svcr)
		write_sysreg_s(svcr, SYS_SVCR);
	if (svcr & SVCR_ZA_MASK)
		sme_load_state(th->sme_state, system_supports_sme2());
	if (!(svcr & SVCR_SM_MASK))
		return false;

	WARN_ON_ONCE(th->fp_type != FP_STATE_SVE);
	/* Outside streaming mode, SVE traps as TIF_SVE says. */
	if (test_tsk_thread_flag(t, TIF_SVE))
		*el0 |= CPACR_EL1_ZEN_EL0EN;
	sve_load_state(th->sve_state + sve_ffr_offset(task_get_sme_vl(t)),
		       &th->uw.fpsimd_state.fpsr, system_supports_fa64());
	return true;
}

/* What EL0 may use of SVE and SME, and what the loads decide of it. */
static __always_inline u64 fpstate_el0_mask(void)
{
	return (system_supports_sve() ? CPACR_EL1_ZEN_EL0EN : 0) |
	       (system_supports_sme() ? CPACR_EL1_SMEN_EL0EN : 0);
}

static void fpstate_load_user(struct fpstate *st)
{
	struct task_struct *t = fpstate_task(st);
	struct thread_struct *th = &t->thread;
	u64 mask = fpstate_el0_mask(), el0 = 0;

	if (WARN_ON_ONCE(t != current))
		return;
	WRITE_ONCE(st->save_as, FP_STATE_CURRENT);
	/* KVM's VMM watch or deferral may have left EL0 FP trapped here. */
	if (static_branch_unlikely(&fpu_vmm_watch)) {
		mask |= CPACR_EL1_FPEN_EL0EN;
		el0 |= CPACR_EL1_FPEN_EL0EN;
	}
	if (system_supports_fpmr())
		write_sysreg_s(th->uw.fpmr, SYS_FPMR);
	if (system_supports_sme() && fpstate_load_sme(t, &el0))
		goto out;

	if (system_supports_sve() && th->fp_type == FP_STATE_SVE) {
		unsigned int vl = task_get_sve_vl(t);

		if (!test_thread_flag(TIF_SVE))
			set_thread_flag(TIF_SVE);
		el0 |= CPACR_EL1_ZEN_EL0EN;
		sve_cond_update_zcr_vq(sve_vq_from_vl(vl) - 1, SYS_ZCR_EL1);
		sve_load_state(th->sve_state + sve_ffr_offset(vl),
			       &th->uw.fpsimd_state.fpsr, true);
		goto out;
	}
	WARN_ON_ONCE(th->fp_type != FP_STATE_FPSIMD);
	/* SVE traps again; its first use grows the context. */
	if (system_supports_sve() && test_thread_flag(TIF_SVE))
		clear_thread_flag(TIF_SVE);
	fpsimd_load_state(&th->uw.fpsimd_state);
out:
	/* One write of CPACR_EL1 for both, and none if nothing changes. */
	if (mask)
		sysreg_clear_set(cpacr_el1, mask, el0);
}

/*
 * A vCPU with SME, loaded by the host (fpu_guest_load()): SVCR first,
 * whose changes zero what they cover, then ZA, then the streaming or the
 * SVE registers, each at the length of its layout. The lengths the guest
 * runs at are put in force by the hypervisor at entry.
 */
static void fpstate_load_guest(struct fpstate *st)
{
	struct fpu_guest *g = fpstate_guest(st);
	u64 svcr = fpstate_guest_svcr(g);
	unsigned int vl = g->sve_vl;

	if (system_supports_fpmr())
		write_sysreg_s(*g->fpmr, SYS_FPMR);
	/* Only a vCPU with SME, so with SVE, is loaded here. */
	if (WARN_ON_ONCE(!system_supports_sme() || !g->sme_vl ||
			 st->save_as != FP_STATE_SVE) ||
	    !fpstate_guest_set_sme_vl(g))
		return;
	if (read_sysreg_s(SYS_SVCR) != svcr)
		write_sysreg_s(svcr, SYS_SVCR);
	if (svcr & SVCR_ZA_MASK) {
		sme_load_state(g->sme_state, false);
		g->nr_za_loads++;
	}
	if (svcr & SVCR_SM_MASK) {
		sve_load_state(g->sve_state + sve_ffr_offset(g->sme_vl),
			       &g->regs->fpsr, system_supports_fa64());
		return;
	}
	sve_cond_update_zcr_vq(sve_vq_from_vl(vl) - 1, SYS_ZCR_EL1);
	if (WARN_ON_ONCE(sve_get_vl() != vl))
		return;
	sve_load_state(g->sve_state + sve_ffr_offset(vl), &g->regs->fpsr,
		       true);
}

/**
 * fpstate_hw_load() - fill the registers from a context's memory image
 * @st: a context of current, or a vCPU with SME (a vCPU without it is
 *      loaded by the hypervisor's trap handler, which the core learns of
 *      through fpu_guest_exit())
 *
 * For a user context this also sets what userspace may do without
 * trapping: SVE access is enabled exactly when the image is SVE.
 */
void fpstate_hw_load(struct fpstate *st)
{
	fpregs_assert_locked();
	switch (st->kind) {
	case FPSTATE_USER:
		fpstate_load_user(st);
		break;
	case FPSTATE_KERNEL:
		/* The last user context may have left streaming mode on. */
		fpregs_make_plain();
		fpsimd_load_state(&fpstate_task(st)->thread.kernel_fpsimd_state);
		break;
	case FPSTATE_GUEST:
		fpstate_load_guest(st);
		break;
	}
}
