/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vCPU's whole FP, SVE and SME state as one image, in the format of
 * KVM_ARM_GET_FP_STATE (struct kvm_arm_fp_state and the components at its
 * offsets), moved by that ioctl where the kernel has it and register by
 * register through KVM_GET_ONE_REG/KVM_SET_ONE_REG where it does not.
 *
 * Plain C on a vCPU file descriptor, without the selftest framework: a
 * VMM can take it as it is. Errors are returned as negative errnos.
 */
#ifndef SELFTEST_KVM_AARCH64_FP_STATE_H
#define SELFTEST_KVM_AARCH64_FP_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

/* How fp_state_save() and fp_state_restore() reach the vCPU. */
enum fp_state_via {
	FP_STATE_VIA_AUTO,	/* the ioctls if the vCPU has them, else ONE_REG */
	FP_STATE_VIA_IOCTL,	/* KVM_ARM_GET_FP_STATE, KVM_ARM_SET_FP_STATE */
	FP_STATE_VIA_ONE_REG,	/* KVM_GET_ONE_REG, KVM_SET_ONE_REG */
};

enum fp_state_via fp_state_via(int vcpu_fd);
uint32_t fp_state_layout(unsigned int sve_vl, unsigned int sme_vl,
			 uint32_t offset[KVM_ARM_FP_STATE_MAX_COMPONENTS]);
int fp_state_vls(int vcpu_fd, unsigned int *sve_vl, unsigned int *sme_vl);
long fp_state_size(int vcpu_fd, enum fp_state_via via);
int fp_state_save(int vcpu_fd, struct kvm_arm_fp_state *img, size_t size,
		  enum fp_state_via via);
int fp_state_restore(int vcpu_fd, const struct kvm_arm_fp_state *img,
		     enum fp_state_via via);

#endif /* SELFTEST_KVM_AARCH64_FP_STATE_H */
