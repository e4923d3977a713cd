#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# nofp-check.sh BINARY...: fail, naming them, if the arm64 binaries hold
# any FP, SIMD or SVE instruction (an operand that is an FP/SIMD, SVE
# vector or predicate register, FPCR/FPSR, or an SVE/SME instruction on
# general registers only). The guest's /init and its helpers must survive
# a kernel that corrupts user FP state (guest/nofp.h).
set -euo pipefail
objdump=${OBJDUMP:-aarch64-linux-gnu-objdump}
bad=0
for f in "$@"; do
	hits=$("$objdump" -d --no-show-raw-insn "$f" | awk '
		/^ *[0-9a-f]+:\t/ {
			line = $0
			sub(/^ *[0-9a-f]+:\t/, "", line)
			ins = line
			sub(/[ \t]*\/\/.*/, "", ins)
			gsub(/<[^>]*>/, "", ins)
			split(ins, w, /[ \t]+/)
			op = substr(ins, length(w[1]) + 1)
			if (w[1] ~ /^\./)
				next
			if (w[1] ~ /^f/ ||
			    w[1] ~ /^(rdvl|addvl|addpl|rdsvl|addsvl|addspl|cnt[bhwd]|(sq|uq)?(inc|dec)[bhwd]|setffr|wrffr|rdffr|smstart|smstop|zero)$/ ||
			    op ~ /(^|[^a-z0-9_])([bhsdqvz]([0-9]|[12][0-9]|3[01])|p([0-9]|1[0-5])|fpcr|fpsr|za[0-9a-z.]*)([^a-z0-9_]|$)/)
				print "  " line
		}')
	if [ -n "$hits" ]; then
		echo "error: $f holds FP/SIMD/SVE instructions:"
		echo "$hits" | head -n 20
		bad=1
	fi
done
[ $bad -eq 0 ]
