// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_one_reg - KVM_GET_ONE_REG/KVM_SET_ONE_REG of the FP/SIMD and SVE
 * registers while the vCPU's state was last live on another CPU.
 *
 * The vCPU thread is pinned to CPU1; the register ioctls come from the main
 * thread pinned to CPU0 while the vCPU thread sits in userspace. For an
 * FP/SIMD vCPU that means V0-V31 (core registers), FPSR and FPCR; for an
 * SVE vCPU Z0-Z31, P0-P15 and FFR (KVM_REG_ARM64_SVE_*), FPSR and FPCR.
 *
 * - set before the first run: what the VMM writes into a vCPU that has
 *   never run is what the guest's entry code (asm, before any compiled
 *   code) finds in its registers;
 * - get/set on the other CPU: the guest loads a pattern and exits to the
 *   VMM; KVM_GET_ONE_REG must return exactly that pattern (and zeros past
 *   the vCPU's vector length); the VMM writes a new pattern (with junk past
 *   the vector length), reads it back, and the guest must find exactly the
 *   new pattern in its registers when it resumes;
 * - a set that faults part-way (SVE): KVM_SET_ONE_REG of Z0 from a buffer
 *   whose second half is not mapped fails with EFAULT (as any ioctl whose
 *   buffer cannot be read), having rewritten part of the image. The
 *   guest's registers were left clean and live on CPU1 while its thread
 *   went back to userspace on CPU0; the thread moves back to CPU1 inside
 *   KVM_RUN, and the guest must find what KVM_GET_ONE_REG reads, not the
 *   registers from before the failed set, and go on running.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fp_regs.h"
#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#define OR_ZREG_BYTES	256	/* KVM_REG_SIZE_U2048 */
#define OR_PREG_BYTES	32	/* KVM_REG_SIZE_U256 */
#define OR_ITERS	3

#define OR_CORE(field)	(KVM_REG_ARM64 | KVM_REG_ARM_CORE |		\
			 KVM_REG_ARM_CORE_REG(field))
#define OR_VREG(n)	((OR_CORE(fp_regs.vregs[0]) + (n) * 4) |	\
			 KVM_REG_SIZE_U128)
#define OR_FPSR		(OR_CORE(fp_regs.fpsr) | KVM_REG_SIZE_U32)
#define OR_FPCR		(OR_CORE(fp_regs.fpcr) | KVM_REG_SIZE_U32)

struct or_cfg {
	uint32_t sve;
	uint32_t iters;
	uint64_t seed_first;	/* set by the VMM before the first run */
	uint64_t seed_guest;	/* loaded by the guest before exit k */
	uint64_t seed_vmm;	/* set by the VMM during exit k */
};

static struct or_cfg cfg;
static struct fp_regimg want, expect, seen;
/* Written by the entry stubs before any compiled code runs. */
struct fp_regimg or_entry_img;

/* ---- shared ---- */

struct where {
	const char *reg;
	long idx;
	long byte;
	uint64_t a;
	uint64_t b;
};

static bool differs(struct where *w, const char *reg, long idx, long byte,
		    uint64_t a, uint64_t b)
{
	*w = (struct where){ reg, idx, byte, a, b };
	return false;
}

/* Where two images first differ (no formatting: the guest has no libc). */
static bool same_img(const struct fp_regimg *a, const struct fp_regimg *b,
		     unsigned int vl, bool sve, struct where *w)
{
	unsigned int pl = vl / 8;
	long at;

	at = fp_first_diff(a->z, b->z, 32 * vl);
	if (at >= 0)
		return differs(w, sve ? "z" : "v", at / vl, at % vl, a->z[at],
			       b->z[at]);
	if (sve) {
		at = fp_first_diff(a->p, b->p, 16 * pl);
		if (at >= 0)
			return differs(w, "p", at / pl, at % pl, a->p[at],
				       b->p[at]);
		at = fp_first_diff(a->ffr, b->ffr, pl);
		if (at >= 0)
			return differs(w, "ffr", 0, at, a->ffr[at],
				       b->ffr[at]);
	}
	if (a->fpsr != b->fpsr)
		return differs(w, "fpsr", 0, 0, a->fpsr, b->fpsr);
	if (a->fpcr != b->fpcr)
		return differs(w, "fpcr", 0, 0, a->fpcr, b->fpcr);
	return true;
}

/* ---- guest ---- */

/*
 * vCPU entry points: store the registers the VMM set before the first run
 * into or_entry_img, then go to guest_main. Each body is one asm statement
 * that does not return: no compiled code runs before the stores, and there
 * is nothing for the compiler to save or set up. or_entry_ctl, shared by
 * both, is in the first one.
 */
static void or_entry_z(void)
{
	asm("	.arch_extension sve\n"
	    "	adrp	x0, or_entry_img\n"
	    "	add	x0, x0, :lo12:or_entry_img\n"
	    FP_ASM_STR_Z("x0")
	    "	add	x1, x0, #" __stringify(FP_IMG_P_OFF) "\n"
	    FP_ASM_STR_P("x1")
	    "	rdffr	p0.b\n"
	    "	mov	x1, #" __stringify(FP_IMG_FFR_OFF) "\n"
	    "	add	x1, x0, x1\n"
	    "	str	p0, [x1]\n"
	    "or_entry_ctl:\n"
	    FP_ASM_STR_FPSR("x0", x1)
	    FP_ASM_STR_FPCR("x0", x1)
	    "	b	guest_main\n");
	unreachable();
}

static void or_entry_v(void)
{
	asm("	adrp	x0, or_entry_img\n"
	    "	add	x0, x0, :lo12:or_entry_img\n"
	    FP_ASM_STR_Q("x0")
	    "	b	or_entry_ctl\n");
	unreachable();
}

static noinline void exit_window(struct fp_regimg *w, struct fp_regimg *s, bool sve,
				 uint64_t mmio)
{
	if (!sve) {
		asm volatile("	msr	fpsr, %[sr]\n"
			     "	msr	fpcr, %[cr]\n"
			     FP_ASM_LDR_Q("%[w]")
			     "	str	xzr, [%[mmio]]\n"
			     FP_ASM_STR_Q("%[s]")
			     FP_ASM_STR_FPSR("%[s]", x6)
			     FP_ASM_STR_FPCR("%[s]", x6)
			     :
			     : [w] "r" (w), [s] "r" (s), [sr] "r" (w->fpsr),
			       [cr] "r" (w->fpcr), [mmio] "r" (mmio)
			     : "x6", FP_VCLOBBERS, "cc", "memory");
		return;
	}
	asm volatile("	.arch_extension sve\n"
		     "	msr	fpsr, %[sr]\n"
		     "	msr	fpcr, %[cr]\n"
		     FP_ASM_LDR_FFR("%[wf]")
		     FP_ASM_LDR_P("%[wp]")
		     FP_ASM_LDR_Z("%[w]")
		     "	str	xzr, [%[mmio]]\n"
		     FP_ASM_STR_Z("%[s]")
		     FP_ASM_STR_P("%[sp]")
		     FP_ASM_STR_FFR("%[sf]")
		     FP_ASM_STR_FPSR("%[s]", x6)
		     FP_ASM_STR_FPCR("%[s]", x6)
		     :
		     : [w] "r" (w->z), [wp] "r" (w->p), [wf] "r" (w->ffr),
		       [s] "r" (s->z), [sp] "r" (s->p), [sf] "r" (s->ffr),
		       [sr] "r" (w->fpsr), [cr] "r" (w->fpcr), [mmio] "r" (mmio)
		     : "x6", FP_VCLOBBERS, "cc", "memory");
}

static unsigned int guest_vl(void)
{
	uint64_t vl;

	asm volatile(".arch_extension sve\n rdvl %0, #1" : "=r" (vl));
	return vl;
}

/* Not static: only the entry stubs' asm names it. */
void guest_main(void)
{
	unsigned int vl = cfg.sve ? guest_vl() : 16, k;
	uint64_t mmio = (uint64_t)ucall_exit_mmio_addr;
	struct where w;

	/* The VMM set ZCR_EL1 to the maximum before the first run. */
	fp_regimg_fill(&expect, cfg.seed_first, vl, cfg.sve);
	if (!same_img(&or_entry_img, &expect, vl, cfg.sve, &w))
		GUEST_FAIL("first entry (VL %u): %s%ld byte %ld is %#lx, VMM set %#lx",
			   vl, w.reg, w.idx, w.byte, w.a, w.b);
	GUEST_SYNC(0);

	for (k = 0; k < cfg.iters; k++) {
		fp_regimg_fill(&want, cfg.seed_guest + k, vl, cfg.sve);
		fp_regimg_fill(&expect, cfg.seed_vmm + k, vl, cfg.sve);
		exit_window(&want, &seen, cfg.sve, mmio);
		if (!same_img(&seen, &expect, vl, cfg.sve, &w))
			GUEST_FAIL("after exit %u (VL %u): %s%ld byte %ld is %#lx, VMM set %#lx",
				   k, vl, w.reg, w.idx, w.byte, w.a, w.b);
	}
	GUEST_DONE();
}

/*
 * The guest of the faulting-set case, in one asm statement: load Z0-Z31
 * from sf_load, say so (sf_stage 1), spin until the VMM says go (sf_go 1),
 * exit; then say so again (sf_stage 2), spin until go 2, store Z0-Z31 to
 * sf_seen and exit. No FP or SVE instruction runs between the loads and
 * the stores, so the stores show what the last entry left in the
 * registers.
 */
static uint8_t sf_load[32 * FP_MAX_VL] __aligned(16);
static uint8_t sf_seen[32 * FP_MAX_VL] __aligned(16);
static uint64_t sf_stage, sf_go;

static void sf_guest(void)
{
	uint64_t mmio = (uint64_t)ucall_exit_mmio_addr;

	asm volatile("	.arch_extension sve\n"
		     FP_ASM_LDR_Z("%[l]")
		     "	mov	x1, #1\n"
		     "	str	x1, [%[st]]\n"
		     "1:	ldr	x1, [%[go]]\n"
		     "	cmp	x1, #1\n"
		     "	b.lo	1b\n"
		     "	str	xzr, [%[mmio]]\n"
		     "	mov	x1, #2\n"
		     "	str	x1, [%[st]]\n"
		     "2:	ldr	x1, [%[go]]\n"
		     "	cmp	x1, #2\n"
		     "	b.lo	2b\n"
		     FP_ASM_STR_Z("%[s]")
		     "	str	xzr, [%[mmio]]\n"
		     "3:	b	3b\n"
		     :
		     : [l] "r" (sf_load), [s] "r" (sf_seen), [st] "r" (&sf_stage),
		       [go] "r" (&sf_go), [mmio] "r" (mmio)
		     : "x1", FP_VCLOBBERS, "cc", "memory");
}

/* ---- host ---- */

struct runner {
	struct kvm_vcpu *vcpu;
	sem_t go, back;
	bool quit;
	int rc;
	int cpu;
	pid_t tid;
};

static void *runner_main(void *arg)
{
	struct runner *r = arg;

	r->tid = syscall(SYS_gettid);
	kvm_pin_this_task_to_pcpu(1);
	for (;;) {
		sem_wait(&r->go);
		if (r->quit)
			break;
		do {
			r->rc = __vcpu_run(r->vcpu) ? -errno : 0;
		} while (r->rc == -EINTR);
		r->cpu = sched_getcpu();
		sem_post(&r->back);
	}
	return NULL;
}

static int one_reg(struct kvm_vcpu *vcpu, bool set, uint64_t id, void *buf)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)buf };

	return __vcpu_ioctl(vcpu, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG,
			    &reg);
}

static void xfer(struct kvm_vcpu *vcpu, bool set, uint64_t id, void *buf)
{
	TEST_ASSERT(!one_reg(vcpu, set, id, buf), "%s_ONE_REG %#lx: %s",
		    set ? "SET" : "GET", id, strerror(errno));
}

/*
 * Move a whole image between a buffer and the vCPU. On set, bytes past the
 * vector length are filled with junk KVM must drop; on get, they are
 * collected and must all be zero (returns false otherwise).
 */
static bool xfer_img(struct kvm_vcpu *vcpu, bool set, struct fp_regimg *f,
		     unsigned int vl, bool sve)
{
	uint8_t buf[OR_ZREG_BYTES];
	uint32_t ctl;
	unsigned int n, pl = vl / 8;
	bool tail_zero = true;

	for (n = 0; n < 32 + (sve ? 17 : 0); n++) {
		uint64_t id;
		uint8_t *dst;
		unsigned int len, full;

		if (n < 32) {
			id = sve ? KVM_REG_ARM64_SVE_ZREG(n, 0) : OR_VREG(n);
			dst = &f->z[n * vl];
			len = vl;
			full = sve ? OR_ZREG_BYTES : 16;
		} else {
			id = n < 48 ? KVM_REG_ARM64_SVE_PREG(n - 32, 0) :
				      KVM_REG_ARM64_SVE_FFR(0);
			dst = n < 48 ? &f->p[(n - 32) * pl] : f->ffr;
			len = pl;
			full = OR_PREG_BYTES;
		}
		if (set) {
			memset(buf, 0xee, full);
			memcpy(buf, dst, len);
			xfer(vcpu, true, id, buf);
			continue;
		}
		memset(buf, 0x55, full);
		xfer(vcpu, false, id, buf);
		memcpy(dst, buf, len);
		for (; len < full; len++)
			tail_zero &= !buf[len];
	}
	if (set) {
		ctl = f->fpsr;
		xfer(vcpu, true, OR_FPSR, &ctl);
		ctl = f->fpcr;
		xfer(vcpu, true, OR_FPCR, &ctl);
	} else {
		xfer(vcpu, false, OR_FPSR, &ctl);
		f->fpsr = ctl;
		xfer(vcpu, false, OR_FPCR, &ctl);
		f->fpcr = ctl;
	}
	return tail_zero;
}

static unsigned int kvm_max_vl, kvm_small_vl;

/* Returns the guest's ucall (UCALL_NONE for a plain MMIO exit). */
static uint64_t run_on_cpu1(struct runner *r, struct ucall *uc)
{
	sem_post(&r->go);
	sem_wait(&r->back);
	TEST_ASSERT(!r->rc, "KVM_RUN: %s", strerror(-r->rc));
	TEST_ASSERT(r->vcpu->run->exit_reason == KVM_EXIT_MMIO,
		    "exit reason %u", r->vcpu->run->exit_reason);
	return get_ucall(r->vcpu, uc);
}

static void one_reg_test(const char *name, bool sve, unsigned int max_vl)
{
	struct fp_regimg *host = calloc(2, sizeof(*host)), *back = host + 1;
	struct runner r = {};
	struct kvm_vm *vm;
	struct fp_regimg *gwant;
	pthread_t tid;
	struct ucall uc;
	unsigned int vl = sve ? max_vl : 16, k;
	bool first_ok = false, ok = true;
	struct where w;
	uint64_t cmd;

	if (sve && !max_vl) {
		ksft_test_result_skip("%s-set-before-run: no SVE\n", name);
		ksft_test_result_skip("%s-get-set-other-cpu: no SVE\n", name);
		return;
	}
	TEST_ASSERT(host, "out of memory");

	vm = vm_create(1);
	/* The host's lengths up to max_vl. */
	r.vcpu = fp_vcpu_add(vm, 0, sve ? or_entry_z : or_entry_v,
			     sve ? max_vl : 0, 0);
	if (sve)
		vcpu_set_reg(r.vcpu, KVM_ARM64_SYS_REG(SYS_ZCR_EL1), 15);
	cfg = (struct or_cfg){
		.sve = sve, .iters = OR_ITERS,
		.seed_first = 0x1000 + vl, .seed_guest = 0x2000 + vl,
		.seed_vmm = 0x3000 + vl,
	};
	sync_global_to_guest(vm, cfg);
	gwant = addr_gva2hva(vm, (vm_vaddr_t)&want);

	/* Registers of a vCPU that has never run. */
	kvm_pin_this_task_to_pcpu(0);
	fp_regimg_fill(host, cfg.seed_first, vl, sve);
	xfer_img(r.vcpu, true, host, vl, sve);

	sem_init(&r.go, 0, 0);
	sem_init(&r.back, 0, 0);
	pthread_create(&tid, NULL, runner_main, &r);

	cmd = run_on_cpu1(&r, &uc);
	if (cmd == UCALL_SYNC)
		first_ok = true;
	else if (cmd == UCALL_ABORT)
		ksft_print_msg("%s: guest: %s\n", name, uc.buffer);
	ksft_test_result(first_ok, "%s-set-before-run\n", name);

	for (k = 0; first_ok && ok; k++) {
		cmd = run_on_cpu1(&r, &uc);
		if (cmd != UCALL_NONE)
			break;
		if (r.cpu != 1)
			ksft_print_msg("vCPU thread ran on CPU%d\n", r.cpu);

		/* The guest holds 'want' (as it stored it) in registers. */
		if (!xfer_img(r.vcpu, false, host, vl, sve)) {
			ksft_print_msg("%s: get: nonzero bytes past VL %u\n",
				       name, vl);
			ok = false;
		}
		if (!same_img(host, gwant, vl, sve, &w)) {
			ksft_print_msg("%s: exit %u: %s%ld byte %ld is %#lx, guest loaded %#lx\n",
				       name, k, w.reg, w.idx, w.byte, w.a, w.b);
			ok = false;
		}

		fp_regimg_fill(host, cfg.seed_vmm + k, vl, sve);
		xfer_img(r.vcpu, true, host, vl, sve);
		if (!xfer_img(r.vcpu, false, back, vl, sve)) {
			ksft_print_msg("%s: set/get %u: junk past VL kept\n",
				       name, k);
			ok = false;
		}
		if (!same_img(back, host, vl, sve, &w)) {
			ksft_print_msg("%s: set/get %u: %s%ld byte %ld reads %#lx, set %#lx\n",
				       name, k, w.reg, w.idx, w.byte, w.a, w.b);
			ok = false;
		}
	}
	if (first_ok && cmd == UCALL_ABORT) {
		ksft_print_msg("%s: guest: %s\n", name, uc.buffer);
		ok = false;
	} else if (first_ok && cmd != UCALL_DONE) {
		ksft_print_msg("%s: unexpected ucall %lu\n", name, cmd);
		ok = false;
	}
	if (first_ok)
		ksft_test_result(ok, "%s-get-set-other-cpu\n", name);
	else
		ksft_test_result_skip("%s-get-set-other-cpu: no first run\n",
				      name);

	r.quit = true;
	sem_post(&r.go);
	pthread_join(tid, NULL);
	kvm_vm_free(vm);
	free(host);
}

static void move_runner(struct runner *r, int cpu)
{
	cpu_set_t mask;

	CPU_ZERO(&mask);
	CPU_SET(cpu, &mask);
	TEST_ASSERT(!sched_setaffinity(r->tid, sizeof(mask), &mask),
		    "sched_setaffinity(CPU%d): %s", cpu, strerror(errno));
}

/* Wait until the guest says it reached @want; false after 30 s. */
static bool sf_wait(uint64_t *stage, uint64_t want)
{
	int i;

	for (i = 0; i < 30000 && READ_ONCE(*stage) < want; i++)
		usleep(1000);
	return READ_ONCE(*stage) >= want;
}

static bool sf_exit(struct runner *r, int cpu, const char *what)
{
	sem_wait(&r->back);
	if (r->rc || r->vcpu->run->exit_reason != KVM_EXIT_MMIO) {
		ksft_print_msg("set-fault: %s: KVM_RUN %s, exit reason %u\n",
			       what, r->rc ? strerror(-r->rc) : "ok",
			       r->vcpu->run->exit_reason);
		return false;
	}
	if (r->cpu != cpu)
		ksft_print_msg("set-fault: %s: the vCPU thread came back on CPU%d, not CPU%d\n",
			       what, r->cpu, cpu);
	return true;
}

static void set_fault_test(unsigned int vl)
{
	const char *name = "sve-set-fault-reloads-image";
	uint8_t before[OR_ZREG_BYTES], after[OR_ZREG_BYTES], *seen, *page;
	uint64_t *stage, *go;
	long psz = sysconf(_SC_PAGESIZE), at;
	int err;
	struct runner r = {};
	struct kvm_vm *vm;
	pthread_t tid;
	struct fp_regimg *a;
	bool ok = false, stuck = true;

	if (!vl) {
		ksft_test_result_skip("%s: no SVE\n", name);
		return;
	}
	a = calloc(1, sizeof(*a));
	TEST_ASSERT(a, "out of memory");
	vm = vm_create(1);
	r.vcpu = fp_vcpu_add(vm, 0, sf_guest, FP_VL_ALL, 0);
	vcpu_set_reg(r.vcpu, KVM_ARM64_SYS_REG(SYS_ZCR_EL1), 15);
	fp_regimg_fill(a, 0x5f5f + vl, vl, true);
	memcpy(addr_gva2hva(vm, (vm_vaddr_t)sf_load), a->z, 32 * vl);
	stage = addr_gva2hva(vm, (vm_vaddr_t)&sf_stage);
	go = addr_gva2hva(vm, (vm_vaddr_t)&sf_go);
	seen = addr_gva2hva(vm, (vm_vaddr_t)sf_seen);

	/* A Z0 buffer whose second half is not mapped. */
	page = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(page != MAP_FAILED, "mmap");
	TEST_ASSERT(!munmap(page + psz, psz), "munmap");
	memset(page + psz - vl / 2, 0xc3, vl / 2);

	kvm_pin_this_task_to_pcpu(0);
	sem_init(&r.go, 0, 0);
	sem_init(&r.back, 0, 0);
	pthread_create(&tid, NULL, runner_main, &r);

	/* The guest loads its registers on CPU1 and spins there... */
	sem_post(&r.go);
	if (!sf_wait(stage, 1)) {
		ksft_print_msg("set-fault: the guest did not load its registers\n");
		goto out;
	}
	/* ...its thread is moved to CPU0 and returns to userspace there. */
	move_runner(&r, 0);
	WRITE_ONCE(*go, 1);
	stuck = false;
	if (!sf_exit(&r, 0, "first exit"))
		goto out;

	xfer(r.vcpu, false, KVM_REG_ARM64_SVE_ZREG(0, 0), before);
	err = one_reg(r.vcpu, true, KVM_REG_ARM64_SVE_ZREG(0, 0),
		      page + psz - vl / 2) ? errno : 0;
	if (err != EFAULT) {
		ksft_print_msg("set-fault: SET Z0 from a half-mapped buffer: %s, want EFAULT\n",
			       err ? strerror(err) : "success");
		goto out;
	}
	xfer(r.vcpu, false, KVM_REG_ARM64_SVE_ZREG(0, 0), after);
	if (!memcmp(before, after, vl)) {
		ksft_print_msg("set-fault: the failed set changed nothing\n");
		goto out;
	}

	/* The thread goes back to CPU1 inside KVM_RUN; then the guest stores. */
	stuck = true;
	sem_post(&r.go);
	if (!sf_wait(stage, 2)) {
		ksft_print_msg("set-fault: the guest did not resume\n");
		goto out;
	}
	move_runner(&r, 1);
	WRITE_ONCE(*go, 2);
	stuck = false;
	if (!sf_exit(&r, 1, "second exit"))
		goto out;

	ok = true;
	at = fp_first_diff(seen, after, vl);
	if (at >= 0) {
		ksft_print_msg("set-fault: guest z0 byte %ld is %#x, KVM_GET_ONE_REG read %#x,\n",
			       at, seen[at], after[at]);
		ksft_print_msg("  the registers before the failed set held %#x\n",
			       before[at]);
		ok = false;
	}
	at = fp_first_diff(seen + vl, a->z + vl, 31 * vl);
	if (at >= 0) {
		ksft_print_msg("set-fault: guest z%ld byte %ld is %#x, loaded %#x\n",
			       1 + at / vl, at % vl, seen[vl + at],
			       a->z[vl + at]);
		ok = false;
	}
	xfer(r.vcpu, false, KVM_REG_ARM64_SVE_ZREG(0, 0), before);
	at = fp_first_diff(before, after, vl);
	if (at >= 0) {
		ksft_print_msg("set-fault: z0 byte %ld reads %#x after the run, %#x before it\n",
			       at, before[at], after[at]);
		ok = false;
	}
out:
	ksft_test_result(ok, "%s\n", name);
	/* A guest that never got there still spins in KVM_RUN. */
	if (stuck)
		ksft_exit_fail();
	r.quit = true;
	sem_post(&r.go);
	pthread_join(tid, NULL);
	munmap(page, psz);
	kvm_vm_free(vm);
	free(a);
}

static void probe_vls(void)
{
	unsigned int vls[FP_MAX_VL / 16], i, n;

	n = fp_kvm_sve_vls(vls, ARRAY_SIZE(vls));
	for (i = 0; i < n; i++) {
		if (!kvm_small_vl && vls[i] > 16)
			kvm_small_vl = vls[i];
		kvm_max_vl = vls[i];
	}
}

int main(void)
{
	struct {
		const char *name;
		bool sve;
		unsigned int vl;
	} runs[] = {
		{ "fpsimd", false, 0 },
		{ "sve-max-vl", true, 0 },
		{ "sve-short-vl", true, 0 },
	};
	unsigned int i;

	ksft_print_header();
	TEST_REQUIRE(sysconf(_SC_NPROCESSORS_ONLN) >= 2);
	/* one_reg_test() reports two results, set_fault_test() one. */
	ksft_set_plan(2 * ARRAY_SIZE(runs) + 1);
	probe_vls();
	ksft_print_msg("KVM max VL %u, short VL %u\n", kvm_max_vl,
		       kvm_small_vl);
	runs[1].vl = kvm_max_vl;
	runs[2].vl = kvm_small_vl;

	for (i = 0; i < ARRAY_SIZE(runs); i++)
		one_reg_test(runs[i].name, runs[i].sve, runs[i].vl);
	set_fault_test(kvm_max_vl);

	ksft_finished();
}
