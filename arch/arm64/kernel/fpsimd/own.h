/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FP register ownership: the decisions, without the hardware.
 *
 * This header is plain C. The kernel includes it from core.c with the real
 * register transfers behind fpstate_hw_save() and fpstate_hw_load();
 * tools/testing/fpsimd-model/ includes it on the build host with a fake
 * register file behind the same two names and explores every sequence of
 * events against the invariants (DOC: Invariants in core.c). Nothing here
 * may depend on kernel headers beyond what the includer provides: struct
 * fpstate's ownership fields and save_as, the names of enum fp_type and
 * of enum fpu_guest_plan, the two transfers, and FPREGS_ASSERT().
 *
 * Words used below
 *   context   a struct fpstate: the FP/SVE state of one task or one vCPU,
 *             with its memory image and a description of its layout.
 *   live      context C is live on CPU n when the per-CPU record of n names
 *             C as its owner and C names n as its last CPU. Only then may
 *             C's latest values be in n's registers.
 *   dirty     the registers of CPU n may hold values newer than the memory
 *             image of their owner. Only a live owner can be dirty.
 *
 * Calling rules: every function here runs with the CPU's ownership record
 * stable: in the kernel, with IRQs disabled (preemption disabled on
 * PREEMPT_RT), which the kernel wrappers assert.
 */
#ifndef __ARM64_KERNEL_FPSIMD_OWN_H
#define __ARM64_KERNEL_FPSIMD_OWN_H

/* No CPU: the context is not recorded as loaded anywhere. */
#define FPSTATE_NO_CPU	(-1)

/*
 * A save is complete: the owner's memory holds what the registers do. The
 * kernel publishes it with release semantics, for another CPU that reads
 * the record to learn whether a vCPU's image is current (fpu_guest_fetch()).
 */
#ifndef fpregs_set_clean
#define fpregs_set_clean(pc)	((pc)->dirty = 0)
#endif

/**
 * struct fpregs_cpu - per-CPU record of whose FP state the registers hold
 * @owner: the context last loaded into (or saved from) the registers, or
 *         NULL when the registers hold nobody's state (kernel-mode NEON
 *         used them, or nothing was loaded since boot or resume)
 * @dirty: the registers may be newer than @owner's memory image
 */
struct fpregs_cpu {
	struct fpstate	*owner;
	int		dirty;
};

/**
 * fpregs_is_live() - are @st's latest values possibly in @cpu's registers?
 * @pc: the ownership record of @cpu
 * @cpu: the CPU number
 * @st: the context
 *
 * Return: non-zero when @st is live on @cpu, so a load can be skipped.
 */
static inline int fpregs_is_live(const struct fpregs_cpu *pc, int cpu,
				 const struct fpstate *st)
{
	return pc->owner == st && st->last_cpu == cpu;
}

/**
 * fpregs_save() - write the registers back to their owner if they are newer
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 *
 * The registers stay recorded as the owner's: if nobody else loads before
 * the owner runs again on this CPU, it does not need a reload.
 *
 * Return: non-zero when a save was done.
 */
static inline int fpregs_save(struct fpregs_cpu *pc, int cpu)
{
	if (!pc->dirty)
		return 0;
	FPREGS_ASSERT(pc->owner && pc->owner->last_cpu == cpu);
	fpstate_hw_save(pc->owner);
	fpregs_set_clean(pc);
	return 1;
}

/**
 * fpregs_release() - save the owner, then forget it: the registers are about
 *                   to hold state that belongs to nobody (kernel-mode NEON)
 * @pc: the ownership record of the current CPU
 * @cpu: the current CPU number
 *
 * Return: non-zero when a save was done.
 */
static inline int fpregs_release(struct fpregs_cpu *pc, int cpu)
{
	int saved = fpregs_save(pc, cpu);

	pc->owner = NULL;
	return saved;
}

/**
 * fpregs_load() - make @st live on @cpu, reloading only if it is not already
 * @pc: the ownership record of @cpu
 * @cpu: the current CPU number
 * @st: the context that is about to run with the registers
 *
 * A dirty previous owner is written back first. On return @st is live and
 * the CPU is dirty: the caller is about to let @st run with the registers.
 *
 * Return: non-zero when the registers were loaded, zero when @st was still
 * live and the load was skipped.
 */
static inline int fpregs_load(struct fpregs_cpu *pc, int cpu, struct fpstate *st)
{
	int loaded = 0;

	if (!fpregs_is_live(pc, cpu, st)) {
		fpregs_save(pc, cpu);
		fpstate_hw_load(st);
		pc->owner = st;
		st->last_cpu = cpu;
		loaded = 1;
	}
	pc->dirty = 1;
	return loaded;
}

/**
 * fpregs_claim() - make @st the owner of registers it will fill itself
 * @pc: the ownership record of @cpu
 * @cpu: the current CPU number
 * @st: a context whose previous values do not matter (kernel-mode NEON
 *      starting afresh)
 *
 * Like fpregs_load() without the load: a dirty previous owner is written
 * back, then @st owns the registers and is dirty.
 *
 * Return: non-zero when a previous owner was saved.
 */
static inline int fpregs_claim(struct fpregs_cpu *pc, int cpu, struct fpstate *st)
{
	int saved = fpregs_save(pc, cpu);

	pc->owner = st;
	st->last_cpu = cpu;
	pc->dirty = 1;
	return saved;
}

/**
 * fpstate_invalidate() - @st's memory image changed behind the registers
 * @st: the context (not running, or running on this CPU and not dirty)
 *
 * After ptrace or a signal return wrote @st's memory, or its layout changed
 * (a new vector length), any registers that held @st are stale: the next
 * fpregs_load() of @st must reload.
 */
static inline void fpstate_invalidate(struct fpstate *st)
{
	st->last_cpu = FPSTATE_NO_CPU;
}

#endif /* __ARM64_KERNEL_FPSIMD_OWN_H */
