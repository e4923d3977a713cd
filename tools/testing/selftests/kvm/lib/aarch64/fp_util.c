// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the arm64 FP context selftests (aarch64/fp_*.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "fp_util.h"

/**
 * fp_vcpu_stat() - read one counter of a vCPU's binary statistics
 * @vcpu: the vCPU
 * @name: the counter's name, as KVM's stats descriptors give it
 * @val: where the value goes
 *
 * Return: false when the kernel has no counter of that name (a kernel
 * without the FP core's statistics, for example).
 */
bool fp_vcpu_stat(struct kvm_vcpu *vcpu, const char *name, uint64_t *val)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *all;
	bool found = false;
	unsigned int i;
	int fd;

	fd = vcpu_get_stats_fd(vcpu);
	read_stats_header(fd, &hdr);
	all = read_stats_descriptors(fd, &hdr);
	for (i = 0; i < hdr.num_desc && !found; i++) {
		struct kvm_stats_desc *d = get_stats_descriptor(all, i, &hdr);

		if (!strcmp(d->name, name)) {
			read_stat_data(fd, &hdr, d, val, 1);
			found = true;
		}
	}
	free(all);
	close(fd);
	return found;
}
