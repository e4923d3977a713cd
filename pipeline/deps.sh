#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build needs from Debian's registry: host packages with
# apt-get, and arm64 packages for the guest as .debs unpacked by hand
# (never installed onto the build host).
. "$(dirname "$0")/lib.sh"

HOST_PKGS="make gcc bc bison flex cpio rsync xz-utils kmod ccache python3
	libssl-dev libelf-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-system-arm gnuplot-nox git perl python3-docutils ${EXTRA_PKGS:-}"
GUEST_DEBS="busybox-static"

missing=()
for p in $HOST_PKGS; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ -z "${KSRC:-}" ]; then
	have=$(dpkg-query -W -f '${Status} ${Version}' $BASE_PKG 2>/dev/null || true)
	case $have in
	*"ok installed $BASE_VERSION") ;;
	*) missing+=("$BASE_PKG=$BASE_VERSION") ;;
	esac
fi
need_arch=0
dpkg --print-foreign-architectures | grep -qx arm64 || need_arch=1

if [ ${#missing[@]} -gt 0 ] || [ $need_arch -eq 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		[ $need_arch -eq 0 ] ||
			echo "error: the arm64 architecture is not enabled in dpkg (dpkg --add-architecture arm64)"
		[ ${#missing[@]} -eq 0 ] ||
			echo "error: missing packages: ${missing[*]}"
		echo "error: not root, so they cannot be installed here; as root run: make deps"
		exit 1
	fi
	[ $need_arch -eq 0 ] || dpkg --add-architecture arm64
	echo "installing: ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		--allow-downgrades "${missing[@]}" ||
		{ echo "error: apt-get could not install: ${missing[*]}"; exit 1; }
fi

if [ -z "${KSRC:-}" ] && [ ! -f "$BASE_TARBALL" ]; then
	echo "error: base tarball $BASE_TARBALL is missing ($BASE_PKG $BASE_VERSION); install it or set KSRC=/path/to/linux-6.12"
	exit 1
fi

# arm64 guest packages, cached as unpacked trees under build/cache.
debs=$BUILD/cache/debs
mkdir -p "$debs"
for p in $GUEST_DEBS; do
	ls "$debs/${p}_"*_arm64.deb >/dev/null 2>&1 && continue
	(cd "$debs" && apt-get -o APT::Sandbox::User=root download "$p:arm64") ||
		{ echo "error: cannot download the arm64 package $p (apt-get download $p:arm64)"; exit 1; }
done
# QEMU=10: the emulator from bookworm-backports, fetched once.
bash "$ROOT/pipeline/qemu.sh" fetch
echo "deps ok"
