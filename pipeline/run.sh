#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot one kernel under QEMU TCG with the test initramfs: run.sh ours|stock
# KVM_MODE=vhe|nvhe|protected, T=filter, QEMU_TIMEOUT=seconds.
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: run.sh ours|stock}
mode=${KVM_MODE:-vhe}
case $mode in
vhe | nvhe | protected) ;;
*) die "unknown KVM_MODE '$mode' (vhe|nvhe|protected)" ;;
esac
# IMAGE and RUN_NAME let other stages boot a kernel variant of their own.
image=${IMAGE:-$(obj_dir "$variant")/arch/arm64/boot/Image}
initrd=$BUILD/initramfs/initramfs.cpio
[ -f "$image" ] || die "no $variant kernel at $image (run: make image${variant/ours/})"
[ -f "$initrd" ] || die "no initramfs at $initrd (run: make initramfs)"
run=$BUILD/runs/${RUN_NAME:-$variant${DEBUG:+-debug}}-$mode
rm -rf "$run"
mkdir -p "$run"
timeout_s=${QEMU_TIMEOUT:-2400}

# WFI always traps (by default KVM lets a vCPU thread alone on its CPU
# execute WFI in the guest), so that kvm/fp_counters can see a vCPU thread
# sleep and wake; both kernels boot the same way.
append="console=ttyAMA0 kvm-arm.mode=$mode kvm-arm.wfi_trap_policy=trap panic=-1 loglevel=4"
[ -z "${T:-}" ] || append="$append fptest.filter=$T"
append="$append ${APPEND:-}"
echo "qemu: $variant $mode, log $run/serial.log, timeout ${timeout_s}s"

# A test that leaves the kernel stuck (the watchdog stops the machine) is
# recorded as such, and the machine boots again, up to STUCK_REBOOTS times,
# for the tests after it: the run still measures every other test, and
# the report holds the stuck test to the same parity with stock as any
# failure. Each boot's console is in bootN/serial.log; serial.log is
# their concatenation, each boot opened by a "FPTEST-BOOT N" line.
: >"$run/serial.log"
after=
n=0
while :; do
	n=$((n + 1))
	mkdir -p "$run/boot$n"
	a=$append
	[ -z "$after" ] || a="$a fptest.after=$after"
	rc=0
	boot_machine "$run/boot$n" "$image" "$initrd" "$a" "$timeout_s" \
		QEMU "$variant, $mode, boot $n" -m 2048 ${QEMU_EXTRA:-} || rc=$?
	{ echo "FPTEST-BOOT $n"; cat "$run/boot$n/serial.log"; } >>"$run/serial.log"
	[ $rc -ne 0 ] || break
	[ $rc -eq 3 ] && [ $n -le "${STUCK_REBOOTS:-2}" ] || exit 1
	after=$(tr -d '\r' <"$run/boot$n/serial.log" |
		sed -n 's|^    # start \([^ ]*\)$|\1|p' | tail -n 1)
	[ -n "$after" ] || exit 1
	echo "stuck: $after left the kernel stuck; booting again for the tests after it"
done
python3 "$ROOT/pipeline/results.py" parse "$run" "$variant" "$mode"
