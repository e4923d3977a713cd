// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_aarch32 - a 32-bit vCPU keeps its FPEXC when its registers stay live.
 *
 * An AArch32 guest kernel that switches VFP lazily turns FPEXC.EN off
 * when it takes VFP away from a process, and relies on the next VFP use
 * trapping to it. In AArch64 hardware that register is FPEXC32_EL2, and
 * KVM writes it for every 32-bit vCPU that enters with its FP state not
 * loaded (EN set, so that FP accesses trap to EL2 rather than to the
 * guest). Another vCPU's entry therefore leaves EN set behind it.
 *
 * Two 32-bit vCPUs share one physical CPU, each on its own thread, and
 * the scheduler switches between them inside KVM_RUN (no return to user
 * space, so nothing else uses the FP registers):
 *
 *   A: enables VFP (FPEXC.EN = 1), uses it, disables it (EN = 0), then
 *      reads FPEXC over and over; EN set is a failure, which A reports
 *      with a store to an MMIO address (an exit to this program);
 *   B: spins without touching FP, so every entry of B arms the FP traps
 *      and writes FPEXC32_EL2 while A's registers stay on the CPU.
 *
 * A kernel that enters A with its registers live (the vCPU stat
 * fp_reload_avoided counts such entries) must put A's own FPEXC back;
 * one that traps after every vcpu_load (stock) restores it on the trap.
 * On a kernel with the stat, the test also fails if no entry was live:
 * then it did not test anything.
 *
 * The guest code is A32, hand-assembled below, run with the MMU off.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp_util.h"
#include "kvm_util.h"
#include "processor.h"

#define A32_TEST	"fpexc-live-after-other-vcpu"
#define A32_RUN_S	3
#define A32_MMIO_GPA	0x3f000000ul	/* below 4 GiB, in no memslot */

/* Vcpu A: VFP on, used, off; then FPEXC must read EN clear. */
static const uint32_t a32_guest_a[] = {
	0xe3a00101,	/* 0  loop:  mov   r0, #0x40000000         */
	0xeee80a10,	/* 1         vmsr  fpexc, r0   (EN = 1)    */
	0xee000a10,	/* 2         vmov  s0, r0      (a VFP use) */
	0xe3a00000,	/* 3         mov   r0, #0                  */
	0xeee80a10,	/* 4         vmsr  fpexc, r0   (EN = 0)    */
	0xe3a02801,	/* 5         mov   r2, #0x10000            */
	0xeef81a10,	/* 6  inner: vmrs  r1, fpexc               */
	0xe3110101,	/* 7         tst   r1, #0x40000000         */
	0x1a000003,	/* 8         bne   bad                     */
	0xe2522001,	/* 9         subs  r2, r2, #1              */
	0x1afffffa,	/* 10        bne   inner                   */
	0xe2833001,	/* 11        add   r3, r3, #1  (rounds)    */
	0xeafffff2,	/* 12        b     loop                    */
	0xe5871000,	/* 13 bad:   str   r1, [r7]    (to us)     */
	0xeafffffd,	/* 14        b     bad                     */
};

/* Vcpu B: no FP at all. */
static const uint32_t a32_guest_b[] = {
	0xeafffffe,	/* b . */
};

struct a32_vcpu {
	struct kvm_vcpu *vcpu;
	pthread_t thread;
	int cpu;
	uint32_t fpexc;		/* what A reported, if it did */
	bool reported;
	const char *error;
};

static bool a32_stop;

static void a32_signal(int sig)
{
	WRITE_ONCE(a32_stop, true);
}

static uint64_t a32_load(struct kvm_vm *vm, const uint32_t *code, size_t size)
{
	vm_paddr_t gpa = vm_phy_page_alloc(vm, KVM_GUEST_PAGE_TABLE_MIN_PADDR, 0);

	TEST_ASSERT(gpa + size < (1ul << 32), "guest code above 4 GiB: %#lx",
		    (unsigned long)gpa);
	memcpy(addr_gpa2hva(vm, gpa), code, size);
	return gpa;
}

static struct kvm_vcpu *a32_vcpu_add(struct kvm_vm *vm, uint32_t id,
				     uint64_t pc)
{
	struct kvm_vcpu *vcpu = __vm_vcpu_add(vm, id);
	struct kvm_vcpu_init init;

	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= 1u << KVM_ARM_VCPU_EL1_32BIT;
	vcpu_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init);
	/* Reset put it in SVC mode, MMU off; CP10/CP11 open to EL1. */
	vcpu_set_reg(vcpu, KVM_ARM64_SYS_REG(SYS_CPACR_EL1), 0xfu << 20);
	vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.pc), pc);
	vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[7]), A32_MMIO_GPA);
	return vcpu;
}

static void *a32_run(void *arg)
{
	struct a32_vcpu *v = arg;
	struct kvm_run *run = v->vcpu->run;
	cpu_set_t set;
	int r;

	CPU_ZERO(&set);
	CPU_SET(v->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		v->error = "cannot pin the vCPU thread";
		return NULL;
	}
	while (!READ_ONCE(a32_stop)) {
		r = __vcpu_run(v->vcpu);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			v->error = "KVM_RUN failed";
			break;
		}
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write &&
		    run->mmio.phys_addr == A32_MMIO_GPA) {
			memcpy(&v->fpexc, run->mmio.data, sizeof(v->fpexc));
			v->reported = true;
			break;
		}
		if (run->exit_reason != KVM_EXIT_INTR) {
			v->error = "unexpected exit";
			break;
		}
	}
	return NULL;
}

int main(void)
{
	struct a32_vcpu a = { 0 }, b = { 0 };
	struct sigaction sa = { .sa_handler = a32_signal };
	uint64_t rounds = 0, live = 0;
	bool has_stat, ok;
	struct kvm_vm *vm;
	int cpu;

	ksft_print_header();
	ksft_set_plan(1);
	if (!kvm_check_cap(KVM_CAP_ARM_EL1_32BIT)) {
		ksft_test_result_skip("%s: no AArch32 EL1 (KVM_CAP_ARM_EL1_32BIT)\n",
				      A32_TEST);
		ksft_finished();
	}

	vm = vm_create(2);
	a.vcpu = a32_vcpu_add(vm, 0, a32_load(vm, a32_guest_a, sizeof(a32_guest_a)));
	b.vcpu = a32_vcpu_add(vm, 1, a32_load(vm, a32_guest_b, sizeof(a32_guest_b)));

	/* Both on the last CPU this program may use. */
	cpu = sched_getcpu();
	for (int i = 0; i < CPU_SETSIZE; i++) {
		cpu_set_t set;

		if (!sched_getaffinity(0, sizeof(set), &set) && CPU_ISSET(i, &set))
			cpu = i;
	}
	a.cpu = cpu;
	b.cpu = cpu;

	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction");
	TEST_ASSERT(!pthread_create(&a.thread, NULL, a32_run, &a), "pthread_create");
	TEST_ASSERT(!pthread_create(&b.thread, NULL, a32_run, &b), "pthread_create");
	for (int i = 0; i < A32_RUN_S * 10 && !a.reported && !a.error && !b.error; i++)
		usleep(100000);
	WRITE_ONCE(a32_stop, true);
	pthread_kill(a.thread, SIGUSR1);
	pthread_kill(b.thread, SIGUSR1);
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	TEST_ASSERT(!a.error && !b.error, "vCPU %s: %s", a.error ? "A" : "B",
		    a.error ? a.error : b.error);

	vcpu_get_reg(a.vcpu, ARM64_CORE_REG(regs.regs[3]), &rounds);
	has_stat = fp_vcpu_stat(a.vcpu, "fp_reload_avoided", &live);
	ksft_print_msg("cpu %d, vCPU A: %lu rounds of 65536 FPEXC reads,\n",
		       cpu, (unsigned long)rounds);
	ksft_print_msg("  entries with its state live: %s%lu\n",
		       has_stat ? "" : "(no stat) ", (unsigned long)live);
	ok = !a.reported && rounds > 0;
	if (a.reported)
		ksft_print_msg("vCPU A read FPEXC %#x: EN set after the guest cleared it\n",
			       a.fpexc);
	if (!rounds)
		ksft_print_msg("vCPU A did not finish one round\n");
	if (has_stat && !live) {
		ksft_print_msg("no entry of vCPU A found its state live: nothing was tested\n");
		ok = false;
	}
	ksft_test_result(ok, "%s\n", A32_TEST);
	kvm_vm_free(vm);
	ksft_finished();
}
