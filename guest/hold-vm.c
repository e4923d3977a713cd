// SPDX-License-Identifier: GPL-2.0
/*
 * hold-vm: create one KVM VM and keep it until killed.
 *
 * KVM enables the scheduler's preempt notifiers (a static key) while any
 * VM exists, and disables them when the last one goes. Every enable and
 * disable patches the scheduler's code; the test runner keeps one VM for
 * the whole run so that the key stays on (see guest/init).
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm;

	if (kvm < 0) {
		perror("hold-vm: /dev/kvm");
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		perror("hold-vm: KVM_CREATE_VM");
		return 1;
	}
	/* Tell the runner the VM exists: it waits for this line. */
	printf("holding\n");
	fflush(stdout);
	for (;;)
		pause();
}
