#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The guest initramfs builder, shared by the test (initramfs.sh), bench
# (bench.sh) and nested (nested.sh) images. Sourced after lib.sh, never run.
# An image is a tree built up with these steps, then packed by guest_cpio:
#
#   guest_root ROOT            a fresh tree: the directories, busybox, /bin/sh
#   guest_libc ROOT            the cross toolchain's libc and loader
#   guest_libs SYSROOT ROOT F  the libraries the programs F load (DT_NEEDED,
#                              recursively), resolved in SYSROOT
#   guest_prog SRC DEST        a program, stripped
#   guest_tools ROOT           hold-vm and guest/watch.sh (lib.sh)
#   guest_cpio ROOT OUT        ROOT as a newc cpio at OUT

# guest_root ROOT: ROOT emptied and made again with /bin, /proc, /sys, /dev
# and /tmp, busybox (the arm64 busybox-static .deb of make deps) as
# /bin/busybox and /bin/sh a link to it.
guest_root() {
	local deb
	deb=$(ls "$BUILD"/cache/debs/busybox-static_*_arm64.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] || die "busybox-static arm64 .deb missing (run: make deps)"
	rm -rf "$1"
	mkdir -p "$1"/{bin,proc,sys,dev,tmp}
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./bin/busybox >"$1/bin/busybox"
	chmod 755 "$1/bin/busybox"
	ln -s busybox "$1/bin/sh"
}

# The cross toolchain's dynamic loader and the libc libraries the
# selftests link against (guest_libc).
GUEST_LIBC="ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libpthread.so.0
	librt.so.1 libdl.so.2 libresolv.so.2"

# guest_libc ROOT [LIB...]: the libraries LIB (default GUEST_LIBC) of the
# cross toolchain into ROOT/lib/aarch64-linux-gnu, and the loader's link
# /lib/ld-linux-aarch64.so.1.
guest_libc() {
	local root=$1 l
	shift
	mkdir -p "$root/lib/aarch64-linux-gnu"
	# shellcheck disable=SC2086 # a list of names
	[ $# -gt 0 ] || set -- $GUEST_LIBC
	for l in "$@"; do
		cp -L "/usr/aarch64-linux-gnu/lib/$l" "$root/lib/aarch64-linux-gnu/"
	done
	ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$root/lib/ld-linux-aarch64.so.1"
}

# guest_prog SRC DEST: the program SRC at DEST, stripped (copied as it is
# when strip cannot read it).
guest_prog() {
	mkdir -p "$(dirname "$2")"
	${CROSS}strip -o "$2" "$1" 2>/dev/null || cp "$1" "$2"
}

# guest_cpio ROOT OUT: the tree ROOT as a newc cpio archive OUT, its
# entries sorted and owned by root.
guest_cpio() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --owner 0:0 --quiet) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# The ELF interpreter and DT_NEEDED of an arm64 binary.
elf_interp() {
	${CROSS}readelf -l "$1" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p'
}

elf_needed() {
	${CROSS}readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
}

LIBDIRS="lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib"

# in_root SYSROOT PATH: PATH with its symbolic links followed inside
# SYSROOT (absolute links point into it, not at the build host); fails
# when nothing is there.
in_root() {
	local root=$1 p=$2 l n=0
	while [ -L "$root$p" ]; do
		l=$(readlink "$root$p")
		case $l in
		/*) p=$l ;;
		*) p=$(dirname "$p")/$l ;;
		esac
		n=$((n + 1))
		[ $n -lt 20 ] || return 1
	done
	[ -f "$root$p" ] && echo "$root$p"
}

# guest_libs SYSROOT DEST FILE...: every library each FILE loads,
# recursively, resolved in SYSROOT, to DEST/lib/aarch64-linux-gnu, plus
# the loader at its requested path.
guest_libs() {
	local sysroot=$1 dest=$2 f todo=() seen=" " lib d found interp
	shift 2
	mkdir -p "$dest/lib/aarch64-linux-gnu"
	for f in "$@"; do
		todo+=("$f")
	done
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		interp=$(elf_interp "$f")
		if [ -n "$interp" ] && [ ! -e "$dest$interp" ]; then
			found=$(in_root "$sysroot" "$interp") ||
				die "the loader $interp of $f is not in $sysroot"
			cp "$found" "$dest/lib/aarch64-linux-gnu/$(basename "$interp")"
			[ "$interp" = "/lib/aarch64-linux-gnu/$(basename "$interp")" ] ||
				ln -sf "aarch64-linux-gnu/$(basename "$interp")" "$dest$interp"
		fi
		for lib in $(elf_needed "$f"); do
			case $seen in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			found=
			for d in $LIBDIRS; do
				found=$(in_root "$sysroot" "/$d/$lib") && break
			done
			[ -n "$found" ] ||
				die "$lib, needed by $(basename "$f"), is in no package of the closure"
			[ -e "$dest/lib/aarch64-linux-gnu/$lib" ] ||
				cp "$found" "$dest/lib/aarch64-linux-gnu/$lib"
			todo+=("$found")
		done
	done
}
