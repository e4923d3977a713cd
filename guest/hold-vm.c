// SPDX-License-Identifier: GPL-2.0
/*
 * hold-vm: create one KVM VM and keep it until killed.
 *
 * KVM enables the scheduler's preempt notifiers (a static key) while any
 * VM exists, and disables them when the last one goes. Every enable and
 * disable patches the scheduler's code; the test runner keeps one VM for
 * the whole run so that the key stays on (see guest/watch.sh).
 *
 * With fptest.churn=MS on the kernel command line it does the opposite,
 * to reproduce what holding prevents: it creates and closes an empty VM
 * every MS milliseconds, flipping the key each time while the tests' own
 * VMs come and go, and prints "churning every MS ms" instead of "holding".
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static long churn_ms(void)
{
	char buf[4096], *p;
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "fptest.churn=");
	return p ? strtol(p + strlen("fptest.churn="), NULL, 10) : 0;
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	long ms = churn_ms();
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
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
	if (ms > 0)
		printf("churning every %ld ms\n", ms);
	else
		printf("holding\n");
	fflush(stdout);
	if (ms <= 0)
		for (;;)
			pause();
	for (;;) {
		close(vm);
		nanosleep(&ts, NULL);
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
		nanosleep(&ts, NULL);
	}
}
