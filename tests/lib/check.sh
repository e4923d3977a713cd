# SPDX-License-Identifier: GPL-2.0
# Sourced by the native tests in tests/: one way to state a check.
pass=0
fail=0

# check NAME EXPECTED-RC PATTERN CMD...: CMD exits with EXPECTED-RC and its
# output matches PATTERN (an extended regex); a failure shows the output's
# last 40 lines.
check() {
	local name=$1 want=$2 pat=$3 rc=0 out
	shift 3
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq "$want" ] && echo "$out" | grep -Eq -- "$pat"; then
		pass=$((pass + 1))
		echo "ok - $name"
	else
		fail=$((fail + 1))
		echo "not ok - $name (rc=$rc, want $want, /$pat/)"
		echo "$out" | tail -n 40 | sed 's/^/  | /'
	fi
}
