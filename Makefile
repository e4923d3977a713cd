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
#   make lint         checkpatch --strict, W=1 and kernel-doc on our files
#   make unit         the native (host) tests only
#   make bench        FP context switch benchmark, stock vs ours (icount)
#   make model-check  the trace model's counters against the bench's
#   make profile      instructions per function of one bench class (CLASS=)
#   make mutants      deliberately broken kernels: which FP tests catch them
#   make soak         the FP integrity suites and fp-stress on both kernels
#                     for SOAK_S seconds (default 1800), failures counted
#
# Variables: KSRC=/path (your own base tree), KVM_MODE=vhe|nvhe|protected,
# QEMU=10|7.2 (the emulator: bookworm-backports' 10.0.2, the default, or
# Debian 12's 7.2; docs/emulators.md),
# DEBUG=1 (lockdep/preempt debug variant), T=word[,word] (run only tests
# whose suite/name contains a word), T_SKIP=word[,word] (none of those),
# MACHINE=sve|nosve|nosve-cmdline|nopauth (the test machine's CPU: SVE, none, or
# SVE the kernel ignores), CHECK_MACHINES (the other machines make check
# boots, default "nosve nosve-cmdline", "none" for none), CHECK_PROTECTED=0
# (make check without its protected-mode runs), CHECK_DEBUG=0
# (make check without its debug build of ours), BUILD=dir,
# JOBS=n, QEMU_TIMEOUT=s, NESTED_TIMEOUT=s, NESTED_VMM_WATCH=1|defer (make
# nested also counts the L2 QEMUs' round trips with FP use; defer: turns
# kvm.fp_vmm_defer on and counts those that moved no register), BENCH_ARGS (more
# kernel parameters for make bench, e.g. kvm.fp_vmm_defer=1).

BUILD ?= $(CURDIR)/build
export BUILD KSRC KVM_MODE DEBUG T JOBS QEMU_TIMEOUT CONFIRM_ATTEMPTS CHECK_MODES NESTED_TIMEOUT NESTED_VMM_WATCH
export BENCH_MODES BENCH_ARGS BENCH_TIMEOUT QEMU OOPS_QUIET_S MACHINE T_SKIP CHECK_MACHINES CHECK_DEBUG CHECK_PROTECTED SOAK_S SOAK_T

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
