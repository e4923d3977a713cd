#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Overlay the project onto the working copy and apply patches/*.patch.
#
# The wanted content of every touched file is built in a staging tree
# (base file, then the project's copy, then the patches); rsync --checksum
# then rewrites only the files whose content changed. Files touched last
# time but not now are restored from the pristine base.
. "$(dirname "$0")/lib.sh"

pristine=$(pristine_dir)
work=$BUILD/ours/src
stage_dir=$BUILD/ours/stage
manifest=$BUILD/ours/.manifest
[ -d "$work" ] || die "no working copy at $work (run: make base)"

rm -rf "$stage_dir"
mkdir -p "$stage_dir"

# 1. The project's files.
overlay_dirs=""
for d in arch include tools Documentation; do
	[ -d "$OVERLAY_ROOT/$d" ] && overlay_dirs="$overlay_dirs $d"
done
: >"$stage_dir.list"
if [ -n "$overlay_dirs" ]; then
	if git -C "$OVERLAY_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$OVERLAY_ROOT" &&
			git ls-files --cached --others --exclude-standard $overlay_dirs)
	else
		(cd "$OVERLAY_ROOT" && find $overlay_dirs -type f)
	fi >"$stage_dir.list"
fi

# 2. Files the patches touch, starting from the base.
shopt -s nullglob
patches=("$PATCHES"/*.patch)
for p in "${patches[@]}"; do
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p; s|^--- a/\([^[:space:]]*\).*|\1|p' "$p"
done | sort -u | while read -r f; do
	[ -f "$pristine/$f" ] || continue
	mkdir -p "$stage_dir/$(dirname "$f")"
	cp -p "$pristine/$f" "$stage_dir/$f"
done
(cd "$OVERLAY_ROOT" && rsync -a --files-from="$stage_dir.list" . "$stage_dir/")

for p in "${patches[@]}"; do
	name=patches/${p##*/}
	if ! out=$(patch -d "$stage_dir" -p1 -N -s --no-backup-if-mismatch \
		-r - <"$p" 2>&1); then
		echo "error: $name does not apply:"
		echo "$out" | sed 's/^/  /'
		exit 1
	fi
	find "$stage_dir" -name '*.orig' -delete
done

# 3. Restore files we no longer touch, then write the wanted content.
(cd "$stage_dir" && find . -type f | sed 's|^\./||' | sort) >"$manifest.new"
if [ -f "$manifest" ]; then
	comm -23 "$manifest" "$manifest.new" | while read -r f; do
		if [ -f "$pristine/$f" ]; then
			rsync -a --checksum "$pristine/$f" "$work/$f"
		else
			rm -f "$work/$f"
		fi
	done
fi
rsync -rl --checksum --itemize-changes "$stage_dir/" "$work/" |
	sed -n 's/^>f[^ ]* /changed: /p'
mv "$manifest.new" "$manifest"
echo "overlay: $(wc -l <"$manifest") files, ${#patches[@]} patches"
