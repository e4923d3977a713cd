#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# deb-fetch.sh LIST DIR: the .deb of each package of LIST ("name version
# arch" lines, as apt-closure.sh writes them) in DIR, as lib.sh's deb_file
# names it; those already there are not downloaded again. apt-get download
# from the build host's sources, nothing installed.
. "$(dirname "$0")/lib.sh"

list=${1:?usage: deb-fetch.sh LIST DIR}
debs=${2:?usage: deb-fetch.sh LIST DIR}
mkdir -p "$debs"

# Download the .debs of the closure that are not cached yet. apt-get
# download is all or nothing, so after a failed batch each package is
# tried alone to name the ones that cannot be had.
fetch_debs() {
	local want=() name ver arch bad=() dl=$debs/partial p
	while read -r name ver arch; do
		[ -f "$(deb_file "$debs" "$name" "$ver" "$arch")" ] && continue
		if [ "$arch" = all ]; then
			want+=("$name=$ver")
		else
			want+=("$name:$arch=$ver")
		fi
	done <"$list"
	[ ${#want[@]} -gt 0 ] || return 0
	echo "downloading ${#want[@]} packages"
	rm -rf "$dl"
	mkdir -p "$dl"
	if ! (cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "${want[@]}"); then
		for p in "${want[@]}"; do
			(cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "$p") ||
				bad+=("$p")
		done
	fi
	mv "$dl"/*.deb "$debs"/ 2>/dev/null || true
	rm -rf "$dl"
	for p in "${bad[@]}"; do
		echo "error: cannot download the package $p (apt-get download $p)"
	done
	[ ${#bad[@]} -eq 0 ] || {
		echo "  (versions as resolved into $list; delete it to resolve again)"
		exit 1
	}
}

fetch_debs
