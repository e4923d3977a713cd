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
 * usage: trace [-i iters] [-w warm] [-c] [-e record | -p] [CLASS...]
 *   CLASS is exit/work as in fp_bench (user, hvc, wfi, preempt; none, fp1,
 *   sve1, fpall, sveall) or one of the extra traces (kthread, neon,
 *   migrate). -c prints "class policy counters" lines of whole-batch
 *   totals for the comparison with the bench; by default a table of
 *   per-iteration figures.
 *
 *   -e replays, for one CLASS, the measured batch as fp_bench recorded it
 *   (its -T repetitions) instead of the class's own trace: the guest's
 *   work still comes from the class, every other event from the record,
 *   in order. -p prints the record an undisturbed batch of CLASS has.
 *
 * A record is comma-separated items, each a string of events optionally
 * followed by *N (N times the string); the events are
 *   m   userspace is about to call KVM_RUN (fp_bench's trace marker)
 *   e   a guest entry (kvm_fp_enter)
 *   t   the guest's FP/SVE access trapped (kvm_fp_trap): only says where
 *       the guest's work happened, not what the policy did about it
 *   x   an exit of the class's kind, or the batch's final ucall
 *   u   KVM_RUN returns to userspace (kvm_userspace_exit); uu at the end
 *       of a batch is the ucall's MMIO completed without an entry
 *   P S the thread is preempted (P) or sleeps (S) with the vCPU loaded
 *   p s the same outside KVM_RUN: it returns to userspace afterwards
 *   h H the same in KVM_RUN before vcpu_load: no return to userspace
 *   o   meanwhile another task ran in userspace (its FP state loaded)
 *   k   meanwhile a kernel thread ran
 *   i   the thread runs again
 * A record that does not have one exit per iteration plus the final one,
 * or has any other character, is refused (exit status 2): the run had an
 * event the model cannot replay.
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
	unsigned long switches;		/* the vCPU thread switched out */
};

static struct counts cnt;

/* ---- ours: policy.h with a register file that only counts ---- */

/* The kernel's enum fp_type: the save layouts a context may ask for. */
enum fp_type { FP_STATE_CURRENT, FP_STATE_FPSIMD, FP_STATE_SVE };
/* The kernel's enum fpu_guest_plan (asm/fpu_guest.h): a guest entry's plan. */
enum fpu_guest_plan { FPU_GUEST_TRAP, FPU_GUEST_TRAP_SAVE, FPU_GUEST_LIVE };

struct fpstate {
	int	last_cpu;
	int	ctx;
	int	save_as;	/* FP_STATE_FPSIMD inside KVM_RUN (a syscall) */
	int	vmm_streak, vmm_skip;	/* kvm.fp_vmm_defer: not traced */
};

#define FPSTATE_WATCH_OFF	0
#define FPSTATE_WATCH_ARMED	1
#define FPSTATE_WATCH_HIT	2
#define FPSTATE_WATCH_DEFER	3

#define FPREGS_ASSERT(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "trace: assertion failed: %s\n", #c); \
			exit(2);					\
		}							\
	} while (0)

static void fpstate_hw_save(struct fpstate *st)
{
	cnt.save[st->ctx]++;
}

static void fpstate_hw_load(struct fpstate *st)
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
	/* The parts of a switch, for recorded runs (-e). */
	E_OUT,		/* switched out with the vCPU loaded: KVM's put first */
	E_OUT_TASK,	/* switched out with no vCPU loaded */
	E_OTHER,	/* meanwhile another task runs in userspace */
	E_IN,		/* switched in with the vCPU loaded: vcpu_load */
	E_IN_USER,	/* switched in outside KVM_RUN: back to userspace */
	E_IN_HEAD,	/* switched in inside KVM_RUN before its vcpu_load */
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
	struct fpregs_cpu pc[NCPU];
	struct fpstate st[NR_CTX];
	int foreign;		/* TIF_FOREIGN_FPSTATE of the VMM thread */
	int plan, traps_off, after_load;
} O;

static void ours_reset(void)
{
	int i;

	memset(&O, 0, sizeof(O));
	for (i = 0; i < NR_CTX; i++)
		O.st[i] = (struct fpstate){ .last_cpu = FPSTATE_NO_CPU, .ctx = i };
	O.foreign = 1;
}

/* fpsimd_thread_switch(): always through the return path */
static void ours_switch_in(void)
{
	O.foreign = 1;
}

static void ours_switch_out(void)
{
	fpregs_sync(&O.pc[cpu], cpu, &O.st[C_GUEST]);
	fpregs_sync(&O.pc[cpu], cpu, &O.st[C_HOST]);
}

static void ours_ev(enum ev e)
{
	struct fpregs_cpu *pc = &O.pc[cpu];

	switch (e) {
	case E_RUN:
		O.st[C_HOST].save_as = FP_STATE_FPSIMD;
		O.after_load = 1;
		break;
	case E_ENTER:
		O.plan = fpregs_plan_entry(pc, cpu, &O.st[C_GUEST], &O.st[C_HOST]);
		O.traps_off = O.plan == FPU_GUEST_LIVE;
		if (O.traps_off && O.after_load)
			cnt.reload_avoided++;
		O.after_load = 0;
		break;
	case E_FP:
		if (O.traps_off)
			break;
		/* What the hypervisor does on the plan, then the record. */
		cnt.trap++;
		if (O.plan == FPU_GUEST_TRAP_SAVE) {
			cnt.save[C_HOST]++;
			cnt.trap_host_save++;
		}
		cnt.load[C_GUEST]++;
		fpregs_record_trap(pc, cpu, &O.st[C_GUEST], &O.st[C_HOST],
				   O.plan);
		O.foreign = 1;
		O.traps_off = 1;
		break;
	case E_EXIT:
		break;
	case E_USER:
		fpregs_sync(pc, cpu, &O.st[C_GUEST]);
		if (O.foreign)
			fpregs_load(pc, cpu, &O.st[C_HOST]);
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
		fpregs_load(pc, cpu, &O.st[C_OTHER]);
		fpregs_sync(pc, cpu, &O.st[C_OTHER]);
		ours_switch_in();
		O.after_load = 1;
		break;
	case E_KTHREAD:
		ours_switch_out();
		ours_switch_in();
		O.after_load = 1;
		break;
	case E_NEON:
		fpregs_release(pc, cpu);
		O.foreign = 1;
		break;
	case E_MIGRATE:
		ours_switch_out();
		cpu = !cpu;
		ours_switch_in();
		O.after_load = 1;
		break;
	case E_OUT:
		ours_switch_out();
		break;
	case E_OUT_TASK:
		/* No vCPU loaded, so no put: only the task's own state. */
		fpregs_task_switch_out(pc, cpu, &O.st[C_HOST], NULL, 0);
		break;
	case E_OTHER:
		fpregs_load(pc, cpu, &O.st[C_OTHER]);
		fpregs_sync(pc, cpu, &O.st[C_OTHER]);
		break;
	case E_IN:
		ours_switch_in();
		O.after_load = 1;
		break;
	case E_IN_USER:
		ours_switch_in();
		fpregs_load(pc, cpu, &O.st[C_HOST]);
		O.foreign = 0;
		break;
	case E_IN_HEAD:
		ours_switch_in();
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
	case E_OUT:
	case E_OUT_TASK:
		arm_switch_out();
		break;
	case E_OTHER:
		cnt.load[C_OTHER]++;
		A.last[cpu] = C_OTHER;
		cnt.save[C_OTHER]++;
		break;
	case E_IN:
		arm_switch_in();
		arm_load();
		break;
	case E_IN_USER:
		arm_switch_in();
		arm_ret_user();
		break;
	case E_IN_HEAD:
		arm_switch_in();
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
	case E_OUT:
	case E_OUT_TASK:
		x86_switch_out();
		break;
	case E_OTHER:
		cnt.load[C_OTHER]++;
		cnt.save[C_OTHER]++;
		X.owner[cpu] = C_OTHER;
		break;
	case E_IN_USER:
		x86_restore();		/* switch_fpu_return() */
		break;
	case E_IN:
	case E_IN_HEAD:
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

/*
 * The record being written (-p): the events fp_bench's tracing would show
 * for the events replayed, in its letters (see the top of this file).
 */
static char *rec_out;
static size_t rec_len, rec_size;

static void rec_put(const char *s)
{
	size_t n = strlen(s);

	if (!rec_out)
		return;
	if (rec_len + n + 1 > rec_size) {
		rec_size = 2 * (rec_len + n + 1);
		rec_out = realloc(rec_out, rec_size);
		if (!rec_out) {
			fprintf(stderr, "trace: out of memory\n");
			exit(2);
		}
	}
	memcpy(rec_out + rec_len, s, n + 1);
	rec_len += n;
}

/* One event of a batch: counted, written to the record, replayed. */
static void ev(const struct policy *p, enum ev e)
{
	static const char *const letters[] = {
		[E_RUN] = "m", [E_ENTER] = "e", [E_EXIT] = "x", [E_USER] = "u",
		[E_SLEEP] = "S", [E_WAKE] = "i", [E_RIVAL] = "Poi",
		[E_KTHREAD] = "Pki",
	};
	unsigned long traps = cnt.trap;

	switch (e) {
	case E_SLEEP:
	case E_RIVAL:
	case E_KTHREAD:
	case E_MIGRATE:
	case E_OUT:
	case E_OUT_TASK:
		cnt.switches++;
		break;
	default:
		break;
	}
	p->ev(e);
	if (!rec_out)
		return;
	if (e == E_FP) {
		if (cnt.trap != traps)
			rec_put("t");
	} else if (e < ARRAY_SIZE(letters) && letters[e]) {
		rec_put(letters[e]);
	} else {
		fprintf(stderr, "trace: this class has events fp_bench does not record\n");
		exit(2);
	}
}

/* The trace of one fp_bench batch of @n iterations of @exit with @fp use. */
static void batch(const struct policy *p, const char *exit, int fp,
		  unsigned int n)
{
	unsigned int i;

	ev(p, E_RUN);
	for (i = 0; i < n; i++) {
		ev(p, E_ENTER);
		if (fp)
			ev(p, E_FP);
		ev(p, E_EXIT);
		if (!strcmp(exit, "user")) {
			ev(p, E_USER);
			ev(p, E_RUN);
		} else if (!strcmp(exit, "wfi")) {
			ev(p, E_SLEEP);
			ev(p, E_WAKE);
		} else if (!strcmp(exit, "preempt")) {
			ev(p, E_RIVAL);
		} else if (!strcmp(exit, "kthread")) {
			ev(p, E_KTHREAD);
		} else if (!strcmp(exit, "neon")) {
			ev(p, E_NEON);
		} else if (!strcmp(exit, "migrate")) {
			ev(p, E_MIGRATE);
		}
	}
	/* GUEST_SYNC: the batch ends with an exit to userspace. */
	ev(p, E_ENTER);
	ev(p, E_EXIT);
	ev(p, E_USER);
}

static void bad_record(const char *why, long at)
{
	if (at >= 0)
		fprintf(stderr, "trace: record: %s (event %ld)\n", why, at);
	else
		fprintf(stderr, "trace: record: %s\n", why);
	exit(2);
}

/* Expand a record's "string*N" items into one string of events. */
static char *expand(const char *rec)
{
	size_t len = 0, size = 0;
	char *out = NULL;
	const char *item = rec, *end, *star;
	unsigned long n, j;
	size_t k;

	while (*item) {
		end = strchr(item, ',');
		if (!end)
			end = item + strlen(item);
		star = memchr(item, '*', end - item);
		n = 1;
		if (star) {
			char *stop;

			n = strtoul(star + 1, &stop, 10);
			if (stop != end || !n)
				bad_record("a bad repeat count", -1);
		} else {
			star = end;
		}
		k = star - item;
		if (!k)
			bad_record("an empty item", -1);
		for (j = 0; j < n; j++) {
			if (len + k + 1 > size) {
				size = 2 * (len + k + 1);
				out = realloc(out, size);
				if (!out)
					bad_record("out of memory", -1);
			}
			memcpy(out + len, item, k);
			len += k;
		}
		item = *end ? end + 1 : end;
	}
	if (!out)
		bad_record("empty", -1);
	out[len] = 0;
	return out;
}

/*
 * Replay a recorded batch of @n iterations through @p. The guest's work
 * is the class's: once per iteration when @fp, after the entry that
 * trapped if one did, else after the iteration's first entry. Which
 * entries trap, what is saved and loaded, is the policy's to decide.
 */
static void replay(const struct policy *p, int fp, unsigned int n,
		   const char *ev_str)
{
	size_t len = strlen(ev_str), i, at;
	long *fp_at = calloc(n + 1, sizeof(*fp_at));
	unsigned long k = 0;
	int run = 1;		/* a KVM_RUN's vcpu_load is still to come */
	char out = 0;		/* how the thread was switched out */

	if (!fp_at)
		bad_record("out of memory", -1);
	/* Where each iteration's work is done: one pass per window. */
	for (i = 0; i < len; i++) {
		if (ev_str[i] == 'x' && ++k > n + 1)
			break;
	}
	if (k != n + 1) {
		fprintf(stderr,
			"trace: record: %lu exits, the batch has %u iterations and a final exit\n",
			k, n);
		exit(2);
	}
	for (k = 0, i = 0; k < n; k++) {
		long first = -1, last = -1, trapped = -1;

		for (; ev_str[i] != 'x'; i++) {
			if (ev_str[i] == 'e') {
				last = i;
				if (first < 0)
					first = i;
			} else if (ev_str[i] == 't' && trapped < 0) {
				trapped = last;
				if (last < 0)
					bad_record("a trap before any entry", i);
			}
		}
		if (first < 0)
			bad_record("an exit without an entry", i);
		fp_at[k] = trapped >= 0 ? trapped : first;
		i++;
	}

	for (k = 0, at = 0; at < len; at++) {
		switch (ev_str[at]) {
		case 'm':
		case 't':
		case 'k':
			break;
		case 'e':
			if (run)
				ev(p, E_RUN);
			run = 0;
			ev(p, E_ENTER);
			if (fp && k < n && fp_at[k] == (long)at)
				ev(p, E_FP);
			break;
		case 'x':
			ev(p, E_EXIT);
			k++;
			break;
		case 'u':
			ev(p, E_USER);
			run = 1;
			break;
		case 'P':
		case 'S':
			if (run)
				ev(p, E_RUN);
			run = 0;
			ev(p, E_OUT);
			out = 'l';
			break;
		case 'p':
		case 's':
			ev(p, E_OUT_TASK);
			out = 'u';
			break;
		case 'h':
		case 'H':
			ev(p, E_OUT_TASK);
			out = 'h';
			break;
		case 'o':
			if (!out)
				bad_record("another task ran, but the thread was not out", at);
			ev(p, E_OTHER);
			break;
		case 'i':
			if (!out)
				bad_record("switched in, but never out", at);
			ev(p, out == 'l' ? E_IN : out == 'u' ? E_IN_USER : E_IN_HEAD);
			out = 0;
			break;
		case '?':
			bad_record("a task of unknown kind ran meanwhile", at);
			break;
		case '!':
			bad_record("the trace lost events", at);
			break;
		default:
			fprintf(stderr,
				"trace: record: '%c' is no event the model replays (event %zu)\n",
				ev_str[at], at);
			exit(2);
		}
	}
	if (out)
		bad_record("the thread was still switched out at the end", -1);
	free(fp_at);
}

static void print_item(const char *w, size_t len, unsigned long n, int first)
{
	printf("%s%.*s", first ? "" : ",", (int)len, w);
	if (n > 1)
		printf("*%lu", n);
}

/* Print @ev_str as a record: runs of equal windows (up to an exit) as *N. */
static void print_record(const char *ev_str)
{
	const char *w = ev_str, *next, *prev = NULL;
	size_t len, plen = 0;
	unsigned long n = 0;

	for (; *w; w = next) {
		next = strchr(w, 'x');
		next = next ? next + 1 : w + strlen(w);
		len = next - w;
		if (prev && len == plen && !memcmp(w, prev, len)) {
			n++;
			continue;
		}
		if (prev)
			print_item(prev, plen, n, prev == ev_str);
		prev = w;
		plen = len;
		n = 1;
	}
	if (prev)
		print_item(prev, plen, n, prev == ev_str);
	printf("\n");
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

/*
 * Run warm-up and one measured batch, the class's own or the one recorded
 * in @ev_str; leave the measured batch's counts.
 */
static void measure(const struct policy *p, const char *exit, int fp,
		    unsigned int warm, unsigned int iters, const char *ev_str)
{
	cpu = 0;
	p->reset();
	/* The VMM thread starts in userspace with its registers loaded. */
	p->ev(E_USER);
	batch(p, exit, fp, warm);
	memset(&cnt, 0, sizeof(cnt));
	rec_len = 0;
	if (ev_str)
		replay(p, fp, iters, ev_str);
	else
		batch(p, exit, fp, iters);
}

static void bad_args(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-i iters] [-w warm] [-c] [-e record | -p] [exit/work...]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int iters = 1000, warm = 50, i, j, k, nr = 0;
	const char *cls[64];
	char name[32], exit_kind[16];
	int opt, compare = 0, fp, print = 0;
	char *ev_str = NULL;
	size_t p;

	while ((opt = getopt(argc, argv, "i:w:ce:p")) != -1) {
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
		case 'e':
			ev_str = expand(optarg);
			break;
		case 'p':
			print = 1;
			break;
		default:
			bad_args(argv[0]);
		}
	}
	if (!iters)
		bad_args(argv[0]);
	for (; optind < argc && nr < 64; optind++)
		cls[nr++] = argv[optind];
	if ((ev_str || print) && (nr != 1 || (ev_str && print)))
		bad_args(argv[0]);
	if (print) {
		if (!known(cls[0], exit_kind, &fp)) {
			fprintf(stderr, "trace: unknown class '%s'\n", cls[0]);
			return 2;
		}
		rec_size = 64;
		rec_out = calloc(1, rec_size);
		if (!rec_out)
			return 2;
		measure(&policies[NR_POLICIES - 1], exit_kind, fp, warm, iters,
			NULL);
		/*
		 * fp_bench's get_ucall() completes the final exit's MMIO with
		 * a KVM_RUN that does not enter the guest: a load and a put,
		 * nothing for this tree's counters.
		 */
		rec_put("u");
		print_record(rec_out);
		return 0;
	}
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
			measure(&policies[p], exit_kind, fp, warm, iters, ev_str);
			if (compare) {
				printf("%s %s", name, policies[p].name);
				printf(" fp_host_save=%lu", cnt.trap_host_save);
				printf(" fp_guest_load=%lu", cnt.load[C_GUEST]);
				printf(" fp_guest_save=%lu", cnt.save[C_GUEST]);
				printf(" fp_trap=%lu", cnt.trap);
				printf(" fp_reload_avoided=%lu", cnt.reload_avoided);
				printf(" switches=%lu\n", cnt.switches);
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
