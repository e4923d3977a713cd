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
 * The stock kernel has no kvm_fp events: the test skips there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* FP at once after every entry; @hvcs in-kernel exits, then one to us. */
static void guest_main(uint64_t mmio, uint64_t hvcs)
{
	asm volatile("1:	mov	x9, %1\n"
		     "2:	fmov	d0, x9\n"
		     "	mov	x0, #0x84000000\n"	/* PSCI_VERSION */
		     "	hvc	#0\n"
		     "	subs	x9, x9, #1\n"
		     "	b.ne	2b\n"
		     "	fmov	d0, x9\n"
		     "	str	xzr, [%0]\n"
		     "	b	1b\n"
		     : : "r" (mmio), "r" (hvcs)
		     : "x0", "x1", "x2", "x3", "x9", "v0", "memory", "cc");
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

int main(void)
{
	struct ft_event *ev = calloc(4096, sizeof(*ev));
	unsigned int checked_save = 0, checked_trap = 0, live = 0;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char filter[64];
	int i, n;
	bool ok = true;

	ksft_print_header();
	ksft_set_plan(1);
	TEST_ASSERT(ev, "out of memory");
	if (access(FT_EVENTS "/kvm_fp_enter/enable", W_OK)) {
		ksft_test_result_skip("plan-labels: no kvm_fp tracepoints (%s)\n",
				      strerror(errno));
		ksft_finished();
	}

	vm = vm_create_with_one_vcpu(&vcpu, guest_main);
	/* The ucall page (its guest VA): stores exit to this program. */
	sync_global_from_guest(vm, ucall_exit_mmio_addr);
	vcpu_args_set(vcpu, 2, (uint64_t)ucall_exit_mmio_addr,
		      (uint64_t)FT_HVCS);

	ft_must_write(FT_TRACEFS "/tracing_on", "0");
	ft_must_write(FT_TRACEFS "/trace", "");
	snprintf(filter, sizeof(filter), "common_pid == %d", getpid());
	ft_must_write(FT_EVENTS "/filter", filter);
	ft_must_write(FT_EVENTS "/kvm_fp_enter/enable", "1");
	ft_must_write(FT_EVENTS "/kvm_fp_trap/enable", "1");
	ft_must_write(FT_TRACEFS "/tracing_on", "1");

	for (i = 0; i < FT_RUNS; i++) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_MMIO);
	}

	ft_must_write(FT_TRACEFS "/tracing_on", "0");
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
	ksft_finished();
}
