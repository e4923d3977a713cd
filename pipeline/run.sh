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

append="console=ttyAMA0 kvm-arm.mode=$mode panic=-1 loglevel=4"
[ -z "${T:-}" ] || append="$append fptest.filter=$T"
append="$append ${APPEND:-}"
echo "qemu: $variant $mode, log $run/serial.log, timeout ${timeout_s}s"
rc=0
timeout -k 10 "$timeout_s" qemu-system-aarch64 \
	-M virt,virtualization=on,gic-version=3 -cpu max,sve=on -smp 2 -m 2048 \
	-nographic -no-reboot -nic none ${QEMU_EXTRA:-} \
	-kernel "$image" -initrd "$initrd" -append "$append" \
	</dev/null >"$run/serial.log" 2>"$run/qemu.stderr" || rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "error: QEMU timed out after ${timeout_s}s ($variant, $mode); last lines of $run/serial.log:"
	tail -n 40 "$run/serial.log" | sed 's/^/  | /'
	exit 1
elif [ $rc -ne 0 ]; then
	echo "error: QEMU exited with $rc ($variant, $mode):"
	sed 's/^/  | /' "$run/qemu.stderr"
	tail -n 20 "$run/serial.log" | sed 's/^/  | /'
	exit 1
fi
python3 "$ROOT/pipeline/results.py" parse "$run" "$variant" "$mode"
