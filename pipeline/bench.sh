#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: the FP context switch benchmark.
#
#   bench.sh initramfs          pack fp_bench and guest/bench-init
#   bench.sh run VARIANT MODE   boot ours|stock in vhe|nvhe under
#                               -icount shift=0 and run fp_bench once
#
# Everything goes to $BUILD/bench/; pipeline/bench.py reports on it.
# BENCH_ARGS adds fpbench.* options to the guest command line (see
# guest/bench-init), BENCH_TIMEOUT limits one QEMU run (seconds).
. "$(dirname "$0")/lib.sh"
. "$ROOT/pipeline/image.sh"

out=$BUILD/bench
initrd=$out/initramfs.cpio
mkdir -p "$out"

pack() {
	local bin=$BUILD/tests/kvm/aarch64/fp_bench root=$out/root
	[ -x "$bin" ] || die "fp_bench was not built ($bin; run: make tests)"
	guest_root "$root"
	guest_libc "$root"
	guest_prog "$bin" "$root/bench/fp_bench"
	guest_tools "$root"
	install -m 755 "$ROOT/guest/bench-init" "$root/init"
	guest_cpio "$root" "$initrd"
	echo "bench initramfs: $initrd ($(du -h "$initrd" | cut -f1))"
}

run() {
	local variant=$1 mode=$2 image dir append rc=0 t0
	local timeout_s=${BENCH_TIMEOUT:-900}
	image=$(obj_dir "$variant")/arch/arm64/boot/Image
	[ -f "$image" ] || die "no $variant kernel at $image (run: make image${variant/ours/})"
	[ -f "$initrd" ] || die "no bench initramfs (run: bench.sh initramfs)"
	case $mode in
	vhe | nvhe) ;;
	# Protected mode boots only without PAuth (see pipeline/main.sh).
	protected) MACHINE=${MACHINE:-nopauth} ;;
	*) die "bench modes are vhe, nvhe and protected, not '$mode'" ;;
	esac
	dir=$out/$variant-$mode
	rm -rf "$dir"
	mkdir -p "$dir"
	append=$(guest_cmdline "$mode" \
		"kvm.halt_poll_ns=0 kvm-arm.wfi_trap_policy=trap" "${BENCH_ARGS:-}")
	echo "qemu: $variant $mode (-icount shift=0), log $dir/serial.log"
	t0=$(date +%s)
	boot_machine "$dir" "$image" "$initrd" "$append" "$timeout_s" \
		QEMU "$variant, $mode" -m 1024 -icount shift=0,align=off,sleep=off || rc=1
	echo "$(($(date +%s) - t0))" >"$dir/wall-seconds"
	# A kernel that crashed or hung, or a bench that did not finish, is a
	# stage fault (exit 2): the pipeline runs it again (pipeline/main.sh).
	fault=$(boot_fault "$dir" BENCH_END)
	[ -n "$fault" ] || python3 "$ROOT/pipeline/bench.py" check "$dir" ||
		fault="fp_bench failed or did not finish"
	if [ -n "$fault" ]; then
		echo "$fault" >"$dir/fault"
		echo "fault: bench $variant $mode: $fault"
		exit 2
	fi
}

case ${1:-} in
initramfs) pack ;;
run) run "${2:?variant}" "${3:?mode}" ;;
*) die "usage: bench.sh initramfs | run ours|stock vhe|nvhe|protected" ;;
esac
