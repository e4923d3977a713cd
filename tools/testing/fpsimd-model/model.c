// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exhaustive model check of the arm64 FP context state machine.
 *
 * The ownership decisions of arch/arm64/kernel/fpsimd/{own,policy}.h are
 * compiled here unchanged, against a fake register file. A depth-first
 * search runs every sequence of kernel events up to a depth on a small
 * world (2 CPUs, 3 tasks, 2 vCPUs of VMs with different vector lengths)
 * and checks after every step that
 *   - no context's latest values are lost,
 *   - no context ever observes another's values (stale upper bits of a
 *     larger vector length included),
 *   - each CPU has at most one owner, a context is dirty on at most one CPU,
 *   - a context recorded as live really is in its CPU's registers, and a
 *     task whose TIF_FOREIGN_FPSTATE is clear really is live.
 *
 * Values are tokens: (context, version) per 128-bit chunk of a Z register.
 * Chunk 0 is the FPSIMD V register; chunks above it exist only with SVE.
 * FPMR is one more token, for the user and guest contexts (kernel-mode
 * NEON neither saves nor changes it).
 *
 * Seeded mutations (-m N) break one step of the kernel glue, to show that
 * the checks can fail; `make check` expects each to be caught:
 *   1 switch-out skips the save      7 ptrace write keeps the task live
 *   2 switch-in bypasses ret path    8 guest trap leaves the host live
 *   3 preemption skips vcpu_put      9 KVM_RUN exit skips vcpu_put
 *   4 SVE trap skips the flush      10 SET_ONE_REG keeps the vCPU live
 *   5 save ignores the context's VL 11 switch-in skips kernel-NEON reload
 *     (not caught: see Makefile)
 *   6 softirq NEON skips the save   12 softirq skips kernel-NEON reload
 *  13 hyp trap skips the host save  14 exit puts the guest's VL in force
 *  15 syscall entry on a host without SVE leaves the save layout alone
 *     (run with -n)
 *  16 a KVM_SET_ONE_REG that fails part-way keeps the vCPU live
 *  17 sigreturn writes FPMR to the register, not to the thread
 *  18 signal delivery takes FPMR from the register, not from the thread
 *  19 a vCPU reset keeps the vCPU live
 *  20 a new vCPU starts out recorded on CPU 0 (run with -a)
 *  21 vcpu_load points the hypervisor at the vCPU's first thread
 *  22 exec keeps the task live
 *  23 CPU PM entry skips the save
 *  24 the CPU hotplug dead callback keeps the record
 *  25 a live entry leaves FPEXC32_EL2 alone (run with -a)
 *  26 a save writes SVCR but not ZA (run with -s)
 *  27 a system call turns ZA off (run with -s)
 *  28 kernel-mode NEON leaves streaming mode on (run with -s)
 *  29 vcpu_load leaves streaming mode on into the guest (run with -s)
 *  30 the guest trap's host save leaves an older SVCR in the image (-s)
 *  31 the guest trap turns the VMM's live ZA off unsaved (run with -s)
 *  32 the guest trap leaves ZA on beside the loaded guest (run with -s)
 *  33 an SME vCPU's first use does not write the VMM back (run with -g)
 *  34 KVM_ARM_SET_FP_STATE keeps the target vCPU live
 *  35 protected KVM's vcpu_load leaves the VMM dirty (run with -p)
 *  36 the protected hypervisor forgets which vCPU it left live (-p)
 *  37 protected KVM's vcpu_load saves the VMM but leaves its
 *     TIF_FOREIGN_FPSTATE clear (run with -p)
 *  38 a deferred VMM thread's first FP use loads nothing (run with -v)
 *  39 a vCPU ioctl does not fetch the vCPU another CPU holds deferred (-v)
 *  40 KVM_RUN's first entry ends a deferral with TIF_FOREIGN_FPSTATE
 *     left clear (run with -v)
 *  41 KVM_RUN's deferring return leaves EL0 FP access on (run with -v)
 *  42 KVM_RUN's first entry does not write back another vCPU the
 *     thread left deferred (run with -v)
 *  43 an exit with the guest live leaves the host's length in force
 *     (nVHE's lift of ZCR_EL2, under VHE's live entry that writes none)
 *
 * Kernel paths run here besides the task and guest basics: signal
 * delivery and sigreturn, ptrace, prctl(PR_SVE_SET_VL), exec, SVE first
 * use, kernel-mode NEON in task and softirq context, KVM_GET/SET_ONE_REG
 * (no save for GET, a discard for SET, EFAULT part-way),
 * KVM_ARM_GET/SET_FP_STATE (a sync for GET, a discard for SET, one vCPU's
 * image to another), vCPU reset loaded and not, destroy and re-creation
 * at the same address with FINALIZE at a new vector length, KVM_RUN
 * from another thread (the hypervisor's save
 * pointer, set at vcpu_load), CPU PM, CPU hotplug, FPEXC32 for a 32-bit
 * vCPU (-a), FPMR everywhere, and the system call's FPSIMD save layout.
 *
 * The guest's FP trap runs as the kernel does it: fpregs_plan_entry() makes
 * a plan at entry, the "hypervisor" below acts on the plan alone (it cannot
 * read the record), and fpregs_record_trap() updates the record after.
 *
 * With -A a failed assertion does not count: the checks on the values
 * alone judge, which shows what the kernel's fallbacks save (mutation 3,
 * a vCPU not put, loses nothing: the task switch writes it back).
 *
 * With -n the world is a host without SVE (arm64.nosve, or a CPU without
 * it): every context is FPSIMD only, and there is no first-use SVE trap
 * and no prctl(PR_SVE_SET_VL).
 *
 * With -a vCPU 0 has AArch32 EL1 (FPSIMD only, with an FPEXC32_EL2 that
 * the hypervisor loads and saves), and 32-bit vCPUs of other VMs may run
 * on an idle CPU, setting FPEXC32_EL2.EN as their trapping entry does.
 *
 * With -s task 0 uses SME: in userspace it turns on streaming mode and
 * ZA (a token of its own in the CPU's ZA) and turns them off again; a
 * save and load of a user context carry SVCR and, while PSTATE.ZA is set,
 * ZA (context.c); a system call clears PSTATE.SM and keeps ZA; kernel-mode
 * NEON, CPU PM and kernel-context loads leave both off
 * (fpregs_make_plain()); vcpu_load writes the owner back and turns both
 * off in streaming mode, and leaves ZA alone on (fpregs_vcpu_load_sme());
 * the guest's trap then writes that ZA back if the plan says the VMM was
 * dirty, and turns it off (fpregs_trap_saves_za()). No guest may run in
 * streaming mode, nor with its own state loaded and ZA on, and kernel-mode
 * NEON never runs in streaming mode.
 *
 * With -g (implies -s) vCPU 1 has SME: in the guest it turns streaming
 * mode and ZA on (a token of its own in ZA) and off again; its saves and
 * loads carry SVCR and ZA as a task's do; its first FP or SME use is not
 * handled by the hypervisor but exits to the host, whose core writes the
 * registers' dirty owner back in full and loads the vCPU
 * (fpregs_load()); vcpu_load keeps its own SVCR when it is still
 * live (fpregs_vcpu_load_sme(), mine). It may run in streaming mode with
 * its own state loaded; no other guest may.
 *
 * With -v KVM_RUN's return defers the VMM thread's registers
 * (kvm.fp_vmm_defer, fpregs_plan_vmm_return(), with a backoff of one round trip
 * after one with FP use): the vCPU stays live and dirty, the thread goes
 * back to userspace without a load and with its EL0 FP access trapped
 * (the CPU's CPACR_EL1 bit, hwcpu::el0_off), and its first FP, SVE or SME
 * use traps and takes the return path's load (fpregs_handle_el0_trap()). Its
 * system calls leave the registers alone, its switch-out saves the vCPU,
 * its next KVM_RUN writes back another vCPU it left dirty
 * (fpregs_vmm_enter()) and ends the deferral at the first entry, and vCPU
 * ioctls and a KVM_RUN from another thread fetch the vCPU from the CPU
 * that holds it (fpu_guest_fetch(), an IPI there). Checked besides: the
 * VMM never observes the guest's values (userspace reads the registers
 * only with EL0 access on, and then they must be its own).
 *
 * usage: model [-d depth] [-m mutation] [-q] [-A] [-n] [-a] [-s] [-g] [-p]
 *              [-v]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NCPU	2
#define NTASK	3
#define NVCPU	2
#define NCTX	(2 * NTASK + NVCPU)	/* user and kernel-mode per task */
#define MAXCH	2		/* chunks at the largest vector length */

#define TOK(id, ver)	((uint16_t)(((id) + 1) << 8 | (ver)))
#define TOK_ID(t)	(((t) >> 8) - 1)
#define TOK_VER(t)	((t) & 0xff)
#define TOK_ZERO	0
#define TOK_JUNK	0xff00	/* kernel-mode NEON scratch: nobody's */
#define MAXVER		32	/* versions stay below: one per event at most */

enum { TYPE_FPSIMD, TYPE_SVE };
enum { KIND_TASK, KIND_GUEST };

/* The kernel's enum fp_type: the save layouts a context may ask for. */
enum fp_type { FP_STATE_CURRENT, FP_STATE_FPSIMD, FP_STATE_SVE };
/* The kernel's enum fpu_guest_plan (asm/fpu_guest.h): a guest entry's plan. */
enum fpu_guest_plan { FPU_GUEST_TRAP, FPU_GUEST_TRAP_SAVE, FPU_GUEST_LIVE };

/* The context, as the kernel's struct fpstate, plus a memory image. */
struct fpstate {
	int	last_cpu;
	uint8_t	id, kind, type, vl, perm_sve;
	uint8_t	save_as;	/* a task's: FP_STATE_FPSIMD inside a syscall */
	uint8_t	a32;		/* a vCPU with AArch32 EL1: it has an FPEXC */
	uint16_t mem[MAXCH];
	uint16_t fpmr;		/* in memory: thread.uw.fpmr, the vCPU's FPMR */
	uint16_t fpexc;		/* in memory: the vCPU's FPEXC32_EL2 */
	uint8_t	svcr;		/* in memory: thread.svcr (-s, user contexts) */
	uint16_t za;		/* in memory: thread.sme_state (-s) */
	uint8_t	vmm_streak, vmm_skip;	/* -v: fpregs_plan_vmm_return()'s history */
};

#define SVCR_SM	1
#define SVCR_ZA	2

static int mutation;

/* -n: the host has no SVE. */
static int no_sve;

/* -a: vCPU 0 is a 32-bit (AArch32 EL1) vCPU, and other 32-bit guests exist. */
static int a32_world;

/* -s: the host has SME, and task 0 uses it. */
static int sme_world;

/* -g: vCPU 1 has SME too. */
static int guest_sme;
/*
 * -p: protected KVM (hyp-main.c). vcpu_load writes the registers' dirty
 * owner back (fpregs_save()), and the hypervisor enters a
 * vCPU live only if it is the one it left in the registers.
 */
static int pkvm_world;

/* -v: KVM_RUN's return defers the VMM thread's registers (fp_vmm_defer). */
static int vmm_world;
static const char *failure;

/* -A: a failed assertion is not a violation; only lost or leaked values are. */
static int asserts_off;

#define FPREGS_ASSERT(c)							\
	do {								\
		if (!(c) && !failure && !asserts_off)			\
			failure = "assert: " #c;			\
	} while (0)

/* Fake hardware: what the kernel's save/load routines do to registers. */
struct hwcpu {
	uint16_t z[MAXCH];
	uint16_t fpmr;
	uint16_t fpexc;		/* FPEXC32_EL2 */
	uint8_t	zcr;		/* vector length in force, in chunks */
	uint8_t	svcr;		/* PSTATE.SM and PSTATE.ZA */
	uint16_t za;		/* the ZA array */
	uint8_t	el0_off;	/* -v: CPACR_EL1 traps EL0 FP, SVE and SME */
};

static struct hwcpu *cur_hw;
static unsigned long nr_saves, nr_loads;

/* User and guest contexts carry FPMR; kernel-mode NEON ones do not. */
static int has_fpmr(const struct fpstate *st)
{
	return st->id < NTASK + NVCPU;
}

/* A user context on an SME host: its saves and loads carry SVCR and ZA. */
static int is_user(const struct fpstate *st)
{
	return st->id < NTASK;
}

/* -g: the vCPU with SME (vCPU 1). */
static int sme_vcpu(const struct fpstate *st)
{
	return guest_sme && st->id == NTASK + 1;
}

/* Contexts whose saves and loads carry SVCR and ZA. */
static int carries_sme(const struct fpstate *st)
{
	return is_user(st) || sme_vcpu(st);
}

/* fpregs_make_plain(): streaming mode and ZA off, ZA's contents gone. */
static void regs_plain(struct hwcpu *hw)
{
	if (hw->svcr)
		hw->za = TOK_ZERO;
	hw->svcr = 0;
}

static void fpstate_hw_save(struct fpstate *st)
{
	int i;

	nr_saves++;
	if (has_fpmr(st))
		st->fpmr = cur_hw->fpmr;
	if (sme_world && carries_sme(st)) {
		st->svcr = cur_hw->svcr;
		if ((cur_hw->svcr & SVCR_ZA) && mutation != 26)
			st->za = cur_hw->za;
	}
	if (st->type == TYPE_SVE) {
		/* The kernel's save sets the context's own VL first. */
		if (mutation != 5)
			cur_hw->zcr = st->vl;
		/* A save at another VL than the layout's garbles the image. */
		for (i = 0; i < st->vl; i++)
			st->mem[i] = cur_hw->zcr == st->vl ? cur_hw->z[i] : TOK_JUNK;
	} else {
		st->mem[0] = cur_hw->z[0];
	}
}

static void fpstate_hw_load(struct fpstate *st)
{
	int i;

	nr_loads++;
	/* As fpstate_load_user(): the task's own mode decides again. */
	if (st->kind == KIND_TASK)
		st->save_as = FP_STATE_CURRENT;
	if (has_fpmr(st))
		cur_hw->fpmr = st->fpmr;
	/* Only the hypervisor loads vCPUs: hyp_fp_load_guest() sets FPEXC. */
	if (st->a32)
		cur_hw->fpexc = st->fpexc;
	/* A user load writes SVCR, then ZA; a kernel one leaves both off. */
	if (sme_world && carries_sme(st)) {
		cur_hw->svcr = st->svcr;
		cur_hw->za = st->svcr & SVCR_ZA ? st->za : TOK_ZERO;
	} else if (sme_world && st->kind == KIND_TASK) {
		regs_plain(cur_hw);
	}
	if (st->type == TYPE_SVE) {
		cur_hw->zcr = st->vl;
		for (i = 0; i < st->vl; i++)
			cur_hw->z[i] = st->mem[i];
	} else {
		/* An FPSIMD write of Vn zeroes Zn up to the VL in force. */
		cur_hw->z[0] = st->mem[0];
		for (i = 1; i < cur_hw->zcr; i++)
			cur_hw->z[i] = TOK_ZERO;
	}
}

/* asm/fpstate.h's values of fpstate::el0_watch, and a short backoff. */
#define FPSTATE_WATCH_OFF	0
#define FPSTATE_WATCH_ARMED	1
#define FPSTATE_WATCH_HIT	2
#define FPSTATE_WATCH_DEFER	3
#define FPSTATE_VMM_STREAK	1
#define FPSTATE_VMM_BACKOFF	1

#include "../../../arch/arm64/kernel/fpsimd/policy.h"

/* A task switched in: are its registers elsewhere (TIF_FOREIGN_FPSTATE)? */
static int needs_load(const struct fpregs_cpu *pc, int cpu,
		      const struct fpstate *st)
{
	return !fpregs_is_live(pc, cpu, st);
}

enum mode { M_KERNEL, M_USER, M_RUN, M_GUEST };

struct task {
	int8_t	cpu;		/* running on, or -1 */
	uint8_t	mode;
	uint8_t	foreign;	/* TIF_FOREIGN_FPSTATE */
	int8_t	vcpu;		/* the vCPU this thread runs, or -1 */
	uint8_t	traps_off;	/* in M_GUEST: entered with FP enabled */
	uint8_t	plan;		/* in M_GUEST: what fpregs_plan_entry() decided */
	uint8_t	kfp;		/* inside kernel_neon_begin()/end() */
	uint8_t	el0_watch;	/* -v: fpstate::el0_watch of its user context */
};

struct world {
	struct fpregs_cpu pc[NCPU];
	struct hwcpu	hw[NCPU];
	int8_t		cur[NCPU];	/* task on the CPU, -1 idle */
	int8_t		hd_task[NCPU];	/* kvm_host_data::task_fpsimd's thread */
	int8_t		hyp_live[NCPU];	/* -p: fp_live_hyp_vcpu, -1 for none */
	struct task	t[NTASK];
	struct fpstate	ctx[NCTX];	/* tasks, vCPUs, then kernel-mode */
	uint16_t	latest[NCTX][MAXCH];
	uint16_t	latest_fpmr[NCTX];
	uint16_t	latest_fpexc[NCTX];
	uint8_t		latest_svcr[NCTX];
	uint16_t	latest_za[NCTX];
};

static struct world W;

static struct fpstate *task_st(int k) { return &W.ctx[k]; }
static struct fpstate *vcpu_st(int v) { return &W.ctx[NTASK + v]; }
static struct fpstate *kern_st(int k) { return &W.ctx[NTASK + NVCPU + k]; }

/* How many chunks a context sees when it runs. */
static int visible(const struct fpstate *st)
{
	return st->type == TYPE_SVE ? st->vl : 1;
}

static void fail(const char *what)
{
	if (!failure)
		failure = what;
}

/* @st runs on @cpu: its registers must be exactly its latest values. */
static void observe(int cpu, struct fpstate *st)
{
	int i;

	if (st->type == TYPE_SVE && W.hw[cpu].zcr != st->vl)
		fail("a context ran at a vector length other than its own");
	for (i = 0; i < visible(st); i++) {
		uint16_t got = W.hw[cpu].z[i];

		if (got == W.latest[st->id][i])
			continue;
		if (got != TOK_ZERO && got != TOK_JUNK && TOK_ID(got) != st->id)
			fail("a context observed another context's values");
		else
			fail("a context observed stale or lost values");
	}
	if (has_fpmr(st) && W.hw[cpu].fpmr != W.latest_fpmr[st->id])
		fail("a context observed an FPMR not its latest");
	if (st->a32 && W.hw[cpu].fpexc != W.latest_fpexc[st->id])
		fail("a 32-bit vCPU ran with an FPEXC not its latest");
	if (sme_world && carries_sme(st)) {
		if (W.hw[cpu].svcr != W.latest_svcr[st->id])
			fail("a context ran with streaming mode or ZA not as it left them");
		else if ((W.hw[cpu].svcr & SVCR_ZA) &&
			 W.hw[cpu].za != W.latest_za[st->id])
			fail("a context observed a ZA not its latest");
	}
	if (sme_world && st->kind == KIND_GUEST && !sme_vcpu(st) &&
	    W.hw[cpu].svcr)
		fail("a guest ran with streaming mode or ZA on");
}

/* A version newer than any of @st's values. */
static int next_version(const struct fpstate *st)
{
	int i, ver = 0;

	for (i = 0; i < MAXCH; i++)
		if (TOK_VER(W.latest[st->id][i]) > ver)
			ver = TOK_VER(W.latest[st->id][i]);
	if (TOK_VER(W.latest_fpmr[st->id]) > ver)
		ver = TOK_VER(W.latest_fpmr[st->id]);
	if (TOK_VER(W.latest_fpexc[st->id]) > ver)
		ver = TOK_VER(W.latest_fpexc[st->id]);
	if (TOK_VER(W.latest_za[st->id]) > ver)
		ver = TOK_VER(W.latest_za[st->id]);
	return ver + 1;
}

/* @st writes new values into the registers of @cpu... */
static void write_regs(int cpu, struct fpstate *st)
{
	int i, ver = next_version(st);

	for (i = 0; i < visible(st); i++) {
		W.latest[st->id][i] = TOK(st->id, ver);
		W.hw[cpu].z[i] = W.latest[st->id][i];
	}
	if (has_fpmr(st)) {
		W.latest_fpmr[st->id] = TOK(st->id, ver);
		W.hw[cpu].fpmr = W.latest_fpmr[st->id];
	}
	if (st->a32) {
		W.latest_fpexc[st->id] = TOK(st->id, ver);
		W.hw[cpu].fpexc = W.latest_fpexc[st->id];
	}
}

/* ...or someone writes new values into its memory image. */
static void write_mem(struct fpstate *st)
{
	int i, ver = next_version(st);

	for (i = 0; i < visible(st); i++) {
		W.latest[st->id][i] = TOK(st->id, ver);
		st->mem[i] = W.latest[st->id][i];
	}
	if (has_fpmr(st)) {
		W.latest_fpmr[st->id] = TOK(st->id, ver);
		st->fpmr = W.latest_fpmr[st->id];
	}
	if (st->a32) {
		W.latest_fpexc[st->id] = TOK(st->id, ver);
		st->fpexc = W.latest_fpexc[st->id];
	}
}

/* @st's values are reset (exec, vCPU reset, a new vCPU): zero everywhere. */
static void zero_mem(struct fpstate *st)
{
	int i;

	for (i = 0; i < MAXCH; i++) {
		W.latest[st->id][i] = TOK_ZERO;
		st->mem[i] = TOK_ZERO;
	}
	W.latest_fpmr[st->id] = TOK_ZERO;
	st->fpmr = TOK_ZERO;
	W.latest_fpexc[st->id] = TOK_ZERO;
	st->fpexc = TOK_ZERO;
	W.latest_svcr[st->id] = 0;
	st->svcr = 0;
	W.latest_za[st->id] = TOK_ZERO;
	st->za = TOK_ZERO;
}

/* -v: is task @k a VMM thread whose registers KVM deferred? */
static int deferred(int k)
{
	return vmm_world && W.t[k].el0_watch == FPSTATE_WATCH_DEFER;
}

/*
 * vcpu_load: kvm_arch_vcpu_load_fp() tells the hypervisor which thread's
 * registers it writes back on a TRAP_SAVE plan: the loading thread.
 */
static int vfirst[NVCPU];

static void vcpu_load(int cpu, int k)
{
	W.hd_task[cpu] = mutation == 21 ? vfirst[W.t[k].vcpu] : k;
	/* fpu_guest_vcpu_load_protected(): the caller goes back by its ret path. */
	if (pkvm_world && mutation != 35) {
		cur_hw = &W.hw[cpu];
		if (fpregs_save(&W.pc[cpu], cpu) && mutation != 37)
			W.t[k].foreign = 1;
	}
	/* Streaming mode: the owner is written back and both turned off. */
	if (sme_world && mutation != 29 &&
	    fpregs_vcpu_load_sme(!!(W.hw[cpu].svcr & SVCR_SM),
				 !!(W.hw[cpu].svcr & SVCR_ZA),
				 fpregs_is_live(&W.pc[cpu], cpu,
						vcpu_st(W.t[k].vcpu))) ==
	    FPREGS_SME_FLUSH) {
		cur_hw = &W.hw[cpu];
		fpregs_release(&W.pc[cpu], cpu);
		W.t[k].foreign = 1;
		regs_plain(&W.hw[cpu]);
	}
}

/*
 * -v: fpu_guest_fetch(): the CPU that holds @vst dirty writes it back,
 * this one (with @here) or, by an IPI, the one named by its last_cpu.
 */
static void vcpu_fetch(int cpu, struct fpstate *vst, int here)
{
	int c = vst->last_cpu;

	if (!vmm_world)
		return;
	if (c == cpu && here) {
		cur_hw = &W.hw[cpu];
		fpregs_sync(&W.pc[cpu], cpu, vst);
	} else if (c >= 0 && c != cpu && W.pc[c].owner == vst && W.pc[c].dirty) {
		cur_hw = &W.hw[c];
		fpregs_sync(&W.pc[c], c, vst);
	}
	cur_hw = &W.hw[cpu];
}

/* fpu_guest_discard(): another CPU's dirty copy is fetched first (-v). */
static void vcpu_discard(int cpu, struct fpstate *vst)
{
	vcpu_fetch(cpu, vst, 0);
	fpregs_discard(&W.pc[cpu], cpu, vst);
}

/*
 * -v: fpregs_handle_el0_trap(): an EL0 FP, SVE or SME access of task @k traps
 * while its CPU's EL0 access is off. A deferred thread is loaded at the
 * trap, as its return path would (fpregs_restore_user_locked()); the
 * instruction then runs again.
 */
static int el0_trap(int cpu, int k)
{
	struct task *t = &W.t[k];

	if (!W.hw[cpu].el0_off)
		return 0;
	W.hw[cpu].el0_off = 0;
	if (t->el0_watch == FPSTATE_WATCH_DEFER) {
		t->el0_watch = FPSTATE_WATCH_HIT;
		if (mutation != 38) {
			cur_hw = &W.hw[cpu];
			fpregs_load(&W.pc[cpu], cpu, task_st(k));
			t->foreign = 0;
		}
	}
	return 1;
}

/* ---- events: each mirrors a kernel path, calling the shared policy ---- */

static int ev_sched(int cpu, int next)
{
	int prev = W.cur[cpu];
	struct task *p = prev >= 0 ? &W.t[prev] : NULL;

	if (next == prev || (next >= 0 && W.t[next].cpu >= 0))
		return 0;
	if (p && p->mode == M_GUEST)
		return 0;		/* the guest exits first */
	cur_hw = &W.hw[cpu];
	if (p) {
		/* Preempting a vCPU thread inside KVM_RUN puts the vCPU. */
		if (p->mode == M_RUN && mutation != 3)
			fpregs_sync(&W.pc[cpu], cpu, vcpu_st(p->vcpu));
		if (mutation != 1)
			fpregs_task_switch_out(&W.pc[cpu], cpu, task_st(prev),
					       kern_st(prev), deferred(prev));
		p->cpu = -1;
		/* Preempted in userspace: it resumes through the return path. */
		if (p->mode == M_USER)
			p->mode = M_KERNEL;
	}
	W.cur[cpu] = next;
	if (next >= 0) {
		W.t[next].cpu = cpu;
		/* KVM's preempt notifier loads a vCPU thread's vCPU again. */
		if (W.t[next].mode == M_RUN)
			vcpu_load(cpu, next);
		/* Always through the return path (core.c). */
		W.t[next].foreign = 1;
		if (mutation == 2 && fpregs_is_live(&W.pc[cpu], cpu, task_st(next)))
			W.t[next].foreign = 0;
		if (W.t[next].kfp && mutation != 11) {
			fpregs_load(&W.pc[cpu], cpu, kern_st(next));
			W.t[next].foreign = 1;
		}
	}
	return 1;
}

static int ev_return_to_user(int cpu)
{
	int k = W.cur[cpu];
	struct task *t = k >= 0 ? &W.t[k] : NULL;

	if (!t || t->mode != M_KERNEL || t->kfp)
		return 0;
	cur_hw = &W.hw[cpu];
	/* Deferred (-v): not loaded, EL0 access off until its first use. */
	if (t->foreign && deferred(k)) {
		W.hw[cpu].el0_off = 1;
	} else if (t->foreign) {
		fpregs_load(&W.pc[cpu], cpu, task_st(k));
		W.hw[cpu].el0_off = 0;
	}
	/* fpsimd_syscall_exit() */
	task_st(k)->save_as = FP_STATE_CURRENT;
	t->foreign = 0;
	t->mode = M_USER;
	if (!W.hw[cpu].el0_off)
		observe(cpu, task_st(k));
	return 1;
}

static int ev_user_fp(int cpu)
{
	int k = W.cur[cpu];

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	if (el0_trap(cpu, k))
		return 1;
	observe(cpu, task_st(k));
	write_regs(cpu, task_st(k));
	return 1;
}

/* -s: task 0 turns streaming mode and ZA on and writes ZA... */
static int ev_user_sme(int cpu)
{
	int k = W.cur[cpu];

	if (!sme_world || k != 0 || W.t[k].mode != M_USER)
		return 0;
	if (el0_trap(cpu, k))
		return 1;
	observe(cpu, task_st(k));
	W.latest_za[k] = TOK(k, next_version(task_st(k)));
	W.latest_svcr[k] = SVCR_SM | SVCR_ZA;
	W.hw[cpu].za = W.latest_za[k];
	W.hw[cpu].svcr = W.latest_svcr[k];
	return 1;
}

/* ...and turns both off again (SMSTOP). */
static int ev_user_smstop(int cpu)
{
	int k = W.cur[cpu];

	if (!sme_world || k != 0 || W.t[k].mode != M_USER || !W.hw[cpu].svcr)
		return 0;
	if (el0_trap(cpu, k))
		return 1;
	observe(cpu, task_st(k));
	W.latest_svcr[k] = 0;
	regs_plain(&W.hw[cpu]);
	return 1;
}

/*
 * fpsimd_syscall_enter(): the syscall ABI keeps only the V registers, so
 * a save inside the call writes the FPSIMD layout. With SVE or without:
 * KVM's trap stores the VMM's registers that way and asserts it.
 */
static void syscall_enter(int k)
{
	int cpu = W.t[k].cpu;

	/*
	 * The entry clears PSTATE.SM in the task's live registers; ZA stays.
	 * A deferred VMM thread's registers are not its own (-v): untouched.
	 */
	if (sme_world && cpu >= 0 && !deferred(k)) {
		W.hw[cpu].svcr &= mutation == 27 ? 0 : ~SVCR_SM;
		W.latest_svcr[k] &= ~SVCR_SM;
	}
	if (mutation == 15 && no_sve)
		return;
	task_st(k)->save_as = FP_STATE_FPSIMD;
}

static int ev_syscall(int cpu)
{
	int k = W.cur[cpu];

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	syscall_enter(k);
	W.t[k].mode = M_KERNEL;
	return 1;
}

/* First SVE use of a task in FPSIMD layout: grow it to SVE. */
static int ev_sve_trap(int cpu)
{
	int k = W.cur[cpu], i;
	struct fpstate *st;

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	st = task_st(k);
	if (st->type != TYPE_FPSIMD || !st->perm_sve)
		return 0;
	if (el0_trap(cpu, k))
		return 1;
	cur_hw = &W.hw[cpu];
	if (mutation != 4)
		fpregs_evict(&W.pc[cpu], cpu, st);
	st->type = TYPE_SVE;
	for (i = 1; i < st->vl; i++) {
		W.latest[k][i] = TOK_ZERO;
		st->mem[i] = TOK_ZERO;
	}
	W.t[k].foreign = needs_load(&W.pc[cpu], cpu, st);
	W.t[k].mode = M_KERNEL;	/* returns through ev_return_to_user */
	return 1;
}

/*
 * prctl(PR_SVE_SET_VL): the task's image is cut back to FPSIMD (the
 * ABI keeps only the V registers) and its VL changes.
 */
static int ev_set_vl(int cpu)
{
	int k = W.cur[cpu], i;
	struct fpstate *st;

	if (k < 0 || W.t[k].mode != M_USER || no_sve)
		return 0;
	st = task_st(k);
	cur_hw = &W.hw[cpu];
	syscall_enter(k);
	fpregs_evict(&W.pc[cpu], cpu, st);
	st->type = TYPE_FPSIMD;
	st->vl = st->vl == 1 ? MAXCH : 1;
	for (i = 1; i < MAXCH; i++) {
		W.latest[k][i] = TOK_ZERO;
		st->mem[i] = TOK_ZERO;
	}
	W.t[k].foreign = needs_load(&W.pc[cpu], cpu, st);
	W.t[k].mode = M_KERNEL;
	return 1;
}

/* kernel_neon_begin() leaves streaming mode and ZA off, then uses NEON. */
static void kernel_neon_plain(int cpu)
{
	if (sme_world && mutation != 28)
		regs_plain(&W.hw[cpu]);
	if (W.hw[cpu].svcr & SVCR_SM)
		fail("kernel-mode NEON ran in streaming mode");
}

/* Kernel-mode NEON in a softirq, outside any guest, begin to end. */
static int ev_softirq_neon(int cpu)
{
	int k = W.cur[cpu], i;

	if (k >= 0 && W.t[k].mode == M_GUEST)
		return 0;
	cur_hw = &W.hw[cpu];
	if (mutation != 6)
		fpregs_release(&W.pc[cpu], cpu);
	kernel_neon_plain(cpu);
	W.hw[cpu].zcr = MAXCH;
	for (i = 0; i < MAXCH; i++)
		W.hw[cpu].z[i] = TOK_JUNK;
	if (k < 0)
		return 1;
	W.t[k].foreign = 1;
	/* Interrupted userspace resumes through the return path. */
	if (W.t[k].mode == M_USER)
		W.t[k].mode = M_KERNEL;
	/* Interrupted task-context kernel NEON gets its registers back. */
	if (W.t[k].kfp && mutation != 12)
		fpregs_load(&W.pc[cpu], cpu, kern_st(k));
	return 1;
}

/* Task-context kernel-mode NEON: begin, use, end (preemptible). */
static int ev_kneon_begin(int cpu)
{
	int k = W.cur[cpu];

	if (k < 0 || W.t[k].kfp ||
	    (W.t[k].mode != M_KERNEL && W.t[k].mode != M_RUN))
		return 0;
	cur_hw = &W.hw[cpu];
	fpregs_claim(&W.pc[cpu], cpu, kern_st(k));
	kernel_neon_plain(cpu);
	W.t[k].kfp = 1;
	W.t[k].foreign = 1;
	write_regs(cpu, kern_st(k));
	return 1;
}

static int ev_kneon_use(int cpu)
{
	int k = W.cur[cpu];

	if (k < 0 || !W.t[k].kfp)
		return 0;
	observe(cpu, kern_st(k));
	write_regs(cpu, kern_st(k));
	return 1;
}

static int ev_kneon_end(int cpu)
{
	int k = W.cur[cpu], i;

	if (k < 0 || !W.t[k].kfp)
		return 0;
	fpregs_discard(&W.pc[cpu], cpu, kern_st(k));
	/* Its values are dead from here on. */
	for (i = 0; i < MAXCH; i++) {
		W.latest[NTASK + NVCPU + k][i] = TOK_ZERO;
		kern_st(k)->mem[i] = TOK_ZERO;
	}
	W.t[k].kfp = 0;
	return 1;
}

/* ptrace writes a stopped task's registers. */
static int ev_ptrace(int k)
{
	struct fpstate *st = task_st(k);
	int i, c;

	if (W.t[k].cpu >= 0)
		return 0;
	for (c = 0; c < NCPU; c++)
		if (W.pc[c].owner == st && W.pc[c].dirty)
			fail("a stopped task is dirty on a CPU");
	for (i = 0; i < visible(st); i++)
		if (st->mem[i] != W.latest[k][i])
			fail("ptrace read a stale memory image");
	if (st->fpmr != W.latest_fpmr[k])
		fail("ptrace read a stale FPMR");
	if (mutation != 7)
		fpstate_invalidate(st);
	write_mem(st);
	return 1;
}

static int ev_kvm_run(int cpu)
{
	int k = W.cur[cpu];

	if (k < 0 || W.t[k].mode != M_USER || W.t[k].vcpu < 0)
		return 0;
	syscall_enter(k);	/* KVM_RUN is one */
	W.t[k].mode = M_RUN;
	/* Another thread's deferral may hold the vCPU on another CPU (-v). */
	vcpu_fetch(cpu, vcpu_st(W.t[k].vcpu), 0);
	vcpu_load(cpu, k);
	return 1;
}

static int ev_guest_enter(int cpu)
{
	int k = W.cur[cpu];
	struct task *t = k >= 0 ? &W.t[k] : NULL;

	if (!t || t->mode != M_RUN || t->kfp)
		return 0;
	/*
	 * fpu_vmm_watch_take(): the deferral ends (-v); another vCPU the
	 * thread left deferred is written back before the plan. EL0 access
	 * stays off until the way out, which loads the thread first.
	 */
	if (vmm_world) {
		fpstate_vmm_account(task_st(k), t->el0_watch);
		if (t->el0_watch == FPSTATE_WATCH_DEFER && mutation != 42) {
			cur_hw = &W.hw[cpu];
			fpregs_vmm_enter(&W.pc[cpu], cpu, vcpu_st(t->vcpu),
					 task_st(k));
		}
		if (t->el0_watch == FPSTATE_WATCH_DEFER && mutation != 40)
			t->foreign = 1;
		t->el0_watch = FPSTATE_WATCH_OFF;
	}
	t->plan = fpregs_plan_entry(&W.pc[cpu], cpu, vcpu_st(t->vcpu), task_st(k));
	t->traps_off = t->plan == FPU_GUEST_LIVE;
	/* fpsimd_sve_flush(): what the protected hypervisor grants. */
	if (pkvm_world && t->plan == FPU_GUEST_TRAP_SAVE)
		fail("protected KVM planned a VMM save its hypervisor cannot do");
	if (pkvm_world && t->traps_off && W.hyp_live[cpu] != t->vcpu)
		fail("a live entry of a vCPU the hypervisor did not leave live");
	/*
	 * Entering with the state live: VHE's hyp_fp_enter_live() does not
	 * write an SVE guest's length, which must still be in force.
	 */
	if (t->traps_off && vcpu_st(t->vcpu)->type == TYPE_SVE &&
	    W.hw[cpu].zcr != vcpu_st(t->vcpu)->vl)
		fail("a live entry found another vector length in force");
	else if (t->traps_off)
		W.hw[cpu].zcr = vcpu_st(t->vcpu)->vl;
	/*
	 * A 32-bit vCPU entered with traps on runs with FPEXC.EN set until
	 * its first access traps (__activate_traps_fpsimd32()); entered live,
	 * it gets its own FPEXC back (hyp_fp_enter_live()).
	 */
	if (vcpu_st(t->vcpu)->a32) {
		if (!t->traps_off)
			W.hw[cpu].fpexc = TOK_JUNK;
		else if (mutation != 25)
			W.hw[cpu].fpexc = vcpu_st(t->vcpu)->fpexc;
	}
	t->mode = M_GUEST;
	if (sme_world && (W.hw[cpu].svcr & SVCR_SM) &&
	    !(sme_vcpu(vcpu_st(t->vcpu)) && t->traps_off))
		fail("a guest ran in streaming mode");
	if (t->traps_off)
		observe(cpu, vcpu_st(t->vcpu));
	return 1;
}

/*
 * The hypervisor writes the VMM's registers back in the FPSIMD layout:
 * inside KVM_RUN, a system call, the ABI has dropped the rest.
 */
static void hyp_save_host(int cpu)
{
	int k = W.hd_task[cpu], i;
	struct fpstate *st;

	if (k < 0) {
		fail("the hypervisor saved the host with no thread to save to");
		return;
	}
	st = task_st(k);
	nr_saves++;
	st->mem[0] = W.hw[cpu].z[0];
	st->fpmr = W.hw[cpu].fpmr;
	st->type = TYPE_FPSIMD;
	/* fpu_guest_record_trap(): SVCR was 0, and the image says so too. */
	if (sme_world && mutation != 30)
		st->svcr = 0;
	for (i = 1; i < MAXCH; i++) {
		W.latest[k][i] = TOK_ZERO;
		st->mem[i] = TOK_ZERO;
	}
}

/*
 * fpu_guest_record_trap(): ZA left on beside the guest since vcpu_load is the
 * calling thread's newer ZA when the plan saved it, and is turned off.
 */
static void guest_trapped_za(int cpu, int k, int plan)
{
	struct fpstate *st = task_st(k);

	if (!W.hw[cpu].svcr)
		return;
	if ((W.hw[cpu].svcr & SVCR_ZA) && fpregs_trap_saves_za(plan) &&
	    mutation != 31) {
		st->za = W.hw[cpu].za;
		st->svcr = SVCR_ZA;
	}
	if (mutation != 32)
		regs_plain(&W.hw[cpu]);
}

/*
 * -g: the SME vCPU's first FP or SME use exits to the host, whose core
 * writes the owner back and loads the vCPU (fpu_guest_load()); the guest
 * then runs the instruction again with its state live.
 */
static void guest_sme_load(int cpu, int k)
{
	struct fpstate *vst = vcpu_st(W.t[k].vcpu);

	cur_hw = &W.hw[cpu];
	if (mutation == 33)
		W.pc[cpu].dirty = 0;
	fpregs_load(&W.pc[cpu], cpu, vst);
	W.t[k].foreign = 1;
	W.t[k].traps_off = 1;
}

/* -g: the SME vCPU turns streaming mode and ZA on (a new ZA), or off. */
static int ev_guest_sme(int cpu)
{
	int k = W.cur[cpu];
	struct task *t = k >= 0 ? &W.t[k] : NULL;
	struct fpstate *vst;

	if (!t || t->mode != M_GUEST || !sme_vcpu(vcpu_st(t->vcpu)))
		return 0;
	vst = vcpu_st(t->vcpu);
	if (!t->traps_off)
		guest_sme_load(cpu, k);
	observe(cpu, vst);
	if (!W.hw[cpu].svcr) {
		W.latest_za[vst->id] = TOK(vst->id, next_version(vst));
		W.latest_svcr[vst->id] = SVCR_SM | SVCR_ZA;
		W.hw[cpu].za = W.latest_za[vst->id];
		W.hw[cpu].svcr = W.latest_svcr[vst->id];
	} else {
		W.latest_svcr[vst->id] = 0;
		regs_plain(&W.hw[cpu]);
	}
	return 1;
}

static int ev_guest_fp(int cpu)
{
	int k = W.cur[cpu];
	struct task *t = k >= 0 ? &W.t[k] : NULL;
	struct fpstate *vst;

	if (!t || t->mode != M_GUEST)
		return 0;
	vst = vcpu_st(t->vcpu);
	cur_hw = &W.hw[cpu];
	if (!t->traps_off && sme_vcpu(vst)) {
		guest_sme_load(cpu, k);
	} else if (!t->traps_off) {
		if (t->plan == FPU_GUEST_TRAP_SAVE && mutation != 13)
			hyp_save_host(cpu);
		fpstate_hw_load(vst);
		fpregs_record_trap(&W.pc[cpu], cpu, vst, task_st(k), t->plan);
		/* fpsimd_sve_sync() records it at the exit, which follows. */
		if (pkvm_world && mutation != 36)
			W.hyp_live[cpu] = t->vcpu;
		if (sme_world)
			guest_trapped_za(cpu, k, t->plan);
		if (mutation != 8)
			t->foreign = 1;
		t->traps_off = 1;
	}
	observe(cpu, vst);
	write_regs(cpu, vst);
	return 1;
}

static int ev_guest_exit(int cpu)
{
	int k = W.cur[cpu];

	if (k < 0 || W.t[k].mode != M_GUEST)
		return 0;
	/* The exit keeps a 32-bit guest's FPEXC while it owns the registers. */
	if (W.t[k].traps_off && vcpu_st(W.t[k].vcpu)->a32)
		vcpu_st(W.t[k].vcpu)->fpexc = W.hw[cpu].fpexc;
	W.t[k].mode = M_RUN;
	W.t[k].traps_off = 0;
	/*
	 * The exit path leaves the lengths alone: with the guest's state in
	 * the registers, its save programs the length it needs (I7); without
	 * it, a VMM whose registers stayed live keeps its own.
	 */
	if (mutation == 14)
		W.hw[cpu].zcr = vcpu_st(W.t[k].vcpu)->vl;
	if (mutation == 43)
		W.hw[cpu].zcr = MAXCH;
	return 1;
}

static int ev_run_exit(int cpu)
{
	int k = W.cur[cpu];

	if (k < 0 || W.t[k].mode != M_RUN || W.t[k].kfp)
		return 0;
	cur_hw = &W.hw[cpu];
	W.t[k].mode = M_KERNEL;
	/* fpu_vmm_return() (-v): a deferral leaves the vCPU unsaved. */
	if (vmm_world) {
		struct fpstate *vst = vcpu_st(W.t[k].vcpu);
		int was = W.t[k].el0_watch;

		W.t[k].el0_watch = fpregs_plan_vmm_return(&W.pc[cpu], vst,
							  task_st(k), 0,
							  !sme_vcpu(vst));
		/* Deferred: walled off at EL0 here, not on the way out. */
		if (W.t[k].el0_watch == FPSTATE_WATCH_DEFER) {
			W.t[k].foreign = 0;
			if (mutation != 41)
				W.hw[cpu].el0_off = 1;
			return 1;
		}
		if (W.t[k].el0_watch != FPSTATE_WATCH_OFF ||
		    was == FPSTATE_WATCH_DEFER)
			W.t[k].foreign = 1;
	}
	if (mutation != 9)
		fpregs_sync(&W.pc[cpu], cpu, vcpu_st(W.t[k].vcpu));
	return 1;
}

/* The thread that runs vCPU @v, or -1. */
static int vcpu_thread(int v)
{
	int k;

	for (k = 0; k < NTASK; k++)
		if (W.t[k].vcpu == v)
			return k;
	return -1;
}

/* Is vCPU @v outside KVM_RUN (so its vcpu ioctls may run)? */
static int vcpu_idle(int v)
{
	int k = vcpu_thread(v);

	return k < 0 || (W.t[k].mode != M_RUN && W.t[k].mode != M_GUEST);
}

/* The vCPU a thread's vcpu ioctl acts on: its own, else one not running. */
static int ioctl_vcpu(int k)
{
	int v;

	if (W.t[k].vcpu >= 0)
		return W.t[k].vcpu;
	for (v = 0; v < NVCPU; v++)
		if (vcpu_idle(v))
			return v;
	return -1;
}

/*
 * KVM_GET_ONE_REG then KVM_SET_ONE_REG, from any VMM thread, as
 * kvm_arm_get_reg() and kvm_arm_set_reg() do them: the vCPU is not loaded
 * for either, GET reads the memory image (vcpu_put saved it) and SET
 * writes it, then discards any registers that still hold the vCPU.
 */
static int ev_one_reg(int cpu)
{
	int k = W.cur[cpu], v, i;
	struct fpstate *vst;

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	v = ioctl_vcpu(k);
	if (v < 0)
		return 0;
	vst = vcpu_st(v);
	/* kvm_arch_vcpu_fetch_fp() at the top of each vCPU ioctl (-v). */
	if (mutation != 39)
		vcpu_fetch(cpu, vst, 1);
	for (i = 0; i < visible(vst); i++)
		if (vst->mem[i] != W.latest[vst->id][i])
			fail("KVM_GET_ONE_REG read a stale vCPU value");
	write_mem(vst);
	if (mutation != 10)
		vcpu_discard(cpu, vst);
	return 1;
}

/*
 * KVM_SET_ONE_REG of a Z register from a buffer that faults part-way:
 * copy_from_user() has rewritten the start of the register (chunk 0) and
 * zeroed the rest, and the ioctl fails with EFAULT. Any VMM thread may
 * make the call while the vCPU is not in KVM_RUN.
 */
static int ev_one_reg_fault(int cpu)
{
	int k = W.cur[cpu], v, i;
	struct fpstate *vst;

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	v = ioctl_vcpu(k);
	if (v < 0)
		return 0;
	vst = vcpu_st(v);
	vcpu_fetch(cpu, vst, 1);
	W.latest[vst->id][0] = TOK(vst->id, next_version(vst));
	vst->mem[0] = W.latest[vst->id][0];
	for (i = 1; i < visible(vst); i++) {
		W.latest[vst->id][i] = TOK_ZERO;
		vst->mem[i] = TOK_ZERO;
	}
	/* kvm_arm_set_reg(): whatever the outcome, the image may have changed. */
	if (mutation != 16)
		vcpu_discard(cpu, vst);
	return 1;
}

/*
 * KVM_ARM_GET_FP_STATE on one vCPU, then KVM_ARM_SET_FP_STATE of that
 * image on another (the VTL hand-over, a migration), from any VMM thread
 * while neither vCPU is in KVM_RUN. GET makes the image current
 * (fpu_guest_fetch()) and must read the latest values; SET builds the
 * new image, then discards any registers that hold the target
 * (kvm_arch_vcpu_fp_changed()). The target's new values are its own
 * tokens: the model tracks values by owner, and what SET copies is data.
 */
static int ev_fp_state(int cpu)
{
	int k = W.cur[cpu], v, w, i;
	struct fpstate *vst, *wst;

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	v = ioctl_vcpu(k);
	if (v < 0)
		return 0;
	w = (v + 1) % NVCPU;
	if (!vcpu_idle(w))
		w = v;
	vst = vcpu_st(v);
	wst = vcpu_st(w);
	vcpu_fetch(cpu, vst, 1);
	vcpu_fetch(cpu, wst, 1);
	fpregs_sync(&W.pc[cpu], cpu, vst);
	for (i = 0; i < visible(vst); i++)
		if (vst->mem[i] != W.latest[vst->id][i])
			fail("KVM_ARM_GET_FP_STATE read a stale vCPU value");
	write_mem(wst);
	if (mutation != 34)
		vcpu_discard(cpu, wst);
	return 1;
}

/*
 * Signal delivery on the way back to userspace: setup_rt_frame() makes
 * current's image current (fpsimd_signal_preserve_current_state()) and
 * copies it, FPMR included, to the frame. The registers may be another
 * task's by then (current was switched out in the kernel).
 */
static int ev_signal(int cpu)
{
	int k = W.cur[cpu], i;
	struct fpstate *st;

	if (k < 0 || W.t[k].mode != M_KERNEL || W.t[k].kfp)
		return 0;
	st = task_st(k);
	cur_hw = &W.hw[cpu];
	fpregs_sync(&W.pc[cpu], cpu, st);
	W.t[k].foreign = 1;
	if (mutation == 18)
		st->fpmr = cur_hw->fpmr;
	for (i = 0; i < visible(st); i++)
		if (st->mem[i] != W.latest[k][i])
			fail("a signal frame got a stale image");
	if (st->fpmr != W.latest_fpmr[k])
		fail("a signal frame got a stale FPMR");
	if (sme_world && k == 0) {
		if (st->svcr != W.latest_svcr[k] ||
		    ((st->svcr & SVCR_ZA) && st->za != W.latest_za[k]))
			fail("a signal frame got a stale SVCR or ZA");
		/* fpsimd_signal_sme_off(): flush, then SM and ZA off in memory. */
		fpregs_evict(&W.pc[cpu], cpu, st);
		st->svcr = 0;
		W.latest_svcr[k] = 0;
	}
	return 1;
}

/*
 * rt_sigreturn: the frame's values, as the handler may have changed them,
 * become current's. The registers are written back and forgotten first
 * (the image is rewritten record by record), so what the frame does not
 * carry (ZA with no record, say) survives. fpsimd_update_current_state()
 * discards current's
 * registers and writes the V registers to the image; FPMR goes to the
 * image as well (fpsimd_update_current_fpmr()): the return to userspace
 * loads it from there.
 */
static int ev_sigreturn(int cpu)
{
	int k = W.cur[cpu], i, ver;
	struct fpstate *st;

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	st = task_st(k);
	cur_hw = &W.hw[cpu];
	syscall_enter(k);
	/* restore_sigframe(): fpsimd_save_and_flush_current_state() first. */
	fpregs_evict(&W.pc[cpu], cpu, st);
	fpregs_discard(&W.pc[cpu], cpu, st);
	W.t[k].foreign = 1;
	ver = next_version(st);
	for (i = 0; i < visible(st); i++) {
		W.latest[k][i] = TOK(k, ver);
		st->mem[i] = W.latest[k][i];
	}
	W.latest_fpmr[k] = TOK(k, ver);
	if (mutation == 17)
		cur_hw->fpmr = W.latest_fpmr[k];
	else
		st->fpmr = W.latest_fpmr[k];
	W.t[k].mode = M_KERNEL;
	return 1;
}

/*
 * kvm_reset_vcpu(): KVM_ARM_VCPU_INIT from the VMM (vCPU not loaded), or
 * a PSCI CPU_ON handled inside KVM_RUN (loaded: put, reset, load again).
 * The image is zeroed and kvm_arch_vcpu_fp_changed() discards.
 */
static int ev_vcpu_reset(int cpu)
{
	int k = W.cur[cpu];
	struct fpstate *vst;

	if (k < 0 || W.t[k].vcpu < 0 || W.t[k].kfp ||
	    (W.t[k].mode != M_USER && W.t[k].mode != M_RUN))
		return 0;
	vst = vcpu_st(W.t[k].vcpu);
	cur_hw = &W.hw[cpu];
	if (W.t[k].mode == M_RUN)
		fpregs_sync(&W.pc[cpu], cpu, vst);
	else
		vcpu_fetch(cpu, vst, 1);	/* KVM_ARM_VCPU_INIT */
	zero_mem(vst);
	if (mutation != 19)
		vcpu_discard(cpu, vst);
	/* kvm_reset_vcpu() loads a vCPU it put again. */
	if (W.t[k].mode == M_RUN)
		vcpu_load(cpu, k);
	return 1;
}

/*
 * A VMM thread closes a vCPU of another thread (the next vCPU, not in
 * KVM_RUN) and creates one again, which lands at the same address (the
 * model's context is reused): kvm_arm_vcpu_destroy() drops
 * the SVE image (fpu_guest_set_sve(NULL): a discard), the new vCPU is set
 * up by fpu_guest_init() (live nowhere, whatever records still point at
 * the address), then KVM_ARM_VCPU_FINALIZE gives it its SVE image at the
 * vector length the VMM chose this time (fpu_guest_set_sve(): a discard).
 */
static int ev_vcpu_recreate(int cpu)
{
	int k = W.cur[cpu], v;
	struct fpstate *vst;

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	v = (W.t[k].vcpu + 1) % NVCPU;
	if (!vcpu_idle(v))
		return 0;
	vst = vcpu_st(v);
	cur_hw = &W.hw[cpu];
	vcpu_discard(cpu, vst);
	/* fpu_guest_init(); a fresh allocation is zeroed (CPU 0). */
	vst->last_cpu = mutation == 20 ? 0 : FPSTATE_NO_CPU;
	vst->type = TYPE_FPSIMD;
	zero_mem(vst);
	if (!no_sve && !vst->a32) {
		vcpu_discard(cpu, vst);
		vst->type = TYPE_SVE;
		vst->vl = vst->vl == 1 ? MAXCH : 1;
	}
	return 1;
}

/*
 * KVM_RUN from another thread: the current thread (in userspace) takes
 * over the next vCPU, whose thread is not in KVM_RUN, and gives its own
 * vCPU, if any, to that thread.
 */
static int ev_vcpu_take(int cpu)
{
	int k = W.cur[cpu], v, j;

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	v = (W.t[k].vcpu + 1) % NVCPU;
	j = vcpu_thread(v);
	if (j < 0 || !vcpu_idle(v))
		return 0;
	W.t[j].vcpu = W.t[k].vcpu;
	W.t[k].vcpu = v;
	return 1;
}

/*
 * execve(): fpsimd_flush_thread() discards current's registers and resets
 * its image to zero, FPSIMD only.
 */
static int ev_exec(int cpu)
{
	int k = W.cur[cpu];
	struct fpstate *st;

	if (k < 0 || W.t[k].mode != M_USER)
		return 0;
	st = task_st(k);
	cur_hw = &W.hw[cpu];
	syscall_enter(k);
	/* fpsimd_flush_thread(): a deferral ends, the vCPU written back (-v). */
	if (deferred(k))
		fpregs_release(&W.pc[cpu], cpu);
	if (mutation != 22)
		fpregs_discard(&W.pc[cpu], cpu, st);
	W.t[k].foreign = 1;
	W.t[k].el0_watch = FPSTATE_WATCH_OFF;
	st->type = TYPE_FPSIMD;
	zero_mem(st);
	W.t[k].mode = M_KERNEL;
	return 1;
}

/* The registers of @cpu lose their contents (power down, hotplug). */
static void lose_regs(int cpu)
{
	int i;

	for (i = 0; i < MAXCH; i++)
		W.hw[cpu].z[i] = TOK_JUNK;
	W.hw[cpu].fpmr = TOK_JUNK;
	W.hw[cpu].fpexc = TOK_JUNK;
	W.hw[cpu].svcr = 0;
	W.hw[cpu].za = TOK_JUNK;
}

/*
 * An idle CPU enters a low-power state that loses the FP registers:
 * CPU_PM_ENTER calls fpsimd_save_and_flush_cpu_state().
 */
static int ev_cpu_pm(int cpu)
{
	if (W.cur[cpu] >= 0)
		return 0;
	cur_hw = &W.hw[cpu];
	if (mutation != 23)
		fpregs_release(&W.pc[cpu], cpu);
	lose_regs(cpu);
	return 1;
}

/*
 * CPU hotplug: an idle CPU goes offline and comes back with registers
 * that hold nothing; the dead callback (fpregs_cpuhp_dead(), on another
 * CPU) clears its record.
 */
static int ev_cpu_dead(int cpu)
{
	if (W.cur[cpu] >= 0)
		return 0;
	if (mutation != 24)
		fpregs_cpu_dead(&W.pc[cpu]);
	lose_regs(cpu);
	W.hw[cpu].zcr = MAXCH;
	return 1;
}

/*
 * -a: a vCPU thread of another VM, with a 32-bit vCPU that does not touch
 * FP, runs on an idle CPU: its trapping entry sets FPEXC32_EL2.EN and
 * nothing else changes (the registers were not dirty, it never traps).
 */
static int ev_other_a32_guest(int cpu)
{
	if (!a32_world || W.cur[cpu] >= 0 || W.pc[cpu].dirty)
		return 0;
	W.hw[cpu].fpexc = TOK_JUNK;
	return 1;
}

/* ---- invariants ---- */

static void check_invariants(void)
{
	int c, i, x;

	for (c = 0; c < NCPU; c++) {
		struct fpregs_cpu *pc = &W.pc[c];

		if (pc->dirty && (!pc->owner || pc->owner->last_cpu != c))
			fail("I1: a dirty CPU without a live owner");
		if (pc->owner && pc->owner->last_cpu == c) {
			struct fpstate *st = pc->owner;

			for (i = 0; i < visible(st); i++) {
				uint16_t want = pc->dirty ? W.latest[st->id][i] : st->mem[i];

				if (st->type == TYPE_SVE && W.hw[c].zcr < st->vl)
					fail("I4: live SVE context with a shorter VL in force");
				if (W.hw[c].z[i] != want)
					fail("I4: a live context is not in its CPU's registers");
			}
			if (has_fpmr(st) &&
			    W.hw[c].fpmr != (pc->dirty ? W.latest_fpmr[st->id] : st->fpmr))
				fail("I4: a live context's FPMR is not in its CPU's register");
		}
	}
	for (x = 0; x < NCTX; x++) {
		struct fpstate *st = &W.ctx[x];
		int dirty_on = 0;

		for (c = 0; c < NCPU; c++)
			if (W.pc[c].owner == st && W.pc[c].dirty)
				dirty_on++;
		if (dirty_on > 1)
			fail("I2: a context is dirty on two CPUs");
		if (!dirty_on) {
			for (i = 0; i < visible(st); i++)
				if (st->mem[i] != W.latest[x][i])
					fail("I3: latest values lost");
			if (st->fpmr != W.latest_fpmr[x])
				fail("I3: latest FPMR lost");
			if (st->svcr != W.latest_svcr[x] ||
			    ((st->svcr & SVCR_ZA) && st->za != W.latest_za[x]))
				fail("I3: latest SVCR or ZA lost");
		}
	}
	/* FPEXC32 is written back at every exit that owned the registers. */
	for (x = 0; x < NTASK; x++)
		if (W.t[x].vcpu >= 0 && W.t[x].mode != M_GUEST &&
		    vcpu_st(W.t[x].vcpu)->fpexc !=
		    W.latest_fpexc[NTASK + W.t[x].vcpu])
			fail("I3: a 32-bit vCPU's latest FPEXC lost");
	for (x = 0; x < NTASK; x++) {
		struct task *t = &W.t[x];

		if (t->cpu >= 0 && t->kfp &&
		    !fpregs_is_live(&W.pc[t->cpu], t->cpu, kern_st(x)))
			fail("a task in kernel-mode NEON runs without its registers");
		/* A deferred thread's userspace has no EL0 access at all (-v). */
		int walled = deferred(x) && t->cpu >= 0 && W.hw[t->cpu].el0_off;

		if (t->cpu >= 0 && !t->foreign && !t->kfp && t->mode != M_GUEST &&
		    !walled && !fpregs_is_live(&W.pc[t->cpu], t->cpu, task_st(x)))
			fail("TIF_FOREIGN_FPSTATE clear but the task is not live");
		if (t->cpu >= 0 && !t->foreign && !t->kfp && t->mode != M_GUEST &&
		    !walled && !W.pc[t->cpu].dirty)
			fail("I6: TIF_FOREIGN_FPSTATE clear but the CPU is not dirty");
		if (t->mode == M_GUEST && t->traps_off &&
		    !fpregs_is_live(&W.pc[t->cpu], t->cpu, vcpu_st(t->vcpu)))
			fail("guest runs without FP traps but its state is not live");
	}
}

/* ---- search ---- */

/* Renumber versions so that states equal up to version names merge. */
static void canonicalize(void)
{
	uint16_t *slots[(MAXCH + 3) * (2 + NCPU)];
	int x, c, i, v, n;

	for (x = 0; x < NCTX; x++) {
		uint8_t present[MAXVER] = { 0 }, map[MAXVER];
		int next = 1;

		n = 0;
		for (i = 0; i < MAXCH; i++) {
			slots[n++] = &W.latest[x][i];
			slots[n++] = &W.ctx[x].mem[i];
			for (c = 0; c < NCPU; c++)
				slots[n++] = &W.hw[c].z[i];
		}
		slots[n++] = &W.latest_fpmr[x];
		slots[n++] = &W.ctx[x].fpmr;
		slots[n++] = &W.latest_fpexc[x];
		slots[n++] = &W.ctx[x].fpexc;
		slots[n++] = &W.latest_za[x];
		slots[n++] = &W.ctx[x].za;
		for (c = 0; c < NCPU; c++) {
			slots[n++] = &W.hw[c].fpmr;
			slots[n++] = &W.hw[c].fpexc;
			slots[n++] = &W.hw[c].za;
		}
		for (i = 0; i < n; i++)
			if (*slots[i] != TOK_JUNK && *slots[i] != TOK_ZERO &&
			    TOK_ID(*slots[i]) == x)
				present[TOK_VER(*slots[i])] = 1;
		for (v = 1; v < MAXVER; v++)
			if (present[v])
				map[v] = next++;
		for (i = 0; i < n; i++)
			if (*slots[i] != TOK_JUNK && *slots[i] != TOK_ZERO &&
			    TOK_ID(*slots[i]) == x && TOK_VER(*slots[i]))
				*slots[i] = TOK(x, map[TOK_VER(*slots[i])]);
	}
}

static uint64_t hash_world(void)
{
	const unsigned char *p = (const unsigned char *)&W;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < sizeof(W); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h ? h : 1;
}

/*
 * Visited states, stored exactly: an open-addressing table of hashes,
 * each with the index of its whole world in an arena. Two worlds with the
 * same hash are told apart by their bytes (counted in collisions), so no
 * state is ever skipped because another one hashed alike.
 */
#define HBITS	25
static uint64_t *seen_hash;
static uint32_t *seen_at;
static uint8_t *seen_depth;
static struct world *arena;
static size_t arena_len, arena_cap;
static unsigned long states, transitions, collisions;

static uint32_t remember(void)
{
	if (arena_len == arena_cap) {
		arena_cap = arena_cap ? arena_cap * 2 : 1UL << 16;
		arena = realloc(arena, arena_cap * sizeof(*arena));
		if (!arena) {
			fprintf(stderr, "model: out of memory for %zu states\n",
				arena_cap);
			exit(2);
		}
	}
	arena[arena_len] = W;
	return arena_len++;
}

/* Returns 1 if the state is new (or now seen with more depth to go). */
static int visit(int remaining)
{
	uint64_t h = hash_world();
	size_t i = h & ((1UL << HBITS) - 1);

	if (states >= (1UL << HBITS) / 2) {
		fprintf(stderr, "model: more than %lu states: raise HBITS\n",
			states);
		exit(2);
	}
	for (;;) {
		if (!seen_hash[i]) {
			seen_hash[i] = h;
			seen_at[i] = remember();
			seen_depth[i] = remaining;
			states++;
			return 1;
		}
		if (seen_hash[i] == h) {
			if (memcmp(&arena[seen_at[i]], &W, sizeof(W))) {
				collisions++;
			} else {
				if (seen_depth[i] >= remaining)
					return 0;
				seen_depth[i] = remaining;
				return 1;
			}
		}
		i = (i + 1) & ((1UL << HBITS) - 1);
	}
}

#define MAXDEPTH 16
#define NNAMED		29
#define PER_CPU		(NNAMED + NTASK + 1)
#define NEVENTS		(NCPU * PER_CPU + NTASK)

/* Events are numbered per CPU (named events, then switch_to), then ptrace. */
static int do_event(int e)
{
	int cpu = e / PER_CPU, ev = e % PER_CPU;

	if (cpu >= NCPU)
		return ev_ptrace(e - NCPU * PER_CPU);
	switch (ev) {
	case 0: return ev_return_to_user(cpu);
	case 1: return ev_user_fp(cpu);
	case 2: return ev_syscall(cpu);
	case 3: return ev_sve_trap(cpu);
	case 4: return ev_softirq_neon(cpu);
	case 5: return ev_kvm_run(cpu);
	case 6: return ev_guest_enter(cpu);
	case 7: return ev_guest_fp(cpu);
	case 8: return ev_guest_exit(cpu);
	case 9: return ev_run_exit(cpu);
	case 10: return ev_one_reg(cpu);
	case 11: return ev_kneon_begin(cpu);
	case 12: return ev_kneon_use(cpu);
	case 13: return ev_kneon_end(cpu);
	case 14: return ev_set_vl(cpu);
	case 15: return ev_one_reg_fault(cpu);
	case 16: return ev_signal(cpu);
	case 17: return ev_sigreturn(cpu);
	case 18: return ev_vcpu_reset(cpu);
	case 19: return ev_vcpu_recreate(cpu);
	case 20: return ev_vcpu_take(cpu);
	case 21: return ev_exec(cpu);
	case 22: return ev_cpu_pm(cpu);
	case 23: return ev_cpu_dead(cpu);
	case 24: return ev_other_a32_guest(cpu);
	case 25: return ev_user_sme(cpu);
	case 26: return ev_user_smstop(cpu);
	case 27: return ev_guest_sme(cpu);
	case 28: return ev_fp_state(cpu);
	default: return ev_sched(cpu, ev - NNAMED < NTASK ? ev - NNAMED : -1);
	}
}

static const char *event_name(int e, char *buf, size_t len)
{
	static const char *const names[NNAMED] = {
		"return_to_user", "user_fp", "syscall", "sve_first_use",
		"softirq_neon", "kvm_run", "guest_enter", "guest_fp",
		"guest_exit", "run_exit_put", "one_reg_get_set",
		"kernel_neon_begin", "kernel_neon_use", "kernel_neon_end",
		"prctl_set_vl", "one_reg_set_fault", "signal_delivery",
		"sigreturn", "vcpu_reset", "vcpu_destroy_create_finalize",
		"kvm_run_takes_next_vcpu", "exec", "cpu_pm_enter", "cpu_dead",
		"other_a32_guest_entry", "user_smstart_za", "user_smstop",
		"guest_sme_smstart_smstop", "fp_state_get_set",
	};
	int cpu = e / PER_CPU, ev = e % PER_CPU;

	if (cpu >= NCPU)
		snprintf(buf, len, "ptrace_write(T%d)", e - NCPU * PER_CPU);
	else if (ev < NNAMED)
		snprintf(buf, len, "cpu%d:%s", cpu, names[ev]);
	else if (ev - NNAMED < NTASK)
		snprintf(buf, len, "cpu%d:switch_to(T%d)", cpu, ev - NNAMED);
	else
		snprintf(buf, len, "cpu%d:switch_to(idle)", cpu);
	return buf;
}

static int path[MAXDEPTH];

static int explore(int depth, int maxdepth)
{
	struct world saved;
	int e;

	if (depth == maxdepth)
		return 0;
	memcpy(&saved, &W, sizeof(W));
	for (e = 0; e < NEVENTS; e++) {
		if (do_event(e)) {
			transitions++;
			path[depth] = e;
			check_invariants();
			if (failure) {
				char buf[40];
				int i;

				printf("# counterexample (%d events): %s\n", depth + 1, failure);
				for (i = 0; i <= depth; i++)
					printf("#   %2d %s\n", i + 1,
					       event_name(path[i], buf, sizeof(buf)));
				return 1;
			}
			canonicalize();
			if (visit(maxdepth - depth - 1) && explore(depth + 1, maxdepth))
				return 1;
		}
		memcpy(&W, &saved, sizeof(W));
	}
	return 0;
}

static void init_world(void)
{
	int x, i, c;

	memset(&W, 0, sizeof(W));
	for (c = 0; c < NCPU; c++) {
		W.cur[c] = -1;
		W.hd_task[c] = -1;
		W.hyp_live[c] = -1;
		W.hw[c].zcr = MAXCH;
		W.hw[c].fpmr = TOK_JUNK;
		W.hw[c].fpexc = TOK_JUNK;
		for (i = 0; i < MAXCH; i++)
			W.hw[c].z[i] = TOK_JUNK;
	}
	for (x = 0; x < NCTX; x++) {
		struct fpstate *st = &W.ctx[x];

		st->id = x;
		st->last_cpu = FPSTATE_NO_CPU;
		st->kind = x >= NTASK && x < NTASK + NVCPU ? KIND_GUEST : KIND_TASK;
	}
	/* T0 runs vCPU 0 (SVE, VL 2 chunks); T1 runs vCPU 1 (SVE, VL 1). */
	/* -a: vCPU 0 is a 32-bit vCPU, FPSIMD only. */
	/* T0 and T1 start on CPUs 0 and 1, in the kernel; T2 waits. */
	for (x = 0; x < NTASK; x++) {
		W.t[x].cpu = -1;
		W.t[x].mode = M_KERNEL;
		W.t[x].foreign = 1;
		W.t[x].vcpu = x < NVCPU ? x : -1;
		if (x < NVCPU)
			vfirst[x] = x;
		task_st(x)->type = TYPE_FPSIMD;
		task_st(x)->vl = x == 1 || no_sve ? 1 : MAXCH;
		task_st(x)->perm_sve = !no_sve;
	}
	for (c = 0; c < NCPU && c < NTASK; c++) {
		W.cur[c] = c;
		W.t[c].cpu = c;
	}
	for (x = 0; x < NTASK; x++) {
		kern_st(x)->type = TYPE_FPSIMD;
		kern_st(x)->vl = 1;
	}
	/* -a: vCPU 0 is the 32-bit one instead (FPSIMD only). */
	vcpu_st(0)->type = no_sve || a32_world ? TYPE_FPSIMD : TYPE_SVE;
	vcpu_st(0)->vl = no_sve || a32_world ? 1 : 2;
	vcpu_st(0)->a32 = a32_world;
	vcpu_st(1)->type = no_sve ? TYPE_FPSIMD : TYPE_SVE;
	vcpu_st(1)->vl = 1;
	for (x = 0; x < NCTX; x++) {
		for (i = 0; i < MAXCH; i++) {
			W.latest[x][i] = i < visible(&W.ctx[x]) ?
					 TOK(x, 1) : TOK_ZERO;
			W.ctx[x].mem[i] = W.latest[x][i];
		}
		W.latest_fpmr[x] = has_fpmr(&W.ctx[x]) ? TOK(x, 1) : TOK_ZERO;
		W.ctx[x].fpmr = W.latest_fpmr[x];
		W.latest_fpexc[x] = W.ctx[x].a32 ? TOK(x, 1) : TOK_ZERO;
		W.ctx[x].fpexc = W.latest_fpexc[x];
	}
}

int main(int argc, char **argv)
{
	int depth = 9, quiet = 0, opt, found;

	while ((opt = getopt(argc, argv, "d:m:qAnasgpv")) != -1) {
		switch (opt) {
		case 'd':
			depth = atoi(optarg);
			break;
		case 'm':
			mutation = atoi(optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'A':
			asserts_off = 1;
			break;
		case 'n':
			no_sve = 1;
			break;
		case 'a':
			a32_world = 1;
			break;
		case 's':
			sme_world = 1;
			break;
		case 'g':
			sme_world = 1;
			guest_sme = 1;
			break;
		case 'p':
			pkvm_world = 1;
			break;
		case 'v':
			vmm_world = 1;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-d depth] [-m mutation] [-q] [-A] [-n] [-a] [-s] [-g] [-p] [-v]\n",
				argv[0]);
			return 2;
		}
	}
	if (depth < 1 || depth > MAXDEPTH)
		return 2;
	seen_hash = calloc(1UL << HBITS, sizeof(*seen_hash));
	seen_at = calloc(1UL << HBITS, sizeof(*seen_at));
	seen_depth = calloc(1UL << HBITS, 1);
	if (!seen_hash || !seen_at || !seen_depth)
		return 2;
	init_world();
	visit(depth);
	found = explore(0, depth);
	if (!quiet || found) {
		printf("# depth %d, mutation %d%s%s%s%s%s: ", depth, mutation,
		       no_sve ? ", no SVE" : "", a32_world ? ", 32-bit vCPU" : "",
		       guest_sme ? ", SME guest" : sme_world ? ", SME" : "",
		       pkvm_world ? ", protected KVM" : "",
		       vmm_world ? ", VMM deferral" : "");
		printf("%lu states (stored whole, %lu hash collisions), %lu transitions, %s\n",
		       states, collisions, transitions,
		       found ? "VIOLATION" : "all invariants hold");
	}
	return found ? 1 : 0;
}
