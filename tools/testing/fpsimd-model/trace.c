// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace-driven model of lazy FP switching: four policies, one trace.
 *
 * A trace is what one vCPU thread and its CPU go through: KVM_RUN, guest
 * entries, the guest's first FP/SVE use, exits of each kind, sleeps,
 * preemptions, kernel-mode NEON, migration. It is replayed through:
 *
 *   x86     x86 KVM: fpu_swap_kvm_fpstate() swaps the guest's fpstate in
 *           at the start of KVM_RUN and out at its end, both eagerly; in
 *           between the guest's fpstate is the task's, saved when the
 *           task is switched out or a kernel-mode FPU user needs the
 *           registers, restored before entry if someone else used them
 *   stock   arm64 6.12 as shipped: the host is saved and flushed at every
 *           vcpu_load, the guest is loaded on its first trap and saved
 *           and flushed at vcpu_put
 *   lazy    arm64 4.18 to 6.13: nothing at vcpu_load; the first trap saves
 *           the host if its registers are still live, then loads the
 *           guest; vcpu_put saves and flushes the guest
 *   ours    this tree: the decisions of arch/arm64/kernel/fpsimd/policy.h
 *           itself, driven in the order the kernel calls them
 *
 * and prints, per trace, the register transfers (host = the VMM thread's
 * own state, guest, other = other tasks) and the guest's FP traps, per
 * iteration. For "ours" the counts are those of the vCPU's binary stats
 * (fp_host_save, fp_guest_load, fp_guest_save, fp_trap,
 * fp_reload_avoided); `make model-check` requires them to equal what
 * `make bench` measured for the same workloads.
 *
 * usage: trace [-i iters] [-w warm] [-c] [CLASS...]
 *   CLASS is exit/work as in fp_bench (user, hvc, wfi, preempt; none, fp1,
 *   sve1, fpall, sveall) or one of the extra traces (kthread, neon,
 *   migrate). -c prints "class policy counters" lines of whole-batch
 *   totals for the comparison with the bench; by default a table of
 *   per-iteration figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NCPU	2
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum ctx { C_HOST, C_GUEST, C_OTHER, NR_CTX };

struct counts {
	unsigned long save[NR_CTX], load[NR_CTX];
	unsigned long trap, reload_avoided;
	unsigned long trap_host_save;	/* by the trap: KVM's fp_host_save */
};

static struct counts cnt;

/* ---- ours: policy.h with a register file that only counts ---- */

/* The kernel's enum fp_type: the save layouts a context may ask for. */
enum fp_type { FP_STATE_CURRENT, FP_STATE_FPSIMD, FP_STATE_SVE };

struct fpstate {
	int	last_cpu;
	int	ctx;
	int	save_as;	/* FP_STATE_FPSIMD inside KVM_RUN (a syscall) */
};

#define FPOWN_ASSERT(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "trace: assertion failed: %s\n", #c); \
			exit(2);					\
		}							\
	} while (0)

static void fpown_hw_save(struct fpstate *st)
{
	cnt.save[st->ctx]++;
}

static void fpown_hw_load(struct fpstate *st)
{
	cnt.load[st->ctx]++;
}

#include "../../../arch/arm64/kernel/fpsimd/policy.h"

/* The events of a trace. */
enum ev {
	E_RUN,		/* KVM_RUN from userspace: syscall, vcpu_load */
	E_ENTER,	/* guest entry */
	E_FP,		/* the guest uses FP/SVE */
	E_EXIT,		/* the guest exits; handled in the kernel */
	E_USER,		/* KVM_RUN returns: vcpu_put, back to userspace */
	E_SLEEP,	/* the thread blocks (WFI): vcpu_put, switched out */
	E_WAKE,		/* it runs again on the same CPU: vcpu_load */
	E_RIVAL,	/* a task that uses FP in userspace runs meanwhile */
	E_KTHREAD,	/* a kernel thread (no FP) runs meanwhile */
	E_NEON,		/* softirq kernel-mode NEON interrupts the host side */
	E_MIGRATE,	/* the thread wakes on the other CPU */
};

/* Each policy: its state and one handler per event. */
struct policy {
	const char *name;
	void (*reset)(void);
	void (*ev)(enum ev e);
};

static int cpu;			/* where the vCPU thread runs */

/* ours */
static struct {
	struct fpown_cpu pc[NCPU];
	struct fpstate st[NR_CTX];
	int foreign;		/* TIF_FOREIGN_FPSTATE of the VMM thread */
	int plan, traps_off, after_load;
} O;

static void ours_reset(void)
{
	int i;

	memset(&O, 0, sizeof(O));
	for (i = 0; i < NR_CTX; i++)
		O.st[i] = (struct fpstate){ .last_cpu = FPOWN_NO_CPU, .ctx = i };
	O.foreign = 1;
}

/* fpsimd_thread_switch(): always through the return path */
static void ours_switch_in(void)
{
	O.foreign = 1;
}

static void ours_switch_out(void)
{
	fpctx_vcpu_put(&O.pc[cpu], cpu, &O.st[C_GUEST]);
	fpctx_switch_out(&O.pc[cpu], cpu, &O.st[C_HOST]);
}

static void ours_ev(enum ev e)
{
	struct fpown_cpu *pc = &O.pc[cpu];

	switch (e) {
	case E_RUN:
		O.st[C_HOST].save_as = FP_STATE_FPSIMD;
		O.after_load = 1;
		break;
	case E_ENTER:
		O.plan = fpctx_vcpu_enter(pc, cpu, &O.st[C_GUEST], &O.st[C_HOST]);
		O.traps_off = O.plan == FPCTX_LIVE;
		if (O.traps_off && O.after_load)
			cnt.reload_avoided++;
		O.after_load = 0;
		break;
	case E_FP:
		if (O.traps_off)
			break;
		/* What the hypervisor does on the plan, then the record. */
		cnt.trap++;
		if (O.plan == FPCTX_TRAP_SAVE) {
			cnt.save[C_HOST]++;
			cnt.trap_host_save++;
		}
		cnt.load[C_GUEST]++;
		fpctx_guest_trapped(pc, cpu, &O.st[C_GUEST], &O.st[C_HOST],
				    O.plan);
		O.foreign = 1;
		O.traps_off = 1;
		break;
	case E_EXIT:
		break;
	case E_USER:
		fpctx_vcpu_put(pc, cpu, &O.st[C_GUEST]);
		if (O.foreign)
			fpctx_return_to_user(pc, cpu, &O.st[C_HOST]);
		O.st[C_HOST].save_as = FP_STATE_CURRENT;
		O.foreign = 0;
		break;
	case E_SLEEP:
		ours_switch_out();
		break;
	case E_WAKE:
		ours_switch_in();
		O.after_load = 1;
		break;
	case E_RIVAL:
		ours_switch_out();
		fpctx_return_to_user(pc, cpu, &O.st[C_OTHER]);
		fpctx_switch_out(pc, cpu, &O.st[C_OTHER]);
		ours_switch_in();
		O.after_load = 1;
		break;
	case E_KTHREAD:
		ours_switch_out();
		ours_switch_in();
		O.after_load = 1;
		break;
	case E_NEON:
		fpctx_kernel_begin(pc, cpu);
		O.foreign = 1;
		break;
	case E_MIGRATE:
		ours_switch_out();
		cpu = !cpu;
		ours_switch_in();
		O.after_load = 1;
		break;
	}
}

/*
 * The arm64 base kernels (stock and lazy) share the host core of that
 * time: a per-CPU "last state" (whose values the registers hold), the
 * thread's TIF_FOREIGN_FPSTATE, and a flush that forgets the registers.
 */
static struct {
	int last[NCPU];		/* context whose values CPU i holds, or -1 */
	int foreign;		/* TIF_FOREIGN_FPSTATE of the VMM thread */
	int guest_owned;	/* fp_owner == FP_STATE_GUEST_OWNED */
	int host_owned;		/* the lazy scheme's FP_HOST flag */
	int lazy;
} A;

static void arm_reset(int lazy)
{
	memset(&A, 0, sizeof(A));
	A.last[0] = -1;
	A.last[1] = -1;
	A.foreign = 1;
	A.lazy = lazy;
}

static void stock_reset(void) { arm_reset(0); }
static void lazy_reset(void) { arm_reset(1); }

/* fpsimd_save_and_flush_cpu_state(): write back what is live, forget it. */
static void arm_save_flush(void)
{
	if (A.guest_owned)
		cnt.save[C_GUEST]++;
	else if (!A.foreign && A.last[cpu] == C_HOST)
		cnt.save[C_HOST]++;
	A.last[cpu] = -1;
	A.guest_owned = 0;
	A.foreign = 1;
}

static void arm_put(void)
{
	if (A.guest_owned)
		arm_save_flush();
}

static void arm_ret_user(void)
{
	if (A.foreign) {
		cnt.load[C_HOST]++;
		A.last[cpu] = C_HOST;
	}
	A.foreign = 0;
}

static void arm_load(void)
{
	if (!A.lazy) {
		arm_save_flush();	/* 2025: the host is saved at load */
		return;
	}
	A.host_owned = !A.foreign;
}

static void arm_switch_out(void)
{
	arm_put();
	/* The task's own live registers are written back. */
	if (!A.foreign && A.last[cpu] == C_HOST)
		cnt.save[C_HOST]++;
}

static void arm_switch_in(void)
{
	A.foreign = A.last[cpu] != C_HOST;
}

static void arm_ev(enum ev e)
{
	switch (e) {
	case E_RUN:
		arm_load();
		break;
	case E_ENTER:
		/* kvm_arch_vcpu_ctxflush_fp() */
		if (A.foreign) {
			A.guest_owned = 0;
			A.host_owned = 0;
		}
		break;
	case E_FP:
		if (A.guest_owned)
			break;
		cnt.trap++;
		if (A.lazy && A.host_owned)
			cnt.save[C_HOST]++;
		cnt.load[C_GUEST]++;
		A.guest_owned = 1;
		A.host_owned = 0;
		/* ctxsync binds the guest's state to the CPU */
		A.last[cpu] = C_GUEST;
		A.foreign = 0;
		break;
	case E_EXIT:
		break;
	case E_USER:
		arm_put();
		arm_ret_user();
		break;
	case E_SLEEP:
		arm_switch_out();
		break;
	case E_WAKE:
		arm_switch_in();
		arm_load();
		break;
	case E_RIVAL:
		arm_switch_out();
		cnt.load[C_OTHER]++;
		A.last[cpu] = C_OTHER;
		cnt.save[C_OTHER]++;
		arm_switch_in();
		arm_load();
		break;
	case E_KTHREAD:
		arm_switch_out();
		arm_switch_in();
		arm_load();
		break;
	case E_NEON:
		/* kernel_neon_begin() saves whatever is bound and flushes */
		if (!A.foreign)
			cnt.save[A.last[cpu] == C_GUEST ? C_GUEST : C_HOST]++;
		A.last[cpu] = -1;
		A.foreign = 1;
		break;
	case E_MIGRATE:
		arm_switch_out();
		cpu = !cpu;
		arm_switch_in();
		arm_load();
		break;
	}
}

/*
 * x86: fpu_fpregs_owner_ctx and fpu::last_cpu say whether the registers
 * still hold a task's fpstate; TIF_NEED_FPU_LOAD says they may not. Inside
 * KVM_RUN the task's fpstate is the guest's.
 */
static struct {
	int owner[NCPU];	/* fpstate held by CPU i, or -1 */
	int need_load;		/* TIF_NEED_FPU_LOAD of the vCPU thread */
	int cur;		/* the thread's current fpstate: host or guest */
} X;

static void x86_reset(void)
{
	X.owner[0] = -1;
	X.owner[1] = -1;
	X.need_load = 1;
	X.cur = C_HOST;
}

/* fpu_swap_kvm_fpstate(): save the current one if live, load the other */
static void x86_swap(int to)
{
	if (!X.need_load)
		cnt.save[X.cur]++;
	X.cur = to;
	cnt.load[to]++;
	X.owner[cpu] = to;
	X.need_load = 0;
}

/* switch_fpu_prepare() for the vCPU thread, then another runs */
static void x86_switch_out(void)
{
	if (!X.need_load)
		cnt.save[X.cur]++;
	X.need_load = 1;
}

/* switch_fpu_return() before entry: restore only if not still valid */
static void x86_restore(void)
{
	if (X.need_load && X.owner[cpu] != X.cur) {
		cnt.load[X.cur]++;
		X.owner[cpu] = X.cur;
	}
	X.need_load = 0;
}

static void x86_ev(enum ev e)
{
	switch (e) {
	case E_RUN:
		x86_swap(C_GUEST);	/* kvm_load_guest_fpu() */
		break;
	case E_ENTER:
		x86_restore();
		break;
	case E_FP:			/* no trap: the guest's state is loaded */
	case E_EXIT:
		break;
	case E_USER:
		x86_swap(C_HOST);	/* kvm_put_guest_fpu() */
		break;
	case E_SLEEP:
	case E_KTHREAD:
		x86_switch_out();
		break;
	case E_WAKE:
		break;
	case E_RIVAL:
		x86_switch_out();
		cnt.load[C_OTHER]++;
		cnt.save[C_OTHER]++;
		X.owner[cpu] = C_OTHER;
		break;
	case E_NEON:
		/* kernel_fpu_begin() saves the live fpstate, invalidates */
		if (!X.need_load)
			cnt.save[X.cur]++;
		X.need_load = 1;
		X.owner[cpu] = -1;
		break;
	case E_MIGRATE:
		x86_switch_out();
		cpu = !cpu;
		break;
	}
}

static const struct policy policies[] = {
	{ "x86",   x86_reset,   x86_ev },
	{ "stock", stock_reset, arm_ev },
	{ "lazy",  lazy_reset,  arm_ev },
	{ "ours",  ours_reset,  ours_ev },
};

#define NR_POLICIES	ARRAY_SIZE(policies)

/* The trace of one fp_bench batch of @n iterations of @exit with @fp use. */
static void batch(const struct policy *p, const char *exit, int fp,
		  unsigned int n)
{
	unsigned int i;

	p->ev(E_RUN);
	for (i = 0; i < n; i++) {
		p->ev(E_ENTER);
		if (fp)
			p->ev(E_FP);
		p->ev(E_EXIT);
		if (!strcmp(exit, "user")) {
			p->ev(E_USER);
			p->ev(E_RUN);
		} else if (!strcmp(exit, "wfi")) {
			p->ev(E_SLEEP);
			p->ev(E_WAKE);
		} else if (!strcmp(exit, "preempt")) {
			p->ev(E_RIVAL);
		} else if (!strcmp(exit, "kthread")) {
			p->ev(E_KTHREAD);
		} else if (!strcmp(exit, "neon")) {
			p->ev(E_NEON);
		} else if (!strcmp(exit, "migrate")) {
			p->ev(E_MIGRATE);
		}
	}
	/* GUEST_SYNC: the batch ends with an exit to userspace. */
	p->ev(E_ENTER);
	p->ev(E_EXIT);
	p->ev(E_USER);
}

static const char *const exits[] = {
	"user", "hvc", "wfi", "preempt", "kthread", "neon", "migrate",
};

static const char *const works[] = { "none", "fp1", "sve1", "fpall", "sveall" };

static int known(const char *cls, char *exit, int *fp)
{
	const char *slash = strchr(cls, '/');
	size_t i, len;

	if (!slash)
		return 0;
	len = slash - cls;
	for (i = 0; i < ARRAY_SIZE(exits); i++)
		if (strlen(exits[i]) == len && !strncmp(cls, exits[i], len))
			break;
	if (i == ARRAY_SIZE(exits))
		return 0;
	memcpy(exit, cls, len);
	exit[len] = 0;
	for (i = 0; i < ARRAY_SIZE(works); i++) {
		if (!strcmp(slash + 1, works[i])) {
			*fp = i != 0;
			return 1;
		}
	}
	return 0;
}

/* Run warm-up and one measured batch; leave the measured batch's counts. */
static void measure(const struct policy *p, const char *exit, int fp,
		    unsigned int warm, unsigned int iters)
{
	cpu = 0;
	p->reset();
	/* The VMM thread starts in userspace with its registers loaded. */
	p->ev(E_USER);
	batch(p, exit, fp, warm);
	memset(&cnt, 0, sizeof(cnt));
	batch(p, exit, fp, iters);
}

static void bad_args(const char *prog)
{
	fprintf(stderr, "usage: %s [-i iters] [-w warm] [-c] [exit/work...]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int iters = 1000, warm = 50, i, j, k, nr = 0;
	const char *cls[64];
	char name[32], exit_kind[16];
	int opt, compare = 0, fp;
	size_t p;

	while ((opt = getopt(argc, argv, "i:w:c")) != -1) {
		switch (opt) {
		case 'i':
			iters = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			warm = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			compare = 1;
			break;
		default:
			bad_args(argv[0]);
		}
	}
	if (!iters)
		bad_args(argv[0]);
	for (; optind < argc && nr < 64; optind++)
		cls[nr++] = argv[optind];
	if (!nr) {
		static char all[7 * 5][24];

		for (i = 0; i < 7; i++)
			for (j = 0; j < 5; j++) {
				if (i >= 4 && j != 1 && j != 0)
					continue;
				snprintf(all[nr], sizeof(all[nr]), "%s/%s",
					 exits[i], works[j]);
				cls[nr] = all[nr];
				nr++;
			}
	}

	if (!compare)
		printf("%-14s %-5s %5s %5s %5s %5s %5s %5s %5s %5s\n", "class",
		       "", "hsave", "hload", "gsave", "gload", "osave",
		       "oload", "traps", "reuse");
	for (k = 0; k < nr; k++) {
		if (!known(cls[k], exit_kind, &fp)) {
			fprintf(stderr, "trace: unknown class '%s'\n", cls[k]);
			return 2;
		}
		snprintf(name, sizeof(name), "%s", cls[k]);
		for (p = 0; p < NR_POLICIES; p++) {
			measure(&policies[p], exit_kind, fp, warm, iters);
			if (compare) {
				printf("%s %s", name, policies[p].name);
				printf(" fp_host_save=%lu", cnt.trap_host_save);
				printf(" fp_guest_load=%lu", cnt.load[C_GUEST]);
				printf(" fp_guest_save=%lu", cnt.save[C_GUEST]);
				printf(" fp_trap=%lu", cnt.trap);
				printf(" fp_reload_avoided=%lu\n",
				       cnt.reload_avoided);
				continue;
			}
			printf("%-14s %-5s", p ? "" : name, policies[p].name);
			for (i = 0; i < NR_CTX; i++)
				printf(" %5.2f %5.2f", (double)cnt.save[i] / iters,
				       (double)cnt.load[i] / iters);
			printf(" %5.2f %5.2f\n", (double)cnt.trap / iters,
			       (double)cnt.reload_avoided / iters);
		}
	}
	return 0;
}
