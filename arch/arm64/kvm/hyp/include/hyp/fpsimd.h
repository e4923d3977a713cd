/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor's half of lazy FP/SVE switching, one header for VHE and
 * nVHE (included through hyp/switch.h).
 *
 * The host decides, just before each entry, what the guest's first FP/SVE
 * access must do (fpu_guest_enter() in arch/arm64/kernel/fpsimd/guest.c)
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
 *     ZCR_EL1 is kept in the vCPU and the host is given a cap at least the
 *     vCPU's maximum, so the host's own save of the guest (which programs
 *     the length it needs first, see context.c) can always reach it;
 *   - with the guest's state not in the registers, neither ZCR is touched:
 *     the VMM's live registers keep the length they were loaded at.
 *
 * Protected mode keeps its own rules: the host state is saved here into
 * kvm_host_data and restored by hyp-main.c before the host runs again, so
 * the host cannot tell whether the guest used FP.
 */
#ifndef __ARM64_KVM_HYP_FPSIMD_H__
#define __ARM64_KVM_HYP_FPSIMD_H__

#include <asm/fpsimd.h>
#include <asm/kvm_emulate.h>
#include <asm/kvm_host.h>
#include <asm/kvm_hyp.h>
#include <asm/kvm_nested.h>

/* The length the guest may use: its maximum, or what its hypervisor allows. */
static inline u64 fphyp_guest_zcr_el2(struct kvm_vcpu *vcpu)
{
	if (vcpu_has_nv(vcpu) && !is_hyp_ctxt(vcpu))
		return __vcpu_sys_reg(vcpu, ZCR_EL2);
	return vcpu_sve_max_vq(vcpu) - 1;
}

/* Fill the registers from the vCPU's image. FP/SVE traps are off. */
static inline void fphyp_load_guest(struct kvm_vcpu *vcpu)
{
	struct user_fpsimd_state *fp = &vcpu->arch.ctxt.fp_regs;

	if (vcpu_has_sve(vcpu)) {
		/* The image is laid out at the maximum length: load it there. */
		sve_cond_update_zcr_vq(vcpu_sve_max_vq(vcpu) - 1, SYS_ZCR_EL2);
		__sve_restore_state(vcpu_sve_pffr(vcpu), &fp->fpsr, true);
		sve_cond_update_zcr_vq(fphyp_guest_zcr_el2(vcpu), SYS_ZCR_EL2);
		write_sysreg_el1(__vcpu_sys_reg(vcpu, vcpu_sve_zcr_elx(vcpu)),
				 SYS_ZCR);
	} else {
		__fpsimd_restore_state(fp);
	}
	if (kvm_has_fpmr(kern_hyp_va(vcpu->kvm)))
		write_sysreg_s(__vcpu_sys_reg(vcpu, FPMR), SYS_FPMR);
	/* AArch32 EL1 also has FPEXC; AArch64 guests do not use it. */
	if (!(read_sysreg(hcr_el2) & HCR_RW))
		write_sysreg(__vcpu_sys_reg(vcpu, FPEXC32_EL2), fpexc32_el2);
}

/* Protected mode: keep all of the host's state here, upper SVE bits too. */
static inline void fphyp_save_host_protected(struct kvm_vcpu *vcpu)
{
	if (system_supports_sve()) {
		struct cpu_sve_state *hs = *host_data_ptr(sve_state);
		unsigned int vl = kvm_host_sve_max_vl;

		hs->zcr_el1 = read_sysreg_el1(SYS_ZCR);
		write_sysreg_s(sve_vq_from_vl(vl) - 1, SYS_ZCR_EL2);
		__sve_save_state(hs->sve_regs + sve_ffr_offset(vl), &hs->fpsr,
				 true);
		/* The trap only lifted ZEN to reach the host's SVE state. */
		if (!vcpu_has_sve(vcpu))
			cpacr_clear_set(CPACR_ELx_ZEN, 0);
	} else {
		__fpsimd_save_state(host_data_ptr(host_ctxt.fp_regs));
	}
	if (kvm_has_fpmr(kern_hyp_va(vcpu->kvm)))
		*host_data_ptr(fpmr) = read_sysreg_s(SYS_FPMR);
}

/*
 * The VMM thread's registers are newer than its memory: write them back to
 * its thread_struct (shared with nVHE hyp by kvm_arch_vcpu_run_map_fp()).
 * The FPSIMD view is the whole of it: KVM_RUN is a system call.
 */
static inline void fphyp_save_host_task(void)
{
	__fpsimd_save_state(*host_data_ptr(task_fpsimd));
	if (system_supports_fpmr())
		**host_data_ptr(task_fpmr) = read_sysreg_s(SYS_FPMR);
}

/*
 * The guest's first FP/SVE access since entry, with its state not in the
 * registers: carry out the host's plan.
 */
static inline bool kvm_hyp_handle_fpsimd(struct kvm_vcpu *vcpu, u64 *exit_code)
{
	bool sve = vcpu_has_sve(vcpu);
	u64 en = CPACR_ELx_FPEN;

	if (!system_supports_fpsimd())
		return false;

	switch (kvm_vcpu_trap_get_class(vcpu)) {
	case ESR_ELx_EC_FP_ASIMD:
		/* A guest hypervisor that traps FP gets the exception. */
		if (guest_hyp_fpsimd_traps_enabled(vcpu))
			return false;
		break;
	case ESR_ELx_EC_SYS64:
	case ESR_ELx_EC_SVE:
		if (!sve || guest_hyp_sve_traps_enabled(vcpu))
			return false;
		break;
	default:
		return false;
	}

	/* Lift the traps for this code first, then for the guest. */
	if (sve || (is_protected_kvm_enabled() && system_supports_sve()))
		en |= CPACR_ELx_ZEN;
	cpacr_clear_set(0, en);
	isb();

	if (host_owns_fp_regs()) {
		if (is_protected_kvm_enabled())
			fphyp_save_host_protected(vcpu);
		else
			fphyp_save_host_task();
	}
	fphyp_load_guest(vcpu);
	*host_data_ptr(fp_owner) = FP_STATE_GUEST_OWNED;
	return true;
}

/* Entry with the guest's state already live: its lengths, no trap. */
static inline void fpsimd_lazy_switch_to_guest(struct kvm_vcpu *vcpu)
{
	if (!guest_owns_fp_regs() || !vcpu_has_sve(vcpu))
		return;
	write_sysreg_el2(fphyp_guest_zcr_el2(vcpu), SYS_ZCR);
	write_sysreg_el1(__vcpu_sys_reg(vcpu, vcpu_sve_zcr_elx(vcpu)), SYS_ZCR);
}

/*
 * Exit with the guest's state in the registers. __guest_entry() was a
 * context synchronization event after the traps were lifted, so the ZCR
 * accesses below need no ISB.
 */
static inline void fpsimd_lazy_switch_to_host(struct kvm_vcpu *vcpu)
{
	u64 maxq;

	if (!guest_owns_fp_regs() || !vcpu_has_sve(vcpu))
		return;
	__vcpu_sys_reg(vcpu, vcpu_sve_zcr_elx(vcpu)) = read_sysreg_el1(SYS_ZCR);
	maxq = vcpu_sve_max_vq(vcpu) - 1;
	if (has_vhe()) {
		/* The host's EL2 and EL0 lengths are ZCR_EL2 itself. */
		write_sysreg_el2(maxq, SYS_ZCR);
		return;
	}
	/* nVHE: uncap the host; it selects its length through ZCR_EL1. */
	write_sysreg_el2(sve_vq_from_vl(kvm_host_sve_max_vl) - 1, SYS_ZCR);
	write_sysreg_el1(maxq, SYS_ZCR);
}

#endif /* __ARM64_KVM_HYP_FPSIMD_H__ */
