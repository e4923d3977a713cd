#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot one kernel under QEMU TCG with the test initramfs: run.sh ours|stock
# KVM_MODE=vhe|nvhe|protected, T=filter, T_SKIP=filter (tests not to run:
# words of suite/program, as T), MACHINE=sve|nosve|nosve-cmdline|nopauth (lib.sh),
# QEMU_TIMEOUT=seconds.
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: run.sh ours|stock}
mode=$(kvm_mode)
# IMAGE and RUN_NAME let other stages boot a kernel variant of their own.
image=${IMAGE:-$(obj_dir "$variant")/arch/arm64/boot/Image}
initrd=$BUILD/initramfs/initramfs.cpio
[ -f "$image" ] || die "no $variant kernel at $image (run: make image${variant/ours/})"
[ -f "$initrd" ] || die "no initramfs at $initrd (run: make tests)"
machine_check
run=$BUILD/runs/${RUN_NAME:-$variant${DEBUG:+-debug}$(machine_sfx)}-$mode
rm -rf "$run"
mkdir -p "$run"
timeout_s=${QEMU_TIMEOUT:-2400}

# WFI always traps (by default KVM lets a vCPU thread alone on its CPU
# execute WFI in the guest), so that kvm/fp_counters can see a vCPU thread
# sleep and wake; both kernels boot the same way.
# T and T_SKIP select the tests (guest/runner); the debug build exists to
# turn warnings into failures.
append=$(guest_cmdline "$mode" kvm-arm.wfi_trap_policy=trap \
	"${T:+fptest.filter=$T}" "${T_SKIP:+fptest.skip=$T_SKIP}" \
	"${DEBUG:+panic_on_warn=1}" "$(machine_append)" "${APPEND:-}")
echo "qemu: $variant $mode, log $run/serial.log, timeout ${timeout_s}s"

# The tests this run should report: those of the initramfs's list that
# T selects (guest/runner's rule). A test a faulted run never reached is
# recorded as not run, so the report can hold it to parity with stock.
expected=$run/expected
awk -v f="${T:-}" -v s="${T_SKIP:-}" 'BEGIN { n = split(f, w, ","); m = split(s, x, ",") }
	NF >= 2 { t = $1 "/" $2
		for (i = 1; i <= m; i++) if (index(t, x[i])) next
		if (n == 0) { print t; next }
		for (i = 1; i <= n; i++) if (index(t, w[i])) { print t; next } }' \
	"$BUILD/initramfs/root/tests/list" 2>/dev/null | awk '!seen[$0]++' >"$expected" || :

# A test that leaves the kernel stuck or crashes it (the watchdog stops a
# stuck machine; a panic powers it off) is recorded as such, and the
# machine boots again, up to STUCK_REBOOTS times, for the tests after it:
# the run still measures every other test, and the report holds the test
# to the same parity with stock as any failure. Each boot's console is in
# bootN/serial.log; serial.log is their concatenation, each boot opened by
# a "FPTEST-BOOT N" line and, when it did not end well, closed by a
# "FPTEST-BOOT-FAULT reason" line. A run that still could not finish is a
# stage fault: its results are written all the same (what never ran is
# "not run"), run.sh says "fault:" and exits with 2, and the pipeline
# judges it against stock like a failed test (pipeline/main.sh).
: >"$run/serial.log"
after=
n=0
fault=
while :; do
	n=$((n + 1))
	mkdir -p "$run/boot$n"
	a=$append
	[ -z "$after" ] || a="$a fptest.after=$after"
	rc=0
	boot_machine "$run/boot$n" "$image" "$initrd" "$a" "$timeout_s" \
		QEMU "$variant, $mode, boot $n" -m 2048 ${QEMU_EXTRA:-} || rc=$?
	fault=$(boot_fault "$run/boot$n" END)
	{
		echo "$(marker BOOT) $n"
		cat "$run/boot$n/serial.log"
		[ -z "$fault" ] || boot_fault_line "$fault"
	} >>"$run/serial.log"
	[ -n "$fault" ] || break
	after=$(python3 "$ROOT/pipeline/console.py" started "$run/boot$n/serial.log")
	[ -n "$after" ] && [ $n -le "${STUCK_REBOOTS:-2}" ] || break
	echo "stuck: $after left the kernel stuck or crashed it ($fault); booting again for the tests after it"
done
EXPECTED=$expected QEMU_VERSION=$(bash "$ROOT/pipeline/qemu.sh" which) MACHINE=${MACHINE:-} \
	python3 "$ROOT/pipeline/results.py" parse "$run" "$variant" "$mode"
if [ -n "$fault" ]; then
	echo "fault: $variant $mode: the run did not finish: $fault"
	exit 2
fi
