/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor's half of lazy FP/SVE switching, one header for VHE and
 * nVHE (included through hyp/switch.h).
 *
 * The host decides, just before each entry, what the guest's first FP/SVE
 * access must do (fpu_guest_plan_entry() in arch/arm64/kernel/fpsimd/guest.c)
 * and leaves the answer in kvm_host_data::fp_owner:
 *
 *   FP_STATE_GUEST_OWNED  the registers hold this vCPU: run it with FP/SVE
 *                         enabled, at its own vector length;
 *   FP_STATE_HOST_OWNED   the registers hold the VMM's newer values: trap,
 *                         write them back to the VMM thread, load the guest;
 *   FP_STATE_FREE         trap, load the guest; nothing to write back.
 *
 * The trap handler never asks the host anything (nVHE code cannot call
 * it): it follows the plan and sets FP_STATE_GUEST_OWNED, and the host
 * reads that after the exit to bring its ownership record up to date.
 *
 * Vector lengths. ZCR_EL2 caps every EL1/EL0 length, so:
 *   - the guest's image is always loaded at the vCPU's maximum length (its
 *     layout), then the guest's own ZCR_EL1 (and, for a nested guest, its
 *     hypervisor's ZCR_EL2) is put in force;
 *   - on the way out, with the guest's state in the registers, the guest's
 *     ZCR_EL1 is kept in the vCPU, and nVHE lifts the guest's cap from
 *     ZCR_EL2; the lengths are otherwise left as they are, because the
 *     host's own save of the guest programs the length it needs first and
 *     checks it (context.c);
 *   - with the guest's state not in the registers, neither ZCR is touched:
 *     the VMM's live registers keep the length they were loaded at.
 *
 * SME vCPUs. Their first FP, SVE or SME use is not handled here: it exits
 * to the host, whose FP core writes back whoever holds the registers (the
 * VMM thread's ZA included) and loads the whole vCPU, SVCR, ZA and the
 * streaming registers with it (kvm_handle_fp_first_use()). The next entry
 * then finds the vCPU live, and this file only puts its streaming length
 * (SMCR) in force and takes it back, as it does for ZCR.
 *
 * Protected mode. hyp-main.c turns the host's plan into fp_owner itself:
 * a protected vCPU, or a plan to save the host, gets the base's path (the
 * host's state saved here into kvm_host_data, put back by hyp-main.c
 * before the host runs again, so the host cannot tell whether the guest
 * used FP); any other vCPU is lazy as above, except that the host was
 * written back at vcpu_load, so this never writes to host memory. Its
 * V registers, FPSR and FPCR are not copied into the hypervisor's vCPU at
 * each entry and back at each exit: the trap fetches them, the only time
 * they are read here (pkvm_fp_fetch_guest()).
 */
#ifndef __ARM64_KVM_HYP_FPSIMD_H__
#define __ARM64_KVM_HYP_FPSIMD_H__

#include <linux/kvm_host.h>
#include <asm/fpsimd.h>
#include <asm/kvm_emulate.h>
#include <asm/kvm_hyp.h>
#include <asm/kvm_nested.h>

/* The length the guest may use: its maximum, or what its hypervisor allows. */
static __always_inline u64 hyp_fp_guest_zcr_el2(struct kvm_vcpu *vcpu)
{
	bool l2 = vcpu_has_nv(vcpu) && !is_hyp_ctxt(vcpu);

	return l2 ? __vcpu_sys_reg(vcpu, ZCR_EL2) : vcpu_sve_max_vq(vcpu) - 1;
}

/*
 * Where the guest's own ZCR_EL1 (or its vEL2's ZCR_EL2) is kept. Without
 * nested virtualization (a patched branch) it is always ZCR_EL1: this
 * runs at every entry and exit while the guest's state is live.
 */
static __always_inline u64 *hyp_fp_guest_zcr(struct kvm_vcpu *vcpu)
{
	if (!vcpu_has_nv(vcpu))
		return &__vcpu_sys_reg(vcpu, ZCR_EL1);
	return &__vcpu_sys_reg(vcpu, vcpu_sve_zcr_elx(vcpu));
}

/* The host's EZT0: guests have no SME2, so ZT0 traps while they run. */
static __always_inline u64 hyp_fp_host_ezt0(void)
{
	return cpus_have_final_cap(ARM64_SME2) ? SMCR_ELx_EZT0 : 0;
}

/* SMCR_EL2's length and EZT0; FA64 stays as the host set it. */
static __always_inline void hyp_fp_smcr_el2(u64 len, u64 ezt0)
{
	u64 old = read_sysreg_s(SYS_SMCR_EL2);
	u64 new = old & ~(SMCR_ELx_LEN_MASK | SMCR_ELx_EZT0);

	new |= (len & SMCR_ELx_LEN_MASK) | ezt0;
	if (old != new)
		write_sysreg_s(new, SYS_SMCR_EL2);
}

/* The host's own SMCR_EL1 (nVHE): its controls, the length it may reach. */
static __always_inline u64 hyp_fp_host_smcr_el1(void)
{
	u64 val = SMCR_ELx_LEN_MASK | hyp_fp_host_ezt0();

	if (cpus_have_final_cap(ARM64_SME_FA64))
		val |= SMCR_ELx_FA64;
	return val;
}

/* A 32-bit vCPU's FPEXC into FPEXC32_EL2; AArch64 EL1 has no FPEXC. */
static inline void hyp_fp_load_fpexc32(struct kvm_vcpu *vcpu)
{
	if (vcpu_el1_is_32bit(vcpu))
		write_sysreg(ctxt_sys_reg(&vcpu->arch.ctxt, FPEXC32_EL2),
			     fpexc32_el2);
}

/* Fill the registers from the vCPU's image. FP/SVE traps are off. */
static inline void hyp_fp_load_guest(struct kvm_vcpu *vcpu)
{
	struct kvm_cpu_context *ctxt = &vcpu->arch.ctxt;
	struct kvm *kvm = kern_hyp_va(vcpu->kvm);
	u64 maxq = vcpu_sve_max_vq(vcpu) - 1;

	if (!vcpu_has_sve(vcpu)) {
		__fpsimd_restore_state(&ctxt->fp_regs);
	} else {
		/* The image is laid out at the maximum length: load it there. */
		sve_cond_update_zcr_vq(maxq, SYS_ZCR_EL2);
		__sve_restore_state(vcpu_sve_pffr(vcpu), &ctxt->fp_regs.fpsr,
				    true);
		/*
		 * Then what the guest asked for, within what it may use: the
		 * maximum again, but for a guest hypervisor's nested guest.
		 */
		if (vcpu_has_nv(vcpu))
			sve_cond_update_zcr_vq(hyp_fp_guest_zcr_el2(vcpu),
					       SYS_ZCR_EL2);
		write_sysreg_el1(*hyp_fp_guest_zcr(vcpu), SYS_ZCR);
	}
	if (kvm_has_fpmr(kvm))
		write_sysreg_s(ctxt_sys_reg(ctxt, FPMR), SYS_FPMR);
	hyp_fp_load_fpexc32(vcpu);
}

/* Protected mode: keep all of the host's state here, upper SVE bits too. */
static inline void hyp_fp_save_host_protected(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = kern_hyp_va(vcpu->kvm);
	struct cpu_sve_state *hs;
	unsigned int vl;

	if (kvm_has_fpmr(kvm))
		*host_data_ptr(fpmr) = read_sysreg_s(SYS_FPMR);
	if (!system_supports_sve()) {
		__fpsimd_save_state(&host_data_ptr(host_ctxt)->fp_regs);
		return;
	}
	hs = *host_data_ptr(sve_state);
	vl = kvm_host_sve_max_vl;
	hs->zcr_el1 = read_sysreg_el1(SYS_ZCR);
	write_sysreg_s(sve_vq_from_vl(vl) - 1, SYS_ZCR_EL2);
	__sve_save_state(hs->sve_regs + sve_ffr_offset(vl), &hs->fpsr, true);
	/* The trap lifted ZEN only to reach the host's SVE registers. */
	if (!vcpu_has_sve(vcpu))
		cpacr_clear_set(CPACR_ELx_ZEN, 0);
}

/*
 * The VMM thread's registers are newer than its memory: write them back to
 * its thread_struct. VHE runs this in the thread itself (the host's SP_EL0
 * is back since __guest_exit), nVHE through the pointers
 * kvm_arch_vcpu_load_fp() leaves in kvm_host_data (the memory shared by
 * kvm_arch_vcpu_run_map_fp()). The FPSIMD view is the whole of it:
 * KVM_RUN is a system call.
 */
static inline void hyp_fp_save_host_task(void)
{
	struct user_fpsimd_state *regs;
	u64 *fpmr;

	if (has_vhe()) {
		regs = &current->thread.uw.fpsimd_state;
		fpmr = &current->thread.uw.fpmr;
	} else {
		regs = *host_data_ptr(task_fpsimd);
		fpmr = *host_data_ptr(task_fpmr);
	}
	__fpsimd_save_state(regs);
	if (cpus_have_final_cap(ARM64_HAS_FPMR))
		*fpmr = read_sysreg_s(SYS_FPMR);
}

#ifdef __KVM_NVHE_HYPERVISOR__
void pkvm_fp_fetch_guest(struct kvm_vcpu *vcpu);
#else
static inline void pkvm_fp_fetch_guest(struct kvm_vcpu *vcpu) { }
#endif

/* Is this exception a first FP/SVE use that the vCPU may make? */
static inline bool hyp_fp_trap_is_ours(struct kvm_vcpu *vcpu)
{
	u8 ec = kvm_vcpu_trap_get_class(vcpu);

	/* The host loads an SME vCPU (see the top of file). */
	if (vcpu_has_sme(vcpu))
		return false;
	/* A guest hypervisor that traps FP or SVE gets the exception. */
	if (ec == ESR_ELx_EC_FP_ASIMD)
		return !guest_hyp_fpsimd_traps_enabled(vcpu);
	if (ec == ESR_ELx_EC_SVE || ec == ESR_ELx_EC_SYS64)
		return vcpu_has_sve(vcpu) && !guest_hyp_sve_traps_enabled(vcpu);
	return false;
}

/*
 * The guest's first FP/SVE access since entry, with its state not in the
 * registers: carry out the host's plan.
 */
static inline bool kvm_hyp_handle_fpsimd(struct kvm_vcpu *vcpu,
					 u64 *exit_code)
{
	bool pkvm = is_protected_kvm_enabled();
	u64 en = CPACR_ELx_FPEN;

	if (!system_supports_fpsimd() || !hyp_fp_trap_is_ours(vcpu))
		return false;

	/* Lift the traps for this code first, then for the guest. */
	if (vcpu_has_sve(vcpu) ||
	    (pkvm && system_supports_sve() && host_owns_fp_regs()))
		en |= CPACR_ELx_ZEN;
	cpacr_clear_set(0, en);
	isb();

	if (host_owns_fp_regs()) {
		if (pkvm)
			hyp_fp_save_host_protected(vcpu);
		else
			hyp_fp_save_host_task();
	} else if (pkvm) {
		/* The lazy path left the guest's image in the host's vCPU. */
		pkvm_fp_fetch_guest(vcpu);
	}
	hyp_fp_load_guest(vcpu);
	*host_data_ptr(fp_owner) = FP_STATE_GUEST_OWNED;
	/* For kvm_arch_vcpu_ctxsync_fp() (protected mode: via hyp-main.c). */
	vcpu->arch.fp_trapped = true;
	return true;
}

/*
 * Entry with the guest's state already live: no trap, so whatever the trap
 * would have put in force is put here. For a 32-bit vCPU that includes
 * FPEXC32_EL2: the entry of any 32-bit vCPU that did not own the registers
 * set its EN bit (__activate_traps_fpsimd32()), and a guest kernel that
 * cleared EN to trap its own tasks' next VFP use would find it set.
 */
static inline void hyp_fp_enter_live(struct kvm_vcpu *vcpu)
{
	bool live = guest_owns_fp_regs();

	if (live)
		hyp_fp_load_fpexc32(vcpu);
	if (!live || !vcpu_has_sve(vcpu))
		return;
	/*
	 * VHE: the lengths in force are still the ones the trap or the last
	 * entry put there. While the vCPU stays live here nothing else writes
	 * ZCR_EL12, and ZCR_EL2 only in the core's save of this vCPU, at its
	 * maximum: the same value. A ZCR_EL1 from userspace comes with a
	 * discard (kvm_arm_set_reg()), so that entry traps. Only a guest
	 * hypervisor (its ZCR_EL2, vEL2 against vEL1) and streaming mode
	 * (SMCR) change them from one entry to the next.
	 */
	if (has_vhe() && !vcpu_has_nv(vcpu) && !vcpu_has_sme(vcpu))
		return;
	write_sysreg_el2(hyp_fp_guest_zcr_el2(vcpu), SYS_ZCR);
	write_sysreg_el1(*hyp_fp_guest_zcr(vcpu), SYS_ZCR);
	if (vcpu_has_sme(vcpu)) {
		hyp_fp_smcr_el2(vcpu_sme_max_vq(vcpu) - 1, 0);
		write_sysreg_el1(__vcpu_sys_reg(vcpu, SMCR_EL1), SYS_SMCR);
	}
}

/*
 * Exit with the guest's state in the registers. __guest_entry() was a
 * context synchronization event after the traps were lifted, so the ZCR
 * accesses below need no ISB.
 *
 * The lengths in force stay the guest's: whoever writes these registers
 * back (the core's save, at put or for kernel-mode NEON) programs the
 * vCPU's maximum first and checks that it took. nVHE must still lift the
 * guest's cap from ZCR_EL2, under which the host's ZCR_EL1 would program
 * nothing longer.
 */
static inline void hyp_fp_exit_live(struct kvm_vcpu *vcpu)
{
	if (!guest_owns_fp_regs() || !vcpu_has_sve(vcpu))
		return;
	*hyp_fp_guest_zcr(vcpu) = read_sysreg_el1(SYS_ZCR);
	if (!has_vhe())
		write_sysreg_el2(sve_vq_from_vl(kvm_host_sve_max_vl) - 1,
				 SYS_ZCR);
	if (!vcpu_has_sme(vcpu))
		return;
	/* Likewise SMCR; nVHE also gives the host its own SMCR_EL1 back. */
	__vcpu_sys_reg(vcpu, SMCR_EL1) = read_sysreg_el1(SYS_SMCR);
	if (has_vhe()) {
		hyp_fp_smcr_el2(vcpu_sme_max_vq(vcpu) - 1, hyp_fp_host_ezt0());
	} else {
		hyp_fp_smcr_el2(SMCR_ELx_LEN_MASK, hyp_fp_host_ezt0());
		write_sysreg_s(hyp_fp_host_smcr_el1(), SYS_SMCR_EL1);
	}
}

#endif /* __ARM64_KVM_HYP_FPSIMD_H__ */
