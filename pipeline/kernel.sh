#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build one kernel variant: kernel.sh ours|stock
# DEBUG=1 selects the debug variant (separate object directory).
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: kernel.sh ours|stock}
src=$(src_dir "$variant")
obj=$(obj_dir "$variant")
frags=("$ROOT/config/kernel.config")
[ "$variant" = stock ] || frags+=("$ROOT/config/ours.config")
[ -z "${DEBUG:-}" ] || frags+=("$ROOT/config/debug.config")
mkdir -p "$obj"

# (Re)configure when the fragments changed: allnoconfig + fragments.
sum=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.fragments" 2>/dev/null)" != "$sum" ]; then
	kconfig "$src" "$obj" "${frags[@]}"
	echo "$sum" >"$obj/.fragments"
fi

kmake "$src" "$obj" Image
[ "$variant" = stock ] || kmake "$src" "$obj" headers
echo "image: $obj/arch/arm64/boot/Image"
