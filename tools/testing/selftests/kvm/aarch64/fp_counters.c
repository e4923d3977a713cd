// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_counters - the FP transfers KVM makes per kind of vCPU event, read
 * from the vCPU's binary stats, against the least each event needs.
 *
 * The stats are the FP core's (arch/arm64/kvm/fpsimd.c): fp_host_save,
 * fp_guest_load, fp_guest_save, fp_trap and fp_reload_avoided. A kernel
 * without them (the stock one) skips every case, saying so.
 *
 *   no-fp-user-exits       a guest that never touches FP exits to this
 *                          program: 0 transfers and 0 traps per KVM_RUN
 *   fp-in-kernel-exits     a guest that uses FP between PSCI HVCs answered
 *                          by KVM: 0 per in-kernel exit; per KVM_RUN the
 *                          4 of a userspace round trip (below)
 *   fp-user-round-trip     a guest that uses FP before each exit to this
 *                          program: per KVM_RUN one trap, one host save,
 *                          one guest load, one guest save at put; the
 *                          fourth transfer, the host's reload, happens on
 *                          the way to userspace, outside KVM's counters
 *   fp-wfi-sleep-same-cpu  a guest that uses FP and sleeps in WFI until a
 *                          virtual timer fires, the thread pinned, halt
 *                          polling off for the VM: per sleep at most the
 *                          save at put, no load, no trap (WFI must trap:
 *                          boot with kvm-arm.wfi_trap_policy=trap, or a
 *                          vCPU thread alone on its CPU runs WFI natively)
 *
 *   vmm-watch-no-fp        with kvm.fp_vmm_watch=1, a loop of KVM_RUNs
 *                          whose userspace side touches no FP: every
 *                          round trip counted in fp_vmm_round_trip, none
 *                          (but perhaps the first, after reading the
 *                          stats) in fp_vmm_fp_use
 *   vmm-watch-fp           the same loop with one FP instruction before
 *                          each KVM_RUN: a use counted per round trip
 *   vmm-defer-no-fp        with kvm.fp_vmm_defer=1, a guest that uses FP
 *                          before each exit to a loop that touches none:
 *                          every round trip deferred (fp_vmm_deferred)
 *                          and entered live (fp_reload_avoided,
 *                          fp_vmm_live_entry), with no save, load or
 *                          trap: 0 transfers (4 without)
 *   vmm-defer-fp           the same with a VMM that writes V0 before each
 *                          KVM_RUN and reads it back after: it always
 *                          gets its own value (the guest writes D0 too),
 *                          and the backoff stops deferring it: at most
 *                          FPC_DEFER_MAX of the round trips deferred, and
 *                          none entered live after a deferral
 *
 * The guests of the first three are loops in assembly, so that no
 * compiled code touches FP behind the test's back. Each case runs up to
 * three times; other activity can only add transfers, so one run at the
 * bound passes. A switch of the vCPU thread inside KVM_RUN is a put and
 * a load, which may add at most one of each transfer: in the first three
 * cases the bound grows by one per switch the thread had (getrusage),
 * and a run with more than one switch per eight events is too disturbed
 * to judge (seen under TCG: one preemption in each of three runs).
 */
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/psci.h>

#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "arch_timer.h"
#include "gic.h"
#include "vgic.h"
#include "ucall_common.h"

#define FPC_RUNS	64	/* KVM_RUNs measured per case */
#define FPC_HVCS	16	/* in-kernel exits per KVM_RUN */
#define FPC_WFIS	16	/* WFIs in one KVM_RUN */
#define FPC_WFI_US	20000	/* long enough to sleep, even in a debug kernel */
#define FPC_TRIES	3
#define FPC_CPU		1

enum {
	S_HOST_SAVE, S_GUEST_LOAD, S_GUEST_SAVE, S_TRAP, S_AVOIDED,
	NR_FP_S,
	/* printed for context only */
	S_WFI = NR_FP_S, S_POLL_OK, S_WAKEUP,
	NR_S
};

static const char * const stat_name[NR_S] = {
	"fp_host_save", "fp_guest_load", "fp_guest_save", "fp_trap",
	"fp_reload_avoided", "wfi_exit_stat", "halt_successful_poll",
	"halt_wakeup",
};

/* ---- guests ---- */

/*
 * Each guest below is one asm loop that never returns: no compiled code
 * runs in it after the function's entry, which touches no FP register.
 */

/* Exits to userspace forever, never touching FP. */
static void guest_nofp_user(uint64_t mmio)
{
	asm volatile("1:	str	xzr, [%0]\n"
		     "	b	1b\n"
		     : : "r" (mmio) : "memory");
}

/* Writes V0, then exits to userspace; forever. */
static void guest_fp_user(uint64_t mmio)
{
	asm volatile("	mov	x9, #1\n"
		     "1:	fmov	d0, x9\n"
		     "	add	x9, x9, #1\n"
		     "	str	xzr, [%0]\n"
		     "	b	1b\n"
		     : : "r" (mmio) : "x9", "v0", "memory");
}

/*
 * Each round writes V0, then makes @hvcs PSCI_VERSION calls (answered in
 * KVM), writing V1 after each, then exits to userspace; forever. The
 * SMCCC call clobbers x0-x3 only.
 */
static void guest_fp_hvc(uint64_t mmio, uint64_t hvcs)
{
	asm volatile("1:	fmov	d0, %1\n"
		     "	mov	x9, %1\n"
		     "2:	mov	x0, #0x84000000\n"	/* PSCI_VERSION */
		     "	hvc	#0\n"
		     "	fmov	d1, x9\n"
		     "	subs	x9, x9, #1\n"
		     "	b.ne	2b\n"
		     "	str	xzr, [%0]\n"
		     "	b	1b\n"
		     : : "r" (mmio), "r" (hvcs)
		     : "x0", "x1", "x2", "x3", "x9", "v0", "v1", "memory", "cc");
}

static void guest_wfi(void)
{
	uint64_t ticks = timer_get_cntfrq() * FPC_WFI_US / 1000000;
	uint64_t i, v;

	gic_init(GIC_V3, 1);
	gic_irq_enable(FP_VTIMER_IRQ);
	for (;;) {
		GUEST_SYNC(0);
		for (i = 0; i < FPC_WFIS; i++) {
			asm volatile("fmov d0, %0" : : "r" (i) : "v0");
			fp_guest_wfi_once(ticks);
			asm volatile("fmov %0, d0" : "=r" (v) : : "v0");
			GUEST_ASSERT_EQ(v, i);
		}
	}
}

/* ---- host ---- */

struct vstats {
	int fd;
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *desc;
	struct kvm_stats_desc *found[NR_S];
};

/* The @n stats named @names in @vs's fd; false unless all are there. */
static bool vstats_find(struct vstats *vs, const char * const *names,
			unsigned int n)
{
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		vs->found[i] = NULL;
		for (k = 0; k < vs->hdr.num_desc; k++) {
			struct kvm_stats_desc *d;

			d = get_stats_descriptor(vs->desc, k, &vs->hdr);
			if (!strcmp(d->name, names[i]))
				vs->found[i] = d;
		}
		if (!vs->found[i])
			return false;
	}
	return true;
}

/* Open @vcpu's stats and find @names; false when this kernel lacks one. */
static bool vstats_open_names(struct vstats *vs, struct kvm_vcpu *vcpu,
			      const char * const *names, unsigned int n)
{
	vs->fd = vcpu_get_stats_fd(vcpu);
	read_stats_header(vs->fd, &vs->hdr);
	vs->desc = read_stats_descriptors(vs->fd, &vs->hdr);
	return vstats_find(vs, names, n);
}

/* False when this kernel does not have our counters. */
static bool vstats_open(struct vstats *vs, struct kvm_vcpu *vcpu)
{
	return vstats_open_names(vs, vcpu, stat_name, NR_S);
}

static void vstats_read_n(struct vstats *vs, uint64_t *val, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		read_stat_data(vs->fd, &vs->hdr, vs->found[i], &val[i], 1);
}

static void vstats_read(struct vstats *vs, uint64_t *val)
{
	vstats_read_n(vs, val, NR_S);
}

static void vstats_close(struct vstats *vs)
{
	close(vs->fd);
	free(vs->desc);
}

/* KVM_RUN, failing with the guest's PC if it does not exit in time. */
static void fpc_run(struct kvm_vcpu *vcpu)
{
	uint64_t pc;
	int r;

	r = fp_vcpu_run_timed(vcpu, 20);
	if (r && errno == EINTR) {
		vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.pc), &pc);
		TEST_FAIL("the guest did not exit within 20 s, PC %#lx", pc);
	}
	TEST_ASSERT(!r, "KVM_RUN failed: %d", errno);
}

static void run_expect_mmio(struct kvm_vcpu *vcpu)
{
	fpc_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_MMIO,
		    "exit reason %u, want MMIO", vcpu->run->exit_reason);
}

static void run_expect_sync(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	fpc_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		return;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit %u", vcpu->run->exit_reason);
	}
}

struct fcase {
	const char *name;
	void *guest;
	bool wfi;
	/* the most each counter may move per measured event */
	uint64_t per_event[NR_S];
	/* the fewest reloads avoided per measured event, times 100 */
	unsigned int avoided_pct;
};

static void print_delta(const struct fcase *c, const uint64_t *d,
			unsigned int events, int try, uint64_t switches)
{
	unsigned int i;

	ksft_print_msg("%s, try %d, %u events:", c->name, try, events);
	for (i = 0; i < NR_S; i++)
		printf(" %s %lu", stat_name[i], (unsigned long)d[i]);
	printf(", thread switches %lu\n", (unsigned long)switches);
}

/* Context switches of this thread so far, voluntary or not. */
static uint64_t fpc_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/*
 * One measurement; returns 1 at the bound, 0 above it, -1 to skip, -2 when
 * the WFI case never slept (so it measured no sleep/wake).
 */
static int measure(const struct fcase *c, int try)
{
	uint64_t before[NR_S], after[NR_S], d[NR_S], sw, slack;
	unsigned int i, events;
	struct kvm_vcpu *vcpu;
	struct vstats vs;
	struct kvm_vm *vm;
	int gic_fd = -1, ok = 1;
	bool have_stats;

	vm = vm_create(1);
	vcpu = vm_vcpu_add(vm, 0, c->guest);
	if (c->wfi) {
		/* No halt polling: the thread must really sleep in WFI. */
		if (kvm_has_cap(KVM_CAP_HALT_POLL))
			vm_enable_cap(vm, KVM_CAP_HALT_POLL, 0);
		gic_fd = vgic_v3_setup(vm, 1, 64);
		if (gic_fd < 0) {
			kvm_vm_free(vm);
			return -1;
		}
	} else {
		/* The ucall page (its guest VA): stores exit to this program. */
		sync_global_from_guest(vm, ucall_exit_mmio_addr);
		vcpu_args_set(vcpu, 2, (uint64_t)ucall_exit_mmio_addr,
			      (uint64_t)FPC_HVCS);
	}
	/* Without the counters the guests still run: they must not fail. */
	have_stats = vstats_open(&vs, vcpu);

	ksft_print_msg("%s, try %d: warm-up\n", c->name, try);
	/* Warm up: first-use work (allocation, the first trap) is not measured. */
	if (c->wfi) {
		run_expect_sync(vcpu);
		run_expect_sync(vcpu);
	} else {
		for (i = 0; i < 4; i++)
			run_expect_mmio(vcpu);
	}

	if (have_stats)
		vstats_read(&vs, before);
	sw = fpc_switches();
	if (c->wfi) {
		run_expect_sync(vcpu);
		events = FPC_WFIS;
	} else {
		for (i = 0; i < FPC_RUNS; i++)
			run_expect_mmio(vcpu);
		events = FPC_RUNS;
	}
	if (!have_stats) {
		vstats_close(&vs);
		if (gic_fd >= 0)
			close(gic_fd);
		kvm_vm_free(vm);
		return -1;
	}
	vstats_read(&vs, after);
	sw = fpc_switches() - sw;

	for (i = 0; i < NR_S; i++)
		d[i] = after[i] - before[i];
	/*
	 * Per WFI exit at most the save at put. Not every WFI sleeps (the
	 * timer may have fired already); each sleep is one put and so one
	 * save beyond the run's own, and each must be followed by an entry
	 * that finds the vCPU still live. At least one must have slept.
	 */
	if (c->wfi) {
		uint64_t sleeps = d[S_GUEST_SAVE] ? d[S_GUEST_SAVE] - 1 : 0;

		events = d[S_WFI];
		if (d[S_AVOIDED] < sleeps)
			ok = 0;
		/* Nothing slept: the bounds below hold, but prove little. */
		if (!sleeps && ok)
			ok = -2;
	}
	print_delta(c, d, events, try, sw);
	/*
	 * The WFI run has its own round trip: 1 more. Its sleeps are thread
	 * switches that the bounds already count; in the other cases each
	 * switch may add one of each transfer.
	 */
	slack = c->wfi ? 1 : sw;
	if (!c->wfi && sw * 8 > events)
		ok = 0;
	for (i = 0; i < NR_FP_S; i++) {
		if (i == S_AVOIDED)
			continue;
		if (d[i] > c->per_event[i] * events + slack)
			ok = 0;
	}
	if (d[S_AVOIDED] * 100 < (uint64_t)c->avoided_pct * events)
		ok = 0;

	vstats_close(&vs);
	if (gic_fd >= 0)
		close(gic_fd);
	kvm_vm_free(vm);
	return ok;
}

/* ---- the VMM's FP use between KVM_RUNs (kvm.fp_vmm_watch, _defer) ---- */

static const char * const watch_stat[] = { "fp_vmm_round_trip",
					   "fp_vmm_fp_use" };

static const struct wcase {
	const char *name;
	bool vmm_fp;	/* one FP instruction before each KVM_RUN */
} wcases[] = {
	{ "vmm-watch-no-fp", false },
	{ "vmm-watch-fp", true },
};

/* 1: pass, 0: fail, -1: this kernel cannot watch (no parameter or stats). */
static int watch_case(const struct wcase *c)
{
	uint64_t v0[2], v1[2], rt, use, want;
	struct kvm_vcpu *vcpu;
	struct vstats vs;
	struct kvm_vm *vm;
	unsigned int i;
	int ok = -1;

	vm = vm_create(1);
	vcpu = vm_vcpu_add(vm, 0, guest_nofp_user);
	sync_global_from_guest(vm, ucall_exit_mmio_addr);
	vcpu_args_set(vcpu, 1, (uint64_t)ucall_exit_mmio_addr);
	if (!vstats_open_names(&vs, vcpu, watch_stat, 2) ||
	    !fp_kvm_param_set("fp_vmm_watch", true))
		goto out;
	for (i = 0; i < 4; i++)
		run_expect_mmio(vcpu);
	vstats_read_n(&vs, v0, 2);
	/*
	 * Each KVM_RUN's first entry accounts for the gap before it: the
	 * first one for the stats read above, then one per iteration.
	 */
	for (i = 0; i <= FPC_RUNS; i++) {
		if (c->vmm_fp)
			asm volatile("fmov d16, xzr" : : : "v16");
		if (fp_raw_kvm_run(vcpu->fd) ||
		    vcpu->run->exit_reason != KVM_EXIT_MMIO)
			break;
	}
	TEST_ASSERT(i > FPC_RUNS, "KVM_RUN %u: exit reason %u", i,
		    vcpu->run->exit_reason);
	vstats_read_n(&vs, v1, 2);
	fp_kvm_param_set("fp_vmm_watch", false);
	rt = v1[0] - v0[0];
	use = v1[1] - v0[1];
	want = c->vmm_fp ? FPC_RUNS + 1 : 0;
	ksft_print_msg("%s: %lu round trips, %lu with FP use (want %d and %lu%s)\n",
		       c->name, rt, use, FPC_RUNS + 1, want,
		       c->vmm_fp ? "" : " or 1");
	ok = rt == FPC_RUNS + 1 && (use == want || (!c->vmm_fp && use == 1));
out:
	vstats_close(&vs);
	kvm_vm_free(vm);
	return ok;
}

/*
 * KVM_RUN with V0 set to @mark before it and read back after, in one asm
 * block: what the VMM thread finds in its own register.
 */
static long raw_kvm_run_v0(int fd, uint64_t mark, uint64_t *seen)
{
	register long x0 asm("x0") = fd;
	register long x1 asm("x1") = KVM_RUN;
	register long x2 asm("x2") = 0;
	register long x8 asm("x8") = __NR_ioctl;
	uint64_t v;

	asm volatile("fmov	d0, %[m]\n"
		     "svc	#0\n"
		     "fmov	%[v], d0\n"
		     : "+r" (x0), [v] "=r" (v)
		     : [m] "r" (mark), "r" (x1), "r" (x2), "r" (x8)
		     : "v0", "memory");
	*seen = v;
	return x0;
}

/*
 * The backoff (FPSTATE_VMM_STREAK 4, FPSTATE_VMM_BACKOFF 255 in policy.h): a
 * VMM that uses FP every time is deferred 4 times, then once per 256
 * round trips; 8 of FPC_RUNS + 1 leaves room for a changed constant, not
 * for deferring every time.
 */
#define FPC_DEFER_MAX	8
#define FPC_DEFER_WARM	40

static const char * const defer_stat[] = {
	"fp_vmm_deferred", "fp_reload_avoided", "fp_guest_save",
	"fp_guest_load", "fp_host_save", "fp_trap", "fp_vmm_fp_use",
	"fp_vmm_live_entry",
};

enum {
	D_DEFERRED, D_AVOIDED, D_GUEST_SAVE, D_GUEST_LOAD, D_HOST_SAVE,
	D_TRAP, D_FP_USE, D_LIVE, NR_D
};

static const struct dcase {
	const char *name;
	bool vmm_fp;	/* V0 written before and read after each KVM_RUN */
} dcases[] = {
	{ "vmm-defer-no-fp", false },
	{ "vmm-defer-fp", true },
};

/* 1: pass, 0: fail, -1: this kernel cannot defer (no parameter or stats). */
static int defer_case(const struct dcase *c)
{
	uint64_t v0[NR_D], v1[NR_D], d[NR_D], seen = 0, mark, bad = 0, sw;
	bool was = fp_kvm_param_get("fp_vmm_defer") == 1;
	const uint64_t runs = FPC_RUNS + 1;
	struct kvm_vcpu *vcpu;
	struct vstats vs;
	struct kvm_vm *vm;
	unsigned int i;
	int ok = -1;

	/* Protected mode never defers (fpu_vmm_return()). */
	if (fp_kvm_protected())
		return -1;
	vm = vm_create(1);
	vcpu = vm_vcpu_add(vm, 0, guest_fp_user);
	sync_global_from_guest(vm, ucall_exit_mmio_addr);
	vcpu_args_set(vcpu, 1, (uint64_t)ucall_exit_mmio_addr);
	if (!vstats_open_names(&vs, vcpu, defer_stat, NR_D) ||
	    !fp_kvm_param_set("fp_vmm_defer", true))
		goto out;
	/*
	 * Warm up: FPC_DEFER_WARM round trips that use no FP (the process
	 * is new, so no backoff is under way; the C library's calls before
	 * may have used FP, but not 4 times in a row). Nothing in the loop
	 * may call a variadic function, such as test_assert(): its prologue
	 * stores the FP argument registers.
	 */
	for (i = 0; i < FPC_DEFER_WARM; i++)
		if (fp_raw_kvm_run(vcpu->fd))
			break;
	TEST_ASSERT(i == FPC_DEFER_WARM, "KVM_RUN %u", i);
	vstats_read_n(&vs, v0, NR_D);
	sw = fpc_switches();
	for (i = 0; i < runs; i++) {
		mark = 0x5a5a000000000000UL | i;
		if ((c->vmm_fp ? raw_kvm_run_v0(vcpu->fd, mark, &seen) :
				 fp_raw_kvm_run(vcpu->fd)) ||
		    vcpu->run->exit_reason != KVM_EXIT_MMIO)
			break;
		if (c->vmm_fp && seen != mark && !bad++)
			ksft_print_msg("%s: round trip %u: V0 is 0x%lx, want 0x%lx\n",
				       c->name, i, seen, mark);
	}
	TEST_ASSERT(i == runs, "KVM_RUN %u: exit reason %u", i,
		    vcpu->run->exit_reason);
	vstats_read_n(&vs, v1, NR_D);
	sw = fpc_switches() - sw;
	fp_kvm_param_set("fp_vmm_defer", was);
	for (i = 0; i < NR_D; i++)
		d[i] = v1[i] - v0[i];
	ksft_print_msg("%s: %lu round trips, %lu deferred, %lu entered live\n",
		       c->name, runs, d[D_DEFERRED], d[D_AVOIDED]);
	ksft_print_msg("%s: %lu entered live after a deferral\n", c->name,
		       d[D_LIVE]);
	ksft_print_msg("%s: guest saves %lu, loads %lu, host saves %lu, traps %lu\n",
		       c->name, d[D_GUEST_SAVE], d[D_GUEST_LOAD], d[D_HOST_SAVE],
		       d[D_TRAP]);
	ksft_print_msg("%s: %lu with VMM FP use, %lu thread switches\n",
		       c->name, d[D_FP_USE], sw);
	if (c->vmm_fp) {
		/*
		 * Its own V0 every time; deferred rarely; 4 transfers as ever
		 * (one more guest save for the stats read after the loop, which
		 * ends a last deferral).
		 */
		ok = !bad && d[D_DEFERRED] >= 1 && d[D_DEFERRED] <= FPC_DEFER_MAX &&
		     d[D_GUEST_SAVE] <= runs + sw + 1 &&
		     d[D_HOST_SAVE] <= runs + sw && d[D_LIVE] <= sw;
	} else {
		/*
		 * No transfer at all, but one of each per thread switch at
		 * most, and one round trip for the stats read before the loop
		 * (the C library's read may use FP).
		 */
		sw++;
		ok = d[D_DEFERRED] + sw >= runs && d[D_AVOIDED] + sw >= runs &&
		     d[D_LIVE] + sw >= runs && d[D_GUEST_SAVE] <= sw && d[D_GUEST_LOAD] <= sw &&
		     d[D_HOST_SAVE] <= sw && d[D_TRAP] <= sw;
	}
out:
	vstats_close(&vs);
	kvm_vm_free(vm);
	return ok;
}

static const struct fcase cases[] = {
	{ "no-fp-user-exits", guest_nofp_user, false, { 0, 0, 0, 0 } },
	/* per KVM_RUN, each with FPC_HVCS in-kernel exits: 0 more */
	{ "fp-in-kernel-exits", guest_fp_hvc, false, { 1, 1, 1, 1 } },
	{ "fp-user-round-trip", guest_fp_user, false, { 1, 1, 1, 1 } },
	/* per WFI: the save at put only (sleeps are checked in measure()) */
	{ "fp-wfi-sleep-same-cpu", guest_wfi, true, { 0, 0, 1, 0 } },
};

int main(void)
{
	unsigned int i;
	int try, r;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(cases) + ARRAY_SIZE(wcases) +
		      ARRAY_SIZE(dcases));
	kvm_pin_this_task_to_pcpu(FPC_CPU);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		r = 0;
		for (try = 1; try <= FPC_TRIES && r != 1 && r != -1; try++)
			r = measure(&cases[i], try);
		if (r == -2)
			ksft_test_result_skip("%s: %s\n", cases[i].name,
					      "the vCPU thread never slept in WFI");
		else if (r < 0)
			ksft_test_result_skip("%s: %s\n", cases[i].name,
					      "no fp_* vCPU stats (not our kernel) or no in-kernel GICv3");
		else
			ksft_test_result(r, "%s\n", cases[i].name);
	}
	for (i = 0; i < ARRAY_SIZE(wcases); i++) {
		r = watch_case(&wcases[i]);
		if (r < 0)
			ksft_test_result_skip("%s: %s\n", wcases[i].name,
					      "no kvm.fp_vmm_watch or fp_vmm_* stats (not our kernel)");
		else
			ksft_test_result(r, "%s\n", wcases[i].name);
	}
	for (i = 0; i < ARRAY_SIZE(dcases); i++) {
		int status;
		pid_t pid;

		/*
		 * In a new process: the deferral's history (its backoff) is
		 * per thread, and the watch cases above used FP every time.
		 */
		fflush(stdout);
		pid = fork();
		TEST_ASSERT(pid >= 0, "fork");
		if (!pid) {
			r = defer_case(&dcases[i]);
			fflush(stdout);
			_exit(r + 1);
		}
		TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status),
			    "%s: status 0x%x", dcases[i].name, status);
		r = WEXITSTATUS(status) - 1;
		if (r < 0)
			ksft_test_result_skip("%s: %s\n", dcases[i].name,
					      "no kvm.fp_vmm_defer or its stats (not our kernel, or protected mode)");
		else
			ksft_test_result(r, "%s\n", dcases[i].name);
	}
	ksft_finished();
}
