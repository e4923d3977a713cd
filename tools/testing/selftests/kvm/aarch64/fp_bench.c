// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_bench - cost of guest FP/SVE state per vCPU exit, for `make bench`.
 *
 * One VM with one SVE vCPU (all vector lengths the host offers) per
 * measured class. The guest runs batches of iterations; an iteration does
 * some register work and then leaves the guest exactly once:
 *
 *   work:  none, fp1 (one V register), sve1 (one Z register), fpall
 *          (V0-V31 loaded), sveall (Z0-Z31, P0-P15 and FFR at the
 *          maximum vector length); 1, 1, 8 and 27 instructions
 *          (see FPB_LD1)
 *   exit:  user     a store to an unbacked address, seen by this program
 *                   as KVM_EXIT_MMIO and resumed at once; the loop that
 *                   resumes it uses no FP (no variadic call either: their
 *                   prologues store the FP argument registers)
 *          vmmfp    the same, the loop writing one V register before each
 *                   KVM_RUN: a VMM that uses FP on every round trip
 *          hvc      an SMCCC PSCI_VERSION call, answered by KVM
 *          wfi      WFI until a short virtual timer deadline (in-kernel
 *                   vGICv3); with kvm.halt_poll_ns=0 the thread sleeps
 *          preempt  a store to an ioeventfd address (answered by KVM)
 *                   that wakes a SCHED_FIFO thread pinned to the same
 *                   CPU; it preempts the vCPU thread, loads V0-V31 in
 *                   userspace and blocks again
 *
 * Each batch is timed with CLOCK_MONOTONIC around the KVM_RUN calls that
 * execute it. Under QEMU -icount shift=0 one nanosecond is one emulated
 * instruction, so the results are instruction counts and repeat exactly.
 *
 * After the timed repetitions of a class come -T traced ones (when the
 * kernel has the kvm_fp tracepoints): not timed, but with the vCPU
 * thread's events on its CPU recorded through tracefs (sched_switch,
 * kvm_fp_*, kvm_exit, kvm_userspace_exit), and printed as a record in the
 * letters of tools/testing/fpsimd-model/trace.c, which replays it for
 * `make model-check`: so a context switch that changes the KVM counters
 * changes the model's prediction too, instead of failing the comparison.
 *
 * On a host with SME, some classes run again with ZA live in a host
 * thread ("BENCH smeclass=" lines, the same fields plus za= and svl=):
 *
 *   za=vmm    the vCPU thread itself has PSTATE.ZA set across every
 *             KVM_RUN (ZA survives system calls), at the default and at
 *             the largest streaming vector length
 *   za=rival  the preempt class's rival thread has PSTATE.ZA set, so
 *             every preemption switches a task with SME state in and out
 *
 *   za=guest   the vCPU has SME (KVM_ARM_VCPU_SME) and the guest keeps
 *              PSTATE.ZA set through the class, its work unchanged
 *   za=guestsm the same with PSTATE.SM set as well, the work done on the
 *              streaming Z registers (only where the CPU has FA64: the
 *              guest's ucalls may use FP/SIMD instructions)
 *
 * The guest classes run with the vCPU's longest streaming length (its
 * KVM_REG_ARM64_SME_VLS, which sets the layout ZA moves in) at the host's
 * default and at the largest one, the guest at that length (SMCR_EL1.LEN);
 * their lines add the vCPU's fp_guest_za_load and fp_guest_za_save, which
 * the report holds to the least each exit kind needs.
 *
 * Stock has no SME (BROKEN in the base), so these are ours only; the
 * report sets each against the same class without ZA.
 *
 * The state classes time a vCPU's whole FP state moved by the VMM, GET
 * then SET, per round (-R rounds, best of -r repetitions):
 *
 *   state/oneioctl           KVM_ARM_GET_FP_STATE and KVM_ARM_SET_FP_STATE
 *                            on one vCPU (n/a without KVM_CAP_ARM_FP_STATE)
 *   state/onereg             the same through KVM_GET/SET_ONE_REG, register
 *                            by register: FPSR, FPCR, Z0-Z31, P0-P15, FFR
 *                            (V0-V31, FPSR, FPCR without SVE)
 *   state/handover-oneioctl  GET on one vCPU, SET on a vCPU of another VM
 *   state/handover-onereg    (the hand-over between virtual trust levels)
 *
 * each with an SVE vCPU at the smallest and at the largest vector length
 * KVM offers (vl=), and with a vCPU without SVE (vl=0). The guest has
 * loaded every register once before; the state is checked to have
 * arrived whole after the timed rounds.
 *
 * A last part times, in this program's own userspace, a loop that stores
 * (save) or loads (restore) a whole FPSIMD register file, and a whole SVE
 * register file at every vector length, minus an empty loop.
 *
 * Output: "BENCH ..." lines of key=value pairs, parsed by pipeline/bench.py.
 * Exit status 0 when every requested measurement was taken.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

#define FPB_USER_OFF	16	/* offsets into the ucall MMIO page */
#define FPB_EFD_OFF	32

enum fpb_work { W_NONE, W_FP1, W_SVE1, W_FPALL, W_SVEALL, NR_WORK };
enum fpb_exit { X_USER, X_HVC, X_WFI, X_PREEMPT, X_VMMFP, NR_EXIT };

static const char * const work_name[NR_WORK] = {
	"none", "fp1", "sve1", "fpall", "sveall",
};

static const char * const exit_name[NR_EXIT] = {
	"user", "hvc", "wfi", "preempt", "vmmfp",
};

/* Which host thread, if any, has PSTATE.ZA set during a class. */
enum fpb_za { ZA_OFF, ZA_VMM, ZA_RIVAL, ZA_GUEST, ZA_GUEST_SM };

static const char * const za_name[] = {
	"off", "vmm", "rival", "guest", "guestsm",
};

static bool za_in_guest(enum fpb_za za)
{
	return za == ZA_GUEST || za == ZA_GUEST_SM;
}

/* The SME classes: each runs at the default and at the largest SVL. */
static const struct {
	enum fpb_exit exit;
	enum fpb_work work;
	enum fpb_za za;
} sme_class[] = {
	{ X_USER, W_NONE, ZA_VMM },
	{ X_USER, W_FP1, ZA_VMM },
	{ X_HVC, W_FP1, ZA_VMM },
	{ X_PREEMPT, W_FP1, ZA_VMM },
	{ X_PREEMPT, W_FP1, ZA_RIVAL },
	{ X_USER, W_FP1, ZA_GUEST },
	{ X_HVC, W_FP1, ZA_GUEST },
	{ X_WFI, W_FP1, ZA_GUEST },
	{ X_PREEMPT, W_FP1, ZA_GUEST },
	{ X_USER, W_SVE1, ZA_GUEST_SM },
	{ X_HVC, W_SVE1, ZA_GUEST_SM },
};

/*
 * Per-iteration counters the lazy FP code is to export through the
 * binary stats interface (vCPU first, then VM). Looked up by name; a
 * kernel without them prints "na".
 */
static const char * const stat_name[] = {
	"fp_host_save", "fp_guest_load", "fp_guest_save", "fp_trap",
	"fp_reload_avoided", "fp_host_sme_flush", "fp_host_za_save",
	"fp_guest_za_load", "fp_guest_za_save",
};

#define NR_STATS	ARRAY_SIZE(stat_name)

/*
 * The guest's register work uses as few instructions as dirty every
 * register, so that the FP deltas are mostly switching cost: 8 LD1s of
 * four V registers (fpall); PTRUE, 8 LD4Bs of four Z registers, FFR and
 * 16 P loads (sveall).
 */
#define FPB_LD1(a, b)	"	ld1	{v" #a ".16b - v" #b ".16b}, [%[a]], #64\n"
#define FPB_LD4(a, b, o)						\
	"	ld4b	{z" #a ".b - z" #b ".b}, p0/z, [%[z], #" #o ", mul vl]\n"

/* Guest configuration, written by the host before the first run. */
struct bench_cfg {
	uint32_t work;
	uint32_t exit;
	uint32_t warm;
	uint32_t iters;
	uint32_t gic;
	uint32_t sve;
	uint32_t wfi_us;
	uint32_t sme;		/* enum fpb_za: ZA_GUEST, ZA_GUEST_SM or 0 */
};

static struct bench_cfg bcfg;

/* A whole SVE file at the largest VL, plus FFR. */
static struct fp_regimg guest_img;

/* ---- guest ---- */

static void guest_work(uint32_t work, struct fp_regimg *img)
{
	switch (work) {
	case W_FP1:
		asm volatile("movi v0.16b, #0x5a" : : : "v0");
		break;
	case W_SVE1:
		asm volatile(".arch_extension sve\n"
			     "dup z0.b, #0x5a" : : : "v0");
		break;
	case W_FPALL: {
		const uint8_t *a = img->z;

		asm volatile(FPB_LD1(0, 3) FPB_LD1(4, 7) FPB_LD1(8, 11)
			     FPB_LD1(12, 15) FPB_LD1(16, 19) FPB_LD1(20, 23)
			     FPB_LD1(24, 27) FPB_LD1(28, 31)
			     : [a] "+r" (a) : : FP_VCLOBBERS, "memory");
		break;
	}
	case W_SVEALL:
		asm volatile("	.arch_extension sve\n"
			     "	ptrue	p0.b\n"
			     FPB_LD4(0, 3, 0) FPB_LD4(4, 7, 4) FPB_LD4(8, 11, 8)
			     FPB_LD4(12, 15, 12) FPB_LD4(16, 19, 16)
			     FPB_LD4(20, 23, 20) FPB_LD4(24, 27, 24)
			     FPB_LD4(28, 31, 28)
			     FP_ASM_LDR_FFR("%[f]")
			     FP_ASM_LDR_P("%[p]")
			     : : [z] "r" (img->z), [p] "r" (img->p), [f] "r" (img->ffr)
			     : FP_VCLOBBERS, "memory");
		break;
	}
}

static void guest_exit(uint32_t exit, uint64_t mmio_base, uint64_t ticks)
{
	register uint64_t x0 asm("x0");

	switch (exit) {
	case X_USER:
	case X_VMMFP:
		WRITE_ONCE(*(uint64_t *)(mmio_base + FPB_USER_OFF), 0);
		break;
	case X_PREEMPT:
		WRITE_ONCE(*(uint64_t *)(mmio_base + FPB_EFD_OFF), 1);
		break;
	case X_HVC:
		x0 = PSCI_0_2_FN_PSCI_VERSION;
		asm volatile("hvc #0" : "+r" (x0) : : "x1", "x2", "x3",
			     "memory");
		break;
	case X_WFI:
		fp_guest_wfi_once(ticks);
		break;
	}
}

static void guest_main(void)
{
	uint64_t mmio_base = (uint64_t)ucall_exit_mmio_addr;
	uint64_t ticks = (uint64_t)timer_get_cntfrq() * bcfg.wfi_us / 1000000;
	uint64_t svl = 0;
	uint32_t i, n, batch;

	if (bcfg.gic) {
		gic_init(GIC_V3, 1);
		gic_irq_enable(FP_VTIMER_IRQ);
	}
	/* The largest vector length the vCPU has (LEN saturates). */
	if (bcfg.sve) {
		asm volatile("msr S3_0_C1_C2_0, %0" : : "r" (0xfUL));
		isb();
	}
	/* PSTATE.ZA (and SM) on for good, at the vCPU's longest SVL. */
	if (bcfg.sme) {
		fp_guest_sme_max_len();
		if (bcfg.sme == ZA_GUEST_SM)
			asm volatile(SMSTART_SMZA : : : "memory");
		else
			asm volatile(SMSTART_ZA : : : "memory");
		asm volatile(RDSVL_X0 "mov %0, x0" : "=r" (svl) : : "x0");
	}

	for (batch = 0;; batch++) {
		n = batch ? bcfg.iters : bcfg.warm;
		for (i = 0; i < n; i++) {
			guest_work(bcfg.work, &guest_img);
			guest_exit(bcfg.exit, mmio_base, ticks);
		}
		GUEST_SYNC_ARGS(batch, svl, bcfg.sme ? fp_read_svcr() : 0, 0, 0);
	}
}

/* ---- host: helpers ---- */

static int bench_cpu;
static bool have_sve;
static bool have_sme;
static bool have_guest_sme;	/* KVM_CAP_ARM_SME */
static bool have_fa64;

/* What the guest reported with its last batch: its SVL and SVCR. */
static uint64_t guest_svl, guest_svcr;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct stat_src {
	int fd;
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *desc;
};

struct stat_set {
	struct stat_src src[2];			/* vCPU, VM */
	struct kvm_stats_desc *found[NR_STATS];
	int from[NR_STATS];
};

static void stat_src_open(struct stat_src *s, int fd)
{
	s->fd = fd;
	read_stats_header(fd, &s->hdr);
	s->desc = read_stats_descriptors(fd, &s->hdr);
}

static void stats_open(struct stat_set *st, struct kvm_vm *vm,
		       struct kvm_vcpu *vcpu)
{
	struct kvm_stats_desc *d;
	unsigned int i, j, k;

	stat_src_open(&st->src[0], vcpu_get_stats_fd(vcpu));
	stat_src_open(&st->src[1], vm_get_stats_fd(vm));
	for (i = 0; i < NR_STATS; i++) {
		st->found[i] = NULL;
		for (j = 0; j < 2 && !st->found[i]; j++) {
			for (k = 0; k < st->src[j].hdr.num_desc; k++) {
				d = get_stats_descriptor(st->src[j].desc, k,
							 &st->src[j].hdr);
				if (!strcmp(d->name, stat_name[i])) {
					st->found[i] = d;
					st->from[i] = j;
					break;
				}
			}
		}
	}
}

static void stats_read(struct stat_set *st, uint64_t *val)
{
	struct stat_src *s;
	unsigned int i;

	for (i = 0; i < NR_STATS; i++) {
		val[i] = 0;
		if (!st->found[i])
			continue;
		s = &st->src[st->from[i]];
		read_stat_data(s->fd, &s->hdr, st->found[i], &val[i], 1);
	}
}

static void stats_close(struct stat_set *st)
{
	int j;

	for (j = 0; j < 2; j++) {
		close(st->src[j].fd);
		free(st->src[j].desc);
	}
}

/* ---- host: the traced repetitions ---- */

#define FPB_TRACEFS	"/sys/kernel/tracing"
#define FPB_EVENTS	"fp_bench"	/* instance: the events, in order */
#define FPB_PCS		"fp_bench_pc"	/* instance: user PCs of switches */
#define FPB_PF_KTHREAD	0x00200000
#define FPB_MARK	"fpb-run"

static int marker_fd = -1;		/* written before each KVM_RUN */

static bool tr_write(const char *inst, const char *file, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), FPB_TRACEFS "/instances/%s/%s", inst, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return false;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val);
}

/*
 * Set up both instances for the vCPU thread @tid, or return false when
 * this kernel cannot trace what the model needs (no kvm_fp events: the
 * stock kernel).
 */
static bool trace_setup(int tid)
{
	static const char * const events[] = {
		"kvm_fp/kvm_fp_enter", "kvm_fp/kvm_fp_trap", "kvm_fp/kvm_fp_put",
		"kvm_fp/kvm_fp_discard", "kvm/kvm_exit", "kvm/kvm_userspace_exit",
		"sched/sched_switch",
	};
	char path[256], filter[64];
	unsigned int i;
	bool ok = true;

	if (access(FPB_TRACEFS "/events/kvm_fp", F_OK))
		return false;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), FPB_TRACEFS "/instances/%s",
			 i ? FPB_PCS : FPB_EVENTS);
		if (mkdir(path, 0755) && errno != EEXIST)
			return false;
	}
	ok &= tr_write(FPB_EVENTS, "tracing_on", "0");
	ok &= tr_write(FPB_PCS, "tracing_on", "0");
	ok &= tr_write(FPB_EVENTS, "buffer_size_kb", "8192");
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), "events/%s/enable", events[i]);
		ok &= tr_write(FPB_EVENTS, path, "1");
	}
	/* Where in userspace the thread was when it was switched out. */
	ok &= tr_write(FPB_PCS, "options/userstacktrace", "1");
	snprintf(filter, sizeof(filter), "prev_pid == %d", tid);
	ok &= tr_write(FPB_PCS, "events/sched/sched_switch/filter", filter);
	ok &= tr_write(FPB_PCS, "events/sched/sched_switch/enable", "1");
	snprintf(filter, sizeof(filter), "common_pid == %d", tid);
	ok &= tr_write(FPB_PCS, "events/kvm/kvm_userspace_exit/filter", filter);
	ok &= tr_write(FPB_PCS, "events/kvm/kvm_userspace_exit/enable", "1");
	snprintf(path, sizeof(path), FPB_TRACEFS "/instances/" FPB_EVENTS
		 "/trace_marker");
	marker_fd = ok ? open(path, O_WRONLY) : -1;
	return marker_fd >= 0;
}

static void trace_teardown(void)
{
	tr_write(FPB_EVENTS, "tracing_on", "0");
	tr_write(FPB_PCS, "tracing_on", "0");
	tr_write(FPB_EVENTS, "events/enable", "0");
	tr_write(FPB_PCS, "events/enable", "0");
	close(marker_fd);
	marker_fd = -1;
}

static void trace_start(void)
{
	tr_write(FPB_EVENTS, "trace", "");
	tr_write(FPB_PCS, "trace", "");
	tr_write(FPB_PCS, "tracing_on", "1");
	tr_write(FPB_EVENTS, "tracing_on", "1");
}

static void trace_stop(void)
{
	tr_write(FPB_EVENTS, "tracing_on", "0");
	tr_write(FPB_PCS, "tracing_on", "0");
}

/* One event of the vCPU thread's CPU, as much of it as the record needs. */
struct tev {
	char kind;		/* a letter of the record; W: sched_switch */
	bool put;		/* kvm_fp_put */
	int pid;		/* the task that emitted it */
	int prev, next;		/* sched_switch */
	bool preempted;		/* sched_switch: the previous task was runnable */
};

struct tbuf {
	char *s;
	size_t len, size;
};

static void tbuf_add(struct tbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = 2 * (b->len + n + 1);
		b->s = realloc(b->s, b->size);
		TEST_ASSERT(b->s, "out of memory");
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

/*
 * Split a line of the text trace: the emitting task's pid, the event's
 * name and its fields. Return false for anything but an event line.
 */
static bool tline(char *line, int *pid, char **name, char **body)
{
	char *cpu = strstr(line, "] "), *p, *e;

	if (line[0] == '#' || !cpu)
		return false;
	for (p = cpu; p > line && *p != '['; p--)
		;
	for (p--; p > line && *p == ' '; p--)
		;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	*pid = atoi(p);
	p = strstr(cpu, ": ");
	if (!p)
		return false;
	*name = p + 2;
	e = strstr(*name, ": ");
	if (!e)
		return false;
	*e = 0;
	*body = e + 2;
	return true;
}

static int tfield(const char *body, const char *key)
{
	const char *p = strstr(body, key);

	return p ? atoi(p + strlen(key)) : -1;
}

static FILE *trace_open(const char *inst)
{
	char path[256];

	snprintf(path, sizeof(path), FPB_TRACEFS "/instances/%s/per_cpu/cpu%d/trace",
		 inst, bench_cpu);
	return fopen(path, "r");
}

/* Did an instance's buffer for this CPU lose events? */
static bool trace_lost(const char *inst)
{
	char path[256], line[128];
	bool lost = false;
	FILE *f;

	snprintf(path, sizeof(path), FPB_TRACEFS "/instances/%s/per_cpu/cpu%d/stats",
		 inst, bench_cpu);
	f = fopen(path, "r");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		if ((!strncmp(line, "overrun:", 8) ||
		     !strncmp(line, "commit overrun:", 15) ||
		     !strncmp(line, "dropped events:", 15)) &&
		    atol(strchr(line, ':') + 1))
			lost = true;
	}
	fclose(f);
	return lost;
}

/* A kernel thread (k), a task that runs in userspace (o), or gone (?). */
static char task_kind(int pid)
{
	char path[64], line[512], *p;
	unsigned int flags;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(line, sizeof(line), f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) != 1)
		return '?';
	return flags & FPB_PF_KTHREAD ? 'k' : 'o';
}

/*
 * The user PCs of the thread's switches out, in order, and the PC of its
 * KVM_RUN ioctl (where it is in userspace while inside the ioctl).
 */
static unsigned long *trace_pcs(int tid, size_t *nr, unsigned long *run_pc)
{
	unsigned long *pcs = NULL, pc;
	char line[512], *name, *body;
	bool want = false, uexit = false;
	size_t n = 0;
	FILE *f = trace_open(FPB_PCS);
	int pid;

	*run_pc = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, " => ", 4)) {
			if (!want)
				continue;
			want = false;
			pc = strtoul(strchr(line, '<') ? strchr(line, '<') + 1 : "0",
				     NULL, 16);
			if (uexit) {
				if (!*run_pc)
					*run_pc = pc;
				continue;
			}
			pcs = realloc(pcs, (n + 1) * sizeof(*pcs));
			TEST_ASSERT(pcs, "out of memory");
			pcs[n++] = pc;
			continue;
		}
		if (strstr(line, "<user stack trace>") || !tline(line, &pid, &name, &body))
			continue;
		if (!strcmp(name, "sched_switch") && tfield(body, "prev_pid=") == tid) {
			want = true;
			uexit = false;
		} else if (!strcmp(name, "kvm_userspace_exit")) {
			want = true;
			uexit = true;
		}
	}
	if (f)
		fclose(f);
	*nr = n;
	return pcs;
}

/*
 * Read the vCPU thread's CPU's events and write them as a record (see
 * tools/testing/fpsimd-model/trace.c): one letter per event the model
 * replays, equal windows up to an exit folded into "window*N".
 */
static char *trace_record(int tid)
{
	char line[512], *name, *body, out = 0, *w, *next, *prev;
	struct tbuf rec = {}, fold = {};
	struct tev *ev = NULL;
	size_t nr = 0, i, j, nsw = 0, npcs, len, plen = 0, n;
	unsigned long *pcs, run_pc;
	bool marked = false, lost;
	FILE *f = trace_open(FPB_EVENTS);
	char num[24];
	int pid;

	lost = !f || trace_lost(FPB_EVENTS) || trace_lost(FPB_PCS);
	while (f && fgets(line, sizeof(line), f)) {
		struct tev e = {};

		if (!tline(line, &pid, &name, &body))
			continue;
		e.pid = pid;
		if (!strcmp(name, "sched_switch")) {
			e.kind = 'W';
			e.prev = tfield(body, "prev_pid=");
			e.next = tfield(body, "next_pid=");
			e.preempted = !!strstr(body, "prev_state=R");
		} else if (pid != tid) {
			continue;
		} else if (!strcmp(name, "tracing_mark_write")) {
			e.kind = strstr(body, FPB_MARK) ? 'm' : 0;
		} else if (!strcmp(name, "kvm_fp_enter")) {
			e.kind = 'e';
		} else if (!strcmp(name, "kvm_fp_trap")) {
			e.kind = 't';
		} else if (!strcmp(name, "kvm_fp_put")) {
			e.put = true;
		} else if (!strcmp(name, "kvm_fp_discard")) {
			e.kind = 'd';
		} else if (!strcmp(name, "kvm_userspace_exit")) {
			e.kind = 'u';
		} else if (!strcmp(name, "kvm_exit")) {
			unsigned int ec = strtoul(strstr(body, "HSR_EC: ") ?
						  strstr(body, "HSR_EC: ") + 8 : "0",
						  NULL, 16);

			/* WFx, HVC64, DABT_LOW: the class's exit or a ucall */
			if (!strncmp(body, "TRAP:", 5) &&
			    (ec == 0x01 || ec == 0x16 || ec == 0x24))
				e.kind = 'x';
		}
		if (!e.kind && !e.put)
			continue;
		ev = realloc(ev, (nr + 1) * sizeof(*ev));
		TEST_ASSERT(ev, "out of memory");
		ev[nr++] = e;
	}
	if (f)
		fclose(f);

	pcs = trace_pcs(tid, &npcs, &run_pc);
	for (i = 0; i < nr; i++) {
		struct tev *e = &ev[i];
		char c = e->kind;

		if (c != 'W') {
			if (c)
				tbuf_add(&rec, &c, 1);
			/*
			 * Between the marker and KVM_RUN's vcpu_load the thread
			 * is in the ioctl's head; after the put that ends
			 * KVM_RUN (not one of a switch), in its tail.
			 */
			marked = (marked || c == 'm') && c != 'u' && !e->put;
			continue;
		}
		if (e->prev == tid) {
			bool loaded = false;

			/* KVM's preempt notifier puts a loaded vCPU. */
			for (j = i + 1; j < nr && ev[j].kind != 'W'; j++) {
				if (ev[j].put && ev[j].pid == tid) {
					ev[j].put = false;
					loaded = true;
				}
			}
			if (loaded)
				c = e->preempted ? 'P' : 'S';
			else if (marked && nsw < npcs && pcs[nsw] == run_pc)
				c = e->preempted ? 'h' : 'H';
			else
				c = e->preempted ? 'p' : 's';
			nsw++;
			out = 1;
			tbuf_add(&rec, &c, 1);
		} else if (e->next == tid) {
			if (out)
				tbuf_add(&rec, "i", 1);
			out = 0;
			continue;
		}
		if (out && e->next > 0 && e->next != tid) {
			c = task_kind(e->next);
			tbuf_add(&rec, &c, 1);
		}
	}
	if (lost || nsw != npcs)
		tbuf_add(&rec, "!", 1);
	free(ev);
	free(pcs);
	if (!rec.s)
		tbuf_add(&rec, "!", 1);

	/* Fold runs of equal windows. */
	prev = NULL;
	n = 0;
	for (w = rec.s; *w; w = next) {
		next = strchr(w, 'x');
		next = next ? next + 1 : w + strlen(w);
		len = next - w;
		if (prev && len == plen && !memcmp(w, prev, len)) {
			n++;
			continue;
		}
		if (prev) {
			if (fold.len)
				tbuf_add(&fold, ",", 1);
			tbuf_add(&fold, prev, plen);
			if (n > 1) {
				snprintf(num, sizeof(num), "*%zu", n);
				tbuf_add(&fold, num, strlen(num));
			}
		}
		prev = w;
		plen = len;
		n = 1;
	}
	if (fold.len)
		tbuf_add(&fold, ",", 1);
	tbuf_add(&fold, prev, plen);
	if (n > 1) {
		snprintf(num, sizeof(num), "*%zu", n);
		tbuf_add(&fold, num, strlen(num));
	}
	free(rec.s);
	return fold.s;
}

/* ---- host: SME state in a host thread ---- */

/*
 * Set the calling thread's streaming vector length to @svl bytes (the
 * largest supported one not above it) and PSTATE.ZA; return the SVL.
 */
static unsigned int za_on(unsigned int svl)
{
	int got = prctl(PR_SME_SET_VL, svl);

	TEST_ASSERT(got >= 0, "PR_SME_SET_VL %u: %s", svl, strerror(errno));
	asm volatile(SMSTART_ZA : : : "memory");
	return got & PR_SVE_VL_LEN_MASK;
}

/* Check that PSTATE.ZA survived the class, then clear it. */
static void za_off(void)
{
	uint64_t svcr = fp_read_svcr();

	TEST_ASSERT(svcr == SVCR_ZA_BIT,
		    "SVCR 0x%lx after the class, ZA was set", svcr);
	asm volatile(SMSTOP_ZA : : : "memory");
}

/* ---- host: the competing thread of the preempt class ---- */

struct rival {
	pthread_t tid;
	int efd;
	unsigned int svl;	/* set PSTATE.ZA at this SVL (0: no ZA) */
	bool stop;
	bool ready;
	unsigned long wakeups;
	struct fp_regimg img;
};

static void *rival_main(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct rival *r = arg;
	uint64_t v;
	int rc;

	kvm_pin_this_task_to_pcpu(bench_cpu);
	rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	TEST_ASSERT(!rc, "SCHED_FIFO for the rival thread: %s", strerror(rc));
	if (r->svl)
		r->svl = za_on(r->svl);
	WRITE_ONCE(r->ready, true);
	for (;;) {
		if (read(r->efd, &v, sizeof(v)) != sizeof(v))
			continue;
		if (READ_ONCE(r->stop))
			break;
		/* Back in userspace: make the registers ours again. */
		asm volatile(FP_ASM_LDR_Q("%[z]")
			     : : [z] "r" (r->img.z) : FP_VCLOBBERS, "memory");
		r->wakeups++;
	}
	if (r->svl)
		za_off();
	return NULL;
}

/* ---- host: one class ---- */

struct bench_opts {
	uint32_t warm;
	uint32_t iters;
	uint32_t reps;
	uint32_t traced;
	uint32_t wfi_us;
	uint32_t sr_iters;
	uint32_t rounds;
	const char *filter;
	bool no_sr;
};

/* The vmmfp class: the VMM writes a V register before each KVM_RUN. */
static bool vmm_fp;

/*
 * Run the vCPU until the guest ends a batch. Userspace MMIO exits are
 * resumed at once; anything else ends the program.
 */
static void run_batch(struct kvm_vcpu *vcpu, uint64_t user_gpa,
		      uint32_t batch)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc;
	int rc;

	/* No FP, and no variadic call (TEST_ASSERT()) on the way round. */
	for (;;) {
		if (marker_fd >= 0 &&
		    write(marker_fd, FPB_MARK, strlen(FPB_MARK)) <= 0)
			TEST_FAIL("trace_marker: %s", strerror(errno));
		if (vmm_fp)
			asm volatile("fmov	d16, xzr" : : : "v16");
		rc = __vcpu_run(vcpu);
		if (rc && errno == EINTR)
			continue;
		if (rc)
			TEST_FAIL("KVM_RUN: %s", strerror(errno));
		if (run->exit_reason == KVM_EXIT_MMIO &&
		    run->mmio.phys_addr == user_gpa)
			continue;
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT(uc.args[1] == batch,
				    "batch %lu done, expected %u",
				    uc.args[1], batch);
			guest_svl = uc.args[2];
			guest_svcr = uc.args[3];
			return;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected exit: reason %u, ucall %lu",
				  run->exit_reason, uc.cmd);
		}
	}
}

static long thread_csw(bool voluntary)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return voluntary ? ru.ru_nvcsw : ru.ru_nivcsw;
}

static void run_class(const struct bench_opts *o, enum fpb_exit x,
		      enum fpb_work w, enum fpb_za za, unsigned int svl)
{
	uint64_t s0[NR_STATS], s1[NR_STATS], t0, t1, gpa;
	struct kvm_ioeventfd ioev = {};
	struct rival *rival = NULL;
	struct kvm_vcpu *vcpu;
	struct stat_set st;
	struct kvm_vm *vm;
	int gic_fd = -1;
	bool traced;
	uint32_t r, traced_reps = za ? 0 : o->traced;
	unsigned int i, dflt_svl = 0;
	long v0, i0;
	char *rec;

	kvm_pin_this_task_to_pcpu(bench_cpu);
	vmm_fp = x == X_VMMFP;
	vm = vm_create(1);
	/* SVE where the host has it; SME with lengths up to svl (ZA svl^2). */
	vcpu = fp_vcpu_add(vm, 0, guest_main, have_sve ? FP_VL_ALL : 0,
			   za_in_guest(za) ? svl : 0);
	gpa = vm->ucall_mmio_addr;
	if (x == X_WFI) {
		gic_fd = vgic_v3_setup(vm, 1, 64);
		TEST_ASSERT(gic_fd >= 0, "no in-kernel vGICv3");
	}
	if (x == X_PREEMPT) {
		rival = calloc(1, sizeof(*rival));
		TEST_ASSERT(rival, "out of memory");
		rival->svl = za == ZA_RIVAL ? svl : 0;
		rival->efd = eventfd(0, 0);
		TEST_ASSERT(rival->efd >= 0, "eventfd: %s", strerror(errno));
		ioev.addr = gpa + FPB_EFD_OFF;
		ioev.len = 8;
		ioev.fd = rival->efd;
		vm_ioctl(vm, KVM_IOEVENTFD, &ioev);
		pthread_create(&rival->tid, NULL, rival_main, rival);
		while (!READ_ONCE(rival->ready))
			sched_yield();
		if (za == ZA_RIVAL)
			svl = rival->svl;
	}

	bcfg = (struct bench_cfg) {
		.work = w,
		.exit = x,
		.warm = o->warm,
		.iters = o->iters,
		.gic = x == X_WFI,
		.sve = have_sve,
		.wfi_us = o->wfi_us,
		.sme = za_in_guest(za) ? za : 0,
	};
	sync_global_to_guest(vm, bcfg);
	stats_open(&st, vm, vcpu);

	if (za == ZA_VMM) {
		dflt_svl = prctl(PR_SME_GET_VL) & PR_SVE_VL_LEN_MASK;
		svl = za_on(svl);
	}
	run_batch(vcpu, gpa + FPB_USER_OFF, 0);
	if (za_in_guest(za))
		svl = guest_svl;
	for (r = 1; r <= o->reps + traced_reps; r++) {
		traced = r > o->reps;
		if (traced && (r == o->reps + 1) && !trace_setup(gettid()))
			break;
		if (traced)
			trace_start();
		v0 = thread_csw(true);
		i0 = thread_csw(false);
		stats_read(&st, s0);
		t0 = now_ns();
		run_batch(vcpu, gpa + FPB_USER_OFF, r);
		t1 = now_ns();
		stats_read(&st, s1);
		v0 = thread_csw(true) - v0;
		i0 = thread_csw(false) - i0;
		if (traced)
			trace_stop();
		if (za_in_guest(za))
			TEST_ASSERT(guest_svcr == (za == ZA_GUEST_SM ?
				    SVCR_SM_BIT | SVCR_ZA_BIT : SVCR_ZA_BIT),
				    "guest SVCR 0x%lx after batch %u", guest_svcr, r);
		if (za)
			printf("BENCH smeclass=%s/%s za=%s svl=%u",
			       exit_name[x], work_name[w], za_name[za], svl);
		else
			printf("BENCH class=%s/%s", exit_name[x], work_name[w]);
		printf(" rep=%u%s iters=%u ns=%lu vcsw=%ld ivcsw=%ld",
		       r, traced ? " traced=1" : "", o->iters, t1 - t0, v0, i0);
		for (i = 0; i < NR_STATS; i++) {
			if (st.found[i])
				printf(" stat.%s=%lu", stat_name[i],
				       s1[i] - s0[i]);
			else
				printf(" stat.%s=na", stat_name[i]);
		}
		if (rival)
			printf(" wakeups=%lu", READ_ONCE(rival->wakeups));
		if (traced) {
			rec = trace_record(gettid());
			printf(" rec=%s", rec);
			free(rec);
		}
		printf("\n");
		fflush(stdout);
	}
	if (marker_fd >= 0)
		trace_teardown();
	if (za == ZA_VMM) {
		za_off();
		TEST_ASSERT(prctl(PR_SME_SET_VL, dflt_svl) >= 0,
			    "PR_SME_SET_VL %u: %s", dflt_svl, strerror(errno));
	}

	if (rival) {
		WRITE_ONCE(rival->stop, true);
		TEST_ASSERT(eventfd_write(rival->efd, 1) == 0, "eventfd_write");
		pthread_join(rival->tid, NULL);
		close(rival->efd);
		free(rival);
	}
	stats_close(&st);
	if (gic_fd >= 0)
		close(gic_fd);
	kvm_vm_free(vm);
}

/* ---- host: a vCPU's whole FP state, one ioctl against ONE_REG ---- */

/*
 * The VMM's copy of a vCPU's FP state, taken and given back either as one
 * image (KVM_ARM_GET_FP_STATE, KVM_ARM_SET_FP_STATE) or register by
 * register (KVM_GET_ONE_REG, KVM_SET_ONE_REG), each register in a slot of
 * its full ONE_REG size, as a VMM without KVM_CAP_ARM_FP_STATE keeps it.
 *
 * The classes use only fpb_state_init(), _get(), _set() and _free(): the
 * bench's own until the selftests' VMM library has them, which they then
 * wrap.
 */
enum fpb_via { VIA_IOCTL, VIA_ONE_REG, NR_VIA };

static const char * const via_name[NR_VIA] = { "oneioctl", "onereg" };

#define FPB_CORE(field)	(KVM_REG_ARM64 | KVM_REG_ARM_CORE |		\
			 KVM_REG_ARM_CORE_REG(field))
#define FPB_VREG(n)	((FPB_CORE(fp_regs.vregs[0]) + (n) * 4) |	\
			 KVM_REG_SIZE_U128)
#define FPB_FPSR	(FPB_CORE(fp_regs.fpsr) | KVM_REG_SIZE_U32)
#define FPB_FPCR	(FPB_CORE(fp_regs.fpcr) | KVM_REG_SIZE_U32)
#define FPB_STATE_REGS	51	/* FPSR, FPCR, 32 Z, 16 P, FFR */

struct fpb_state {
	enum fpb_via via;
	size_t size;		/* bytes of buf */
	uint8_t *buf;		/* the image, or every register's slot */
	unsigned int nr;	/* registers (ONE_REG) */
	struct kvm_one_reg reg[FPB_STATE_REGS];
};

/* Room for @vcpu's state; false when the kernel cannot move it @via. */
static bool fpb_state_init(struct fpb_state *s, struct kvm_vcpu *vcpu,
			   enum fpb_via via, bool sve)
{
	uint64_t id[FPB_STATE_REGS];
	size_t off = 0;
	unsigned int i;
	int size;

	memset(s, 0, sizeof(*s));
	s->via = via;
	if (via == VIA_IOCTL) {
		if (!kvm_has_cap(KVM_CAP_ARM_FP_STATE))
			return false;
		size = ioctl(vcpu->fd, KVM_CHECK_EXTENSION,
			     KVM_CAP_ARM_FP_STATE);
		TEST_ASSERT(size >= (int)sizeof(struct kvm_arm_fp_state),
			    "KVM_CAP_ARM_FP_STATE on the vCPU: %d", size);
		s->size = size;
		s->buf = calloc(1, s->size);
		TEST_ASSERT(s->buf, "out of memory");
		return true;
	}
	id[s->nr++] = FPB_FPSR;
	id[s->nr++] = FPB_FPCR;
	for (i = 0; i < 32; i++)
		id[s->nr++] = sve ? KVM_REG_ARM64_SVE_ZREG(i, 0) : FPB_VREG(i);
	for (i = 0; sve && i < 16; i++)
		id[s->nr++] = KVM_REG_ARM64_SVE_PREG(i, 0);
	if (sve)
		id[s->nr++] = KVM_REG_ARM64_SVE_FFR(0);
	/* Back to back: after the two u32s, every slot is 8-byte aligned. */
	for (i = 0; i < s->nr; i++)
		s->size += KVM_REG_SIZE(id[i]);
	s->buf = calloc(1, s->size);
	TEST_ASSERT(s->buf, "out of memory");
	for (i = 0; i < s->nr; i++) {
		s->reg[i].id = id[i];
		s->reg[i].addr = (uint64_t)(s->buf + off);
		off += KVM_REG_SIZE(id[i]);
	}
	return true;
}

/* Take the state of the vCPU whose fd is @fd: 0, or -1 with errno. */
static int fpb_state_get(struct fpb_state *s, int fd)
{
	unsigned int i;

	if (s->via == VIA_IOCTL) {
		/* The room there is; the kernel writes the image's size. */
		((struct kvm_arm_fp_state *)s->buf)->size = s->size;
		return ioctl(fd, KVM_ARM_GET_FP_STATE, s->buf);
	}
	for (i = 0; i < s->nr; i++)
		if (ioctl(fd, KVM_GET_ONE_REG, &s->reg[i]))
			return -1;
	return 0;
}

/* Give it to the vCPU whose fd is @fd: 0, or -1 with errno. */
static int fpb_state_set(struct fpb_state *s, int fd)
{
	unsigned int i;

	if (s->via == VIA_IOCTL)
		return ioctl(fd, KVM_ARM_SET_FP_STATE, s->buf);
	for (i = 0; i < s->nr; i++)
		if (ioctl(fd, KVM_SET_ONE_REG, &s->reg[i]))
			return -1;
	return 0;
}

static void fpb_state_free(struct fpb_state *s)
{
	free(s->buf);
	s->buf = NULL;
}

/* The shortest and the longest SVE vector length KVM offers (bytes). */
static void state_vls(unsigned int *min_vl, unsigned int *max_vl)
{
	unsigned int vls[FP_MAX_VL / 16], n = 0;

	if (have_sve)
		n = fp_kvm_sve_vls(vls, ARRAY_SIZE(vls));
	*min_vl = n ? vls[0] : 0;
	*max_vl = n ? vls[n - 1] : 0;
}

/*
 * A VM whose one vCPU (SVE at lengths up to @vl, none when 0) has loaded
 * every FP register from a pattern that follows from @seed, and is back
 * in userspace.
 */
static struct kvm_vm *state_vm(unsigned int vl, uint64_t seed,
			       struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create(1);

	*vcpu = fp_vcpu_add(vm, 0, guest_main, vl, 0);
	bcfg = (struct bench_cfg) {
		.work = vl ? W_SVEALL : W_FPALL,
		.exit = X_USER,
		.warm = 1,
		.iters = 1,
		.sve = !!vl,
	};
	sync_global_to_guest(vm, bcfg);
	fp_fill((uint8_t *)&guest_img, sizeof(guest_img), seed);
	sync_global_to_guest(vm, guest_img);
	vmm_fp = false;
	run_batch(*vcpu, vm->ucall_mmio_addr + FPB_USER_OFF, 0);
	return vm;
}

/*
 * One state class: rounds of GET then SET of a vCPU's whole FP state
 * @via the image or ONE_REG, on the same vCPU or (@handover) from one
 * vCPU to that of another VM; instructions per round, as elsewhere.
 */
static void run_state_class(const struct bench_opts *o, const char *name,
			    enum fpb_via via, bool handover, unsigned int vl)
{
	struct kvm_vcpu *from, *to;
	struct kvm_vm *vm, *vm2 = NULL;
	struct fpb_state s, want, got;
	uint64_t t0, t1;
	uint32_t r, i;
	int rc = 0;

	if (via == VIA_IOCTL && !kvm_has_cap(KVM_CAP_ARM_FP_STATE)) {
		printf("BENCH stateclass=%s vl=%u skipped=no-cap\n", name, vl);
		return;
	}
	kvm_pin_this_task_to_pcpu(bench_cpu);
	vm = state_vm(vl, 1, &from);
	to = from;
	if (handover)
		vm2 = state_vm(vl, 2, &to);
	TEST_ASSERT(fpb_state_init(&s, from, via, vl) &&
		    fpb_state_init(&want, from, via, vl) &&
		    fpb_state_init(&got, to, via, vl) && got.size == s.size,
		    "%s: no room for the state", name);

	/* What the target is to hold after the rounds, and not before. */
	TEST_ASSERT(!fpb_state_get(&want, from->fd), "%s: GET: %s", name,
		    strerror(errno));
	if (handover) {
		TEST_ASSERT(!fpb_state_get(&got, to->fd), "%s: GET: %s", name,
			    strerror(errno));
		TEST_ASSERT(memcmp(got.buf, want.buf, s.size),
			    "%s: both vCPUs hold the same state already", name);
	}

	for (r = 0; r <= o->reps; r++) {
		uint32_t n = r ? o->rounds : 1;	/* one round of warm-up */

		t0 = now_ns();
		for (i = 0; i < n && !rc; i++)
			rc = fpb_state_get(&s, from->fd) ?:
			     fpb_state_set(&s, to->fd);
		t1 = now_ns();
		TEST_ASSERT(!rc, "%s: round %u: %s", name, i, strerror(errno));
		if (!r)
			continue;
		printf("BENCH stateclass=%s vl=%u calls=%u bytes=%zu rep=%u iters=%u ns=%lu\n",
		       name, vl, via == VIA_IOCTL ? 2 : 2 * s.nr, s.size, r,
		       n, t1 - t0);
		fflush(stdout);
	}

	TEST_ASSERT(!fpb_state_get(&got, to->fd), "%s: GET: %s", name,
		    strerror(errno));
	TEST_ASSERT(!memcmp(got.buf, want.buf, s.size),
		    "%s: the state did not arrive whole", name);
	fpb_state_free(&s);
	fpb_state_free(&want);
	fpb_state_free(&got);
	if (vm2)
		kvm_vm_free(vm2);
	kvm_vm_free(vm);
}

/* ---- host: save and restore of one register file, in userspace ---- */

static void sr_loop_empty(unsigned long n)
{
	asm volatile("1:	subs	%[n], %[n], #1\n"
		     "	b.ne	1b\n"
		     : [n] "+r" (n) : : "cc");
}

static void sr_loop_fp(unsigned long n, struct fp_regimg *img, bool save)
{
	uint64_t *sr = &img->fpsr;	/* FPSR, then FPCR */

	if (save)
		asm volatile("1:\n"
			     FP_ASM_STR_Q("%[z]")
			     "	mrs	x9, fpsr\n"
			     "	mrs	x10, fpcr\n"
			     "	stp	x9, x10, [%[sr]]\n"
			     "	subs	%[n], %[n], #1\n"
			     "	b.ne	1b\n"
			     : [n] "+r" (n) : [z] "r" (img->z), [sr] "r" (sr)
			     : "x9", "x10", "cc", "memory");
	else
		asm volatile("1:\n"
			     FP_ASM_LDR_Q("%[z]")
			     "	ldp	x9, x10, [%[sr]]\n"
			     "	msr	fpsr, x9\n"
			     "	msr	fpcr, x10\n"
			     "	subs	%[n], %[n], #1\n"
			     "	b.ne	1b\n"
			     : [n] "+r" (n) : [z] "r" (img->z), [sr] "r" (sr)
			     : "x9", "x10", FP_VCLOBBERS, "cc", "memory");
}

static void sr_loop_sve(unsigned long n, struct fp_regimg *img, bool save)
{
	uint64_t *sr = &img->fpsr;	/* FPSR, then FPCR */

	if (save)
		asm volatile("	.arch_extension sve\n"
			     "1:\n"
			     FP_ASM_STR_Z("%[z]")
			     FP_ASM_STR_P("%[p]")
			     FP_ASM_STR_FFR("%[f]")
			     "	ldr	p0, [%[p]]\n"
			     "	mrs	x9, fpsr\n"
			     "	mrs	x10, fpcr\n"
			     "	stp	x9, x10, [%[sr]]\n"
			     "	subs	%[n], %[n], #1\n"
			     "	b.ne	1b\n"
			     : [n] "+r" (n)
			     : [z] "r" (img->z), [p] "r" (img->p), [f] "r" (img->ffr),
			       [sr] "r" (sr)
			     : "x9", "x10", "cc", "memory");
	else
		asm volatile("	.arch_extension sve\n"
			     "1:\n"
			     FP_ASM_LDR_FFR("%[f]")
			     FP_ASM_LDR_P("%[p]")
			     FP_ASM_LDR_Z("%[z]")
			     "	ldp	x9, x10, [%[sr]]\n"
			     "	msr	fpsr, x9\n"
			     "	msr	fpcr, x10\n"
			     "	subs	%[n], %[n], #1\n"
			     "	b.ne	1b\n"
			     : [n] "+r" (n)
			     : [z] "r" (img->z), [p] "r" (img->p), [f] "r" (img->ffr),
			       [sr] "r" (sr)
			     : "x9", "x10", FP_VCLOBBERS, "cc", "memory");
}

/* Best of reps timings of one loop kind, in ns per iteration * 1000. */
static uint64_t sr_time(const struct bench_opts *o, int kind, bool save,
			struct fp_regimg *img)
{
	uint64_t best = ~0ULL, t0, t;
	uint32_t r;

	for (r = 0; r < o->reps; r++) {
		t0 = now_ns();
		if (kind == 0)
			sr_loop_empty(o->sr_iters);
		else if (kind == 1)
			sr_loop_fp(o->sr_iters, img, save);
		else
			sr_loop_sve(o->sr_iters, img, save);
		t = now_ns() - t0;
		if (t < best)
			best = t;
	}
	return best * 1000 / o->sr_iters;
}

static void sr_report(const char *kind, unsigned int vl, uint64_t save,
		      uint64_t restore, uint64_t empty)
{
	printf("BENCH sr=%s vl=%u save=%lu.%03lu restore=%lu.%03lu loop=%lu.%03lu\n",
	       kind, vl, (save - empty) / 1000, (save - empty) % 1000,
	       (restore - empty) / 1000, (restore - empty) % 1000,
	       empty / 1000, empty % 1000);
}

static void *sr_main(void *arg)
{
	const struct bench_opts *o = arg;
	struct fp_regimg *img = calloc(1, sizeof(*img));
	uint64_t empty, save, restore;
	unsigned int vl;
	int got;

	TEST_ASSERT(img, "out of memory");
	kvm_pin_this_task_to_pcpu(bench_cpu);
	empty = sr_time(o, 0, false, img);
	save = sr_time(o, 1, true, img);
	restore = sr_time(o, 1, false, img);
	sr_report("fpsimd", 16, save, restore, empty);

	if (!(getauxval(AT_HWCAP) & HWCAP_SVE))
		goto out;
	for (vl = 16; vl <= FP_MAX_VL; vl += 16) {
		got = prctl(PR_SVE_SET_VL, vl);
		TEST_ASSERT(got >= 0, "PR_SVE_SET_VL %u: %s", vl,
			    strerror(errno));
		if ((got & PR_SVE_VL_LEN_MASK) != vl)
			continue;
		save = sr_time(o, 2, true, img);
		restore = sr_time(o, 2, false, img);
		sr_report("sve", vl, save, restore, empty);
	}
out:
	free(img);
	fflush(stdout);
	return NULL;
}

static void help_exit(const char *prog)
{
	printf("%s [-i iters] [-w warmup] [-r reps] [-T traced] [-t wfi_us]\n"
	       "    [-n sr_iters] [-R rounds] [-c filter] [-S]\n"
	       "  -T n            traced repetitions after the timed ones (default 2)\n"
	       "  -R n            rounds per repetition of the state classes (default 100)\n"
	       "  -c word[,word]  only the classes (exit/work) containing a word\n"
	       "  -S              skip the userspace save/restore timing\n",
	       prog);
	exit(KSFT_SKIP);
}

static bool selected(const char *filter, const char *name)
{
	char buf[256], *tok, *save;

	if (!filter)
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (strstr(name, tok))
			return true;
	return false;
}

int main(int argc, char *argv[])
{
	struct bench_opts o = {
		.warm = 50, .iters = 1000, .reps = 3, .traced = 2, .wfi_us = 20,
		.sr_iters = 5000, .rounds = 100,
	};
	char name[64];
	pthread_t tid;
	unsigned int i, vl[3], min_vl, max_vl, nr_vl = 0;
	int opt, x, w, via, ho;

	while ((opt = getopt(argc, argv, "i:w:r:T:t:n:R:c:Sh")) != -1) {
		switch (opt) {
		case 'i':
			o.iters = atoi_positive("iterations", optarg);
			break;
		case 'w':
			o.warm = atoi_non_negative("warm-up", optarg);
			break;
		case 'r':
			o.reps = atoi_positive("repetitions", optarg);
			break;
		case 'T':
			o.traced = atoi_non_negative("traced repetitions", optarg);
			break;
		case 't':
			o.wfi_us = atoi_positive("WFI timer (us)", optarg);
			break;
		case 'n':
			o.sr_iters = atoi_positive("save/restore loops", optarg);
			break;
		case 'R':
			o.rounds = atoi_positive("state rounds", optarg);
			break;
		case 'c':
			o.filter = optarg;
			break;
		case 'S':
			o.no_sr = true;
			break;
		default:
			help_exit(argv[0]);
		}
	}

	have_sve = kvm_has_cap(KVM_CAP_ARM_SVE);
	have_sme = getauxval(AT_HWCAP2) & HWCAP2_SME;
	have_fa64 = getauxval(AT_HWCAP2) & HWCAP2_SME_FA64;
	have_guest_sme = have_sve && kvm_has_cap(KVM_CAP_ARM_SME);
	bench_cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	printf("BENCH info cpu=%d sve=%d sme=%d iters=%u warm=%u reps=%u traced=%u wfi_us=%u\n",
	       bench_cpu, have_sve, have_sme, o.iters, o.warm, o.reps,
	       o.traced, o.wfi_us);

	for (x = 0; x < NR_EXIT; x++) {
		for (w = 0; w < NR_WORK; w++) {
			snprintf(name, sizeof(name), "%s/%s", exit_name[x],
				 work_name[w]);
			if (!selected(o.filter, name))
				continue;
			if ((w == W_SVE1 || w == W_SVEALL) && !have_sve) {
				printf("BENCH class=%s skipped=no-sve\n", name);
				continue;
			}
			run_class(&o, x, w, ZA_OFF, 0);
		}
	}

	for (i = 0; have_sme && i < ARRAY_SIZE(sme_class); i++) {
		x = sme_class[i].exit;
		w = sme_class[i].work;
		snprintf(name, sizeof(name), "%s/%s+za-%s", exit_name[x],
			 work_name[w], za_name[sme_class[i].za]);
		if (!selected(o.filter, name))
			continue;
		if (za_in_guest(sme_class[i].za) &&
		    (!have_guest_sme ||
		     (sme_class[i].za == ZA_GUEST_SM && !have_fa64))) {
			printf("BENCH smeclass=%s/%s za=%s svl=0 skipped=%s\n",
			       exit_name[x], work_name[w],
			       za_name[sme_class[i].za],
			       have_guest_sme ? "no-fa64" : "no-guest-sme");
			continue;
		}
		/* The default SVL, then the largest one (up to 2048 bits). */
		run_class(&o, x, w, sme_class[i].za,
			  prctl(PR_SME_GET_VL) & PR_SVE_VL_LEN_MASK);
		run_class(&o, x, w, sme_class[i].za, FP_MAX_VL);
	}

	/* The state classes: SVE at the extreme lengths, then no SVE. */
	state_vls(&min_vl, &max_vl);
	if (min_vl)
		vl[nr_vl++] = min_vl;
	if (max_vl != min_vl)
		vl[nr_vl++] = max_vl;
	vl[nr_vl++] = 0;
	for (i = 0; i < nr_vl; i++) {
		for (ho = 0; ho < 2; ho++) {
			for (via = 0; via < NR_VIA; via++) {
				snprintf(name, sizeof(name), "state/%s%s",
					 ho ? "handover-" : "", via_name[via]);
				if (selected(o.filter, name))
					run_state_class(&o, name, via, ho, vl[i]);
			}
		}
	}

	/* In its own thread, so the vCPU thread above never used SVE. */
	if (!o.no_sr) {
		pthread_create(&tid, NULL, sr_main, &o);
		pthread_join(tid, NULL);
	}
	printf("BENCH end\n");
	return 0;
}
