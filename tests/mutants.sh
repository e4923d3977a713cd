#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# pipeline/mutants.sh tells its three outcomes apart: caught (a test
# failed), caught by no test (every test ran and passed), and tests that
# could not run (a run in which no test ran, as when a broken kernel
# killed the runner's helpers), which fails with its own message instead
# of passing for either of the others. The mutant's "kernel" here is a
# bare program that prints a given console log and powers the machine
# off; its build is a stand-in Makefile.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CROSS=${CROSS:-aarch64-linux-gnu-}
for need in qemu-system-aarch64 "${CROSS}gcc"; do
	if ! command -v "$need" >/dev/null; then
		echo "mutants: skipped (no $need)"
		exit 0
	fi
done
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
. "$ROOT/tests/lib/check.sh"
. "$ROOT/tests/lib/bare-kernel.sh"

# QEMU=10 runs the emulator fetched for the checkout's own BUILD.
export QEMU10_CACHE=${QEMU10_CACHE:-${BUILD:-$ROOT/build}/cache/qemu10}
export BUILD=$tmp/build
m=core-switch-save-skipped
# Our tree: the file the mutant patches, and a Makefile whose Image is
# the console program of the case at hand.
src=$BUILD/ours/src
mkdir -p "$src/arch/arm64/kernel/fpsimd" "$BUILD/ours/obj" "$BUILD/initramfs/root/tests"
cp "$ROOT/arch/arm64/kernel/fpsimd/core.c" "$src/arch/arm64/kernel/fpsimd/"
printf 'olddefconfig:\nImage:\n\tmkdir -p $(O)/arch/arm64/boot\n\tcp %s $(O)/arch/arm64/boot/Image\n' \
	"$tmp/console.elf" >"$src/Makefile"
: >"$BUILD/ours/obj/.config"
echo x >"$BUILD/initramfs/initramfs.cpio"
printf '%s\n' "fp fp-stress 120 -t 10" "kvm fp_integrity 120" "kvm other 120" \
	>"$BUILD/initramfs/root/tests/list"

# console LINE...: the mutant's kernel prints these lines and powers off
# (PSCI SYSTEM_OFF).
console() {
	printf '%s\n' "$@" >"$tmp/console.txt"
	bare_kernel "$tmp/console.elf" "$tmp/console.txt"
}
mutants() {
	env MUTANTS=$m QEMU_TIMEOUT=60 bash "$ROOT/pipeline/mutants.sh"
}

# The run of issue 21: the runner's helpers died, no test ran.
console FPTEST-BEGIN "# hold-vm: holding" "Segmentation fault" "KTAP version 1" "1..0" \
	FPTEST-DMESG-BEGIN FPTEST-DMESG-END FPTEST-END
check "a run in which no test ran is its own outcome, and fails" 1 \
	"TESTS COULD NOT RUN: 0 of 2 tests ran.*not run: fp/fp-stress kvm/fp_integrity" mutants
check "with a clear message" 1 \
	"^error: mutant $m: its tests could not run" mutants
# The run did not finish, and no test that ran failed.
console FPTEST-BEGIN "KTAP version 1" "1..1" "    KTAP version 1" "    # Subtest: fp" \
	"    1..1" "    # start fp/fp-stress" "    ok 1 fp-stress"
check "an unfinished run whose tests passed could not run" 1 \
	"TESTS COULD NOT RUN: 1 of 2 tests ran \(the run did not finish" mutants
# A test failed: caught.
console FPTEST-BEGIN "KTAP version 1" "1..1" "    KTAP version 1" "    # Subtest: kvm" \
	"    1..1" "    # start kvm/fp_integrity" "    not ok 1 fp_integrity # exit=1" \
	"not ok 1 kvm" FPTEST-END
check "a failed test catches it" 0 "^$m +kvm/fp_integrity$" mutants
# Every test ran and passed.
console FPTEST-BEGIN "KTAP version 1" "1..2" "    KTAP version 1" "    # Subtest: fp" \
	"    1..1" "    ok 1 fp-stress" "ok 1 fp" "    KTAP version 1" "    # Subtest: kvm" \
	"    1..1" "    ok 1 fp_integrity" "ok 2 kvm" FPTEST-END
check "passing tests did not catch it" 1 "^error: mutant $m was caught by no test" mutants
# Every test passed, but the kernel warned during one: caught.
console FPTEST-BEGIN "KTAP version 1" "1..1" "    KTAP version 1" "    # Subtest: kvm" \
	"    1..1" "    # start kvm/fp_integrity" "    ok 1 fp_integrity" "ok 1 kvm" \
	FPTEST-DMESG-BEGIN "[    5.000000] # start kvm/fp_integrity" \
	"[    5.100000] WARNING: CPU: 0 PID: 99 at arch/arm64/kernel/fpsimd/guest.c:120 fpu_guest_trapped+0x5c/0x90" \
	FPTEST-DMESG-END FPTEST-END
check "a kernel splat during a passing test catches it" 0 "^$m +splat:kvm/fp_integrity$" mutants
echo "mutants: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
