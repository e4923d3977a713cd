#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs: busybox (arm64 .deb), the cross libc, the
# selftest programs, /init (guest/fptest-init.c) and the runner
# (guest/runner).
. "$(dirname "$0")/lib.sh"

tests=$BUILD/tests
root=$BUILD/initramfs/root
out=$BUILD/initramfs/initramfs.cpio
[ -f "$tests/programs" ] || die "selftests not built (run: make tests)"

rm -rf "$root"
mkdir -p "$root"/{bin,lib,tests,proc,sys,dev,tmp}
deb=$(ls "$BUILD"/cache/debs/busybox-static_*_arm64.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || die "busybox-static arm64 .deb missing (run: make deps)"
dpkg-deb -x "$deb" "$BUILD/initramfs/busybox"
cp "$BUILD/initramfs/busybox/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

# The dynamic loader and libc the selftests link against.
sysroot=/usr/aarch64-linux-gnu/lib
mkdir -p "$root/lib/aarch64-linux-gnu"
for l in ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libpthread.so.0 \
	librt.so.1 libdl.so.2 libresolv.so.2; do
	cp -L "$sysroot/$l" "$root/lib/aarch64-linux-gnu/"
done
ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$root/lib/ld-linux-aarch64.so.1"

# Programs: every declared test of each suite, plus the helpers fp-stress
# and friends execute from their own directory.
copy_prog() {
	mkdir -p "$(dirname "$2")"
	${CROSS}strip -o "$2" "$1" 2>/dev/null || cp "$1" "$2"
}
for f in "$tests"/arm64/fp/*; do
	[ -f "$f" ] && [ -x "$f" ] && copy_prog "$f" "$root/tests/fp/$(basename "$f")"
done
: >"$root/tests/list"
default_tmo=$(awk '$1 == "DEFAULT" { print $2 }' "$ROOT/guest/test-settings")
while read -r suite prog; do
	case $suite in
	kvm) bin=$tests/kvm/$prog ;;
	fp) bin=$tests/arm64/fp/$prog ;;
	signal) bin=$tests/arm64/signal/$prog ;;
	esac
	[ -x "$bin" ] || die "test program $suite/$prog was not built ($bin)"
	name=$(basename "$prog")
	[ -f "$root/tests/$suite/$name" ] || copy_prog "$bin" "$root/tests/$suite/$name"
	settings=$(awk -v k="$suite/$name" '$1 == k { $1 = ""; print }' \
		"$ROOT/guest/test-settings")
	echo "$suite $name ${settings:-$default_tmo}" | tr -s ' ' >>"$root/tests/list"
done <"$tests/programs"

# /init starts the shell runner (guest/runner) and starts it again if it
# dies; it is also the launcher of each test (/bin/fptest-run) and, with
# hold-vm (the VM the runner holds for the whole run, fptest.holdvm,
# built by guest_tools), it must survive a kernel that corrupts user FP
# state: no libc, no FP register, checked (guest/nofp.h,
# pipeline/nofp-cc.sh).
guest_tools "$root"
bash "$ROOT/pipeline/nofp-cc.sh" "$root/init" "$ROOT/guest/fptest-init.c"
ln -s ../init "$root/bin/fptest-run"
install -m 755 "$ROOT/guest/runner" "$root/bin/fptest-runner"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(du -h "$out" | cut -f1), $(wc -l <"$root/tests/list") tests)"
