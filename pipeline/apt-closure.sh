#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# apt-closure.sh PACKAGE FILE: the arm64 package closure of PACKAGE
# (PACKAGE:arm64 and its Depends/Pre-Depends, the first alternative of
# each; a virtual package: its first provider; a package of Architecture:
# all where there is no arm64 one) as "name version arch" lines in FILE,
# from the build host's apt lists. Nothing is downloaded or installed.
. "$(dirname "$0")/lib.sh"

PKG=${1:?usage: apt-closure.sh PACKAGE FILE}
[ -n "${2:-}" ] || die "usage: apt-closure.sh PACKAGE FILE"

# Package names, versions and architectures: "name version arch" for each
# argument that has a candidate (name:arm64, or name for Architecture: all).
pkg_info() {
	[ $# -gt 0 ] || return 0
	{ apt-cache show --no-all-versions "$@" 2>/dev/null || true; } | awk '
	/^Package:/ { p = $2 }
	/^Version:/ { v = $2 }
	/^Architecture:/ { a = $2 }
	/^$/ { if (p != "") print p, v, a; p = "" }
	END { if (p != "") print p, v, a }'
}

DEP_OPTS="--no-recommends --no-suggests --no-conflicts --no-breaks
	--no-replaces --no-enhances"

# resolve_closure FILE: write "name version arch" for every package in the
# closure of $PKG:arm64, following the first alternative of each
# Depends/Pre-Depends (a virtual package: its first provider).
resolve_closure() {
	local out=$1 tmp=$1.resolve names missing specs
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# Every name apt reaches following all alternatives: a superset.
	apt-cache depends --recurse $DEP_OPTS "$PKG:arm64" >"$tmp/recurse" ||
		die "apt-cache does not know $PKG:arm64 (apt-get update?)"
	names=$(awk '/^[^ <]/ { sub(/:arm64$/, ""); print }' "$tmp/recurse" | sort -u)
	pkg_info $(printf '%s:arm64\n' $names) | awk '$3 == "arm64"' >"$tmp/info"
	missing=$(echo "$names" | awk 'NR == FNR { have[$1] = 1; next }
		!($1 in have)' "$tmp/info" -)
	pkg_info $missing | awk '$3 == "all"' >>"$tmp/info"
	specs=$(awk '{ print $3 == "all" ? $1 : $1 ":arm64" }' "$tmp/info")
	# Edges "package dependency" of the chosen alternatives.
	apt-cache depends $DEP_OPTS $specs | awk '
	/^[^ ]/ { cur = $1; sub(/:arm64$/, "", cur); next }
	/^ [ |][A-Za-z]+: / {
		if (!open)
			chosen = 0
		open = ($0 ~ /^ \|/)
		virt = ($2 ~ /^</)
		dep = $2
		if (!chosen && !virt) {
			sub(/:arm64$/, "", dep)
			print cur, dep
			chosen = 1
		}
		next
	}
	/^    [^ ]/ {
		if (virt && !chosen) {
			dep = $1
			sub(/:arm64$/, "", dep)
			print cur, dep
			chosen = 1
		}
	}' >"$tmp/edges"
	awk -v root="$PKG" '
	{ e[$1] = e[$1] " " $2 }
	END {
		q[0] = root; n = 1; seen[root] = 1
		for (i = 0; i < n; i++) {
			k = split(e[q[i]], d, " ")
			for (j = 1; j <= k; j++)
				if (!(d[j] in seen)) {
					seen[d[j]] = 1
					q[n++] = d[j]
				}
		}
		for (i = 0; i < n; i++)
			print q[i]
	}' "$tmp/edges" | sort >"$tmp/closure"
	missing=$(awk 'NR == FNR { have[$1] = 1; next } !($1 in have)' \
		"$tmp/info" "$tmp/closure")
	[ -z "$missing" ] ||
		die "no arm64 or arch-independent package for: $(echo $missing) (needed by $PKG:arm64)"
	awk 'NR == FNR { want[$1] = 1; next } $1 in want' "$tmp/closure" \
		"$tmp/info" | sort -u >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$tmp"
}

resolve_closure "$2"
