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
boot_machine "$run" "$image" "$initrd" "$append" "$timeout_s" \
	QEMU "$variant, $mode" -m 2048 ${QEMU_EXTRA:-} || exit 1
python3 "$ROOT/pipeline/results.py" parse "$run" "$variant" "$mode"
