#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make model-check`: the trace-driven model (tools/testing/fpsimd-model/
# trace.c) against the counters `make bench` measured, and against the
# table the KVM documentation shows. Needs $BUILD/bench/ours-MODE runs.
. "$(dirname "$0")/lib.sh"

out=$BUILD/native
mkdir -p "$out"
make -s -C "$ROOT/tools/testing/fpsimd-model" OUTPUT="$out" "$out/trace"
python3 "$ROOT/pipeline/bench.py" model-check "$BUILD/bench" "$out/trace" \
	"$ROOT" ${BENCH_MODES:-vhe nvhe}
