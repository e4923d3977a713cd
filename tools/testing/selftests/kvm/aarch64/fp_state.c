// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_state - KVM_ARM_GET_FP_STATE and KVM_ARM_SET_FP_STATE, a vCPU's
 * whole FP, SVE and SME state as one image, and the VMM-side library
 * (lib/aarch64/fp_state.c) that moves the same image through the ioctls
 * or through KVM_GET_ONE_REG/KVM_SET_ONE_REG.
 *
 * The guest's buffers have the image's layout: it loads its registers
 * from one (SVCR, ZA, FPSR/FPCR, Z/P/FFR or V, as the header says), exits
 * to the VMM, and stores them into another when it resumes, all in one
 * asm block, then compares what it stored with what the VMM says it must
 * find. Every register is loaded with a pattern, FFR with a run of ones.
 *
 * - get-equals-one-reg CFG: after the guest loaded a pattern and exited,
 *   GET returns exactly the image it loaded, and that image equals the
 *   KVM_GET_ONE_REG values bit for bit (zeros past the vector length),
 *   for a vCPU without SVE, at every SVE vector length KVM offers, and for
 *   SME vCPUs at every streaming length with PSTATE.SM and ZA in each of
 *   their four states.
 * - set-then-one-reg CFG: SET of a pattern image (for SME vCPUs in the
 *   next SM/ZA state), then KVM_GET_ONE_REG and GET read it back and the
 *   resumed guest finds it in its registers. GET and SET come from the
 *   thread that runs the vCPU, on its CPU.
 * - size-exact: KVM_CHECK_EXTENSION(KVM_CAP_ARM_FP_STATE) on the vCPU is
 *   GET's size and the formula's, at every length (608 bytes without SVE,
 *   1168 at 16 bytes), before finalizing too, where it follows a change of
 *   KVM_REG_ARM64_SVE_VLS; before KVM_ARM_VCPU_INIT and on the VM and
 *   system it is the largest any vCPU has.
 * - migration KIND: GET on a vCPU of one VM from a thread on CPU 0 just
 *   after its guest loaded a pattern, SET on a vCPU of another VM, whose
 *   guest had loaded a pattern of its own, from a thread on CPU 1; that
 *   guest finds every register of the first.
 * - busy KIND: while another thread is inside KVM_RUN (the guest spins on
 *   a flag in its memory), GET and SET fail with EBUSY without waiting;
 *   the guest then exits, GET gives what it loaded, and it finds its
 *   registers as it left them.
 * - set-discards-live KIND: a SET while the vCPU's registers are still
 *   live and recorded as its own on another CPU. The guest loads a pattern
 *   on CPU 1 and spins; its thread is moved to CPU 0, where the guest
 *   exits; SET there; the guest resumes on CPU 0 and spins, its thread is
 *   moved back to CPU 1 inside KVM_RUN, where nothing else used the
 *   registers, and the guest must store the SET values, not its old ones.
 *   A SET that forgets to discard the live copies (kvm_arch_vcpu_fp_changed()
 *   in fp_state.c) fails here. The same moves without a SET are the
 *   control: the entry back on CPU 1 must find the registers live
 *   (fp_reload_avoided), else the case cannot tell and is skipped. First,
 *   run, exit, SET and run again from one thread on one CPU, which must
 *   give the SET values too, but which cannot catch that bug: back in
 *   userspace the VMM thread takes its own registers back (the count of
 *   entries finding the vCPU's live across that exit is printed).
 * - bad-input: every errno the ABI documents, each its own result: GET
 *   with a short size (E2BIG, the size needed written back and nothing
 *   else), SET with a wrong size, version, components, flags, lengths,
 *   offsets, nonzero reserved fields, nonzero bytes that must be zero, a
 *   vCPU without the extension the image has, an image across an
 *   inaccessible page (EFAULT), a vCPU not initialized (ENOEXEC) or not
 *   finalized (EPERM). After each failed SET GET and KVM_GET_ONE_REG give
 *   the vCPU's image as before, and at the end each guest still finds its
 *   registers.
 * - vmm-lib-one-reg KIND: the library's ONE_REG way on any kernel: its
 *   snapshot is what the guest loaded, and a restore (for SME vCPUs into
 *   another SM/ZA state) is what the guest finds.
 * - vmm-lib-both-ways KIND: the library's snapshots through the ioctl and
 *   through ONE_REG are identical, restores through either give the same
 *   ONE_REG values and GET image, both refuse a bad image, and the guest
 *   finds the last restore.
 *
 * Without KVM_CAP_ARM_FP_STATE (the stock kernel) every case but
 * vmm-lib-one-reg is skipped; without SVE or SME their configurations are.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <asm/hwcap.h>

#include "fp_regs.h"
#include "fp_state.h"
#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#define FS_HDR		80			/* struct kvm_arm_fp_state */
#define FS_FP		80			/* struct user_fpsimd_state */
#define FS_FPSR		592			/* FPSR, then FPCR */
#define FS_SVCR		56			/* the guest's SVCR, in reserved[0] */
#define FS_SLOT_MAX	8736			/* Z, P, FFR at 256 bytes */
#define FS_IMG_MAX	(FS_HDR + 528 + FS_SLOT_MAX + 256 * 256)
#define FS_BIT(c)	(1ULL << KVM_ARM_FP_STATE_##c)
#define FS_BAD		(~0UL)			/* fs_ucall(): not the guest's */
#define FS_WAIT_S	30
#define FS_SHORT_VL	32

kvm_static_assert(sizeof(struct kvm_arm_fp_state) == FS_HDR, "header");
kvm_static_assert(offsetof(struct kvm_arm_fp_state, reserved) == FS_SVCR,
		  "header");
kvm_static_assert(FS_FP + offsetof(struct user_fpsimd_state, fpsr) == FS_FPSR,
		  "fpsimd");

/* Bits of the guest round's flags (tbz/tbnz operands). */
#define FSG_SVE		0
#define FSG_SME		1
#define FSG_FA64	2
#define FSG_SPIN	3

/* The guest's buffers, images of the vCPU's layout. */
static uint8_t g_load[FS_IMG_MAX] __aligned(16);
static uint8_t g_expect[FS_IMG_MAX] __aligned(16);
static uint8_t g_store[FS_IMG_MAX] __aligned(16);
static uint64_t g_stage, g_go, g_spin, g_fa64;

/* ---- guest ---- */

/* What guest_round()'s asm reads, in the order it loads it. */
struct fs_round_args {
	uint64_t load, store, mmio, stage, go, flags, sve, za, svcr;
};

/*
 * Load every register from g_load (SVCR first, whose changes zero what
 * they cover), exit to the VMM with an MMIO write, and store every
 * register into g_store when resumed, SVCR (as the VMM may have changed
 * it) into its reserved[0]; then leave streaming mode and ZA off for the
 * compiled code. With spinning on, the guest says where it is in g_stage
 * and waits for g_go before the exit (1) and before the stores (2).
 */
static void guest_round(void)
{
	const struct kvm_arm_fp_state *h = (const void *)g_load;
	struct fs_round_args a = {
		.load = (uint64_t)g_load, .store = (uint64_t)g_store,
		.mmio = (uint64_t)ucall_exit_mmio_addr,
		.stage = (uint64_t)&g_stage, .go = (uint64_t)&g_go,
		.flags = (h->sve_vl ? 1UL << FSG_SVE : 0) |
			 (h->sme_vl ? 1UL << FSG_SME : 0) |
			 (g_fa64 ? 1UL << FSG_FA64 : 0) |
			 (g_spin ? 1UL << FSG_SPIN : 0),
		.sve = h->offset[KVM_ARM_FP_STATE_SVE],
		.za = h->offset[KVM_ARM_FP_STATE_ZA],
		.svcr = (h->flags & KVM_ARM_FP_STATE_STREAMING ? SVCR_SM_BIT : 0) |
			(h->components & FS_BIT(ZA) ? SVCR_ZA_BIT : 0),
	};

	asm volatile("	ldp	x19, x20, [%[a]]\n"
		     "	ldp	x21, x22, [%[a], #16]\n"
		     "	ldp	x23, x24, [%[a], #32]\n"
		     "	ldp	x25, x26, [%[a], #48]\n"
		     "	ldr	x27, [%[a], #64]\n"
		     "	.arch_extension sve\n"
		     "	tbz	x24, #" __stringify(FSG_SME) ", 2f\n"
		     "	msr	" SVCR_NAME ", x27\n"
		     "	isb\n"
		     "	tbz	x27, #1, 2f\n"
		     RDSVL_X0
		     "	mov	x11, x0\n"
		     "	add	x0, x19, x26\n"
		     "	mov	x12, #0\n"
		     "1:	" LDR_ZA_W12_X0
		     "	add	x0, x0, x11\n"
		     "	add	x12, x12, #1\n"
		     "	cmp	x12, x11\n"
		     "	b.lo	1b\n"
		     "2:	add	x9, x19, #" __stringify(FS_FPSR) "\n"
		     "	ldr	w10, [x9]\n"
		     "	msr	fpsr, x10\n"
		     "	ldr	w10, [x9, #4]\n"
		     "	msr	fpcr, x10\n"
		     "	tbz	x24, #" __stringify(FSG_SVE) ", 5f\n"
		     "	add	x9, x19, x25\n"
		     "	rdvl	x10, #1\n"
		     "	add	x10, x9, x10, lsl #5\n"
		     "	rdvl	x11, #2\n"
		     "	add	x11, x10, x11\n"
		     "	tbz	x27, #0, 3f\n"
		     "	tbz	x24, #" __stringify(FSG_FA64) ", 4f\n"
		     "3:	ldr	p0, [x11]\n"
		     "	wrffr	p0.b\n"
		     "4:\n"
		     FP_ASM_LDR_P("x10")
		     FP_ASM_LDR_Z("x9")
		     "	b	6f\n"
		     "5:	add	x9, x19, #" __stringify(FS_FP) "\n"
		     FP_ASM_LDR_Q("x9")
		     "6:	tbz	x24, #" __stringify(FSG_SPIN) ", 8f\n"
		     "	mov	x1, #1\n"
		     "	str	x1, [x22]\n"
		     "7:	ldr	x1, [x23]\n"
		     "	cmp	x1, #1\n"
		     "	b.lo	7b\n"
		     "8:	str	xzr, [x21]\n"
		     "	tbz	x24, #" __stringify(FSG_SPIN) ", 10f\n"
		     "	mov	x1, #2\n"
		     "	str	x1, [x22]\n"
		     "9:	ldr	x1, [x23]\n"
		     "	cmp	x1, #2\n"
		     "	b.lo	9b\n"
		     "10:	mov	x27, #0\n"
		     "	tbz	x24, #" __stringify(FSG_SME) ", 11f\n"
		     "	mrs	x27, " SVCR_NAME "\n"
		     "11:	str	x27, [x20, #" __stringify(FS_SVCR) "]\n"
		     "	tbz	x27, #1, 13f\n"
		     RDSVL_X0
		     "	mov	x11, x0\n"
		     "	add	x0, x20, x26\n"
		     "	mov	x12, #0\n"
		     "12:	" STR_ZA_W12_X0
		     "	add	x0, x0, x11\n"
		     "	add	x12, x12, #1\n"
		     "	cmp	x12, x11\n"
		     "	b.lo	12b\n"
		     "13:	add	x9, x20, #" __stringify(FS_FPSR) "\n"
		     "	mrs	x10, fpsr\n"
		     "	str	w10, [x9]\n"
		     "	mrs	x10, fpcr\n"
		     "	str	w10, [x9, #4]\n"
		     "	tbz	x24, #" __stringify(FSG_SVE) ", 16f\n"
		     "	add	x9, x20, x25\n"
		     "	rdvl	x10, #1\n"
		     "	add	x10, x9, x10, lsl #5\n"
		     FP_ASM_STR_Z("x9")
		     FP_ASM_STR_P("x10")
		     "	tbz	x27, #0, 14f\n"
		     "	tbz	x24, #" __stringify(FSG_FA64) ", 15f\n"
		     "14:	rdffr	p0.b\n"
		     "	rdvl	x11, #2\n"
		     "	add	x11, x10, x11\n"
		     "	str	p0, [x11]\n"
		     "15:	b	17f\n"
		     "16:	add	x9, x20, #" __stringify(FS_FP) "\n"
		     FP_ASM_STR_Q("x9")
		     "17:	tbz	x24, #" __stringify(FSG_SME) ", 18f\n"
		     "	msr	" SVCR_NAME ", xzr\n"
		     "	isb\n"
		     "18:\n"
		     :
		     : [a] "r" (&a)
		     : "x0", "x1", "x9", "x10", "x11", "x12", "x19", "x20",
		       "x21", "x22", "x23", "x24", "x25", "x26", "x27",
		       FP_VCLOBBERS, "cc", "memory");
}

/* Registers of @size bytes at @off of g_store and g_expect must match. */
static void guest_cmp(const char *reg, size_t off, size_t len, size_t size)
{
	long at = fp_first_diff(g_store + off, g_expect + off, len);

	__GUEST_ASSERT(at < 0, "%s%lu byte %lu is %#x, want %#x", reg,
		       at / size, at % size, g_store[off + at],
		       g_expect[off + at]);
}

static void guest_check(void)
{
	const struct kvm_arm_fp_state *h = (const void *)g_expect;
	bool sm = h->flags & KVM_ARM_FP_STATE_STREAMING;
	bool za = h->components & FS_BIT(ZA);
	uint64_t svcr = *(uint64_t *)(g_store + FS_SVCR);
	uint64_t want = (sm ? SVCR_SM_BIT : 0) | (za ? SVCR_ZA_BIT : 0);
	unsigned int vl = sm ? h->sme_vl : h->sve_vl;
	size_t z = h->offset[KVM_ARM_FP_STATE_SVE];

	__GUEST_ASSERT(!h->sme_vl || svcr == want, "SVCR is %#lx, want %#lx",
		       svcr, want);
	guest_cmp("fpsr/fpcr word ", FS_FPSR, 8, 4);
	if (!h->sve_vl) {
		guest_cmp("v", FS_FP, 512, 16);
		return;
	}
	guest_cmp("z", z, 32 * vl, vl);
	guest_cmp("p", z + 32 * vl, 2 * vl, vl / 8);
	if (!sm || g_fa64)
		guest_cmp("ffr", z + 34 * vl, vl / 8, vl / 8);
	if (za)
		guest_cmp("za row ", h->offset[KVM_ARM_FP_STATE_ZA],
			  h->sme_vl * h->sme_vl, h->sme_vl);
}

static void guest_main(void)
{
	/* The longest streaming length the vCPU has (ZCR_EL1 is the VMM's). */
	if (((struct kvm_arm_fp_state *)g_load)->sme_vl)
		fp_guest_sme_max_len();
	for (;;) {
		guest_round();
		guest_check();
		GUEST_SYNC(0);
	}
}

/* ---- host: vCPUs, images, runs ---- */

static bool fs_cap;		/* KVM_CAP_ARM_FP_STATE on the system */
static bool fs_fa64;		/* streaming mode has FFR */
static unsigned int fs_sve_vls[16], fs_nr_sve, fs_svls[16], fs_nr_sme;
static unsigned int fs_short_vl;	/* the SVE length of SME vCPUs */
static long fs_cpus;
static uint64_t fs_seed = 0x5eed;

struct fs_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	unsigned int sve_vl, sme_vl;
	uint32_t size, offset[KVM_ARM_FP_STATE_MAX_COMPONENTS];
	uint8_t *load, *expect, *store;
	uint64_t *stage, *go, *spin;
};

static void *fs_hva(struct fs_vm *v, void *gva)
{
	return addr_gva2hva(v->vm, (vm_vaddr_t)gva);
}

/* A VM of one vCPU running guest_main(), lengths capped as fp_vcpu_add(). */
static void fs_vm_new(struct fs_vm *v, unsigned int sve_cap,
		      unsigned int sme_cap)
{
	memset(v, 0, sizeof(*v));
	v->vm = vm_create(1);
	vm_init_descriptor_tables(v->vm);
	v->vcpu = fp_vcpu_add(v->vm, 0, guest_main, sve_cap, sme_cap);
	vcpu_init_descriptor_tables(v->vcpu);
	if (sve_cap)
		vcpu_set_reg(v->vcpu, KVM_ARM64_SYS_REG(SYS_ZCR_EL1), 15);
	TEST_ASSERT(!fp_state_vls(v->vcpu->fd, &v->sve_vl, &v->sme_vl),
		    "vector lengths: %s", strerror(errno));
	v->size = fp_state_layout(v->sve_vl, v->sme_vl, v->offset);
	v->load = fs_hva(v, g_load);
	v->expect = fs_hva(v, g_expect);
	v->store = fs_hva(v, g_store);
	v->stage = fs_hva(v, &g_stage);
	v->go = fs_hva(v, &g_go);
	v->spin = fs_hva(v, &g_spin);
	*(uint64_t *)fs_hva(v, &g_fa64) = fs_fa64;
}

static void fs_vm_free(struct fs_vm *v)
{
	if (v->vm)
		kvm_vm_free(v->vm);
	v->vm = NULL;
}

static uint64_t fs_hash(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * A valid image for @v with PSTATE.SM @sm and ZA @za, every register a
 * new pattern: FPSR and FPCR bits that stick, FFR a run of ones.
 */
static void fs_pattern(const struct fs_vm *v, uint8_t *img, bool sm, bool za)
{
	struct kvm_arm_fp_state *h = (void *)img;
	struct user_fpsimd_state *fp = (void *)(img + FS_FP);
	uint64_t seed = fs_hash(++fs_seed);
	unsigned int vl = sm ? v->sme_vl : v->sve_vl, k, i;
	uint8_t *z = img + v->offset[KVM_ARM_FP_STATE_SVE];

	memset(img, 0, v->size);
	h->version = KVM_ARM_FP_STATE_VERSION;
	h->size = v->size;
	h->components = FS_BIT(FPSIMD) | (v->sve_vl ? FS_BIT(SVE) : 0) |
			(za ? FS_BIT(ZA) : 0);
	h->flags = sm ? KVM_ARM_FP_STATE_STREAMING : 0;
	h->sve_vl = v->sve_vl;
	h->sme_vl = v->sme_vl;
	memcpy(h->offset, v->offset, sizeof(h->offset));
	fp->fpsr = fs_hash(seed ^ 1) & FP_FPSR_BITS;
	fp->fpcr = fs_hash(seed ^ 2) & FP_FPCR_BITS;
	if (!v->sve_vl) {
		fp_fill((uint8_t *)fp->vregs, sizeof(fp->vregs), seed);
	} else {
		fp_fill(z, 34 * vl, seed);
		k = fs_hash(seed ^ 3) % (vl + 1);
		for (i = 0; i < vl / 8 && (!sm || fs_fa64); i++)
			z[34 * vl + i] = k >= 8 * i + 8 ? 0xff :
					 k > 8 * i ? (1U << (k - 8 * i)) - 1 : 0;
	}
	if (za)
		fp_fill(img + v->offset[KVM_ARM_FP_STATE_ZA],
			v->sme_vl * v->sme_vl, seed ^ 4);
}

/* What byte @off of image @img is, for messages. */
static const char *fs_where(const uint8_t *img, size_t off)
{
	const struct kvm_arm_fp_state *h = (const void *)img;
	size_t z = h->offset[KVM_ARM_FP_STATE_SVE];
	size_t za = h->offset[KVM_ARM_FP_STATE_ZA];
	unsigned int vl = h->flags & KVM_ARM_FP_STATE_STREAMING ? h->sme_vl :
								 h->sve_vl;
	static char buf[64];

	if (off < FS_FP)
		snprintf(buf, sizeof(buf), "header byte %zu", off);
	else if (off < FS_FPSR)
		snprintf(buf, sizeof(buf), "v%zu byte %zu", (off - FS_FP) / 16,
			 (off - FS_FP) % 16);
	else if (off < FS_FP + 528)
		snprintf(buf, sizeof(buf), "fpsr/fpcr/__reserved byte %zu",
			 off - FS_FPSR);
	else if (za && off >= za)
		snprintf(buf, sizeof(buf), "za row %zu byte %zu",
			 (off - za) / h->sme_vl, (off - za) % h->sme_vl);
	else if (z && vl && off - z < 32 * vl)
		snprintf(buf, sizeof(buf), "z%zu byte %zu", (off - z) / vl,
			 (off - z) % vl);
	else if (z && vl && off - z < 34 * vl)
		snprintf(buf, sizeof(buf), "p%zu byte %zu",
			 (off - z - 32 * vl) / (vl / 8),
			 (off - z - 32 * vl) % (vl / 8));
	else if (z && vl && off - z < 34 * vl + vl / 8)
		snprintf(buf, sizeof(buf), "ffr byte %zu", off - z - 34 * vl);
	else
		snprintf(buf, sizeof(buf), "SVE slot padding byte %zu", off - z);
	return buf;
}

/* Images @got and @want of @v must be equal. Return: 1 if they are not. */
static unsigned int fs_same(const struct fs_vm *v, const uint8_t *got,
			    const uint8_t *want, const char *name,
			    const char *what)
{
	long at = fp_first_diff(got, want, v->size);

	if (at < 0)
		return 0;
	ksft_print_msg("%s: %s: %s is %#x, want %#x\n", name, what,
		       fs_where(want, at), got[at], want[at]);
	return 1;
}

static int fs_reg(struct kvm_vcpu *vcpu, uint64_t id, void *buf)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)buf };

	return ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg) ? errno : 0;
}

#define FS_CORE(f)	(KVM_REG_ARM64 | KVM_REG_ARM_CORE |		\
			 KVM_REG_ARM_CORE_REG(f))
#define FS_VREG(n)	((FS_CORE(fp_regs.vregs[0]) + 4 * (n)) |	\
			 KVM_REG_SIZE_U128)
#define FS_FPSR_ID	(FS_CORE(fp_regs.fpsr) | KVM_REG_SIZE_U32)
#define FS_FPCR_ID	(FS_CORE(fp_regs.fpcr) | KVM_REG_SIZE_U32)
#define FS_SVCR_ID	KVM_ARM64_SYS_REG(sys_reg(3, 3, 4, 2, 2))

/*
 * One register through KVM_GET_ONE_REG against @len bytes of @want, the
 * rest of its @full bytes zero. Return: 1 if it does not match.
 */
static unsigned int fs_reg_is(struct fs_vm *v, uint64_t id, const void *want,
			      unsigned int len, unsigned int full,
			      const char *name, const char *reg, unsigned int n)
{
	uint8_t buf[256];
	long at;
	int err;

	memset(buf, 0x55, sizeof(buf));
	err = fs_reg(v->vcpu, id, buf);
	if (err) {
		ksft_print_msg("%s: KVM_GET_ONE_REG %s%u: %s\n", name, reg, n,
			       strerror(err));
		return 1;
	}
	at = fp_first_diff(buf, want, len);
	if (at >= 0) {
		ksft_print_msg("%s: %s%u byte %ld reads %#x, image %#x\n", name,
			       reg, n, at, buf[at], ((const uint8_t *)want)[at]);
		return 1;
	}
	for (at = len; at < full; at++) {
		if (buf[at]) {
			ksft_print_msg("%s: %s%u byte %ld past the length reads %#x\n",
				       name, reg, n, at, buf[at]);
			return 1;
		}
	}
	return 0;
}

/*
 * Every FP register of @v's vCPU through KVM_GET_ONE_REG against image
 * @img: SVCR, FPSR, FPCR, V or Z/P/FFR, ZA rows, bit for bit, zeros past
 * the vector length, FFR and ZA absent where the image says so.
 * Return: how many registers differ.
 */
static unsigned int fs_one_reg_diff(struct fs_vm *v, const uint8_t *img,
				    const char *name)
{
	const struct kvm_arm_fp_state *h = (const void *)img;
	const struct user_fpsimd_state *fp = (const void *)(img + FS_FP);
	bool sm = h->flags & KVM_ARM_FP_STATE_STREAMING;
	bool za = h->components & FS_BIT(ZA);
	unsigned int vl = sm ? v->sme_vl : v->sve_vl, bad = 0, n;
	const uint8_t *z = img + v->offset[KVM_ARM_FP_STATE_SVE];
	const uint8_t *rows = img + v->offset[KVM_ARM_FP_STATE_ZA];
	uint8_t buf[256];
	uint64_t svcr, want;
	int err;

	if (v->sme_vl) {
		want = (sm ? SVCR_SM_BIT : 0) | (za ? SVCR_ZA_BIT : 0);
		err = fs_reg(v->vcpu, FS_SVCR_ID, &svcr);
		if (err || svcr != want) {
			ksft_print_msg("%s: SVCR %#lx (%s), image says %#lx\n",
				       name, svcr, strerror(err), want);
			bad++;
		}
	}
	bad += fs_reg_is(v, FS_FPSR_ID, &fp->fpsr, 4, 4, name, "fpsr", 0);
	bad += fs_reg_is(v, FS_FPCR_ID, &fp->fpcr, 4, 4, name, "fpcr", 0);
	for (n = 0; !v->sve_vl && n < 32; n++)
		bad += fs_reg_is(v, FS_VREG(n), &fp->vregs[n], 16, 16, name,
				 "v", n);
	for (n = 0; v->sve_vl && n < 32; n++)
		bad += fs_reg_is(v, KVM_REG_ARM64_SVE_ZREG(n, 0), z + n * vl,
				 vl, 256, name, "z", n);
	for (n = 0; v->sve_vl && n < 16; n++)
		bad += fs_reg_is(v, KVM_REG_ARM64_SVE_PREG(n, 0),
				 z + 32 * vl + n * vl / 8, vl / 8, 32, name,
				 "p", n);
	if (v->sve_vl && (!sm || fs_fa64)) {
		bad += fs_reg_is(v, KVM_REG_ARM64_SVE_FFR(0), z + 34 * vl,
				 vl / 8, 32, name, "ffr", 0);
	} else if (v->sve_vl) {
		err = fs_reg(v->vcpu, KVM_REG_ARM64_SVE_FFR(0), buf);
		if (err != ENOENT) {
			ksft_print_msg("%s: FFR in streaming mode without FA64: %s\n",
				       name, strerror(err));
			bad++;
		}
	}
	for (n = 0; za && n < v->sme_vl; n++)
		bad += fs_reg_is(v, KVM_REG_ARM64_SME_ZAHREG(n, 0),
				 rows + n * v->sme_vl, v->sme_vl, 256, name,
				 "za row ", n);
	if (v->sme_vl && !za) {
		err = fs_reg(v->vcpu, KVM_REG_ARM64_SME_ZAHREG(0, 0), buf);
		if (err != EBUSY) {
			ksft_print_msg("%s: ZA row 0 with ZA off: %s\n", name,
				       strerror(err));
			bad++;
		}
	}
	return bad;
}

/* The guest's exit, as the ucall it made: FS_BAD if it failed. */
static uint64_t fs_ucall(struct fs_vm *v, const char *name)
{
	struct kvm_run *run = v->vcpu->run;
	struct ucall uc;

	if (run->exit_reason != KVM_EXIT_MMIO) {
		ksft_print_msg("%s: exit reason %u\n", name, run->exit_reason);
		return FS_BAD;
	}
	switch (get_ucall(v->vcpu, &uc)) {
	case UCALL_NONE:
		return UCALL_NONE;
	case UCALL_SYNC:
		return UCALL_SYNC;
	case UCALL_ABORT:
		ksft_print_msg("%s: guest: %s\n", name, (const char *)uc.buffer);
		break;
	case UCALL_UNHANDLED:
		ksft_print_msg("%s: guest exception: vector %lu, EC %#lx\n",
			       name, uc.args[0], uc.args[1]);
		break;
	default:
		ksft_print_msg("%s: ucall %lu\n", name, uc.cmd);
	}
	return FS_BAD;
}

/* Run the vCPU in this thread to the guest's exit @want. */
static bool fs_step(struct fs_vm *v, uint64_t want, const char *name)
{
	uint64_t cmd;
	int rc;

	do {
		rc = __vcpu_run(v->vcpu);
	} while (rc && errno == EINTR);
	if (rc) {
		ksft_print_msg("%s: KVM_RUN: %s\n", name, strerror(errno));
		return false;
	}
	cmd = fs_ucall(v, name);
	if (cmd == want)
		return true;
	if (cmd != FS_BAD)
		ksft_print_msg("%s: the guest %s, want it to %s\n", name,
			       cmd == UCALL_SYNC ? "checked" : "loaded",
			       want == UCALL_SYNC ? "check" : "load");
	return false;
}

/* The guest loads image @a and exits; it expects @a back. */
static bool fs_load(struct fs_vm *v, const uint8_t *a, const char *name)
{
	memcpy(v->load, a, v->size);
	memcpy(v->expect, a, v->size);
	return fs_step(v, UCALL_NONE, name);
}

/* The guest resumes, stores and must find @e (NULL: what it expected). */
static bool fs_finds(struct fs_vm *v, const uint8_t *e, const char *name)
{
	if (e)
		memcpy(v->expect, e, v->size);
	return fs_step(v, UCALL_SYNC, name);
}

/* GET through the ioctl into @img. Return: 0 or the errno. */
static int fs_get(struct fs_vm *v, uint8_t *img)
{
	return -fp_state_save(v->vcpu->fd, (void *)img, FS_IMG_MAX,
			      FP_STATE_VIA_IOCTL);
}

static int fs_set(struct fs_vm *v, const uint8_t *img)
{
	return -fp_state_restore(v->vcpu->fd, (const void *)img,
				 FP_STATE_VIA_IOCTL);
}

/* GET must give @want. Return: 1 if it does not. */
static unsigned int fs_get_is(struct fs_vm *v, const uint8_t *want,
			      const char *name, const char *what)
{
	uint8_t *got = malloc(FS_IMG_MAX);
	unsigned int bad;
	int err;

	TEST_ASSERT(got, "out of memory");
	memset(got, 0xa5, FS_IMG_MAX);
	err = fs_get(v, got);
	if (err) {
		ksft_print_msg("%s: %s: GET: %s\n", name, what, strerror(err));
		bad = 1;
	} else {
		bad = fs_same(v, got, want, name, what);
	}
	free(got);
	return bad;
}

static uint8_t *fs_alloc(unsigned int n)
{
	uint8_t *p = calloc(n, FS_IMG_MAX);

	TEST_ASSERT(p, "out of memory");
	return p;
}

/* ---- host: a vCPU thread ---- */

struct fs_runner {
	struct fs_vm *v;
	pthread_t th;
	sem_t go, back;
	int err;		/* KVM_RUN's errno */
	int cpu;		/* where KVM_RUN returned */
	bool quit;
};

static void *fs_runner_main(void *arg)
{
	struct fs_runner *r = arg;

	for (;;) {
		sem_wait(&r->go);
		if (r->quit)
			break;
		do {
			r->err = __vcpu_run(r->v->vcpu) ? errno : 0;
		} while (r->err == EINTR);
		r->cpu = sched_getcpu();
		sem_post(&r->back);
	}
	return NULL;
}

static void fs_runner_pin(struct fs_runner *r, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!pthread_setaffinity_np(r->th, sizeof(set), &set),
		    "pinning the vCPU thread to CPU %d", cpu);
}

static void fs_runner_start(struct fs_runner *r, struct fs_vm *v, int cpu)
{
	memset(r, 0, sizeof(*r));
	r->v = v;
	sem_init(&r->go, 0, 0);
	sem_init(&r->back, 0, 0);
	TEST_ASSERT(!pthread_create(&r->th, NULL, fs_runner_main, r),
		    "pthread_create");
	fs_runner_pin(r, cpu);
}

/* Wait for KVM_RUN to return. Return: false after FS_WAIT_S seconds. */
static bool fs_runner_back(struct fs_runner *r)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += FS_WAIT_S;
	while (sem_timedwait(&r->back, &ts))
		if (errno != EINTR)
			return false;
	return true;
}

/*
 * The guest's exit after a run in the thread: true if it is @want. A
 * guest that does not come back is let go; if even that does not end
 * its KVM_RUN, the test cannot go on.
 */
static bool fs_runner_exit(struct fs_runner *r, uint64_t want,
			   const char *name)
{
	uint64_t cmd;

	if (!fs_runner_back(r)) {
		ksft_print_msg("%s: the guest did not exit\n", name);
		WRITE_ONCE(*r->v->go, 2);
		if (!fs_runner_back(r))
			ksft_exit_fail_msg("%s: the vCPU is stuck in KVM_RUN\n",
					   name);
		return false;
	}
	if (r->err) {
		ksft_print_msg("%s: KVM_RUN: %s\n", name, strerror(r->err));
		return false;
	}
	cmd = fs_ucall(r->v, name);
	return cmd == want;
}

static void fs_runner_stop(struct fs_runner *r)
{
	r->quit = true;
	sem_post(&r->go);
	pthread_join(r->th, NULL);
}

/* Wait until the guest reached @stage. Return: false after FS_WAIT_S. */
static bool fs_stage(struct fs_vm *v, uint64_t stage, const char *name)
{
	int i;

	for (i = 0; i < FS_WAIT_S * 1000; i++) {
		if (READ_ONCE(*v->stage) >= stage)
			return true;
		usleep(1000);
	}
	ksft_print_msg("%s: the guest did not reach stage %lu\n", name, stage);
	return false;
}

/* ---- configurations ---- */

struct fs_cfg {
	char name[40];
	unsigned int sve_cap, sme_cap;
	const char *skip;
};

static struct fs_cfg fs_cfgs[2 + 16 + 17];
static unsigned int fs_nr_cfgs;

static void fs_cfg_add(const char *name, unsigned int sve, unsigned int sme,
		       const char *skip)
{
	struct fs_cfg *c = &fs_cfgs[fs_nr_cfgs++];

	snprintf(c->name, sizeof(c->name), "%s", name);
	c->sve_cap = sve;
	c->sme_cap = sme;
	c->skip = skip;
}

static void fs_probe(void)
{
	bool sve = kvm_has_cap(KVM_CAP_ARM_SVE);
	bool sme = kvm_has_cap(KVM_CAP_ARM_SME);
	struct kvm_vcpu_init init;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char name[40];
	unsigned int i;

	fs_cap = kvm_check_cap(KVM_CAP_ARM_FP_STATE) > 0;
	fs_fa64 = getauxval(AT_HWCAP2) & HWCAP2_SME_FA64;
	fs_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (sve) {
		vm = vm_create(1);
		vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
		if (sme)
			init.features[0] |= 1U << KVM_ARM_VCPU_SME;
		vcpu = aarch64_vcpu_add(vm, 0, &init, guest_main);
		fs_nr_sve = fp_vcpu_vls(vcpu, KVM_REG_ARM64_SVE_VLS, fs_sve_vls,
					ARRAY_SIZE(fs_sve_vls));
		if (sme)
			fs_nr_sme = fp_vcpu_vls(vcpu, KVM_REG_ARM64_SME_VLS,
						fs_svls, ARRAY_SIZE(fs_svls));
		kvm_vm_free(vm);
	}
	/* SME vCPUs get an SVE length of their own, 32 bytes if there is. */
	for (i = 0; i < fs_nr_sve; i++)
		if (!fs_short_vl || fs_sve_vls[i] <= FS_SHORT_VL)
			fs_short_vl = fs_sve_vls[i];

	fs_cfg_add("fpsimd", 0, 0, NULL);
	for (i = 0; i < fs_nr_sve; i++) {
		snprintf(name, sizeof(name), "sve-vl%u", fs_sve_vls[i]);
		fs_cfg_add(name, fs_sve_vls[i], 0, NULL);
	}
	if (!fs_nr_sve)
		fs_cfg_add("sve", 0, 0, "no SVE");
	for (i = 0; i < fs_nr_sme; i++) {
		snprintf(name, sizeof(name), "sme-svl%u-vl%u", fs_svls[i],
			 fs_short_vl);
		fs_cfg_add(name, fs_short_vl, fs_svls[i], NULL);
	}
	if (fs_nr_sme) {
		snprintf(name, sizeof(name), "sme-svl%u-vl%u",
			 fs_svls[fs_nr_sme - 1], fs_sve_vls[fs_nr_sve - 1]);
		fs_cfg_add(name, FP_VL_ALL, FP_VL_ALL, NULL);
	} else {
		fs_cfg_add("sme", 0, 0, "no KVM_CAP_ARM_SME");
	}
}

/* The SM/ZA states an SME vCPU goes through, in order: 00, ZA, SM, both. */
#define FS_SM(s)	(((s) & 3) >> 1)
#define FS_ZA(s)	((s) & 1)

/* ---- get-equals-one-reg, set-then-one-reg ---- */

static void test_get_set(const struct fs_cfg *c)
{
	unsigned int rounds, r, get_bad = 0, set_bad = 0;
	uint8_t *a = fs_alloc(3), *b = a + FS_IMG_MAX, *got = b + FS_IMG_MAX;
	char name[64];
	struct fs_vm v;
	int err;

	if (c->skip || !fs_cap) {
		const char *why = c->skip ?: "no KVM_CAP_ARM_FP_STATE";

		ksft_test_result_skip("get-equals-one-reg %s: %s\n", c->name, why);
		ksft_test_result_skip("set-then-one-reg %s: %s\n", c->name, why);
		free(a);
		return;
	}
	fs_vm_new(&v, c->sve_cap, c->sme_cap);
	rounds = v.sme_vl ? 4 : 1;
	for (r = 0; r < rounds; r++) {
		snprintf(name, sizeof(name), "%.40s round %u", c->name, r);
		fs_pattern(&v, a, FS_SM(r), FS_ZA(r));
		if (!fs_load(&v, a, name)) {
			get_bad++;
			set_bad++;
			break;
		}
		/* What the guest loaded, as GET and as ONE_REG give it. */
		memset(got, 0xa5, FS_IMG_MAX);
		err = fs_get(&v, got);
		if (err) {
			ksft_print_msg("%s: GET: %s\n", name, strerror(err));
			get_bad++;
		} else {
			get_bad += fs_same(&v, got, a, name,
					   "GET against the guest's registers");
			get_bad += !!fs_one_reg_diff(&v, got, name);
		}
		/* SET into the next state; ONE_REG, GET and the guest see it. */
		fs_pattern(&v, b, FS_SM(r + 1) && v.sme_vl,
			   FS_ZA(r + 1) && v.sme_vl);
		err = fs_set(&v, b);
		if (err) {
			ksft_print_msg("%s: SET: %s\n", name, strerror(err));
			set_bad++;
			break;
		}
		set_bad += !!fs_one_reg_diff(&v, b, name);
		set_bad += fs_get_is(&v, b, name, "GET after SET");
		if (!fs_finds(&v, b, name)) {
			set_bad++;
			break;
		}
	}
	fs_vm_free(&v);
	free(a);
	ksft_test_result(!get_bad, "get-equals-one-reg %s\n", c->name);
	ksft_test_result(!set_bad, "set-then-one-reg %s\n", c->name);
}

/* ---- size-exact ---- */

static long fs_vcpu_cap(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_FP_STATE);
}

/* One finalized vCPU of @c. Return: its size, 0 on a mismatch. */
static uint32_t fs_size_of(const struct fs_cfg *c, long vm_max)
{
	uint8_t *img = fs_alloc(1);
	struct kvm_arm_fp_state *h = (void *)img;
	long cap, vm_cap;
	struct fs_vm v;
	uint32_t size;
	int err;

	fs_vm_new(&v, c->sve_cap, c->sme_cap);
	cap = fs_vcpu_cap(v.vcpu);
	vm_cap = vm_check_cap(v.vm, KVM_CAP_ARM_FP_STATE);
	err = fs_get(&v, img);
	size = v.size;
	if (cap != v.size || err || h->size != v.size || vm_cap != vm_max ||
	    vm_cap < cap) {
		ksft_print_msg("size-exact %s: the vCPU says %ld, GET %u (%s),\n",
			       c->name, cap, h->size, strerror(err));
		ksft_print_msg("  the formula %u, the VM %ld, the system %ld\n",
			       v.size, vm_cap, vm_max);
		size = 0;
	}
	/* Exactly the size is room enough. */
	h->size = v.size;
	if (ioctl(v.vcpu->fd, KVM_ARM_GET_FP_STATE, img)) {
		ksft_print_msg("size-exact %s: GET into exactly %u bytes: %s\n",
			       c->name, v.size, strerror(errno));
		size = 0;
	}
	fs_vm_free(&v);
	free(img);
	return size;
}

static void test_size_exact(void)
{
	long vm_max = kvm_check_cap(KVM_CAP_ARM_FP_STATE), cap;
	uint32_t prev = 0, size, off[KVM_ARM_FP_STATE_MAX_COMPONENTS];
	unsigned int i, bad = 0, host_sve = 0, host_sme = 0;
	struct kvm_vcpu_init init;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS];
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64_SVE_VLS, .addr = (uint64_t)vls,
	};

	if (!fs_cap) {
		ksft_test_result_skip("size-exact: no KVM_CAP_ARM_FP_STATE\n");
		return;
	}
	if (fs_nr_sve)
		host_sve = fs_sve_vls[fs_nr_sve - 1];
	if (fs_nr_sme)
		host_sme = fs_svls[fs_nr_sme - 1];
	/* The spec's examples, then the largest image of this host. */
	if (fp_state_layout(0, 0, off) != 608 ||
	    fp_state_layout(16, 0, off) != 1168) {
		ksft_print_msg("size-exact: the formula is not the spec's\n");
		bad++;
	}
	if (vm_max != fp_state_layout(host_sve, host_sme, off)) {
		ksft_print_msg("size-exact: the system says %ld, the largest vCPU has %u\n",
			       vm_max, fp_state_layout(host_sve, host_sme, off));
		bad++;
	}
	for (i = 0; i < fs_nr_cfgs; i++) {
		if (fs_cfgs[i].skip)
			continue;
		size = fs_size_of(&fs_cfgs[i], vm_max);
		bad += !size;
		/* Longer vectors, larger images. */
		if (i && size && fs_cfgs[i].sve_cap && !fs_cfgs[i].sme_cap &&
		    size <= prev) {
			ksft_print_msg("size-exact %s: %u bytes, not above %u\n",
				       fs_cfgs[i].name, size, prev);
			bad++;
		}
		prev = size;
	}

	/* Not initialized: the largest; initialized: its VLs, as they change. */
	vm = vm_create(1);
	vcpu = __vm_vcpu_add(vm, 0);
	cap = fs_vcpu_cap(vcpu);
	if (cap != vm_max) {
		ksft_print_msg("size-exact: before KVM_ARM_VCPU_INIT %ld, want %ld\n",
			       cap, vm_max);
		bad++;
	}
	kvm_vm_free(vm);
	if (fs_nr_sve) {
		vm = vm_create(1);
		vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
		vcpu = aarch64_vcpu_add(vm, 0, &init, guest_main);
		cap = fs_vcpu_cap(vcpu);
		if (cap != fp_state_layout(host_sve, 0, off)) {
			ksft_print_msg("size-exact: initialized, all VLs: %ld, want %u\n",
				       cap, fp_state_layout(host_sve, 0, off));
			bad++;
		}
		/* The shortest length alone. */
		memset(vls, 0, sizeof(vls));
		vls[0] = 1ULL << (fs_sve_vls[0] / 16 - 1);
		vcpu_ioctl(vcpu, KVM_SET_ONE_REG, &reg);
		cap = fs_vcpu_cap(vcpu);
		if (cap != fp_state_layout(fs_sve_vls[0], 0, off)) {
			ksft_print_msg("size-exact: VLS of %u bytes only: %ld, want %u\n",
				       fs_sve_vls[0], cap,
				       fp_state_layout(fs_sve_vls[0], 0, off));
			bad++;
		}
		kvm_vm_free(vm);
	}
	ksft_test_result(!bad, "size-exact\n");
}

/* ---- the kinds of vCPU of the cases below ---- */

struct fs_kind {
	const char *name;
	unsigned int sve_cap, sme_cap;
	const char *skip;
};

static struct fs_kind fs_kinds[3];

static void fs_kinds_init(void)
{
	fs_kinds[0] = (struct fs_kind){ "fpsimd", 0, 0, NULL };
	fs_kinds[1] = (struct fs_kind){ "sve", FP_VL_ALL, 0,
					fs_nr_sve ? NULL : "no SVE" };
	fs_kinds[2] = (struct fs_kind){ "sme", fs_short_vl, FP_VL_ALL,
					fs_nr_sme ? NULL : "no KVM_CAP_ARM_SME" };
}

/* NULL when @k can run here, else why not. */
static const char *fs_kind_skip(const struct fs_kind *k, bool need_cap,
				bool need_cpus)
{
	if (k->skip)
		return k->skip;
	if (need_cap && !fs_cap)
		return "no KVM_CAP_ARM_FP_STATE";
	if (need_cpus && fs_cpus < 2)
		return "one CPU";
	return NULL;
}

/* ---- migration ---- */

static void test_migration(const struct fs_kind *k)
{
	const char *skip = fs_kind_skip(k, true, true);
	uint8_t *a = fs_alloc(3), *c = a + FS_IMG_MAX, *img = c + FS_IMG_MAX;
	struct fs_vm va, vb;
	unsigned int bad = 1;
	char name[48];
	int err;

	if (skip) {
		ksft_test_result_skip("migration %s: %s\n", k->name, skip);
		free(a);
		return;
	}
	snprintf(name, sizeof(name), "migration %s", k->name);
	fs_vm_new(&va, k->sve_cap, k->sme_cap);
	fs_vm_new(&vb, k->sve_cap, k->sme_cap);

	/* A on CPU 0: its guest loads a pattern and exits; GET there. */
	kvm_pin_this_task_to_pcpu(0);
	fs_pattern(&va, a, va.sme_vl, va.sme_vl);
	if (!fs_load(&va, a, name))
		goto out;
	err = fs_get(&va, img);
	if (err) {
		ksft_print_msg("%s: GET on CPU 0: %s\n", name, strerror(err));
		goto out;
	}

	/* B on CPU 1: its guest has loaded other values; SET A's image. */
	kvm_pin_this_task_to_pcpu(1);
	fs_pattern(&vb, c, false, false);
	if (!fs_load(&vb, c, name))
		goto out;
	err = fs_set(&vb, img);
	if (err) {
		ksft_print_msg("%s: SET on CPU 1: %s\n", name, strerror(err));
		goto out;
	}
	bad = fs_same(&va, img, a, name, "GET against A's registers") +
	      !!fs_one_reg_diff(&vb, img, name);
	bad += !fs_finds(&vb, img, name);
	/* And A goes on with its own registers. */
	kvm_pin_this_task_to_pcpu(0);
	bad += !fs_finds(&va, NULL, name);
out:
	fs_vm_free(&va);
	fs_vm_free(&vb);
	free(a);
	ksft_test_result(!bad, "%s\n", name);
}

/* ---- busy ---- */

static void test_busy(const struct fs_kind *k)
{
	const char *skip = fs_kind_skip(k, true, false);
	uint8_t *a = fs_alloc(3), *b = a + FS_IMG_MAX, *img = b + FS_IMG_MAX;
	struct kvm_arm_fp_state *h = (void *)img;
	struct fs_runner r;
	bool ok = false;
	struct fs_vm v;
	char name[48];
	int err;

	if (skip) {
		ksft_test_result_skip("busy %s: %s\n", k->name, skip);
		free(a);
		return;
	}
	snprintf(name, sizeof(name), "busy %s", k->name);
	fs_vm_new(&v, k->sve_cap, k->sme_cap);
	kvm_pin_this_task_to_pcpu(0);
	fs_runner_start(&r, &v, fs_cpus > 1 ? 1 : 0);
	fs_pattern(&v, a, v.sme_vl, v.sme_vl);
	fs_pattern(&v, b, false, false);
	memcpy(v.load, a, v.size);
	memcpy(v.expect, a, v.size);
	*v.spin = 1;
	sem_post(&r.go);
	if (!fs_stage(&v, 1, name)) {
		WRITE_ONCE(*v.go, 2);
		fs_runner_exit(&r, UCALL_NONE, name);
		goto out;
	}

	/* Inside KVM_RUN: neither waits, neither touches the vCPU. */
	h->size = FS_IMG_MAX;
	err = ioctl(v.vcpu->fd, KVM_ARM_GET_FP_STATE, img) ? errno : 0;
	ok = err == EBUSY;
	if (!ok)
		ksft_print_msg("%s: GET in KVM_RUN: %s, want EBUSY\n", name,
			       strerror(err));
	err = fs_set(&v, b);
	if (err != EBUSY) {
		ksft_print_msg("%s: SET in KVM_RUN: %s, want EBUSY\n", name,
			       strerror(err));
		ok = false;
	}
	WRITE_ONCE(*v.go, 2);
	if (!fs_runner_exit(&r, UCALL_NONE, name)) {
		ok = false;
		goto out;
	}
	ok &= !fs_get_is(&v, a, name, "GET after KVM_RUN");
	ok &= !fs_one_reg_diff(&v, a, name);
	sem_post(&r.go);
	ok &= fs_runner_exit(&r, UCALL_SYNC, name);
out:
	fs_runner_stop(&r);
	fs_vm_free(&v);
	free(a);
	ksft_test_result(ok, "%s\n", name);
}

/* ---- set-discards-live ---- */

static uint64_t fs_reload_avoided(struct fs_vm *v)
{
	uint64_t n = 0;

	fp_vcpu_stat(v->vcpu, "fp_reload_avoided", &n);
	return n;
}

/*
 * One pass of set-discards-live: the guest loads @a on CPU 1 and spins,
 * its thread moves to CPU 0, where the guest exits; with @b, SET @b
 * there. The guest resumes on CPU 0 and spins, its thread moves back to
 * CPU 1, and the guest stores its registers: it must find @b, or @a
 * without. @avoided: entries that found the registers live meanwhile.
 */
static bool fs_sdl_pass(struct fs_vm *v, struct fs_runner *r,
			const uint8_t *a, const uint8_t *b, const char *name,
			uint64_t *avoided)
{
	uint64_t before;
	bool ok = true;
	int err;

	memcpy(v->load, a, v->size);
	memcpy(v->expect, a, v->size);
	*v->stage = 0;
	*v->go = 0;
	*v->spin = 1;
	fs_runner_pin(r, 1);
	sem_post(&r->go);
	if (!fs_stage(v, 1, name)) {
		WRITE_ONCE(*v->go, 2);
		fs_runner_exit(r, UCALL_NONE, name);
		return false;
	}
	fs_runner_pin(r, 0);
	WRITE_ONCE(*v->go, 1);
	if (!fs_runner_exit(r, UCALL_NONE, name))
		return false;
	if (r->cpu != 0)
		ksft_print_msg("%s: the guest exited on CPU %d, not 0\n", name,
			       r->cpu);
	if (b) {
		ok = !fs_get_is(v, a, name, "GET after the move");
		err = fs_set(v, b);
		if (err) {
			ksft_print_msg("%s: SET: %s\n", name, strerror(err));
			ok = false;
		}
		memcpy(v->expect, b, v->size);
	}
	before = fs_reload_avoided(v);
	sem_post(&r->go);
	if (!fs_stage(v, 2, name)) {
		WRITE_ONCE(*v->go, 2);
		fs_runner_exit(r, UCALL_SYNC, name);
		return false;
	}
	fs_runner_pin(r, 1);
	WRITE_ONCE(*v->go, 2);
	ok &= fs_runner_exit(r, UCALL_SYNC, name);
	if (r->cpu != 1)
		ksft_print_msg("%s: the guest stored its registers on CPU %d, not 1\n",
			       name, r->cpu);
	*avoided = fs_reload_avoided(v) - before;
	return ok;
}

static void test_set_discards_live(const struct fs_kind *k)
{
	const char *skip = fs_kind_skip(k, true, true);
	uint8_t *a = fs_alloc(5), *b = a + FS_IMG_MAX, *c = b + FS_IMG_MAX;
	uint8_t *d = c + FS_IMG_MAX, *e = d + FS_IMG_MAX;
	uint64_t same_cpu, control = 0, avoided = 0, before;
	struct fs_runner r;
	bool ok = false;
	struct fs_vm v;
	char name[48];
	int err;

	if (skip) {
		ksft_test_result_skip("set-discards-live %s: %s\n", k->name,
				      skip);
		free(a);
		return;
	}
	snprintf(name, sizeof(name), "set-discards-live %s", k->name);
	fs_vm_new(&v, k->sve_cap, k->sme_cap);
	fs_pattern(&v, a, v.sme_vl, v.sme_vl);
	fs_pattern(&v, b, v.sme_vl, v.sme_vl);
	fs_pattern(&v, c, v.sme_vl, v.sme_vl);
	fs_pattern(&v, d, v.sme_vl, v.sme_vl);
	fs_pattern(&v, e, v.sme_vl, v.sme_vl);

	/*
	 * Run, exit and run again from one thread on CPU 1: back in
	 * userspace the thread took its own registers back, so the vCPU's
	 * are not live there any more (reported, not required); and with a
	 * SET between, the guest finds what was set.
	 */
	kvm_pin_this_task_to_pcpu(1);
	if (!fs_load(&v, a, name))
		goto out;
	before = fs_reload_avoided(&v);
	if (!fs_finds(&v, NULL, name))
		goto out;
	same_cpu = fs_reload_avoided(&v) - before;
	if (!fs_load(&v, b, name))
		goto out;
	err = fs_set(&v, c);
	if (err) {
		ksft_print_msg("%s: SET: %s\n", name, strerror(err));
		goto out;
	}
	if (!fs_finds(&v, c, name))
		goto out;

	/* Without a SET the registers left on CPU 1 are taken as they are... */
	kvm_pin_this_task_to_pcpu(0);
	fs_runner_start(&r, &v, 1);
	ok = fs_sdl_pass(&v, &r, d, NULL, name, &control);
	/* ...after a SET they must not be. */
	ok = ok && fs_sdl_pass(&v, &r, e, a, name, &avoided);
	fs_runner_stop(&r);
	ksft_print_msg("%s: entries finding the registers live: %lu after\n",
		       name, same_cpu);
	ksft_print_msg("  an exit to userspace, %lu back on CPU 1, %lu after a SET\n",
		       control, avoided);
	if (ok && avoided) {
		ksft_print_msg("%s: the registers from before the SET were used\n",
			       name);
		ok = false;
	}
	if (ok && !control) {
		fs_vm_free(&v);
		free(a);
		ksft_test_result_skip("%s: the registers did not stay live on CPU 1\n",
				      name);
		return;
	}
out:
	fs_vm_free(&v);
	free(a);
	ksft_test_result(ok, "%s\n", name);
}

/* ---- bad-input ---- */

enum bi_vcpu { BI_F, BI_S, BI_M, BI_U, BI_N, BI_NR };

enum bi_what {
	BI_GET_SHORT, BI_GET_ZERO, BI_GET_FAULT, BI_GET, BI_SET,
	BI_SIZE_SHORT, BI_SIZE_LONG, BI_VERSION_0, BI_VERSION_2,
	BI_COMP_3, BI_COMP_63, BI_NO_FPSIMD, BI_NO_SVE, BI_SVE_BIT,
	BI_SVE_IMAGE, BI_ZA_BIT, BI_FLAG_1, BI_FLAG_31, BI_STREAMING,
	BI_SVE_VL, BI_SME_VL, BI_OFFSET, BI_OFFSET_UNUSED,
	BI_RESERVED_0, BI_RESERVED_1, BI_RESERVED_2,
	BI_FP_RESERVED_0, BI_FP_RESERVED_1, BI_VREGS, BI_SVE_PAD,
	BI_ZA_BYTES, BI_FFR_STREAMING, BI_SET_FAULT,
};

static const struct bi_case {
	const char *name;
	enum bi_vcpu on;
	enum bi_what what;
	int err;
} bi_cases[] = {
	{ "get: size 16 bytes short: E2BIG, the size written back", BI_S, BI_GET_SHORT, E2BIG },
	{ "get: size 0: E2BIG, the size written back", BI_F, BI_GET_ZERO, E2BIG },
	{ "get: image across a PROT_NONE page: EFAULT", BI_S, BI_GET_FAULT, EFAULT },
	{ "get: vCPU not initialized: ENOEXEC", BI_U, BI_GET, ENOEXEC },
	{ "get: vCPU not finalized: EPERM", BI_N, BI_GET, EPERM },
	{ "set: size 16 bytes short: EINVAL", BI_S, BI_SIZE_SHORT, EINVAL },
	{ "set: size 16 bytes long: EINVAL", BI_S, BI_SIZE_LONG, EINVAL },
	{ "set: version 0: EINVAL", BI_S, BI_VERSION_0, EINVAL },
	{ "set: version 2: EINVAL", BI_F, BI_VERSION_2, EINVAL },
	{ "set: unknown component bit 3: EINVAL", BI_S, BI_COMP_3, EINVAL },
	{ "set: unknown component bit 63: EINVAL", BI_F, BI_COMP_63, EINVAL },
	{ "set: no FPSIMD component: EINVAL", BI_F, BI_NO_FPSIMD, EINVAL },
	{ "set: no SVE component on an SVE vCPU: EINVAL", BI_S, BI_NO_SVE, EINVAL },
	{ "set: SVE component on a vCPU without SVE: EINVAL", BI_F, BI_SVE_BIT, EINVAL },
	{ "set: an SVE vCPU's image on a vCPU without SVE: EINVAL", BI_F, BI_SVE_IMAGE, EINVAL },
	{ "set: ZA component on a vCPU without SME: EINVAL", BI_S, BI_ZA_BIT, EINVAL },
	{ "set: unknown flag bit 1: EINVAL", BI_S, BI_FLAG_1, EINVAL },
	{ "set: unknown flag bit 31: EINVAL", BI_F, BI_FLAG_31, EINVAL },
	{ "set: STREAMING on a vCPU without SME: EINVAL", BI_S, BI_STREAMING, EINVAL },
	{ "set: sve_vl 16 bytes longer than the vCPU's: EINVAL", BI_S, BI_SVE_VL, EINVAL },
	{ "set: sve_vl on a vCPU without SVE: EINVAL", BI_F, BI_SVE_VL, EINVAL },
	{ "set: sme_vl on a vCPU without SME: EINVAL", BI_S, BI_SME_VL, EINVAL },
	{ "set: sme_vl not the vCPU's: EINVAL", BI_M, BI_SME_VL, EINVAL },
	{ "set: SVE offset moved: EINVAL", BI_S, BI_OFFSET, EINVAL },
	{ "set: offset of an unknown component: EINVAL", BI_F, BI_OFFSET_UNUSED, EINVAL },
	{ "set: reserved[0] nonzero: EINVAL", BI_S, BI_RESERVED_0, EINVAL },
	{ "set: reserved[1] nonzero: EINVAL", BI_F, BI_RESERVED_1, EINVAL },
	{ "set: reserved[2] nonzero: EINVAL", BI_M, BI_RESERVED_2, EINVAL },
	{ "set: fpsimd __reserved[0] nonzero: EINVAL", BI_F, BI_FP_RESERVED_0, EINVAL },
	{ "set: fpsimd __reserved[1] nonzero: EINVAL", BI_S, BI_FP_RESERVED_1, EINVAL },
	{ "set: V registers of an SVE vCPU are ignored: success, Z unchanged", BI_S, BI_VREGS, 0 },
	{ "set: SVE slot padding nonzero: EINVAL", BI_S, BI_SVE_PAD, EINVAL },
	{ "set: ZA bytes with ZA absent: EINVAL", BI_M, BI_ZA_BYTES, EINVAL },
	{ "set: streaming FFR without FA64: EINVAL", BI_M, BI_FFR_STREAMING, EINVAL },
	{ "set: image across a PROT_NONE page: EFAULT", BI_S, BI_SET_FAULT, EFAULT },
	{ "set: vCPU not initialized: ENOEXEC", BI_U, BI_SET, ENOEXEC },
	{ "set: vCPU not finalized: EPERM", BI_N, BI_SET, EPERM },
};

/* The bad-input vCPUs: a valid image for each, and what it holds. */
struct bi_state {
	struct fs_vm v[BI_NR];
	uint8_t *a[BI_NR];	/* what the guest loaded: the vCPU's image */
	uint8_t *b[BI_NR];	/* a valid image other than that */
	bool ready[BI_NR];
	const char *skip[BI_NR];
};

static void bi_setup(struct bi_state *s)
{
	struct kvm_vcpu_init init;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->skip[BI_S] = fs_kinds[1].skip;
	s->skip[BI_N] = fs_kinds[1].skip;
	s->skip[BI_M] = fs_kinds[2].skip;
	for (i = 0; i < BI_NR; i++) {
		s->a[i] = fs_alloc(2);
		s->b[i] = s->a[i] + FS_IMG_MAX;
		if (!fs_cap)
			s->skip[i] = "no KVM_CAP_ARM_FP_STATE";
	}
	/*
	 * Guests that ran: without SVE; with SVE at 64 bytes at most, so that
	 * the SVE slot has padding; with SME, SM off and ZA on.
	 */
	for (i = BI_F; i <= BI_M; i++) {
		if (s->skip[i])
			continue;
		fs_vm_new(&s->v[i], i == BI_S ? 64 : fs_kinds[i].sve_cap,
			  fs_kinds[i].sme_cap);
		fs_pattern(&s->v[i], s->a[i], false, i == BI_M);
		fs_pattern(&s->v[i], s->b[i], i == BI_M, i == BI_M);
		s->ready[i] = fs_load(&s->v[i], s->a[i], "bad-input");
		if (!s->ready[i])
			s->skip[i] = "its guest did not run";
	}
	if (!s->skip[BI_U]) {
		s->v[BI_U].vm = vm_create(1);
		s->v[BI_U].vcpu = __vm_vcpu_add(s->v[BI_U].vm, 0);
	}
	if (!s->skip[BI_N]) {
		s->v[BI_N].vm = vm_create(1);
		vm_ioctl(s->v[BI_N].vm, KVM_ARM_PREFERRED_TARGET, &init);
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
		s->v[BI_N].vcpu = aarch64_vcpu_add(s->v[BI_N].vm, 0, &init,
						   guest_main);
		s->v[BI_N].size = fp_state_layout(fs_sve_vls[fs_nr_sve - 1], 0,
						  s->v[BI_N].offset);
	}
}

/* After a failed SET: GET and ONE_REG give the image the vCPU had. */
static unsigned int bi_unchanged(struct bi_state *s, enum bi_vcpu on,
				 const char *name)
{
	if (on > BI_M)
		return 0;
	return fs_get_is(&s->v[on], s->a[on], name, "GET after it") +
	       !!fs_one_reg_diff(&s->v[on], s->a[on], name);
}

/*
 * After a SET that is documented to succeed on an image made from b: GET
 * and ONE_REG give b, and the vCPU gets a back for the cases after it.
 */
static unsigned int bi_took_b(struct bi_state *s, enum bi_vcpu on,
			      const char *name)
{
	unsigned int bad;

	bad = fs_get_is(&s->v[on], s->b[on], name, "GET after it") +
	      !!fs_one_reg_diff(&s->v[on], s->b[on], name);
	TEST_ASSERT(!fs_set(&s->v[on], s->a[on]), "%s: SET back", name);
	return bad;
}

/* Two pages, the second inaccessible; an image of @size across them. */
static uint8_t *bi_straddle(uint8_t **map, size_t *len, uint32_t size)
{
	long psz = sysconf(_SC_PAGESIZE);

	*len = 2 * psz;
	*map = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(*map != MAP_FAILED, "mmap");
	TEST_ASSERT(!mprotect(*map + psz, psz, PROT_NONE), "mprotect");
	return *map + psz - ((size / 2) & ~15U);
}

/* Why @c cannot be run, or NULL. */
static const char *bi_skip(struct bi_state *s, const struct bi_case *c)
{
	struct fs_vm *v = &s->v[c->on];

	if (s->skip[c->on])
		return s->skip[c->on];
	if (c->what == BI_SVE_IMAGE && s->skip[BI_S])
		return s->skip[BI_S];
	if (c->what == BI_SVE_PAD &&
	    v->offset[KVM_ARM_FP_STATE_SVE] + 34 * v->sve_vl + v->sve_vl / 8 ==
	    v->size)
		return "no padding at this length";
	if (c->what == BI_FFR_STREAMING && fs_fa64)
		return "FA64: streaming mode has FFR";
	return NULL;
}

/* Make a valid image @img of @s->v[@on] invalid as @what says. */
static void bi_spoil(struct bi_state *s, enum bi_vcpu on, enum bi_what what,
		     uint8_t *img)
{
	struct kvm_arm_fp_state *h = (void *)img;
	struct user_fpsimd_state *fp = (void *)(img + FS_FP);
	struct fs_vm *v = &s->v[on];
	uint8_t *z = img + v->offset[KVM_ARM_FP_STATE_SVE];

	switch (what) {
	case BI_SIZE_SHORT:
		h->size -= 16;
		break;
	case BI_SIZE_LONG:
		h->size += 16;
		break;
	case BI_VERSION_0:
		h->version = 0;
		break;
	case BI_VERSION_2:
		h->version = 2;
		break;
	case BI_COMP_3:
		h->components |= 1ULL << 3;
		break;
	case BI_COMP_63:
		h->components |= 1ULL << 63;
		break;
	case BI_NO_FPSIMD:
		h->components &= ~FS_BIT(FPSIMD);
		break;
	case BI_NO_SVE:
		h->components &= ~FS_BIT(SVE);
		break;
	case BI_SVE_BIT:
		h->components |= FS_BIT(SVE);
		break;
	case BI_SVE_IMAGE:
		memcpy(img, s->b[BI_S], s->v[BI_S].size);
		break;
	case BI_ZA_BIT:
		h->components |= FS_BIT(ZA);
		break;
	case BI_FLAG_1:
		h->flags |= 1U << 1;
		break;
	case BI_FLAG_31:
		h->flags |= 1U << 31;
		break;
	case BI_STREAMING:
		h->flags |= KVM_ARM_FP_STATE_STREAMING;
		break;
	case BI_SVE_VL:
		h->sve_vl += 16;
		break;
	case BI_SME_VL:
		h->sme_vl = h->sme_vl == 16 ? 32 : 16;
		break;
	case BI_OFFSET:
		h->offset[KVM_ARM_FP_STATE_SVE] += 16;
		break;
	case BI_OFFSET_UNUSED:
		h->offset[KVM_ARM_FP_STATE_MAX_COMPONENTS - 1] = FS_HDR;
		break;
	case BI_RESERVED_0:
	case BI_RESERVED_1:
	case BI_RESERVED_2:
		h->reserved[what - BI_RESERVED_0] = 1ULL << 40;
		break;
	case BI_FP_RESERVED_0:
	case BI_FP_RESERVED_1:
		fp->__reserved[what - BI_FP_RESERVED_0] = 1;
		break;
	case BI_VREGS:
		img[FS_FP + 5 * 16 + 3] = 0x10;
		break;
	case BI_SVE_PAD:
		img[v->size - 1] = 1;
		break;
	case BI_ZA_BYTES:
		h->components &= ~FS_BIT(ZA);
		break;
	case BI_FFR_STREAMING:
		z[34 * v->sme_vl] = 1;
		break;
	default:
		break;
	}
}

/* One case. Return: true if it went as documented. */
static bool bi_run(struct bi_state *s, const struct bi_case *c)
{
	struct fs_vm *v = &s->v[c->on];
	uint8_t *img = fs_alloc(1), *map = NULL, *at;
	struct kvm_arm_fp_state *h = (void *)img;
	unsigned int bad = 0;
	size_t len = 0;
	long i;
	int err;

	switch (c->what) {
	case BI_GET_SHORT:
	case BI_GET_ZERO:
		memset(img, 0xa5, FS_IMG_MAX);
		h->size = c->what == BI_GET_ZERO ? 0 : v->size - 16;
		err = ioctl(v->vcpu->fd, KVM_ARM_GET_FP_STATE, img) ? errno : 0;
		if (h->size != v->size) {
			ksft_print_msg("%s: size %u written back, want %u\n",
				       c->name, h->size, v->size);
			bad++;
		}
		h->size = 0xa5a5a5a5;
		for (i = 0; i < FS_IMG_MAX && !bad; i++) {
			if (img[i] != 0xa5) {
				ksft_print_msg("%s: byte %ld written\n",
					       c->name, i);
				bad++;
			}
		}
		break;
	case BI_GET_FAULT:
		at = bi_straddle(&map, &len, v->size);
		((struct kvm_arm_fp_state *)at)->size = v->size;
		err = ioctl(v->vcpu->fd, KVM_ARM_GET_FP_STATE, at) ? errno : 0;
		break;
	case BI_GET:
		h->size = FS_IMG_MAX;
		err = ioctl(v->vcpu->fd, KVM_ARM_GET_FP_STATE, img) ? errno : 0;
		break;
	case BI_SET:
		/* An image of the vCPU's size: only its state is wrong. */
		h->version = KVM_ARM_FP_STATE_VERSION;
		h->size = v->size ?: FS_IMG_MAX;
		err = ioctl(v->vcpu->fd, KVM_ARM_SET_FP_STATE, img) ? errno : 0;
		break;
	case BI_SET_FAULT:
		at = bi_straddle(&map, &len, v->size);
		memcpy(at, s->b[c->on], map + len / 2 - at);
		err = ioctl(v->vcpu->fd, KVM_ARM_SET_FP_STATE, at) ? errno : 0;
		bad += bi_unchanged(s, c->on, c->name);
		break;
	default:
		memcpy(img, s->b[c->on], v->size);
		bi_spoil(s, c->on, c->what, img);
		err = ioctl(v->vcpu->fd, KVM_ARM_SET_FP_STATE, img) ? errno : 0;
		if (c->err || err)
			bad += bi_unchanged(s, c->on, c->name);
		else
			bad += bi_took_b(s, c->on, c->name);
	}
	if (err != c->err) {
		ksft_print_msg("%s: %s, want %s\n", c->name,
			       err ? strerror(err) : "success",
			       strerror(c->err));
		bad++;
	}
	if (map)
		munmap(map, len);
	free(img);
	return !bad;
}

static void test_bad_input(void)
{
	static const char * const kind[] = { "fpsimd", "sve", "sme" };
	struct bi_state s;
	const char *skip;
	unsigned int i;

	bi_setup(&s);
	for (i = 0; i < ARRAY_SIZE(bi_cases); i++) {
		skip = bi_skip(&s, &bi_cases[i]);
		if (skip)
			ksft_test_result_skip("bad-input %s: %s\n",
					      bi_cases[i].name, skip);
		else
			ksft_test_result(bi_run(&s, &bi_cases[i]),
					 "bad-input %s\n", bi_cases[i].name);
	}
	/* Each guest still finds the registers it loaded. */
	for (i = BI_F; i <= BI_M; i++) {
		if (s.skip[i])
			ksft_test_result_skip("bad-input: the %s guest runs after: %s\n",
					      kind[i], s.skip[i]);
		else
			ksft_test_result(fs_finds(&s.v[i], NULL, "bad-input"),
					 "bad-input: the %s guest runs after\n",
					 kind[i]);
	}
	for (i = 0; i < BI_NR; i++) {
		fs_vm_free(&s.v[i]);
		free(s.a[i]);
	}
}

/* ---- vmm-lib-one-reg, vmm-lib-both-ways ---- */

/* A library snapshot through @via must be @want. Return: 1 if not. */
static unsigned int fs_lib_is(struct fs_vm *v, enum fp_state_via via,
			      const uint8_t *want, const char *name,
			      const char *what)
{
	uint8_t *img = fs_alloc(1);
	unsigned int bad;
	int ret;

	memset(img, 0x5a, FS_IMG_MAX);
	ret = fp_state_save(v->vcpu->fd, (void *)img, FS_IMG_MAX, via);
	if (ret) {
		ksft_print_msg("%s: %s: %s\n", name, what, strerror(-ret));
		bad = 1;
	} else {
		bad = fs_same(v, img, want, name, what);
	}
	free(img);
	return bad;
}

static unsigned int fs_lib_restore(struct fs_vm *v, enum fp_state_via via,
				   const uint8_t *img, const char *name,
				   const char *what)
{
	int ret = fp_state_restore(v->vcpu->fd, (const void *)img, via);

	if (ret) {
		ksft_print_msg("%s: %s: %s\n", name, what, strerror(-ret));
		return 1;
	}
	return !!fs_one_reg_diff(v, img, name);
}

static void test_vmm_lib_one_reg(const struct fs_kind *k)
{
	const char *skip = fs_kind_skip(k, false, false);
	enum fp_state_via auto_via, want_via;
	uint8_t *a = fs_alloc(2), *b = a + FS_IMG_MAX;
	unsigned int bad = 0;
	struct fs_vm v;
	char name[48];

	if (skip) {
		ksft_test_result_skip("vmm-lib-one-reg %s: %s\n", k->name, skip);
		free(a);
		return;
	}
	snprintf(name, sizeof(name), "vmm-lib-one-reg %s", k->name);
	fs_vm_new(&v, k->sve_cap, k->sme_cap);
	auto_via = fp_state_via(v.vcpu->fd);
	want_via = fs_cap ? FP_STATE_VIA_IOCTL : FP_STATE_VIA_ONE_REG;
	if (auto_via != want_via) {
		ksft_print_msg("%s: the library would use %d, want %d\n", name,
			       auto_via, want_via);
		bad++;
	}
	if (fp_state_size(v.vcpu->fd, FP_STATE_VIA_ONE_REG) != v.size ||
	    fp_state_size(v.vcpu->fd, FP_STATE_VIA_AUTO) != v.size) {
		ksft_print_msg("%s: sizes %ld and %ld, want %u\n", name,
			       fp_state_size(v.vcpu->fd, FP_STATE_VIA_ONE_REG),
			       fp_state_size(v.vcpu->fd, FP_STATE_VIA_AUTO),
			       v.size);
		bad++;
	}
	/* SME: ZA on, SM off, then both on: SVCR has to be written first. */
	fs_pattern(&v, a, false, v.sme_vl);
	fs_pattern(&v, b, v.sme_vl, v.sme_vl);
	if (!fs_load(&v, a, name)) {
		bad++;
		goto out;
	}
	bad += fs_lib_is(&v, FP_STATE_VIA_ONE_REG, a, name,
			 "ONE_REG snapshot against the guest's registers");
	bad += fs_lib_restore(&v, FP_STATE_VIA_ONE_REG, b, name,
			      "ONE_REG restore");
	bad += fs_lib_is(&v, FP_STATE_VIA_ONE_REG, b, name,
			 "ONE_REG snapshot after the restore");
	bad += !fs_finds(&v, b, name);
out:
	fs_vm_free(&v);
	free(a);
	ksft_test_result(!bad, "%s\n", name);
}

static void test_vmm_lib_both_ways(const struct fs_kind *k)
{
	const char *skip = fs_kind_skip(k, true, false);
	uint8_t *a = fs_alloc(4), *b = a + FS_IMG_MAX, *c = b + FS_IMG_MAX;
	uint8_t *x = c + FS_IMG_MAX;
	unsigned int bad = 0;
	struct fs_vm v;
	char name[48];
	int r1, r2;

	if (skip) {
		ksft_test_result_skip("vmm-lib-both-ways %s: %s\n", k->name,
				      skip);
		free(a);
		return;
	}
	snprintf(name, sizeof(name), "vmm-lib-both-ways %s", k->name);
	fs_vm_new(&v, k->sve_cap, k->sme_cap);
	if (fp_state_size(v.vcpu->fd, FP_STATE_VIA_IOCTL) !=
	    fp_state_size(v.vcpu->fd, FP_STATE_VIA_ONE_REG)) {
		ksft_print_msg("%s: the two sizes differ\n", name);
		bad++;
	}
	/* SME: from ZA alone to both on to neither and back to both. */
	fs_pattern(&v, a, false, v.sme_vl);
	fs_pattern(&v, b, v.sme_vl, v.sme_vl);
	fs_pattern(&v, c, false, false);
	if (!fs_load(&v, a, name)) {
		bad++;
		goto out;
	}
	bad += fs_lib_is(&v, FP_STATE_VIA_IOCTL, a, name, "ioctl snapshot");
	bad += fs_lib_is(&v, FP_STATE_VIA_ONE_REG, a, name, "ONE_REG snapshot");
	bad += fs_lib_restore(&v, FP_STATE_VIA_IOCTL, b, name, "ioctl restore");
	bad += fs_lib_is(&v, FP_STATE_VIA_ONE_REG, b, name,
			 "ONE_REG snapshot after the ioctl restore");
	bad += fs_lib_restore(&v, FP_STATE_VIA_ONE_REG, c, name,
			      "ONE_REG restore");
	bad += fs_lib_is(&v, FP_STATE_VIA_IOCTL, c, name,
			 "ioctl snapshot after the ONE_REG restore");
	bad += fs_lib_restore(&v, FP_STATE_VIA_ONE_REG, b, name,
			      "ONE_REG restore");
	bad += fs_lib_is(&v, FP_STATE_VIA_IOCTL, b, name,
			 "ioctl snapshot after the ONE_REG restore");
	/* Both refuse an image of another version, and change nothing. */
	memcpy(x, c, v.size);
	((struct kvm_arm_fp_state *)x)->version = 2;
	r1 = fp_state_restore(v.vcpu->fd, (void *)x, FP_STATE_VIA_IOCTL);
	r2 = fp_state_restore(v.vcpu->fd, (void *)x, FP_STATE_VIA_ONE_REG);
	if (r1 != -EINVAL || r2 != -EINVAL) {
		ksft_print_msg("%s: version 2: ioctl %d, ONE_REG %d, want %d\n",
			       name, r1, r2, -EINVAL);
		bad++;
	}
	bad += fs_lib_is(&v, FP_STATE_VIA_IOCTL, b, name,
			 "ioctl snapshot after the refused restores");
	bad += !fs_finds(&v, b, name);
out:
	fs_vm_free(&v);
	free(a);
	ksft_test_result(!bad, "%s\n", name);
}

/*
 * Run for every kind of vCPU, before and after the bad-input cases; each
 * reports one result per kind.
 */
static void (* const fs_kind_tests[])(const struct fs_kind *k) = {
	test_migration,
	test_busy,
	test_set_discards_live,
};

static void (* const fs_lib_tests[])(const struct fs_kind *k) = {
	test_vmm_lib_one_reg,
	test_vmm_lib_both_ways,
};

int main(void)
{
	unsigned int i, t;

	ksft_print_header();
	fs_probe();
	fs_kinds_init();
	/*
	 * test_get_set() reports two results per configuration,
	 * test_size_exact() one, test_bad_input() one per case and one per
	 * guest that runs after them.
	 */
	ksft_set_plan(2 * fs_nr_cfgs + 1 +
		      (ARRAY_SIZE(fs_kind_tests) + ARRAY_SIZE(fs_lib_tests)) *
		      ARRAY_SIZE(fs_kinds) +
		      ARRAY_SIZE(bi_cases) + BI_M - BI_F + 1);
	ksft_print_msg("KVM_CAP_ARM_FP_STATE %u, %u SVE and %u SME lengths, FA64 %d, %ld CPUs\n",
		       kvm_check_cap(KVM_CAP_ARM_FP_STATE), fs_nr_sve, fs_nr_sme,
		       fs_fa64, fs_cpus);

	for (i = 0; i < fs_nr_cfgs; i++)
		test_get_set(&fs_cfgs[i]);
	test_size_exact();
	for (t = 0; t < ARRAY_SIZE(fs_kind_tests); t++)
		for (i = 0; i < ARRAY_SIZE(fs_kinds); i++)
			fs_kind_tests[t](&fs_kinds[i]);
	test_bad_input();
	for (t = 0; t < ARRAY_SIZE(fs_lib_tests); t++)
		for (i = 0; i < ARRAY_SIZE(fs_kinds); i++)
			fs_lib_tests[t](&fs_kinds[i]);
	ksft_finished();
}
