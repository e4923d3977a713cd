// SPDX-License-Identifier: GPL-2.0-only
/*
 * fp_guest_sme - SME for guests: streaming mode and ZA in a vCPU.
 *
 * - cap: KVM_CAP_ARM_SME is reported, and a vCPU asking for SME without
 *   SVE is refused (EINVAL). Without the cap on a host with SME (protected
 *   mode, a kernel without guest SME), KVM_ARM_VCPU_INIT with SVE and SME
 *   must fail (EINVAL, or ENOENT where the feature bit is unknown), and
 *   every other case is skipped.
 * - tpidr2-isolated-without-sme (with or without the cap, on an SME
 *   host): a vCPU without SME reads and writes TPIDR2_EL0, round after
 *   round; it never reads the VMM thread's value, which is unchanged after
 *   each KVM_RUN. The accesses are UNDEFINED (a fine-grained trap) except
 *   in protected mode, whose hypervisor switches TPIDR2_EL0 instead (the
 *   base's let such a guest read and write the VMM's).
 * - vls-default: KVM_REG_ARM64_SME_VLS starts as exactly the host's
 *   streaming lengths.
 * - one-reg-at-every-svl: for each streaming length the host has, a vCPU
 *   limited to it round-trips every ZA row and Z and P register (and FFR
 *   with FA64, else FFR does not exist) in streaming mode (bytes past the
 *   length read as zero), SVCR.SM changes zero the Z registers, SVCR.ZA
 *   0->1 zeroes ZA.
 * - bad-input: a documented errno for each bad request (SME_VLS after
 *   finalize EPERM, a length the host lacks or none EINVAL, a ZA row with
 *   SVCR.ZA clear EBUSY, a row past the length, a slice above 0 or ZT0
 *   ENOENT, SVCR or SMCR_EL1 bits it may not have EINVAL), and the vCPU
 *   runs afterwards.
 * - reg-list: KVM_GET_REG_LIST lists SVCR, SMCR_EL1, TPIDR2_EL0 and
 *   SME_VLS, the ZA rows only while SVCR.ZA is set, and every listed
 *   register can be read.
 * - streaming-every-exit: two vCPUs, each in its own thread, enter
 *   streaming mode with ZA on, load ZA, Z0-Z31 and P0-P15 with their own
 *   pattern, then take one exit (an in-kernel HVC, an MMIO write to
 *   userspace, a WFI sleep on the virtual timer), store them again and
 *   compare, round after round. At each MMIO exit the VMM reads SVCR and
 *   ZA through KVM_GET_ONE_REG and compares them too. vCPU 0 has SVE
 *   lengths up to 32 bytes only, so its SVE and streaming layouts differ.
 *   vCPU 1's thread moves to another CPU before every KVM_RUN. vCPU 0's
 *   thread moves every fourth run, and keeps its own ZA on with TPIDR2_EL0
 *   set across every KVM_RUN, one row changed before each, and checks
 *   them after each. Then the counters: ZA loaded and saved at least
 *   once, never more ZA loads than loads, the VMM's ZA written back at
 *   least once.
 * - za-off-no-za-transfers: a vCPU with SME whose guest uses only
 *   FP/SIMD and SVE moves no ZA (fp_guest_za_load and _save 0).
 * - isolation-from-non-sme-vcpu: two threads on one CPU, a streaming SME
 *   vCPU with ZA on and an SVE vCPU of another VM without SME, both
 *   sleeping in WFI inside KVM_RUN, so that each vcpu_load finds the
 *   other's registers live (streaming mode and ZA included); both guests
 *   check theirs.
 * - streaming-beside-fp-stress: streaming-every-exit, one VM after
 *   another, for as long as the base's fp-stress (-t 10) runs its FPSIMD,
 *   SVE, streaming SVE and ZA children on every CPU; its children must
 *   all pass, streaming and ZA ones among them. Skipped without fp-stress
 *   (its path in $FP_STRESS).
 *
 * SME instructions are .inst words, so any assembler builds this.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/sysinfo.h>
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

#define GS_MAX_SVL	256
#define GS_ROUNDS	24
#define GS_VCPUS	2
#define GS_WFI_US	50
#define GS_STRESS_S	"10"
#define GS_MMIO_GPA_OFF	(64UL << 20)
#define TPIDR2_MARK	0x5a4d45475354ULL

#define SYS_SVCR_ID	KVM_ARM64_SYS_REG(sys_reg(3, 3, 4, 2, 2))
#define SYS_SMCR_ID	KVM_ARM64_SYS_REG(sys_reg(3, 0, 1, 2, 6))
#define SYS_TPIDR2_ID	KVM_ARM64_SYS_REG(sys_reg(3, 3, 13, 0, 5))

/* ---- patterns, the same in guest and host ---- */

static uint64_t gs_seed(unsigned int id, unsigned int round, unsigned int what)
{
	return (id + 1) * 0x9e3779b97f4a7c15ULL ^ (round << 8 | what);
}

/* ---- guest ---- */

struct gs_bufs {
	uint8_t za[GS_MAX_SVL * GS_MAX_SVL];
	uint8_t z[32 * GS_MAX_SVL];
	uint8_t p[16 * GS_MAX_SVL / 8];
};

static struct gs_bufs gs_src[GS_VCPUS], gs_dst[GS_VCPUS];
static uint64_t gs_mmio_gva;
static bool gs_za_off_guest;

static unsigned int guest_svl(void)
{
	register uint64_t x0 asm("x0");

	asm volatile(RDSVL_X0 : "=r" (x0));
	return x0;
}

/*
 * One round in streaming mode with ZA on: load ZA, Z and P from @s, take
 * exit @kind (0 HVC, 1 MMIO write of @round, 2 WFI for @ticks), store
 * them to @d, leave streaming mode. Nothing but this asm runs in
 * streaming mode, so no compiled code can touch the registers.
 */
/* What guest_round()'s asm reads, in the order it loads it. */
struct gs_round_args {
	uint64_t zs, ps, kind, mmio, ticks, zad, zd, pd, zas, svl, round;
};

static void guest_round(struct gs_bufs *s, struct gs_bufs *d,
			unsigned int svl, uint64_t kind, uint64_t round,
			uint64_t ticks)
{
	struct gs_round_args a = {
		.zs = (uint64_t)s->z, .ps = (uint64_t)s->p, .kind = kind,
		.mmio = gs_mmio_gva, .ticks = ticks, .zad = (uint64_t)d->za,
		.zd = (uint64_t)d->z, .pd = (uint64_t)d->p,
		.zas = (uint64_t)s->za, .svl = svl, .round = round,
	};

	/* The HVC exit writes x0-x3 back; everything else survives exits. */
	asm volatile("ldp	x19, x20, [%[a]]\n"
		     "ldp	x21, x22, [%[a], #16]\n"
		     "ldp	x23, x24, [%[a], #32]\n"
		     "ldp	x25, x26, [%[a], #48]\n"
		     "ldp	x27, x28, [%[a], #64]\n"
		     "ldr	x13, [%[a], #80]\n"
		     SMSTART_SMZA
		     ".arch_extension sve\n"
		     "mov	x0, x27\n"
		     "mov	x12, #0\n"
		     "1:	" LDR_ZA_W12_X0
		     "add	x0, x0, x28\n"
		     "add	x12, x12, #1\n"
		     "cmp	x12, x28\n"
		     "b.lo	1b\n"
		     FP_ASM_LDR_Z("x19")
		     FP_ASM_LDR_P("x20")
		     "cbnz	x21, 2f\n"
		     "mov	x0, #0x84000000\n"	/* PSCI_VERSION: in the kernel */
		     "hvc	#0\n"
		     "b	4f\n"
		     "2:	cmp	x21, #1\n"
		     "b.ne	3f\n"
		     "str	x13, [x22]\n"		/* MMIO: to userspace */
		     "b	4f\n"
		     "3:	mrs	x9, cntvct_el0\n"	/* WFI until the timer */
		     "add	x9, x9, x23\n"
		     "msr	cntv_cval_el0, x9\n"
		     "mov	x9, #1\n"
		     "msr	cntv_ctl_el0, x9\n"
		     "isb\n"
		     "5:	wfi\n"
		     "mrs	x9, cntv_ctl_el0\n"
		     "tbz	x9, #2, 5b\n"
		     "msr	cntv_ctl_el0, xzr\n"
		     "isb\n"
		     "4:\n"
		     FP_ASM_STR_Z("x25")
		     FP_ASM_STR_P("x26")
		     "mov	x0, x24\n"
		     "mov	x12, #0\n"
		     "6:	" STR_ZA_W12_X0
		     "add	x0, x0, x28\n"
		     "add	x12, x12, #1\n"
		     "cmp	x12, x28\n"
		     "b.lo	6b\n"
		     SMSTOP_SMZA
		     :
		     : [a] "r" (&a)
		     : "x0", "x1", "x2", "x3", "x9", "x12", "x13", "x19", "x20",
		       "x21", "x22", "x23", "x24", "x25", "x26",
		       "x27", "x28", "cc", "memory",
		       "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9",
		       "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17",
		       "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
		       "v26", "v27", "v28", "v29", "v30", "v31",
		       "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9",
		       "p10", "p11", "p12", "p13", "p14", "p15");
}

static void guest_check(const uint8_t *want, const uint8_t *got, size_t len,
			unsigned int what, unsigned int round)
{
	size_t i;

	for (i = 0; i < len; i++)
		__GUEST_ASSERT(want[i] == got[i],
			       "round %u (exit %u): %s byte %lu is %#x, loaded %#x",
			       round, round % 3,
			       what == 0 ? "ZA" : what == 1 ? "Z" : "P",
			       (unsigned long)i, got[i], want[i]);
}

static void guest_code(uint64_t id)
{
	uint64_t ticks = timer_get_cntfrq() * GS_WFI_US / 1000000;
	struct gs_bufs *s = &gs_src[id], *d = &gs_dst[id];
	unsigned int svl, r;
	uint32_t irq;

	/* The longest streaming length the vCPU has. */
	fp_guest_sme_max_len();
	svl = guest_svl();
	GUEST_SYNC(svl);
	if (READ_ONCE(gs_za_off_guest)) {
		/* FP/SIMD and SVE only: PSTATE.ZA stays clear. */
		for (r = 0; r < 8; r++) {
			asm volatile(".arch_extension sve\n"
				     "fmov d0, %0\n"
				     "ptrue p0.b\n"
				     "mov z1.b, #5\n" : : "r" ((uint64_t)r) :
				     "v0", "v1", "p0");
			GUEST_SYNC(r);
		}
		GUEST_DONE();
	}
	gic_init(GIC_V3, GS_VCPUS);
	gic_irq_enable(FP_VTIMER_IRQ);
	for (r = 0; r < GS_ROUNDS; r++) {
		fp_fill(s->za, svl * svl, gs_seed(id, r, 0));
		fp_fill(s->z, 32 * svl, gs_seed(id, r, 1));
		fp_fill(s->p, 16 * svl / 8, gs_seed(id, r, 2));
		guest_round(s, d, svl, r % 3, r, ticks);
		if (r % 3 == 2) {
			irq = gic_get_and_ack_irq();
			if (irq < 1020)
				gic_set_eoi(irq);
		}
		guest_check(s->za, d->za, svl * svl, 0, r);
		guest_check(s->z, d->z, 32 * svl, 1, r);
		guest_check(s->p, d->p, 16 * svl / 8, 2, r);
		GUEST_SYNC(r);
	}
	GUEST_DONE();
}

/*
 * A vCPU without SME: Z0-Z31 at its vector length hold a pattern across
 * an in-kernel HVC and then across an exit to userspace, every round.
 */
static uint8_t sve_src[32 * GS_MAX_SVL], sve_dst[32 * GS_MAX_SVL];

static void guest_sve_round(uint64_t ticks)
{
	asm volatile(".arch_extension sve\n"
		     FP_ASM_LDR_Z("%[s]")
		     "mrs	x9, cntvct_el0\n"	/* WFI until the timer */
		     "add	x9, x9, %[t]\n"
		     "msr	cntv_cval_el0, x9\n"
		     "mov	x9, #1\n"
		     "msr	cntv_ctl_el0, x9\n"
		     "isb\n"
		     "1:	wfi\n"
		     "mrs	x9, cntv_ctl_el0\n"
		     "tbz	x9, #2, 1b\n"
		     "msr	cntv_ctl_el0, xzr\n"
		     "isb\n"
		     "mov	x0, #0x84000000\n"	/* and an HVC */
		     "hvc	#0\n"
		     FP_ASM_STR_Z("%[d]")
		     :
		     : [s] "r" (sve_src), [d] "r" (sve_dst), [t] "r" (ticks)
		     : "x0", "x1", "x2", "x3", "x9", "memory",
		       "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9",
		       "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17",
		       "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25",
		       "v26", "v27", "v28", "v29", "v30", "v31");
}

static void guest_sve_code(void)
{
	uint64_t ticks = timer_get_cntfrq() * GS_WFI_US / 1000000;
	uint64_t vl, r;
	uint32_t irq;

	asm volatile(".arch_extension sve\nrdvl %0, #1" : "=r" (vl));
	gic_init(GIC_V3, 1);
	gic_irq_enable(FP_VTIMER_IRQ);
	for (r = 0; r < GS_ROUNDS; r++) {
		fp_fill(sve_src, 32 * vl, gs_seed(7, r, 1));
		guest_sve_round(ticks);
		irq = gic_get_and_ack_irq();
		if (irq < 1020)
			gic_set_eoi(irq);
		guest_check(sve_src, sve_dst, 32 * vl, 1, r);
		GUEST_SYNC(r);
	}
	GUEST_DONE();
}

/* ---- host ---- */

static unsigned int host_svls[16], nr_host_svls;
static bool gs_fa64;		/* ID_AA64SMFR0_EL1.FA64 as guests see it */

/* The host's streaming lengths, from the SME prctl. */
static void probe_host_svls(void)
{
	unsigned int vl;
	int got, old = prctl(PR_SME_GET_VL);

	for (vl = 16; vl <= GS_MAX_SVL; vl *= 2) {
		got = prctl(PR_SME_SET_VL, vl);
		if (got >= 0 && (got & 0xffff) == vl)
			host_svls[nr_host_svls++] = vl;
	}
	if (old >= 0)
		prctl(PR_SME_SET_VL, old & 0xffff);
}

static uint64_t vq_bit(unsigned int vl, unsigned int *word)
{
	unsigned int vq = vl / 16;

	*word = (vq - 1) / 64;
	return 1ULL << ((vq - 1) % 64);
}

static int reg_xfer(struct kvm_vcpu *vcpu, bool set, uint64_t id, void *addr)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)addr };

	return __vcpu_ioctl(vcpu, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG,
			    &reg);
}

static int vcpu_init_err(struct kvm_vm *vm, uint32_t features)
{
	struct kvm_vcpu_init init;
	struct kvm_vcpu *vcpu;

	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= features;
	vcpu = __vm_vcpu_add(vm, 0);
	return __vcpu_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) ? errno : 0;
}

/*
 * A VM of @n SME vCPUs running guest_code(), with a vGICv3 and no halt
 * polling; each vCPU's streaming lengths capped at @max_svl (0: all).
 */
static struct kvm_vm *gs_vm_sve(unsigned int n, unsigned int max_svl,
				unsigned int vcpu0_sve_vl,
				struct kvm_vcpu **vcpus)
{
	struct kvm_vm *vm = vm_create(n);
	uint64_t mmio_gpa;
	unsigned int i;

	/* A guest exception is reported (UCALL_UNHANDLED), not a hang. */
	vm_init_descriptor_tables(vm);
	for (i = 0; i < n; i++) {
		/* vCPU 0's SVE lengths only up to vcpu0_sve_vl, if set. */
		vcpus[i] = fp_vcpu_add(vm, i, guest_code,
				       !i && vcpu0_sve_vl ? vcpu0_sve_vl : FP_VL_ALL,
				       max_svl ? max_svl : FP_VL_ALL);
		vcpu_init_descriptor_tables(vcpus[i]);
		vcpu_args_set(vcpus[i], 1, (uint64_t)i);
	}
	if (kvm_has_cap(KVM_CAP_HALT_POLL))
		vm_enable_cap(vm, KVM_CAP_HALT_POLL, 0);
	TEST_ASSERT(vgic_v3_setup(vm, n, 64) >= 0, "no in-kernel vGICv3");
	/* A page the guest writes to reach userspace: mapped, unbacked. */
	mmio_gpa = (vm->max_gfn << vm->page_shift) - GS_MMIO_GPA_OFF;
	virt_map(vm, mmio_gpa, mmio_gpa, 1);
	gs_mmio_gva = mmio_gpa;
	sync_global_to_guest(vm, gs_mmio_gva);
	return vm;
}

static struct kvm_vm *gs_vm(unsigned int n, unsigned int max_svl,
			    struct kvm_vcpu **vcpus)
{
	return gs_vm_sve(n, max_svl, 0, vcpus);
}

/* ---- the VMM thread's own ZA ---- */

static unsigned int vmm_svl;

/* ---- streaming-every-exit ---- */

struct gs_thread {
	struct kvm_vcpu *vcpu;
	unsigned int id, svl, runs, bad;
	bool vmm_za;
	int cpu;		/* stays on this CPU; -1: moves */
};

/* At the MMIO exit of @round: SVCR and ZA as KVM_GET_ONE_REG reads them. */
static unsigned int check_one_reg(struct gs_thread *t, unsigned int round)
{
	uint8_t want[GS_MAX_SVL * GS_MAX_SVL], row[256];
	unsigned int n, bad = 0;
	uint64_t svcr = 0;

	if (reg_xfer(t->vcpu, false, SYS_SVCR_ID, &svcr) || svcr != 3) {
		ksft_print_msg("vcpu %u round %u: SVCR %#lx (%s), want 0x3\n",
			       t->id, round, svcr, strerror(errno));
		return 1;
	}
	fp_fill(want, t->svl * t->svl, gs_seed(t->id, round, 0));
	for (n = 0; n < t->svl; n++) {
		if (reg_xfer(t->vcpu, false, KVM_REG_ARM64_SME_ZAHREG(n, 0),
			     row)) {
			ksft_print_msg("vcpu %u round %u: ZA[%u]: %s\n",
				       t->id, round, n, strerror(errno));
			return 1;
		}
		if (memcmp(row, want + n * t->svl, t->svl) && !bad++)
			ksft_print_msg("vcpu %u round %u: ZA[%u] is not what the guest loaded\n",
				       t->id, round, n);
	}
	return bad;
}

/*
 * What the exit of the KVM_RUN that returned @rc asks for.
 * Return: 0 to run again, 1 when the guest is done, -1 to give up.
 */
static int gs_exit(struct gs_thread *t, int rc)
{
	struct kvm_run *run = t->vcpu->run;
	struct ucall uc;

	if (rc) {
		ksft_print_msg("vcpu %u: KVM_RUN: %s\n", t->id,
			       strerror(errno));
		t->bad++;
		return -1;
	}
	if (run->exit_reason == KVM_EXIT_MMIO &&
	    run->mmio.phys_addr == gs_mmio_gva) {
		uint64_t round;

		memcpy(&round, run->mmio.data, sizeof(round));
		t->bad += check_one_reg(t, round);
		return 0;
	}
	switch (get_ucall(t->vcpu, &uc)) {
	case UCALL_SYNC:
		if (!t->svl)
			t->svl = uc.args[1];
		return 0;
	case UCALL_DONE:
		return 1;
	case UCALL_ABORT:
		ksft_print_msg("vcpu %u: guest: %s\n", t->id,
			       (const char *)uc.buffer);
		break;
	case UCALL_UNHANDLED:
		ksft_print_msg("vcpu %u: guest exception: vector %lu, EC %#lx, valid %lu\n",
			       t->id, uc.args[0], uc.args[1], uc.args[2]);
		break;
	default:
		ksft_print_msg("vcpu %u: unexpected exit %u\n", t->id,
			       run->exit_reason);
	}
	t->bad++;
	return 1;
}

static void *gs_thread_fn(void *arg)
{
	struct gs_thread *t = arg;
	uint8_t *vmm_want = NULL, *vmm_seen = NULL;
	unsigned int cpus = get_nprocs();
	int done = 0;

	if (t->vmm_za) {
		vmm_want = malloc(GS_MAX_SVL * GS_MAX_SVL);
		vmm_seen = malloc(GS_MAX_SVL * GS_MAX_SVL);
		TEST_ASSERT(vmm_want && vmm_seen, "out of memory");
		fp_fill(vmm_want, vmm_svl * vmm_svl, 0x766d6d);
		fp_write_tpidr2(TPIDR2_MARK);
		fp_za_load(vmm_want, vmm_svl);
	}
	while (!done && t->runs < 8 * GS_ROUNDS) {
		unsigned int r = t->runs;
		int rc;

		/*
		 * A thread that keeps its own ZA moves only every fourth run:
		 * a move writes its registers back, and the guest's first use
		 * must find them dirty to show that it writes them back too.
		 * Their ZA changes every run, so an older image shows.
		 */
		if (t->vmm_za) {
			kvm_pin_this_task_to_pcpu((r / 4) % cpus);
			memcpy(vmm_want + (r % vmm_svl) * vmm_svl, &r, sizeof(r));
			fp_za_load(vmm_want, vmm_svl);
		} else {
			kvm_pin_this_task_to_pcpu(t->cpu >= 0 ? t->cpu :
						  (r + t->id) % cpus);
		}
		t->runs++;
		rc = __vcpu_run(t->vcpu);
		if (t->vmm_za) {
			bool za = fp_read_svcr() & SVCR_ZA_BIT;

			if (za)
				fp_za_store(vmm_seen, vmm_svl);
			if (!za || memcmp(vmm_want, vmm_seen, vmm_svl * vmm_svl) ||
			    fp_read_tpidr2() != TPIDR2_MARK) {
				if (!t->bad++)
					ksft_print_msg("run %u: VMM ZA%s or TPIDR2 changed\n",
						       t->runs, za ? "" : " (off)");
				fp_write_tpidr2(TPIDR2_MARK);
				fp_za_load(vmm_want, vmm_svl);
			}
		}
		done = gs_exit(t, rc);
	}
	if (t->vmm_za)
		asm volatile(SMSTOP_ZA ::: "memory");
	free(vmm_want);
	free(vmm_seen);
	t->bad += done != 1;
	return NULL;
}

static bool stat_of(struct kvm_vcpu *vcpu, const char *name, uint64_t *v)
{
	if (fp_vcpu_stat(vcpu, name, v))
		return true;
	ksft_print_msg("no counter %s\n", name);
	return false;
}

/*
 * One VM of streaming-every-exit. With @stress (fp-stress beside it), the
 * VMM's registers may have been written back by a preemption before each
 * guest's first use, so its ZA need not be saved there.
 * Return: true if the guests and the counters were right.
 */
static bool gs_streaming_vm(bool stress)
{
	struct kvm_vcpu *vcpus[GS_VCPUS];
	struct gs_thread t[GS_VCPUS] = {};
	pthread_t th[GS_VCPUS];
	bool ok = true;
	unsigned int i;
	/* vCPU 0's SVE length is not its streaming one: two layouts. */
	struct kvm_vm *vm = gs_vm_sve(GS_VCPUS, 0, 32, vcpus);

	for (i = 0; i < GS_VCPUS; i++) {
		t[i] = (struct gs_thread){ .vcpu = vcpus[i], .id = i,
					   .vmm_za = i == 0, .cpu = -1 };
		pthread_create(&th[i], NULL, gs_thread_fn, &t[i]);
	}
	for (i = 0; i < GS_VCPUS; i++) {
		uint64_t zl = 0, zs = 0, gl = 0, hz = 0;

		pthread_join(th[i], NULL);
		ok &= !t[i].bad;
		if (!stat_of(vcpus[i], "fp_guest_za_load", &zl) ||
		    !stat_of(vcpus[i], "fp_guest_za_save", &zs) ||
		    !stat_of(vcpus[i], "fp_guest_load", &gl) ||
		    !stat_of(vcpus[i], "fp_host_za_save", &hz)) {
			ok = false;
			continue;
		}
		ksft_print_msg("vcpu %u: svl %u, %u runs, loads %lu, ZA loads %lu,\n",
			       i, t[i].svl, t[i].runs, gl, zl);
		ksft_print_msg("  ZA saves %lu, VMM ZA saves %lu\n", zs, hz);
		if (!zl || !zs || zl > gl || (t[i].vmm_za && !hz && !stress)) {
			ksft_print_msg("vcpu %u: counters out of bounds\n", i);
			ok = false;
		}
	}
	kvm_vm_free(vm);
	return ok;
}

static void test_streaming_every_exit(void)
{
	ksft_test_result(gs_streaming_vm(false), "streaming-every-exit\n");
}

/*
 * streaming-every-exit, one VM after another, for as long as the base's
 * fp-stress runs its FPSIMD, SVE, streaming SVE and ZA children on every
 * CPU: they preempt the vCPU threads, and the vCPUs theirs.
 */
static void test_beside_fp_stress(void)
{
	const char *name = "streaming-beside-fp-stress";
	char path[PATH_MAX];
	unsigned int vms = 0;
	struct fp_stress fs;
	bool ok;

	if (!fp_stress_find(path, sizeof(path))) {
		ksft_test_result_skip("%s: no fp-stress\n", name);
		return;
	}
	ok = fp_stress_start(&fs, path, GS_STRESS_S);
	do {
		ok &= gs_streaming_vm(true);
		vms++;
	} while (ok && !fp_stress_ended(&fs));
	ksft_print_msg("%s: %u VMs\n", name, vms);
	/* fp-stress ends by itself; its streaming and ZA children passed. */
	ok &= fp_stress_stop(&fs, name, true) && fs.ok_ssve && fs.ok_za;
	ksft_test_result(ok, "%s\n", name);
}

static void test_za_off(void)
{
	struct kvm_vcpu *vcpu;
	struct gs_thread t = {};
	uint64_t zl = 1, zs = 1, gl = 0;
	bool ok;
	struct kvm_vm *vm = gs_vm(1, 0, &vcpu);

	gs_za_off_guest = true;
	sync_global_to_guest(vm, gs_za_off_guest);
	t.vcpu = vcpu;
	t.cpu = -1;
	gs_thread_fn(&t);
	ok = !t.bad && stat_of(vcpu, "fp_guest_za_load", &zl) &&
	     stat_of(vcpu, "fp_guest_za_save", &zs) &&
	     stat_of(vcpu, "fp_guest_load", &gl);
	if (ok && (zl || zs || !gl)) {
		ksft_print_msg("loads %lu, ZA loads %lu, ZA saves %lu\n",
			       gl, zl, zs);
		ok = false;
	}
	gs_za_off_guest = false;
	kvm_vm_free(vm);
	ksft_test_result(ok, "za-off-no-za-transfers\n");
}

/* ---- the register interface ---- */

/* A one-vCPU SME VM, not finalized. */
static struct kvm_vm *gs_vm_unfinalized(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create(1);
	struct kvm_vcpu_init init;

	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= (1U << KVM_ARM_VCPU_SVE) | (1U << KVM_ARM_VCPU_SME);
	vm_init_descriptor_tables(vm);
	*vcpu = aarch64_vcpu_add(vm, 0, &init, guest_code);
	vcpu_init_descriptor_tables(*vcpu);
	return vm;
}

static void test_vls_default(void)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS] = {}, want[KVM_ARM64_SVE_VLS_WORDS] = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = gs_vm_unfinalized(&vcpu);
	unsigned int i, w;
	bool ok;

	for (i = 0; i < nr_host_svls; i++)
		want[0] |= vq_bit(host_svls[i], &w);
	ok = !reg_xfer(vcpu, false, KVM_REG_ARM64_SME_VLS, vls) &&
	     !memcmp(vls, want, sizeof(vls));
	if (!ok)
		ksft_print_msg("SME_VLS word 0 %#lx, host lengths %#lx\n",
			       vls[0], want[0]);
	kvm_vm_free(vm);
	ksft_test_result(ok, "vls-default\n");
}

/* Round trips at streaming length @svl. Return: the number of failures. */
static unsigned int one_reg_at(unsigned int svl)
{
	uint8_t set[256], get[256], zero[256] = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = gs_vm(1, svl, &vcpu);
	unsigned int n, bad = 0;
	uint64_t svcr;

	/* ZA on: every row reads zero, then what was written. */
	svcr = SVCR_ZA_BIT;
	bad += !!reg_xfer(vcpu, true, SYS_SVCR_ID, &svcr);
	for (n = 0; n < svl; n++) {
		fp_fill(set, sizeof(set), n + svl * 1000);
		if (reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZAHREG(n, 0), get) ||
		    memcmp(get, zero, sizeof(get)))
			bad++;
		if (reg_xfer(vcpu, true, KVM_REG_ARM64_SME_ZAHREG(n, 0), set) ||
		    reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZAHREG(n, 0), get) ||
		    memcmp(get, set, svl) || memcmp(get + svl, zero, 256 - svl)) {
			if (!bad++)
				ksft_print_msg("svl %u: ZA[%u] did not round-trip\n",
					       svl, n);
		}
	}
	/* A row past the length (256 rows are all the encoding has). */
	if (svl < KVM_ARM64_SME_MAX_ZAHREG &&
	    (reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZAHREG(svl, 0), get) != -1 ||
	     errno != ENOENT)) {
		ksft_print_msg("svl %u: ZA[%u] exists\n", svl, svl);
		bad++;
	}
	/* Streaming mode: Z at the streaming length, zeroed on entry. */
	svcr = SVCR_ZA_BIT | SVCR_SM_BIT;
	bad += !!reg_xfer(vcpu, true, SYS_SVCR_ID, &svcr);
	for (n = 0; n < 32; n++) {
		fp_fill(set, sizeof(set), n + 77);
		if (reg_xfer(vcpu, false, KVM_REG_ARM64_SVE_ZREG(n, 0), get) ||
		    memcmp(get, zero, sizeof(get)) ||
		    reg_xfer(vcpu, true, KVM_REG_ARM64_SVE_ZREG(n, 0), set) ||
		    reg_xfer(vcpu, false, KVM_REG_ARM64_SVE_ZREG(n, 0), get) ||
		    memcmp(get, set, svl) || memcmp(get + svl, zero, 256 - svl)) {
			if (!bad++)
				ksft_print_msg("svl %u: streaming Z%u did not round-trip\n",
					       svl, n);
		}
	}
	/* P, and FFR with FA64, at the streaming length too (svl / 8 bytes). */
	for (n = 0; n < 17; n++) {
		uint64_t id = n < 16 ? KVM_REG_ARM64_SVE_PREG(n, 0) :
				       KVM_REG_ARM64_SVE_FFR(0);
		int rc;

		fp_fill(set, 32, n + 99);
		rc = reg_xfer(vcpu, true, id, set);
		if (n == 16 && !gs_fa64 && rc == -1 && errno == ENOENT)
			continue;
		if (rc || reg_xfer(vcpu, false, id, get) ||
		    memcmp(get, set, svl / 8) ||
		    memcmp(get + svl / 8, zero, 32 - svl / 8)) {
			if (!bad++)
				ksft_print_msg("svl %u: streaming %s%u did not round-trip\n",
					       svl, n < 16 ? "P" : "FFR",
					       n < 16 ? n : 0);
		}
	}
	/* Leaving streaming mode zeroes Z; ZA stays. */
	svcr = SVCR_ZA_BIT;
	bad += !!reg_xfer(vcpu, true, SYS_SVCR_ID, &svcr);
	fp_fill(set, sizeof(set), svl - 1 + svl * 1000);
	if (reg_xfer(vcpu, false, KVM_REG_ARM64_SVE_ZREG(31, 0), get) ||
	    memcmp(get, zero, sizeof(get)) ||
	    reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZAHREG(svl - 1, 0), get) ||
	    memcmp(get, set, svl)) {
		ksft_print_msg("svl %u: SVCR.SM 1->0 left Z or lost ZA\n", svl);
		bad++;
	}
	/* ZA off and on again: zero. */
	svcr = 0;
	bad += !!reg_xfer(vcpu, true, SYS_SVCR_ID, &svcr);
	svcr = SVCR_ZA_BIT;
	bad += !!reg_xfer(vcpu, true, SYS_SVCR_ID, &svcr);
	if (reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZAHREG(0, 0), get) ||
	    memcmp(get, zero, sizeof(get))) {
		ksft_print_msg("svl %u: SVCR.ZA 0->1 did not zero ZA\n", svl);
		bad++;
	}
	kvm_vm_free(vm);
	return bad;
}

static void test_one_reg_every_svl(void)
{
	unsigned int i, bad = 0;

	for (i = 0; i < nr_host_svls; i++)
		bad += one_reg_at(host_svls[i]);
	ksft_test_result(!bad, "one-reg-at-every-svl\n");
}

/* @what's errno must be @want. Return: 1 when it is not. */
static unsigned int want_errno(int rc, int want, const char *what)
{
	if (rc != -1 || errno != want) {
		ksft_print_msg("%s: %s, want %s\n", what,
			       rc ? strerror(errno) : "success", strerror(want));
		return 1;
	}
	return 0;
}

static void test_bad_input(void)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS] = {}, val;
	uint8_t buf[256];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int bad = 0, w;
	struct ucall uc;
	int feature = KVM_ARM_VCPU_VEC;

	vm = gs_vm_unfinalized(&vcpu);
	bad += want_errno(reg_xfer(vcpu, true, KVM_REG_ARM64_SME_VLS, vls),
			  EINVAL, "SME_VLS with no length");
	vls[0] = vq_bit(48, &w);
	bad += want_errno(reg_xfer(vcpu, true, KVM_REG_ARM64_SME_VLS, vls),
			  EINVAL, "SME_VLS of 48 bytes");
	vls[0] = vq_bit(host_svls[nr_host_svls - 1] * 2, &w);
	if (host_svls[nr_host_svls - 1] < GS_MAX_SVL)
		bad += want_errno(reg_xfer(vcpu, true, KVM_REG_ARM64_SME_VLS,
					   vls),
				  EINVAL, "SME_VLS longer than the host's");
	if (nr_host_svls > 1) {
		vls[0] = vq_bit(host_svls[nr_host_svls - 1], &w);
		bad += want_errno(reg_xfer(vcpu, true, KVM_REG_ARM64_SME_VLS,
					   vls),
				  EINVAL, "SME_VLS without the shorter lengths");
	}
	bad += want_errno(reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZAHREG(0, 0),
				   buf),
			  EPERM, "ZA row before finalize");
	vcpu_ioctl(vcpu, KVM_ARM_VCPU_FINALIZE, &feature);
	vcpu_set_reg(vcpu, KVM_ARM64_SYS_REG(SYS_CPACR_EL1),
		     FP_CPACR_FPEN | FP_CPACR_ZEN | FP_CPACR_SMEN);
	bad += want_errno(reg_xfer(vcpu, true, KVM_REG_ARM64_SME_VLS, vls),
			  EPERM, "SME_VLS after finalize");
	bad += want_errno(reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZAHREG(0, 0),
				   buf),
			  EBUSY, "ZA row with SVCR.ZA clear");
	bad += want_errno(reg_xfer(vcpu, true, KVM_REG_ARM64_SME_ZAHREG(0, 0),
				   buf),
			  EBUSY, "ZA row write with SVCR.ZA clear");
	val = 4;
	bad += want_errno(reg_xfer(vcpu, true, SYS_SVCR_ID, &val), EINVAL,
			  "SVCR bit 2");
	val = SVCR_ZA_BIT;
	bad += !!reg_xfer(vcpu, true, SYS_SVCR_ID, &val);
	bad += want_errno(reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZAHREG(0, 1),
				   buf),
			  ENOENT, "ZA row slice 1");
	bad += want_errno(reg_xfer(vcpu, false, KVM_REG_ARM64_SME_ZTREG(0), buf),
			  ENOENT, "ZT0");
	val = 1UL << 30;
	bad += want_errno(reg_xfer(vcpu, true, SYS_SMCR_ID, &val), EINVAL,
			  "SMCR_EL1.EZT0");
	val = 1UL << 8;
	bad += want_errno(reg_xfer(vcpu, true, SYS_SMCR_ID, &val), EINVAL,
			  "SMCR_EL1 bit 8");
	/* And the vCPU still runs: its first exit reports its length. */
	vcpu_args_set(vcpu, 1, 0UL);
	vcpu_run(vcpu);
	if (get_ucall(vcpu, &uc) != UCALL_SYNC || !uc.args[1]) {
		ksft_print_msg("the vCPU did not run after the bad input\n");
		bad++;
	}
	kvm_vm_free(vm);
	ksft_test_result(!bad, "bad-input\n");
}

static bool in_list(struct kvm_reg_list *l, uint64_t id)
{
	uint64_t i;

	for (i = 0; i < l->n; i++)
		if (l->reg[i] == id)
			return true;
	return false;
}

static unsigned int count_sme(struct kvm_reg_list *l)
{
	uint64_t i;
	unsigned int n = 0;

	for (i = 0; i < l->n; i++)
		if ((l->reg[i] & KVM_REG_ARM_COPROC_MASK) == KVM_REG_ARM64_SME &&
		    l->reg[i] != KVM_REG_ARM64_SME_VLS)
			n++;
	return n;
}

/* Every listed register reads. Return: how many did not. */
static unsigned int read_all(struct kvm_vcpu *vcpu, struct kvm_reg_list *l)
{
	uint8_t buf[256];
	unsigned int bad = 0;
	uint64_t i;

	for (i = 0; i < l->n; i++)
		if (reg_xfer(vcpu, false, l->reg[i], buf) && !bad++)
			ksft_print_msg("listed register %#llx: %s\n",
				       (unsigned long long)l->reg[i],
				       strerror(errno));
	return bad;
}

static void test_reg_list(void)
{
	struct kvm_reg_list *l;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = gs_vm(1, 0, &vcpu);
	unsigned int bad = 0, svl = host_svls[nr_host_svls - 1];
	uint64_t val;

	l = vcpu_get_reg_list(vcpu);
	if (!in_list(l, SYS_SVCR_ID) || !in_list(l, SYS_SMCR_ID) ||
	    !in_list(l, SYS_TPIDR2_ID) || !in_list(l, KVM_REG_ARM64_SME_VLS) ||
	    count_sme(l)) {
		ksft_print_msg("SVCR, SMCR_EL1, TPIDR2_EL0 or SME_VLS missing,\n");
		ksft_print_msg("  or %u ZA rows listed with ZA off\n",
			       count_sme(l));
		bad++;
	}
	bad += read_all(vcpu, l);
	free(l);
	val = SVCR_ZA_BIT | SVCR_SM_BIT;
	bad += !!reg_xfer(vcpu, true, SYS_SVCR_ID, &val);
	l = vcpu_get_reg_list(vcpu);
	if (count_sme(l) != svl) {
		ksft_print_msg("%u ZA rows listed with ZA on, want %u\n",
			       count_sme(l), svl);
		bad++;
	}
	bad += read_all(vcpu, l);
	free(l);
	kvm_vm_free(vm);
	ksft_test_result(!bad, "reg-list\n");
}

/* The vCPU without SME of test_isolation(), in a thread of its own. */
static void *sve_thread_fn(void *arg)
{
	struct gs_thread *t = arg;
	struct ucall uc;
	bool done = false;

	kvm_pin_this_task_to_pcpu(t->cpu);
	while (!done && t->runs++ < 8 * GS_ROUNDS) {
		vcpu_run(t->vcpu);
		switch (get_ucall(t->vcpu, &uc)) {
		case UCALL_SYNC:
			break;
		case UCALL_DONE:
			done = true;
			break;
		default:
			ksft_print_msg("vCPU without SME: %s\n",
				       uc.cmd == UCALL_ABORT ?
				       (const char *)uc.buffer : "unexpected exit");
			t->bad++;
			done = true;
		}
	}
	t->bad += !done;
	return NULL;
}

/*
 * Two threads on one CPU: an SME vCPU in streaming mode with ZA on, and
 * an SVE vCPU of another VM without SME, both sleeping in WFI inside
 * KVM_RUN, so that each vcpu_load finds the other's registers live, the
 * SME vCPU's streaming mode and ZA included. Both guests check theirs.
 */
static void test_isolation(void)
{
	struct kvm_vcpu *sme_vcpu, *sve_vcpu;
	struct kvm_vm *sme_vm = gs_vm(1, 0, &sme_vcpu), *sve_vm;
	struct gs_thread ts = { .vcpu = sme_vcpu, .cpu = 0 };
	struct gs_thread tv = { .cpu = 0 };
	pthread_t th[2];

	sve_vm = vm_create(1);
	vm_init_descriptor_tables(sve_vm);
	sve_vcpu = fp_vcpu_add(sve_vm, 0, guest_sve_code, FP_VL_ALL, 0);
	vcpu_init_descriptor_tables(sve_vcpu);
	vcpu_set_reg(sve_vcpu, KVM_ARM64_SYS_REG(SYS_ZCR_EL1), 15);
	TEST_ASSERT(vgic_v3_setup(sve_vm, 1, 64) >= 0, "no in-kernel vGICv3");
	tv.vcpu = sve_vcpu;
	pthread_create(&th[0], NULL, gs_thread_fn, &ts);
	pthread_create(&th[1], NULL, sve_thread_fn, &tv);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	kvm_vm_free(sve_vm);
	kvm_vm_free(sme_vm);
	ksft_test_result(!ts.bad && !tv.bad, "isolation-from-non-sme-vcpu\n");
}

/*
 * A guest without SME on an SME host can neither read nor change the VMM
 * thread's TPIDR2_EL0: its accesses trap (UNDEFINED), or reach a
 * TPIDR2_EL0 of its own that the hypervisor switches.
 */
#define TP_ROUNDS	4
#define TP_UNDEFS	2	/* per round when trapped: a read and a write */

static void tp_undef_handler(struct ex_regs *regs)
{
	regs->pc += 4;
	WRITE_ONCE(regs->regs[1], regs->regs[1] + 1);
}

static void guest_tpidr2_code(void)
{
	unsigned int i;

	for (i = 0; i < TP_ROUNDS; i++) {
		register uint64_t undefs asm("x1") = 0;
		register uint64_t seen asm("x2") = 0;

		/* The write would clobber an unswitched TPIDR2_EL0. */
		asm volatile("mrs %1, " TPIDR2_NAME "\n"
			     "msr " TPIDR2_NAME ", %2\n"
			     : "+r" (undefs), "+r" (seen)
			     : "r" (0x6767676767676767ULL) : "memory");
		GUEST_SYNC_ARGS(i, undefs, seen, 0, 0);
	}
	GUEST_DONE();
}

static void test_tpidr2_without_sme(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	unsigned int bad = 0, undefs = 0, i;

	if (!(getauxval(AT_HWCAP2) & HWCAP2_SME)) {
		ksft_test_result_skip("tpidr2-isolated-without-sme: no SME on this host\n");
		return;
	}
	vm = vm_create_with_one_vcpu(&vcpu, guest_tpidr2_code);
	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(vcpu);
	vm_install_sync_handler(vm, VECTOR_SYNC_CURRENT, ESR_EC_UNKNOWN,
				tp_undef_handler);
	fp_write_tpidr2(TPIDR2_MARK);
	for (i = 0; i <= TP_ROUNDS; i++) {
		vcpu_run(vcpu);
		if (get_ucall(vcpu, &uc) == UCALL_DONE && i == TP_ROUNDS)
			break;
		if (uc.cmd != UCALL_SYNC) {
			ksft_print_msg("round %u: unexpected exit\n", i);
			bad++;
			break;
		}
		undefs += uc.args[2];
		if ((uc.args[2] && uc.args[2] != TP_UNDEFS) ||
		    uc.args[3] == TPIDR2_MARK ||
		    fp_read_tpidr2() != TPIDR2_MARK) {
			ksft_print_msg("round %u: %lu UNDEFs, guest read 0x%lx, VMM TPIDR2 0x%lx\n",
				       i, uc.args[2], uc.args[3],
				       fp_read_tpidr2());
			bad++;
			fp_write_tpidr2(TPIDR2_MARK);
		}
	}
	fp_write_tpidr2(0);
	kvm_vm_free(vm);
	ksft_print_msg("tpidr2: %u UNDEFs in %u rounds\n", undefs, TP_ROUNDS);
	ksft_test_result(!bad, "tpidr2-isolated-without-sme\n");
}

/* The cases after "cap", in the order they run. */
static const struct {
	const char *name;
	void (*run)(void);
} gs_cases[] = {
	{ "vls-default", test_vls_default },
	{ "one-reg-at-every-svl", test_one_reg_every_svl },
	{ "bad-input", test_bad_input },
	{ "reg-list", test_reg_list },
	{ "streaming-every-exit", test_streaming_every_exit },
	{ "za-off-no-za-transfers", test_za_off },
	{ "isolation-from-non-sme-vcpu", test_isolation },
	{ "streaming-beside-fp-stress", test_beside_fp_stress },
};

int main(void)
{
	struct kvm_vm *vm;
	unsigned int i;
	int rc;

	ksft_print_header();
	ksft_set_plan(2 + ARRAY_SIZE(gs_cases));
	test_tpidr2_without_sme();
	if (!kvm_has_cap(KVM_CAP_ARM_SME)) {
		if (getauxval(AT_HWCAP2) & HWCAP2_SME) {
			/* Not offered, so refused: never half-enabled. */
			vm = vm_create(1);
			rc = vcpu_init_err(vm, (1U << KVM_ARM_VCPU_SVE) |
					       (1U << KVM_ARM_VCPU_SME));
			kvm_vm_free(vm);
			ksft_test_result(rc == EINVAL || rc == ENOENT,
					 "cap: not offered, and KVM_ARM_VCPU_SME refused (%s)\n",
					 rc ? strerror(rc) : "accepted");
		} else {
			ksft_test_result_skip("cap: no SME on this host\n");
		}
		for (i = 0; i < ARRAY_SIZE(gs_cases); i++)
			ksft_test_result_skip("%s: no KVM_CAP_ARM_SME\n",
					      gs_cases[i].name);
		ksft_finished();
	}
	probe_host_svls();
	gs_fa64 = getauxval(AT_HWCAP2) & HWCAP2_SME_FA64;
	vmm_svl = prctl(PR_SME_GET_VL) & 0xffff;
	vm = vm_create(1);
	rc = vcpu_init_err(vm, 1U << KVM_ARM_VCPU_SME);
	kvm_vm_free(vm);
	ksft_test_result(nr_host_svls && rc == EINVAL, "cap\n");
	for (i = 0; i < ARRAY_SIZE(gs_cases); i++)
		gs_cases[i].run();
	ksft_finished();
}
