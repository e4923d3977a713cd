#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Show that the FP integrity tests can fail: build each deliberately broken
# kernel in mutants/*.patch (our tree plus one small breakage), run the FP
# tests on it, and require that every mutant is caught by some test and
# every integrity test catches some mutant. A mutant whose tests could not
# all run (the run did not finish) while none failed is neither caught nor
# not caught: it fails the check with a message of its own.
#
# mutants.sh            all mutants, KVM_MODE (default vhe)
# MUTANTS="a b" ...     only these (names without .patch)
# mutants.sh apply      only check that every mutant still applies to our
#                       overlaid tree (make check runs this: a change to
#                       the code a mutant breaks must update the mutant)
#
# A mutant's header may name the tests that should catch it ("Tests: a,b"),
# the one KVM mode its breakage shows in ("Mode: nvhe"), which then
# replaces KVM_MODE for it, and the test machine ("Machine: nosve", see
# MACHINE in the README). A kernel splat (a WARN, an oops) during a test
# catches the mutant as a failed test does: make check fails on either.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = apply ]; then
	[ -d "$BUILD/ours/src" ] || die "overlay our tree first (make tests)"
	stale=""
	for p in "$ROOT"/mutants/*.patch; do
		patch -d "$BUILD/ours/src" -p1 --dry-run -s <"$p" >/dev/null 2>&1 ||
			stale="$stale ${p##*/}"
	done
	if [ -n "$stale" ]; then
		echo "error: mutants that no longer apply to our tree:$stale"
		exit 1
	fi
	echo "mutants: all $(ls "$ROOT"/mutants/*.patch | wc -l) apply to our tree"
	exit 0
fi

# The project's FP tests: the KVM ones and the one in arm64/fp.
tests_filter=${MUTANT_TESTS:-kvm/fp_,fp/fp-bug-history}
integrity="kvm/fp_integrity kvm/fp_isolation kvm/fp_one_reg kvm/fp_state"
mode=${KVM_MODE:-vhe}
ours_src=$BUILD/ours/src
ours_obj=$(obj_dir ours)
[ -f "$ours_obj/.config" ] || die "build ours first (make tests)"
[ -f "$BUILD/initramfs/initramfs.cpio" ] || die "no initramfs (make tests)"

# header FIELD: the value of "FIELD: value" in mutant $p's header.
header() {
	sed -n "s/^$1: *//p;/^---\$/q" "$p"
}

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
	filter=$(header Tests)
	filter=${MUTANT_TESTS:-${filter:-$tests_filter}}
	mmode=$(header Mode)
	mmode=${mmode:-$mode}
	mmach=$(header Machine)
	mmach=${mmach:-${MACHINE:-sve}}
	echo "mutant $m: running $filter ($mmode, machine $mmach)"
	IMAGE=$dir/obj/arch/arm64/boot/Image RUN_NAME=mutant-$m KVM_MODE=$mmode \
		MACHINE=$mmach T=$filter bash "$ROOT/pipeline/run.sh" ours >"$LOGS/mutant-$m-run.log" 2>&1 || true
	python3 - "$BUILD/runs/mutant-$m-$mmode/results.json" "$m" \
		"$BUILD/initramfs/root/tests/list" "$filter" >>"$BUILD/mutants.tsv" <<'PY'
# "mutant<TAB>outcome<TAB>detail": caught (the tests that failed, and
# "splat:TEST" for each test with a kernel splat), none
# (every test ran and passed), or norun: some test has no result of its
# own (the run did not finish, or a test's launcher was killed), and none
# failed, so whether the tests catch the mutant is unknown.
import json, sys
res, m, listfile, words = sys.argv[1:5]
with open(listfile) as f:
    want = [f"{l.split()[0]}/{l.split()[1]}" for l in f if l.strip()]
want = [t for t in want if any(w in t for w in words.split(",") if w)]
try:
    r = json.load(open(res))
except (OSError, ValueError):
    r = {"tests": {}, "complete": False}
ran = {n: t for n, t in r["tests"].items()
       if not t["directive"].startswith("NO-RESULT") and t["result"] != "notrun"}
failed = sorted(n for n, t in ran.items() if t["result"] == "fail")
failed += sorted({f"splat:{s['test'] or 'no-test'}" for s in r.get("splats", [])})
missing = [t for t in want if t not in ran]
if failed:
    print(f"{m}\tcaught\t{' '.join(failed)}")
elif missing or not want:
    why = "the run did not finish" if not r["complete"] else "no result"
    print(f"{m}\tnorun\t{len(want) - len(missing)} of {len(want)} tests ran "
          f"({why}; not run: {' '.join(missing) or 'none selected'})")
else:
    print(f"{m}\tnone\t")
PY
	rm -rf "$dir/src"
done

echo
echo "mutant                 tests that failed on it"
bad=0
while IFS=$'\t' read -r m outcome detail; do
	case $outcome in
	caught) printf '%-22s %s\n' "$m" "$detail" ;;
	none)
		printf '%-22s %s\n' "$m" NONE
		echo "error: mutant $m was caught by no test"
		bad=1
		;;
	*)
		printf '%-22s %s\n' "$m" "TESTS COULD NOT RUN: $detail"
		echo "error: mutant $m: its tests could not run ($detail), so whether they catch it is unknown (see $LOGS/mutant-$m-run.log)"
		bad=1
		;;
	esac
done <"$BUILD/mutants.tsv"
if [ -z "${MUTANTS:-}" ]; then
	for t in $integrity; do
		if ! awk -F'\t' '$2 == "caught" { print $3 }' "$BUILD/mutants.tsv" |
			tr ' ' '\n' | grep -qx "$t"; then
			echo "error: integrity test $t failed on no mutant"
			bad=1
		fi
	done
fi
[ $bad -eq 0 ] && echo "mutants: every mutant caught, every integrity test failed at least once"
exit $bad
