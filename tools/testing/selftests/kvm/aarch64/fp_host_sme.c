// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_host_sme - the host's SME state survives guests that have no SME.
 *
 * - za-kvm-run-fpsimd, za-kvm-run-sve: the VMM thread turns ZA on, fills
 *   it with a pattern and sets TPIDR2_EL0, then runs a guest that uses
 *   FP/SIMD (and SVE) and exits both to userspace (MMIO) and inside the
 *   kernel (a PSCI call). ZA stays on across every KVM_RUN, as the SME
 *   ABI keeps it across system calls; after each run PSTATE.ZA must still
 *   be set and ZA and TPIDR2 must hold exactly the pattern. On a kernel
 *   with the FP core's statistics, ZA must have stayed live into KVM_RUN
 *   (fp_host_sme_flush 0: vcpu_load wrote nothing back) and been written
 *   back when the guest took the registers (fp_host_za_save at least 1,
 *   at most once per KVM_RUN).
 * - za-kvm-run-nofp: the same with a guest that uses no FP: ZA is never
 *   written back at all (fp_host_sme_flush and fp_host_za_save 0).
 * - za-kvm-run-neon-storm: the same while every CPU runs kernel-mode NEON
 *   from softirqs (the FP core's debugfs hook; skipped without it).
 * - za-kvm-run-every-exit: the same with a guest that also sleeps in WFI
 *   (a virtual timer wakes it) in every round, and a VMM thread that moves
 *   to the other CPU before every KVM_RUN.
 * - za-kvm-run-fp-stress: za-kvm-run-every-exit, over and over, while the
 *   base's arm64 fp-stress runs its FPSIMD, SVE, streaming SVE and ZA
 *   children on every CPU (so the vCPU thread is also preempted by tasks
 *   with SME state). fp-stress's path comes from $FP_STRESS
 *   (fp_stress_find()); the case is skipped without it.
 *   Its children must all pass, and some of them must have been
 *   streaming SVE and ZA ones.
 * - sme-on-za-off-kvm-run: the VMM thread has used SME but has ZA off, and
 *   its guest uses no FP, so the VMM's registers stay live through every
 *   KVM_RUN; after each, an SME instruction must run without trapping
 *   (on a VHE exit EL0 SME access must come back; a trap here is a
 *   kernel warning, which the runner counts as a failure).
 * - za-off-after-fork-kvm-run: the VMM thread turns ZA on, forks (which
 *   writes its registers back, PSTATE.ZA set), turns ZA off and runs a
 *   guest that uses FP, so the guest's trap writes the VMM back. After
 *   KVM_RUN, PSTATE.ZA must still be off: the image's older SVCR must not
 *   come back.
 * - streaming-task-beside-vcpu: a thread on the same CPU as the vCPU sits
 *   in streaming mode with ZA on, its Z, P and ZA registers loaded, and
 *   spins until it has been preempted; its registers must come back
 *   exactly, however often the vCPU ran in between.
 *
 * SME instructions are written as .inst words, so the test builds with
 * any assembler.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <asm/hwcap.h>
#include <linux/psci.h>

#include "arch_timer.h"
#include "fp_regs.h"
#include "fp_util.h"
#include "gic.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vgic.h"

#define SME_RUNS	64
#define SME_MAX_SVL	256

#define TPIDR2_MARK	0x5a4d45545044ULL
#define SME_WFI_US	50
#define SME_STRESS_S	"15"

static unsigned int svl;

/* ---- SME helpers (host) ---- */

static unsigned int read_svl(void)
{
	register uint64_t x0 asm("x0");

	asm volatile(RDSVL_X0 : "=r" (x0));
	return x0;
}

static void za_off(void)
{
	asm volatile(SMSTOP_ZA ::: "memory");
}

/* ---- guest ---- */

static bool guest_sve, guest_nofp, guest_wfi;

static void guest_code(void)
{
	uint64_t ticks = timer_get_cntfrq() * SME_WFI_US / 1000000;
	struct arm_smccc_res res;
	uint64_t i;

	if (READ_ONCE(guest_wfi)) {
		gic_init(GIC_V3, 1);
		gic_irq_enable(FP_VTIMER_IRQ);
	}
	for (i = 0; i < SME_RUNS; i++) {
		if (READ_ONCE(guest_nofp))
			goto exits;
		/* FP use: the first one traps and saves the host. */
		asm volatile("fmov d0, %0\n"
			     "fmov d31, %0\n"
			     "fadd d1, d0, d31\n" : : "r" (i * 0x1111) :
			     "v0", "v1", "v31");
		if (READ_ONCE(guest_sve))
			asm volatile(".arch_extension sve\n"
				     "ptrue p0.b\n"
				     "mov z2.b, #3\n"
				     "mov z30.b, #0x3c\n" : : :
				     "p0", "v2", "v30");
exits:
		/* An exit handled inside the kernel... */
		smccc_hvc(PSCI_0_2_FN_PSCI_VERSION, 0, 0, 0, 0, 0, 0, 0, &res);
		/* ...a sleep, the vCPU put and loaded again... */
		if (READ_ONCE(guest_wfi))
			fp_guest_wfi_once(ticks);
		/* ...and one to userspace. */
		GUEST_SYNC(i);
	}
	GUEST_DONE();
}

/*
 * A VM of one vCPU running guest_code(), with SVE if @sve; with @wfi it
 * has a vGICv3 (its fd goes to @gic_fd) and no halt polling, so that the
 * guest's WFI really puts the vCPU thread to sleep.
 */
static struct kvm_vm *sme_vm_wfi(bool sve, bool wfi, struct kvm_vcpu **vcpu,
				 int *gic_fd)
{
	struct kvm_vm *vm = vm_create(1);

	*vcpu = fp_vcpu_add(vm, 0, guest_code, sve ? FP_VL_ALL : 0, 0);
	*gic_fd = -1;
	if (wfi) {
		if (kvm_has_cap(KVM_CAP_HALT_POLL))
			vm_enable_cap(vm, KVM_CAP_HALT_POLL, 0);
		*gic_fd = vgic_v3_setup(vm, 1, 64);
		TEST_ASSERT(*gic_fd >= 0, "no in-kernel vGICv3");
	}
	guest_wfi = wfi;
	sync_global_to_guest(vm, guest_wfi);
	guest_sve = sve;
	sync_global_to_guest(vm, guest_sve);
	return vm;
}

static struct kvm_vm *sme_vm(bool sve, struct kvm_vcpu **vcpu)
{
	int gic_fd;

	return sme_vm_wfi(sve, false, vcpu, &gic_fd);
}

/*
 * Run the guest to completion with the host's ZA loaded from @want,
 * checking PSTATE.ZA, ZA and TPIDR2 after every KVM_RUN; with @migrate
 * the thread moves to the next CPU before each KVM_RUN.
 *
 * Return: the number of runs after which something was wrong; the
 * number of KVM_RUN calls goes to @nr_runs.
 */
static unsigned int run_with_za(struct kvm_vcpu *vcpu, const uint8_t *want,
				uint8_t *seen, bool migrate,
				unsigned int *nr_runs)
{
	unsigned int bad = 0, runs = 0, cpus = get_nprocs();
	struct ucall uc;
	bool done = false;

	fp_write_tpidr2(TPIDR2_MARK);
	fp_za_load(want, svl);
	while (!done && runs++ < 4 * SME_RUNS) {
		uint64_t svcr, tpidr2;
		long at = -2;
		int rc;

		if (migrate)
			kvm_pin_this_task_to_pcpu(runs % cpus);
		rc = __vcpu_run(vcpu);
		svcr = fp_read_svcr();
		tpidr2 = fp_read_tpidr2();
		if (svcr & SVCR_ZA_BIT) {
			fp_za_store(seen, svl);
			at = fp_first_diff(want, seen, svl * svl);
		}
		if (rc || at != -1 || tpidr2 != TPIDR2_MARK) {
			if (!bad++)
				ksft_print_msg("run %u: rc %d SVCR %#lx TPIDR2 %#lx ZA %ld\n",
					       runs, rc, svcr, tpidr2, at);
			/* Start again from the pattern. */
			fp_write_tpidr2(TPIDR2_MARK);
			fp_za_load(want, svl);
			if (rc)
				break;
		}
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			break;
		case UCALL_DONE:
			done = true;
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			ksft_print_msg("unexpected exit %u\n",
				       vcpu->run->exit_reason);
			bad++;
			done = true;
		}
	}
	za_off();
	if (migrate)
		kvm_pin_this_task_to_pcpu(0);
	*nr_runs = runs;
	return bad + !done;
}

/* One case of ZA held across KVM_RUN: what the guest and the host do. */
struct za_case {
	const char *name;
	bool sve;		/* the guest uses SVE as well as FP/SIMD */
	bool nofp;		/* the guest uses no FP at all */
	bool every_exit;	/* WFI sleeps too; the VMM thread migrates */
	const char *storm;	/* the softirq NEON hook to start, or NULL */
	bool fp_stress;		/* fp-stress on every CPU meanwhile */
};

/*
 * Run the case's guest with the VMM's ZA on, once, or with fp-stress
 * until fp-stress ends; check every run and the vCPU's counters.
 */
static void test_za_kvm_run(const struct za_case *c)
{
	uint8_t *want = malloc(2 * svl * svl), *seen;
	unsigned int bad = 0, runs, total = 0, vms = 0;
	uint64_t flushes, za_saves, za_total = 0;
	bool quiet = !c->storm && !c->fp_stress, stats = false;
	char stress_path[PATH_MAX];
	struct kvm_vcpu *vcpu;
	struct fp_stress fs;
	struct kvm_vm *vm;
	int fd = -1;

	TEST_ASSERT(want, "out of memory");
	seen = want + svl * svl;
	if (c->sve && !kvm_has_cap(KVM_CAP_ARM_SVE)) {
		ksft_test_result_skip("%s: no SVE for guests\n", c->name);
		free(want);
		return;
	}
	if (c->storm) {
		fd = open(c->storm, O_WRONLY);
		if (fd < 0) {
			ksft_test_result_skip("%s: %s: %s\n", c->name, c->storm,
					      strerror(errno));
			free(want);
			return;
		}
		TEST_ASSERT(write(fd, "60000", 5) == 5, "start the NEON storm");
	}
	if (c->fp_stress) {
		if (!fp_stress_find(stress_path, sizeof(stress_path))) {
			ksft_test_result_skip("%s: no fp-stress\n", c->name);
			free(want);
			return;
		}
		if (!fp_stress_start(&fs, stress_path, SME_STRESS_S))
			bad++;
	}
	fp_fill(want, svl * svl, 0x5e3 + c->sve);
	do {
		int gic_fd;

		vm = sme_vm_wfi(c->sve, c->every_exit, &vcpu, &gic_fd);
		guest_nofp = c->nofp;
		sync_global_to_guest(vm, guest_nofp);
		bad += run_with_za(vcpu, want, seen, c->every_exit, &runs);
		total += runs;
		vms++;
		if (fp_kvm_protected()) {
			/* vcpu_load writes the VMM back, ZA included. */
			if (vms == 1)
				ksft_print_msg("%s: %s\n", c->name,
					       "protected mode: ZA counts not checked");
		} else if (fp_vcpu_stat(vcpu, "fp_host_sme_flush", &flushes) &&
			   fp_vcpu_stat(vcpu, "fp_host_za_save", &za_saves)) {
			ksft_print_msg("%s: %u runs, fp_host_sme_flush %lu fp_host_za_save %lu\n",
				       c->name, runs, flushes, za_saves);
			/*
			 * fp-stress's streaming children, preempted by this
			 * thread, leave PSTATE.SM on for vcpu_load to flush:
			 * only there may fp_host_sme_flush count.
			 */
			bad += flushes && !c->fp_stress;
			if (c->nofp)
				bad += za_saves != 0;
			else if (quiet)
				bad += !za_saves || za_saves > runs;
			else if (c->fp_stress)
				bad += za_saves > runs;
			za_total += za_saves;
			stats = true;
		}
		guest_nofp = false;
		kvm_vm_free(vm);
		if (gic_fd >= 0)
			close(gic_fd);
	} while (c->fp_stress && !fp_stress_ended(&fs));
	if (c->fp_stress) {
		ksft_print_msg("%s: %u VMs, %u runs beside fp-stress, fp_host_za_save %lu\n",
			       c->name, vms, total, za_total);
		/*
		 * Some vcpu_load must have found the VMM's ZA alone on and
		 * kept it: a vcpu_load that always flushes saves none here.
		 */
		bad += stats && !za_total;
		/* Its children passed, streaming SVE and ZA ones among them. */
		bad += !fp_stress_stop(&fs, c->name, true) || !fs.ok_ssve ||
		       !fs.ok_za;
	}
	if (fd >= 0) {
		TEST_ASSERT(write(fd, "0", 1) == 1, "stop the NEON storm");
		close(fd);
	}
	free(want);
	ksft_test_result(!bad, "%s\n", c->name);
}

static void test_sme_on_za_off(void)
{
	const char *name = "sme-on-za-off-kvm-run";
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int runs = 0;
	struct ucall uc;

	vm = sme_vm(false, &vcpu);
	guest_nofp = true;
	sync_global_to_guest(vm, guest_nofp);
	do {
		/* SME used, ZA left off: nothing for vcpu_load to write back. */
		asm volatile(SMSTART_ZA SMSTOP_ZA ::: "memory");
		vcpu_run(vcpu);
		runs++;
	} while (get_ucall(vcpu, &uc) == UCALL_SYNC);
	asm volatile(SMSTART_ZA SMSTOP_ZA ::: "memory");
	guest_nofp = false;
	kvm_vm_free(vm);
	ksft_test_result(uc.cmd == UCALL_DONE && fp_read_svcr() == 0,
			 "%s: %u runs\n", name, runs);
}

static void test_za_off_after_fork(void)
{
	const char *name = "za-off-after-fork-kvm-run";
	unsigned int runs = 0, bad = 0;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;

	vm = sme_vm(false, &vcpu);
	do {
		pid_t pid;

		asm volatile(SMSTART_ZA ::: "memory");
		pid = fork();
		if (!pid)
			_exit(0);
		TEST_ASSERT(pid > 0, "fork");
		waitpid(pid, NULL, 0);
		asm volatile(SMSTOP_ZA ::: "memory");
		vcpu_run(vcpu);
		if (fp_read_svcr() && !bad++)
			ksft_print_msg("%s: run %u: SVCR %#lx after KVM_RUN\n",
				       name, runs, fp_read_svcr());
		za_off();
		runs++;
	} while (get_ucall(vcpu, &uc) == UCALL_SYNC && runs < 8);
	kvm_vm_free(vm);
	ksft_test_result(!bad, "%s: %u runs\n", name, runs);
}

/* ---- a streaming-mode task beside the vCPU ---- */

#define SSVE_ROUNDS	6

struct ssve_image {
	uint8_t z[32 * SME_MAX_SVL];
	uint8_t p[16 * SME_MAX_SVL / 8];
	uint8_t za[SME_MAX_SVL * SME_MAX_SVL];
};

static struct ssve_image ssve_want, ssve_seen;
static bool vcpu_stop;
static long ssve_bad, ssve_preempted;

/*
 * Enter streaming mode with ZA on, load Z0-Z31, P0-P15 and ZA from @want,
 * spin @loops times, store them all to @seen and leave streaming mode.
 */
static void ssve_hold(const struct ssve_image *want, struct ssve_image *seen,
		      uint64_t loops)
{
	asm volatile(SMSTART_SMZA
		     ".arch_extension sve\n"
		     "	mov	x0, %[wz]\n"
		     FP_ASM_LDR_Z("x0")
		     "	mov	x0, %[wp]\n"
		     FP_ASM_LDR_P("x0")
		     "	mov	x0, %[wza]\n"
		     "	mov	x12, #0\n"
		     "1:	" LDR_ZA_W12_X0
		     "	add	x0, x0, %[svl]\n"
		     "	add	x12, x12, #1\n"
		     "	cmp	x12, %[svl]\n"
		     "	b.lo	1b\n"
		     "	mov	x1, %[loops]\n"
		     "2:	subs	x1, x1, #1\n"
		     "	b.ne	2b\n"
		     "	mov	x0, %[sz]\n"
		     FP_ASM_STR_Z("x0")
		     "	mov	x0, %[sp]\n"
		     FP_ASM_STR_P("x0")
		     "	mov	x0, %[sza]\n"
		     "	mov	x12, #0\n"
		     "3:	" STR_ZA_W12_X0
		     "	add	x0, x0, %[svl]\n"
		     "	add	x12, x12, #1\n"
		     "	cmp	x12, %[svl]\n"
		     "	b.lo	3b\n"
		     SMSTOP_SMZA
		     :
		     : [wz] "r" (want->z), [wp] "r" (want->p),
		       [wza] "r" (want->za), [sz] "r" (seen->z),
		       [sp] "r" (seen->p), [sza] "r" (seen->za),
		       [svl] "r" ((uint64_t)svl), [loops] "r" (loops)
		     : "x0", "x1", "x12", "cc", "memory");
}

static void *ssve_thread(void *arg)
{
	uint64_t loops = 1ULL << 22;
	struct rusage ru;
	long before, z, p, za;
	int round;

	kvm_pin_this_task_to_pcpu(0);
	for (round = 0; round < SSVE_ROUNDS; round++) {
		getrusage(RUSAGE_THREAD, &ru);
		before = ru.ru_nivcsw;
		fp_fill((uint8_t *)&ssve_want, sizeof(ssve_want), 0x55e + round);
		memset(&ssve_seen, 0, sizeof(ssve_seen));
		ssve_hold(&ssve_want, &ssve_seen, loops);
		getrusage(RUSAGE_THREAD, &ru);
		if (ru.ru_nivcsw > before)
			ssve_preempted++;
		z = fp_first_diff(ssve_want.z, ssve_seen.z, 32 * svl);
		p = fp_first_diff(ssve_want.p, ssve_seen.p, 16 * svl / 8);
		za = fp_first_diff(ssve_want.za, ssve_seen.za, svl * svl);
		if ((z >= 0 || p >= 0 || za >= 0) && !ssve_bad++)
			ksft_print_msg("streaming task: round %d: Z %ld, P %ld, ZA %ld\n",
				       round, z, p, za);
	}
	WRITE_ONCE(vcpu_stop, true);
	return NULL;
}

static void test_streaming_beside_vcpu(void)
{
	const char *name = "streaming-task-beside-vcpu";
	bool sve = kvm_has_cap(KVM_CAP_ARM_SVE);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned long runs = 0;
	pthread_t t;
	struct ucall uc;

	if (svl > SME_MAX_SVL) {
		ksft_test_result_skip("%s: SVL %u above %u\n", name, svl,
				      SME_MAX_SVL);
		return;
	}
	kvm_pin_this_task_to_pcpu(0);
	vm = sme_vm(sve, &vcpu);
	WRITE_ONCE(vcpu_stop, false);
	TEST_ASSERT(!pthread_create(&t, NULL, ssve_thread, NULL), "thread");
	while (!READ_ONCE(vcpu_stop)) {
		vcpu_run(vcpu);
		runs++;
		if (get_ucall(vcpu, &uc) == UCALL_DONE) {
			kvm_vm_free(vm);
			vm = sme_vm(sve, &vcpu);
		}
	}
	pthread_join(t, NULL);
	kvm_vm_free(vm);
	ksft_print_msg("%s: %lu guest runs, streaming task preempted in %ld of %d rounds\n",
		       name, runs, ssve_preempted, SSVE_ROUNDS);
	ksft_test_result(!ssve_bad && ssve_preempted > 0, "%s\n", name);
}

static const struct za_case za_cases[] = {
	{ .name = "za-kvm-run-fpsimd" },
	{ .name = "za-kvm-run-sve", .sve = true },
	{ .name = "za-kvm-run-nofp", .nofp = true },
	{ .name = "za-kvm-run-neon-storm", .sve = true,
	  .storm = "/sys/kernel/debug/arm64_fpsimd/softirq_neon" },
	{ .name = "za-kvm-run-every-exit", .sve = true, .every_exit = true },
	{ .name = "za-kvm-run-fp-stress", .sve = true, .every_exit = true,
	  .fp_stress = true },
};

/* After the ZA cases; each reports one result, in this order. */
static void (* const sme_tests[])(void) = {
	test_sme_on_za_off,
	test_za_off_after_fork,
	test_streaming_beside_vcpu,
};

int main(void)
{
	unsigned int i;

	ksft_print_header();
	if (!(getauxval(AT_HWCAP2) & HWCAP2_SME))
		ksft_exit_skip("the host has no SME\n");
	ksft_set_plan(ARRAY_SIZE(za_cases) + ARRAY_SIZE(sme_tests));
	svl = read_svl();
	ksft_print_msg("host SVL %u bytes\n", svl);
	kvm_pin_this_task_to_pcpu(0);

	for (i = 0; i < ARRAY_SIZE(za_cases); i++)
		test_za_kvm_run(&za_cases[i]);
	for (i = 0; i < ARRAY_SIZE(sme_tests); i++)
		sme_tests[i]();

	ksft_finished();
}
