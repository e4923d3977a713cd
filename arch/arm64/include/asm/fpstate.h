/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FP/SVE register context as the arm64 FP core sees it.
 *
 * Counterpart of x86's struct fpstate: every owner of FP/SVE registers (a
 * task's user state, a task's kernel-mode NEON state, a vCPU) has one,
 * and the core tracks them all alike. The memory image stays where the
 * ABIs put it (thread_struct for tasks, the vCPU for guests); this object
 * says which it is and where its registers were last live.
 */
#ifndef __ASM_FPSTATE_H
#define __ASM_FPSTATE_H

#include <linux/types.h>

/**
 * enum fpstate_kind - what an fpstate describes
 * @FPSTATE_USER: a task's userspace FPSIMD/SVE state (thread.uw.fpsimd_state,
 *                thread.sve_state)
 * @FPSTATE_KERNEL: a task's kernel-mode NEON registers
 *                  (thread.kernel_fpsimd_state), live inside
 *                  kernel_neon_begin()/kernel_neon_end()
 * @FPSTATE_GUEST: a vCPU's FPSIMD/SVE state (x86: the fpstate of a fpu_guest)
 */
enum fpstate_kind {
	FPSTATE_USER,
	FPSTATE_KERNEL,
	FPSTATE_GUEST,
};

/**
 * struct fpstate - one FP/SVE register context
 * @last_cpu: the CPU whose registers were last loaded from or saved to this
 *            context, or -1 when none may hold it (x86: fpu::last_cpu)
 * @kind: an enum fpstate_kind
 * @save_as: the layout the next save must write, an enum fp_type:
 *           FP_STATE_CURRENT follows the owner's mode (TIF_SVE for a task);
 *           FP_STATE_FPSIMD lets a task's SVE state be dropped during a
 *           syscall, whose ABI discards it; FP_STATE_SVE is a guest with SVE
 * @el0_watch: a VMM thread between two KVM_RUNs, when KVM's fp_vmm_watch
 *             or fp_vmm_defer parameter is on: FPSTATE_WATCH_ARMED (its FP
 *             use is counted) or FPSTATE_WATCH_DEFER (its registers are not
 *             loaded either: the vCPU's stay live) from KVM_RUN's return,
 *             with EL0 FP/SVE/SME access trapped, until its first use
 *             (FPSTATE_WATCH_HIT, the trap lifted) or its next KVM_RUN;
 *             FPSTATE_WATCH_OFF otherwise
 * @vmm_streak: how many of the VMM thread's last round trips in a row used
 *              FP (fpstate_vmm_account())
 * @vmm_skip: round trips left before its registers are deferred again
 */
struct fpstate {
	int	last_cpu;
	u8	kind;
	u8	save_as;
	u8	el0_watch;
	u8	vmm_streak;
	u8	vmm_skip;
};

#define FPSTATE_WATCH_OFF	0
#define FPSTATE_WATCH_ARMED	1
#define FPSTATE_WATCH_HIT	2
#define FPSTATE_WATCH_DEFER	3

/*
 * The register components a context's image can hold (x86: the xfeatures
 * of a struct fpstate), as fpstate_components() reports them.
 */
#define FPSTATE_COMP_FPSIMD	0x1	/* V0-V31, FPSR, FPCR */
#define FPSTATE_COMP_SVE	0x2	/* Z, P, FFR at the context's length */
#define FPSTATE_COMP_ZA		0x4	/* SME ZA at the streaming length */
#define FPSTATE_COMP_ZT0	0x8	/* SME2 ZT0 */

#define FPSTATE_INIT(k)	{ .last_cpu = -1, .kind = (k), .save_as = 0 }

#endif /* __ASM_FPSTATE_H */
