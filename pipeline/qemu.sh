#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The emulator that boots the test machines: QEMU=7.2 (Debian 12's
# qemu-system-arm, installed by deps.sh) or QEMU=10 (qemu-system-arm from
# Debian's bookworm-backports suite, 10.0.2 when this was written).
#
#   qemu.sh fetch    make QEMU 10 ready in build/cache/qemu10 (once)
#   qemu.sh which    print the qemu-system-aarch64 that QEMU selects
#
# QEMU 10 is never installed: the backports suite is read into a private
# apt state (build/cache/qemu10/apt; the system's sources and the system
# QEMU are untouched), qemu-system-arm and qemu-system-common are
# downloaded as .debs with every dependency the build host lacks (from
# the system's own sources) and unpacked into build/cache/qemu10/root.
# pipeline/lib.sh runs it with that root's libraries and its own module
# directory (QEMU_MODULE_DIR). Delete build/cache/qemu10 to fetch again.
. "$(dirname "$0")/lib.sh"

SUITE=${QEMU10_SUITE:-bookworm-backports}
MIRROR=${QEMU10_MIRROR:-http://deb.debian.org/debian}
cache=${QEMU10_CACHE:-$BUILD/cache/qemu10}
apt_opts=(-o "Dir::Etc::sourcelist=$cache/apt/sources.list"
	-o Dir::Etc::sourceparts=/nonexistent
	-o "Dir::State::Lists=$cache/apt/lists"
	-o "Dir::Cache=$cache/apt/cache"
	-o APT::Sandbox::User=root -q)

fetch() {
	local root=$cache/root debs=$cache/debs ver missing=() d p
	[ -x "$root/usr/bin/qemu-system-aarch64" ] && [ -s "$cache/version" ] && return 0
	rm -rf "$cache"
	mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$debs/partial"
	echo "deb $MIRROR $SUITE main" >"$cache/apt/sources.list"
	apt-get "${apt_opts[@]}" update >"$cache/apt.log" 2>&1 ||
		die "cannot read $SUITE from $MIRROR (see $cache/apt.log)"
	ver=$(apt-cache "${apt_opts[@]}" show qemu-system-arm 2>/dev/null |
		awk '/^Version:/ { print $2; exit }')
	[ -n "$ver" ] || die "$SUITE has no qemu-system-arm"
	(cd "$debs/partial" && apt-get "${apt_opts[@]}" download \
		"qemu-system-arm=$ver" "qemu-system-common=$ver") >>"$cache/apt.log" 2>&1 ||
		die "cannot download qemu-system-arm $ver from $SUITE (see $cache/apt.log)"
	# Dependencies the build host does not have, from its own sources.
	for p in $(for d in "$debs"/partial/*.deb; do
		dpkg-deb -f "$d" Depends; done | tr ',' '\n' |
		sed 's/|.*//; s/(.*//; s/ //g' | grep -v '^qemu-' | sort -u); do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "not on the build host, fetched too: ${missing[*]}"
		(cd "$debs/partial" && apt-get -q -o APT::Sandbox::User=root download \
			"${missing[@]}") >>"$cache/apt.log" 2>&1 ||
			die "cannot download ${missing[*]} (see $cache/apt.log)"
	fi
	mv "$debs"/partial/*.deb "$debs"/
	for d in "$debs"/*.deb; do
		dpkg-deb -x "$d" "$root"
	done
	"$root/usr/bin/qemu-system-aarch64" --version | head -n 1 >"$cache/version.tmp"
	mv "$cache/version.tmp" "$cache/version"
	echo "qemu 10: $(cat "$cache/version") in $root ($(du -sh "$root" | cut -f1))"
}

qemu_choice >/dev/null
case ${1:-} in
fetch)
	[ "$(qemu_choice)" = 10 ] || { echo "QEMU=7.2: nothing to fetch"; exit 0; }
	fetch
	;;
which) qemu_cmd --version | head -n 1 ;;
*) die "usage: qemu.sh fetch|which" ;;
esac
