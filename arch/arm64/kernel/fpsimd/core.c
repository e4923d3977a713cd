// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP/SVE context core: who owns the registers.
 *
 * Vocabulary
 * ==========
 *
 * A name says what it acts on, as x86's do (fpregs_, fpstate_, fpu_):
 *
 *   prefix     acts on                                         x86
 *   fpregs_    this CPU's FP/SVE/SME registers and the per-CPU  fpregs_*
 *              record of whose values they hold (struct
 *              fpregs_cpu), the lock that holds the record
 *              still, EL0 access to the registers
 *   fpstate_   one context's memory image and what describes    fpstate_*
 *              it (struct fpstate): layout, vector length, the
 *              transfers into and out of the image
 *   fpu_       a container that owns a context, as KVM sees     fpu_*
 *              it: fpu_guest_* a vCPU (struct fpu_guest),
 *              fpu_vmm_* the VMM thread between two KVM_RUNs
 *   hyp_fp_    the hypervisor's half, at EL2 (hyp/fpsimd.h),    -
 *              which never reads the record
 *
 * The base kernel's fpsimd_, sve_ and sme_ names stay for the base code
 * that calls them (context switch, signals, ptrace, prctl, KVM).
 *
 * The verbs say what happens to the registers and the record:
 *
 *   load        memory -> registers, unless C is still live; C owns
 *               them, dirty
 *   save        the dirty owner's registers -> its memory; it stays owner
 *   sync        save, if C is the owner
 *   claim       save the owner; C owns registers it fills itself
 *   release     save the owner; the registers are nobody's
 *   evict       sync C; then no CPU holds C, its memory is the truth
 *   discard     no CPU holds C, and nothing is saved: its memory is newer
 *   invalidate  C forgets the CPU it was live on
 *   plan        decide, transfer nothing (the hypervisor acts on the plan)
 *   record      bring the record up to date with what the hypervisor did
 *   mark        set a flag (fpregs_mark_foreign(): TIF_FOREIGN_FPSTATE)
 *
 * Design
 * ======
 * Contexts. Every set of FP/SVE values the kernel keeps is a struct fpstate
 * (asm/fpstate.h): a task's userspace state, a task's kernel-mode NEON
 * state, a vCPU's state. Each describes itself (kind, layout, vector
 * length, see context.c) and remembers the CPU it was last live on in
 * fpstate::last_cpu. Tasks and vCPUs are the same kind of thing here;
 * only the transfers in context.c tell them apart.
 *
 * The record. One per-CPU struct fpregs_cpu, fpregs_owner, says whose values
 * the registers hold (owner) and whether they may be newer than that
 * owner's memory (dirty). There is no other tracker: TIF_FOREIGN_FPSTATE
 * is a cache of "current's user context is not live here" for the entry
 * code, kept consistent by every function below.
 *
 * States of one CPU, and of one context C relative to it:
 *
 *   free      owner == NULL: the registers are nobody's (after kernel-mode
 *             NEON, at boot, after a power-down).
 *   clean     owner == C, C->last_cpu == this CPU, !dirty: C's memory and
 *             the registers agree; C may run again here without a reload.
 *   dirty     as clean, but C has run on the registers since the last save.
 *   stale     owner == C but C->last_cpu != this CPU: C ran elsewhere or
 *             its memory was rewritten (ptrace, sigreturn, a new VL); the
 *             registers are worthless to it.
 *
 * Transitions (the decisions are plain C in own.h and policy.h, shared
 * with the native model in tools/testing/fpsimd-model/):
 *
 *   switch-out   dirty -> clean (save)                fpsimd_thread_switch()
 *   switch-in    none: the return path decides        fpsimd_thread_switch()
 *                (clean stays clean until then)
 *   return       anything -> dirty, loading C unless  fpsimd_restore_current_state()
 *                it was clean
 *   sync         dirty -> clean, C stays owner        fpsimd_preserve_current_state()
 *   evict        save if dirty, then stale            fpregs_evict_task()
 *   discard      owner C -> free, C stale, no save    fpsimd_flush_task_state()
 *   release      save if dirty, then free             fpsimd_save_and_flush_cpu_state(),
 *                                                     kernel-mode NEON (kernel.c)
 *   claim        save if dirty, owner := C, dirty     task kernel-mode NEON, a guest
 *                                                     loaded by the hypervisor
 *
 * The invariants the ownership code keeps are in the DOC block below.
 *
 * Calling rules. The record of a CPU changes only on that CPU, with IRQs
 * disabled (so kernel-mode NEON in a softirq cannot interleave; on
 * PREEMPT_RT, where softirqs are threads, with preemption disabled);
 * fpregs_lock() (internal.h) disables them unless they already are, and
 * fpregs_assert_locked() checks it where ownership changes. Hard IRQ and
 * NMI code never touches the registers (may_use_simd() is false there).
 * fpsimd_thread_switch() runs with IRQs disabled from __switch_to();
 * KVM's hooks (guest.c) run with IRQs disabled around guest entry and exit.
 */

/**
 * DOC: Invariants
 *
 * The native model checks these after every step of every sequence of
 * events up to its depth; FPREGS_ASSERT() checks the local ones in the
 * kernel.
 *
 * I1
 *   A CPU has at most one owner; a dirty CPU's owner is live on it.
 * I2
 *   A context is dirty on at most one CPU.
 * I3
 *   A context dirty nowhere has its latest values in its memory image.
 * I4
 *   A clean owner's memory equals the registers, so skipping its reload
 *   is exact, upper SVE bits included.
 * I5
 *   The registers are never loaded before a dirty owner is saved.
 * I6
 *   Current's TIF_FOREIGN_FPSTATE is clear only while current's user
 *   context is live and dirty here, or while current is a VMM thread whose
 *   registers KVM deferred and whose EL0 FP, SVE and SME access traps on
 *   this CPU. Every task switched in gets the flag, even onto registers
 *   that still hold it, and so does code that saves current but leaves it
 *   live (fpsimd_preserve_current_state()): the return path then marks the
 *   registers dirty, loading them only if they no longer hold it. So
 *   userspace never runs on registers that are not its own, or that the
 *   next switch-out believes clean and does not save; and a vCPU thread
 *   that sleeps and wakes inside KVM_RUN is not saved at every sleep.
 * I7
 *   A save writes the layout its context describes, at that context's
 *   vector length, which the save itself programs into ZCR first
 *   (context.c): the length in force can never disagree with the buffer,
 *   whoever runs the save (a task, a softirq, KVM).
 *
 * Two more properties are checked by the model on every step in which a
 * context runs with the registers: it sees exactly its own latest values
 * at its own vector length, never another context's (the bits above a
 * shorter vector length included); and a task whose TIF_FOREIGN_FPSTATE
 * is clear is live.
 */

#include <linux/cpuhotplug.h>
#include <linux/lockdep.h>
#include <linux/preempt.h>
#include <linux/processor.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/fpsimd.h>

#include "internal.h"

DEFINE_PER_CPU(struct fpregs_cpu, fpregs_owner);

/**
 * fpregs_evict_task() - make @t's memory image the truth
 * @t: current, or a task that is not running (stopped for ptrace)
 *
 * Registers newer than the image are written back first; afterwards no
 * CPU counts as holding @t, so the image may be rewritten and is loaded
 * again before @t next returns to userspace. Call with preemption enabled
 * or disabled, without fpregs_lock() held.
 */
void fpregs_evict_task(struct task_struct *t)
{
	struct fpstate *st = &t->thread.fpstate;
	bool locked;

	if (t != current) {
		WARN_ON_ONCE(task_curr(t));
		fpstate_invalidate(st);
		fpregs_mark_foreign(t);
		return;
	}
	locked = fpregs_lock();
	fpregs_evict(fpregs_this_cpu(), smp_processor_id(), st);
	fpregs_mark_foreign(current);
	fpregs_unlock(locked);
}

/**
 * fpsimd_thread_switch() - the scheduler switches from current to @next
 * @incoming: the task switched to
 *
 * Called from __switch_to() with IRQs disabled. Whatever current left
 * dirty (its user or its kernel-mode NEON registers) is saved and stays
 * recorded, so @incoming finds out here whether the registers are still its
 * own. A vCPU that KVM's preempt notifier failed to put is saved too,
 * with a warning (fpregs_task_switch_out()). A task switched in inside
 * kernel_neon_begin()/end() gets its kernel-mode registers back at once:
 * that code does not pass through the return path.
 */
void fpsimd_thread_switch(struct task_struct *incoming)
{
	struct fpregs_cpu *pc;
	int cpu;

	fpsimd_test_switch_check();
	if (!fpregs_present())
		return;
	lockdep_assert_irqs_disabled();
	pc = fpregs_this_cpu();
	cpu = smp_processor_id();

	fpregs_task_switch_out(pc, cpu, &current->thread.fpstate,
			       &current->thread.kernel_fpstate,
			       fpu_vmm_deferred());

	if (test_tsk_thread_flag(incoming, TIF_KERNEL_FPSTATE)) {
		fpregs_load(pc, cpu, &incoming->thread.kernel_fpstate);
		fpregs_mark_foreign(incoming);
		return;
	}
	/*
	 * Always through the return path, which loads only if the registers
	 * no longer hold it. Registers that still do stay clean until then:
	 * a vCPU thread that sleeps and wakes inside KVM_RUN, its VMM state
	 * live all along, is not saved again at every sleep.
	 */
	fpregs_mark_foreign(incoming);
}

/**
 * fpregs_restore_user_locked() - the body of fpsimd_restore_current_state()
 *
 * Call with fpregs_lock() held. Also for a deferred VMM thread's first FP
 * use (fpregs_handle_el0_trap()), which loads it at the trap, in the same
 * locked section, so that it never runs in the kernel with its deferral
 * over and its registers not yet its own.
 */
void fpregs_restore_user_locked(void)
{
	unsigned int w = FPSTATE_WATCH_OFF;

	/* KVM's VMM watch or deferral (guest.c), read once. */
	if (static_branch_unlikely(&fpu_vmm_watch))
		w = READ_ONCE(current->thread.fpstate.el0_watch);
	/* Nobody else clears it, or sets it while current runs. */
	if (!test_thread_flag(TIF_FOREIGN_FPSTATE))
		goto out;
	clear_thread_flag(TIF_FOREIGN_FPSTATE);
	if (w == FPSTATE_WATCH_DEFER) {
		/*
		 * A VMM thread whose registers KVM deferred (guest.c): not
		 * loaded, whoever holds the registers; its first FP, SVE or
		 * SME use traps (fpregs_handle_el0_trap()) and loads it then.
		 */
		fpregs_el0_trap_all();
		return;
	}
	if (!fpregs_load(fpregs_this_cpu(), smp_processor_id(),
			 &current->thread.fpstate) &&
	    (has_vhe() || static_branch_unlikely(&fpu_vmm_watch)) &&
	    (system_supports_sve() || system_supports_sme())) {
		/*
		 * Still live, so not reloaded: but a VHE KVM exit on this CPU
		 * may have reset EL0 SVE and SME access since it last ran, or
		 * a VMM thread watched or deferred here turned them and FP off
		 * (nVHE leaves the host's CPACR_EL1 alone otherwise). A load
		 * sets all three (fpstate_load_user()).
		 */
		bool sme = system_supports_sme();
		u64 mask = CPACR_EL1_ZEN_EL0EN | (sme ? CPACR_EL1_SMEN_EL0EN : 0);
		u64 el0 = test_thread_flag(TIF_SVE) ? CPACR_EL1_ZEN_EL0EN : 0;

		if (sme && test_thread_flag(TIF_SME))
			el0 |= CPACR_EL1_SMEN_EL0EN;
		if (static_branch_unlikely(&fpu_vmm_watch)) {
			mask |= CPACR_EL1_FPEN_EL0EN;
			el0 |= CPACR_EL1_FPEN_EL0EN;
		}
		sysreg_clear_set(cpacr_el1, mask, el0);
	}
out:
	/*
	 * A VMM thread watched between KVM_RUNs (guest.c) traps its FP use.
	 * Anyone else finds EL0 FP on: a load turns it on while the watch
	 * parameters are, and a CPU left trapping (without SVE, or after
	 * they went off) takes one trap that turns it on.
	 */
	if (unlikely(w) && fpstate_el0_watched(w))
		fpregs_el0_set_fp(false);
}

/**
 * fpsimd_restore_current_state() - give current its registers back
 *
 * On the way to userspace when TIF_FOREIGN_FPSTATE is set: current's
 * context is loaded unless the registers still hold it.
 */
void fpsimd_restore_current_state(void)
{
	bool locked;

	if (!fpregs_present()) {
		/* Nothing to load, ever. */
		clear_tsk_thread_flag(current, TIF_FOREIGN_FPSTATE);
		return;
	}
	locked = fpregs_lock();
	fpregs_restore_user_locked();
	fpregs_unlock(locked);
}

/**
 * fpsimd_flush_task_state() - forget any registers that hold @t's state
 * @t: current, or a task that is not running
 *
 * For callers that have rewritten, or are about to rewrite, @t's memory
 * image (ptrace, signal return, fork): the registers are discarded, not
 * saved, and @t is loaded from memory before it next returns to userspace.
 */
void fpsimd_flush_task_state(struct task_struct *t)
{
	bool locked;

	if (!system_supports_fpsimd() || t != current) {
		fpstate_invalidate(&t->thread.fpstate);
		/* A new task (copy_thread()) is nobody's VMM yet. */
		t->thread.fpstate.el0_watch = FPSTATE_WATCH_OFF;
		t->thread.fpstate.vmm_streak = 0;
		t->thread.fpstate.vmm_skip = 0;
		fpregs_mark_foreign(t);
		return;
	}
	locked = fpregs_lock();
	fpregs_discard(fpregs_this_cpu(), smp_processor_id(), &t->thread.fpstate);
	fpregs_mark_foreign(current);
	fpregs_unlock(locked);
}

/**
 * fpsimd_save_and_flush_cpu_state() - write the registers back and free them
 *
 * Whoever owns this CPU's registers (current's user context, or a vCPU
 * bound by KVM) is saved if dirty, and the registers become nobody's.
 * Callable with IRQs disabled; preemption must be disabled.
 */
void fpsimd_save_and_flush_cpu_state(void)
{
	unsigned long irqflags;

	if (!fpregs_present())
		return;
	WARN_ON(preemptible());
	local_irq_save(irqflags);
	fpregs_release(fpregs_this_cpu(), smp_processor_id());
	fpregs_mark_foreign(current);
	fpregs_make_plain();
	local_irq_restore(irqflags);
}

/**
 * fpsimd_flush_thread() - reset current's FP/SVE/SME state for exec
 *
 * Streaming mode and ZA end, SVE and SME trap again on first use, and the
 * buffers for them are freed.
 */
void fpsimd_flush_thread(void)
{
	struct thread_struct *th = &current->thread;
	void *old_sve = NULL, *old_za = NULL;
	enum vec_type type;
	bool locked;

	if (!fpregs_present())
		return;

	locked = fpregs_lock();
	/* A deferral ends: the vCPU it left dirty here is written back. */
	if (fpu_vmm_deferred())
		fpregs_release(fpregs_this_cpu(), smp_processor_id());
	fpregs_discard(fpregs_this_cpu(), smp_processor_id(), &th->fpstate);
	fpregs_mark_foreign(current);
	th->fpstate.el0_watch = FPSTATE_WATCH_OFF;
	memset(&th->uw.fpsimd_state, 0, sizeof(th->uw.fpsimd_state));
	th->uw.fpmr = 0;
	clear_thread_flag(TIF_SVE);
	swap(old_sve, th->sve_state);
	th->fp_type = FP_STATE_FPSIMD;
	/* No streaming mode, no ZA, and SME traps again: it may grow anew. */
	th->svcr = 0;
	update_thread_flag(TIF_SME, false);
	swap(old_za, th->sme_state);
	fpregs_unlock(locked);

	for (type = 0; type < ARM64_VEC_MAX; type++)
		fpsimd_flush_thread_vl(type);
	kfree(old_sve);
	kfree(old_za);
}

static int fpregs_cpuhp_dead(unsigned int cpu)
{
	fpregs_cpu_dead(per_cpu_ptr(&fpregs_owner, cpu));
	return 0;
}

/**
 * fpregs_init() - register the core's CPU hotplug callback
 */
void __init fpregs_init(void)
{
	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU))
		return;
	cpuhp_setup_state_nocalls(CPUHP_ARM64_FPSIMD_DEAD, "arm64/fpsimd:dead",
				  NULL, fpregs_cpuhp_dead);
}
