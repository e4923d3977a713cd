#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The guest's runner survives a kernel that corrupts user FP state: boot a
# real kernel with the guest's /init and runner (guest/fptest-init.c,
# guest/runner) and small shell tests that break the runner the way such
# a kernel does: it is killed (SIGSEGV) before it mounted anything, during
# a test and at the end of a suite, and a test's launcher is killed. Every test must still be
# reported once, with its own result, each death as a splat of its test.
# A test that runs out of time is reported with where its threads wait.
# Then a runner that dies at once, every time: /init gives up and powers
# off instead of restarting it for ever.
#
# Needs a built arm64 kernel (RUNNER_IMAGE, default BUILD's ours) and the
# busybox .deb (make deps); skipped without them.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
# QEMU=10 runs the emulator fetched for this BUILD, not the run's own.
export QEMU10_CACHE=${QEMU10_CACHE:-$BUILD/cache/qemu10}
CROSS=${CROSS:-aarch64-linux-gnu-}
image=${RUNNER_IMAGE:-$BUILD/ours/obj/arch/arm64/boot/Image}
deb=$(ls "$BUILD"/cache/debs/busybox-static_*_arm64.deb 2>/dev/null | head -n1)
for need in qemu-system-aarch64 "${CROSS}gcc" cpio dpkg-deb; do
	if ! command -v "$need" >/dev/null; then
		echo "runner: skipped (no $need)"
		exit 0
	fi
done
if [ ! -f "$image" ] || [ -z "$deb" ]; then
	echo "runner: skipped (no kernel at $image or no busybox .deb: make tests first)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$ROOT/tests/lib/check.sh"

# initramfs DIR: the guest's /init, runner and helpers, busybox, and the
# tests written into DIR/root/tests; DIR/initramfs/initramfs.cpio.
root=$tmp/root
# image_step STEP ARG...: a step of the pipeline's image builder (pipeline/image.sh).
image_step() {
	BUILD=$BUILD bash -c '. "$0/pipeline/lib.sh"; . "$0/pipeline/image.sh"; "$@"' \
		"$ROOT" "$@"
}
image_step guest_root "$root" || exit 1
mkdir -p "$root"/{tests/kvm,tests/fp,usr/bin}
bash "$ROOT/pipeline/nofp-cc.sh" "$root/init" "$ROOT/guest/fptest-init.c" || exit 1
bash "$ROOT/pipeline/nofp-cc.sh" "$root/bin/hold-vm" "$ROOT/guest/hold-vm.c" || exit 1
ln -s ../init "$root/bin/fptest-run"
install -m 755 "$ROOT/guest/runner" "$root/bin/fptest-runner.real"
# The runner dies once before it has mounted anything.
printf '#!/bin/sh\n[ -e /died ] || { : >/died; kill -SEGV $$; }\nexec sh /bin/fptest-runner.real\n' \
	>"$root/bin/fptest-runner"
test_prog() {
	printf '#!/bin/sh\n%s\n' "$2" >"$root/tests/$1"
	chmod 755 "$root/tests/$1"
}
# The runner's process: the parent of this test's launcher.
runner='$(sed -n "s/^PPid:[[:space:]]*//p" /proc/$PPID/status)'
test_prog kvm/pass 'echo passing; exit 0'
test_prog kvm/kill-runner "echo killing the runner; kill -SEGV $runner; sleep 3; echo failing on my own; exit 1"
test_prog kvm/skip 'exit 4'
test_prog kvm/hang 'echo hanging; sleep 600'
test_prog kvm/kill-launcher 'echo killing my launcher; kill -KILL $PPID; exit 0'
test_prog kvm/last "echo killing the runner at the end of a suite; kill -SEGV $runner; exit 0"
test_prog fp/after 'echo after the deaths; exit 0'
printf '%s\n' "kvm pass 30" "kvm kill-runner 30" "kvm skip 30" "kvm hang 5" \
	"kvm kill-launcher 30" "kvm last 30" "fp after 30" >"$root/tests/list"
mkdir -p "$tmp/build/initramfs"
image_step guest_cpio "$root" "$tmp/build/initramfs/initramfs.cpio" || exit 1

run=$tmp/build/runs/runner-vhe
BUILD=$tmp/build IMAGE=$image RUN_NAME=runner QEMU_TIMEOUT=600 \
	bash "$ROOT/pipeline/run.sh" ours >"$tmp/run.out" 2>&1
result() {
	python3 -c "import json, sys
r = json.load(open(sys.argv[1] + '/results.json'))
t = r['tests']
print($1)" "$run"
}
check "the run completes and every test has its own result" 0 \
	"^True pass=ok kill-runner=fail:exit=1 skip=skip hang=fail:TIMEOUT kill-launcher=fail:NO-RESULT last=ok after=ok$" \
	result 'r["complete"], " ".join(n.split("/")[1] + "=" + v["result"]
	  + (":" + v["directive"].split()[0] if v["result"] == "fail" else "")
	  for n, v in t.items())'
check "each death of the runner is a splat of its test" 0 \
	"^None FPTEST-RUNNER-DIED: signal 11 at setup; restart 1 kvm/kill-runner FPTEST-RUNNER-DIED: signal 11 at 2 2; restart 2 kvm/last FPTEST-RUNNER-DIED: signal 11 at 6 2; restart 3$" \
	result '" ".join(str(s["test"]) + " " + s["line"].split("] ", 1)[1] for s in r["splats"])'
check "the KTAP plan and suite results hold" 0 "^1\.\.2,not ok 1 kvm,ok 2 fp$" \
	sh -c "tr -d '\r' <$run/serial.log | grep -E '^(1\.\.[0-9]|(not )?ok [0-9] )' | paste -sd,"
check "the VM is held" 0 "^# hold-vm: holding" tr -d '\r' <"$run/serial.log"
check "a test out of time is reported where it waits before it is killed" 0 \
	"fptest-run: [0-9]+ stat: [0-9]+ \(hang\) S .*fptest-run: [0-9]+ syscall: 260 .*fptest-run: [0-9]+ stack: \[<0>\] do_wait" \
	sh -c "tr -d '\r' <$run/serial.log | grep -E '^    # fptest-run: ' | paste -sd' '"
cp "$run/serial.log" "$tmp/first.log"

# A runner that dies at once, every time: /init gives up.
printf '#!/bin/sh\nkill -SEGV $$\n' >"$root/bin/fptest-runner"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner 0:0 --quiet) \
	>"$tmp/build/initramfs/initramfs.cpio"
check "a runner that always dies is given up on, the machine powered off (a stage fault)" 2 \
	"RUNNER-DIED: signal 11 at setup; no progress in 3 restarts, giving up" \
	env BUILD="$tmp/build" IMAGE="$image" RUN_NAME=runner QEMU_TIMEOUT=300 \
	bash "$ROOT/pipeline/run.sh" ours
if [ -n "${RUNNER_KEEP:-}" ]; then
	cp "$tmp/first.log" "$RUNNER_KEEP"
fi
echo "runner: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
