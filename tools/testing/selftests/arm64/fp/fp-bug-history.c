// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp-bug-history - scenarios of known arm64 FP context bugs that need no
 * guest.
 *
 * Each subtest is named after the behaviour it checks. The KVM scenarios
 * of the same history (softirq kernel-mode NEON while a vCPU's state is
 * live, at the vCPU's own vector length; the VMM's SVE state kept across
 * KVM_RUN) are in the KVM selftest aarch64/fp_integrity, which has the
 * guest machinery.
 *
 * ptrace-sve-write-seen-after-syscall-stop: the syscall ABI lets the
 * kernel drop SVE state beyond the V registers, and a lazy version of that
 * once also dropped what a tracer wrote with PTRACE_SETREGSET(NT_ARM_SVE)
 * while the tracee was stopped on its way out of a syscall. Here the
 * tracee stops in kill(SIGSTOP), the tracer writes a full SVE pattern, and
 * the tracee dumps Z and P straight after the svc, before any library code
 * can touch them: it must see exactly the pattern.
 */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/hwcap.h>
#include <asm/ptrace.h>

#include "../../kselftest.h"

#define MAX_VQ		16	/* 256-byte vectors: what the buffers hold */
#define ZBYTES(vq)	((vq) * 16)
#define PBYTES(vq)	((vq) * 2)

static uint8_t zpat(unsigned int n, unsigned int i)
{
	return (uint8_t)((n * 29 + i * 7) ^ 0xc3);
}

static uint8_t ppat(unsigned int n, unsigned int i)
{
	return (uint8_t)(n * 13 + i * 5 + 1);
}

/* What the tracee finds in its Z and P registers after the stop. */
static uint8_t z[32 * ZBYTES(MAX_VQ)], p[16 * PBYTES(MAX_VQ)];

/*
 * The tracee: at its longest vector length, stop in kill(getpid(),
 * SIGSTOP) and dump Z0-Z31 and P0-P15 as the svc returns. Exits 0 when
 * they hold the pattern, 1 when not, 2 when it could not set up.
 */
static void tracee(void)
{
	register long x0 asm("x0");
	register long x1 asm("x1");
	register long x8 asm("x8");
	int vl = prctl(PR_SVE_SET_VL, 16 * MAX_VQ);
	long pid = getpid();
	unsigned int n, i, vq;

	if (vl < 0 || ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(2);
	vq = sve_vq_from_vl(vl & PR_SVE_VL_LEN_MASK);
	/* Use SVE once, so the task is an SVE task when it stops. */
	asm volatile(".arch_extension sve\n	ptrue	p0.b\n" : : : "memory");
	/* Nothing between these and the svc may call a function. */
	x0 = pid;
	x1 = SIGSTOP;
	x8 = __NR_kill;
	asm volatile(".arch_extension sve\n"
		     "	svc	#0\n"
		     ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		     "	str	z\\n, [%[z], #\\n, MUL VL]\n"
		     "	str	p\\n, [%[p], #\\n, MUL VL]\n"
		     ".endr\n"
		     ".irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
		     "	str	z\\n, [%[z], #\\n, MUL VL]\n"
		     ".endr\n"
		     : "+r" (x0)
		     : "r" (x1), "r" (x8), [z] "r" (z), [p] "r" (p)
		     : "memory");

	for (n = 0; n < 32; n++)
		for (i = 0; i < ZBYTES(vq); i++)
			if (z[n * ZBYTES(vq) + i] != zpat(n, i))
				_exit(1);
	for (n = 0; n < 16; n++)
		for (i = 0; i < PBYTES(vq); i++)
			if (p[n * PBYTES(vq) + i] != ppat(n, i))
				_exit(1);
	_exit(0);
}

/* Write the pattern into a stopped tracee's SVE regset. */
static int write_pattern(pid_t pid, unsigned int *vq_out)
{
	static char buf[SVE_PT_SIZE(MAX_VQ, SVE_PT_REGS_SVE)];
	struct user_sve_header *h = (void *)buf;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	unsigned int vq, n, i;

	if (ptrace(PTRACE_GETREGSET, pid, NT_ARM_SVE, &iov))
		return -errno;
	vq = sve_vq_from_vl(h->vl);
	if (vq > MAX_VQ)
		return -E2BIG;
	memset(buf, 0, sizeof(buf));
	h->vl = sve_vl_from_vq(vq);
	h->flags = SVE_PT_REGS_SVE;
	h->size = SVE_PT_SIZE(vq, SVE_PT_REGS_SVE);
	for (n = 0; n < 32; n++)
		for (i = 0; i < ZBYTES(vq); i++)
			buf[SVE_PT_SVE_ZREG_OFFSET(vq, n) + i] = zpat(n, i);
	for (n = 0; n < 16; n++)
		for (i = 0; i < PBYTES(vq); i++)
			buf[SVE_PT_SVE_PREG_OFFSET(vq, n) + i] = ppat(n, i);
	iov.iov_len = h->size;
	if (ptrace(PTRACE_SETREGSET, pid, NT_ARM_SVE, &iov))
		return -errno;
	*vq_out = vq;
	return 0;
}

static void ptrace_sve_write_test(void)
{
	const char *name = "ptrace-sve-write-seen-after-syscall-stop";
	unsigned int vq = 0;
	int status, err;
	pid_t pid;

	if (!(getauxval(AT_HWCAP) & HWCAP_SVE)) {
		ksft_test_result_skip("%s: no SVE\n", name);
		return;
	}
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid)
		tracee();

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		ksft_test_result_fail("%s: tracee did not stop\n", name);
		return;
	}
	err = write_pattern(pid, &vq);
	if (err) {
		ksft_print_msg("%s: writing NT_ARM_SVE: %s\n", name, strerror(-err));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ksft_test_result_fail("%s\n", name);
		return;
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ksft_print_msg("%s: VL %u bytes, tracee %s %d\n", name, vq * 16,
			       WIFEXITED(status) ? "exit status" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) :
			       WTERMSIG(status));
	ksft_test_result(WIFEXITED(status) && !WEXITSTATUS(status), "%s\n", name);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(1);
	ptrace_sve_write_test();
	ksft_finished();
}
