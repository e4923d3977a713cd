#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Native (build-host) tests: every tests/*.sh and every native C test the
# project registers in tests/native.mk.
. "$(dirname "$0")/lib.sh"

pass=0
fail=0
for t in "$ROOT"/tests/*.sh; do
	[ -f "$t" ] || continue
	if bash "$t"; then
		pass=$((pass + 1))
	else
		echo "FAILED: ${t#"$ROOT"/}"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
