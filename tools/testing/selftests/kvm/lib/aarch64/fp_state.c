// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vCPU's whole FP, SVE and SME state as one image (include/aarch64/
 * fp_state.h): KVM_ARM_GET_FP_STATE and KVM_ARM_SET_FP_STATE where the
 * vCPU answers KVM_CHECK_EXTENSION(KVM_CAP_ARM_FP_STATE) with a size,
 * else the same image built and consumed with KVM_GET_ONE_REG and
 * KVM_SET_ONE_REG, so that a VMM keeps one snapshot format on any kernel.
 *
 * The image: the header, then struct user_fpsimd_state (FPSR and FPCR
 * always, V0-V31 only for a vCPU without SVE), then for SVE vCPUs Z0-Z31,
 * P0-P15 and FFR as the SVE signal frame lays them out, at the streaming
 * length in streaming mode (FFR only where streaming mode has it, FA64),
 * in a slot sized for the longer of the two lengths, then for SME vCPUs
 * the rows of ZA, present while PSTATE.ZA is set.
 */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <asm/hwcap.h>
#include <asm/sigcontext.h>
#include <linux/kvm.h>

#include "fp_state.h"

#define FPS_HDR		sizeof(struct kvm_arm_fp_state)
#define FPS_FPSIMD	sizeof(struct user_fpsimd_state)
#define FPS_VREGS	offsetof(struct user_fpsimd_state, fpsr)
#define FPS_BIT(c)	(1ULL << KVM_ARM_FP_STATE_##c)
#define FPS_KNOWN	(FPS_BIT(FPSIMD) | FPS_BIT(SVE) | FPS_BIT(ZA))

/* ONE_REG value sizes: Z and ZA rows 2048 bits, P and FFR 256. */
#define FPS_ZREG_BYTES	256
#define FPS_PREG_BYTES	32

#define FPS_CORE(f)	(KVM_REG_ARM64 | KVM_REG_ARM_CORE |		\
			 KVM_REG_ARM_CORE_REG(f))
#define FPS_VREG(n)	((FPS_CORE(fp_regs.vregs[0]) + 4 * (n)) |	\
			 KVM_REG_SIZE_U128)
#define FPS_FPSR	(FPS_CORE(fp_regs.fpsr) | KVM_REG_SIZE_U32)
#define FPS_FPCR	(FPS_CORE(fp_regs.fpcr) | KVM_REG_SIZE_U32)
#define FPS_SVCR	ARM64_SYS_REG(3, 3, 4, 2, 2)
#define FPS_SVCR_SM	1ULL
#define FPS_SVCR_ZA	2ULL

/* Offsets of Z n, P n and FFR in the SVE component at @vq. */
#define FPS_Z(vq, n)	(SVE_SIG_ZREG_OFFSET(vq, n) - SVE_SIG_REGS_OFFSET)
#define FPS_P(vq, n)	(SVE_SIG_PREG_OFFSET(vq, n) - SVE_SIG_REGS_OFFSET)
#define FPS_FFR(vq)	(SVE_SIG_FFR_OFFSET(vq) - SVE_SIG_REGS_OFFSET)

static int fps_reg(int fd, bool set, uint64_t id, void *buf)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)buf };

	return ioctl(fd, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, &reg) ?
	       -errno : 0;
}

/* A guest gets FA64, FFR in streaming mode, exactly when the host has it. */
static bool fps_streaming_ffr(void)
{
	return getauxval(AT_HWCAP2) & HWCAP2_SME_FA64;
}

static long fps_cap(int vcpu_fd)
{
	return ioctl(vcpu_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_FP_STATE);
}

/**
 * fp_state_via() - how this library reaches a vCPU's FP state
 * @vcpu_fd: the vCPU
 *
 * Return: FP_STATE_VIA_IOCTL when the vCPU answers
 * KVM_CHECK_EXTENSION(KVM_CAP_ARM_FP_STATE) with a size, else
 * FP_STATE_VIA_ONE_REG: what FP_STATE_VIA_AUTO stands for.
 */
enum fp_state_via fp_state_via(int vcpu_fd)
{
	return fps_cap(vcpu_fd) > 0 ? FP_STATE_VIA_IOCTL : FP_STATE_VIA_ONE_REG;
}

/* FP_STATE_VIA_AUTO resolved; -EOPNOTSUPP for the ioctl on a kernel without. */
static int fps_resolve(int vcpu_fd, enum fp_state_via via)
{
	switch (via) {
	case FP_STATE_VIA_AUTO:
		return fp_state_via(vcpu_fd);
	case FP_STATE_VIA_IOCTL:
		return fps_cap(vcpu_fd) > 0 ? (int)via : -EOPNOTSUPP;
	case FP_STATE_VIA_ONE_REG:
		return via;
	}
	return -EINVAL;
}

/**
 * fp_state_layout() - the image of a vCPU with these vector lengths
 * @sve_vl: its SVE vector length in bytes, 0 without SVE
 * @sme_vl: its streaming vector length in bytes, 0 without SME
 * @offset: where each component's offset goes (0: none)
 *
 * Return: the image's size in bytes, header included.
 */
uint32_t fp_state_layout(unsigned int sve_vl, unsigned int sme_vl,
			 uint32_t offset[KVM_ARM_FP_STATE_MAX_COMPONENTS])
{
	unsigned int vq = sve_vq_from_vl(sve_vl > sme_vl ? sve_vl : sme_vl);
	uint32_t size = FPS_HDR + FPS_FPSIMD;

	memset(offset, 0, KVM_ARM_FP_STATE_MAX_COMPONENTS * sizeof(*offset));
	offset[KVM_ARM_FP_STATE_FPSIMD] = FPS_HDR;
	if (sve_vl) {
		offset[KVM_ARM_FP_STATE_SVE] = size;
		size += (SVE_SIG_REGS_SIZE(vq) + 15) & ~15U;
	}
	if (sme_vl) {
		offset[KVM_ARM_FP_STATE_ZA] = size;
		size += sme_vl * sme_vl;
	}
	return size;
}

/* The longest length in a KVM_REG_ARM64_SVE_VLS-style bitmap, in bytes. */
static unsigned int fps_max_vl(const uint64_t *vls)
{
	int w, b;

	for (w = KVM_ARM64_SVE_VLS_WORDS - 1; w >= 0; w--)
		for (b = 63; b >= 0; b--)
			if (vls[w] & (1ULL << b))
				return sve_vl_from_vq(64 * w + b + 1);
	return 0;
}

/**
 * fp_state_vls() - a vCPU's vector lengths, as its image has them
 * @vcpu_fd: the vCPU, initialized
 * @sve_vl: where its SVE length in bytes goes, 0 without SVE
 * @sme_vl: where its streaming length goes, 0 without SME
 *
 * Read from KVM_REG_ARM64_SVE_VLS and KVM_REG_ARM64_SME_VLS: the longest
 * length each offers, which is the one the vCPU's registers have.
 *
 * Return: 0, or a negative errno (-ENOEXEC: not initialized).
 */
int fp_state_vls(int vcpu_fd, unsigned int *sve_vl, unsigned int *sme_vl)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS];
	int ret;

	*sve_vl = 0;
	*sme_vl = 0;
	ret = fps_reg(vcpu_fd, false, KVM_REG_ARM64_SVE_VLS, vls);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	*sve_vl = fps_max_vl(vls);
	ret = fps_reg(vcpu_fd, false, KVM_REG_ARM64_SME_VLS, vls);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	*sme_vl = fps_max_vl(vls);
	return 0;
}

/**
 * fp_state_size() - the size of a vCPU's image
 * @vcpu_fd: the vCPU, initialized
 * @via: FP_STATE_VIA_IOCTL asks KVM_CHECK_EXTENSION, FP_STATE_VIA_ONE_REG
 *       works it out from the vector lengths, FP_STATE_VIA_AUTO either
 *
 * Return: the size in bytes, or a negative errno (-EOPNOTSUPP: the ioctl
 * was asked for and the kernel lacks it).
 */
long fp_state_size(int vcpu_fd, enum fp_state_via via)
{
	uint32_t offset[KVM_ARM_FP_STATE_MAX_COMPONENTS];
	unsigned int sve_vl, sme_vl;
	int ret = fps_resolve(vcpu_fd, via);

	if (ret < 0)
		return ret;
	if (ret == FP_STATE_VIA_IOCTL)
		return fps_cap(vcpu_fd);
	ret = fp_state_vls(vcpu_fd, &sve_vl, &sme_vl);
	if (ret)
		return ret;
	return fp_state_layout(sve_vl, sme_vl, offset);
}

/* Z, P and FFR at the length @vl, in the SVE component @z. */
static int fps_sve_regs(int fd, bool set, uint8_t *z, unsigned int vl,
			bool ffr)
{
	unsigned int vq = sve_vq_from_vl(vl), n;
	uint8_t buf[FPS_ZREG_BYTES];
	int ret;

	for (n = 0; n < 32 + 16 + ffr; n++) {
		uint64_t id;
		uint8_t *at;
		unsigned int len;

		if (n < 32) {
			id = KVM_REG_ARM64_SVE_ZREG(n, 0);
			at = z + FPS_Z(vq, n);
			len = vl;
		} else if (n < 48) {
			id = KVM_REG_ARM64_SVE_PREG(n - 32, 0);
			at = z + FPS_P(vq, n - 32);
			len = vl / 8;
		} else {
			id = KVM_REG_ARM64_SVE_FFR(0);
			at = z + FPS_FFR(vq);
			len = vl / 8;
		}
		memset(buf, 0, sizeof(buf));
		if (set)
			memcpy(buf, at, len);
		ret = fps_reg(fd, set, id, buf);
		if (ret)
			return ret;
		if (!set)
			memcpy(at, buf, len);
	}
	return 0;
}

/* The rows of ZA at the streaming length @svl. */
static int fps_za_rows(int fd, bool set, uint8_t *za, unsigned int svl)
{
	uint8_t buf[FPS_ZREG_BYTES];
	unsigned int n;
	int ret;

	for (n = 0; n < svl; n++) {
		memset(buf, 0, sizeof(buf));
		if (set)
			memcpy(buf, za + n * svl, svl);
		ret = fps_reg(fd, set, KVM_REG_ARM64_SME_ZAHREG(n, 0), buf);
		if (ret)
			return ret;
		if (!set)
			memcpy(za + n * svl, buf, svl);
	}
	return 0;
}

static void fps_header(struct kvm_arm_fp_state *h, unsigned int sve_vl,
		       unsigned int sme_vl, uint64_t svcr)
{
	h->size = fp_state_layout(sve_vl, sme_vl, h->offset);
	h->version = KVM_ARM_FP_STATE_VERSION;
	h->components = FPS_BIT(FPSIMD);
	if (sve_vl)
		h->components |= FPS_BIT(SVE);
	if (svcr & FPS_SVCR_ZA)
		h->components |= FPS_BIT(ZA);
	h->flags = svcr & FPS_SVCR_SM ? KVM_ARM_FP_STATE_STREAMING : 0;
	h->sve_vl = sve_vl;
	h->sme_vl = sme_vl;
}

static int fps_save_one_reg(int fd, struct kvm_arm_fp_state *h, size_t size)
{
	uint32_t offset[KVM_ARM_FP_STATE_MAX_COMPONENTS], need;
	unsigned int sve_vl, sme_vl, n;
	struct user_fpsimd_state *fp;
	uint8_t *img = (uint8_t *)h;
	uint64_t svcr = 0;
	bool sm;
	int ret;

	ret = fp_state_vls(fd, &sve_vl, &sme_vl);
	if (ret)
		return ret;
	need = fp_state_layout(sve_vl, sme_vl, offset);
	if (size < need) {
		h->size = need;
		return -E2BIG;
	}
	if (sme_vl) {
		ret = fps_reg(fd, false, FPS_SVCR, &svcr);
		if (ret)
			return ret;
	}
	memset(img, 0, need);
	fps_header(h, sve_vl, sme_vl, svcr);
	fp = (struct user_fpsimd_state *)(img + FPS_HDR);
	ret = fps_reg(fd, false, FPS_FPSR, &fp->fpsr) ?:
	      fps_reg(fd, false, FPS_FPCR, &fp->fpcr);
	if (ret)
		return ret;
	for (n = 0; !sve_vl && n < 32; n++) {
		ret = fps_reg(fd, false, FPS_VREG(n), &fp->vregs[n]);
		if (ret)
			return ret;
	}
	sm = svcr & FPS_SVCR_SM;
	if (sve_vl) {
		ret = fps_sve_regs(fd, false, img + offset[KVM_ARM_FP_STATE_SVE],
				   sm ? sme_vl : sve_vl,
				   !sm || fps_streaming_ffr());
		if (ret)
			return ret;
	}
	if (svcr & FPS_SVCR_ZA)
		return fps_za_rows(fd, false, img + offset[KVM_ARM_FP_STATE_ZA],
				   sme_vl);
	return 0;
}

/**
 * fp_state_save() - take a snapshot of a vCPU's FP, SVE and SME state
 * @vcpu_fd: the vCPU, initialized and finalized, not running
 * @img: where the image goes
 * @size: the bytes at @img (fp_state_size() gives what is needed)
 * @via: which interface to use (FP_STATE_VIA_AUTO: the best there is)
 *
 * Both ways give the same image, byte for byte. The ONE_REG way is as
 * consistent as the calls it is made of: the caller keeps the vCPU from
 * running meanwhile.
 *
 * Return: 0, or a negative errno: -E2BIG when @size is too small (@img's
 * size then says what is needed), -EBUSY (the ioctl, on a vCPU in
 * KVM_RUN), -EPERM (not finalized), -ENOEXEC (not initialized),
 * -EOPNOTSUPP (the ioctl asked for on a kernel without it).
 */
int fp_state_save(int vcpu_fd, struct kvm_arm_fp_state *img, size_t size,
		  enum fp_state_via via)
{
	int ret = fps_resolve(vcpu_fd, via);

	if (ret < 0)
		return ret;
	if (size < offsetof(struct kvm_arm_fp_state, components))
		return -EINVAL;
	if (ret == FP_STATE_VIA_ONE_REG)
		return fps_save_one_reg(vcpu_fd, img, size);
	img->size = size < UINT32_MAX ? size : UINT32_MAX;
	return ioctl(vcpu_fd, KVM_ARM_GET_FP_STATE, img) ? -errno : 0;
}

/* Bytes [from, to) of @p are all zero. */
static bool fps_zero(const uint8_t *p, size_t from, size_t to)
{
	for (; from < to; from++)
		if (p[from])
			return false;
	return true;
}

/*
 * Is @h an image for a vCPU of these lengths? The rules are the kernel's
 * (Documentation/virt/kvm/api.rst, KVM_ARM_SET_FP_STATE), so that both
 * ways refuse the same images.
 */
static bool fps_valid(const struct kvm_arm_fp_state *h, unsigned int sve_vl,
		      unsigned int sme_vl, bool streaming_ffr)
{
	const uint8_t *img = (const uint8_t *)h;
	uint32_t offset[KVM_ARM_FP_STATE_MAX_COMPONENTS];
	uint32_t size = fp_state_layout(sve_vl, sme_vl, offset);
	uint64_t want = FPS_BIT(FPSIMD) | (sve_vl ? FPS_BIT(SVE) : 0);
	bool sm = h->flags & KVM_ARM_FP_STATE_STREAMING;
	size_t fp = offset[KVM_ARM_FP_STATE_FPSIMD];
	size_t za = offset[KVM_ARM_FP_STATE_ZA];

	if (h->version != KVM_ARM_FP_STATE_VERSION || h->size != size ||
	    (h->components & ~FPS_KNOWN) ||
	    (h->components & ~FPS_BIT(ZA)) != want ||
	    ((h->components & FPS_BIT(ZA)) && !sme_vl) ||
	    (h->flags & ~KVM_ARM_FP_STATE_STREAMING) || (sm && !sme_vl) ||
	    h->sve_vl != sve_vl || h->sme_vl != sme_vl ||
	    memcmp(h->offset, offset, sizeof(offset)) ||
	    !fps_zero(img, offsetof(struct kvm_arm_fp_state, reserved), FPS_HDR) ||
	    !fps_zero(img, fp + offsetof(struct user_fpsimd_state, __reserved),
		      fp + FPS_FPSIMD))
		return false;
	if (sve_vl) {
		unsigned int vq = sve_vq_from_vl(sm ? sme_vl : sve_vl);
		size_t z = offset[KVM_ARM_FP_STATE_SVE];
		size_t end = !sm || streaming_ffr ? SVE_SIG_REGS_SIZE(vq) :
						    FPS_FFR(vq);

		/* The V registers are Z's: ignored, as the kernel does. */
		if (!fps_zero(img, z + end, za ? za : size))
			return false;
	}
	return !za || (h->components & FPS_BIT(ZA)) || fps_zero(img, za, size);
}

static int fps_restore_one_reg(int fd, const struct kvm_arm_fp_state *h)
{
	const uint8_t *img = (const uint8_t *)h;
	const struct user_fpsimd_state *fp;
	bool ffr = fps_streaming_ffr(), sm;
	unsigned int sve_vl, sme_vl, n;
	uint64_t svcr = 0;
	uint32_t ctl;
	int ret;

	ret = fp_state_vls(fd, &sve_vl, &sme_vl);
	if (ret)
		return ret;
	if (!fps_valid(h, sve_vl, sme_vl, ffr))
		return -EINVAL;
	fp = (const struct user_fpsimd_state *)(img + FPS_HDR);
	sm = h->flags & KVM_ARM_FP_STATE_STREAMING;
	/* SVCR first: a change of PSTATE.SM or ZA zeroes what it covers. */
	if (sme_vl) {
		svcr = (sm ? FPS_SVCR_SM : 0) |
		       (h->components & FPS_BIT(ZA) ? FPS_SVCR_ZA : 0);
		ret = fps_reg(fd, true, FPS_SVCR, &svcr);
		if (ret)
			return ret;
	}
	if (svcr & FPS_SVCR_ZA) {
		ret = fps_za_rows(fd, true,
				  (uint8_t *)img + h->offset[KVM_ARM_FP_STATE_ZA],
				  sme_vl);
		if (ret)
			return ret;
	}
	if (sve_vl) {
		ret = fps_sve_regs(fd, true,
				   (uint8_t *)img + h->offset[KVM_ARM_FP_STATE_SVE],
				   sm ? sme_vl : sve_vl, !sm || ffr);
		if (ret)
			return ret;
	}
	for (n = 0; !sve_vl && n < 32; n++) {
		ret = fps_reg(fd, true, FPS_VREG(n), (void *)&fp->vregs[n]);
		if (ret)
			return ret;
	}
	ctl = fp->fpsr;
	ret = fps_reg(fd, true, FPS_FPSR, &ctl);
	if (ret)
		return ret;
	ctl = fp->fpcr;
	return fps_reg(fd, true, FPS_FPCR, &ctl);
}

/**
 * fp_state_restore() - give a vCPU the FP, SVE and SME state of an image
 * @vcpu_fd: the vCPU, initialized and finalized, not running
 * @img: an image as fp_state_save() takes it, for a vCPU with the same
 *       vector lengths
 * @via: which interface to use (FP_STATE_VIA_AUTO: the best there is)
 *
 * The ONE_REG way checks the image as the ioctl does before it writes
 * anything, then writes SVCR (SME vCPUs; a change of streaming mode or ZA
 * zeroes the registers it covers), ZA, the vector registers, FPSR and
 * FPCR. Should a write fail after that, the vCPU holds part of the image;
 * the ioctl either takes all of it or nothing.
 *
 * Return: 0, or a negative errno: -EINVAL for an image that does not fit
 * the vCPU, -EBUSY (the ioctl, on a vCPU in KVM_RUN), -EFAULT, -EPERM (not
 * finalized), -ENOEXEC (not initialized), -EOPNOTSUPP (the ioctl asked
 * for on a kernel without it).
 */
int fp_state_restore(int vcpu_fd, const struct kvm_arm_fp_state *img,
		     enum fp_state_via via)
{
	int ret = fps_resolve(vcpu_fd, via);

	if (ret < 0)
		return ret;
	if (ret == FP_STATE_VIA_ONE_REG)
		return fps_restore_one_reg(vcpu_fd, img);
	return ioctl(vcpu_fd, KVM_ARM_SET_FP_STATE, img) ? -errno : 0;
}
