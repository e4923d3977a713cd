// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's hooks into the arm64 FP core: the vCPU is one more FP context.
 *
 * The vCPU's struct fpu_guest (asm/fpu_guest.h) is owned by the core like
 * any task's context; KVM only reports its events:
 *
 *   create      kvm_arch_vcpu_init_fp()     fpu_guest_init()
 *   finalize    kvm_vcpu_finalize_sve()     fpu_guest_set_sve()
 *   entry       kvm_arch_vcpu_ctxflush_fp() fpu_guest_plan_entry(), plan to hyp
 *   exit        kvm_arch_vcpu_ctxsync_fp()  fpu_guest_exit()
 *   first use   kvm_handle_fp_first_use()   fpu_guest_load() (SME vCPUs)
 *   put         kvm_arch_vcpu_put_fp()      fpu_guest_put()
 *   rewrite     kvm_arch_vcpu_fp_changed()  fpu_guest_discard()
 *
 * vcpu_load does nothing to the registers (but turn off streaming mode
 * on SME hosts): the host's state, ZA included, is written back only if
 * the guest traps on FP/SVE during this KVM_RUN, and the guest's is
 * reloaded only if someone else used the registers since its last put.
 * Documentation/virt/kvm/arm/fp-context.rst walks through the lifecycle.
 *
 * Protected mode: the hypervisor decides for itself whether an entry may
 * find the vCPU live (hyp-main.c keeps which vCPU it left in the
 * registers, and never leaves a protected one there), and cannot write the
 * VMM thread back, so vcpu_load writes back whoever is dirty in the
 * registers (fpu_guest_vcpu_load_protected()), leaving them recorded as they
 * are. The rest is as above: the guest's state stays live across exits
 * and is saved at put.
 */

#include <linux/cleanup.h>
#include <linux/irqflags.h>
#include <linux/kvm_host.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <asm/fpsimd.h>
#include <asm/fpu_guest.h>
#include <asm/kvm_asm.h>
#include <asm/kvm_hyp.h>
#include <asm/kvm_mmu.h>

#define CREATE_TRACE_POINTS
#include "trace_fp.h"

/*
 * kvm.fp_vmm_watch: count, per vCPU, the userspace round trips and those in
 * which the VMM thread used FP at EL0 between KVM_RUN returning and its
 * next call (fp_vmm_round_trip, fp_vmm_fp_use), by trapping its EL0 FP
 * access until its first use. A measurement for the lazy return to the
 * VMM (Documentation/virt/kvm/arm/fp-context.rst).
 *
 * kvm.fp_vmm_defer: that return itself. The guest's registers stay live
 * when KVM_RUN returns, the VMM thread's are loaded only at its first FP
 * use, and a KVM_RUN that comes first costs no FP transfer at all
 * (fp_vmm_deferred counts the returns deferred). Not in protected mode.
 *
 * Both are off by default, and then free (the static key fpu_vmm_watch).
 * Once a deferral was possible the key stays on: a thread may still be
 * deferred, and the system call entry must know it.
 */
static bool fp_vmm_watch;
static bool fp_vmm_defer;
static bool fp_vmm_key_held;
/* Both as fpu_guest_put()'s @how (FPU_VMM_WATCH, FPU_VMM_DEFER). */
static u8 fp_vmm_how;

static int fp_vmm_param_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (ret)
		return ret;
	if (fp_vmm_defer)
		fp_vmm_key_held = true;
	WRITE_ONCE(fp_vmm_how, (fp_vmm_watch ? FPU_VMM_WATCH : 0) |
			       (fp_vmm_defer ? FPU_VMM_DEFER : 0));
	if (fp_vmm_watch || fp_vmm_defer)
		static_branch_enable(&fpu_vmm_watch);
	else if (!fp_vmm_key_held)
		static_branch_disable(&fpu_vmm_watch);
	return 0;
}

static const struct kernel_param_ops fp_vmm_param_ops = {
	.set = fp_vmm_param_set,
	.get = param_get_bool,
};
module_param_cb(fp_vmm_watch, &fp_vmm_param_ops, &fp_vmm_watch, 0644);
MODULE_PARM_DESC(fp_vmm_watch,
		 "count the VMM threads' FP use between KVM_RUNs (vCPU stats fp_vmm_*)");
module_param_cb(fp_vmm_defer, &fp_vmm_param_ops, &fp_vmm_defer, 0644);
MODULE_PARM_DESC(fp_vmm_defer,
		 "leave the guest's FP registers live until the VMM thread uses FP");

/*
 * The plan goes to the hypervisor as it is, in the base's fp_owner (see
 * enum fpu_guest_plan): the only place the two names meet.
 */
static_assert((int)FPU_GUEST_TRAP == (int)FP_STATE_FREE);
static_assert((int)FPU_GUEST_TRAP_SAVE == (int)FP_STATE_HOST_OWNED);
static_assert((int)FPU_GUEST_LIVE == (int)FP_STATE_GUEST_OWNED);

/* Without protection: the hypervisor writes the VMM thread back itself. */
static __always_inline bool kvm_fp_lazy(void)
{
	return system_supports_fpsimd() && !is_protected_kvm_enabled();
}

/*
 * host_data_ptr() without its protected-mode test, for the hot path:
 * callers are not in protected mode, where the host has its own copy.
 */
static __always_inline struct kvm_host_data *kvm_fp_host_data(void)
{
	return this_cpu_ptr_hyp_sym(kvm_host_data);
}

/**
 * kvm_arch_vcpu_init_fp() - make a new vCPU an FP context of the core
 * @vcpu: the vCPU being created
 */
void kvm_arch_vcpu_init_fp(struct kvm_vcpu *vcpu)
{
	fpu_guest_init(&vcpu->arch.fpu, &vcpu->arch.ctxt.fp_regs,
		       &vcpu->arch.fp_type, &__vcpu_sys_reg(vcpu, FPMR));
}

/**
 * kvm_arch_vcpu_run_map_fp() - let nVHE hyp code write back the VMM thread
 * @vcpu: the vCPU about to run from a new thread
 *
 * The trap handler saves the calling thread's V registers, FPSR, FPCR and
 * FPMR straight into its thread_struct, which must be mapped at EL2.
 *
 * Return: 0, or the error from sharing the memory with the hypervisor.
 */
int kvm_arch_vcpu_run_map_fp(struct kvm_vcpu *vcpu)
{
	typeof(current->thread.uw) *uw = &current->thread.uw;

	return kvm_fp_lazy() ? kvm_share_hyp(uw, uw + 1) : 0;
}

/**
 * kvm_arch_vcpu_load_fp() - the vCPU is loaded on this CPU
 * @vcpu: the vCPU
 *
 * Nothing moves: the hypervisor is told where the calling thread's
 * registers go should the guest need them, and the next entry finds out
 * whether the vCPU's own registers are still here.
 */
void kvm_arch_vcpu_load_fp(struct kvm_vcpu *vcpu)
{
	struct thread_struct *th = &current->thread;
	struct kvm_host_data *hd;

	if (!system_supports_fpsimd())
		return;
	if (is_protected_kvm_enabled()) {
		/* The hypervisor cannot write the VMM back: do it here. */
		fpu_guest_vcpu_load_protected(&vcpu->arch.fpu);
		vcpu->arch.fp_after_load = true;
		return;
	}
	/*
	 * kvm.fp_vmm_defer: KVM_RUN from another thread than the last one
	 * fetches the vCPU from that thread's CPU, which may still hold it.
	 * Once this KVM_RUN has loaded it, no other CPU holds it dirty until
	 * its next deferral: a preemption's put before the entry saves it.
	 */
	if (static_branch_unlikely(&fpu_vmm_watch) &&
	    vcpu->arch.fpu.vmm_deferred && vcpu->wants_to_run &&
	    !READ_ONCE(vcpu->scheduled_out)) {
		struct fpu_guest *g = &vcpu->arch.fpu;
		int last = READ_ONCE(g->fpstate.last_cpu);

		g->vmm_deferred = false;
		if (last != smp_processor_id() && last >= 0)
			fpu_guest_fetch_remote(g);
	}
	/*
	 * Someone else's streaming mode (a task's, left behind clean:
	 * KVM_RUN, a system call, ended the caller's) must not meet a guest:
	 * written back if dirty and turned off now. ZA alone (the caller's,
	 * which system calls keep) stays live until the guest takes the
	 * registers, which may be never (fpu_guest_record_trap(),
	 * fpu_guest_load()). An SME vCPU's own SVCR stays with it.
	 */
	if (fpu_guest_vcpu_load_sme(&vcpu->arch.fpu))
		vcpu->stat.fp_host_sme_flush++;
	/* nVHE: where the trap writes the thread back (VHE finds current). */
	if (!has_vhe()) {
		hd = kvm_fp_host_data();
		hd->task_fpsimd = kern_hyp_va(&th->uw.fpsimd_state);
		hd->task_fpmr = kern_hyp_va(&th->uw.fpmr);
	}
	vcpu->arch.fp_after_load = true;
}

/*
 * The first entry of a KVM_RUN whose thread was watched or deferred: what
 * did the VMM do since the last one? Returns the entry's plan.
 */
static noinline enum fpu_guest_plan kvm_fp_vmm_watched(struct kvm_vcpu *vcpu)
{
	enum fpu_guest_plan plan;
	unsigned int w;

	plan = fpu_vmm_watch_take(&vcpu->arch.fpu, &w);
	vcpu->stat.fp_vmm_round_trip++;
	if (w == FPSTATE_WATCH_HIT)
		vcpu->stat.fp_vmm_fp_use++;
	/* Deferred, unused, still live: a round trip that moved nothing. */
	if (w == FPSTATE_WATCH_DEFER && plan == FPU_GUEST_LIVE)
		vcpu->stat.fp_vmm_live_entry++;
	return plan;
}

/**
 * kvm_arch_vcpu_ctxflush_fp() - decide how FP is entered, IRQs off
 * @vcpu: the vCPU about to enter the guest
 *
 * Runs before every entry, so it does no more than ask the core for the
 * plan and hand it to the hypervisor.
 */
void kvm_arch_vcpu_ctxflush_fp(struct kvm_vcpu *vcpu)
{
	bool first = vcpu->arch.fp_after_load;
	enum fpu_guest_plan plan;

	if (!system_supports_fpsimd())
		return;
	/* Watched or deferred since KVM_RUN last returned? */
	if (unlikely(first) && static_branch_unlikely(&fpu_vmm_watch) &&
	    READ_ONCE(current->thread.fpstate.el0_watch))
		plan = kvm_fp_vmm_watched(vcpu);
	else
		plan = fpu_guest_plan_entry(&vcpu->arch.fpu);
	vcpu->arch.fp_plan = plan;
	/* Protected mode: the hypervisor reads the plan from the vCPU. */
	if (!is_protected_kvm_enabled())
		kvm_fp_host_data()->fp_owner = (int)plan;
	if (unlikely(first)) {
		vcpu->arch.fp_after_load = false;
		if (plan == FPU_GUEST_LIVE)
			vcpu->stat.fp_reload_avoided++;
	}
	if (trace_kvm_fp_enter_enabled())
		trace_kvm_fp_enter(vcpu->vcpu_id, smp_processor_id(), plan);
}

/* The slow end of kvm_arch_vcpu_ctxsync_fp(), out of line. */
static noinline void kvm_fp_trapped(struct kvm_vcpu *vcpu)
{
	enum fpu_guest_plan plan = vcpu->arch.fp_plan;

	vcpu->arch.fp_trapped = false;
	fpu_guest_exit(&vcpu->arch.fpu, plan, true);
	vcpu->stat.fp_trap++;
	vcpu->stat.fp_guest_load++;
	vcpu->stat.fp_host_za_save = vcpu->arch.fpu.nr_host_za_saves;
	if (plan == FPU_GUEST_TRAP_SAVE)
		vcpu->stat.fp_host_save++;
	if (trace_kvm_fp_trap_enabled())
		trace_kvm_fp_trap(vcpu->vcpu_id, smp_processor_id(),
				  plan == FPU_GUEST_TRAP_SAVE);
}

/**
 * kvm_handle_fp_first_use() - an SME vCPU used FP, SVE or SME: load it
 * @vcpu: the vCPU, which exited on the trap
 *
 * The exit handler for FP, SVE and SME traps of a vCPU with SME (the
 * hypervisor leaves them to the host: hyp/fpsimd.h). The FP core writes
 * back the caller's registers if they are dirty, ZA included, and loads
 * the vCPU's; the guest then re-runs the instruction with its state live.
 * A trap while it is already live is an access the vCPU does not have
 * (ZT0: guests have no SME2), and is undefined.
 *
 * Return: 1, to re-enter the guest.
 */
int kvm_handle_fp_first_use(struct kvm_vcpu *vcpu)
{
	struct fpu_guest *g = &vcpu->arch.fpu;
	u64 za_loads = g->nr_za_loads;
	unsigned int done;

	done = fpu_guest_load(g);
	if (!(done & FPU_GUEST_LOADED)) {
		kvm_inject_undefined(vcpu);
		return 1;
	}
	vcpu->stat.fp_trap++;
	vcpu->stat.fp_guest_load++;
	if (done & FPU_GUEST_HOST_SAVED)
		vcpu->stat.fp_host_save++;
	vcpu->stat.fp_host_za_save = g->nr_host_za_saves;
	vcpu->stat.fp_guest_za_load = g->nr_za_loads;
	trace_kvm_fp_trap(vcpu->vcpu_id, raw_smp_processor_id(),
			  !!(done & FPU_GUEST_HOST_SAVED));
	if (g->nr_za_loads != za_loads)
		trace_kvm_fp_za(vcpu->vcpu_id, raw_smp_processor_id(), 1);
	return 1;
}

/**
 * kvm_arch_vcpu_ctxsync_fp() - account for the guest's run, IRQs still off
 * @vcpu: the vCPU that just exited
 *
 * Runs after every exit. The hypervisor's trap handler sets fp_trapped
 * when it loaded the guest, which is cheaper to test here than the
 * per-CPU fp_owner it also sets.
 */
void kvm_arch_vcpu_ctxsync_fp(struct kvm_vcpu *vcpu)
{
	if (!system_supports_fpsimd())
		return;
	if (unlikely(vcpu->arch.fp_trapped))
		kvm_fp_trapped(vcpu);
	else
		fpu_guest_exit(&vcpu->arch.fpu, vcpu->arch.fp_plan, false);
}

/**
 * kvm_arch_vcpu_put_fp() - the vCPU leaves this CPU or returns to the VMM
 * @vcpu: the vCPU
 *
 * The guest's registers are written back if they are newer than its
 * memory; the core keeps them recorded as the vCPU's.
 */
void kvm_arch_vcpu_put_fp(struct kvm_vcpu *vcpu)
{
	struct fpu_guest *g = &vcpu->arch.fpu;
	u64 za_saves = g->nr_za_saves;
	unsigned int how = 0, done;

	if (!system_supports_fpsimd())
		return;
	/*
	 * KVM_RUN itself returns: not a preemption, not another ioctl, not a
	 * put and load in the middle of the run.
	 */
	if (static_branch_unlikely(&fpu_vmm_watch) &&
	    vcpu->arch.fp_run_return && !READ_ONCE(vcpu->scheduled_out)) {
		how = READ_ONCE(fp_vmm_how);
		if (!kvm_fp_lazy())
			how &= ~FPU_VMM_DEFER;
	}
	scoped_guard(irqsave)
		done = fpu_guest_put(g, how);
	if (done & FPU_VMM_DEFERRED)
		vcpu->stat.fp_vmm_deferred++;
	vcpu->stat.fp_guest_save = g->nr_saves;
	vcpu->stat.fp_guest_za_save = g->nr_za_saves;
	if (trace_kvm_fp_put_enabled())
		trace_kvm_fp_put(vcpu->vcpu_id, smp_processor_id(),
				 !!(done & FPU_GUEST_SAVED));
	if (g->nr_za_saves != za_saves)
		trace_kvm_fp_za(vcpu->vcpu_id, smp_processor_id(), 0);
}

/**
 * kvm_arch_vcpu_fetch_fp() - a vCPU ioctl other than KVM_RUN starts
 * @vcpu: the vCPU, its mutex held
 *
 * Registers that kvm.fp_vmm_defer left live, on this CPU or another, are
 * written back before the ioctl reads or rewrites the vCPU's image.
 */
void kvm_arch_vcpu_fetch_fp(struct kvm_vcpu *vcpu)
{
	if (static_branch_unlikely(&fpu_vmm_watch))
		fpu_guest_fetch(&vcpu->arch.fpu);
}

/**
 * kvm_arch_vcpu_fp_changed() - the vCPU's FP/SVE image was rewritten
 * @vcpu: the vCPU, not running (KVM_SET_ONE_REG, reset)
 *
 * Registers that still hold its old values must not be reused.
 */
void kvm_arch_vcpu_fp_changed(struct kvm_vcpu *vcpu)
{
	fpu_guest_discard(&vcpu->arch.fpu);
	trace_kvm_fp_discard(vcpu->vcpu_id, raw_smp_processor_id(), 0);
}
