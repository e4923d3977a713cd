#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The native model check of the FP ownership state machine.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out=${BUILD:-$ROOT/build}/native
mkdir -p "$out"
make -s -C "$ROOT/tools/testing/fpsimd-model" OUTPUT="$out" check
