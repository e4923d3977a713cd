// SPDX-License-Identifier: GPL-2.0
/*
 * hold-vm: create one KVM VM and keep it until killed.
 *
 * KVM enables the scheduler's preempt notifiers (a static key) while any
 * VM exists, and disables them when the last one goes. Every enable and
 * disable patches the scheduler's code; the test runner keeps one VM for
 * the whole run so that the key stays on (see guest/runner). It uses no
 * FP register (guest/nofp.h), so a kernel that corrupts user FP state
 * cannot kill it and drop the VM.
 */
#include <linux/kvm.h>

#include "nofp.h"

int main(int argc, char **argv, char **envp)
{
	long kvm = sys4(NR_OPENAT, AT_FDCWD, "/dev/kvm", O_RDWR | O_CLOEXEC, 0);
	long vm;

	if (kvm < 0) {
		nofp_puts(2, "hold-vm: cannot open /dev/kvm\n");
		return 1;
	}
	vm = sys3(NR_IOCTL, kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		nofp_puts(2, "hold-vm: KVM_CREATE_VM failed\n");
		return 1;
	}
	/* Tell the runner the VM exists: it waits for this line. */
	nofp_puts(1, "holding\n");
	for (;;)
		sys4(NR_PPOLL, 0, 0, 0, 0);
}
