#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch --strict on the series, W=1 on the kernel directories that hold
# project C files, scripts/kernel-doc on the project's kernel sources, and a
# build without CONFIG_ARM64_SVE.
. "$(dirname "$0")/lib.sh"

work=$BUILD/ours/src
manifest=$BUILD/ours/.manifest
bad=0

# 1. checkpatch --strict: every patch must be free of errors, warnings
#    and checks. checkpatch knows the CamelCase names of include/ only;
#    one that the base's arch/arm64 headers (generated ones included)
#    define, such as HFGxTR_EL2_nTPIDR2_EL0_MASK, is not ours to rename,
#    so its CAMELCASE check is dropped. Any other CamelCase name fails.
base_defines() {
	grep -rqE "^#define[[:space:]]+$1\\b|[[:space:]]$1,?[[:space:]]*(=|,|$)" \
		"$work/arch/arm64/include" \
		"$(obj_dir ours)/arch/arm64/include/generated" 2>/dev/null
}
for p in "$BUILD"/series/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	out=$(cd "$work" && perl scripts/checkpatch.pl --strict \
		--ignore CAMELCASE "$p" 2>&1 || true)
	camel=$(cd "$work" && perl scripts/checkpatch.pl --strict --terse \
		--types CAMELCASE "$p" 2>&1 |
		sed -n 's/.*Avoid CamelCase: <\([^>]*\)>.*/\1/p' | sort -u ||
		true)
	foreign=""
	for id in $camel; do
		base_defines "$id" || foreign="$foreign $id"
	done
	if ! echo "$out" | grep -q '^total: 0 errors, 0 warnings, 0 checks' ||
	   [ -n "$foreign" ]; then
		echo "error: checkpatch --strict: ${p##*/}"
		echo "$out" | sed 's/^/  /'
		[ -z "$foreign" ] || echo "  CamelCase names of our own:$foreign"
		bad=1
	fi
done

# Project kernel sources (not tools/): C and headers we own or patch.
kfiles=$(grep -E '^(arch|include|virt|kernel)/.*\.[ch]$' "$manifest" || true)

# 2. W=1 in a separate object directory, so the main build keeps its flags:
#    the objects of the project's C files, one by one (a directory target
#    such as arch/arm64/kvm/ does not build on its own).
objs=$(for f in $kfiles; do
	case $f in
	# nVHE hyp objects are built as *.nvhe.o, with the nVHE Makefile flags.
	arch/arm64/kvm/hyp/nvhe/*.c) echo "${f%.c}.nvhe.o" ;;
	*.c) echo "${f%.c}.o" ;;
	esac
done)
if [ -n "$objs" ]; then
	lobj=$BUILD/lint/obj
	mkdir -p "$lobj"
	cp "$(obj_dir ours)/.config" "$lobj/.config"
	kmake "$work" "$lobj" olddefconfig >/dev/null
	log=$LOGS/lint-w1-build.log
	# Force the W=1 rebuild of these objects only.
	for o in $objs; do rm -f "$lobj/$o"; done
	kmake "$work" "$lobj" W=1 $objs >"$log" 2>&1 || {
		echo "error: W=1 build failed (see $log)"
		tail -n 20 "$log"
		bad=1
	}
	warn=$(grep -E 'warning:' "$log" | grep -F -f <(echo "$kfiles") || true)
	if [ -n "$warn" ]; then
		echo "error: W=1 warnings in project files:"
		echo "$warn" | sed 's/^/  /'
		bad=1
	fi
fi

# 3. kernel-doc on every project kernel source. In a base file that a
#    patch edits, only warnings the pristine file does not have count.
if [ -n "$kfiles" ]; then
	pristine=$(pristine_dir)
	strip_lines() { sed -E 's/^([^:]+):[0-9]+:/\1:/' | sort -u; }
	base_warn=$(for f in $kfiles; do
		[ -f "$pristine/$f" ] || continue
		(cd "$pristine" && perl scripts/kernel-doc -none -Wall "$f" 2>&1 || true)
	done | strip_lines)
	out=$(cd "$work" && perl scripts/kernel-doc -none -Wall $kfiles 2>&1 || true)
	out=$(echo "$out" | while IFS= read -r l; do
		[ -n "$l" ] || continue
		k=$(echo "$l" | strip_lines)
		echo "$base_warn" | grep -qxF -- "$k" || echo "$l"
	done)
	if [ -n "$out" ]; then
		echo "error: kernel-doc warnings:"
		echo "$out" | sed 's/^/  /'
		bad=1
	fi
fi
# 4. The FP core must also build, and link, without SME (SVE on) and
#    without SVE (and so without SME, which depends on it).
for off in SME SVE; do
	nobj=$BUILD/lint/obj-no$(echo $off | tr A-Z a-z)
	mkdir -p "$nobj"
	cp "$(obj_dir ours)/.config" "$nobj/.config"
	if [ $off = SVE ]; then
		"$work/scripts/config" --file "$nobj/.config" -d ARM64_SVE -d ARM64_SME
	else
		"$work/scripts/config" --file "$nobj/.config" -d ARM64_SME
	fi
	kmake "$work" "$nobj" olddefconfig >/dev/null
	log=$LOGS/lint-no$(echo $off | tr A-Z a-z)-build.log
	if ! grep -q "^# CONFIG_ARM64_$off is not set" "$nobj/.config"; then
		echo "error: could not configure a kernel without CONFIG_ARM64_$off"
		bad=1
	elif ! kmake "$work" "$nobj" W=1 Image >"$log" 2>&1; then
		echo "error: the kernel without CONFIG_ARM64_$off does not build (see $log)"
		tail -n 20 "$log"
		bad=1
	fi
done

[ $bad -eq 0 ] || exit 1
echo "lint: $(ls "$BUILD"/series/0*.patch 2>/dev/null | grep -vc cover-letter) patches checkpatch-clean," \
	"$(echo "$kfiles" | grep -c .) kernel files W=1 and kernel-doc clean," \
	"CONFIG_ARM64_SME=n and CONFIG_ARM64_SVE=n build"
