#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Export the overlay and patches/*.patch as a numbered patch series against
# the pristine base (build/series/), with a cover letter, and check that it
# applies to a fresh copy and gives exactly our working tree.
. "$(dirname "$0")/lib.sh"

pristine=$(pristine_dir)
work=$BUILD/ours/src
manifest=$BUILD/ours/.manifest
out=$BUILD/series
[ -f "$manifest" ] || die "no overlay manifest (run: make base)"
rm -rf "$out"
author="$(git -C "$ROOT" config user.name || echo "FP context team")"
email="$(git -C "$ROOT" config user.email || echo "fp-context@localhost")"
python3 "$ROOT/pipeline/series.py" "$pristine" "$work" "$manifest" "$PATCHES" \
	"$out" "$(cat "$BUILD/base-version")" "$author" "$email"

# Apply to a fresh copy of the touched base files and compare.
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
for f in $(cat "$manifest") MAINTAINERS; do
	[ -f "$pristine/$f" ] || continue
	mkdir -p "$fresh/$(dirname "$f")"
	cp "$pristine/$f" "$fresh/$f"
done
for p in "$out"/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	(cd "$fresh" && git apply --whitespace=nowarn "$p") ||
		die "series patch ${p##*/} does not apply to a fresh copy"
done
while read -r f; do
	if [ -f "$work/$f" ]; then
		cmp -s "$fresh/$f" "$work/$f" || die "series result differs from the working tree at $f"
	elif [ -e "$fresh/$f" ]; then
		die "series keeps $f, which the working tree does not have"
	fi
done <"$manifest"
echo "series: $(ls "$out" | grep -vc cover-letter) patches in $out, apply to a fresh base"
