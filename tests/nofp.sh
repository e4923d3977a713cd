#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The guest's /init, test launcher and hold-vm build without a single FP,
# SIMD or SVE instruction (they must survive a kernel that corrupts user
# FP state), and the check that says so finds such instructions: compiled
# floating point and vectorised copies, FPCR, SVE on general registers.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CROSS=${CROSS:-aarch64-linux-gnu-}
if ! command -v "${CROSS}gcc" >/dev/null; then
	echo "nofp: skipped (no ${CROSS}gcc)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$ROOT/tests/lib/check.sh"
for p in fptest-init hold-vm; do
	check "guest/$p.c has no FP/SIMD/SVE instruction" 0 "^$" \
		bash "$ROOT/pipeline/nofp-cc.sh" "$tmp/$p" "$ROOT/guest/$p.c"
done
cat >"$tmp/fp.c" <<'C'
double scale(double x, int n) { return x * n; }
void copy(long *d, const long *s) { for (int i = 0; i < 64; i++) d[i] = s[i]; }
C
"${CROSS}gcc" -O3 -c -o "$tmp/fp.o" "$tmp/fp.c"
check "floating point is found" 1 "fmul[[:space:]]+d0" \
	env OBJDUMP="${CROSS}objdump" bash "$ROOT/pipeline/nofp-check.sh" "$tmp/fp.o"
check "a vectorised copy is found" 1 "(ldr|ldp)[[:space:]]+q[0-9]" \
	env OBJDUMP="${CROSS}objdump" bash "$ROOT/pipeline/nofp-check.sh" "$tmp/fp.o"
printf '\t.text\nf:\trdvl x0, #1\n\tcntb x1\n\tmrs x2, fpcr\n\tret\n' >"$tmp/sve.S"
"${CROSS}gcc" -march=armv8.2-a+sve -c -o "$tmp/sve.o" "$tmp/sve.S"
check "SVE on general registers and FPCR are found" 1 \
	"rdvl.*cntb.*mrs[[:space:]]+x2, fpcr" bash -o pipefail -c "OBJDUMP=${CROSS}objdump bash $ROOT/pipeline/nofp-check.sh $tmp/sve.o | paste -sd' '"
echo "nofp: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
