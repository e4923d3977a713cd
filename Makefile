# SPDX-License-Identifier: GPL-2.0
#
# Lazy FPSIMD/SVE context switching for arm64 KVM: an overlay on Debian's
# linux-source-6.12. See README.md.
#
#   make              build ours and stock, boot both in KVM_MODE, report
#   make check        unit tests + VHE and nVHE runs on each machine, parity
#                     with stock (CI)
#   make run          ours only, in KVM_MODE, no stock comparison
#   make nested       QEMU in the guest runs SVE guests on its KVM, ours vs stock
#   make image        build ours; the last line printed is its Image
#   make image-stock  the same for the stock base kernel
#   make series       the overlay as a numbered patch series
#   make lint         checkpatch --strict, W=1 and kernel-doc on our files,
#                     and the series built patch by patch
#   make unit         the native (host) tests only
#   make bench        FP context switch benchmark, stock vs ours (icount)
#   make model-check  the trace model's counters against the bench's
#   make profile      instructions per function of one bench class (CLASS=)
#   make mutants      deliberately broken kernels: which FP tests catch them
#   make soak         the FP integrity suites and fp-stress on both kernels
#                     for SOAK_S seconds (default 1800), failures counted
#
# Variables (README.md, "Variables", says more of each):
#   what is built: KSRC=/path (your own base tree), BASE_TARBALL, BASE_VERSION,
#     EXTRA_PKGS (more packages for make deps), BUILD=dir, JOBS=n,
#     CCACHE_BASEDIR, CCACHE_MAXSIZE, DEBUG=1 (lockdep/preempt debug variant)
#   the test machine: KVM_MODE=vhe|nvhe|protected,
#     MACHINE=sve|nosve|nosve-cmdline|nopauth (the test machine's CPU: SVE,
#     none, SVE the kernel ignores, or SVE without PAuth), QEMU=10|7.2 (the
#     emulator: bookworm-backports' 10.0.2, the default, or Debian 12's 7.2;
#     docs/emulators.md), QEMU10_CACHE, QEMU10_SUITE, QEMU10_MIRROR,
#     QEMU_EXTRA (more QEMU options), APPEND (more kernel parameters),
#     QEMU_TIMEOUT=s
#   the tests: T=word[,word] (run only tests whose suite/name contains a
#     word), T_SKIP=word[,word] (none of those), CONFIRM_ATTEMPTS=n,
#     STUCK_REBOOTS=n, STALL_REPORTS=n, SAMPLES=n, STUCK_MONITOR="cmd;cmd",
#     OOPS_QUIET_S=s, HEARTBEAT_S=s
#   make check: CHECK_MODES (default "vhe nvhe"), CHECK_MACHINES (the other
#     machines it boots, default "nosve nosve-cmdline", "none" for none),
#     CHECK_PROTECTED=0 (without its protected-mode runs), CHECK_DEBUG=0
#     (without its debug build of ours)
#   make nested: NESTED_TIMEOUT=s, NESTED_VMM_WATCH=1|defer (also count the
#     L2 QEMUs' round trips with FP use; defer: turn kvm.fp_vmm_defer on and
#     count those that moved no register), NESTED_L2_IO=n, NESTED_L2_APPEND,
#     NESTED_QEMU_EXTRA, L2_BOOT_TIMEOUT=s, L2_TIMEOUT=s, L1_STRESS=s,
#     L2_STRESS=s, STRESS_GRACE=s
#   make bench: BENCH_MODES, BENCH_ARGS (more kernel parameters, e.g.
#     kvm.fp_vmm_defer=1), BENCH_TIMEOUT=s; make profile: CLASS, VARIANT,
#     PROFILE_ARGS; make mutants: MUTANTS, MUTANT_TESTS; make soak: SOAK_S=s,
#     SOAK_T

BUILD ?= $(CURDIR)/build
# Every variable a user may set (the list above), for the pipeline.
export BUILD KSRC BASE_TARBALL BASE_VERSION EXTRA_PKGS JOBS CCACHE_BASEDIR CCACHE_MAXSIZE DEBUG
export KVM_MODE MACHINE QEMU QEMU10_CACHE QEMU10_SUITE QEMU10_MIRROR QEMU_EXTRA APPEND QEMU_TIMEOUT
export T T_SKIP CONFIRM_ATTEMPTS STUCK_REBOOTS STALL_REPORTS SAMPLES STUCK_MONITOR OOPS_QUIET_S HEARTBEAT_S
export CHECK_MODES CHECK_MACHINES CHECK_PROTECTED CHECK_DEBUG
export NESTED_TIMEOUT NESTED_VMM_WATCH NESTED_L2_IO NESTED_L2_APPEND NESTED_QEMU_EXTRA
export L2_BOOT_TIMEOUT L2_TIMEOUT L1_STRESS L2_STRESS STRESS_GRACE
export BENCH_MODES BENCH_ARGS BENCH_TIMEOUT PROFILE_ARGS MUTANTS MUTANT_TESTS SOAK_S SOAK_T

TARGETS := all check run nested image image-stock tests series lint unit deps base bench model-check mutants soak

.PHONY: $(TARGETS) clean help profile
$(TARGETS):
	@bash pipeline/main.sh $@

# CLASS=exit/work VARIANT=ours|stock KVM_MODE=vhe|nvhe (after make bench),
# PROFILE_ARGS="..." (more kernel arguments, arm64.nosme say)
profile:
	PROFILE_ARGS="$(PROFILE_ARGS)" python3 pipeline/profile.py $(BUILD) $(or $(VARIANT),ours) \
		$(or $(KVM_MODE),vhe) $(or $(CLASS),hvc/none)

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' Makefile
