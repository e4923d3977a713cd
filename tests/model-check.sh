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

# bench.json for one class; $1 is fp_guest_save of the fastest repetition.
fake_bench() {
	mkdir -p "$tmp/bench/ours-vhe"
	cat >"$tmp/bench/ours-vhe/bench.json" <<JSON
{"info": {"iters": "1000", "warm": "50"},
 "classes": {"wfi/fp1": {"reps": [
  {"ns": 100, "iters": 1000, "stats": {"fp_host_save": 1,
   "fp_guest_load": 1, "fp_guest_save": $1, "fp_trap": 1,
   "fp_reload_avoided": 1000}}]}}}
JSON
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

fake_bench 1001
expect pass "counters equal to the model pass" check "$ROOT"
fake_bench 1002
expect fail "a counter the model does not predict fails" check "$ROOT"

fake_bench 1001
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
