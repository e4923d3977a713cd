// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_integrity - FP/SIMD and SVE register contents across vCPU exits.
 *
 * A guest loads every FP register it can see (V0-V31, or Z0-Z31, P0-P15
 * and FFR at each vector length it can select through ZCR_EL1, plus FPSR
 * and FPCR) with a pattern that changes every iteration, leaves the guest
 * in one of several ways, and on return stores all of them again. Both the
 * loading and the storing happen in one asm block, so no compiled code can
 * touch the registers in between; the comparison (also asm) and any report
 * to the VMM only happen afterwards.
 *
 * The ways out of the guest: a store to the ucall MMIO page (handled by
 * the VMM), a PSCI_VERSION HVC (handled by KVM), WFI woken by the virtual
 * timer, busy-waiting while more vCPU threads than CPUs compete, and an
 * MMIO exit after which the VMM moves the vCPU thread to the other CPU.
 *
 * On the VMM side every KVM_RUN is issued from asm with V0-V31, FPSR and
 * FPCR loaded with a host pattern, which must be intact when the ioctl
 * returns. A last sub-test keeps a host SVE pattern live in userspace while
 * a vCPU thread at another vector length competes for the same CPU.
 *
 * The *-under-fp-stress cases run while arm64/fp's fp-stress loads and
 * checks FPSIMD and SVE registers in userspace on every CPU, at every
 * vector length, and drives kernel-mode NEON through AF_ALG. They need
 * fp-stress's path in FP_STRESS, and skip without it.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/hwcap.h>
#include <linux/psci.h>

#include "fp_regs.h"
#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "arch_timer.h"
#include "gic.h"
#include "vgic.h"
#include "ucall_common.h"

#define FPT_NR_Z	32
#define FPT_NR_P	16
#define FPT_MAX_VCPUS	3

struct mismatch {
	const char *what;
	uint32_t reg;
	uint32_t byte;
	uint32_t want;
	uint32_t got;
};

/* What the guest does between loading and storing its registers. */
#define XF_SPIN		BIT(0)
#define XF_MMIO		BIT(1)
#define XF_HVC		BIT(2)
#define XF_WFI		BIT(3)

struct xctl {
	uint64_t flags;
	uint64_t spin;		/* counter ticks to busy-wait */
	uint64_t mmio;		/* address whose store exits to the VMM */
};

/* Per-VM guest configuration, written by the VMM before the first run. */
struct gcfg {
	uint32_t sve;
	uint32_t flags;
	uint32_t iters;
	uint32_t gic;
	uint32_t nr_vcpus;
	uint32_t forever;
	uint32_t only_max;
	uint32_t spin_us;
	uint32_t timer_us;
	uint64_t seed;
};

static struct gcfg gcfg;
static struct fp_regimg guest_want[FPT_MAX_VCPUS];
static struct fp_regimg guest_seen[FPT_MAX_VCPUS];
static uint32_t guest_wfi_fired[FPT_MAX_VCPUS];

/* ---- helpers shared by guest and host (same image in both) ---- */

static bool note(struct mismatch *m, const char *what, unsigned int reg,
		 unsigned int byte, const uint8_t *want, const uint8_t *got)
{
	m->what = what;
	m->reg = reg;
	m->byte = byte;
	m->want = *want;
	m->got = *got;
	return false;
}

static bool img_same(const struct fp_regimg *w, const struct fp_regimg *s,
		     unsigned int vl, bool sve, struct mismatch *m)
{
	unsigned int plen = vl / 8;
	long at;

	at = fp_first_diff(w->z, s->z, FPT_NR_Z * vl);
	if (at >= 0)
		return note(m, sve ? "z" : "v", at / vl, at % vl, &w->z[at],
			    &s->z[at]);
	if (sve) {
		at = fp_first_diff(w->p, s->p, FPT_NR_P * plen);
		if (at >= 0)
			return note(m, "p", at / plen, at % plen, &w->p[at],
				    &s->p[at]);
		at = fp_first_diff(w->ffr, s->ffr, plen);
		if (at >= 0)
			return note(m, "ffr", 0, at, &w->ffr[at], &s->ffr[at]);
	}
	at = fp_first_diff(&w->fpsr, &s->fpsr, 8);
	if (at >= 0)
		return note(m, "fpsr", 0, at, (uint8_t *)&w->fpsr + at,
			    (uint8_t *)&s->fpsr + at);
	at = fp_first_diff(&w->fpcr, &s->fpcr, 8);
	if (at >= 0)
		return note(m, "fpcr", 0, at, (uint8_t *)&w->fpcr + at,
			    (uint8_t *)&s->fpcr + at);
	return true;
}

/* ---- guest ---- */

/*
 * The exit taken between loading and storing; uses x0-x5. WFI is repeated
 * until the virtual timer has really fired (ISTATUS).
 */
#define FPT_EXIT_ASM							\
	"	tbz	%[fl], #0, 10f\n"				\
	"	mrs	x4, cntvct_el0\n"				\
	"	add	x4, x4, %[spin]\n"				\
	"11:	mrs	x5, cntvct_el0\n"				\
	"	cmp	x5, x4\n"					\
	"	b.lo	11b\n"						\
	"10:	tbz	%[fl], #1, 12f\n"				\
	"	str	xzr, [%[mmio]]\n"				\
	"12:	tbz	%[fl], #2, 13f\n"				\
	"	mov	x0, %[fn]\n"					\
	"	hvc	#0\n"						\
	"13:	tbz	%[fl], #3, 14f\n"				\
	"15:	wfi\n"							\
	"	mrs	x5, cntv_ctl_el0\n"				\
	"	tbz	x5, #2, 15b\n"					\
	"14:\n"

static noinline void guest_window_v(struct fp_regimg *w,
				    struct fp_regimg *s,
				    const struct xctl *x)
{
	asm volatile("	msr	fpsr, %[sr]\n"
		     "	msr	fpcr, %[cr]\n"
		     FP_ASM_STR_FPSR("%[w]", x6)
		     FP_ASM_STR_FPCR("%[w]", x6)
		     FP_ASM_LDR_Q("%[w]")
		     FPT_EXIT_ASM
		     FP_ASM_STR_Q("%[s]")
		     FP_ASM_STR_FPSR("%[s]", x6)
		     FP_ASM_STR_FPCR("%[s]", x6)
		     :
		     : [w] "r" (w), [s] "r" (s), [sr] "r" (w->fpsr), [cr] "r" (w->fpcr),
		       [fl] "r" (x->flags), [spin] "r" (x->spin), [mmio] "r" (x->mmio),
		       [fn] "r" ((uint64_t)PSCI_0_2_FN_PSCI_VERSION)
		     : "x0", "x1", "x2", "x3", "x4", "x5", "x6", FP_VCLOBBERS,
		       "cc", "memory");
}

static noinline void guest_window_z(struct fp_regimg *w,
				    struct fp_regimg *s,
				    const struct xctl *x)
{
	asm volatile("	.arch_extension sve\n"
		     "	msr	fpsr, %[sr]\n"
		     "	msr	fpcr, %[cr]\n"
		     FP_ASM_STR_FPSR("%[wz]", x6)
		     FP_ASM_STR_FPCR("%[wz]", x6)
		     FP_ASM_LDR_FFR("%[wf]")
		     FP_ASM_LDR_P("%[wp]")
		     FP_ASM_LDR_Z("%[wz]")
		     FPT_EXIT_ASM
		     FP_ASM_STR_Z("%[sz]")
		     FP_ASM_STR_P("%[sp]")
		     FP_ASM_STR_FFR("%[sf]")
		     FP_ASM_STR_FPSR("%[sz]", x6)
		     FP_ASM_STR_FPCR("%[sz]", x6)
		     :
		     : [wz] "r" (w->z), [wp] "r" (w->p), [wf] "r" (w->ffr),
		       [sz] "r" (s->z), [sp] "r" (s->p), [sf] "r" (s->ffr),
		       [sr] "r" (w->fpsr), [cr] "r" (w->fpcr),
		       [fl] "r" (x->flags), [spin] "r" (x->spin), [mmio] "r" (x->mmio),
		       [fn] "r" ((uint64_t)PSCI_0_2_FN_PSCI_VERSION)
		     : "x0", "x1", "x2", "x3", "x4", "x5", "x6", FP_VCLOBBERS,
		       "cc", "memory");
}

/* Ask for VL (len + 1) * 16 through ZCR_EL1; returns the VL granted. */
static unsigned int guest_set_vl(unsigned int len)
{
	uint64_t vl;

	asm volatile("	.arch_extension sve\n"
		     "	msr	S3_0_C1_C2_0, %[len]\n"
		     "	isb\n"
		     "	rdvl	%[vl], #1\n"
		     : [vl] "=r" (vl) : [len] "r" ((uint64_t)len) : "memory");
	return vl;
}

static void timer_arm(uint64_t ticks)
{
	timer_set_cval(VIRTUAL, timer_get_cntct(VIRTUAL) + ticks);
	timer_set_ctl(VIRTUAL, CTL_ENABLE);
	isb();
}

static void timer_disarm(uint32_t id)
{
	if (timer_get_ctl(VIRTUAL) & CTL_ISTATUS)
		guest_wfi_fired[id]++;
	timer_set_ctl(VIRTUAL, CTL_IMASK);
}

static void guest_main(void)
{
	uint32_t id = guest_get_vcpuid();
	struct fp_regimg *w = &guest_want[id], *s = &guest_seen[id];
	uint64_t hz = timer_get_cntfrq();
	unsigned int len, vl, it, pass, nlen = gcfg.sve ? 16 : 1;
	struct mismatch m;
	struct xctl x = {
		.flags = gcfg.flags,
		.spin = hz * gcfg.spin_us / 1000000,
		.mmio = (uint64_t)ucall_exit_mmio_addr,
	};

	if (gcfg.gic) {
		gic_init(GIC_V3, gcfg.nr_vcpus);
		gic_irq_enable(FP_VTIMER_IRQ);
	}

	for (pass = 0; pass < 1 || gcfg.forever; pass++) {
		for (len = 0; len < nlen; len++) {
			vl = 16;
			if (gcfg.sve) {
				if (gcfg.only_max)
					len = nlen - 1;
				vl = guest_set_vl(len);
				/* Lengths the vCPU lacks round down: done. */
				if (vl != (len + 1) * 16 && !gcfg.only_max)
					continue;
			}
			for (it = 0; it < gcfg.iters; it++) {
				fp_regimg_fill(w, gcfg.seed ^ ((uint64_t)id << 48) ^
					       ((uint64_t)vl << 32) ^
					       ((uint64_t)pass << 16) ^ it,
					       vl, gcfg.sve);
				if (x.flags & XF_WFI)
					timer_arm(hz * gcfg.timer_us / 1000000);
				if (gcfg.sve)
					guest_window_z(w, s, &x);
				else
					guest_window_v(w, s, &x);
				if (x.flags & XF_WFI)
					timer_disarm(id);
				if (img_same(w, s, vl, gcfg.sve, &m))
					continue;
				GUEST_FAIL("vcpu %u vl %u iter %u: %s%u byte %u is %#x, want %#x",
					   id, vl, it, m.what, m.reg, m.byte,
					   m.got, m.want);
			}
		}
	}
	GUEST_DONE();
}

/* ---- host ---- */

/*
 * KVM_RUN straight from asm with V0-V31, FPSR and FPCR holding w; what they
 * hold when the ioctl returns goes to s. Returns 0 or -errno.
 */
static long host_run_checked(int fd, struct fp_regimg *w,
			     struct fp_regimg *s)
{
	register uint64_t x0 asm("x0") = fd;
	register uint64_t x1 asm("x1") = KVM_RUN;
	register uint64_t x2 asm("x2") = 0;
	register uint64_t x8 asm("x8") = __NR_ioctl;
	uint64_t keep;

	asm volatile("	mrs	%[keep], fpcr\n"
		     "	msr	fpsr, %[sr]\n"
		     "	msr	fpcr, %[cr]\n"
		     FP_ASM_STR_FPSR("%[w]", x9)
		     FP_ASM_STR_FPCR("%[w]", x9)
		     FP_ASM_LDR_Q("%[w]")
		     "	svc	#0\n"
		     FP_ASM_STR_Q("%[s]")
		     FP_ASM_STR_FPSR("%[s]", x9)
		     FP_ASM_STR_FPCR("%[s]", x9)
		     "	msr	fpcr, %[keep]\n"
		     : "+r" (x0), [keep] "=&r" (keep)
		     : "r" (x1), "r" (x2), "r" (x8), [w] "r" (w), [s] "r" (s),
		       [sr] "r" (w->fpsr), [cr] "r" (w->fpcr)
		     : "x9", FP_VCLOBBERS, "cc", "memory");
	return (long)x0;
}

/*
 * Hold an SVE pattern in the host thread's own registers while spinning
 * for a number of counter ticks (long enough to be preempted), then store
 * what is left.
 */
static void host_sve_hold(struct fp_regimg *w, struct fp_regimg *s,
			  uint64_t ticks)
{
	uint64_t keep;

	asm volatile("	.arch_extension sve\n"
		     "	mrs	%[keep], fpcr\n"
		     "	msr	fpsr, %[sr]\n"
		     "	msr	fpcr, %[cr]\n"
		     FP_ASM_STR_FPSR("%[wz]", x9)
		     FP_ASM_STR_FPCR("%[wz]", x9)
		     FP_ASM_LDR_FFR("%[wf]")
		     FP_ASM_LDR_P("%[wp]")
		     FP_ASM_LDR_Z("%[wz]")
		     "	mrs	x10, cntvct_el0\n"
		     "	add	x10, x10, %[ticks]\n"
		     "1:	mrs	x11, cntvct_el0\n"
		     "	cmp	x11, x10\n"
		     "	b.lo	1b\n"
		     FP_ASM_STR_Z("%[sz]")
		     FP_ASM_STR_P("%[sp]")
		     FP_ASM_STR_FFR("%[sf]")
		     FP_ASM_STR_FPSR("%[sz]", x9)
		     FP_ASM_STR_FPCR("%[sz]", x9)
		     "	msr	fpcr, %[keep]\n"
		     : [keep] "=&r" (keep)
		     : [wz] "r" (w->z), [wp] "r" (w->p), [wf] "r" (w->ffr),
		       [sz] "r" (s->z), [sp] "r" (s->p), [sf] "r" (s->ffr),
		       [sr] "r" (w->fpsr), [cr] "r" (w->fpcr), [ticks] "r" (ticks)
		     : "x9", "x10", "x11", FP_VCLOBBERS, "cc", "memory");
}

static uint64_t host_cntfrq(void)
{
	uint64_t v;

	asm volatile("mrs %0, cntfrq_el0" : "=r" (v));
	return v;
}

static unsigned int host_vl_list[16];
static unsigned int host_nr_vls;
static bool have_sve;

/* A vCPU with SVE up to @max_vl (0: every length), or without SVE. */
static struct kvm_vcpu *fpt_vcpu_add(struct kvm_vm *vm, uint32_t id,
				     bool sve, unsigned int max_vl)
{
	return fp_vcpu_add(vm, id, guest_main,
			   sve ? (max_vl ? max_vl : FP_VL_ALL) : 0, 0);
}

static void probe_host_vls(void)
{
	unsigned int i;

	have_sve = kvm_has_cap(KVM_CAP_ARM_SVE);
	if (!have_sve)
		return;
	host_nr_vls = fp_kvm_sve_vls(host_vl_list, ARRAY_SIZE(host_vl_list));
	ksft_print_msg("KVM SVE vector lengths:");
	for (i = 0; i < host_nr_vls; i++)
		printf(" %u", host_vl_list[i]);
	printf("\n");
}

struct vthread {
	struct kvm_vcpu *vcpu;
	pthread_t tid;
	int pin;		/* CPU to stay on, or -1 */
	bool migrate;		/* alternate CPU0/CPU1 between runs */
	bool *stop;		/* for endless guests */
	uint64_t seed;
	/* results */
	unsigned long runs;
	unsigned long host_bad;
	bool guest_bad;
	bool done;
	long nivcsw;
	char msg[512];
};

static void vthread_note(struct vthread *t, const char *fmt, ...)
	__printf(2, 3);

static void vthread_note(struct vthread *t, const char *fmt, ...)
{
	va_list ap;

	if (t->msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
}

/* One KVM_RUN with the host V registers checked; false when finished. */
static bool vthread_step(struct vthread *t, struct fp_regimg *hw,
			 struct fp_regimg *hs)
{
	struct kvm_run *run = t->vcpu->run;
	struct mismatch m;
	struct ucall uc;
	long rc;

	fp_regimg_fill(hw, t->seed + t->runs, 16, false);
	rc = host_run_checked(t->vcpu->fd, hw, hs);
	t->runs++;
	if (rc == -EINTR)
		return true;
	TEST_ASSERT(!rc, "KVM_RUN failed: %ld", rc);
	if (!img_same(hw, hs, 16, false, &m)) {
		t->host_bad++;
		vthread_note(t, "host %s%u byte %u is %#x after KVM_RUN, want %#x",
			     m.what, m.reg, m.byte, m.got, m.want);
	}
	if (run->exit_reason != KVM_EXIT_MMIO) {
		vthread_note(t, "unexpected exit reason %u", run->exit_reason);
		t->guest_bad = true;
		return false;
	}
	switch (get_ucall(t->vcpu, &uc)) {
	case UCALL_NONE:
		return true;
	case UCALL_DONE:
		t->done = true;
		return false;
	case UCALL_ABORT:
		t->guest_bad = true;
		vthread_note(t, "guest: %s", uc.buffer);
		return false;
	default:
		t->guest_bad = true;
		vthread_note(t, "unexpected ucall %lu", uc.cmd);
		return false;
	}
}

static void *vthread_main(void *arg)
{
	struct vthread *t = arg;
	struct fp_regimg *hw = calloc(2, sizeof(*hw));
	struct rusage ru;

	TEST_ASSERT(hw, "out of memory");
	if (t->pin >= 0)
		kvm_pin_this_task_to_pcpu(t->pin);
	getrusage(RUSAGE_THREAD, &ru);
	t->nivcsw = -ru.ru_nivcsw;
	for (;;) {
		if (t->stop && READ_ONCE(*t->stop))
			break;
		if (t->migrate)
			kvm_pin_this_task_to_pcpu(t->runs & 1);
		if (!vthread_step(t, &hw[0], &hw[1]))
			break;
	}
	getrusage(RUSAGE_THREAD, &ru);
	t->nivcsw += ru.ru_nivcsw;
	free(hw);
	return NULL;
}

struct exit_test {
	const char *name;
	bool sve;
	uint32_t flags;
	uint32_t iters;
	int nr_vcpus;
	bool migrate;
	bool gic;
	uint32_t spin_us;
	/* softirq kernel-mode NEON on every CPU while the VM runs */
	bool softirq_neon;
	/* the guest's maximum VL is the host's smallest */
	bool min_vl;
	/* arm64/fp fp-stress runs on the host meanwhile */
	bool fp_stress;
};

/*
 * Our kernel's test hook (arch/arm64/kernel/fpsimd/kernel.c): writing N
 * runs kernel-mode NEON from a softirq on every CPU each millisecond for
 * N ms, overwriting the V registers; reading gives the sections run. Its
 * timer's hardirq also overwrites them between the save and the restore
 * that EFI runtime calls from atomic context use (at the vector length
 * in force, a guest's shorter one after an nVHE exit); hardirq_fp reads
 * how many times.
 */
#define SOFTIRQ_NEON	"/sys/kernel/debug/arm64_fpsimd/softirq_neon"
#define HARDIRQ_FP	"/sys/kernel/debug/arm64_fpsimd/hardirq_fp"

/* Write MS to the hook at PATH (MS >= 0), else read its count; -1 if none. */
static long storm_hook(const char *path, long ms)
{
	char buf[32];
	long n = -1;
	FILE *f = fopen(path, ms >= 0 ? "r+" : "r");

	if (!f)
		return -1;
	if (ms >= 0)
		fprintf(f, "%ld\n", ms);
	else if (fgets(buf, sizeof(buf), f))
		n = strtol(buf, NULL, 10);
	fclose(f);
	return n;
}

static long softirq_neon(long ms)
{
	return storm_hook(SOFTIRQ_NEON, ms);
}

static long hardirq_fp(void)
{
	return storm_hook(HARDIRQ_FP, -1);
}

/* Returns true if the VM ran to the end without any mismatch. */
static bool run_vm(const struct exit_test *et, unsigned int max_vl,
		   bool only_max, bool *skipped)
{
	struct vthread t[FPT_MAX_VCPUS] = {};
	struct kvm_vm *vm;
	bool ok = true;
	long nivcsw = 0, storm = 0, hardirq = 0;
	int i, gic_fd = -1;

	vm = vm_create(et->nr_vcpus);
	for (i = 0; i < et->nr_vcpus; i++)
		t[i].vcpu = fpt_vcpu_add(vm, i, et->sve, max_vl);
	if (et->gic) {
		gic_fd = vgic_v3_setup(vm, et->nr_vcpus, 64);
		if (gic_fd < 0) {
			kvm_vm_free(vm);
			*skipped = true;
			return true;
		}
	}

	gcfg = (struct gcfg) {
		.sve = et->sve,
		.flags = et->flags,
		.iters = et->iters,
		.gic = et->gic,
		.nr_vcpus = et->nr_vcpus,
		.only_max = only_max,
		.spin_us = et->spin_us,
		.timer_us = 1000,
		.seed = fp_mix64(et->flags * 1000 + max_vl + et->sve),
	};
	sync_global_to_guest(vm, gcfg);

	if (et->softirq_neon) {
		storm = softirq_neon(-1);
		hardirq = hardirq_fp();
		softirq_neon(600000);
	}
	for (i = 0; i < et->nr_vcpus; i++) {
		t[i].pin = -1;
		t[i].migrate = et->migrate;
		t[i].seed = fp_mix64(0x4057 + i) & ~0xffffULL;
		pthread_create(&t[i].tid, NULL, vthread_main, &t[i]);
	}
	for (i = 0; i < et->nr_vcpus; i++) {
		pthread_join(t[i].tid, NULL);
		nivcsw += t[i].nivcsw;
		if (t[i].host_bad || t[i].guest_bad || !t[i].done) {
			ok = false;
			if (!t[i].msg[0])
				snprintf(t[i].msg, sizeof(t[i].msg), "no end");
			ksft_print_msg("%s vcpu %d (%lu runs, %lu bad host checks): %s\n",
				       et->name, i, t[i].runs, t[i].host_bad,
				       t[i].msg);
		}
	}
	if (et->softirq_neon) {
		softirq_neon(0);
		storm = softirq_neon(-1) - storm;
		ksft_print_msg("%s: %ld softirq kernel-mode NEON sections\n",
			       et->name, storm);
		if (storm <= 0)
			ok = false;
		/* Kernels before the hardirq half have no hardirq_fp. */
		if (hardirq >= 0) {
			hardirq = hardirq_fp() - hardirq;
			ksft_print_msg("%s: %ld hardirq FP sections (EFI's atomic save)\n",
				       et->name, hardirq);
			if (hardirq <= 0)
				ok = false;
		}
	}
	if (et->nr_vcpus > 1)
		ksft_print_msg("%s: %ld involuntary context switches\n",
			       et->name, nivcsw);
	if (et->flags & XF_WFI) {
		sync_global_from_guest(vm, guest_wfi_fired);
		ksft_print_msg("%s: %u timer wake-ups\n", et->name,
			       guest_wfi_fired[0]);
	}
	if (gic_fd >= 0)
		close(gic_fd);
	kvm_vm_free(vm);
	return ok;
}

static void exit_test(const struct exit_test *et)
{
	bool skipped = false, ok, stress_ok = true;
	char stress[PATH_MAX];
	struct fp_stress fs;

	if (et->sve && !have_sve) {
		ksft_test_result_skip("%s: no SVE\n", et->name);
		return;
	}
	if (et->softirq_neon && softirq_neon(-1) < 0) {
		ksft_test_result_skip("%s: no %s (not our kernel)\n", et->name,
				      SOFTIRQ_NEON);
		return;
	}
	if (et->fp_stress && !fp_stress_find(stress, sizeof(stress))) {
		ksft_test_result_skip("%s: no arm64/fp fp-stress here (set FP_STRESS)\n",
				      et->name);
		return;
	}
	if (et->fp_stress && !fp_stress_start(&fs, stress, "900")) {
		fp_stress_stop(&fs, et->name, false);
		ksft_test_result_fail("%s: fp-stress did not get its children running\n",
				      et->name);
		return;
	}
	ok = run_vm(et, et->min_vl ? host_vl_list[0] : 0, et->min_vl, &skipped);
	if (et->fp_stress)
		stress_ok = fp_stress_stop(&fs, et->name, false);
	ok = ok && stress_ok;
	if (skipped)
		ksft_test_result_skip("%s: no in-kernel GICv3\n", et->name);
	else
		ksft_test_result(ok, "%s\n", et->name);
}

/* One VM per vector length, each with SVE_VLS capped at that length. */
static void vls_cap_test(void)
{
	struct exit_test et = {
		.name = "sve-vls-cap",
		.sve = true,
		.flags = XF_MMIO,
		.iters = 2,
		.nr_vcpus = 1,
	};
	bool ok = true, skipped;
	unsigned int i;

	if (!have_sve) {
		ksft_test_result_skip("%s: no SVE\n", et.name);
		return;
	}
	for (i = 0; i < host_nr_vls; i++) {
		if (!run_vm(&et, host_vl_list[i], true, &skipped)) {
			ksft_print_msg("failed with max VL %u\n",
				       host_vl_list[i]);
			ok = false;
		}
	}
	ksft_test_result(ok, "%s\n", et.name);
}

/*
 * The host thread keeps an SVE pattern live in userspace (after a
 * KVM_RUN of its own) while another thread runs an SVE vCPU at a
 * different vector length on the same CPU.
 */
static bool host_sve_round(unsigned int host_vl, unsigned int guest_vl)
{
	bool stop = false;
	struct vthread rival = {}, own = {};
	struct exit_test et = {
		.sve = have_sve,
		.flags = XF_SPIN | XF_MMIO,
		.iters = 1,
		.nr_vcpus = 1,
		.spin_us = 2000,
	};
	struct kvm_vm *rival_vm, *own_vm;
	struct fp_regimg *img = calloc(4, sizeof(*img));
	uint64_t ticks = host_cntfrq() / 50;
	struct mismatch m;
	struct rusage ru;
	long nivcsw;
	bool ok = true;
	int vl, i;

	TEST_ASSERT(img, "out of memory");
	kvm_pin_this_task_to_pcpu(0);
	vl = prctl(PR_SVE_SET_VL, host_vl);
	TEST_ASSERT(vl >= 0, "PR_SVE_SET_VL failed");
	vl &= PR_SVE_VL_LEN_MASK;

	/* The rival: an endless SVE guest sharing CPU0. */
	rival_vm = vm_create(1);
	rival.vcpu = fpt_vcpu_add(rival_vm, 0, et.sve, guest_vl);
	gcfg = (struct gcfg) {
		.sve = et.sve, .flags = et.flags, .iters = 1, .nr_vcpus = 1,
		.forever = 1, .spin_us = et.spin_us, .seed = 0x7177a1,
		.only_max = 1,
	};
	sync_global_to_guest(rival_vm, gcfg);
	rival.pin = 0;
	rival.stop = &stop;
	rival.seed = 0x3300000;
	pthread_create(&rival.tid, NULL, vthread_main, &rival);

	/* Our own vCPU: plain FP/SIMD, just to have KVM_RUN calls. */
	own_vm = vm_create(1);
	own.vcpu = fpt_vcpu_add(own_vm, 0, false, 0);
	gcfg = (struct gcfg) {
		.flags = XF_MMIO, .iters = 1, .nr_vcpus = 1, .forever = 1,
		.seed = 0x1234,
	};
	sync_global_to_guest(own_vm, gcfg);
	own.seed = 0x5500000;

	getrusage(RUSAGE_THREAD, &ru);
	nivcsw = -ru.ru_nivcsw;
	for (i = 0; i < 6 && ok; i++) {
		TEST_ASSERT(vthread_step(&own, &img[0], &img[1]),
			    "own vCPU stopped: %s", own.msg);
		fp_regimg_fill(&img[2], 0xf00d0000 + i, vl, true);
		host_sve_hold(&img[2], &img[3], ticks);
		if (!img_same(&img[2], &img[3], vl, true, &m)) {
			ksft_print_msg("host VL %d, round %d: %s%u byte %u is %#x, want %#x\n",
				       vl, i, m.what, m.reg, m.byte, m.got,
				       m.want);
			ok = false;
		}
		if (own.host_bad) {
			ksft_print_msg("host VL %d: %s\n", vl, own.msg);
			ok = false;
		}
	}
	getrusage(RUSAGE_THREAD, &ru);
	nivcsw += ru.ru_nivcsw;

	WRITE_ONCE(stop, true);
	pthread_join(rival.tid, NULL);
	if (rival.host_bad || rival.guest_bad) {
		ksft_print_msg("rival vCPU: %s\n", rival.msg);
		ok = false;
	}
	ksft_print_msg("host VL %d, guest max VL %u: %ld+%ld involuntary switches\n",
		       vl, guest_vl, nivcsw, rival.nivcsw);
	kvm_vm_free(own_vm);
	kvm_vm_free(rival_vm);
	free(img);
	return ok;
}

static void host_sve_test(void)
{
	const char *name = "host-sve-live-preempted";
	unsigned int lo, hi;
	bool ok;

	if (!(getauxval(AT_HWCAP) & HWCAP_SVE)) {
		ksft_test_result_skip("%s: host has no SVE\n", name);
		return;
	}
	lo = have_sve ? host_vl_list[0] : 16;
	hi = have_sve ? host_vl_list[host_nr_vls - 1] : FP_MAX_VL;
	ok = host_sve_round(FP_MAX_VL, lo);
	ok &= host_sve_round(16, hi);
	kvm_pin_this_task_to_pcpu(0);
	ksft_test_result(ok, "%s\n", name);
}

/*
 * The checker itself: the VMM rewrites V7 through KVM_SET_ONE_REG while the
 * guest holds its pattern, and the guest must notice.
 */
static void selfcheck_test(void)
{
	const char *name = "checker-sees-vmm-write";
	struct fp_regimg *img = calloc(2, sizeof(*img));
	__uint128_t junk = ~(__uint128_t)0;
	struct vthread t = { .pin = -1, .seed = 0x99 };
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE |
		      KVM_REG_ARM_CORE_REG(fp_regs.vregs[7]),
		.addr = (uint64_t)&junk,
	};
	struct kvm_vm *vm;
	bool ok;

	TEST_ASSERT(img, "out of memory");
	vm = vm_create(1);
	t.vcpu = fpt_vcpu_add(vm, 0, false, 0);
	gcfg = (struct gcfg) { .flags = XF_MMIO, .iters = 2, .nr_vcpus = 1 };
	sync_global_to_guest(vm, gcfg);
	ok = vthread_step(&t, &img[0], &img[1]);
	if (ok) {
		vcpu_ioctl(t.vcpu, KVM_SET_ONE_REG, &reg);
		while (vthread_step(&t, &img[0], &img[1]))
			;
	}
	ok = ok && t.guest_bad && strstr(t.msg, "v7 byte");
	if (!ok)
		ksft_print_msg("%s: guest said \"%s\"\n", name, t.msg);
	kvm_vm_free(vm);
	free(img);
	ksft_test_result(ok, "%s\n", name);
}

static const struct exit_test exit_tests[] = {
	{ "fpsimd-mmio", false, XF_MMIO, 8, 1 },
	{ "fpsimd-hvc", false, XF_HVC, 8, 1 },
	{ "fpsimd-wfi", false, XF_WFI, 4, 1, .gic = true },
	{ "fpsimd-preempt", false, XF_SPIN | XF_MMIO, 6, 3, .spin_us = 4000 },
	{ "fpsimd-migrate", false, XF_MMIO, 8, 1, .migrate = true },
	{ "sve-mmio", true, XF_MMIO, 2, 1 },
	{ "sve-hvc", true, XF_HVC, 2, 1 },
	{ "sve-wfi", true, XF_WFI, 1, 1, .gic = true },
	{ "sve-preempt", true, XF_SPIN | XF_MMIO, 1, 3, .spin_us = 3000 },
	{ "sve-migrate", true, XF_MMIO, 2, 1, .migrate = true },
	/*
	 * Bug history: kernel-mode NEON in a softirq while a vCPU's state is
	 * live between two entries must save it into the vCPU first; for SVE
	 * at the vCPU's own (here smaller than the host's) vector length,
	 * where a length mismatch once killed the VMM with SIGKILL.
	 */
	{ "softirq-neon-saves-live-guest-fpsimd", false, XF_HVC, 256, 1,
	  .softirq_neon = true },
	{ "softirq-neon-saves-live-guest-sve-at-its-vl", true, XF_HVC, 16, 1,
	  .softirq_neon = true, .min_vl = true },
	/*
	 * The same at every length the guest sets: after an nVHE exit the
	 * guest's (shorter) ZCR_EL1 stays in force, and the hardirq's save
	 * and restore around EFI-style FP use both run at it.
	 */
	{ "irq-fp-keeps-live-guest-sve-at-each-vl", true, XF_HVC, 16, 1,
	  .softirq_neon = true },
	/*
	 * The host's own FP users everywhere at once: fp-stress on every CPU
	 * (userspace FPSIMD and SVE at each VL, kernel-mode NEON via AF_ALG)
	 * while two vCPU threads migrate and exit both to the VMM and in KVM.
	 */
	{ "fpsimd-under-fp-stress", false, XF_MMIO | XF_HVC, 16, 2,
	  .migrate = true, .fp_stress = true },
	{ "sve-under-fp-stress", true, XF_MMIO | XF_HVC, 2, 2,
	  .migrate = true, .fp_stress = true },
};

/* Before and after the exit tests; each reports one result. */
static void (* const first_tests[])(void) = {
	selfcheck_test,
};

static void (* const last_tests[])(void) = {
	vls_cap_test,
	host_sve_test,
};

int main(void)
{
	unsigned int i;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(first_tests) + ARRAY_SIZE(exit_tests) +
		      ARRAY_SIZE(last_tests));
	probe_host_vls();

	for (i = 0; i < ARRAY_SIZE(first_tests); i++)
		first_tests[i]();
	for (i = 0; i < ARRAY_SIZE(exit_tests); i++)
		exit_test(&exit_tests[i]);
	for (i = 0; i < ARRAY_SIZE(last_tests); i++)
		last_tests[i]();

	ksft_finished();
}
