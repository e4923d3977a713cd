#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# nofp-cc.sh OUT SRC: build one of the guest's FP-free programs
# (guest/nofp.h: no libc, general registers only) for arm64, stripped,
# and check it with nofp-check.sh.
set -euo pipefail
cross=${CROSS:-aarch64-linux-gnu-}
here=$(cd "$(dirname "$0")" && pwd)
"${cross}gcc" -static -nostdlib -ffreestanding -fno-builtin \
	-fno-tree-loop-distribute-patterns -fno-stack-protector -fno-pie \
	-no-pie -mgeneral-regs-only -O2 -Wall -Werror \
	-I"$(dirname "$2")" -o "$1" "$2"
OBJDUMP=${cross}objdump bash "$here/nofp-check.sh" "$1"
"${cross}strip" "$1"
