/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interfaces between the files of the arm64 FP core. Nothing outside
 * arch/arm64/kernel/fpsimd/ includes this.
 */
#ifndef __ARM64_KERNEL_FPSIMD_INTERNAL_H
#define __ARM64_KERNEL_FPSIMD_INTERNAL_H

#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <asm/fpsimd.h>
#include <asm/fpstate.h>
#include <asm/fpu_guest.h>
#include <asm/sysreg.h>

/* context.c: the register transfers behind the ownership decisions */
void fpstate_hw_save(struct fpstate *st);
void fpstate_hw_load(struct fpstate *st);
struct task_struct *fpstate_task(struct fpstate *st);
unsigned int fpstate_vl(struct fpstate *st);
enum fp_type fpstate_type(struct fpstate *st);
unsigned int fpstate_components(struct fpstate *st);
size_t fpstate_size(struct fpstate *st);
void fpstate_save_za(struct task_struct *t);

#define FPREGS_ASSERT(c)		WARN_ON_ONCE(!(c))
/* Release: pairs with the acquire in fpu_guest_fetch_cpu() (guest.c). */
#define fpregs_set_clean(pc)	smp_store_release(&(pc)->dirty, 0)
#include "policy.h"

/*
 * How to hold this CPU's ownership record still: IRQs off (preemption off
 * on PREEMPT_RT, where softirqs, kernel-mode NEON's among them, run in
 * threads), or nothing when IRQs are already off. The sections are short,
 * at most one save and one load, so IRQs off costs less latency than it
 * saves: the softirq check of local_bh_enable() on every return to
 * userspace that reloads FP. fpregs_lock() returns what
 * fpregs_unlock() must undo.
 */
static inline bool fpregs_lock(void)
{
	if (irqs_disabled())
		return false;
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_disable();
	else
		local_irq_disable();
	return true;
}

static inline void fpregs_unlock(bool locked)
{
	if (!locked)
		return;
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_enable();
	else
		local_irq_enable();
}

/* Whether this system has FP/SIMD at all: without it the core does nothing. */
static inline bool fpregs_present(void)
{
	return system_supports_fpsimd();
}

/*
 * @t's user context is not (or no longer) live and dirty here: it goes
 * through fpsimd_restore_current_state() before its userspace runs.
 */
static inline void fpregs_mark_foreign(struct task_struct *t)
{
	/* Only @t, on its way to userspace, clears it: test first. */
	if (!test_tsk_thread_flag(t, TIF_FOREIGN_FPSTATE))
		set_tsk_thread_flag(t, TIF_FOREIGN_FPSTATE);
}

/* EL0 FP/SIMD access on (the default) or trapped, for this CPU's task. */
static inline void fpregs_el0_set_fp(bool on)
{
	sysreg_clear_set(cpacr_el1, CPACR_EL1_FPEN_EL0EN,
			 on ? CPACR_EL1_FPEN_EL0EN : 0);
}

/*
 * EL0 FP, SVE and SME access all trapped: the registers hold someone
 * else's state (a VMM thread whose registers KVM deferred).
 */
static inline void fpregs_el0_trap_all(void)
{
	sysreg_clear_set(cpacr_el1, CPACR_EL1_FPEN_EL0EN |
			 CPACR_EL1_ZEN_EL0EN | CPACR_EL1_SMEN_EL0EN, 0);
}

/* KVM's VMM watch or deferral is on for current (FPSTATE_WATCH_*). */
static inline bool fpstate_el0_watched(unsigned int w)
{
	return w == FPSTATE_WATCH_ARMED || w == FPSTATE_WATCH_DEFER;
}

bool fpregs_handle_el0_trap(void);

/* The record itself; use it through fpregs_this_cpu() only. */
DECLARE_PER_CPU(struct fpregs_cpu, fpregs_owner);

/* The record is held still: by fpregs_lock(), or with IRQs off. */
static inline void fpregs_assert_locked(void)
{
	lockdep_assert_preemption_disabled();
	lockdep_assert(irqs_disabled() || IS_ENABLED(CONFIG_PREEMPT_RT));
}

/*
 * This CPU's ownership record, checked to be held still. Inline: KVM
 * reads it on every guest entry.
 */
static inline struct fpregs_cpu *fpregs_this_cpu(void)
{
	fpregs_assert_locked();
	return this_cpu_ptr(&fpregs_owner);
}

void fpregs_evict_task(struct task_struct *t);
void fpregs_restore_user_locked(void);

/*
 * The registers hold nobody's user state now (it was saved, or is not
 * wanted): leave streaming mode and turn ZA off, so that the kernel's
 * FPSIMD code, and any context loaded next, start from plain registers.
 */
static inline void fpregs_make_plain(void)
{
	if (system_supports_sme() && read_sysreg_s(SYS_SVCR))
		sme_smstop();
}

void __init fpregs_init(void);

/* signal.c: moving values between the FPSIMD and SVE layouts */
void fpsimd_to_sve(struct task_struct *task);
void sve_to_fpsimd(struct task_struct *task);

/* vl.c: vector lengths */
void fpsimd_flush_thread_vl(enum vec_type type);
void sve_free_state(struct task_struct *task);
int __init vec_sysctl_init(void);

/* kernel.c: FP use from atomic context (EFI runtime services, a test hook) */
#if defined(CONFIG_KERNEL_MODE_NEON) && \
	(defined(CONFIG_EFI) || defined(CONFIG_ARM64_FPSIMD_TEST_HOOKS))
void __init fpsimd_atomic_setup(unsigned int vl);
#else
static inline void fpsimd_atomic_setup(unsigned int vl) { }
#endif

/* kernel.c: the test kernels' check of KVM's preempt notifiers */
#if defined(CONFIG_ARM64_FPSIMD_TEST_HOOKS) && IS_ENABLED(CONFIG_KVM)
void fpsimd_test_switch_check(void);
#else
static inline void fpsimd_test_switch_check(void) { }
#endif

#endif /* __ARM64_KERNEL_FPSIMD_INTERNAL_H */
