// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the arm64 FP context selftests (aarch64/fp_*.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch_timer.h"
#include "fp_util.h"
#include "gic.h"
#include "kvm_util.h"

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

/**
 * fp_guest_wfi_once() - guest code: sleep in WFI until the virtual timer fires
 * @ticks: the sleep, in virtual counter ticks
 *
 * The guest must have initialised its GIC and enabled the virtual timer's
 * interrupt. The interrupt is acknowledged and ended with IRQs still
 * masked: one left pending would make the next WFI return at once instead
 * of putting the vCPU thread to sleep.
 */
void fp_guest_wfi_once(uint64_t ticks)
{
	uint32_t irq;

	write_sysreg(read_sysreg(cntvct_el0) + ticks, cntv_cval_el0);
	write_sysreg(CTL_ENABLE, cntv_ctl_el0);
	isb();
	do {
		wfi();
	} while (!(read_sysreg(cntv_ctl_el0) & CTL_ISTATUS));
	irq = gic_get_and_ack_irq();
	/* Off, so that the line drops before the interrupt is ended. */
	write_sysreg(0, cntv_ctl_el0);
	isb();
	if (irq < 1020)
		gic_set_eoi(irq);
}
