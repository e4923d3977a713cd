// SPDX-License-Identifier: GPL-2.0-only
/*
 * Register images of the arm64 FP context selftests: include/aarch64/fp_regs.h.
 */
#include "fp_regs.h"

/**
 * fp_mix64() - a 64-bit mixer for test patterns
 * @v: the input, a seed and an index combined
 *
 * The SplitMix64 step: inputs that differ in one bit give outputs that
 * differ in about half of them.
 *
 * Return: the mixed value.
 */
uint64_t fp_mix64(uint64_t v)
{
	v += 0x6a09e667f3bcc909ULL;
	v = (v ^ (v >> 29)) * 0xbf58476d1ce4e5b9ULL;
	v = (v ^ (v >> 32)) * 0x94d049bb133111ebULL;
	return v ^ (v >> 30);
}

/**
 * fp_regimg_fill() - fill a register image with a pattern from a seed
 * @img: the image
 * @seed: the same seed gives the same image, in the guest as in the host;
 *        the seed is mixed before use, so that images of nearby seeds share
 *        no run of words
 * @vl: the vector length the image is laid out for, in bytes (16: V)
 * @sve: fill P and FFR too
 *
 * FPSR and FPCR get only bits that read back as written; FFR, which WRFFR
 * defines only for a run of ones from bit 0, gets such a run.
 */
void fp_regimg_fill(struct fp_regimg *img, uint64_t seed, unsigned int vl,
		    bool sve)
{
	uint64_t *w = (uint64_t *)img->z, base = fp_mix64(seed);
	unsigned int i, plen = vl / 8, nbits;

	/* Z (or V): the inputs base + 0 to 1023, P: 0x1000 on, then 0x2000 on. */
	for (i = 0; i < 32 * vl / 8; i++)
		w[i] = fp_mix64(base + i);
	img->fpsr = fp_mix64(base + 0x2000) & FP_FPSR_BITS;
	img->fpcr = fp_mix64(base + 0x2001) & FP_FPCR_BITS;
	if (!sve)
		return;

	w = (uint64_t *)img->p;
	for (i = 0; i < 16 * plen / 8; i++)
		w[i] = fp_mix64(base + 0x1000 + i);
	nbits = fp_mix64(base + 0x2002) % (vl + 1);
	for (i = 0; i < plen; i++) {
		if (nbits >= 8 * (i + 1))
			img->ffr[i] = 0xff;
		else if (nbits > 8 * i)
			img->ffr[i] = (1U << (nbits - 8 * i)) - 1;
		else
			img->ffr[i] = 0;
	}
}
