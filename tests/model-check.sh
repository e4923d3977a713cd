#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make model-check` can fail: a counter that differs from the trace
# model's prediction, and a documentation table that is not the model's
# output, are each reported as a mismatch.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$ROOT/tools/testing/fpsimd-model" OUTPUT="$tmp" "$tmp/trace"
pass=0
fail=0

# bench.json for one class; each argument is one repetition,
# NS:IVCSW:GUEST_SAVE (its time, involuntary switches and fp_guest_save).
fake_bench() {
	local reps="" r ns iv gs
	for r in "$@"; do
		IFS=: read -r ns iv gs <<<"$r"
		reps="$reps${reps:+,}
  {\"ns\": $ns, \"iters\": 1000, \"vcsw\": 0, \"ivcsw\": $iv,
   \"stats\": {\"fp_host_save\": 1, \"fp_guest_load\": 1,
   \"fp_guest_save\": $gs, \"fp_trap\": 1, \"fp_reload_avoided\": 1000}}"
	done
	mkdir -p "$tmp/bench/ours-vhe"
	printf '%s\n' "{\"info\": {\"iters\": \"1000\", \"warm\": \"50\"},
 \"classes\": {\"wfi/fp1\": {\"reps\": [$reps]}}}" >"$tmp/bench/ours-vhe/bench.json"
}

expect() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>&1 || rc=$?
	if { [ "$want" = pass ] && [ $rc -eq 0 ]; } ||
	   { [ "$want" = fail ] && [ $rc -ne 0 ]; }; then
		echo "ok - $what"
		pass=$((pass + 1))
	else
		echo "not ok - $what (exit $rc)"
		sed 's/^/  | /' "$tmp/out"
		fail=$((fail + 1))
	fi
}

check() {
	python3 "$ROOT/pipeline/bench.py" model-check "$tmp/bench" \
		"$tmp/trace" "$1" vhe
}

fake_bench 100:0:1001
expect pass "counters equal to the model pass" check "$ROOT"
fake_bench 100:0:1002
expect fail "a counter the model does not predict fails" check "$ROOT"
# A preempted repetition may be the fastest; the undisturbed one counts.
fake_bench 101:0:1001 99:1:1000
expect pass "the repetition without involuntary switches is compared" check "$ROOT"
fake_bench 101:0:1002 99:1:1001
expect fail "even when a disturbed one happens to match" check "$ROOT"

fake_bench 100:0:1001
doc=Documentation/virt/kvm/fp-lazy-switching.rst
mkdir -p "$tmp/root/$(dirname $doc)"
sed 's/^   wfi\/fp1 .*/   wfi\/fp1 edited/' "$ROOT/$doc" >"$tmp/root/$doc"
expect fail "a documentation table that is not the model's output fails" \
	check "$tmp/root"
if ! grep -q "the model table differs" "$tmp/out"; then
	echo "not ok - the failure names the table"
	fail=$((fail + 1))
fi

echo "model-check: $pass passed, $fail failed"
[ $fail -eq 0 ]
