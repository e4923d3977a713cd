// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_vmm_live - what reads a VMM thread's FP state while its vCPU's may
 * still be live in the registers (kvm.fp_vmm_defer=1) sees the thread's
 * own values, never the guest's.
 *
 * The guest writes a pattern of its own ('g' bytes) to V0-V31 before each
 * exit to userspace. The VMM thread writes its own ('M' bytes) to V0-V31
 * right before KVM_RUN, then, with nothing in between that could use FP:
 *
 *   read     reads V0 and V31 at once: its first FP use after KVM_RUN
 *            (with the policy on, the trap that loads the thread);
 *   syscall  makes a system call first (getppid; the entry skips a
 *            deferred thread's registers), then reads them;
 *   signal   sends itself a signal: the handler's V0 and V31 and the
 *            signal frame's FPSIMD record are the thread's, and so are V0
 *            and V31 after the handler returns;
 *   fork     forks: the child's V0 and V31 are the thread's (the child
 *            says so in its exit status), and so are the parent's after;
 *   ptrace   (a child that is the VMM) stops itself: its tracer reads
 *            the thread's V0 and V31 with PTRACE_GETREGSET NT_PRFPREG;
 *   coredump (a child that is the VMM) dumps core: the NT_PRFPREG note
 *            holds the thread's V0 and V31.
 *
 * Each runs with the parameter off, then on; "on" skips where there is
 * no such parameter (the stock kernel) or in protected mode, which never
 * defers. With it on, the cases with a VM of the test's own also check
 * from the vCPU stat fp_vmm_deferred that the return was deferred at all
 * (in at most LIVE_TRIES tries: a loaded host may take the registers).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <asm/sigcontext.h>
#include <asm/ptrace.h>
#include <linux/elf.h>
#include <linux/sched.h>

#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#define LIVE_CORE_PAT	"/proc/sys/kernel/core_pattern"
#define LIVE_CORE_DIR	"/tmp"
#define LIVE_CORE_FILE	LIVE_CORE_DIR "/fp_vmm_live.%p"
#define GUEST_PAT	0x6767676767676767UL	/* 'g' */
#define VMM_PAT		0x4d4d4d4d4d4d4d4dUL	/* 'M' */

/* Before each exit to userspace, V0-V31 get the guest's pattern. */
static void guest_fill(uint64_t mmio)
{
	asm volatile("1:\n"
		     ".irp n, " FP_REGS32 "\n"
		     "	fmov	d\\n, %[g]\n"
		     ".endr\n"
		     "	str	xzr, [%[mmio]]\n"
		     "	b	1b\n"
		     : : [g] "r" (GUEST_PAT), [mmio] "r" (mmio)
		     : FP_VCLOBBERS, "memory");
}

struct live_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

static void live_vm_create(struct live_vm *lv)
{
	lv->vm = vm_create(1);
	lv->vcpu = vm_vcpu_add(lv->vm, 0, guest_fill);
	sync_global_from_guest(lv->vm, ucall_exit_mmio_addr);
	vcpu_args_set(lv->vcpu, 1, (uint64_t)ucall_exit_mmio_addr);
}

/*
 * V0-V31 := the VMM's pattern, then KVM_RUN by a bare system call; no FP
 * use before or after within the block. Returns KVM_RUN's result.
 */
static long live_run(struct kvm_vcpu *vcpu)
{
	register long x0 asm("x0") = vcpu->fd;
	register long x1 asm("x1") = KVM_RUN;
	register long x2 asm("x2") = 0;
	register long x8 asm("x8") = __NR_ioctl;

	asm volatile(".irp n, " FP_REGS32 "\n"
		     "	fmov	d\\n, %[m]\n"
		     ".endr\n"
		     "	svc	#0\n"
		     : "+r" (x0)
		     : [m] "r" (VMM_PAT), "r" (x1), "r" (x2), "r" (x8)
		     : FP_VCLOBBERS, "memory");
	return x0;
}

/* The low halves of V0 and V31, as they are now. */
static inline void live_read(uint64_t *v0, uint64_t *v31)
{
	uint64_t a, b;

	asm volatile("fmov %0, d0\n"
		     "fmov %1, d31\n" : "=r" (a), "=r" (b));
	*v0 = a;
	*v31 = b;
}

static bool live_own(uint64_t v0, uint64_t v31, const char *who)
{
	if (v0 == VMM_PAT && v31 == VMM_PAT)
		return true;
	ksft_print_msg("%s: V0 0x%lx, V31 0x%lx, want 0x%lx%s\n", who, v0,
		       v31, VMM_PAT, v0 == GUEST_PAT || v31 == GUEST_PAT ?
		       " (the guest's)" : "");
	return false;
}

static uint64_t deferred(struct kvm_vcpu *vcpu)
{
	uint64_t v = 0;

	fp_vcpu_stat(vcpu, "fp_vmm_deferred", &v);
	return v;
}

/* ---- read, syscall ---- */

static int live_plain(struct live_vm *lv, bool syscall)
{
	uint64_t v0, v31;

	TEST_ASSERT(!live_run(lv->vcpu), "KVM_RUN");
	if (syscall)
		fp_raw_syscall(__NR_getppid, 0, 0, 0);
	live_read(&v0, &v31);
	return live_own(v0, v31, syscall ? "after a system call" :
			"first use after KVM_RUN");
}

/* ---- signal ---- */

/* What the handler saw: written there, read after it returned. */
static uint64_t sig_v0, sig_v31, frame_v0, frame_v31;
static int sig_frame;

static void live_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	struct _aarch64_ctx *head = (void *)uc->uc_mcontext.__reserved;
	uint64_t a, b;

	live_read(&a, &b);
	WRITE_ONCE(sig_v0, a);
	WRITE_ONCE(sig_v31, b);
	/* The FPSIMD record comes first in the frame. */
	if (head->magic == FPSIMD_MAGIC) {
		struct fpsimd_context *fc = (void *)head;

		WRITE_ONCE(frame_v0, (uint64_t)fc->vregs[0]);
		WRITE_ONCE(frame_v31, (uint64_t)fc->vregs[31]);
		WRITE_ONCE(sig_frame, 1);
	}
}

static int live_signal(struct live_vm *lv)
{
	struct sigaction sa = {
		.sa_sigaction = live_handler,
		.sa_flags = SA_SIGINFO,
	};
	uint64_t v0, v31;
	bool ok = true;

	sigaction(SIGUSR1, &sa, NULL);
	WRITE_ONCE(sig_frame, 0);
	TEST_ASSERT(!live_run(lv->vcpu), "KVM_RUN");
	fp_raw_syscall(__NR_kill, getpid(), SIGUSR1, 0);
	live_read(&v0, &v31);
	ok &= live_own(READ_ONCE(sig_v0), READ_ONCE(sig_v31), "signal handler");
	ok &= READ_ONCE(sig_frame) &&
	      live_own(READ_ONCE(frame_v0), READ_ONCE(frame_v31), "signal frame");
	ok &= live_own(v0, v31, "after the handler");
	return ok;
}

/* ---- fork ---- */

static int live_fork(struct live_vm *lv)
{
	uint64_t v0, v31;
	int status;
	long pid;

	TEST_ASSERT(!live_run(lv->vcpu), "KVM_RUN");
	pid = fp_raw_syscall(__NR_clone, SIGCHLD, 0, 0);
	if (!pid) {
		live_read(&v0, &v31);
		fp_raw_syscall(__NR_exit, v0 == VMM_PAT && v31 == VMM_PAT ? 0 :
			     v0 == GUEST_PAT || v31 == GUEST_PAT ? 2 : 1, 0, 0);
	}
	live_read(&v0, &v31);
	TEST_ASSERT(pid > 0, "clone: %ld", pid);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ksft_print_msg("forked child: status 0x%x (exit 2: it had the guest's V0/V31)\n",
			       status);
	return live_own(v0, v31, "fork parent") && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/* ---- ptrace and core dumps: a child is the VMM ---- */

/* In the child: a VM of its own, one round trip, then @sig to itself. */
static void __noreturn live_child(int sig)
{
	struct live_vm lv;

	live_vm_create(&lv);
	if (live_run(lv.vcpu))
		fp_raw_syscall(__NR_exit, 3, 0, 0);
	fp_raw_syscall(__NR_kill, getpid(), sig, 0);
	fp_raw_syscall(__NR_exit, 4, 0, 0);
	__builtin_unreachable();
}

static int live_ptrace(void)
{
	struct user_fpsimd_state fp;
	struct iovec iov = { &fp, sizeof(fp) };
	int status, ok;
	pid_t pid;

	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		live_child(SIGSTOP);
	}
	waitpid(pid, &status, 0);
	if (!WIFSTOPPED(status)) {
		ksft_print_msg("ptrace: child status 0x%x, not stopped\n", status);
		return 0;
	}
	ok = !ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRFPREG, &iov) &&
	     live_own((uint64_t)fp.vregs[0], (uint64_t)fp.vregs[31],
		      "PTRACE_GETREGSET NT_PRFPREG");
	kill(pid, SIGKILL);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	waitpid(pid, &status, 0);
	return ok;
}

/* The NT_PRFPREG note of an ELF core file, into @fp. */
static bool core_fpregs(const char *path, struct user_fpsimd_state *fp)
{
	static char buf[1 << 20];
	struct elf64_hdr *eh = (void *)buf;
	bool found = false;
	ssize_t len;
	int fd, i;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len < (ssize_t)sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return false;
	for (i = 0; i < eh->e_phnum && !found; i++) {
		struct elf64_phdr *ph = (void *)(buf + eh->e_phoff +
						 i * eh->e_phentsize);
		size_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

		if (ph->p_type != PT_NOTE || end > (size_t)len)
			continue;
		while (off + sizeof(struct elf64_note) <= end) {
			struct elf64_note *nh = (void *)(buf + off);
			size_t desc = off + sizeof(*nh) + ((nh->n_namesz + 3) & ~3UL);

			if (nh->n_type == NT_PRFPREG && desc + sizeof(*fp) <= end) {
				memcpy(fp, buf + desc, sizeof(*fp));
				found = true;
				break;
			}
			off = desc + ((nh->n_descsz + 3) & ~3UL);
		}
	}
	return found;
}

static int live_coredump(void)
{
	char old[256] = "", path[64];
	struct user_fpsimd_state fp;
	int status, fd, ok = 0;
	ssize_t n;
	pid_t pid;

	fd = open(LIVE_CORE_PAT, O_RDWR);
	if (fd < 0)
		return -1;
	n = read(fd, old, sizeof(old) - 1);
	old[n > 0 ? n : 0] = 0;
	if (pwrite(fd, LIVE_CORE_FILE, strlen(LIVE_CORE_FILE), 0) !=
	    (ssize_t)strlen(LIVE_CORE_FILE)) {
		close(fd);
		return -1;
	}
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		setrlimit(RLIMIT_CORE, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY });
		live_child(SIGQUIT);
	}
	waitpid(pid, &status, 0);
	snprintf(path, sizeof(path), LIVE_CORE_DIR "/fp_vmm_live.%d", pid);
	if (!WIFSIGNALED(status) || !WCOREDUMP(status))
		ksft_print_msg("coredump: child status 0x%x, no core\n", status);
	else if (!core_fpregs(path, &fp))
		ksft_print_msg("coredump: no NT_PRFPREG note in %s\n", path);
	else
		ok = live_own((uint64_t)fp.vregs[0], (uint64_t)fp.vregs[31],
			      "core dump NT_PRFPREG");
	unlink(path);
	if (old[0])
		pwrite(fd, old, strlen(old), 0);
	close(fd);
	return ok;
}

enum live_case { LIVE_READ, LIVE_SYSCALL, LIVE_SIGNAL, LIVE_FORK,
		 LIVE_PTRACE, LIVE_COREDUMP, LIVE_CASES };

static const char * const names[LIVE_CASES] = {
	[LIVE_READ] = "read",
	[LIVE_SYSCALL] = "syscall",
	[LIVE_SIGNAL] = "signal",
	[LIVE_FORK] = "fork",
	[LIVE_PTRACE] = "ptrace",
	[LIVE_COREDUMP] = "coredump",
};

#define LIVE_TRIES	3

/*
 * In a child of its own: the adaptive rule's history of FP use after
 * KVM_RUN is the thread's, and a case's FP use must not stop deferral in
 * the next. Exit status 0 pass, 1 fail.
 */
static void __noreturn live_vm_case(enum live_case i, bool on)
{
	struct live_vm lv;
	unsigned int tries;
	uint64_t d0;
	int r;

	live_vm_create(&lv);
	/* The first round trip loads the guest: the measured one finds it live. */
	TEST_ASSERT(!live_run(lv.vcpu), "KVM_RUN");
	/*
	 * A return is not deferred when something else took the registers
	 * first (seen once on a loaded host): try again, at most LIVE_TRIES
	 * times, below the adaptive rule's streak of FP use.
	 */
	for (tries = 1; ; tries++) {
		d0 = deferred(lv.vcpu);
		if (i == LIVE_SIGNAL)
			r = live_signal(&lv);
		else if (i == LIVE_FORK)
			r = live_fork(&lv);
		else
			r = live_plain(&lv, i == LIVE_SYSCALL);
		if (!r || !on || deferred(lv.vcpu) != d0)
			break;
		if (tries == LIVE_TRIES) {
			ksft_print_msg("%s: no return was deferred in %u tries (fp_vmm_deferred)\n",
				       names[i], tries);
			r = 0;
			break;
		}
	}
	kvm_vm_free(lv.vm);
	exit(!r);
}

/* 1 pass, 0 fail, -1 skip. */
static int run_case(enum live_case i, bool on)
{
	int status;
	pid_t pid;

	if (i == LIVE_PTRACE)
		return live_ptrace();
	if (i == LIVE_COREDUMP)
		return live_coredump();
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid)
		live_vm_case(i, on);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

int main(void)
{
	bool can_defer, was = fp_kvm_param_get("fp_vmm_defer") == 1;
	int i, on, r;

	ksft_print_header();
	ksft_set_plan(2 * LIVE_CASES);
	can_defer = !fp_kvm_protected() &&
		    fp_kvm_param_set("fp_vmm_defer", false);
	for (on = 0; on < 2; on++) {
		if (on && can_defer)
			fp_kvm_param_set("fp_vmm_defer", true);
		for (i = 0; i < LIVE_CASES; i++) {
			if (on && !can_defer) {
				ksft_test_result_skip("%s-defer-on: %s\n", names[i],
						      "no kvm.fp_vmm_defer (not our kernel), or protected mode");
				continue;
			}
			r = run_case(i, on);
			if (r < 0)
				ksft_test_result_skip("%s-defer-%s: no %s\n", names[i],
						      on ? "on" : "off", LIVE_CORE_PAT);
			else
				ksft_test_result(r, "%s-defer-%s\n", names[i],
						 on ? "on" : "off");
		}
	}
	if (can_defer)
		fp_kvm_param_set("fp_vmm_defer", was);
	ksft_finished();
}
