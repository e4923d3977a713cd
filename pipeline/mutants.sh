#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Show that the FP integrity tests can fail: build each deliberately broken
# kernel in mutants/*.patch (our tree plus one small breakage), run the FP
# tests on it, and require that every mutant is caught by some test and
# every integrity test catches some mutant.
#
# mutants.sh            all mutants, KVM_MODE (default vhe)
# MUTANTS="a b" ...     only these (names without .patch)
. "$(dirname "$0")/lib.sh"

tests_filter=${MUTANT_TESTS:-kvm/fp_}
integrity="kvm/fp_integrity kvm/fp_isolation kvm/fp_one_reg"
mode=${KVM_MODE:-vhe}
ours_src=$BUILD/ours/src
ours_obj=$(obj_dir ours)
[ -f "$ours_obj/.config" ] || die "build ours first (make tests)"
[ -f "$BUILD/initramfs/initramfs.cpio" ] || die "no initramfs (make tests)"

names=${MUTANTS:-$(cd "$ROOT/mutants" && ls *.patch | sed 's/\.patch$//')}
: >"$BUILD/mutants.tsv"
for m in $names; do
	p=$ROOT/mutants/$m.patch
	[ -f "$p" ] || die "no mutant $m ($p)"
	dir=$BUILD/mutants/$m
	# Hard links share the unchanged files with our tree; patch writes the
	# files it changes anew, so our tree is never touched.
	rm -rf "$dir/src"
	mkdir -p "$dir/obj"
	cp -al "$ours_src" "$dir/src"
	if ! out=$(patch -d "$dir/src" -p1 -s --no-backup-if-mismatch <"$p" 2>&1); then
		echo "error: mutant $m does not apply to our tree (update mutants/$m.patch):"
		echo "$out" | sed 's/^/  /'
		exit 1
	fi
	cp "$ours_obj/.config" "$dir/obj/.config"
	echo "mutant $m: building"
	kmake "$dir/src" "$dir/obj" olddefconfig >"$LOGS/mutant-$m-build.log" 2>&1
	kmake "$dir/src" "$dir/obj" Image >>"$LOGS/mutant-$m-build.log" 2>&1 ||
		die "mutant $m does not build (see $LOGS/mutant-$m-build.log)"
	# A mutant may name the tests that should catch it ("Tests: a,b").
	filter=$(sed -n 's/^Tests: *//p;/^---$/q' "$p")
	filter=${MUTANT_TESTS:-${filter:-$tests_filter}}
	echo "mutant $m: running $filter ($mode)"
	IMAGE=$dir/obj/arch/arm64/boot/Image RUN_NAME=mutant-$m KVM_MODE=$mode \
		T=$filter bash "$ROOT/pipeline/run.sh" ours >"$LOGS/mutant-$m-run.log" 2>&1 || true
	python3 - "$BUILD/runs/mutant-$m-$mode/results.json" "$m" >>"$BUILD/mutants.tsv" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print(f"{sys.argv[2]}\t(no results: the run did not finish)")
    sys.exit(0)
failed = sorted(n for n, t in r["tests"].items() if t["result"] == "fail")
if not r["complete"]:
    failed.append("(run incomplete)")
print(sys.argv[2] + "\t" + " ".join(failed))
PY
	rm -rf "$dir/src"
done

echo
echo "mutant                 tests that failed on it"
bad=0
while IFS=$'\t' read -r m failed; do
	printf '%-22s %s\n' "$m" "${failed:-NONE}"
	if [ -z "$failed" ]; then
		echo "error: mutant $m was caught by no test"
		bad=1
	fi
done <"$BUILD/mutants.tsv"
if [ -z "${MUTANTS:-}" ]; then
	for t in $integrity; do
		if ! cut -f2 "$BUILD/mutants.tsv" | tr ' ' '\n' | grep -qx "$t"; then
			echo "error: integrity test $t failed on no mutant"
			bad=1
		fi
	done
fi
[ $bad -eq 0 ] && echo "mutants: every mutant caught, every integrity test failed at least once"
exit $bad
