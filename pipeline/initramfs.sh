#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs: busybox (arm64 .deb), the cross libc, the
# selftest programs, /init (guest/fptest-init.c) and the runner
# (guest/runner).
. "$(dirname "$0")/lib.sh"
. "$ROOT/pipeline/image.sh"

tests=$BUILD/tests
root=$BUILD/initramfs/root
out=$BUILD/initramfs/initramfs.cpio
[ -f "$tests/programs" ] || die "selftests not built (run: make tests)"

guest_root "$root"
# The dynamic loader and libc the selftests link against.
guest_libc "$root"

# Programs: every declared test of each suite, plus the helpers fp-stress
# and friends execute from their own directory.
for f in "$tests"/arm64/fp/*; do
	[ -f "$f" ] && [ -x "$f" ] && guest_prog "$f" "$root/tests/fp/$(basename "$f")"
done
mkdir -p "$root/tests"
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
	[ -f "$root/tests/$suite/$name" ] || guest_prog "$bin" "$root/tests/$suite/$name"
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
guest_cpio "$root" "$out"
echo "initramfs: $out ($(du -h "$out" | cut -f1), $(wc -l <"$root/tests/list") tests)"
