/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the arm64 FP context selftests (aarch64/fp_*.c).
 */
#ifndef SELFTEST_KVM_AARCH64_FP_UTIL_H
#define SELFTEST_KVM_AARCH64_FP_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/kvm.h>

struct kvm_vcpu;
struct kvm_vm;

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
#define SMCR_EL1_NAME	"S3_0_C1_C2_6"
#define TPIDR2_NAME	"S3_3_C13_C0_5"
#define SVCR_SM_BIT	1UL
#define SVCR_ZA_BIT	2UL

/* Register numbers for .irp in inline asm: Z or V, and P. */
#define FP_REGS32	"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19," \
			"20,21,22,23,24,25,26,27,28,29,30,31"
#define FP_REGS16	"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"

/* Every V register, as an inline asm clobber list. */
#define FP_VCLOBBERS							\
	"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7",			\
	"v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15",		\
	"v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23",		\
	"v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31"

/* FPSR's cumulative flags and QC, FPCR's AHP, DN, FZ and RMode: writable. */
#define FP_FPSR_BITS	0x0800009fUL
#define FP_FPCR_BITS	(0x1fUL << 22)

/* CPACR_EL1.FPEN, ZEN and SMEN: FP, SVE and SME do not trap in the guest. */
#define FP_CPACR_FPEN	(3UL << 20)
#define FP_CPACR_ZEN	(3UL << 16)
#define FP_CPACR_SMEN	(3UL << 24)

/* fp_vcpu_add(), fp_vcpu_cap_vls(): every length KVM offers. */
#define FP_VL_ALL	(~0U)

/* The virtual timer's PPI, as KVM wires it by default. */
#define FP_VTIMER_IRQ	27

#ifndef PR_SME_SET_VL
#define PR_SME_SET_VL	63
#define PR_SME_GET_VL	64
#endif

/*
 * Guest code: the longest streaming length the vCPU has (SMCR_EL1.LEN
 * saturates at it).
 */
static inline void fp_guest_sme_max_len(void)
{
	asm volatile("msr " SMCR_EL1_NAME ", %0\nisb" : : "r" (0xfUL));
}

/* The calling thread's SVCR (SME only). */
static inline uint64_t fp_read_svcr(void)
{
	uint64_t v;

	asm volatile("mrs %0, " SVCR_NAME : "=r" (v));
	return v;
}

/* The calling thread's TPIDR2_EL0 (SME only). */
static inline uint64_t fp_read_tpidr2(void)
{
	uint64_t v;

	asm volatile("mrs %0, " TPIDR2_NAME : "=r" (v));
	return v;
}

static inline void fp_write_tpidr2(uint64_t v)
{
	asm volatile("msr " TPIDR2_NAME ", %0" : : "r" (v));
}

/*
 * A system call with up to three arguments and no library code around it:
 * libc's wrappers and the selftest library's variadic functions may store
 * FP registers (a variadic prologue saves q0-q7; glibc's alarm() zeroes a
 * struct itimerval through a vector register), which a test of the VMM's
 * FP use between two KVM_RUNs must not do.
 */
static inline long fp_raw_syscall(long nr, long a, long b, long c)
{
	register long x0 asm("x0") = a;
	register long x1 asm("x1") = b;
	register long x2 asm("x2") = c;
	register long x8 asm("x8") = nr;

	asm volatile("svc	#0" : "+r" (x0) : "r" (x1), "r" (x2), "r" (x8)
		     : "memory");
	return x0;
}

/* KVM_RUN by fp_raw_syscall(). */
static inline long fp_raw_kvm_run(int vcpu_fd)
{
	return fp_raw_syscall(__NR_ioctl, vcpu_fd, KVM_RUN, 0);
}

bool fp_kvm_protected(void);
int fp_kvm_param_get(const char *name);
bool fp_kvm_param_set(const char *name, bool on);
bool fp_vcpu_stat(struct kvm_vcpu *vcpu, const char *name, uint64_t *val);
void fp_vcpu_cap_vls(struct kvm_vcpu *vcpu, uint64_t reg, unsigned int max_vl);
unsigned int fp_vcpu_vls(struct kvm_vcpu *vcpu, uint64_t reg,
			 unsigned int *vls, unsigned int max);
unsigned int fp_kvm_sve_vls(unsigned int *vls, unsigned int max);
struct kvm_vcpu *fp_vcpu_add(struct kvm_vm *vm, uint32_t id, void *guest_code,
			     unsigned int sve_max_vl, unsigned int sme_max_vl);
int fp_vcpu_run_timed(struct kvm_vcpu *vcpu, unsigned int seconds);
void fp_guest_wfi_once(uint64_t ticks);
void fp_fill(uint8_t *buf, size_t len, uint64_t seed);
long fp_first_diff(const void *a, const void *b, size_t len);
void fp_za_load(const uint8_t *buf, unsigned int svl);
void fp_za_store(uint8_t *buf, unsigned int svl);

/*
 * The base's arm64/fp fp-stress as host load: its FPSIMD, SVE, streaming
 * SVE and ZA children on every CPU, its KTAP read as it comes.
 */
struct fp_stress {
	pid_t pid;
	FILE *out;
	pthread_t reader;
	pthread_mutex_t lock;
	bool running;		/* every child started and being signalled */
	bool ended;		/* its output closed: it and its children ended */
	int pass, fail;		/* its "# Totals:" line, -1 if none */
	unsigned int ok_ssve;	/* streaming SVE children that passed */
	unsigned int ok_za;	/* ZA children that passed */
	char first_bad[256];	/* its first "not ok" line */
};

bool fp_stress_find(char *path, size_t len);
bool fp_stress_start(struct fp_stress *fs, const char *path,
		     const char *seconds);
bool fp_stress_ended(struct fp_stress *fs);
bool fp_stress_stop(struct fp_stress *fs, const char *name, bool wait);

#endif /* SELFTEST_KVM_AARCH64_FP_UTIL_H */
