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
 *
 * With fptest.churn=MS on the kernel command line it does the opposite,
 * to reproduce what holding prevents (docs/emulators.md): it creates and
 * closes an empty VM every MS milliseconds, flipping the key whenever the
 * tests' own VMs are all gone, and prints "churning every MS ms".
 */
#include <linux/kvm.h>

#include "nofp.h"

#define NR_NANOSLEEP	101

/* The value of fptest.churn= on the kernel command line, or 0. */
static long churn_ms(void)
{
	static const char key[] = "fptest.churn=";
	static char buf[4096];
	long fd = sys4(NR_OPENAT, AT_FDCWD, "/proc/cmdline", O_RDONLY, 0);
	long n, i, j, ms;

	if (fd < 0)
		return 0;
	n = sys3(NR_READ, fd, buf, sizeof(buf) - 1);
	sys1(NR_CLOSE, fd);
	for (i = 0; n > 0 && i < n; i++) {
		for (j = 0; key[j] && i + j < n && buf[i + j] == key[j]; j++)
			;
		if (key[j])
			continue;
		for (ms = 0, i += j; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
			ms = ms * 10 + buf[i] - '0';
		return ms;
	}
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	long kvm = sys4(NR_OPENAT, AT_FDCWD, "/dev/kvm", O_RDWR | O_CLOEXEC, 0);
	long ms = churn_ms();
	struct nofp_timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	char line[64];
	unsigned long len = 0;
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
	if (ms <= 0) {
		nofp_puts(1, "holding\n");
		for (;;)
			sys4(NR_PPOLL, 0, 0, 0, 0);
	}
	nofp_append(line, &len, sizeof(line), "churning every ");
	nofp_append_ulong(line, &len, ms);
	nofp_append(line, &len, sizeof(line), " ms\n");
	nofp_puts(1, line);
	for (;;) {
		sys1(NR_CLOSE, vm);
		sys2(NR_NANOSLEEP, &ts, 0);
		vm = sys3(NR_IOCTL, kvm, KVM_CREATE_VM, 0);
		sys2(NR_NANOSLEEP, &ts, 0);
	}
}
