// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPUs as contexts of the FP core: the narrow API of asm/fpu_guest.h.
 *
 * A vCPU's context is lazy both ways, like a task's:
 *
 *   enter   fpu_guest_plan_entry() decides, with IRQs off, how the guest runs:
 *           with FP/SVE enabled when its state is still live here (no trap,
 *           no reload), else trapping its first FP/SVE access. Nothing is
 *           saved at entry.
 *   trap    the hypervisor's trap handler (hyp/fpsimd.h, the same for VHE
 *           and nVHE) acts on that plan: it writes the host's registers
 *           back if the plan says they are dirty, then loads the guest.
 *   exit    fpu_guest_exit() brings the ownership record up to date before
 *           IRQs are enabled again; the host's own registers are restored
 *           only on its way back to userspace, by the task code.
 *   put     fpu_guest_put() saves the guest and keeps the registers
 *           recorded as the vCPU's, so that a vcpu_load on this CPU with
 *           nobody in between enters the guest without a trap.
 *
 * Everything between fpu_guest_plan_entry() and fpu_guest_exit() happens with
 * the host's IRQs masked (VHE) or the host not running at all (nVHE), so
 * the plan still describes the record when the guest traps; the native
 * model runs enter, trap and exit through the same policy.h functions.
 *
 * A vCPU with SME takes the other way at its first use: it exits, and
 * fpu_guest_load() loads it like a task's context, after writing back the
 * caller's registers in full (ZA too). The hypervisor moves no SME state.
 *
 * The host's registers are saved by the hypervisor in the FPSIMD layout
 * only. That is exact: KVM_RUN is a system call, and the syscall ABI drops
 * everything beyond the V registers (fpstate::save_as is FP_STATE_FPSIMD
 * for the whole call, which fpregs_record_trap() asserts).
 */

#include <linux/lockdep.h>
#include <linux/sched.h>
#include <asm/fpsimd.h>
#include <asm/fpu_guest.h>

#include "internal.h"

/**
 * fpu_guest_init() - set up a new vCPU's context
 * @g: the context, embedded in the vCPU
 * @regs: where the vCPU keeps its V registers, FPSR and FPCR
 * @fp_type: where the layout of its last save is recorded
 * @fpmr: where it keeps FPMR
 *
 * The context starts FPSIMD-only and live nowhere: its first use loads it.
 */
void fpu_guest_init(struct fpu_guest *g, struct user_fpsimd_state *regs,
		    enum fp_type *fp_type, u64 *fpmr)
{
	*g = (struct fpu_guest) {
		.fpstate = FPSTATE_INIT(FPSTATE_GUEST),
		.regs = regs,
		.fp_type = fp_type,
		.fpmr = fpmr,
	};
	g->fpstate.save_as = FP_STATE_FPSIMD;
	*fp_type = FP_STATE_FPSIMD;
}

/**
 * fpu_guest_set_sve() - give a vCPU its SVE image
 * @g: the context
 * @sve_state: Z, P and FFR storage for @sve_vl, or NULL to drop SVE
 * @sve_vl: the vCPU's maximum vector length, in bytes
 *
 * Called when KVM finalizes the vCPU's vector lengths: from here on the
 * context is saved and loaded in the SVE layout at @sve_vl. Any registers
 * that held it no longer match that layout and are forgotten.
 */
void fpu_guest_set_sve(struct fpu_guest *g, void *sve_state,
		       unsigned int sve_vl)
{
	fpu_guest_discard(g);
	g->sve_state = sve_state;
	g->sve_vl = sve_state ? sve_vl : 0;
	g->fpstate.save_as = sve_state ? FP_STATE_SVE : FP_STATE_FPSIMD;
}

/**
 * fpu_guest_set_sme() - give a vCPU its SME image
 * @g: the context, which has its SVE image (fpu_guest_set_sve()) already
 *     sized for the longer of @sme_vl and its SVE length
 * @sme_state: ZA storage for @sme_vl, or NULL to drop SME
 * @sme_vl: the vCPU's maximum streaming vector length, in bytes
 * @svcr: where the vCPU keeps SVCR
 *
 * From here on the vCPU's first FP use is handled by fpu_guest_load().
 */
void fpu_guest_set_sme(struct fpu_guest *g, void *sme_state,
		       unsigned int sme_vl, u64 *svcr)
{
	fpu_guest_discard(g);
	g->sme_state = sme_state;
	g->sme_vl = sme_state ? sme_vl : 0;
	g->svcr = svcr;
}

/**
 * fpu_guest_load() - load a vCPU with SME on its first FP use
 * @g: the vCPU's context, loaded on this CPU (between vcpu_load and put)
 *
 * Called from KVM's exit handler, preemptible. The registers' dirty owner,
 * which inside KVM_RUN is the caller, is written back in full (its ZA
 * included), then the vCPU's FP, SVE and SME state is loaded; the guest's
 * next entry finds it live. Should the thread be preempted before that
 * entry, vcpu_put saves the vCPU again and the next entry traps again.
 *
 * Return: a mask of FPU_GUEST_LOADED, FPU_GUEST_HOST_SAVED and
 * FPU_GUEST_HOST_ZA_SAVED.
 */
unsigned int fpu_guest_load(struct fpu_guest *g)
{
	struct fpstate *host = &current->thread.fpstate;
	unsigned int done = 0;
	struct fpregs_cpu *pc;
	bool locked;

	if (WARN_ON_ONCE(!system_supports_sme() || !g->sme_vl))
		return 0;
	locked = fpregs_lock();
	pc = fpregs_this_cpu();
	if (pc->dirty && pc->owner == host) {
		done |= FPU_GUEST_HOST_SAVED;
		if (read_sysreg_s(SYS_SVCR) & SVCR_ZA_MASK) {
			done |= FPU_GUEST_HOST_ZA_SAVED;
			g->nr_host_za_saves++;
		}
	}
	if (fpregs_load(pc, smp_processor_id(), &g->fpstate))
		done |= FPU_GUEST_LOADED;
	else
		done = 0;
	fpregs_mark_foreign(current);
	fpregs_unlock(locked);
	return done;
}

/**
 * fpu_guest_plan_entry() - decide how the guest is entered on this CPU
 * @g: the vCPU's context
 *
 * Call with IRQs disabled, just before entering the guest, and pass the
 * answer on to the hypervisor. Transfers nothing.
 *
 * Return: FPU_GUEST_LIVE when the vCPU's state is live here (enter with
 * FP/SVE enabled), FPU_GUEST_TRAP_SAVE when the first FP/SVE access must
 * save the caller's dirty registers before loading the guest's,
 * FPU_GUEST_TRAP when it only has to load the guest's. Not inlined into
 * fpu_vmm_watch_take(), which ends by jumping to it.
 */
noinline enum fpu_guest_plan fpu_guest_plan_entry(struct fpu_guest *g)
{
	struct fpstate *host = &current->thread.fpstate;

	lockdep_assert_irqs_disabled();
	return fpregs_plan_entry(fpregs_this_cpu(), smp_processor_id(),
				 &g->fpstate, host);
}

/**
 * __fpu_guest_vcpu_load_sme() - fpu_guest_vcpu_load_sme() with SVCR found set
 * @g: the vCPU's context
 * @svcr: the SVCR found
 *
 * Return: true when the registers were written back and turned off.
 */
bool __fpu_guest_vcpu_load_sme(struct fpu_guest *g, u64 svcr)
{
	unsigned long flags;
	bool mine;

	/* IRQs off holds the record still (also from a preempt notifier). */
	local_irq_save(flags);
	mine = fpregs_is_live(fpregs_this_cpu(), smp_processor_id(), &g->fpstate);
	local_irq_restore(flags);
	if (fpregs_vcpu_load_sme(!!(svcr & SVCR_SM_MASK),
				 !!(svcr & SVCR_ZA_MASK), mine) != FPREGS_SME_FLUSH)
		return false;
	fpsimd_save_and_flush_cpu_state();
	return true;
}

/**
 * fpu_guest_vcpu_load_protected() - protected KVM loads a vCPU
 * @g: the vCPU's context
 *
 * Call from vcpu_load, preemption disabled. The registers' dirty owner
 * is written back and stays recorded (fpregs_save()), and
 * the caller takes its way back to userspace through the core. The
 * hypervisor refuses to run a vCPU with SVCR set, so SME found on is
 * written back and turned off, and the registers freed.
 *
 * Return: true when the registers were written back.
 */
bool fpu_guest_vcpu_load_protected(struct fpu_guest *g)
{
	unsigned long flags;
	bool saved;

	if (system_supports_sme() && read_sysreg_s(SYS_SVCR)) {
		fpsimd_save_and_flush_cpu_state();
		return true;
	}
	local_irq_save(flags);
	saved = fpregs_save(fpregs_this_cpu(), smp_processor_id());
	/* Clean now: its return to userspace marks it dirty again (I6). */
	if (saved)
		fpregs_mark_foreign(current);
	local_irq_restore(flags);
	return saved;
}

/*
 * ZA may have stayed on beside the guest since vcpu_load (see
 * fpregs_vcpu_load_sme()); the guest has the vector registers now, so it
 * is written back if it was the caller's newer ZA, and turned off. The
 * guest never ran in streaming mode, and only the hypervisor's trap ran
 * since, so the registers still hold this ZA.
 */
static void fpu_guest_stop_za(struct fpu_guest *g,
			      enum fpu_guest_plan plan)
{
	u64 svcr = read_sysreg_s(SYS_SVCR);

	if (!svcr)
		return;
	WARN_ON_ONCE(svcr & SVCR_SM_MASK);
	if ((svcr & SVCR_ZA_MASK) && fpregs_trap_saves_za(plan)) {
		fpstate_save_za(current);
		g->nr_host_za_saves++;
	}
	sme_smstop();
}

/**
 * fpu_guest_record_trap() - the hypervisor loaded the guest on its first use
 * @g: the vCPU's context
 * @plan: what fpu_guest_plan_entry() returned for this entry
 *
 * Called by fpu_guest_exit() with IRQs still disabled. The registers are
 * the vCPU's now, and the caller's own state is in memory, in the FPSIMD
 * layout if the hypervisor wrote it back: it is loaded again on the way
 * back to userspace.
 */
void fpu_guest_record_trap(struct fpu_guest *g, enum fpu_guest_plan plan)
{
	struct thread_struct *th = &current->thread;

	lockdep_assert_irqs_disabled();
	fpregs_record_trap(fpregs_this_cpu(), smp_processor_id(),
			   &g->fpstate, &th->fpstate, plan);
	/*
	 * The hypervisor stored the FPSIMD view: see the top of file. SVCR
	 * had streaming mode off (kvm_arch_vcpu_load_fp()), and ZA, if on,
	 * is still in the registers: the image says SVCR is 0, whatever an
	 * older save left there, until fpu_guest_stop_za() saves ZA.
	 */
	if (plan == FPU_GUEST_TRAP_SAVE) {
		th->fp_type = FP_STATE_FPSIMD;
		th->svcr = 0;
	}
	if (system_supports_sme())
		fpu_guest_stop_za(g, plan);
	fpregs_mark_foreign(current);
}

/**
 * fpu_guest_move_image() - the vCPU's SVE and ZA images moved
 * @g: the vCPU's context, not running
 * @sve_state: its SVE image now, of the old one's size (NULL without SVE)
 * @sme_state: its ZA image now, of the old one's size (NULL without SME)
 *
 * For KVM_ARM_SET_FP_STATE, which fills spare images and swaps them in.
 * Registers recorded as the vCPU's hold the old values: the caller
 * discards them (fpu_guest_discard()) before the vCPU runs again.
 */
void fpu_guest_move_image(struct fpu_guest *g, void *sve_state,
			  void *sme_state)
{
	g->sve_state = sve_state;
	g->sme_state = sme_state;
}

/**
 * fpu_guest_discard() - the vCPU's memory image was rewritten
 * @g: the vCPU's context, not running (put, or never loaded)
 *
 * For a reset, a KVM_SET_ONE_REG, a new layout: no registers anywhere may
 * count as holding the vCPU any more, so its next entry traps and loads.
 * Another CPU that still holds it dirty (a deferral, fpu_vmm_return())
 * writes it back first, so that no later save there overwrites the new
 * image; the caller fetched it already if it read the old one.
 */
void fpu_guest_discard(struct fpu_guest *g)
{
	bool locked;

	if (!fpregs_present())
		return;
	if (!irqs_disabled())
		fpu_guest_fetch_remote(g);
	locked = fpregs_lock();
	fpregs_discard(fpregs_this_cpu(), smp_processor_id(), &g->fpstate);
	fpregs_unlock(locked);
}

DEFINE_STATIC_KEY_FALSE(fpu_vmm_watch);

/* Runs on the CPU named by the vCPU's last_cpu, IRQs off (an IPI). */
static void fpu_guest_fetch_here(void *st)
{
	fpregs_sync(fpregs_this_cpu(), smp_processor_id(), st);
}

static void fpu_guest_fetch_cpu(struct fpu_guest *g, bool here_too)
{
	struct fpstate *st = &g->fpstate;
	struct fpregs_cpu *pc;
	int me, cpu;

	me = get_cpu();
	cpu = READ_ONCE(st->last_cpu);
	if (cpu == me) {
		if (here_too) {
			bool locked = fpregs_lock();

			fpu_guest_fetch_here(st);
			fpregs_unlock(locked);
		}
	} else if (cpu >= 0 && cpu < nr_cpu_ids) {
		/*
		 * Only the vCPU's runner makes it dirty, and the caller keeps
		 * it from running: a clean record read here stays clean.
		 */
		pc = per_cpu_ptr(&fpregs_owner, cpu);
		/* Pairs with fpregs_set_clean(): clean means the save is seen. */
		if (READ_ONCE(pc->owner) == st && smp_load_acquire(&pc->dirty))
			smp_call_function_single(cpu, fpu_guest_fetch_here, st, 1);
	}
	put_cpu();
}

/**
 * fpu_guest_fetch() - make a vCPU's memory image current, wherever it is
 * @g: the vCPU's context, not running: the caller holds the vCPU's mutex,
 *     or the vCPU has no user left (its destruction)
 *
 * A vCPU's registers may stay live and dirty after KVM_RUN returned, on
 * the CPU where its thread runs in userspace (fpu_vmm_return()): that CPU
 * writes them back, by an IPI when it is another. Call with IRQs enabled,
 * before a vCPU ioctl reads or rewrites the image. The registers stay
 * recorded as the vCPU's.
 */
void fpu_guest_fetch(struct fpu_guest *g)
{
	if (fpregs_present())
		fpu_guest_fetch_cpu(g, true);
}

/**
 * fpu_guest_fetch_remote() - KVM_RUN is about to load a vCPU: fetch it if
 *                            another CPU holds it dirty
 * @g: the vCPU's context, whose mutex the caller holds
 *
 * A VMM may run a vCPU from another thread than its last KVM_RUN's, which
 * may still hold it deferred (fpu_vmm_return()). Registers that hold it on
 * this CPU stay as they are: the entry finds them live. Call with IRQs
 * enabled.
 */
void fpu_guest_fetch_remote(struct fpu_guest *g)
{
	if (fpregs_present())
		fpu_guest_fetch_cpu(g, false);
}

/*
 * KVM_RUN returns, and fpu_vmm_watch is on: how does the VMM thread go
 * back? With watching (FPU_VMM_WATCH) or a deferral
 * (fpregs_plan_vmm_return() decides), the thread's EL0 FP access stays
 * trapped until its first use (fpregs_handle_el0_trap()): watched, the
 * vCPU is put and the thread's way back goes through
 * fpsimd_restore_current_state(), which sets that up; deferred, the vCPU
 * is not put, its registers stay live and dirty, and the trap is set up
 * here, with nothing loaded. A vCPU with SME is never deferred (its
 * streaming mode would stay on in the VMM), nor is anything on
 * PREEMPT_RT, where an IPI (fpu_guest_fetch()) could interrupt a change
 * of the record.
 */
static unsigned int fpu_vmm_return(struct fpregs_cpu *pc, int cpu,
				   struct fpu_guest *g, unsigned int how,
				   bool defer)
{
	struct fpstate *host = &current->thread.fpstate;
	unsigned int was = host->el0_watch, w;

	w = fpregs_plan_vmm_return(pc, &g->fpstate, host, how & FPU_VMM_WATCH,
				   defer);
	host->el0_watch = w;
	if (w == FPSTATE_WATCH_DEFER) {
		/*
		 * All the return path would do for it: EL0 access off, nothing
		 * loaded. Done here, so that a round trip without FP use does
		 * not take the slow way out. Whatever takes the CPU or the
		 * registers before userspace sets TIF_FOREIGN_FPSTATE again,
		 * and the return path then does the same.
		 */
		if (test_thread_flag(TIF_FOREIGN_FPSTATE))
			clear_thread_flag(TIF_FOREIGN_FPSTATE);
		fpregs_el0_trap_all();
		/* For the next KVM_RUN's load, which may be on another CPU. */
		g->vmm_deferred = true;
		return FPU_VMM_DEFERRED;
	}
	/* A KVM_RUN that never entered leaves a deferral unloaded. */
	if (w != FPSTATE_WATCH_OFF || was == FPSTATE_WATCH_DEFER)
		fpregs_mark_foreign(current);
	return fpregs_sync(pc, cpu, &g->fpstate) ? FPU_GUEST_SAVED : 0;
}

/**
 * fpu_guest_put() - the vCPU stops running on this CPU
 * @g: the vCPU's context
 * @how: 0, or for the put that ends KVM_RUN while fpu_vmm_watch is on,
 *       FPU_VMM_WATCH (count the thread's FP use until its next KVM_RUN)
 *       and FPU_VMM_DEFER (leave the vCPU's registers live until then)
 *
 * Writes the guest's registers back if they are newer than its memory,
 * at its own vector length; the registers stay recorded as the vCPU's.
 * With @how, the thread may instead be deferred: the vCPU is not written
 * back, and the thread's registers are loaded at its first FP use. One
 * call for both, so that a thread in its backoff costs the put little.
 * Call with IRQs disabled.
 *
 * Return: FPU_GUEST_SAVED when the vCPU was written back,
 * FPU_VMM_DEFERRED when it stays live and dirty, or 0.
 */
unsigned int fpu_guest_put(struct fpu_guest *g, unsigned int how)
{
	struct fpregs_cpu *pc = fpregs_this_cpu();
	int cpu = smp_processor_id();

	lockdep_assert_irqs_disabled();
	if (unlikely(how)) {
		struct fpstate *host = &current->thread.fpstate;
		bool defer = (how & FPU_VMM_DEFER) && !g->sme_vl &&
			     !IS_ENABLED(CONFIG_PREEMPT_RT);

		/*
		 * Neither watched now nor since its last KVM_RUN, and in its
		 * backoff: a put as without the parameters.
		 */
		if (how & FPU_VMM_WATCH || host->el0_watch ||
		    !fpstate_vmm_backoff(host, defer))
			return fpu_vmm_return(pc, cpu, g, how, defer);
	}
	return fpregs_sync(pc, cpu, &g->fpstate) ? FPU_GUEST_SAVED : 0;
}

/**
 * fpu_vmm_watch_take() - the caller enters a guest again: what did it do?
 * @g: the vCPU about to enter
 * @watch: set to what the caller did since KVM_RUN last returned:
 *         FPSTATE_WATCH_HIT if it used FP at EL0, FPSTATE_WATCH_ARMED or
 *         FPSTATE_WATCH_DEFER if not, FPSTATE_WATCH_OFF if it was neither
 *         watched nor deferred
 *
 * fpu_guest_plan_entry() for the first entry of a KVM_RUN whose thread
 * was watched or deferred, with IRQs disabled. The watch or deferral
 * ends. A deferred thread may have left another vCPU dirty here, which is
 * written back now, so the plan finds only @g or the thread itself dirty
 * (fpregs_vmm_enter()); its registers, never loaded, are loaded on its
 * way back to userspace unless it is deferred again (the load turns EL0
 * access on). A watched thread's EL0 FP/SIMD access is on again.
 *
 * Return: the plan, as fpu_guest_plan_entry().
 */
enum fpu_guest_plan fpu_vmm_watch_take(struct fpu_guest *g,
				       unsigned int *watch)
{
	struct fpstate *st = &current->thread.fpstate;
	unsigned int w = st->el0_watch;

	lockdep_assert_irqs_disabled();
	*watch = w;
	st->el0_watch = FPSTATE_WATCH_OFF;
	fpstate_vmm_account(st, w);
	if (w == FPSTATE_WATCH_DEFER) {
		fpregs_vmm_enter(fpregs_this_cpu(), smp_processor_id(),
				 &g->fpstate, st);
		fpregs_mark_foreign(current);
	} else if (fpstate_el0_watched(w)) {
		fpregs_el0_set_fp(true);
	}
	return fpu_guest_plan_entry(g);
}

/**
 * fpregs_handle_el0_trap() - an EL0 FP, SVE or SME access trapped: KVM's doing?
 *
 * The first thing each of the three trap handlers asks. Only KVM's VMM
 * watch and deferral trap EL0 FP: a thread they watch or defer (decided
 * from its own state, since it may have been preempted before this, on
 * a CPU whose EL0 access another task's return turned on again), or any
 * thread on a CPU where a watch was left behind (the parameters were
 * turned off). The use is recorded, EL0 FP/SIMD access is turned on, a
 * deferred thread's registers are loaded here and now (the core saves the
 * vCPU first), and the instruction runs again (SVE and SME then trap for
 * their own reasons, if they still do).
 *
 * Return: true when the trap was KVM's and has been dealt with.
 */
bool fpregs_handle_el0_trap(void)
{
	struct fpstate *st = &current->thread.fpstate;
	unsigned int w = READ_ONCE(st->el0_watch);
	bool locked, ours;

	if (!fpregs_present())
		return false;
	locked = fpregs_lock();
	ours = fpstate_el0_watched(w) ||
	       !(read_sysreg(cpacr_el1) & CPACR_EL1_FPEN_EL0EN);
	if (ours) {
		if (fpstate_el0_watched(w))
			st->el0_watch = FPSTATE_WATCH_HIT;
		fpregs_el0_set_fp(true);
		/* Deferred: loaded now, its EL0 SVE and SME access with it. */
		if (w == FPSTATE_WATCH_DEFER) {
			fpregs_mark_foreign(current);
			fpregs_restore_user_locked();
		}
	}
	fpregs_unlock(locked);
	return ours;
}
