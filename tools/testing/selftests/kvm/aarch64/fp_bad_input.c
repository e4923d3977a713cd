// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_bad_input - misuse of the FP/SVE vCPU configuration and register
 * interfaces fails with the errno Documentation/virt/kvm/api.rst gives,
 * and leaves the vCPU fully usable: after all the bad calls each vCPU runs
 * a guest that loads its FP registers, exits to the VMM and checks them
 * on return (loads, exit and stores in one asm block, compare in asm).
 *
 * api.rst sections cited below (6.12):
 *   4.68 KVM_SET_ONE_REG / 4.69 KVM_GET_ONE_REG: ENOENT "no such
 *     register", EINVAL "invalid register ID", EPERM "(arm64) register
 *     access not allowed before vcpu finalization"; the arm64 register
 *     encodings in 4.68, including footnote [1] (V registers are not
 *     accepted through KVM_REG_ARM_CORE on SVE vcpus), "Access to register
 *     IDs where 2048 * slice >= 128 * max_vq will fail with ENOENT", "an
 *     invalid set of vector lengths ... will fail with EINVAL" and "After
 *     the vcpu's SVE configuration is finalized, further attempts to write
 *     this register will fail with EPERM";
 *   4.119 KVM_ARM_VCPU_FINALIZE: EPERM "feature not enabled, needs
 *     configuration, or already finalized", EINVAL "feature unknown or not
 *     present"; "KVM_RUN, KVM_GET_REG_LIST, KVM_GET_ONE_REG and
 *     KVM_SET_ONE_REG, will fail with -EPERM unless the feature has
 *     already been finalized".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_regs.h"
#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#define BI_CORE(f)	(KVM_REG_ARM64 | KVM_REG_ARM_CORE |		\
			 KVM_REG_ARM_CORE_REG(f))
#define BI_V0		(BI_CORE(fp_regs.vregs[0]) | KVM_REG_SIZE_U128)
#define BI_FPSR		(BI_CORE(fp_regs.fpsr) | KVM_REG_SIZE_U32)

static uint32_t guest_sve;
/* Z (or V) registers at stride VL, FPSR and FPCR: loaded, then stored. */
static struct fp_regimg g_load, g_store;

/* ---- guest ---- */

static void guest_main(void)
{
	uint64_t mmio = (uint64_t)ucall_exit_mmio_addr, vl = 16, i, round;
	long bad;

	if (guest_sve)
		asm volatile("	.arch_extension sve\n"
			     "	mov	x0, #15\n"
			     "	msr	S3_0_C1_C2_0, x0\n"
			     "	isb\n"
			     "	rdvl	%0, #1\n"
			     : "=r" (vl) : : "x0", "memory");

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 32 * vl; i++)
			g_load.z[i] = (i * 13 + round * 101 + vl) ^ (i >> 8);
		g_load.fpsr = round & 1 ? 0x08000091 : 0x0000000e;
		g_load.fpcr = (round + 1) << 22;

		if (guest_sve) {
			asm volatile("	.arch_extension sve\n"
				     "	msr	fpsr, %[sr]\n"
				     "	msr	fpcr, %[cr]\n"
				     FP_ASM_LDR_Z("%[l]")
				     "	str	xzr, [%[mmio]]\n"
				     FP_ASM_STR_Z("%[s]")
				     FP_ASM_STR_FPSR("%[s]", x1)
				     FP_ASM_STR_FPCR("%[s]", x1)
				     :
				     : [l] "r" (g_load.z), [s] "r" (g_store.z),
				       [sr] "r" (g_load.fpsr), [cr] "r" (g_load.fpcr),
				       [mmio] "r" (mmio)
				     : "x1", FP_VCLOBBERS, "cc", "memory");
		} else {
			asm volatile("	msr	fpsr, %[sr]\n"
				     "	msr	fpcr, %[cr]\n"
				     FP_ASM_LDR_Q("%[l]")
				     "	str	xzr, [%[mmio]]\n"
				     FP_ASM_STR_Q("%[s]")
				     FP_ASM_STR_FPSR("%[s]", x1)
				     FP_ASM_STR_FPCR("%[s]", x1)
				     :
				     : [l] "r" (g_load.z), [s] "r" (g_store.z),
				       [sr] "r" (g_load.fpsr), [cr] "r" (g_load.fpcr),
				       [mmio] "r" (mmio)
				     : "x1", FP_VCLOBBERS, "cc", "memory");
		}
		bad = fp_first_diff(g_load.z, g_store.z, 32 * vl);
		if (bad >= 0)
			GUEST_FAIL("round %lu VL %lu: %s%lu byte %lu is %#x, want %#x",
				   round, vl, guest_sve ? "z" : "v", bad / vl,
				   bad % vl, g_store.z[bad], g_load.z[bad]);
		bad = fp_first_diff(&g_load.fpsr, &g_store.fpsr, 16);
		if (bad >= 0)
			GUEST_FAIL("round %lu: fpsr/fpcr %#lx/%#lx, want %#lx/%#lx",
				   round, g_store.fpsr, g_store.fpcr,
				   g_load.fpsr, g_load.fpcr);
	}
	GUEST_DONE();
}

/* ---- host ---- */

static int reg_op(struct kvm_vcpu *vcpu, unsigned long op, uint64_t id,
		  void *buf)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)buf };
	int r;

	if (op == KVM_SET_ONE_REG)
		r = __vcpu_ioctl(vcpu, KVM_SET_ONE_REG, &reg);
	else
		r = __vcpu_ioctl(vcpu, KVM_GET_ONE_REG, &reg);
	return r ? errno : 0;
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case ENOEXEC: return "ENOEXEC";
	case EFAULT: return "EFAULT";
	default: return strerror(e);
	}
}

static void expect(const char *name, int got, int want)
{
	if (got != want)
		ksft_print_msg("%s: %s, documented %s\n", name, errname(got),
			       errname(want));
	ksft_test_result(got == want, "%s\n", name);
}

static struct kvm_vcpu *new_vcpu(struct kvm_vm **vm, bool sve)
{
	struct kvm_vcpu_init init;
	struct kvm_vcpu *vcpu;

	*vm = vm_create(1);
	vm_ioctl(*vm, KVM_ARM_PREFERRED_TARGET, &init);
	if (sve)
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
	vcpu = aarch64_vcpu_add(*vm, 0, &init, guest_main);
	guest_sve = sve;
	sync_global_to_guest(*vm, guest_sve);
	return vcpu;
}

/* Run the guest's FP round trips to the end. */
static bool round_trip(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_NONE:
			continue;
		case UCALL_DONE:
			return true;
		case UCALL_ABORT:
			ksft_print_msg("guest: %s\n", uc.buffer);
			return false;
		default:
			ksft_print_msg("unexpected ucall %lu\n", uc.cmd);
			return false;
		}
	}
}

/* What the cases on one vCPU share. */
struct bi_vcpu {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint8_t buf[256];
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS];
	uint64_t host[KVM_ARM64_SVE_VLS_WORDS];	/* SVE_VLS as KVM offers it */
	int lo, max_vq;				/* its shortest and longest VQ */
};

/*
 * One case: the ioctl (KVM_GET_ONE_REG or KVM_SET_ONE_REG on @id, with
 * vls for SVE_VLS and buf for the rest; KVM_ARM_VCPU_FINALIZE of feature
 * @id; KVM_RUN) and the errno api.rst gives for it. A case with @run does
 * that instead, and reports its own result.
 */
struct bi_case {
	const char *name;
	unsigned long op;
	uint64_t id;
	int want;
	void (*run)(struct bi_vcpu *v);
};

static int bi_do(struct bi_vcpu *v, const struct bi_case *c)
{
	int feature = c->id;

	switch (c->op) {
	case KVM_ARM_VCPU_FINALIZE:
		return __vcpu_ioctl(v->vcpu, KVM_ARM_VCPU_FINALIZE, &feature) ?
		       errno : 0;
	case KVM_RUN:
		return __vcpu_run(v->vcpu) ? errno : 0;
	default:
		return reg_op(v->vcpu, c->op, c->id,
			      c->id == KVM_REG_ARM64_SVE_VLS ?
			      (void *)v->vls : (void *)v->buf);
	}
}

static void bi_run_cases(struct bi_vcpu *v, const struct bi_case *cases,
			 unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (cases[i].run)
			cases[i].run(v);
		else
			expect(cases[i].name, bi_do(v, &cases[i]),
			       cases[i].want);
	}
}

static void fpsimd_round_trip(struct bi_vcpu *v)
{
	ksft_test_result(round_trip(v->vcpu),
			 "fpsimd: guest FP round trip after bad input\n");
}

static const struct bi_case fpsimd_cases[] = {
	/* 4.119: SVE was not enabled at KVM_ARM_VCPU_INIT ("not present"). */
	{ "fpsimd: FINALIZE(SVE) without the SVE feature",
	  KVM_ARM_VCPU_FINALIZE, KVM_ARM_VCPU_SVE, EINVAL },
	/* 4.68/4.69: "These registers are only accessible on vcpus for which
	 * SVE is enabled": ENOENT, no such register.
	 */
	{ "fpsimd: GET Z0 on a non-SVE vcpu",
	  KVM_GET_ONE_REG, KVM_REG_ARM64_SVE_ZREG(0, 0), ENOENT },
	{ "fpsimd: GET SVE_VLS on a non-SVE vcpu",
	  KVM_GET_ONE_REG, KVM_REG_ARM64_SVE_VLS, ENOENT },
	{ "fpsimd: SET SVE_VLS on a non-SVE vcpu",
	  KVM_SET_ONE_REG, KVM_REG_ARM64_SVE_VLS, ENOENT },
	/* ZCR_EL1 only exists with SVE: no such register. */
	{ "fpsimd: GET ZCR_EL1 on a non-SVE vcpu",
	  KVM_GET_ONE_REG, KVM_ARM64_SYS_REG(SYS_ZCR_EL1), ENOENT },
	/* 4.68 table: V0 is 128 bits, FPSR 32; any other size is invalid. */
	{ "fpsimd: GET V0 with a 64-bit size",
	  KVM_GET_ONE_REG, (BI_V0 & ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U64,
	  EINVAL },
	{ "fpsimd: SET FPSR with a 64-bit size",
	  KVM_SET_ONE_REG, (BI_FPSR & ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U64,
	  EINVAL },
	/* Past the end of struct kvm_regs: no such register. */
	{ "fpsimd: GET core register past kvm_regs",
	  KVM_GET_ONE_REG, KVM_REG_ARM64 | KVM_REG_ARM_CORE | KVM_REG_SIZE_U32 |
	  (sizeof(struct kvm_regs) / 4 + 8), ENOENT },
	/* An unallocated system register encoding: no such register. */
	{ "fpsimd: GET unknown system register",
	  KVM_GET_ONE_REG, ARM64_SYS_REG(3, 7, 15, 15, 7), ENOENT },
	/* Not an arm64 register ID at all: invalid register ID. */
	{ "fpsimd: GET register of another architecture",
	  KVM_GET_ONE_REG, (BI_FPSR & ~KVM_REG_ARCH_MASK) | KVM_REG_X86,
	  EINVAL },
	{ .run = fpsimd_round_trip },
};

/* 4.68 SVE_VLS: sets the host cannot provide fail with EINVAL. */
static void sve_vls_hole(struct bi_vcpu *v)
{
	memcpy(v->vls, v->host, sizeof(v->vls));
	if (v->max_vq > v->lo) {
		v->vls[(v->lo - 1) / 64] &= ~(1ULL << ((v->lo - 1) % 64));
		expect("sve: SET SVE_VLS with a hole below the maximum",
		       reg_op(v->vcpu, KVM_SET_ONE_REG, KVM_REG_ARM64_SVE_VLS,
			      v->vls), EINVAL);
	} else {
		ksft_test_result_skip("sve: SET SVE_VLS with a hole: one VL\n");
	}
}

static void sve_vls_beyond(struct bi_vcpu *v)
{
	memcpy(v->vls, v->host, sizeof(v->vls));
	if (v->max_vq < KVM_ARM64_SVE_VQ_MAX) {
		v->vls[v->max_vq / 64] |= 1ULL << (v->max_vq % 64);
		expect("sve: SET SVE_VLS beyond the host maximum",
		       reg_op(v->vcpu, KVM_SET_ONE_REG, KVM_REG_ARM64_SVE_VLS,
			      v->vls), EINVAL);
	} else {
		ksft_test_result_skip("sve: SET SVE_VLS beyond the maximum\n");
	}
}

static void sve_vls_empty(struct bi_vcpu *v)
{
	memset(v->vls, 0, sizeof(v->vls));
	expect("sve: SET SVE_VLS empty",
	       reg_op(v->vcpu, KVM_SET_ONE_REG, KVM_REG_ARM64_SVE_VLS, v->vls),
	       EINVAL);
}

/* 4.68 SVE_VLS: writes after finalization fail with EPERM. */
static void sve_vls_set_late(struct bi_vcpu *v)
{
	expect("sve: SET SVE_VLS after FINALIZE",
	       reg_op(v->vcpu, KVM_SET_ONE_REG, KVM_REG_ARM64_SVE_VLS,
		      v->host), EPERM);
}

static void sve_vls_get_late(struct bi_vcpu *v)
{
	expect("sve: GET SVE_VLS after FINALIZE (unchanged)",
	       reg_op(v->vcpu, KVM_GET_ONE_REG, KVM_REG_ARM64_SVE_VLS,
		      v->vls) ?:
	       (memcmp(v->vls, v->host, sizeof(v->vls)) ? EFAULT : 0), 0);
}

static void sve_round_trip(struct bi_vcpu *v)
{
	vcpu_set_reg(v->vcpu, KVM_ARM64_SYS_REG(SYS_CPACR_EL1),
		     (3UL << 20) | (3UL << 16));
	ksft_test_result(round_trip(v->vcpu),
			 "sve: guest SVE round trip after bad input\n");
}

static const struct bi_case sve_cases[] = {
	/* 4.68/4.69 EPERM, 4.119: no SVE register access before FINALIZE. */
	{ "sve: GET Z0 before FINALIZE",
	  KVM_GET_ONE_REG, KVM_REG_ARM64_SVE_ZREG(0, 0), EPERM },
	{ "sve: SET P1 before FINALIZE",
	  KVM_SET_ONE_REG, KVM_REG_ARM64_SVE_PREG(1, 0), EPERM },
	{ "sve: GET FFR before FINALIZE",
	  KVM_GET_ONE_REG, KVM_REG_ARM64_SVE_FFR(0), EPERM },
	/* 4.119: KVM_RUN fails with EPERM until finalized. */
	{ "sve: KVM_RUN before FINALIZE", KVM_RUN, 0, EPERM },
	{ .run = sve_vls_hole },
	{ .run = sve_vls_beyond },
	{ .run = sve_vls_empty },
	/* 4.119: an unknown feature is EINVAL. */
	{ "sve: FINALIZE an unknown feature",
	  KVM_ARM_VCPU_FINALIZE, 0x7fff, EINVAL },
	{ "sve: FINALIZE(SVE)", KVM_ARM_VCPU_FINALIZE, KVM_ARM_VCPU_SVE, 0 },
	/* 4.119: already finalized is EPERM. */
	{ "sve: FINALIZE(SVE) twice",
	  KVM_ARM_VCPU_FINALIZE, KVM_ARM_VCPU_SVE, EPERM },
	{ .run = sve_vls_set_late },
	{ .run = sve_vls_get_late },
	/* 4.68: slice 1 of Z/P only exists for VLs over 2048 bits. */
	{ "sve: GET Z0 slice 1",
	  KVM_GET_ONE_REG, KVM_REG_ARM64_SVE_ZREG(0, 1), ENOENT },
	{ "sve: GET P0 slice 1",
	  KVM_GET_ONE_REG, KVM_REG_ARM64_SVE_PREG(0, 1), ENOENT },
	/* 4.68 table: Z is 2048 bits, P 256; other sizes are invalid IDs. */
	{ "sve: GET Z0 with a 1024-bit size",
	  KVM_GET_ONE_REG, (KVM_REG_ARM64_SVE_ZREG(0, 0) & ~KVM_REG_SIZE_MASK) |
	  KVM_REG_SIZE_U1024, EINVAL },
	{ "sve: SET P0 with a 128-bit size",
	  KVM_SET_ONE_REG, (KVM_REG_ARM64_SVE_PREG(0, 0) & ~KVM_REG_SIZE_MASK) |
	  KVM_REG_SIZE_U128, EINVAL },
	/* An ID in the SVE space that encodes no register. */
	{ "sve: GET unknown SVE register ID",
	  KVM_GET_ONE_REG, KVM_REG_ARM64 | KVM_REG_ARM64_SVE |
	  KVM_REG_SIZE_U64 | 0x1234, EINVAL },
	/* 4.68 footnote [1]: V registers go through Z on SVE vcpus. */
	{ "sve: GET V0 through the core registers",
	  KVM_GET_ONE_REG, BI_V0, EINVAL },
	{ "sve: SET V0 through the core registers",
	  KVM_SET_ONE_REG, BI_V0, EINVAL },
	{ .run = sve_round_trip },
};

int main(void)
{
	struct bi_vcpu v = { .vls = { 1 } };
	unsigned int i, n, vls[FP_MAX_VL / 16];

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(fpsimd_cases) + ARRAY_SIZE(sve_cases));

	v.vcpu = new_vcpu(&v.vm, false);
	bi_run_cases(&v, fpsimd_cases, ARRAY_SIZE(fpsimd_cases));
	kvm_vm_free(v.vm);

	if (!kvm_has_cap(KVM_CAP_ARM_SVE)) {
		for (i = 0; i < ARRAY_SIZE(sve_cases); i++)
			ksft_test_result_skip("sve case %u: no SVE\n", i);
		ksft_finished();
	}
	v = (struct bi_vcpu){};
	v.vcpu = new_vcpu(&v.vm, true);
	vcpu_get_reg(v.vcpu, KVM_REG_ARM64_SVE_VLS, v.host);
	n = fp_vcpu_vls(v.vcpu, KVM_REG_ARM64_SVE_VLS, vls, ARRAY_SIZE(vls));
	v.lo = n ? vls[0] / 16 : 0;
	v.max_vq = n ? vls[n - 1] / 16 : 0;
	bi_run_cases(&v, sve_cases, ARRAY_SIZE(sve_cases));
	kvm_vm_free(v.vm);
	ksft_finished();
}
