// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the arm64 FP context selftests (aarch64/fp_*.c).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "arch_timer.h"
#include "fp_regs.h"
#include "fp_util.h"
#include "gic.h"
#include "kvm_util.h"
#include "processor.h"

/* /sys/module/kvm/parameters/@name, opened with @flags, or -1. */
static int kvm_param_open(const char *name, int flags)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/kvm/parameters/%s", name);
	return open(path, flags);
}

/**
 * fp_kvm_param_get() - the value of a boolean parameter of the kvm module
 * @name: the parameter, e.g. "fp_vmm_defer"
 *
 * Return: 1 when on (reads back Y), 0 when off, -1 when there is none.
 */
int fp_kvm_param_get(const char *name)
{
	int fd = kvm_param_open(name, O_RDONLY);
	char c = 0;

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y';
}

/**
 * fp_kvm_param_set() - set a boolean parameter of the kvm module
 * @name: the parameter, e.g. "fp_vmm_defer"
 * @on: its new value
 *
 * Return: true when written (false: no such parameter, or not root).
 */
bool fp_kvm_param_set(const char *name, bool on)
{
	int fd = kvm_param_open(name, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok;
}

/**
 * fp_kvm_protected() - does KVM run in protected mode?
 *
 * Protected KVM (kvm-arm.mode=protected) keeps the hypervisor in charge
 * of both sides' FP state: the host saves its registers at every
 * vcpu_load and nothing of the guest stays live after an exit, so the
 * cases that count lazy transfers have nothing to count there.
 *
 * Return: true when the kernel was booted with kvm-arm.mode=protected.
 */
bool fp_kvm_protected(void)
{
	static int protected = -1;
	char line[4096] = "";
	FILE *f;

	if (protected >= 0)
		return protected;
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	protected = !!strstr(line, "kvm-arm.mode=protected");
	return protected;
}

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
 * fp_vcpu_cap_vls() - narrow a vCPU's vector lengths, before finalizing it
 * @vcpu: a vCPU with SVE (or SME), not finalized
 * @reg: KVM_REG_ARM64_SVE_VLS or KVM_REG_ARM64_SME_VLS
 * @max_vl: the longest length in bytes to keep; FP_VL_ALL keeps them all
 *
 * The lengths KVM offers by default (every one the host has) above
 * @max_vl are dropped, so the set stays one KVM accepts.
 */
void fp_vcpu_cap_vls(struct kvm_vcpu *vcpu, uint64_t reg, unsigned int max_vl)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS];
	struct kvm_one_reg r = { .id = reg, .addr = (uint64_t)vls };
	unsigned int vq;

	if (max_vl == FP_VL_ALL)
		return;
	vcpu_ioctl(vcpu, KVM_GET_ONE_REG, &r);
	for (vq = max_vl / 16 + 1; vq <= KVM_ARM64_SVE_VQ_MAX; vq++)
		vls[(vq - 1) / 64] &= ~(1ULL << ((vq - 1) % 64));
	vcpu_ioctl(vcpu, KVM_SET_ONE_REG, &r);
}

/**
 * fp_vcpu_vls() - the vector lengths a vCPU's VLS register holds
 * @vcpu: the vCPU, with SVE (or SME)
 * @reg: KVM_REG_ARM64_SVE_VLS or KVM_REG_ARM64_SME_VLS
 * @vls: where the lengths go, in bytes, shortest first
 * @max: room in @vls
 *
 * Lengths past FP_MAX_VL, and past the first @max, are left out.
 *
 * Return: how many lengths went into @vls.
 */
unsigned int fp_vcpu_vls(struct kvm_vcpu *vcpu, uint64_t reg,
			 unsigned int *vls, unsigned int max)
{
	uint64_t bits[KVM_ARM64_SVE_VLS_WORDS];
	unsigned int vq, n = 0;

	vcpu_get_reg(vcpu, reg, bits);
	for (vq = 1; vq <= FP_MAX_VL / 16 && n < max; vq++)
		if (bits[(vq - 1) / 64] & (1ULL << ((vq - 1) % 64)))
			vls[n++] = vq * 16;
	return n;
}

/**
 * fp_kvm_sve_vls() - the SVE vector lengths KVM offers a vCPU
 * @vls: where the lengths go, in bytes, shortest first
 * @max: room in @vls
 *
 * Read from KVM_REG_ARM64_SVE_VLS of a new vCPU with SVE, which holds
 * every length the host has until the VMM narrows it; as fp_vcpu_vls().
 *
 * Return: how many lengths went into @vls; 0 when KVM has no SVE.
 */
unsigned int fp_kvm_sve_vls(unsigned int *vls, unsigned int max)
{
	struct kvm_vcpu_init init;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int n;

	if (!kvm_has_cap(KVM_CAP_ARM_SVE))
		return 0;
	vm = vm_create(1);
	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
	/* It never runs. */
	vcpu = aarch64_vcpu_add(vm, 0, &init, NULL);
	n = fp_vcpu_vls(vcpu, KVM_REG_ARM64_SVE_VLS, vls, max);
	kvm_vm_free(vm);
	return n;
}

/**
 * fp_vcpu_add() - add a vCPU with the vector extensions a test asks for
 * @vm: the VM
 * @id: the vCPU's id
 * @guest_code: where the guest starts
 * @sve_max_vl: 0 for no SVE, else its longest length in bytes (FP_VL_ALL:
 *              every length KVM offers)
 * @sme_max_vl: 0 for no SME (the default), else its longest streaming
 *              length, as for SVE; needs SVE
 *
 * A vCPU with SVE is finalized, and runs with CPACR_EL1 letting its FP,
 * SVE (and SME) instructions through, so that only KVM's traps apply.
 *
 * Return: the vCPU.
 */
struct kvm_vcpu *fp_vcpu_add(struct kvm_vm *vm, uint32_t id, void *guest_code,
			     unsigned int sve_max_vl, unsigned int sme_max_vl)
{
	uint64_t cpacr = FP_CPACR_FPEN | FP_CPACR_ZEN;
	int feature = KVM_ARM_VCPU_SVE;
	struct kvm_vcpu_init init;
	struct kvm_vcpu *vcpu;

	TEST_ASSERT(sve_max_vl || !sme_max_vl, "SME needs SVE");
	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	if (sve_max_vl)
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
	if (sme_max_vl)
		init.features[0] |= 1U << KVM_ARM_VCPU_SME;
	vcpu = aarch64_vcpu_add(vm, id, &init, guest_code);
	if (!sve_max_vl)
		return vcpu;
	fp_vcpu_cap_vls(vcpu, KVM_REG_ARM64_SVE_VLS, sve_max_vl);
	if (sme_max_vl) {
		fp_vcpu_cap_vls(vcpu, KVM_REG_ARM64_SME_VLS, sme_max_vl);
		cpacr |= FP_CPACR_SMEN;
	}
	vcpu_ioctl(vcpu, KVM_ARM_VCPU_FINALIZE, &feature);
	vcpu_set_reg(vcpu, KVM_ARM64_SYS_REG(SYS_CPACR_EL1), cpacr);
	return vcpu;
}

static void fp_alarm(int sig)
{
}

/**
 * fp_vcpu_run_timed() - KVM_RUN, given up when the guest takes too long
 * @vcpu: the vCPU
 * @seconds: how long the guest may run before it exits
 *
 * SIGALRM gets a handler that does nothing and has no SA_RESTART, so the
 * alarm ends a KVM_RUN whose guest never exits with EINTR rather than the
 * process. The handler stays installed.
 *
 * Return: as __vcpu_run(): 0, or -1 with errno set (EINTR: time ran out).
 */
int fp_vcpu_run_timed(struct kvm_vcpu *vcpu, unsigned int seconds)
{
	struct sigaction sa = { .sa_handler = fp_alarm };
	int r;

	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
	r = __vcpu_run(vcpu);
	alarm(0);
	return r;
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

/**
 * fp_stress_find() - where fp-stress is
 * @path: where its path goes
 * @len: the size of @path
 *
 * fp-stress belongs to the arm64/fp suite, so its path comes from
 * $FP_STRESS, which whoever runs the tests sets; a test does not look
 * into another suite's directory for it.
 *
 * Return: false if $FP_STRESS names no executable.
 */
bool fp_stress_find(char *path, size_t len)
{
	const char *env = getenv("FP_STRESS");

	if (!env || !env[0])
		return false;
	snprintf(path, len, "%s", env);
	return access(path, X_OK) == 0;
}

static void *fp_stress_reader(void *arg)
{
	struct fp_stress *fs = arg;
	char line[512];
	int p, f;

	while (fgets(line, sizeof(line), fs->out)) {
		pthread_mutex_lock(&fs->lock);
		if (strstr(line, "Sending signals"))
			fs->running = true;
		if (sscanf(line, "# Totals: pass:%d fail:%d", &p, &f) == 2) {
			fs->pass = p;
			fs->fail = f;
		}
		if (!strncmp(line, "ok ", 3)) {
			fs->ok_ssve += !!strstr(line, " SSVE-VL-");
			fs->ok_za += !!strstr(line, " ZA-VL-");
		}
		if (!strncmp(line, "not ok", 6) && !fs->first_bad[0])
			snprintf(fs->first_bad, sizeof(fs->first_bad), "%.200s",
				 line);
		pthread_mutex_unlock(&fs->lock);
	}
	pthread_mutex_lock(&fs->lock);
	fs->ended = true;
	pthread_mutex_unlock(&fs->lock);
	return NULL;
}

/**
 * fp_stress_start() - start fp-stress and wait until all its children run
 * @fs: its state
 * @path: fp-stress (fp_stress_find())
 * @seconds: how long it runs (its -t), a string
 *
 * It gets SIGTERM should this program die first.
 *
 * Return: false if it did not get as far as running its children.
 */
bool fp_stress_start(struct fp_stress *fs, const char *path,
		     const char *seconds)
{
	bool running = false, ended = false;
	int pfd[2], i;

	*fs = (struct fp_stress) { .pass = -1, .fail = -1 };
	pthread_mutex_init(&fs->lock, NULL);
	TEST_ASSERT(!pipe(pfd), "pipe failed");
	fs->pid = fork();
	TEST_ASSERT(fs->pid >= 0, "fork failed");
	if (!fs->pid) {
		char dir[PATH_MAX], *slash;

		/* It runs its helpers (./sve-test, ...) from its directory. */
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = 0;
			if (chdir(dir))
				_exit(126);
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execl(path, path, "-t", seconds, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	fs->out = fdopen(pfd[0], "r");
	TEST_ASSERT(fs->out, "fdopen failed");
	pthread_create(&fs->reader, NULL, fp_stress_reader, fs);
	for (i = 0; i < 6000 && !running && !ended; i++) {
		usleep(100000);
		pthread_mutex_lock(&fs->lock);
		running = fs->running;
		ended = fs->ended;
		pthread_mutex_unlock(&fs->lock);
	}
	return running;
}

/**
 * fp_stress_ended() - has fp-stress finished by itself?
 * @fs: its state
 *
 * Return: true once it and its children have ended.
 */
bool fp_stress_ended(struct fp_stress *fs)
{
	bool ended;

	pthread_mutex_lock(&fs->lock);
	ended = fs->ended;
	pthread_mutex_unlock(&fs->lock);
	return ended;
}

/**
 * fp_stress_stop() - end fp-stress and judge it
 * @fs: its state
 * @name: the test case, for the messages
 * @wait: let it end by itself (its -t); else stop it now (SIGTERM), and
 *        it must still have been running
 *
 * Return: true if it ran children, none of them failed, and it exited 0.
 */
bool fp_stress_stop(struct fp_stress *fs, const char *name, bool wait)
{
	bool ok = true;
	int status = 0;

	if (wait) {
		waitpid(fs->pid, &status, 0);
	} else if (waitpid(fs->pid, &status, WNOHANG) == 0) {
		kill(fs->pid, SIGTERM);
		waitpid(fs->pid, &status, 0);
	} else {
		ksft_print_msg("%s: fp-stress ended before the VM did\n", name);
		ok = false;
	}
	pthread_join(fs->reader, NULL);
	fclose(fs->out);
	ksft_print_msg("%s: fp-stress totals pass:%d fail:%d, exit status %#x\n",
		       name, fs->pass, fs->fail, status);
	ksft_print_msg("%s: fp-stress: %u streaming SVE and %u ZA children passed\n",
		       name, fs->ok_ssve, fs->ok_za);
	if (fs->first_bad[0])
		ksft_print_msg("%s: fp-stress: %s", name, fs->first_bad);
	return ok && fs->pass > 0 && fs->fail == 0 && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/**
 * fp_fill() - fill a buffer with a pattern that follows from a seed
 * @buf: the buffer
 * @len: its size
 * @seed: the same seed gives the same bytes, in the guest as in the host
 */
void fp_fill(uint8_t *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = seed >> 56;
	}
}

/**
 * fp_first_diff() - find the first byte at which two buffers differ
 * @a: one buffer
 * @b: the other
 * @len: how many bytes of each to compare
 *
 * A byte loop in asm: the compiler may neither vectorize it nor call
 * memcmp(), either of which would use the FP registers that the guest
 * or the VMM thread is checking.
 *
 * Return: the offset of the first byte that differs, or -1 if none does.
 */
long fp_first_diff(const void *a, const void *b, size_t len)
{
	unsigned long i = 0, x, y;
	long at = -1;

	asm volatile("1:	cmp	%[i], %[len]\n"
		     "	b.hs	3f\n"
		     "	ldrb	%w[x], [%[a], %[i]]\n"
		     "	ldrb	%w[y], [%[b], %[i]]\n"
		     "	cmp	%w[x], %w[y]\n"
		     "	b.ne	2f\n"
		     "	add	%[i], %[i], #1\n"
		     "	b	1b\n"
		     "2:	mov	%[at], %[i]\n"
		     "3:\n"
		     : [i] "+&r" (i), [x] "=&r" (x), [y] "=&r" (y), [at] "+&r" (at)
		     : [a] "r" (a), [b] "r" (b), [len] "r" (len)
		     : "cc", "memory");
	return at;
}

/**
 * fp_za_load() - turn ZA on and load it
 * @buf: @svl rows of @svl bytes
 * @svl: the calling thread's streaming vector length, in bytes
 */
void fp_za_load(const uint8_t *buf, unsigned int svl)
{
	register const uint8_t *x0 asm("x0") = buf;
	register uint64_t x12 asm("x12") = 0;
	register uint64_t x1 asm("x1") = svl;

	asm volatile(SMSTART_ZA
		     "1:	" LDR_ZA_W12_X0
		     "	add	x0, x0, x1\n"
		     "	add	x12, x12, #1\n"
		     "	cmp	x12, x1\n"
		     "	b.lo	1b\n"
		     : "+r" (x0), "+r" (x12) : "r" (x1) : "cc", "memory");
}

/**
 * fp_za_store() - store ZA, which stays on
 * @buf: room for @svl rows of @svl bytes
 * @svl: the calling thread's streaming vector length, in bytes
 */
void fp_za_store(uint8_t *buf, unsigned int svl)
{
	register uint8_t *x0 asm("x0") = buf;
	register uint64_t x12 asm("x12") = 0;
	register uint64_t x1 asm("x1") = svl;

	asm volatile("1:	" STR_ZA_W12_X0
		     "	add	x0, x0, x1\n"
		     "	add	x12, x12, #1\n"
		     "	cmp	x12, x1\n"
		     "	b.lo	1b\n"
		     : "+r" (x0), "+r" (x12) : "r" (x1) : "cc", "memory");
}
