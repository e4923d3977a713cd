// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 FP/SVE core: the kernel's own use of the registers.
 *
 * kernel_neon_begin() first writes back whoever owns the registers, in
 * that owner's layout and at its vector length: a task, a task's own
 * kernel-mode NEON context (when a softirq interrupts it), or a vCPU whose
 * state stayed live after a guest exit. Nothing is lost and nothing is
 * saved at a length other than its owner's (core.c, I7).
 *
 * In task context the section is preemptible: the task's kernel-mode
 * registers are a context of their own (thread.kernel_fpstate), claimed
 * here, saved on switch-out and loaded again on switch-in. In a softirq
 * the section runs with softirqs disabled and owns nothing; if it
 * interrupted a task's section, that task's registers are put back at
 * kernel_neon_end().
 *
 * A debugfs hook at the end of this file (CONFIG_ARM64_FPSIMD_TEST_HOOKS,
 * for test kernels only) lets the selftests run softirq kernel-mode NEON
 * at will.
 *
 * EFI runtime services may also be called where kernel-mode NEON is not
 * allowed (IRQs off): then the live registers, whoever they belong to, are
 * kept in a per-CPU buffer around the call and restored unchanged.
 */

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/kvm_host.h>
#include <linux/percpu.h>
#include <asm/fpsimd.h>
#include <asm/neon.h>
#include <asm/simd.h>

#include "internal.h"

static bool neon_in_task_context(void)
{
	return IS_ENABLED(CONFIG_PREEMPT_RT) || !in_serving_softirq();
}

/**
 * kernel_neon_begin() - let the kernel use the FPSIMD registers
 *
 * Must be paired with kernel_neon_end(), in the same context, and only
 * where may_use_simd() is true.
 */
void kernel_neon_begin(void)
{
	struct fpregs_cpu *pc;
	bool locked;
	int cpu;

	if (WARN_ON(!fpregs_present()))
		return;
	WARN_ON_ONCE(!may_use_simd());

	locked = fpregs_lock();
	pc = fpregs_this_cpu();
	cpu = smp_processor_id();
	if (neon_in_task_context()) {
		/* Nested task-context sections are not allowed. */
		WARN_ON_ONCE(test_and_set_thread_flag(TIF_KERNEL_FPSTATE));
		fpregs_claim(pc, cpu, &current->thread.kernel_fpstate);
	} else {
		/* Also saves current's own section if this interrupted one. */
		fpregs_release(pc, cpu);
	}
	fpregs_mark_foreign(current);
	fpregs_make_plain();
	fpregs_unlock(locked);
}
EXPORT_SYMBOL_GPL(kernel_neon_begin);

/**
 * kernel_neon_end() - the kernel is done with the FPSIMD registers
 *
 * Their contents are dead. Current's user state comes back on the way to
 * userspace; an interrupted task-context section gets its registers back
 * now.
 */
void kernel_neon_end(void)
{
	struct fpstate *kst = &current->thread.kernel_fpstate;
	struct fpregs_cpu *pc;
	bool locked;
	int cpu;

	if (!fpregs_present())
		return;

	locked = fpregs_lock();
	pc = fpregs_this_cpu();
	cpu = smp_processor_id();
	if (neon_in_task_context()) {
		fpregs_discard(pc, cpu, kst);
		clear_tsk_thread_flag(current, TIF_KERNEL_FPSTATE);
	} else if (test_tsk_thread_flag(current, TIF_KERNEL_FPSTATE)) {
		/* A softirq's section ends: the interrupted one resumes. */
		fpregs_load(pc, cpu, kst);
	}
	fpregs_unlock(locked);
}
EXPORT_SYMBOL_GPL(kernel_neon_end);

#if defined(CONFIG_EFI) || defined(CONFIG_ARM64_FPSIMD_TEST_HOOKS)
/*
 * Code that runs where kernel-mode NEON is not allowed (IRQs masked, a
 * hardirq) but uses the FPSIMD registers: EFI runtime calls, and the
 * debugfs hook below, which does the same from a hardirq so that the
 * selftests exercise this path on kernels built without EFI. The live
 * registers, whoever they belong to, are kept in a per-CPU buffer around
 * it, saved and loaded at whatever vector length is in force. That may
 * be a vCPU's shorter one: after an nVHE exit with the guest's registers
 * live, the guest's ZCR_EL1 stays in force (hyp/fpsimd.h). Both transfers
 * use it, so every bit the guest can reach comes back, and the code in
 * between only uses the FPSIMD view, which no length changes.
 */
static DEFINE_PER_CPU(struct user_fpsimd_state, atomic_fp_regs);
static DEFINE_PER_CPU(bool, atomic_fp_held);
static DEFINE_PER_CPU(bool, atomic_sve_held);
static DEFINE_PER_CPU(bool, atomic_sm_held);
static void __percpu *atomic_sve_regs;
static unsigned int atomic_sve_vl;

/**
 * fpsimd_atomic_setup() - size the per-CPU buffer for atomic FP use
 * @vl: the longest vector length of one type (SVE, streaming) any CPU has
 *
 * Called at boot once each type's lengths are known, before anything may
 * use the buffer: it grows to the longest length of either type, since
 * the registers may be in streaming mode when an atomic user comes.
 */
void __init fpsimd_atomic_setup(unsigned int vl)
{
	void __percpu *buf;

	if (vl <= atomic_sve_vl)
		return;
	buf = __alloc_percpu(SVE_SIG_REGS_SIZE(sve_vq_from_vl(vl)),
			     SVE_VQ_BYTES);
	if (!buf) {
		pr_err("fpsimd: no per-CPU buffer for %u-byte vectors, FP use from atomic context keeps less\n",
		       vl);
		return;
	}
	free_percpu(atomic_sve_regs);
	atomic_sve_regs = buf;
	atomic_sve_vl = vl;
}

/* Keep the live registers; false if this CPU's buffer is in use. */
static bool fp_atomic_save(void)
{
	struct user_fpsimd_state *fp = this_cpu_ptr(&atomic_fp_regs);
	bool sm;

	if (__this_cpu_read(atomic_fp_held))
		return false;
	__this_cpu_write(atomic_fp_held, true);
	sm = system_supports_sme() && (read_sysreg_s(SYS_SVCR) & SVCR_SM_MASK);
	if (atomic_sve_regs && (sm || system_supports_sve())) {
		void *image = this_cpu_ptr(atomic_sve_regs);

		/*
		 * Whatever length is in force (the streaming one in streaming
		 * mode, where FFR exists only with FA64): the restore uses
		 * the same. ZA is not touched by the code in between.
		 */
		sve_save_state(image + sve_ffr_offset(atomic_sve_vl), &fp->fpsr,
			       !sm || system_supports_fa64());
		__this_cpu_write(atomic_sve_held, true);
		/* FPSIMD instructions need streaming mode off. */
		if (sm)
			sme_smstop_sm();
		__this_cpu_write(atomic_sm_held, sm);
	} else {
		fpsimd_save_state(fp);
	}
	return true;
}

/* Put back what fp_atomic_save() kept. */
static void fp_atomic_restore(void)
{
	struct user_fpsimd_state *fp = this_cpu_ptr(&atomic_fp_regs);
	bool sm = __this_cpu_xchg(atomic_sm_held, false);

	/* The test compiles the SVE load out of kernels without SVE. */
	if ((system_supports_sve() || system_supports_sme()) &&
	    __this_cpu_xchg(atomic_sve_held, false)) {
		void *image = this_cpu_ptr(atomic_sve_regs);

		/* The length in force changes with the mode: mode first. */
		if (sm)
			sme_smstart_sm();
		sve_load_state(image + sve_ffr_offset(atomic_sve_vl), &fp->fpsr,
			       !sm || system_supports_fa64());
	} else {
		fpsimd_load_state(fp);
	}
	__this_cpu_write(atomic_fp_held, false);
}
#endif /* CONFIG_EFI || CONFIG_ARM64_FPSIMD_TEST_HOOKS */

#ifdef CONFIG_EFI

static DEFINE_PER_CPU(bool, efi_fp_saved);

/**
 * __efi_fpsimd_begin() - prepare the registers for an EFI runtime call
 */
void __efi_fpsimd_begin(void)
{
	if (!fpregs_present())
		return;
	WARN_ON(preemptible());

	if (may_use_simd()) {
		kernel_neon_begin();
		return;
	}
	/* EFI calls on one CPU do not nest: the buffer is free. */
	WARN_ON_ONCE(!fp_atomic_save());
	__this_cpu_write(efi_fp_saved, true);
}

/**
 * __efi_fpsimd_end() - give the registers back after an EFI runtime call
 */
void __efi_fpsimd_end(void)
{
	if (!fpregs_present())
		return;

	if (!__this_cpu_xchg(efi_fp_saved, false)) {
		kernel_neon_end();
		return;
	}
	fp_atomic_restore();
}

#endif /* CONFIG_EFI */

#ifdef CONFIG_ARM64_FPSIMD_TEST_HOOKS
/*
 * Test hook, /sys/kernel/debug/arm64_fpsimd/softirq_neon: writing N makes
 * every online CPU run kernel-mode NEON from a softirq about once per
 * millisecond for N milliseconds (0 stops it), each time overwriting all
 * V registers, and so the upper bits of every Z register. Whoever owned
 * the registers at that moment (a task in userspace, a vCPU between two
 * guest entries) must have been saved first, at its own vector length;
 * the selftests check that their values survive. Reading gives the number
 * of sections run so far.
 *
 * The same timer's hardirq also overwrites the V registers between
 * fp_atomic_save() and fp_atomic_restore(), as an EFI runtime call from
 * atomic context does: whatever was live, at whatever length was in
 * force, must come back unchanged. hardirq_fp reads how many times.
 */
static DEFINE_PER_CPU(struct hrtimer, neon_storm_timer);
static DEFINE_PER_CPU(struct tasklet_struct, neon_storm_tasklet);
static atomic_long_t neon_storm_runs;
static atomic_long_t hardirq_fp_runs;
static u64 neon_storm_until;

/* The registers overwritten: FPSIMD only, as EFI firmware may. */
static __always_inline void neon_storm_clobber(void)
{
	asm volatile(".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		     "	movi	v\\n\\().16b, #0xa5\n"
		     ".endr\n"
		     ".irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
		     "	movi	v\\n\\().16b, #0x5a\n"
		     ".endr\n"
		     "	msr	fpsr, xzr\n" : : : "memory");
}

static void neon_storm_section(struct tasklet_struct *unused)
{
	if (!may_use_simd())
		return;
	kernel_neon_begin();
	neon_storm_clobber();
	kernel_neon_end();
	atomic_long_inc(&neon_storm_runs);
}

static enum hrtimer_restart neon_storm_tick(struct hrtimer *timer)
{
	if (fp_atomic_save()) {
		neon_storm_clobber();
		fp_atomic_restore();
		atomic_long_inc(&hardirq_fp_runs);
	}
	tasklet_schedule(this_cpu_ptr(&neon_storm_tasklet));
	if (ktime_get_ns() >= READ_ONCE(neon_storm_until))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

static void neon_storm_start(void *unused)
{
	struct hrtimer *timer = this_cpu_ptr(&neon_storm_timer);

	if (!hrtimer_active(timer))
		hrtimer_start(timer, ms_to_ktime(1), HRTIMER_MODE_REL_PINNED);
}

static int neon_storm_get(void *data, u64 *val)
{
	*val = atomic_long_read(&neon_storm_runs);
	return 0;
}

static int neon_storm_set(void *data, u64 ms)
{
	WRITE_ONCE(neon_storm_until, ktime_get_ns() + ms * NSEC_PER_MSEC);
	if (ms)
		on_each_cpu(neon_storm_start, NULL, true);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(neon_storm_fops, neon_storm_get, neon_storm_set,
			 "%llu\n");

static int hardirq_fp_get(void *data, u64 *val)
{
	*val = atomic_long_read(&hardirq_fp_runs);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(hardirq_fp_fops, hardirq_fp_get, NULL, "%llu\n");

static int __init neon_storm_init(void)
{
	struct dentry *dir;
	int cpu;

	if (!system_supports_fpsimd())
		return 0;
	for_each_possible_cpu(cpu) {
		hrtimer_init(per_cpu_ptr(&neon_storm_timer, cpu), CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED);
		per_cpu_ptr(&neon_storm_timer, cpu)->function = neon_storm_tick;
		tasklet_setup(per_cpu_ptr(&neon_storm_tasklet, cpu),
			      neon_storm_section);
	}
	dir = debugfs_create_dir("arm64_fpsimd", NULL);
	debugfs_create_file_unsafe("softirq_neon", 0600, dir, NULL,
				   &neon_storm_fops);
	debugfs_create_file_unsafe("hardirq_fp", 0400, dir, NULL,
				   &hardirq_fp_fops);
	return 0;
}
late_initcall(neon_storm_init);

#if IS_ENABLED(CONFIG_KVM)
/**
 * fpsimd_test_switch_check() - report a task switch with a vCPU loaded
 *
 * Called at every task switch of a test kernel. KVM's preempt notifier
 * puts a loaded vCPU before its thread is switched out; a vCPU still
 * loaded here means the notifier did not run, which under emulation has
 * been the emulator running scheduler code from before KVM's static key
 * patched the call in (docs/emulators.md). Reported and not warned about:
 * the fault is not the kernel's, and the line lets the runs count it.
 */
void fpsimd_test_switch_check(void)
{
	struct kvm_vcpu *vcpu = kvm_get_running_vcpu();

	if (unlikely(vcpu))
		pr_err_ratelimited("fpsimd test: vCPU %d of %s still loaded at a task switch on CPU %d: missed vcpu_put\n",
				   vcpu->vcpu_id, current->comm,
				   smp_processor_id());
}
#endif
#endif /* CONFIG_ARM64_FPSIMD_TEST_HOOKS */
