// SPDX-License-Identifier: GPL-2.0-only
/*
 * SME for guests: which vCPUs get it, how big their state is, and the
 * registers userspace sees (x86 counterpart: AMX for guests).
 *
 * A vCPU created with KVM_ARM_VCPU_SME (together with KVM_ARM_VCPU_SVE)
 * gets streaming mode and ZA, without SME2. Its streaming vector lengths
 * are set like its SVE ones, through KVM_REG_ARM64_SME_VLS before
 * KVM_ARM_VCPU_FINALIZE, which then sizes its FP context from both: the
 * Z/P/FFR image for the longer of the two lengths, ZA for the streaming
 * one. A vCPU without SME allocates nothing more (x86 sizes a guest's
 * fpstate from its XFD/XCR0 permissions the same way).
 *
 * The state moves lazily like the rest of the vCPU's FP context: loaded
 * by the host's FP core on the guest's first FP, SVE or SME use
 * (kvm_handle_fp_first_use()), live across exits, saved at vcpu_put. ZA
 * is moved only while the guest has PSTATE.ZA set.
 *
 * Documentation/virt/kvm/api.rst describes the registers; its "SME"
 * notes say where this follows the upstream proposal and where not.
 */

#include <linux/kvm_host.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpsimd.h>
#include <asm/fpu_guest.h>
#include <asm/kvm_emulate.h>
#include <asm/kvm_mmu.h>
#include <asm/sysreg.h>

unsigned int __ro_after_init kvm_sme_max_vl;

/* The bytes of one ZA row (horizontal slice) register, of any length. */
#define KVM_SME_ZAHREG_SIZE	KVM_REG_SIZE(KVM_REG_ARM64_SME_ZAHREG(0, 0))
#define KVM_SME_ROW_SHIFT	5
#define KVM_SME_SLICE_MASK	GENMASK(KVM_SME_ROW_SHIFT - 1, 0)

/**
 * kvm_arm_init_sme() - decide whether guests may have SME, and how long
 *
 * Guests get SME on systems with SVE and SME whose SMIDR_EL1 reports no
 * streaming priorities: then SMPRI_EL1 is RES0 and the guest may reach
 * it and SMIDR_EL1 without trapping, as on hardware.
 *
 * Return: 0.
 */
int __init kvm_arm_init_sme(void)
{
	if (!system_supports_sve() || !system_supports_sme())
		return 0;
	if (read_sysreg_s(SYS_SMIDR_EL1) & SMIDR_EL1_SMPS) {
		kvm_info("SME for guests: off (streaming priorities)\n");
		return 0;
	}
	kvm_sme_max_vl = min_t(unsigned int, sme_max_virtualisable_vl(),
			       VL_ARCH_MAX);
	if (!sve_vl_valid(kvm_sme_max_vl))
		kvm_sme_max_vl = 0;
	return 0;
}

/**
 * kvm_arm_sme_supported() - may a vCPU be created with KVM_ARM_VCPU_SME?
 *
 * Not in protected mode, whose hypervisor would have to keep a vCPU's
 * SME state from the host.
 *
 * Return: true when it may.
 */
bool kvm_arm_sme_supported(void)
{
	return kvm_sme_max_vl && !is_protected_kvm_enabled();
}

/**
 * kvm_vcpu_enable_sme() - KVM_ARM_VCPU_INIT with KVM_ARM_VCPU_SME
 * @vcpu: the vCPU, not finalized
 *
 * Its streaming lengths default to all the host's; KVM_REG_ARM64_SME_VLS
 * may narrow them until KVM_ARM_VCPU_FINALIZE.
 */
void kvm_vcpu_enable_sme(struct kvm_vcpu *vcpu)
{
	vcpu->arch.sme_max_vl = kvm_sme_max_vl;
	vcpu_set_flag(vcpu, GUEST_HAS_SME);
}

/**
 * kvm_vcpu_finalize_sme() - size a vCPU's ZA storage and hand it to the core
 * @vcpu: the vCPU being finalized, whose SVE image was just allocated
 *
 * Return: 0, or -ENOMEM.
 */
int kvm_vcpu_finalize_sme(struct kvm_vcpu *vcpu)
{
	unsigned int vl = vcpu->arch.sme_max_vl;
	void *za;

	if (!vcpu_has_sme(vcpu))
		return 0;
	if (WARN_ON(!sve_vl_valid(vl) || vl > kvm_sme_max_vl))
		return -EIO;
	za = kzalloc(ZA_SIG_REGS_SIZE(sve_vq_from_vl(vl)), GFP_KERNEL_ACCOUNT);
	if (!za)
		return -ENOMEM;
	vcpu->arch.sme_state = za;
	fpu_guest_set_sme(&vcpu->arch.fpu, za, vl, &__vcpu_sys_reg(vcpu, SVCR));
	return 0;
}

/**
 * kvm_vcpu_reset_sme() - a finalized vCPU is reset: ZA is zero
 * @vcpu: the vCPU (SVCR and SMCR_EL1 are reset with the system registers)
 */
void kvm_vcpu_reset_sme(struct kvm_vcpu *vcpu)
{
	if (vcpu->arch.sme_state)
		memset(vcpu->arch.sme_state, 0,
		       ZA_SIG_REGS_SIZE(vcpu_sme_max_vq(vcpu)));
}

/**
 * kvm_vcpu_destroy_sme() - free a vCPU's ZA storage
 * @vcpu: the vCPU, whose context the core has forgotten
 */
void kvm_vcpu_destroy_sme(struct kvm_vcpu *vcpu)
{
	kfree(vcpu->arch.sme_state);
	vcpu->arch.sme_state = NULL;
}

/* Streaming lengths are powers of two: bit vq-1 of the SVE-style bitmap. */
static bool kvm_sme_vq_ok(unsigned int vq)
{
#ifdef CONFIG_ARM64_SME
	return sve_vl_valid(sve_vl_from_vq(vq)) &&
	       vq <= sve_vq_from_vl(kvm_sme_max_vl) &&
	       vq_available(ARM64_VEC_SME, vq);
#else
	return false;
#endif
}

static int kvm_sme_get_vls(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	u64 vqs[KVM_ARM64_SVE_VLS_WORDS] = {};
	unsigned int vq;

	for (vq = SVE_VQ_MIN; vq <= vcpu_sme_max_vq(vcpu); vq++)
		if (kvm_sme_vq_ok(vq))
			vqs[(vq - SVE_VQ_MIN) / 64] |= BIT_ULL((vq - SVE_VQ_MIN) % 64);
	if (copy_to_user((void __user *)(long)reg->addr, vqs, sizeof(vqs)))
		return -EFAULT;
	return 0;
}

/*
 * The set must be exactly the host's lengths up to its longest member, as
 * for SVE: a guest sees every length below its maximum that the host has.
 */
static int kvm_sme_set_vls(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	u64 vqs[KVM_ARM64_SVE_VLS_WORDS];
	unsigned int vq, max_vq = 0;

	if (kvm_arm_vcpu_sve_finalized(vcpu))
		return -EPERM;
	if (copy_from_user(vqs, (const void __user *)(long)reg->addr,
			   sizeof(vqs)))
		return -EFAULT;
	for (vq = SVE_VQ_MIN; vq <= SVE_VQ_MAX; vq++)
		if (vqs[(vq - SVE_VQ_MIN) / 64] & BIT_ULL((vq - SVE_VQ_MIN) % 64))
			max_vq = vq;
	if (!max_vq || !kvm_sme_vq_ok(max_vq))
		return -EINVAL;
	for (vq = SVE_VQ_MIN; vq <= max_vq; vq++) {
		bool want = vqs[(vq - SVE_VQ_MIN) / 64] &
			    BIT_ULL((vq - SVE_VQ_MIN) % 64);

		if (want != kvm_sme_vq_ok(vq))
			return -EINVAL;
	}
	vcpu->arch.sme_max_vl = sve_vl_from_vq(max_vq);
	return 0;
}

/*
 * Where a ZA row register lives in the vCPU's ZA image.
 * Return: its offset, or a negative errno for a register the vCPU lacks
 * (-ENOENT) or cannot reach now (-EBUSY: SVCR.ZA is clear).
 */
static long kvm_sme_za_row(struct kvm_vcpu *vcpu, u64 id)
{
	unsigned int vl = vcpu->arch.sme_max_vl;
	unsigned int row = (id & ~KVM_SME_SLICE_MASK & 0xffff) >>
			   KVM_SME_ROW_SHIFT;

	if (KVM_REG_SIZE(id) != KVM_SME_ZAHREG_SIZE ||
	    (id & KVM_SME_SLICE_MASK) || row >= vl)
		return -ENOENT;
	if (!kvm_arm_vcpu_sve_finalized(vcpu))
		return -EPERM;
	if (!(__vcpu_sys_reg(vcpu, SVCR) & SVCR_ZA_MASK))
		return -EBUSY;
	return array_index_nospec(row, vl) * vl;
}

/**
 * kvm_arm_sme_get_reg() - KVM_GET_ONE_REG of a KVM_REG_ARM64_SME register
 * @vcpu: the vCPU
 * @reg: KVM_REG_ARM64_SME_VLS or a ZA row
 *
 * Return: 0, or -ENOENT (no such register on this vCPU), -EPERM (a ZA row
 * before KVM_ARM_VCPU_FINALIZE), -EBUSY (a ZA row with SVCR.ZA clear),
 * -EFAULT.
 */
int kvm_arm_sme_get_reg(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	char __user *uptr = (char __user *)(long)reg->addr;
	unsigned int vl = vcpu->arch.sme_max_vl;
	long off;

	if (!vcpu_has_sme(vcpu))
		return -ENOENT;
	if (reg->id == KVM_REG_ARM64_SME_VLS)
		return kvm_sme_get_vls(vcpu, reg);
	off = kvm_sme_za_row(vcpu, reg->id);
	if (off < 0)
		return off;
	if (copy_to_user(uptr, vcpu->arch.sme_state + off, vl) ||
	    clear_user(uptr + vl, KVM_SME_ZAHREG_SIZE - vl))
		return -EFAULT;
	return 0;
}

/**
 * kvm_arm_sme_set_reg() - KVM_SET_ONE_REG of a KVM_REG_ARM64_SME register
 * @vcpu: the vCPU, not running
 * @reg: KVM_REG_ARM64_SME_VLS or a ZA row
 *
 * A row's bytes beyond the streaming length are ignored.
 *
 * Return: 0, or the errors of kvm_arm_sme_get_reg(), -EPERM for
 * KVM_REG_ARM64_SME_VLS after KVM_ARM_VCPU_FINALIZE, -EINVAL for a set
 * of lengths the host cannot give the vCPU.
 */
int kvm_arm_sme_set_reg(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	long off;

	if (!vcpu_has_sme(vcpu))
		return -ENOENT;
	if (reg->id == KVM_REG_ARM64_SME_VLS)
		return kvm_sme_set_vls(vcpu, reg);
	off = kvm_sme_za_row(vcpu, reg->id);
	if (off < 0)
		return off;
	if (copy_from_user(vcpu->arch.sme_state + off,
			   (const void __user *)(long)reg->addr,
			   vcpu->arch.sme_max_vl))
		return -EFAULT;
	return 0;
}

/**
 * kvm_arm_sme_num_regs() - how many KVM_REG_ARM64_SME registers are listed
 * @vcpu: the vCPU, finalized
 *
 * Return: 1 (KVM_REG_ARM64_SME_VLS), plus one per ZA row while SVCR.ZA is
 * set, 0 without SME.
 */
unsigned long kvm_arm_sme_num_regs(struct kvm_vcpu *vcpu)
{
	if (!vcpu_has_sme(vcpu))
		return 0;
	if (!(__vcpu_sys_reg(vcpu, SVCR) & SVCR_ZA_MASK))
		return 1;
	return 1 + vcpu->arch.sme_max_vl;
}

/**
 * kvm_arm_sme_copy_reg_indices() - list the KVM_REG_ARM64_SME registers
 * @vcpu: the vCPU, finalized
 * @uind: where to write their ids
 *
 * Return: how many were written (kvm_arm_sme_num_regs()), or -EFAULT.
 */
int kvm_arm_sme_copy_reg_indices(struct kvm_vcpu *vcpu, u64 __user *uind)
{
	unsigned long n = kvm_arm_sme_num_regs(vcpu);
	unsigned long i;

	if (!n)
		return 0;
	if (put_user(KVM_REG_ARM64_SME_VLS, uind++))
		return -EFAULT;
	for (i = 0; i + 1 < n; i++)
		if (put_user(KVM_REG_ARM64_SME_ZAHREG(i, 0), uind++))
			return -EFAULT;
	return n;
}

/**
 * kvm_arm_sme_set_svcr() - KVM_SET_ONE_REG of SVCR
 * @vcpu: the vCPU, not running
 * @val: the new SVCR
 *
 * As the architecture does when PSTATE.SM or PSTATE.ZA change: entering
 * or leaving streaming mode zeroes Z, P and FFR (so the V registers) and
 * FPMR, and sets FPSR to 0x0800009f; turning ZA on zeroes it. Userspace restoring a
 * vCPU therefore writes SVCR before the registers it covers.
 *
 * Return: 0, or -EINVAL for bits other than SM and ZA.
 */
int kvm_arm_sme_set_svcr(struct kvm_vcpu *vcpu, u64 val)
{
	u64 old = __vcpu_sys_reg(vcpu, SVCR);

	if (val & ~(SVCR_SM_MASK | SVCR_ZA_MASK))
		return -EINVAL;
	if ((old ^ val) & SVCR_SM_MASK) {
		if (vcpu->arch.sve_state)
			memset(vcpu->arch.sve_state, 0,
			       vcpu_sve_state_size(vcpu));
		memset(vcpu->arch.ctxt.fp_regs.vregs, 0,
		       sizeof(vcpu->arch.ctxt.fp_regs.vregs));
		vcpu->arch.ctxt.fp_regs.fpsr = 0x0800009f;
		__vcpu_sys_reg(vcpu, FPMR) = 0;
	}
	if ((val & ~old & SVCR_ZA_MASK) && vcpu->arch.sme_state)
		memset(vcpu->arch.sme_state, 0,
		       ZA_SIG_REGS_SIZE(vcpu_sme_max_vq(vcpu)));
	__vcpu_sys_reg(vcpu, SVCR) = val;
	return 0;
}
