// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vCPU's whole FP, SVE and SME state in one image (x86 counterpart:
 * KVM_GET_XSAVE2 and KVM_SET_XSAVE, sized by KVM_CAP_XSAVE2).
 *
 * The image is struct kvm_arm_fp_state followed by its components at the
 * offsets it lists, each in the layout the architecture's signal frame
 * uses: the FPSIMD registers as struct user_fpsimd_state, Z/P/FFR as the
 * SVE record, ZA row by row. Its size follows from the vCPU's vector
 * lengths alone, so a VMM learns it from KVM_CHECK_EXTENSION on the vCPU
 * and an image fits any vCPU configured alike. The components bitmap
 * says which components hold state, as XSTATE_BV does: ZA only while
 * the guest has PSTATE.ZA set.
 *
 * Both ioctls run without waiting for the vCPU (an asynchronous vCPU
 * ioctl that only tries its mutex): a vCPU inside KVM_RUN, or busy with
 * another ioctl, gets -EBUSY. Otherwise the vCPU has been put, so its
 * memory image is current (fpu_guest_fetch() says so to the FP core);
 * a SET builds the whole new image in kernel memory before it touches the
 * vCPU, then tells the core that no registers hold the vCPU any more.
 *
 * Documentation/virt/kvm/api.rst, "KVM_ARM_GET_FP_STATE", is the ABI.
 */

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpsimd.h>
#include <asm/fpu_guest.h>
#include <asm/kvm_emulate.h>
#include <asm/kvm_mmu.h>
#include <asm/sigcontext.h>

#define FPI_HDR		sizeof(struct kvm_arm_fp_state)
#define FPI_FPSIMD	sizeof(struct user_fpsimd_state)
#define FPI_FP		KVM_ARM_FP_STATE_FPSIMD
#define FPI_VREGS	sizeof_field(struct user_fpsimd_state, vregs)

static_assert(FPI_HDR % 16 == 0 && FPI_FPSIMD % 16 == 0);
static_assert(offsetof(struct user_fpsimd_state, fpsr) == FPI_VREGS);

/* Where each component goes for vCPUs of these lengths (0: none). */
struct fpi_layout {
	u32 off[KVM_ARM_FP_STATE_MAX_COMPONENTS];
	u32 size;
};

static void fpi_layout(struct fpi_layout *l, unsigned int sve_vl,
		       unsigned int sme_vl)
{
	unsigned int vq = sve_vq_from_vl(max(sve_vl, sme_vl));

	memset(l, 0, sizeof(*l));
	l->off[KVM_ARM_FP_STATE_FPSIMD] = FPI_HDR;
	l->size = FPI_HDR + FPI_FPSIMD;
	if (sve_vl) {
		l->off[KVM_ARM_FP_STATE_SVE] = l->size;
		l->size += ALIGN(SVE_SIG_REGS_SIZE(vq), 16);
	}
	if (sme_vl) {
		l->off[KVM_ARM_FP_STATE_ZA] = l->size;
		l->size += ZA_SIG_REGS_SIZE(sve_vq_from_vl(sme_vl));
	}
}

static unsigned int fpi_sve_vl(const struct kvm_vcpu *vcpu)
{
	return vcpu_has_sve(vcpu) ? vcpu->arch.sve_max_vl : 0;
}

static unsigned int fpi_sme_vl(const struct kvm_vcpu *vcpu)
{
	return vcpu_has_sme(vcpu) ? vcpu->arch.sme_max_vl : 0;
}

/**
 * kvm_arm_fp_state_size() - KVM_CHECK_EXTENSION(KVM_CAP_ARM_FP_STATE)
 * @vcpu: the vCPU asked on, or NULL for the VM and system file descriptors
 *
 * Return: the size of @vcpu's image: of the one its vector lengths give
 * it now (final after KVM_ARM_VCPU_FINALIZE), or before KVM_ARM_VCPU_INIT
 * and without @vcpu, of the largest image any vCPU on this host can have.
 */
int kvm_arm_fp_state_size(struct kvm_vcpu *vcpu)
{
	struct fpi_layout l;

	if (!system_supports_fpsimd())
		return 0;
	if (vcpu && kvm_vcpu_initialized(vcpu))
		fpi_layout(&l, fpi_sve_vl(vcpu), fpi_sme_vl(vcpu));
	else
		fpi_layout(&l, system_supports_sve() ? kvm_sve_max_vl : 0,
			   kvm_arm_sme_supported() ? kvm_sme_max_vl : 0);
	return l.size;
}

/* PSTATE.SM: the SVE component is at the streaming length. */
static bool fpi_streaming(const struct kvm_vcpu *vcpu)
{
	return vcpu_has_sme(vcpu) &&
	       (__vcpu_sys_reg(vcpu, SVCR) & SVCR_SM_MASK);
}

static bool fpi_za_on(const struct kvm_vcpu *vcpu)
{
	return vcpu_has_sme(vcpu) &&
	       (__vcpu_sys_reg(vcpu, SVCR) & SVCR_ZA_MASK);
}

/* The vCPU's Z/P/FFR image: its length and whether FFR is in it. */
static unsigned int fpi_sve_vq(const struct kvm_vcpu *vcpu, bool streaming)
{
	return sve_vq_from_vl(streaming ? vcpu->arch.sme_max_vl :
					  vcpu->arch.sve_max_vl);
}

/* Bytes of the SVE component with registers in them: FFR only with FA64. */
static size_t fpi_sve_bytes(unsigned int vq, bool streaming)
{
	if (streaming && !system_supports_fa64())
		return SVE_SIG_FFR_OFFSET(vq) - SVE_SIG_REGS_OFFSET;
	return SVE_SIG_REGS_SIZE(vq);
}

static void fpi_header(struct kvm_vcpu *vcpu, struct kvm_arm_fp_state *h,
		       const struct fpi_layout *l)
{
	memset(h, 0, sizeof(*h));
	h->version = KVM_ARM_FP_STATE_VERSION;
	h->size = l->size;
	h->components = BIT_ULL(KVM_ARM_FP_STATE_FPSIMD);
	if (vcpu_has_sve(vcpu))
		h->components |= BIT_ULL(KVM_ARM_FP_STATE_SVE);
	if (fpi_za_on(vcpu))
		h->components |= BIT_ULL(KVM_ARM_FP_STATE_ZA);
	if (fpi_streaming(vcpu))
		h->flags = KVM_ARM_FP_STATE_STREAMING;
	h->sve_vl = fpi_sve_vl(vcpu);
	h->sme_vl = fpi_sme_vl(vcpu);
	memcpy(h->offset, l->off, sizeof(h->offset));
}

/* Not running, initialized, finalized: the image may be read or written. */
static int fpi_vcpu_ready(struct kvm_vcpu *vcpu)
{
	if (!kvm_vcpu_initialized(vcpu))
		return -ENOEXEC;
	if (!kvm_arm_vcpu_is_finalized(vcpu))
		return -EPERM;
	return 0;
}

/* Copy @len bytes of @src to the image, or zeroes for a NULL @src. */
static int fpi_put(void __user *uimg, size_t off, const void *src,
		   size_t len)
{
	if (src)
		return copy_to_user(uimg + off, src, len) ? -EFAULT : 0;
	return clear_user(uimg + off, len) ? -EFAULT : 0;
}

static int fpi_get(struct kvm_vcpu *vcpu, void __user *uimg)
{
	u32 __user *usize = uimg + offsetof(struct kvm_arm_fp_state, size);
	struct {
		struct kvm_arm_fp_state h;
		struct user_fpsimd_state fp;
	} head;
	struct fpi_layout l;
	size_t sve = 0;
	u32 room;
	int ret;

	static_assert(sizeof(head) == FPI_HDR + FPI_FPSIMD);
	ret = fpi_vcpu_ready(vcpu);
	if (ret)
		return ret;
	fpi_layout(&l, fpi_sve_vl(vcpu), fpi_sme_vl(vcpu));
	if (get_user(room, usize))
		return -EFAULT;
	if (room < l.size)
		return put_user(l.size, usize) ? -EFAULT : -E2BIG;

	fpu_guest_fetch(&vcpu->arch.fpu);
	fpi_header(vcpu, &head.h, &l);
	head.fp = vcpu->arch.ctxt.fp_regs;
	memset(head.fp.__reserved, 0, sizeof(head.fp.__reserved));
	if (vcpu_has_sve(vcpu)) {
		bool sm = fpi_streaming(vcpu);

		sve = fpi_sve_bytes(fpi_sve_vq(vcpu, sm), sm);
		memset(head.fp.vregs, 0, FPI_VREGS);
	}
	ret = fpi_put(uimg, 0, &head, sizeof(head));
	if (!ret && sve) {
		size_t z = l.off[KVM_ARM_FP_STATE_SVE];
		size_t zend = l.off[KVM_ARM_FP_STATE_ZA] ?: l.size;

		ret = fpi_put(uimg, z, vcpu->arch.sve_state, sve) ?:
		      fpi_put(uimg, z + sve, NULL, zend - z - sve);
	}
	if (!ret && l.off[KVM_ARM_FP_STATE_ZA]) {
		size_t za = l.off[KVM_ARM_FP_STATE_ZA];
		bool on = head.h.components & BIT_ULL(KVM_ARM_FP_STATE_ZA);

		ret = fpi_put(uimg, za, on ? vcpu->arch.sme_state : NULL,
			      l.size - za);
	}
	return ret;
}

/* Bytes [from, to) of a buffer that must be zero. */
static bool fpi_zero(const void *buf, size_t from, size_t to)
{
	return to <= from || !memchr_inv(buf + from, 0, to - from);
}

/*
 * The spare images a SET fills before it swaps them in, allocated by the
 * vCPU's first SET and shared with the hypervisor as its live SVE image
 * is (freed by kvm_arm_fp_state_destroy()).
 */
static int fpi_spares(struct kvm_vcpu *vcpu)
{
	void *buf;
	int ret;

	if (vcpu_has_sve(vcpu) && !vcpu->arch.fp_spare_sve) {
		size_t sz = vcpu_sve_state_size(vcpu);

		buf = kzalloc(sz, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
		ret = kvm_share_hyp(buf, buf + sz);
		if (ret) {
			kfree(buf);
			return ret;
		}
		vcpu->arch.fp_spare_sve = buf;
	}
	if (vcpu_has_sme(vcpu) && !vcpu->arch.fp_spare_za) {
		buf = kzalloc(ZA_SIG_REGS_SIZE(vcpu_sme_max_vq(vcpu)),
			      GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
		vcpu->arch.fp_spare_za = buf;
	}
	return 0;
}

/**
 * kvm_arm_fp_state_destroy() - free a vCPU's spare images
 * @vcpu: the vCPU being destroyed
 */
void kvm_arm_fp_state_destroy(struct kvm_vcpu *vcpu)
{
	void *sve = vcpu->arch.fp_spare_sve;

	if (sve)
		kvm_unshare_hyp(sve, sve + vcpu_sve_state_size(vcpu));
	kfree(sve);
	kfree(vcpu->arch.fp_spare_za);
	vcpu->arch.fp_spare_sve = NULL;
	vcpu->arch.fp_spare_za = NULL;
}

/* What a SET reads besides the spare SVE and ZA images: the image's start. */
struct fpi_in {
	struct kvm_arm_fp_state h;
	struct user_fpsimd_state fp;
	u8 pad[16];	/* the SVE slot past the SVE image's size */
};

/* The image holds what KVM_ARM_GET_FP_STATE would give @vcpu: 0, -EINVAL. */
static int fpi_check(struct kvm_vcpu *vcpu, const struct fpi_in *in,
		     const struct fpi_layout *l, size_t pad)
{
	const struct kvm_arm_fp_state *h = &in->h;
	u64 want = BIT_ULL(KVM_ARM_FP_STATE_FPSIMD);
	u64 za = BIT_ULL(KVM_ARM_FP_STATE_ZA);
	bool sm = h->flags & KVM_ARM_FP_STATE_STREAMING;

	if (vcpu_has_sve(vcpu))
		want |= BIT_ULL(KVM_ARM_FP_STATE_SVE);
	if (h->version != KVM_ARM_FP_STATE_VERSION || h->size != l->size ||
	    h->sve_vl != fpi_sve_vl(vcpu) || h->sme_vl != fpi_sme_vl(vcpu) ||
	    memcmp(h->offset, l->off, sizeof(h->offset)) ||
	    !fpi_zero(h, offsetof(struct kvm_arm_fp_state, reserved), FPI_HDR))
		return -EINVAL;
	/* ZA may be absent (PSTATE.ZA clear), the rest is the vCPU's. */
	if ((h->flags & ~KVM_ARM_FP_STATE_STREAMING) ||
	    (sm && !vcpu_has_sme(vcpu)) ||
	    (h->components & ~za) != want ||
	    ((h->components & za) && !vcpu_has_sme(vcpu)))
		return -EINVAL;
	if (!fpi_zero(&in->fp, offsetof(struct user_fpsimd_state, __reserved),
		      FPI_FPSIMD))
		return -EINVAL;
	if (!vcpu_has_sve(vcpu))
		return 0;
	/* Past the registers, the SVE slot is zero. */
	if (!fpi_zero(vcpu->arch.fp_spare_sve,
		      fpi_sve_bytes(fpi_sve_vq(vcpu, sm), sm),
		      vcpu_sve_state_size(vcpu)) ||
	    !fpi_zero(in->pad, 0, pad))
		return -EINVAL;
	if (vcpu_has_sme(vcpu) && !(h->components & za) &&
	    !fpi_zero(vcpu->arch.fp_spare_za, 0,
		      l->size - l->off[KVM_ARM_FP_STATE_ZA]))
		return -EINVAL;
	return 0;
}

/*
 * Read the whole image before anything of the vCPU changes: the small
 * parts into @in, Z/P/FFR and ZA into the spare images.
 */
static int fpi_read(struct kvm_vcpu *vcpu, const void __user *uimg,
		    struct fpi_in *in, const struct fpi_layout *l, size_t *pad)
{
	size_t z = l->off[KVM_ARM_FP_STATE_SVE];
	size_t za = l->off[KVM_ARM_FP_STATE_ZA];
	int ret;

	/* The FPSIMD component follows the header. With SVE, V is Z's. */
	*pad = 0;
	if (!z) {
		if (copy_from_user(in, uimg, FPI_HDR + FPI_FPSIMD))
			return -EFAULT;
	} else if (copy_from_user(&in->h, uimg, FPI_HDR) ||
		   copy_from_user(&in->fp.fpsr, uimg + FPI_HDR + FPI_VREGS,
				  FPI_FPSIMD - FPI_VREGS)) {
		return -EFAULT;
	}
	if (in->h.size != l->size)
		return -EINVAL;
	ret = fpi_spares(vcpu);
	if (ret)
		return ret;
	if (z) {
		size_t sz = vcpu_sve_state_size(vcpu);

		*pad = (za ?: l->size) - z - sz;
		if (copy_from_user(vcpu->arch.fp_spare_sve, uimg + z, sz) ||
		    copy_from_user(in->pad, uimg + z + sz, *pad))
			return -EFAULT;
	}
	if (za && copy_from_user(vcpu->arch.fp_spare_za, uimg + za,
				 l->size - za))
		return -EFAULT;
	return 0;
}

static int fpi_set(struct kvm_vcpu *vcpu, const void __user *uimg)
{
	struct fpi_layout l;
	struct fpi_in in;
	size_t pad;
	int ret;

	ret = fpi_vcpu_ready(vcpu);
	if (ret)
		return ret;
	fpi_layout(&l, fpi_sve_vl(vcpu), fpi_sme_vl(vcpu));
	ret = fpi_read(vcpu, uimg, &in, &l, &pad) ?:
	      fpi_check(vcpu, &in, &l, pad);
	if (ret)
		return ret;

	vcpu->arch.ctxt.fp_regs.fpsr = in.fp.fpsr;
	vcpu->arch.ctxt.fp_regs.fpcr = in.fp.fpcr;
	if (!vcpu_has_sve(vcpu))
		memcpy(vcpu->arch.ctxt.fp_regs.vregs, in.fp.vregs, FPI_VREGS);
	else
		swap(vcpu->arch.sve_state, vcpu->arch.fp_spare_sve);
	if (vcpu_has_sme(vcpu)) {
		u64 svcr = 0;

		if (in.h.flags & KVM_ARM_FP_STATE_STREAMING)
			svcr |= SVCR_SM_MASK;
		if (in.h.components & BIT_ULL(KVM_ARM_FP_STATE_ZA))
			svcr |= SVCR_ZA_MASK;
		swap(vcpu->arch.sme_state, vcpu->arch.fp_spare_za);
		__vcpu_sys_reg(vcpu, SVCR) = svcr;
	}
	fpu_guest_move_image(&vcpu->arch.fpu, vcpu->arch.sve_state,
			     vcpu->arch.sme_state);
	/* Registers that still hold the old values must not come back. */
	kvm_arch_vcpu_fp_changed(vcpu);
	return 0;
}

/* The two image ioctls, on a vCPU that must not be busy. */
static noinline long fpi_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl,
			       void __user *uimg)
{
	long ret;

	if (!system_supports_fpsimd())
		return -EINVAL;
	if (!mutex_trylock(&vcpu->mutex))
		return -EBUSY;
	if (ioctl == KVM_ARM_GET_FP_STATE)
		ret = fpi_get(vcpu, uimg);
	else
		ret = fpi_set(vcpu, uimg);
	mutex_unlock(&vcpu->mutex);
	return ret;
}

/**
 * kvm_arch_vcpu_async_ioctl() - the vCPU ioctls that do not wait for the vCPU
 * @filp: the vCPU's file
 * @ioctl: the command
 * @arg: its argument
 *
 * KVM_ARM_GET_FP_STATE, KVM_ARM_SET_FP_STATE, and KVM_CHECK_EXTENSION of
 * KVM_CAP_ARM_FP_STATE (the vCPU answers no other extension). Every vCPU
 * ioctl, KVM_RUN included, comes here first: the others leave at once.
 *
 * Return: the ioctl's result, -EBUSY when the vCPU is busy (in KVM_RUN or
 * another ioctl), or -ENOIOCTLCMD for any other command, which then goes
 * the usual way.
 */
long kvm_arch_vcpu_async_ioctl(struct file *filp, unsigned int ioctl,
			       unsigned long arg)
{
	/* The hot one first: every userspace round trip pays for this test. */
	if (likely(ioctl == KVM_RUN))
		return -ENOIOCTLCMD;
	if (ioctl == KVM_ARM_GET_FP_STATE || ioctl == KVM_ARM_SET_FP_STATE)
		return fpi_ioctl(filp->private_data, ioctl, (void __user *)arg);
	if (ioctl == KVM_CHECK_EXTENSION && arg == KVM_CAP_ARM_FP_STATE)
		return kvm_arm_fp_state_size(filp->private_data);
	return -ENOIOCTLCMD;
}
