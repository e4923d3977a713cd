/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vCPU as a context of the arm64 FP core: the narrow API KVM uses.
 *
 * The vCPU's FP/SVE values live where KVM keeps them; struct fpu_guest
 * tells the core where that is and in which layout, and the core treats
 * it exactly like a task's context (arch/arm64/kernel/fpsimd/core.c). The
 * x86 counterpart is struct fpu_guest with fpu_swap_kvm_fpstate(); see
 * Documentation/virt/kvm/arm/fp-context.rst for the vCPU lifecycle.
 */
#ifndef __ASM_FPU_GUEST_H
#define __ASM_FPU_GUEST_H

#include <linux/cpufeature.h>
#include <linux/jump_label.h>
#include <linux/processor.h>
#include <linux/sched.h>
#include <linux/thread_info.h>
#include <linux/types.h>
#include <asm/fpsimd.h>
#include <asm/fpstate.h>
#include <asm/virt.h>

/**
 * struct fpu_guest - a vCPU's FP/SVE context (x86: struct fpu_guest)
 * @fpstate: the context as the core tracks it (kind FPSTATE_GUEST)
 * @regs: V registers, FPSR and FPCR
 * @sve_state: Z, P and FFR at @sve_vl, for a vCPU with SVE
 * @sve_vl: the vCPU's maximum vector length: the layout of @sve_state
 * @fp_type: where the layout of the last save is recorded
 * @fpmr: FPMR, on hardware that has it
 * @sme_state: ZA at @sme_vl, for a vCPU with SME
 * @sme_vl: the vCPU's maximum streaming vector length, 0 without SME
 * @svcr: where the vCPU keeps SVCR (PSTATE.SM and PSTATE.ZA), with SME
 * @vmm_deferred: a KVM_RUN returned leaving it deferred (kvm.fp_vmm_defer),
 *                perhaps on another CPU than the next KVM_RUN's, which
 *                clears it when it loads the vCPU
 * @nr_saves: every save of this context, whoever did it (KVM's put, a
 *            kernel-mode NEON user that found it live, a register read)
 * @nr_host_za_saves: the caller's ZA written back when this vCPU took the
 *                    registers (SME hosts; fpu_guest_record_trap(),
 *                    fpu_guest_load())
 * @nr_za_saves: saves of the vCPU's own ZA
 * @nr_za_loads: loads of the vCPU's own ZA
 *
 * Embedded in the vCPU. Set up by fpu_guest_init() when the vCPU is
 * created; fpu_guest_set_sve() and fpu_guest_set_sme() give it its SVE
 * and SME images when KVM finalizes the vCPU's vector lengths, so its
 * size follows the guest's permission (x86 sizes a guest fpstate from the
 * guest's XCR0/XFD permissions; ZA is arm64's AMX tile data).
 */
struct fpu_guest {
	struct fpstate			fpstate;
	struct user_fpsimd_state	*regs;
	void				*sve_state;
	unsigned int			sve_vl;
	enum fp_type			*fp_type;
	u64				*fpmr;
	void				*sme_state;
	unsigned int			sme_vl;
	u64				*svcr;
	bool				vmm_deferred;
	u64				nr_saves;
	u64				nr_host_za_saves;
	u64				nr_za_saves;
	u64				nr_za_loads;
};

/*
 * How the next guest entry treats FP: the one name of the plan, which the
 * core decides (fpu_guest_plan_entry()), the native model checks, and the
 * hypervisor's trap handler acts on. KVM hands it over as it is in
 * kvm_host_data::fp_owner, the base's field, whose values FP_STATE_FREE,
 * FP_STATE_HOST_OWNED and FP_STATE_GUEST_OWNED tell the handler the same
 * thing, in this order (asserted in arch/arm64/kvm/fpsimd.c).
 */
enum fpu_guest_plan {
	FPU_GUEST_TRAP,		/* trap the first use; nothing to save */
	FPU_GUEST_TRAP_SAVE,	/* trap the first use; save the host's first */
	FPU_GUEST_LIVE,		/* the registers hold the vCPU: no trap */
};

void fpu_guest_init(struct fpu_guest *g, struct user_fpsimd_state *regs,
		    enum fp_type *fp_type, u64 *fpmr);
void fpu_guest_set_sve(struct fpu_guest *g, void *sve_state,
		       unsigned int sve_vl);
void fpu_guest_set_sme(struct fpu_guest *g, void *sme_state,
		       unsigned int sme_vl, u64 *svcr);
bool __fpu_guest_vcpu_load_sme(struct fpu_guest *g, u64 svcr);

/**
 * fpu_guest_vcpu_load_sme() - a vCPU is loaded: deal with the registers' SME state
 * @g: the vCPU's context
 *
 * Call from vcpu_load, preemption disabled. Someone else's streaming mode
 * found on is written back (if dirty) and turned off, with ZA; ZA alone
 * stays live, beside the guest; a vCPU with SME that still holds the
 * registers keeps its own (fpregs_vcpu_load_sme()). Inline up to the
 * common answer: SVCR clear, nothing to do.
 *
 * Return: true when the registers were written back and turned off.
 */
static __always_inline bool fpu_guest_vcpu_load_sme(struct fpu_guest *g)
{
	u64 svcr;

	if (!system_supports_sme())
		return false;
	svcr = read_sysreg_s(SYS_SVCR);
	return svcr && __fpu_guest_vcpu_load_sme(g, svcr);
}
bool fpu_guest_vcpu_load_protected(struct fpu_guest *g);

/* What fpu_guest_load() did, a mask. */
#define FPU_GUEST_LOADED	0x1	/* the vCPU's registers were loaded */
#define FPU_GUEST_HOST_SAVED	0x2	/* after writing the caller's back */
#define FPU_GUEST_HOST_ZA_SAVED	0x4	/* the caller's ZA among them */
/* What fpu_guest_put() did: one of them, or nothing. */
#define FPU_GUEST_SAVED		0x8	/* the vCPU was written back */
#define FPU_VMM_DEFERRED	0x10	/* the vCPU stays live and dirty */

/* fpu_guest_put()'s @how, for the put that ends KVM_RUN. */
#define FPU_VMM_WATCH		0x1	/* count the thread's FP use */
#define FPU_VMM_DEFER		0x2	/* defer its registers */

unsigned int fpu_guest_load(struct fpu_guest *g);
enum fpu_guest_plan fpu_guest_plan_entry(struct fpu_guest *g);
void fpu_guest_record_trap(struct fpu_guest *g, enum fpu_guest_plan plan);
unsigned int fpu_guest_put(struct fpu_guest *g, unsigned int how);
void fpu_guest_move_image(struct fpu_guest *g, void *sve_state,
			  void *sme_state);
void fpu_guest_discard(struct fpu_guest *g);

void fpu_guest_fetch(struct fpu_guest *g);
void fpu_guest_fetch_remote(struct fpu_guest *g);

/*
 * On while KVM's fp_vmm_watch (count VMM threads' FP use between KVM_RUNs)
 * or fp_vmm_defer (leave the vCPU's registers live until then) is.
 */
DECLARE_STATIC_KEY_FALSE(fpu_vmm_watch);
enum fpu_guest_plan fpu_vmm_watch_take(struct fpu_guest *g,
				       unsigned int *watch);

/**
 * fpu_vmm_deferred() - is current a VMM thread whose registers KVM deferred?
 *
 * Between KVM_RUN's return and the thread's first FP use or next KVM_RUN
 * (fpu_vmm_return()): the registers may hold a vCPU's state, not the
 * thread's, so nothing may treat them as the thread's (the system call
 * entry's SVE and streaming-mode clean-up, the return to userspace).
 *
 * Return: true when deferred.
 */
static __always_inline bool fpu_vmm_deferred(void)
{
	return static_branch_unlikely(&fpu_vmm_watch) &&
	       READ_ONCE(current->thread.fpstate.el0_watch) ==
	       FPSTATE_WATCH_DEFER;
}

/**
 * fpu_guest_exit() - account for the guest's run, before IRQs come back
 * @g: the vCPU's context
 * @plan: what fpu_guest_plan_entry() returned for this entry
 * @trapped: the hypervisor handled an FP/SVE trap and loaded the guest
 *
 * After a trap the registers are the vCPU's and the caller's own state is
 * in memory (saved by the hypervisor if it was dirty); fpu_guest_record_trap()
 * records that, and the caller is reloaded on its way back to userspace.
 *
 * Without a trap nothing changed hands, and this is KVM's hot path (every
 * in-kernel exit), hence inline. One thing is left to do: a VHE exit
 * rewrites CPACR_EL1 with EL0 SVE and SME access off, which a caller whose
 * registers stayed live (plan FPU_GUEST_TRAP_SAVE) must get back as
 * TIF_SVE and TIF_SME say. nVHE leaves the host's CPACR_EL1 alone.
 */
static __always_inline void fpu_guest_exit(struct fpu_guest *g,
					   enum fpu_guest_plan plan,
					   bool trapped)
{
	if (unlikely(trapped)) {
		fpu_guest_record_trap(g, plan);
	} else if (plan == FPU_GUEST_TRAP_SAVE && has_vhe()) {
		if (system_supports_sve() && test_thread_flag(TIF_SVE))
			sve_user_enable();
		if (system_supports_sme() && test_thread_flag(TIF_SME))
			sme_user_enable();
	}
}

#endif /* __ASM_FPU_GUEST_H */
