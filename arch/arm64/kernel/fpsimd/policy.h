/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FP context policy: which ownership steps each kernel event takes.
 *
 * Plain C on top of own.h, shared by the kernel (core.c, the KVM glue) and
 * the native model in tools/testing/fpsimd-model/. Each function is one
 * event; the kernel wrappers add the locking, the thread flags and the
 * statistics, the model adds a fake register file and the checks.
 *
 * Tasks and vCPUs are both contexts. What differs is when they run with
 * the registers: a task in userspace, a vCPU inside the guest. A task
 * that stops running is saved (it may run next on another CPU, and no CPU
 * can read another's registers); the registers stay recorded as its own,
 * so coming back to the same CPU with nobody in between costs nothing.
 *
 * The host side of a vCPU thread is lazy both ways: entering the guest
 * saves nothing; the host's registers are written back only when the
 * guest's first FP access traps (fpregs_plan_entry() plans it, the
 * hypervisor does it, fpregs_record_trap() records it), and restored only
 * on the way back to userspace (fpregs_load()).
 *
 * Events that take one step of own.h call it directly: the return to
 * userspace, a task's kernel-mode NEON resumed and an SME vCPU's first FP
 * use load (fpregs_load()); kernel-mode NEON in a softirq, CPU power
 * management and SME found on at a protected vcpu_load release
 * (fpregs_release()); a task's kernel-mode NEON claims (fpregs_claim())
 * and ends with a discard (fpregs_discard()); protected KVM's vcpu_load
 * saves (fpregs_save()).
 */
#ifndef __ARM64_KERNEL_FPSIMD_POLICY_H
#define __ARM64_KERNEL_FPSIMD_POLICY_H

#include "own.h"

/**
 * fpregs_sync() - save @st if it is the registers' dirty owner
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 * @st: the context: one that stops running here (a vCPU being put), or
 *      one whose memory image a reader needs current
 *      (KVM_ARM_GET_FP_STATE, a core dump)
 *
 * The registers stay recorded as @st's: reloading it on this CPU with
 * nobody in between costs nothing.
 *
 * Return: non-zero when @st was saved.
 */
static inline int fpregs_sync(struct fpregs_cpu *pc, int cpu,
			      struct fpstate *st)
{
	if (pc->owner != st)
		return 0;
	return fpregs_save(pc, cpu);
}

/**
 * fpregs_task_switch_out() - the scheduler switches a task out of this CPU
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 * @user: the outgoing task's user context
 * @kern: the outgoing task's kernel-mode NEON context
 * @deferred: the task is a VMM thread whose registers KVM deferred
 *            (FPSTATE_WATCH_DEFER): the vCPU it last ran may be dirty here
 *
 * A dirty owner is saved and stays recorded as the owner. Only one of the
 * task's two contexts can be dirty here, or, for a deferred VMM thread, the
 * vCPU it left live: a vCPU still running inside KVM_RUN was put by KVM's
 * preempt notifier before the switch. Should that not have happened (the
 * notifier did not run), the vCPU is written back all the same, so its
 * values are not lost, and the assertion reports it.
 *
 * Return: non-zero when a context was saved.
 */
static inline int fpregs_task_switch_out(struct fpregs_cpu *pc, int cpu,
					 struct fpstate *user,
					 struct fpstate *kern, int deferred)
{
	FPREGS_ASSERT(!pc->dirty || pc->owner == user || pc->owner == kern ||
		      deferred);
	return fpregs_save(pc, cpu);
}

/**
 * fpregs_cpu_dead() - a CPU went offline; its registers are gone
 * @pc: the ownership record of the dead CPU (called from another CPU)
 *
 * Every task was migrated off it, which saved whoever was dirty, so the
 * record only has to forget its owner: whatever registers the CPU comes
 * back with hold nobody's state.
 */
static inline void fpregs_cpu_dead(struct fpregs_cpu *pc)
{
	FPREGS_ASSERT(!pc->dirty);
	pc->owner = NULL;
	pc->dirty = 0;
}

/**
 * fpregs_discard() - @st's registers are to be thrown away
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 * @st: the context, current on this CPU or not running at all
 *
 * Its memory image is, or is about to become, newer than any registers
 * (a signal return wrote it, exec resets it): nothing is saved, and no
 * CPU may count as holding @st any more.
 */
static inline void fpregs_discard(struct fpregs_cpu *pc, int cpu,
				  struct fpstate *st)
{
	if (fpregs_is_live(pc, cpu, st)) {
		pc->owner = NULL;
		pc->dirty = 0;
	}
	fpstate_invalidate(st);
}

/**
 * fpregs_evict() - @st's memory changed or must be made current
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 * @st: the context, current on this CPU or not running at all
 *
 * Writes back @st if this CPU holds newer values for it, then forgets
 * any registers that hold it: the memory image is the truth afterwards
 * and may be changed (ptrace, signal return, a new vector length).
 *
 * Return: non-zero when @st was saved.
 */
static inline int fpregs_evict(struct fpregs_cpu *pc, int cpu,
			       struct fpstate *st)
{
	int saved = fpregs_sync(pc, cpu, st);

	fpstate_invalidate(st);
	return saved;
}

/*
 * What fpregs_plan_entry() decides for the guest's first FP/SVE access is
 * an enum fpu_guest_plan (asm/fpu_guest.h): FPU_GUEST_TRAP, _TRAP_SAVE or
 * _LIVE.
 */

/**
 * fpregs_plan_entry() - decide how the guest is entered
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 * @vst: the vCPU's context
 * @host: the user context of the task that runs the vCPU
 *
 * Nothing is transferred here. Between this call and the guest's exit the
 * record cannot change (IRQs are off on the host, or the host is not
 * running at all), so the answer still holds when the guest traps.
 *
 * Return: FPU_GUEST_LIVE when the vCPU's state is still live here, so the
 * guest may run with FP/SVE enabled (no trap, no reload);
 * FPU_GUEST_TRAP_SAVE when the host's registers are dirty and the trap must
 * save them before it loads the guest; FPU_GUEST_TRAP otherwise.
 */
static inline enum fpu_guest_plan
fpregs_plan_entry(struct fpregs_cpu *pc, int cpu, struct fpstate *vst,
		  struct fpstate *host)
{
	if (fpregs_is_live(pc, cpu, vst)) {
		pc->dirty = 1;
		return FPU_GUEST_LIVE;
	}
	if (!pc->dirty)
		return FPU_GUEST_TRAP;
	/* Inside KVM_RUN only the ioctl's caller can have dirtied them. */
	FPREGS_ASSERT(pc->owner == host);
	return FPU_GUEST_TRAP_SAVE;
}

/**
 * fpregs_record_trap() - record what the hypervisor's trap handler did
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 * @vst: the vCPU's context
 * @host: the user context of the task that runs the vCPU
 * @plan: what fpregs_plan_entry() decided for this entry
 *
 * The hypervisor cannot call into the core (nVHE hyp code runs apart from
 * the kernel), so it acts on @plan alone: with FPU_GUEST_TRAP_SAVE it wrote
 * @host's registers back, in the FPSIMD layout that the system call
 * entry (fpsimd_syscall_enter(), on every system, SVE or not) set as
 * @host's save layout, then it loaded @vst. After the exit, still
 * before anything else may look at the record, the record catches up:
 * the host's registers, if saved, are clean, and @vst is live and dirty.
 */
static inline void fpregs_record_trap(struct fpregs_cpu *pc, int cpu,
				      struct fpstate *vst,
				      struct fpstate *host, int plan)
{
	if (plan == FPU_GUEST_TRAP_SAVE) {
		FPREGS_ASSERT(pc->dirty && pc->owner == host);
		/* The trap stored the FPSIMD view: KVM_RUN is a system call. */
		FPREGS_ASSERT(host->save_as == FP_STATE_FPSIMD);
		pc->dirty = 0;
	}
	FPREGS_ASSERT(plan != FPU_GUEST_LIVE && !pc->dirty);
	pc->owner = vst;
	vst->last_cpu = cpu;
	pc->dirty = 1;
}

/* What the SME state found in the registers makes vcpu_load do. */
#define FPREGS_SME_KEEP	0	/* leave it: nothing on, or ZA alone */
#define FPREGS_SME_FLUSH	1	/* write the owner back, turn SM and ZA off */

/**
 * fpregs_vcpu_load_sme() - may the registers' SME state stay into KVM_RUN?
 * @sm: PSTATE.SM is set
 * @za: PSTATE.ZA is set
 * @mine: the registers hold the vCPU being loaded (fpregs_is_live())
 *
 * A vCPU without SME cannot read or write ZA, ZT0 or SVCR, and its
 * FP/SVE instructions leave ZA alone, so someone else's ZA alone may stay
 * live beside it, and is only dealt with once the guest takes the vector
 * registers (fpregs_trap_saves_za()). Someone else's streaming mode may
 * not: the guest's FPSIMD and SVE instructions would run in it, at the
 * streaming length. A vCPU with SME that still holds the registers finds
 * its own SVCR there, and keeps it: that is what it runs with.
 *
 * Return: FPREGS_SME_FLUSH in someone else's streaming mode,
 * FPREGS_SME_KEEP otherwise.
 */
static inline int fpregs_vcpu_load_sme(int sm, int za, int mine)
{
	(void)za;
	return sm && !mine ? FPREGS_SME_FLUSH : FPREGS_SME_KEEP;
}

/**
 * fpregs_trap_saves_za() - must the ZA left on beside the guest be saved?
 * @plan: what fpregs_plan_entry() decided for the entry that trapped
 *
 * The guest now owns the vector registers, so ZA is turned off; it is
 * newer than its owner's memory only when the owner was dirty, which
 * inside KVM_RUN means the ioctl's caller (plan FPU_GUEST_TRAP_SAVE).
 *
 * Return: non-zero when ZA (and ZT0) must be written back first.
 */
static inline int fpregs_trap_saves_za(enum fpu_guest_plan plan)
{
	return plan == FPU_GUEST_TRAP_SAVE;
}

/*
 * Round trips in a row with FP use that stop the deferral for a while, and
 * for how many round trips (the model runs with fewer, to reach both ends).
 */
#ifndef FPSTATE_VMM_STREAK
#define FPSTATE_VMM_STREAK	4
#define FPSTATE_VMM_BACKOFF	255
#endif

/**
 * fpstate_vmm_backoff() - is the VMM thread in its backoff? One round trip less
 * @host: the thread's user context
 * @defer: its registers may be deferred (fp_vmm_defer, and the vCPU allows it)
 *
 * The first question of fpregs_plan_vmm_return(), also asked on its own by
 * the kernel's put when the thread is not watched: a thread in its backoff
 * is then put as without the parameters, and nothing else changes.
 *
 * Return: non-zero when the thread is not to be deferred this time.
 */
static inline int fpstate_vmm_backoff(struct fpstate *host, int defer)
{
	if (!defer || !host->vmm_skip)
		return 0;
	host->vmm_skip--;
	return 1;
}

/**
 * fpregs_plan_vmm_return() - KVM_RUN returns: how does the VMM thread go back?
 * @pc: the ownership record of the current CPU
 * @vst: the vCPU being put
 * @host: the thread's user context
 * @watch: count its FP use (fp_vmm_watch)
 * @defer: defer its registers (fp_vmm_defer)
 *
 * With FPSTATE_WATCH_DEFER the vCPU, live and dirty here, is not saved at its
 * put, and the thread's registers are not loaded on its way back: its EL0
 * FP, SVE and SME access traps instead, and only its first use moves
 * anything (the core saves the vCPU and loads the thread as on any return,
 * fpregs_load()). A next KVM_RUN that comes first finds the vCPU
 * live: no transfer at all. A thread whose last FPSTATE_VMM_STREAK round
 * trips all used FP is not deferred for the next FPSTATE_VMM_BACKOFF, so a
 * VMM that always uses FP pays the extra trap on about one round trip in
 * FPSTATE_VMM_BACKOFF.
 *
 * Return: the thread's fpstate::el0_watch until its next KVM_RUN.
 */
static inline int fpregs_plan_vmm_return(const struct fpregs_cpu *pc,
					 struct fpstate *vst, struct fpstate *host,
					 int watch, int defer)
{
	if (!fpstate_vmm_backoff(host, defer) &&
	    defer && pc->dirty && pc->owner == vst)
		return FPSTATE_WATCH_DEFER;
	return watch ? FPSTATE_WATCH_ARMED : FPSTATE_WATCH_OFF;
}

/**
 * fpstate_vmm_account() - the VMM thread enters KVM_RUN again: what did it do?
 * @host: the thread's user context
 * @w: its fpstate::el0_watch since KVM_RUN last returned
 *
 * Keeps the history fpregs_plan_vmm_return() decides from. After a backoff one
 * more round trip with FP use starts the next.
 */
static inline void fpstate_vmm_account(struct fpstate *host, int w)
{
	if (w == FPSTATE_WATCH_OFF)
		return;
	if (w != FPSTATE_WATCH_HIT) {
		host->vmm_streak = 0;
		return;
	}
	if (++host->vmm_streak >= FPSTATE_VMM_STREAK) {
		host->vmm_streak = FPSTATE_VMM_STREAK - 1;
		host->vmm_skip = FPSTATE_VMM_BACKOFF;
	}
}

/**
 * fpregs_vmm_enter() - a deferred VMM thread loads a vCPU for KVM_RUN
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 * @vst: the vCPU being loaded
 * @host: the thread's user context
 *
 * The registers may still hold, dirty, another vCPU the thread ran and
 * left deferred: it is written back now, so that fpregs_plan_entry() finds
 * only @vst or the thread itself dirty, as without deferral.
 *
 * Return: non-zero when a vCPU was saved.
 */
static inline int fpregs_vmm_enter(struct fpregs_cpu *pc, int cpu,
				   struct fpstate *vst, struct fpstate *host)
{
	if (!pc->dirty || pc->owner == vst || pc->owner == host)
		return 0;
	return fpregs_save(pc, cpu);
}

#endif /* __ARM64_KERNEL_FPSIMD_POLICY_H */
