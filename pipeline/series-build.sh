#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Apply the exported series (make series) to a fresh copy of the base one
# patch at a time and build after each: the kernel (our configuration),
# and, once the patch has brought them, the model and the selftests. A
# patch that does not build on its own fails the check. The first kernel
# build is a whole one (some minutes on 2 cores), the later ones are
# incremental.
. "$(dirname "$0")/lib.sh"

pristine=$(pristine_dir)
series=$BUILD/series
top=$BUILD/series-build
src=$top/src
obj=$top/obj
[ -d "$series" ] || die "no series in $series (run: make series)"
rm -rf "$top"
mkdir -p "$top"
cp -a "$pristine" "$src"
mkdir -p "$obj" "$top/model"

configure() {
	kconfig "$src" "$obj" "$ROOT/config/kernel.config" \
		"$ROOT/config/ours.config" >/dev/null
}

# build NAME KCONFIG: everything the tree at this point has (configured
# again when KCONFIG is 1); stops at the first failure with its log's tail.
build() {
	local log=$LOGS/series-build-$1.log
	{
		if [ "$2" = 1 ]; then configure; fi &&
		kmake "$src" "$obj" Image &&
		kmake "$src" "$obj" headers &&
		if [ -f "$src/tools/testing/fpsimd-model/Makefile" ]; then
			make -C "$src/tools/testing/fpsimd-model" \
				OUTPUT="$top/model" -j"$JOBS" all
		fi &&
		selftests_make "$src" "$obj/usr/include" "$top"
	} >"$log" 2>&1 || {
		tail -n 30 "$log"
		die "series: $1 does not build on its own (log: $log)"
	}
}

n=0
for p in "$series"/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	name=${p##*/}
	name=${name%.patch}
	(cd "$src" && git apply --whitespace=nowarn "$p") ||
		die "series: ${p##*/} does not apply"
	kconfig=0
	if [ $n -eq 0 ] || grep -q '^+++ b/.*Kconfig' "$p"; then
		kconfig=1
	fi
	build "$name" $kconfig
	n=$((n + 1))
	echo "series-build: ${p##*/} builds"
done
echo "series-build: all $n patches build one after another"
rm -rf "$top"
