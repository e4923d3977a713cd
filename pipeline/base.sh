#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Unpack the pristine base kernel once (or check the user's KSRC), then keep
# our working copy of it: the base with the project overlaid and patched.
. "$(dirname "$0")/lib.sh"

pristine=$(pristine_dir)
if [ -n "${KSRC:-}" ]; then
	[ -f "$KSRC/Makefile" ] && [ -d "$KSRC/arch/arm64" ] ||
		die "KSRC=$KSRC is not a Linux source tree"
	[ ! -f "$KSRC/.config" ] ||
		die "KSRC=$KSRC has a .config; out-of-tree builds need a clean tree (make mrproper)"
	version="KSRC $(make -s -C "$KSRC" kernelversion)"
else
	[ -f "$BASE_TARBALL" ] || die "base tarball $BASE_TARBALL is missing (run: make deps)"
	version="$BASE_PKG $(dpkg-query -W -f '${Version}' $BASE_PKG)"
	stamp=$BUILD/base/.unpacked
	if [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
		rm -rf "$BUILD/base"
		mkdir -p "$BUILD/base"
		tar -C "$BUILD/base" -xf "$BASE_TARBALL"
		# The tree is read-only to us from here on.
		echo "$version" >"$stamp"
	fi
	version="$version ($(make -s -C "$pristine" kernelversion))"
fi
echo "$version" >"$BUILD/base-version"

# Our working copy: created once, then only the files the overlay or the
# patches touch are rewritten, so unchanged files keep their timestamps.
work=$BUILD/ours/src
if [ "$(cat "$BUILD/ours/.from" 2>/dev/null)" != "$version" ]; then
	rm -rf "$work" "$BUILD/ours/.manifest"
	mkdir -p "$BUILD/ours"
	cp -a "$pristine" "$work"
	echo "$version" >"$BUILD/ours/.from"
fi
echo "base: $version"
