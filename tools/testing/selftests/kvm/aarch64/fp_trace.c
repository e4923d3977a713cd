// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_trace - the kvm_fp tracepoints say what KVM's FP code did.
 *
 * A guest uses FP right after every entry and exits often: to the kernel
 * (an HVC) and to this program (an MMIO store). With kvm_fp_enter and
 * kvm_fp_trap enabled in tracefs (/sys/kernel/tracing), every entry's plan
 * label is held against what followed it on the same vCPU:
 *
 *   - an entry followed by a trap that saved the VMM's registers was
 *     planned as a trap that saves the host (FPU_GUEST_TRAP_SAVE);
 *   - an entry followed by a trap that saved nothing was planned as a
 *     plain trap (FPU_GUEST_TRAP);
 *   - an entry planned live (FPU_GUEST_LIVE) runs the guest with FP
 *     enabled, so no trap may follow it;
 *
 * and at least one entry of the first kind and one live entry must show
 * up (the in-kernel exits after a trap are entered live). An entry
 * followed by another entry says nothing: an interrupt may have ended the
 * run before the guest's FP use.
 *
 * guest-za-events: an SME vCPU with PSTATE.ZA set exits to this program
 * every run, so each run saves its ZA at put and loads it again at its
 * next first use. With kvm_fp_za enabled, the "guest ZA loaded" and
 * "guest ZA saved" events must equal the growth of the vCPU's
 * fp_guest_za_load and fp_guest_za_save stats, at least one of each per
 * run (a preemption inside KVM_RUN adds a save, and a load if someone
 * else used FP meanwhile); once the guest has cleared PSTATE.ZA, neither
 * event nor stat may grow.
 *
 * The stock kernel has no kvm_fp events: the test skips there, and the
 * second case where KVM offers no SME to guests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"

#define FT_TRACEFS	"/sys/kernel/tracing"
#define FT_EVENTS	FT_TRACEFS "/events/kvm_fp"
#define FT_RUNS		8
#define FT_HVCS		16

enum ft_plan { FT_TRAP, FT_TRAP_SAVE, FT_LIVE, FT_UNKNOWN };

/*
 * The labels, by the plan they claim. The first version of the event
 * printed phrases instead of the enum's names; they are read for what
 * they say, so that a kernel printing them is judged on their meaning.
 */
static const struct {
	const char *label;
	enum ft_plan plan;
} ft_labels[] = {
	{ "FPU_GUEST_TRAP", FT_TRAP },
	{ "FPU_GUEST_TRAP_SAVE", FT_TRAP_SAVE },
	{ "FPU_GUEST_LIVE", FT_LIVE },
	{ "trap", FT_TRAP },
	{ "trap, host dirty", FT_TRAP_SAVE },
	{ "live, FP enabled", FT_LIVE },
};

static const char *const ft_plan_name[] = {
	"FPU_GUEST_TRAP", "FPU_GUEST_TRAP_SAVE", "FPU_GUEST_LIVE", "unknown",
};

/* ---- guest ---- */

/*
 * One run: FP at once after every entry; @hvcs in-kernel exits, then one
 * to us.
 */
static void guest_run(uint64_t mmio, uint64_t hvcs)
{
	asm volatile("	mov	x9, %1\n"
		     "1:	fmov	d0, x9\n"
		     "	mov	x0, #0x84000000\n"	/* PSCI_VERSION */
		     "	hvc	#0\n"
		     "	subs	x9, x9, #1\n"
		     "	b.ne	1b\n"
		     "	fmov	d0, x9\n"
		     "	str	xzr, [%0]\n"
		     : : "r" (mmio), "r" (hvcs)
		     : "x0", "x1", "x2", "x3", "x9", "v0", "memory", "cc");
}

static void guest_main(uint64_t mmio, uint64_t hvcs)
{
	for (;;)
		guest_run(mmio, hvcs);
}

/* An SME vCPU: PSTATE.ZA set for the first @za_runs runs, then cleared. */
static void guest_za_main(uint64_t mmio, uint64_t hvcs, uint64_t za_runs)
{
	uint64_t run;

	fp_guest_sme_max_len();
	asm volatile(SMSTART_ZA : : : "memory");
	for (run = 0;; run++) {
		if (run == za_runs)
			asm volatile(SMSTOP_ZA : : : "memory");
		guest_run(mmio, hvcs);
	}
}

/* ---- host ---- */

static int ft_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void ft_must_write(const char *path, const char *val)
{
	int r = ft_write(path, val);

	TEST_ASSERT(!r, "write '%s' to %s: %s", val, path, strerror(-r));
}

static enum ft_plan ft_label_plan(const char *label)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ft_labels); i++)
		if (!strcmp(label, ft_labels[i].label))
			return ft_labels[i].plan;
	return FT_UNKNOWN;
}

struct ft_event {
	bool trap;		/* kvm_fp_trap, else kvm_fp_enter */
	bool host_saved;	/* trap: the VMM's registers were saved */
	enum ft_plan plan;	/* enter: what its label claims */
	char label[40];
};

/* The vCPU's events from the trace, in order; returns how many. */
static int ft_read(struct ft_event *ev, int max)
{
	FILE *f = fopen(FT_TRACEFS "/trace", "r");
	char line[512], *p;
	unsigned int vcpu;
	int n = 0, cpu, len;

	TEST_ASSERT(f, "open " FT_TRACEFS "/trace: %s", strerror(errno));
	while (n < max && fgets(line, sizeof(line), f)) {
		struct ft_event *e = &ev[n];

		line[strcspn(line, "\n")] = 0;
		p = strstr(line, " kvm_fp_enter: ");
		if (p) {
			e->trap = false;
			if (sscanf(p, " kvm_fp_enter: vcpu %u cpu %d: %n",
				   &vcpu, &cpu, &len) < 2)
				continue;
			snprintf(e->label, sizeof(e->label), "%s", p + len);
			e->plan = ft_label_plan(e->label);
			n++;
			continue;
		}
		p = strstr(line, " kvm_fp_trap: ");
		if (!p)
			continue;
		e->trap = true;
		e->host_saved = !!strstr(p, ", host saved");
		n++;
	}
	fclose(f);
	return n;
}

/* @runs runs of @vcpu, each ending in an MMIO exit, traced from empty. */
static void ft_traced_runs(struct kvm_vcpu *vcpu, int runs)
{
	int i;

	ft_must_write(FT_TRACEFS "/trace", "");
	ft_must_write(FT_TRACEFS "/tracing_on", "1");
	for (i = 0; i < runs; i++) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
	}
	ft_must_write(FT_TRACEFS "/tracing_on", "0");
}

/* The vCPU's kvm_fp_za events in the trace: ZA loads and saves. */
static void ft_read_za(unsigned int *loads, unsigned int *saves)
{
	FILE *f = fopen(FT_TRACEFS "/trace", "r");
	char line[512], *p;

	TEST_ASSERT(f, "open " FT_TRACEFS "/trace: %s", strerror(errno));
	*loads = *saves = 0;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " kvm_fp_za: ");
		if (!p)
			continue;
		if (strstr(p, ": guest ZA loaded"))
			(*loads)++;
		else if (strstr(p, ": guest ZA saved"))
			(*saves)++;
	}
	fclose(f);
}

/*
 * @runs runs of the SME vCPU, traced: are the kvm_fp_za events the growth
 * of its ZA stats, and is that at least @runs of each (@za) or none?
 */
static bool ft_za_runs(struct kvm_vcpu *vcpu, unsigned int runs, bool za,
		       const char *what)
{
	uint64_t l0, s0, l1, s1;
	unsigned int loads, saves;

	TEST_ASSERT(fp_vcpu_stat(vcpu, "fp_guest_za_load", &l0) &&
		    fp_vcpu_stat(vcpu, "fp_guest_za_save", &s0),
		    "no fp_guest_za_load/save stats");
	ft_traced_runs(vcpu, runs);
	fp_vcpu_stat(vcpu, "fp_guest_za_load", &l1);
	fp_vcpu_stat(vcpu, "fp_guest_za_save", &s1);
	ft_read_za(&loads, &saves);
	ksft_print_msg("%s, %u runs: events ZA loaded %u, saved %u; stats +%lu, +%lu\n",
		       what, runs, loads, saves, l1 - l0, s1 - s0);
	if (loads != l1 - l0 || saves != s1 - s0)
		return false;
	return za ? loads >= runs && saves >= runs : !loads && !saves;
}

static void test_guest_za_events(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char filter[64];
	bool ok;

	if (!kvm_has_cap(KVM_CAP_ARM_SME)) {
		ksft_test_result_skip("guest-za-events: no KVM_CAP_ARM_SME\n");
		return;
	}
	vm = vm_create(1);
	vcpu = fp_vcpu_add(vm, 0, guest_za_main, FP_VL_ALL, FP_VL_ALL);
	sync_global_from_guest(vm, ucall_exit_mmio_addr);
	vcpu_args_set(vcpu, 3, (uint64_t)ucall_exit_mmio_addr,
		      (uint64_t)FT_HVCS, (uint64_t)(FT_RUNS + 1));

	/* The first run loads a ZA that was never saved: not counted. */
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
	ft_must_write(FT_TRACEFS "/tracing_on", "0");
	snprintf(filter, sizeof(filter), "common_pid == %d", getpid());
	ft_must_write(FT_EVENTS "/filter", filter);
	ft_must_write(FT_EVENTS "/kvm_fp_za/enable", "1");
	ok = ft_za_runs(vcpu, FT_RUNS, true, "PSTATE.ZA set");
	/* The run that clears PSTATE.ZA loads ZA once more; then none. */
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
	ok &= ft_za_runs(vcpu, FT_RUNS, false, "PSTATE.ZA clear");
	ft_must_write(FT_EVENTS "/kvm_fp_za/enable", "0");
	ft_must_write(FT_EVENTS "/filter", "0");
	ft_must_write(FT_TRACEFS "/trace", "");
	ft_must_write(FT_TRACEFS "/tracing_on", "1");
	kvm_vm_free(vm);
	ksft_test_result(ok, "guest-za-events\n");
}

/* kvm_fp_enter's plan labels against the traps that follow them. */
static void test_plan_labels(void)
{
	struct ft_event *ev = calloc(4096, sizeof(*ev));
	unsigned int checked_save = 0, checked_trap = 0, live = 0;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char filter[64];
	int i, n;
	bool ok = true;

	TEST_ASSERT(ev, "out of memory");
	vm = vm_create_with_one_vcpu(&vcpu, guest_main);
	/* The ucall page (its guest VA): stores exit to this program. */
	sync_global_from_guest(vm, ucall_exit_mmio_addr);
	vcpu_args_set(vcpu, 2, (uint64_t)ucall_exit_mmio_addr,
		      (uint64_t)FT_HVCS);

	ft_must_write(FT_TRACEFS "/tracing_on", "0");
	snprintf(filter, sizeof(filter), "common_pid == %d", getpid());
	ft_must_write(FT_EVENTS "/filter", filter);
	ft_must_write(FT_EVENTS "/kvm_fp_enter/enable", "1");
	ft_must_write(FT_EVENTS "/kvm_fp_trap/enable", "1");
	ft_traced_runs(vcpu, FT_RUNS);
	ft_must_write(FT_EVENTS "/kvm_fp_enter/enable", "0");
	ft_must_write(FT_EVENTS "/kvm_fp_trap/enable", "0");
	ft_must_write(FT_EVENTS "/filter", "0");
	n = ft_read(ev, 4096);
	ft_must_write(FT_TRACEFS "/trace", "");
	ft_must_write(FT_TRACEFS "/tracing_on", "1");
	kvm_vm_free(vm);

	for (i = 0; i < n; i++) {
		const struct ft_event *e = &ev[i];
		const struct ft_event *next = i + 1 < n ? &ev[i + 1] : NULL;
		enum ft_plan did;

		if (e->trap)
			continue;
		if (e->plan == FT_UNKNOWN) {
			ksft_print_msg("event %d: label '%s' names no plan\n",
				       i, e->label);
			ok = false;
			continue;
		}
		if (e->plan == FT_LIVE && (!next || !next->trap))
			live++;
		if (!next || !next->trap)
			continue;
		did = next->host_saved ? FT_TRAP_SAVE : FT_TRAP;
		if (did == FT_TRAP_SAVE)
			checked_save++;
		else
			checked_trap++;
		if (e->plan != did) {
			ksft_print_msg("event %d: entry '%s' (%s), next a trap that %s (%s)\n",
				       i, e->label, ft_plan_name[e->plan],
				       next->host_saved ? "saved the VMM" :
							  "saved nothing",
				       ft_plan_name[did]);
			ok = false;
		}
	}
	ksft_print_msg("%d events; entries followed by a trap that saved the VMM: %u,\n",
		       n, checked_save);
	ksft_print_msg("  by a trap that saved nothing: %u, labelled live and no trap: %u\n",
		       checked_trap, live);
	if (!checked_save || !live) {
		ksft_print_msg("the runs showed no %s\n",
			       !checked_save ? "trap that saved the VMM" :
					       "entry labelled live");
		ok = false;
	}
	ksft_test_result(ok, "plan-labels\n");
	free(ev);
}

/* Each reports one result, in this order. */
static void (* const ft_tests[])(void) = {
	test_plan_labels,
	test_guest_za_events,
};

int main(void)
{
	unsigned int i;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(ft_tests));
	if (access(FT_EVENTS "/kvm_fp_enter/enable", W_OK)) {
		ksft_test_result_skip("plan-labels: no kvm_fp tracepoints (%s)\n",
				      strerror(errno));
		ksft_test_result_skip("guest-za-events: no kvm_fp tracepoints\n");
		ksft_finished();
	}
	/*
	 * Protected KVM writes the VMM back at vcpu_load, so no entry plans
	 * the save this case needs to see; it has no SME guests either.
	 */
	if (fp_kvm_protected()) {
		ksft_test_result_skip("plan-labels: %s\n",
				      "protected mode plans no VMM save");
		ksft_test_result_skip("guest-za-events: protected mode offers no SME guests\n");
		ksft_finished();
	}

	for (i = 0; i < ARRAY_SIZE(ft_tests); i++)
		ft_tests[i]();
	ksft_finished();
}
