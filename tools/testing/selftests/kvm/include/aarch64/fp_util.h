/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the arm64 FP context selftests (aarch64/fp_*.c).
 */
#ifndef SELFTEST_KVM_AARCH64_FP_UTIL_H
#define SELFTEST_KVM_AARCH64_FP_UTIL_H

#include <stdbool.h>
#include <stdint.h>

struct kvm_vcpu;

/*
 * SME instructions and registers as .inst words and S3 names, so the
 * tests build with assemblers that predate SME.
 */
#define SMSTART_ZA	".inst 0xd503457f\n"	/* msr svcrza, #1 */
#define SMSTOP_ZA	".inst 0xd503447f\n"	/* msr svcrza, #0 */
#define SMSTART_SMZA	".inst 0xd503477f\n"	/* smstart */
#define SMSTOP_SMZA	".inst 0xd503467f\n"	/* smstop */
#define RDSVL_X0	".inst 0x04bf5820\n"	/* rdsvl x0, #1 */
#define LDR_ZA_W12_X0	".inst 0xe1000000\n"	/* ldr za[w12, 0], [x0] */
#define STR_ZA_W12_X0	".inst 0xe1200000\n"	/* str za[w12, 0], [x0] */
#define SVCR_NAME	"S3_3_C4_C2_2"
#define TPIDR2_NAME	"S3_3_C13_C0_5"
#define SVCR_SM_BIT	1UL
#define SVCR_ZA_BIT	2UL

/* The virtual timer's PPI, as KVM wires it by default. */
#define FP_VTIMER_IRQ	27

#ifndef PR_SME_SET_VL
#define PR_SME_SET_VL	63
#define PR_SME_GET_VL	64
#endif

/* The calling thread's SVCR (SME only). */
static inline uint64_t fp_read_svcr(void)
{
	uint64_t v;

	asm volatile("mrs %0, " SVCR_NAME : "=r" (v));
	return v;
}

bool fp_vcpu_stat(struct kvm_vcpu *vcpu, const char *name, uint64_t *val);
void fp_guest_wfi_once(uint64_t ticks);

#endif /* SELFTEST_KVM_AARCH64_FP_UTIL_H */
