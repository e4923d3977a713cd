#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The nested stage: a real VMM on the kernel under test. Debian's arm64
# QEMU runs inside the test guest (L1, booted like run.sh) and boots two
# SVE guests (L2) on L1's KVM, one with every vector length L1 offers and
# one limited to 256 bits, while fp-stress runs in L1 and in both L2s.
#
#   nested.sh ours|stock    KVM_MODE=vhe|nvhe, NESTED_TIMEOUT=seconds
#
# Also read: L2_BOOT_TIMEOUT, L2_TIMEOUT (seconds, per L2 guest), L2_STRESS,
# L1_STRESS (fp-stress -t), STRESS_GRACE (seconds fp-stress may overrun),
# NESTED_QEMU_EXTRA (more options for L2's QEMU), NESTED_VMM_WATCH=1
# (measure each L2 QEMU's userspace round trips with and without FP use,
# per phase: boot, a console load of NESTED_L2_IO lines, fp-stress; the
# figures are "# nested: vmm-watch" lines in the summary; ours only),
# NESTED_VMM_WATCH=defer (kvm.fp_vmm_defer on instead, and "# nested:
# vmm-defer" lines: the returns deferred and the round trips that moved
# no register, against the MMIO exits to QEMU).
#
# 1. qemu-system-arm:arm64 and its Depends/Pre-Depends closure (first
#    alternative of each; pipeline/apt-closure.sh) as .debs in
#    build/cache/nested/debs, downloaded once (pipeline/deb-fetch.sh) and
#    never installed;
# 2. unpacked into a sysroot and pruned to qemu-system-aarch64, the
#    libraries it loads (DT_NEEDED, recursively: image.sh's guest_libs) and
#    the dynamic loader: build/cache/nested/qemu;
# 3. (pipeline/image.sh) the L2 initramfs (busybox, libc, fp-stress and its helpers,
#    guest/l2-init) and the L1 initramfs (the same, plus QEMU, the kernel
#    under test as the L2 kernel, the L2 initramfs and guest/nested-init);
# 4. one L1 boot; the results land in build/runs/nested-VARIANT-MODE/
#    (serial.log, results.json with stage "nested", out/).
. "$(dirname "$0")/lib.sh"
. "$ROOT/pipeline/image.sh"

variant=${1:?usage: nested.sh ours|stock}
mode=$(kvm_mode)
src_dir "$variant" >/dev/null
image=$(obj_dir "$variant")/arch/arm64/boot/Image
[ -f "$image" ] || die "no $variant kernel at $image (run: make image${variant/ours/})"
fp=$BUILD/tests/arm64/fp
[ -x "$fp/fp-stress" ] || die "fp-stress not built in $fp (run: make tests)"

QEMU_PKG=qemu-system-arm
QEMU_BIN=usr/bin/qemu-system-aarch64
# Programs of the fp suite that L1 and L2 run: fp-stress executes the
# helpers from its own directory.
FP_PROGS="fp-stress fpsimd-test sve-test kernel-test ssve-test za-test
	zt-test sve-probe-vls"
timeout_s=${NESTED_TIMEOUT:-1200}

cache=$BUILD/cache/nested
debs=$cache/debs
work=$BUILD/nested
mkdir -p "$debs" "$work"

# 1. The package closure, resolved once (delete build/cache/nested to
# resolve again) and downloaded once.
if [ ! -s "$cache/closure.list" ]; then
	echo "resolving the closure of $QEMU_PKG:arm64"
	bash "$ROOT/pipeline/apt-closure.sh" "$QEMU_PKG" "$cache/closure.list"
	echo "resolved [${SECONDS}s]"
fi
bash "$ROOT/pipeline/deb-fetch.sh" "$cache/closure.list" "$debs"
npkgs=$(wc -l <"$cache/closure.list")
debsize=$(while read -r name ver arch; do deb_file "$debs" "$name" "$ver" "$arch"; done \
	<"$cache/closure.list" | xargs du -cb | tail -n1 | cut -f1)
echo "closure: $npkgs packages, $((debsize / 1048576)) MB of .debs in $debs [${SECONDS}s]"

# 2. The sysroot and the pruned QEMU, redone when the package list changes.
qroot=$cache/qemu
if ! cmp -s "$cache/closure.list" "$qroot.stamp"; then
	echo "unpacking and pruning"
	rm -rf "$cache/sysroot" "$qroot" "$qroot.stamp"
	while read -r name ver arch; do
		dpkg-deb -x "$(deb_file "$debs" "$name" "$ver" "$arch")" "$cache/sysroot"
	done <"$cache/closure.list"
	[ -x "$cache/sysroot/$QEMU_BIN" ] || die "$QEMU_PKG:arm64 has no /$QEMU_BIN"
	mkdir -p "$qroot/usr/bin"
	cp "$cache/sysroot/$QEMU_BIN" "$qroot/$QEMU_BIN"
	guest_libs "$cache/sysroot" "$qroot" "$qroot/$QEMU_BIN"
	echo "$(find "$qroot/lib" -name '*.so*' -type f | wc -l)" \
		"$(du -sb "$qroot" | cut -f1)" \
		"$(tar -C "$qroot" -cf - . | gzip -6 | wc -c)" >"$qroot.size"
	cp "$cache/closure.list" "$qroot.stamp"
	rm -rf "$cache/sysroot"
fi
read -r nlibs qsize qgz _ <"$qroot.size"
echo "qemu: /$QEMU_BIN + $nlibs libraries and the loader," \
	"$((qsize / 1048576)) MB ($((qgz / 1048576)) MB gzipped) in $qroot [${SECONDS}s]"

# 3. The initramfs of L2 and of L1.
# fp_root DIR: busybox, the fp programs and the libraries they load (libc,
# from QEMU's libraries).
fp_root() {
	local f
	guest_root "$1"
	for f in $FP_PROGS; do
		[ -x "$fp/$f" ] || die "test program $fp/$f was not built"
		guest_prog "$fp/$f" "$1/tests/fp/$f"
	done
	guest_libs "$qroot" "$1" "$1"/tests/fp/*
}

l2root=$work/l2-root
fp_root "$l2root"
install -m 755 "$ROOT/guest/l2-init" "$l2root/init"
guest_cpio "$l2root" "$work/l2.cpio"

l1root=$work/l1-root
fp_root "$l1root"
cp -a "$qroot/." "$l1root/"
mkdir -p "$l1root/nested"
cp "$image" "$l1root/nested/Image"
cp "$work/l2.cpio" "$l1root/nested/l2.cpio"
guest_tools "$l1root"
install -m 755 "$ROOT/guest/nested-init" "$l1root/init"
# Limits far above the ~30s the guests need on an idle build host: with
# the host's cores busy a nested vCPU crawls. For the same reason L2 gets
# RCU's longest stall timeout: a starved vCPU is not a kernel bug, and a
# real hang still ends in L2_TIMEOUT.
grace=${STRESS_GRACE:-240}
watch_append=
[ "${NESTED_VMM_WATCH:-0}" != 0 ] &&
	watch_append="l2.io=${NESTED_L2_IO:-1000} l2.pause=3"
cat >"$l1root/nested/settings" <<EOF
L2_BOOT_TIMEOUT=${L2_BOOT_TIMEOUT:-300}
L2_TIMEOUT=${L2_TIMEOUT:-600}
L2_STRESS=${L2_STRESS:-10}
L1_STRESS=${L1_STRESS:-20}
STRESS_GRACE=$grace
L2_APPEND='rcupdate.rcu_cpu_stall_timeout=300 l2.grace=$grace $watch_append ${NESTED_L2_APPEND:-}'
L2_QEMU_EXTRA='${NESTED_QEMU_EXTRA:-}'
VMM_WATCH=${NESTED_VMM_WATCH:-0}
EOF
initrd=$work/l1-$variant.cpio
guest_cpio "$l1root" "$initrd"
echo "initramfs: L2 $(du -h "$work/l2.cpio" | cut -f1), L1 $(du -h "$initrd" | cut -f1) [${SECONDS}s]"

# 4. One L1 boot. A crash or hang of L1 is a stage fault (exit 2, as in
# run.sh): the tests it did not report are recorded as not run.
run=$BUILD/runs/${RUN_NAME:-nested-$variant${DEBUG:+-debug}}-$mode
rm -rf "$run"
mkdir -p "$run"
# guest/nested-init's tests.
printf 'nested/%s\n' l2-fp-stress l2-vl256-fp-stress l1-fp-stress >"$run/expected"
# Unlike run.sh and bench.sh, L1 boots without kvm-arm.wfi_trap_policy=trap:
# its KVM's WFI handling is what the L2 guests run on, and the stage's
# figures were always taken with KVM's default.
append=$(guest_cmdline "$mode" "" "${APPEND:-}")
echo "qemu: nested $variant $mode, log $run/serial.log, timeout ${timeout_s}s"
t0=$(date +%s)
boot_machine "$run" "$image" "$initrd" "$append" "$timeout_s" \
	"QEMU (L1)" "$variant, $mode" -m 2048 ${QEMU_EXTRA:-} || :
echo "L1 ran $(($(date +%s) - t0))s [${SECONDS}s]"
fault=$(boot_fault "$run" END)
[ -z "$fault" ] || boot_fault_line "$fault" >>"$run/serial.log"
tr -d '\r' <"$run/serial.log" | grep '^# nested:' || true
QEMU_VERSION=$(bash "$ROOT/pipeline/qemu.sh" which) \
	RESULTS_STAGE=${RESULTS_STAGE:-nested} EXPECTED=$run/expected \
	python3 "$ROOT/pipeline/results.py" parse "$run" "$variant" "$mode"
# Each failed check left one "error:" line and its details in its output.
for f in "$run"/out/*.txt; do
	[ -f "$f" ] && sed -n '/^error:/,$p' "$f"
done
if [ -n "$fault" ]; then
	echo "fault: nested $variant $mode: L1 did not finish: $fault"
	exit 2
fi
