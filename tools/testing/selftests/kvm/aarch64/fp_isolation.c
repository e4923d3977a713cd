// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_isolation - no FP/SIMD or SVE bits cross from one context to another.
 *
 * - reset state: a vCPU that has never run starts (before executing any
 *   compiled code) with all-zero V/Z/P/FFR/FPSR/FPCR, although the VMM
 *   thread filled its own registers with a marker right before KVM_RUN and
 *   another VM left its pattern behind on the same CPU;
 * - shrink/grow: a guest that lowers its vector length through ZCR_EL1,
 *   exits, lets another VM and the VMM use the CPU, and raises it again sees
 *   only its own bits or zeros above the short length, and exactly its own
 *   bits below it;
 * - two VMs with different maximum vector lengths (and an SVE VM next to an
 *   FP/SIMD-only one) taking turns on one CPU each keep exactly their own
 *   register contents;
 * - reset by PSCI CPU_ON: a vCPU that filled its registers, turned itself
 *   off and slept in KVM_RUN on a CPU nobody else used is reset by another
 *   vCPU; on restart it sees zeros, never its pre-reset values (which may
 *   still sit in that CPU's registers).
 *
 * All register loads and stores around an exit are in one asm block; the
 * comparisons are asm loops over the stored images.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <linux/psci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <asm/hwcap.h>

#include "fp_regs.h"
#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

enum { MODE_LOOP, MODE_FRESH, MODE_SHRINK };

struct iso_cfg {
	uint32_t mode;
	uint32_t sve;
	uint32_t iters;
	uint64_t seed;
};

static struct iso_cfg cfg;
static struct fp_regimg want, seen;
/* Filled by the entry stubs below before any compiled code runs. */
struct fp_regimg iso_first[2];
uint64_t iso_first_vl[2];
static const struct fp_regimg all_zero;

/* ---- shared helpers ---- */

/*
 * First index where got differs from want (strict), or differs from both
 * want and zero (loose); -1 if none.
 */
static long diff_at(const void *want_p, const void *got_p, unsigned long n,
		    bool loose)
{
	unsigned long i = 0, a, b;
	long at = -1;

	asm volatile("0:	cmp	%[i], %[n]\n"
		     "	b.hs	9f\n"
		     "	ldrb	%w[a], [%[w], %[i]]\n"
		     "	ldrb	%w[b], [%[g], %[i]]\n"
		     "	cmp	%w[a], %w[b]\n"
		     "	b.eq	1f\n"
		     "	cbz	%[loose], 8f\n"
		     "	cbnz	%w[b], 8f\n"
		     "1:	add	%[i], %[i], #1\n"
		     "	b	0b\n"
		     "8:	mov	%[at], %[i]\n"
		     "9:\n"
		     : [i] "+&r" (i), [a] "=&r" (a), [b] "=&r" (b), [at] "+&r" (at)
		     : [w] "r" (want_p), [g] "r" (got_p), [n] "r" (n),
		       [loose] "r" ((uint64_t)loose)
		     : "cc", "memory");
	return at;
}

struct bad {
	const char *reg;
	unsigned int idx, byte, want, got;
};

static bool bad_at(struct bad *b, const char *reg, unsigned int idx,
		   unsigned int byte, uint8_t w, uint8_t g)
{
	*b = (struct bad){ reg, idx, byte, w, g };
	return false;
}

/* Strict over the first 'exact' bytes, zero-or-equal over the rest. */
static long reg_diff(const uint8_t *w, const uint8_t *g, unsigned int len,
		     unsigned int exact)
{
	long at = diff_at(w, g, exact, false);

	if (at < 0) {
		at = diff_at(w + exact, g + exact, len - exact, true);
		if (at >= 0)
			at += exact;
	}
	return at;
}

/*
 * Every Zn must match want in its first 'exact' bytes and match or be zero
 * up to vl; Pn and FFR the same at an eighth of those sizes.
 */
static bool state_ok(const struct fp_regimg *w, const struct fp_regimg *g,
		     unsigned int vl, unsigned int exact, bool sve,
		     struct bad *b)
{
	unsigned int n, pb = vl / 8;
	const uint8_t *wr, *gr;
	long at;

	for (n = 0; n < 32; n++) {
		wr = &w->z[n * vl];
		gr = &g->z[n * vl];
		at = reg_diff(wr, gr, vl, exact);
		if (at >= 0)
			return bad_at(b, sve ? "z" : "v", n, at, wr[at],
				      gr[at]);
	}
	for (n = 0; sve && n <= 16; n++) {
		wr = n < 16 ? &w->p[n * pb] : w->ffr;
		gr = n < 16 ? &g->p[n * pb] : g->ffr;
		at = reg_diff(wr, gr, pb, exact / 8);
		if (at >= 0)
			return bad_at(b, n < 16 ? "p" : "ffr", n, at, wr[at],
				      gr[at]);
	}
	at = diff_at(&w->fpsr, &g->fpsr, 16, false);
	if (at >= 0)
		return bad_at(b, at < 8 ? "fpsr" : "fpcr", 0, at % 8,
			      ((const uint8_t *)&w->fpsr)[at],
			      ((const uint8_t *)&g->fpsr)[at]);
	return true;
}

/* ---- guest ---- */

/*
 * vCPU entry points for the reset-state check: store every FP register
 * before the C code can touch any, then go to guest_main. The SVE one also
 * stores the state again after raising ZCR_EL1 to the maximum. Each body is
 * one asm statement that does not return: no compiled code runs before the
 * stores, and there is nothing for the compiler to save or set up.
 */
static void iso_entry_fpsimd(void)
{
	asm("	adrp	x0, iso_first\n"
	    "	add	x0, x0, :lo12:iso_first\n"
	    FP_ASM_STR_Q("x0")
	    "	mov	x1, #16\n"
	    "	bl	iso_store_ctl\n"
	    "	b	guest_main\n");
	unreachable();
}

/* Also holds iso_store_sve and iso_store_ctl, used by both entries. */
static void iso_entry_sve(void)
{
	asm("	.arch_extension sve\n"
	    "	adrp	x0, iso_first\n"
	    "	add	x0, x0, :lo12:iso_first\n"
	    "	bl	iso_store_sve\n"
	    "	mov	x2, #15\n"
	    "	msr	S3_0_C1_C2_0, x2\n"
	    "	isb\n"
	    "	adrp	x0, iso_first\n"
	    "	add	x0, x0, :lo12:iso_first\n"
	    "	mov	x2, #" __stringify(FP_IMG_SIZE) "\n"
	    "	add	x0, x0, x2\n"
	    "	bl	iso_store_sve\n"
	    "	b	guest_main\n"
	    /* x0: image; stores Z, P, FFR at the current VL, then FPSR, FPCR, VL. */
	    "iso_store_sve:\n"
	    FP_ASM_STR_Z("x0")
	    "	add	x2, x0, #" __stringify(FP_IMG_P_OFF) "\n"
	    FP_ASM_STR_P("x2")
	    "	rdffr	p0.b\n"
	    "	mov	x2, #" __stringify(FP_IMG_FFR_OFF) "\n"
	    "	add	x2, x0, x2\n"
	    "	str	p0, [x2]\n"
	    "	rdvl	x1, #1\n"
	    /* x0: image, x1: VL; stores FPSR, FPCR and the VL (next to the image). */
	    "iso_store_ctl:\n"
	    FP_ASM_STR_FPSR("x0", x2)
	    FP_ASM_STR_FPCR("x0", x2)
	    "	adrp	x2, iso_first\n"
	    "	add	x2, x2, :lo12:iso_first\n"
	    "	sub	x2, x0, x2\n"
	    "	cbz	x2, 1f\n"
	    "	mov	x2, #8\n"
	    "1:	adrp	x3, iso_first_vl\n"
	    "	add	x3, x3, :lo12:iso_first_vl\n"
	    "	str	x1, [x3, x2]\n"
	    "	ret\n");
	unreachable();
}

/* Set ZCR_EL1.LEN and return the vector length granted. */
static unsigned int zcr_len(uint64_t len)
{
	uint64_t vl;

	asm volatile("	.arch_extension sve\n"
		     "	msr	S3_0_C1_C2_0, %[len]\n"
		     "	isb\n"
		     "	rdvl	%[vl], #1\n"
		     : [vl] "=r" (vl) : [len] "r" (len) : "memory");
	return vl;
}

/* Load w, exit to the VMM (at VL 'shrink' when not 0), store into s. */
static noinline void window_sve(struct fp_regimg *w, struct fp_regimg *s,
				uint64_t shrink, uint64_t mmio)
{
	asm volatile("	.arch_extension sve\n"
		     "	msr	fpsr, %[sr]\n"
		     "	msr	fpcr, %[cr]\n"
		     FP_ASM_STR_FPSR("%[wz]", x6)
		     FP_ASM_STR_FPCR("%[wz]", x6)
		     FP_ASM_LDR_FFR("%[wf]")
		     FP_ASM_LDR_P("%[wp]")
		     FP_ASM_LDR_Z("%[wz]")
		     "	cbz	%[shrink], 1f\n"
		     "	sub	x6, %[shrink], #16\n"
		     "	lsr	x6, x6, #4\n"
		     "	msr	S3_0_C1_C2_0, x6\n"
		     "	isb\n"
		     "1:	str	xzr, [%[mmio]]\n"
		     "	cbz	%[shrink], 2f\n"
		     "	mov	x6, #15\n"
		     "	msr	S3_0_C1_C2_0, x6\n"
		     "	isb\n"
		     "2:\n"
		     FP_ASM_STR_Z("%[sz]")
		     FP_ASM_STR_P("%[sp]")
		     FP_ASM_STR_FFR("%[sf]")
		     FP_ASM_STR_FPSR("%[sz]", x6)
		     FP_ASM_STR_FPCR("%[sz]", x6)
		     :
		     : [wz] "r" (w->z), [wp] "r" (w->p), [wf] "r" (w->ffr),
		       [sz] "r" (s->z), [sp] "r" (s->p), [sf] "r" (s->ffr),
		       [sr] "r" (w->fpsr), [cr] "r" (w->fpcr),
		       [shrink] "r" (shrink), [mmio] "r" (mmio)
		     : "x6", FP_VCLOBBERS, "cc", "memory");
}

static noinline void window_fpsimd(struct fp_regimg *w, struct fp_regimg *s,
				   uint64_t mmio)
{
	asm volatile("	msr	fpsr, %[sr]\n"
		     "	msr	fpcr, %[cr]\n"
		     FP_ASM_STR_FPSR("%[w]", x6)
		     FP_ASM_STR_FPCR("%[w]", x6)
		     FP_ASM_LDR_Q("%[w]")
		     "	str	xzr, [%[mmio]]\n"
		     FP_ASM_STR_Q("%[s]")
		     FP_ASM_STR_FPSR("%[s]", x6)
		     FP_ASM_STR_FPCR("%[s]", x6)
		     :
		     : [w] "r" (w), [s] "r" (s), [sr] "r" (w->fpsr), [cr] "r" (w->fpcr),
		       [mmio] "r" (mmio)
		     : "x6", FP_VCLOBBERS, "cc", "memory");
}

#define GUEST_BAD(what, b, vl)						\
do {									\
	const struct bad *__b = &(b);					\
									\
	GUEST_FAIL("%s: %s%u byte %u is %#x, want %#x (VL %u)", what,	\
		   __b->reg, __b->idx, __b->byte, __b->got, __b->want,	\
		   vl);							\
} while (0)

static void guest_fresh(void)
{
	struct bad b;
	unsigned int i, vl;

	for (i = 0; i < (cfg.sve ? 2 : 1); i++) {
		vl = iso_first_vl[i];
		__GUEST_ASSERT(vl >= 16 && vl <= FP_MAX_VL && !(vl % 16),
			       "odd VL %u", vl);
		if (!state_ok(&all_zero, &iso_first[i], vl, vl, cfg.sve, &b))
			GUEST_BAD(i ? "reset state, VL raised" :
				  "reset state", b, vl);
	}
}

static void guest_loop(uint64_t mmio)
{
	unsigned int it, vl = cfg.sve ? zcr_len(15) : 16;
	struct bad b;

	for (it = 0; it < cfg.iters; it++) {
		fp_regimg_fill(&want, cfg.seed * 1000 + it, vl, cfg.sve);
		if (cfg.sve)
			window_sve(&want, &seen, 0, mmio);
		else
			window_fpsimd(&want, &seen, mmio);
		if (!state_ok(&want, &seen, vl, vl, cfg.sve, &b))
			GUEST_BAD("after exit", b, vl);
	}
}

static void guest_shrink(uint64_t mmio)
{
	unsigned int vl = zcr_len(15), lens[3], i, it, got;
	struct bad b;

	lens[0] = 16;
	lens[1] = vl >= 32 ? vl / 32 * 16 : 16;
	lens[2] = vl > 16 ? vl - 16 : 16;
	for (i = 0; i < 3; i++) {
		/* The length actually granted for the request. */
		got = zcr_len(lens[i] / 16 - 1);
		zcr_len(15);
		for (it = 0; it < cfg.iters; it++) {
			fp_regimg_fill(&want, cfg.seed * 1000 + i * 10 + it,
				       vl, true);
			window_sve(&want, &seen, lens[i], mmio);
			if (!state_ok(&want, &seen, vl, got, true, &b))
				GUEST_FAIL("VL %u -> %u -> %u: %s%u byte %u is %#x, want %#x or 0",
					   vl, got, vl, b.reg, b.idx, b.byte,
					   b.got, b.want);
		}
	}
}

static void guest_main(void)
{
	uint64_t mmio = (uint64_t)ucall_exit_mmio_addr;

	switch (cfg.mode) {
	case MODE_FRESH:
		guest_fresh();
		break;
	case MODE_LOOP:
		guest_loop(mmio);
		break;
	case MODE_SHRINK:
		guest_shrink(mmio);
		break;
	}
	GUEST_DONE();
}

/* ---- host ---- */

static bool host_sve;
static unsigned int host_vl = 16;
static unsigned int kvm_vls[16], nr_kvm_vls;
static struct fp_regimg *marker, *marker_seen;
static bool host_bad;

/* A marker anyone can recognise: byte 0xc0 + n all over Zn. */
static void make_marker(struct fp_regimg *f, unsigned int vl)
{
	unsigned int n;

	for (n = 0; n < 32; n++)
		memset(&f->z[n * vl], 0xc0 + n, vl);
	memset(f->p, 0x5a, 2 * vl);
	memset(f->ffr, 0xff, vl / 8);
	f->fpsr = FP_FPSR_BITS;
	f->fpcr = 3UL << 22;
}

/*
 * KVM_RUN from asm with the marker in the host's FP registers (Z/P/FFR at
 * the host VL when the host has SVE, else V). V0-V31 must survive.
 */
static long run_marked(int fd)
{
	register uint64_t x0 asm("x0") = fd;
	register uint64_t x1 asm("x1") = KVM_RUN;
	register uint64_t x2 asm("x2") = 0;
	register uint64_t x8 asm("x8") = __NR_ioctl;
	uint64_t keep;

	asm volatile("	.arch_extension sve\n"
		     "	mrs	%[keep], fpcr\n"
		     "	msr	fpsr, %[sr]\n"
		     "	msr	fpcr, %[cr]\n"
		     "	cbz	%[sve], 1f\n"
		     FP_ASM_LDR_FFR("%[f]")
		     FP_ASM_LDR_P("%[p]")
		     FP_ASM_LDR_Z("%[z]")
		     "	b	2f\n"
		     "1:\n"
		     FP_ASM_LDR_Q("%[z]")
		     "2:	svc	#0\n"
		     FP_ASM_STR_Q("%[s]")
		     "	msr	fpcr, %[keep]\n"
		     : "+r" (x0), [keep] "=&r" (keep)
		     : "r" (x1), "r" (x2), "r" (x8), [z] "r" (marker->z),
		       [p] "r" (marker->p), [f] "r" (marker->ffr), [s] "r" (marker_seen),
		       [sr] "r" (marker->fpsr), [cr] "r" (marker->fpcr),
		       [sve] "r" ((uint64_t)host_sve)
		     : FP_VCLOBBERS, "cc", "memory");
	return (long)x0;
}

enum step { STEP_EXIT, STEP_DONE, STEP_FAIL };

static enum step step(struct kvm_vcpu *vcpu, const char *who)
{
	unsigned int n, stride = host_sve ? host_vl : 16;
	struct ucall uc;
	long rc;

	rc = run_marked(vcpu->fd);
	TEST_ASSERT(!rc, "KVM_RUN: %ld", rc);
	for (n = 0; n < 32; n++) {
		long at = diff_at(&marker->z[n * stride],
				  &marker_seen->z[n * 16], 16, false);

		if (at >= 0 && !host_bad) {
			ksft_print_msg("host v%u byte %ld changed by KVM_RUN\n",
				       n, at);
			host_bad = true;
		}
	}
	if (vcpu->run->exit_reason != KVM_EXIT_MMIO) {
		ksft_print_msg("%s: exit reason %u\n", who,
			       vcpu->run->exit_reason);
		return STEP_FAIL;
	}
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_NONE:
		return STEP_EXIT;
	case UCALL_DONE:
		return STEP_DONE;
	case UCALL_ABORT:
		ksft_print_msg("%s: %s\n", who, uc.buffer);
		return STEP_FAIL;
	default:
		ksft_print_msg("%s: ucall %lu\n", who, uc.cmd);
		return STEP_FAIL;
	}
}

static enum step finish(struct kvm_vcpu *vcpu, const char *who)
{
	enum step s;

	do {
		s = step(vcpu, who);
	} while (s == STEP_EXIT);
	return s;
}

static struct kvm_vm *iso_vm(bool sve, unsigned int max_vl, void *entry,
			     struct iso_cfg c, struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create(1);

	*vcpu = fp_vcpu_add(vm, 0, entry,
			    sve ? (max_vl ? max_vl : FP_VL_ALL) : 0, 0);
	c.sve = sve;
	cfg = c;
	sync_global_to_guest(vm, cfg);
	return vm;
}

static void test_reset_state(bool sve)
{
	const char *name = sve ? "sve-reset-state" : "fpsimd-reset-state";
	struct kvm_vcpu *dirty, *fresh;
	struct kvm_vm *dvm, *fvm;
	enum step a, b = STEP_FAIL, c = STEP_FAIL;

	if (sve && !nr_kvm_vls) {
		ksft_test_result_skip("%s: no SVE\n", name);
		return;
	}
	host_bad = false;
	/* Another VM leaves its pattern live on this CPU... */
	dvm = iso_vm(sve, 0, guest_main,
		     (struct iso_cfg){ .mode = MODE_LOOP, .iters = 3,
				       .seed = 0xd1d1 }, &dirty);
	a = step(dirty, "other VM");
	/* ...then a brand new vCPU runs there, host marker in place. */
	fvm = iso_vm(sve, 0, sve ? iso_entry_sve : iso_entry_fpsimd,
		     (struct iso_cfg){ .mode = MODE_FRESH }, &fresh);
	if (a == STEP_EXIT)
		b = finish(fresh, "new vCPU");
	if (b == STEP_DONE)
		c = finish(dirty, "other VM");
	kvm_vm_free(fvm);
	kvm_vm_free(dvm);
	ksft_test_result(c == STEP_DONE && !host_bad, "%s\n", name);
}

static void test_shrink_grow(void)
{
	const char *name = "sve-shrink-grow";
	struct kvm_vcpu *me, *rival;
	struct kvm_vm *vm, *rvm;
	enum step s;
	bool ok = true;

	if (!nr_kvm_vls) {
		ksft_test_result_skip("%s: no SVE\n", name);
		return;
	}
	host_bad = false;
	vm = iso_vm(true, 0, guest_main,
		    (struct iso_cfg){ .mode = MODE_SHRINK, .iters = 2,
				      .seed = 0x5151 }, &me);
	rvm = iso_vm(true, 0, guest_main,
		     (struct iso_cfg){ .mode = MODE_LOOP, .iters = 1000,
				       .seed = 0x5252 }, &rival);
	while ((s = step(me, "shrinking vCPU")) == STEP_EXIT) {
		/* The rival loads its own full-length state in between. */
		if (step(rival, "rival VM") != STEP_EXIT)
			ok = false;
	}
	kvm_vm_free(rvm);
	kvm_vm_free(vm);
	ksft_test_result(ok && s == STEP_DONE && !host_bad, "%s\n", name);
}

/* Two VMs taking turns on this CPU, each checking its own state. */
/* ---- reset by PSCI CPU_ON ---- */

/* vCPU 1: a non-zero pattern in every V register, then CPU_OFF for good. */
static void iso_fill_then_off(void)
{
	asm volatile("	.irp	n," FP_REGS32 "\n"
		     "	movi	v\\n\\().16b, #0x5a\n"
		     "	.endr\n"
		     "	mov	x0, #0x84000000\n"
		     "	add	x0, x0, #2\n"	/* PSCI_0_2_FN_CPU_OFF */
		     "	hvc	#0\n"
		     "1:	b	1b\n"
		     : : : "x0", "x1", "x2", "x3", FP_VCLOBBERS);
}

/*
 * vCPU 1 again after CPU_ON, MMU and FP traps as at reset, x0 the MMIO
 * address (a physical one: the MMU is off). Enables FP, ORs every bit of
 * V0-V31 together and stores that to the MMIO address for the VMM to see.
 * Position independent, no stack: one asm statement that never returns.
 */
static void iso_cpu_on_entry(void)
{
	asm("	mov	x1, #0x300000\n"	/* CPACR_EL1.FPEN */
	    "	msr	cpacr_el1, x1\n"
	    "	isb\n"
	    "	mov	x2, #0\n"
	    "	.irp	n," FP_REGS32 "\n"
	    "	fmov	x1, d\\n\n"
	    "	orr	x2, x2, x1\n"
	    "	mov	x1, v\\n\\().d[1]\n"
	    "	orr	x2, x2, x1\n"
	    "	.endr\n"
	    "	str	x2, [x0]\n"
	    "1:	b	1b\n");
	unreachable();
}

/* vCPU 0: wait until vCPU 1 is off, then turn it on at the entry above. */
static void iso_cpu_on_driver(uint64_t entry, uint64_t mmio, uint64_t target)
{
	struct arm_smccc_res res;

	do {
		smccc_hvc(PSCI_0_2_FN64_AFFINITY_INFO, target, 0, 0, 0, 0, 0,
			  0, &res);
	} while (res.a0 != PSCI_0_2_AFFINITY_LEVEL_OFF);
	smccc_hvc(PSCI_0_2_FN64_CPU_ON, target, entry, mmio, 0, 0, 0, 0, &res);
	GUEST_ASSERT_EQ(res.a0, PSCI_RET_SUCCESS);
	GUEST_DONE();
}

struct iso_off_vcpu {
	struct kvm_vcpu *vcpu;
	uint64_t mmio;
	int rc;
	bool seen;
	uint64_t bits;
};

/* vCPU 1's thread, alone on CPU 1: one KVM_RUN from fill to the report. */
static void *iso_off_thread(void *arg)
{
	struct iso_off_vcpu *o = arg;
	struct kvm_run *run = o->vcpu->run;

	kvm_pin_this_task_to_pcpu(1);
	o->rc = fp_vcpu_run_timed(o->vcpu, 60) ? errno : 0;
	if (!o->rc && run->exit_reason == KVM_EXIT_MMIO &&
	    run->mmio.is_write && run->mmio.phys_addr == o->mmio) {
		memcpy(&o->bits, run->mmio.data, sizeof(o->bits));
		o->seen = true;
	}
	return NULL;
}

static void test_cpu_on_reset(void)
{
	const char *name = "psci-cpu-on-reset-zeroes-live-registers";
	struct iso_off_vcpu off = {};
	struct kvm_vcpu_init init;
	struct kvm_vcpu *vcpu0;
	struct kvm_vm *vm;
	struct ucall uc;
	uint64_t mpidr, entry;
	pthread_t tid;
	bool done = false;

	vm = vm_create(2);
	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
	vcpu0 = aarch64_vcpu_add(vm, 0, &init, iso_cpu_on_driver);
	off.vcpu = aarch64_vcpu_add(vm, 1, &init, iso_fill_then_off);
	off.mmio = vm->ucall_mmio_addr;
	vcpu_get_reg(off.vcpu, KVM_ARM64_SYS_REG(SYS_MPIDR_EL1), &mpidr);
	entry = addr_gva2gpa(vm, (vm_vaddr_t)iso_cpu_on_entry);
	/* Aff3 and Aff2-Aff0 of MPIDR_EL1: the PSCI target. */
	vcpu_args_set(vcpu0, 3, entry, (uint64_t)off.mmio,
		      mpidr & 0xff00ffffffUL);

	pthread_create(&tid, NULL, iso_off_thread, &off);
	while (!done) {
		vcpu_run(vcpu0);
		switch (get_ucall(vcpu0, &uc)) {
		case UCALL_DONE:
			done = true;
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected exit %u", vcpu0->run->exit_reason);
		}
	}
	pthread_join(tid, NULL);
	if (!off.seen)
		ksft_print_msg("%s: no report from the restarted vCPU (KVM_RUN %s, exit %u)\n",
			       name, off.rc ? strerror(off.rc) : "ok",
			       off.vcpu->run->exit_reason);
	else if (off.bits)
		ksft_print_msg("%s: V0-V31 after the reset OR to %#lx, want 0\n",
			       name, (unsigned long)off.bits);
	ksft_test_result(off.seen && !off.bits, "%s\n", name);
	kvm_vm_free(vm);
}

static void test_turns(const char *name, bool sve_b, unsigned int vl_a,
		       unsigned int vl_b)
{
	struct kvm_vcpu *a, *b;
	struct kvm_vm *va, *vb;
	enum step sa = STEP_EXIT, sb = STEP_EXIT;

	if (!nr_kvm_vls) {
		ksft_test_result_skip("%s: no SVE\n", name);
		return;
	}
	host_bad = false;
	va = iso_vm(true, vl_a, guest_main,
		    (struct iso_cfg){ .mode = MODE_LOOP, .iters = 8,
				      .seed = 0xaaaa }, &a);
	vb = iso_vm(sve_b, vl_b, guest_main,
		    (struct iso_cfg){ .mode = MODE_LOOP, .iters = 8,
				      .seed = 0xbbbb }, &b);
	while (sa == STEP_EXIT || sb == STEP_EXIT) {
		if (sa == STEP_EXIT)
			sa = step(a, "VM A");
		if (sb == STEP_EXIT)
			sb = step(b, "VM B");
	}
	kvm_vm_free(vb);
	kvm_vm_free(va);
	if (sve_b)
		ksft_print_msg("%s: max VLs %u and %u\n", name, vl_a, vl_b);
	else
		ksft_print_msg("%s: max VL %u and FP/SIMD only\n", name,
			       vl_a);
	ksft_test_result(sa == STEP_DONE && sb == STEP_DONE && !host_bad,
			 "%s\n", name);
}

static void probe(void)
{
	host_sve = getauxval(AT_HWCAP) & HWCAP_SVE;
	if (host_sve) {
		int r = prctl(PR_SVE_SET_VL, FP_MAX_VL);

		TEST_ASSERT(r >= 0, "PR_SVE_SET_VL");
		host_vl = r & PR_SVE_VL_LEN_MASK;
	}
	marker = calloc(2, sizeof(*marker));
	TEST_ASSERT(marker, "out of memory");
	marker_seen = marker + 1;
	make_marker(marker, host_sve ? host_vl : 16);

	nr_kvm_vls = fp_kvm_sve_vls(kvm_vls, ARRAY_SIZE(kvm_vls));
}

static void test_fpsimd_reset_state(void)
{
	test_reset_state(false);
}

static void test_sve_reset_state(void)
{
	test_reset_state(true);
}

/* The longest length KVM offers, and the second shortest (or the longest). */
static void test_two_max_vls(void)
{
	unsigned int hi = nr_kvm_vls ? kvm_vls[nr_kvm_vls - 1] : 16;
	unsigned int lo = nr_kvm_vls > 1 ? kvm_vls[1] : hi;

	test_turns("sve-two-max-vls-one-cpu", true, hi, lo);
}

static void test_sve_beside_fpsimd(void)
{
	unsigned int hi = nr_kvm_vls ? kvm_vls[nr_kvm_vls - 1] : 16;

	test_turns("sve-and-fpsimd-one-cpu", false, hi, 0);
}

/* Each reports one result, in this order. */
static void (* const iso_tests[])(void) = {
	test_fpsimd_reset_state,
	test_sve_reset_state,
	test_shrink_grow,
	test_two_max_vls,
	test_sve_beside_fpsimd,
	test_cpu_on_reset,
};

int main(void)
{
	unsigned int i;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(iso_tests));
	probe();
	ksft_print_msg("host SVE %s, host VL %u, KVM max VL %u\n",
		       host_sve ? "yes" : "no", host_vl,
		       nr_kvm_vls ? kvm_vls[nr_kvm_vls - 1] : 0);
	kvm_pin_this_task_to_pcpu(0);

	for (i = 0; i < ARRAY_SIZE(iso_tests); i++)
		iso_tests[i]();

	ksft_finished();
}
