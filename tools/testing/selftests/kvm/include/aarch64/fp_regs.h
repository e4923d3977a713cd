/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An image of a context's FP registers as the SVE LDR and STR
 * instructions lay them out, and the inline asm that moves the register
 * file to and from it, for the arm64 FP context selftests.
 */
#ifndef SELFTEST_KVM_AARCH64_FP_REGS_H
#define SELFTEST_KVM_AARCH64_FP_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/stringify.h>

#include "fp_util.h"
#include "kvm_util.h"

/* The architectural maximum vector length, in bytes. */
#define FP_MAX_VL	256

/*
 * Everything one context can hold at the largest vector length: Zn at
 * n * VL, Pn at n * VL / 8, then FFR, FPSR and FPCR. Only the part for
 * the context's own VL is used; an FPSIMD context uses Vn at 16 * n.
 */
struct fp_regimg {
	uint8_t z[32 * FP_MAX_VL];
	uint8_t p[16 * FP_MAX_VL / 8];
	uint8_t ffr[FP_MAX_VL / 8];
	uint64_t fpsr;
	uint64_t fpcr;
} __aligned(16);

/*
 * The same offsets as numbers, for asm that cannot take an "i" operand
 * (the entry stubs that run before any compiled code).
 */
#define FP_IMG_P_OFF	8192
#define FP_IMG_FFR_OFF	8704
#define FP_IMG_SR_OFF	8736
#define FP_IMG_CR_OFF	8744
#define FP_IMG_SIZE	8752
kvm_static_assert(offsetof(struct fp_regimg, p) == FP_IMG_P_OFF, "layout");
kvm_static_assert(offsetof(struct fp_regimg, ffr) == FP_IMG_FFR_OFF, "layout");
kvm_static_assert(offsetof(struct fp_regimg, fpsr) == FP_IMG_SR_OFF, "layout");
kvm_static_assert(offsetof(struct fp_regimg, fpcr) == FP_IMG_CR_OFF, "layout");
kvm_static_assert(sizeof(struct fp_regimg) == FP_IMG_SIZE, "layout");

/*
 * Inline asm fragments. @b is the base address as the asm text names it:
 * an operand ("%[z]") or a register ("x0"). The SVE ones need
 * ".arch_extension sve" earlier in the same asm statement, and the FFR
 * ones use P0, so they come before the P registers are loaded and after
 * they are stored.
 */
#define FP_ASM_LDR_Q(b)							\
	"	.irp	n," FP_REGS32 "\n"				\
	"	ldr	q\\n, [" b ", #16 * \\n]\n"			\
	"	.endr\n"
#define FP_ASM_STR_Q(b)							\
	"	.irp	n," FP_REGS32 "\n"				\
	"	str	q\\n, [" b ", #16 * \\n]\n"			\
	"	.endr\n"
#define FP_ASM_LDR_Z(b)							\
	"	.irp	n," FP_REGS32 "\n"				\
	"	ldr	z\\n, [" b ", #\\n, mul vl]\n"			\
	"	.endr\n"
#define FP_ASM_STR_Z(b)							\
	"	.irp	n," FP_REGS32 "\n"				\
	"	str	z\\n, [" b ", #\\n, mul vl]\n"			\
	"	.endr\n"
#define FP_ASM_LDR_P(b)							\
	"	.irp	n," FP_REGS16 "\n"				\
	"	ldr	p\\n, [" b ", #\\n, mul vl]\n"			\
	"	.endr\n"
#define FP_ASM_STR_P(b)							\
	"	.irp	n," FP_REGS16 "\n"				\
	"	str	p\\n, [" b ", #\\n, mul vl]\n"			\
	"	.endr\n"
#define FP_ASM_LDR_FFR(b)						\
	"	ldr	p0, [" b "]\n"					\
	"	wrffr	p0.b\n"
#define FP_ASM_STR_FFR(b)						\
	"	rdffr	p0.b\n"						\
	"	str	p0, [" b "]\n"
/*
 * FPSR or FPCR into the image at @b, through the scratch register @t,
 * which is named bare (x6, not "x6").
 */
#define FP_ASM_STR_FPSR(b, t)						\
	"	mrs	" #t ", fpsr\n"					\
	"	str	" #t ", [" b ", #" __stringify(FP_IMG_SR_OFF) "]\n"
#define FP_ASM_STR_FPCR(b, t)						\
	"	mrs	" #t ", fpcr\n"					\
	"	str	" #t ", [" b ", #" __stringify(FP_IMG_CR_OFF) "]\n"

uint64_t fp_mix64(uint64_t v);
void fp_regimg_fill(struct fp_regimg *img, uint64_t seed, unsigned int vl,
		    bool sve);

#endif /* SELFTEST_KVM_AARCH64_FP_REGS_H */
