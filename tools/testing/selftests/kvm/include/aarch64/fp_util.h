/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the arm64 FP context selftests (aarch64/fp_*.c).
 */
#ifndef SELFTEST_KVM_AARCH64_FP_UTIL_H
#define SELFTEST_KVM_AARCH64_FP_UTIL_H

#include <stdbool.h>
#include <stdint.h>

struct kvm_vcpu;

bool fp_vcpu_stat(struct kvm_vcpu *vcpu, const char *name, uint64_t *val);

#endif /* SELFTEST_KVM_AARCH64_FP_UTIL_H */
