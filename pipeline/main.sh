#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The pipeline behind the Makefile: main.sh TARGET. Each stage prints one
# line with its elapsed time; details go to build/logs/STAGE.log.
. "$(dirname "$0")/lib.sh"

P=$ROOT/pipeline
mode=$(kvm_mode)
sfx=${DEBUG:+-debug}
qemu_choice >/dev/null
machine_check

prepare() {
	stage deps "$P/deps.sh"
	stage base "$P/base.sh"
	stage overlay "$P/overlay.sh"
}

image_ours() {
	prepare
	stage "kernel-ours$sfx" "$P/kernel.sh" ours
}

image_stock() {
	stage deps "$P/deps.sh"
	stage base "$P/base.sh"
	stage "kernel-stock$sfx" "$P/kernel.sh" stock
}

guest() {
	image_ours
	# The selftests build against the normal variant's headers.
	[ -z "${DEBUG:-}" ] || DEBUG='' stage kernel-ours-headers "$P/kernel.sh" ours
	stage tests "$P/tests.sh"
	stage initramfs "$P/initramfs.sh"
}

# The FP suites: the project's KVM tests and the arm64 fp and signal ones.
FP_SUITES=kvm/fp_,fp/,signal/

run() {
	# run VARIANT MODE, on MACHINE (lib.sh), of the DEBUG build or not
	local name=$1${DEBUG:+-debug}$(machine_sfx)
	KVM_MODE=$2 stage "run-$name-$2" "$P/run.sh" "$1"
	runs+=("$BUILD/runs/$name-$2")
}

# Ours' debug build (lockdep, preemption and atomic-sleep checks; run.sh
# boots it with panic_on_warn=1, so a WARN ends the run as a crash) runs
# the FP suites in every mode, held against the normal stock kernel: a
# debug stock kernel would cost a build for nothing the check judges.
# CHECK_DEBUG=0 leaves it out; with DEBUG=1 the whole check is debug.
debug_runs() {
	local m
	[ "${CHECK_DEBUG:-1}" != 0 ] && [ -z "${DEBUG:-}" ] || return 0
	DEBUG=1 stage kernel-ours-debug "$P/kernel.sh" ours
	for m in ${CHECK_MODES:-vhe nvhe}; do
		DEBUG=1 T=$FP_SUITES run ours "$m"
	done
}

# The other machines of make check (CHECK_MACHINES, default "nosve
# nosve-cmdline"; "none" for none), each in every mode on both kernels:
# without SVE, the FP suites and the upstream KVM suite less its two
# longest tests (minutes of memslot and dirty-log work, no FP path); with
# SVE that the kernel is told to ignore, the FP suites (kvm/fp_*, arm64
# fp and signal).
machine_runs() {
	local m mach
	for mach in ${CHECK_MACHINES:-nosve nosve-cmdline}; do
		[ "$mach" != none ] || continue
		for m in ${CHECK_MODES:-vhe nvhe}; do
			for v in ours stock; do
				case $mach in
				nosve) MACHINE=$mach T_SKIP=memslot_perf_test,dirty_log_test run "$v" "$m" ;;
				*) MACHINE=$mach T=$FP_SUITES run "$v" "$m" ;;
				esac
			done
		done
	done
}

# Protected mode (kvm-arm.mode=protected, which the hypervisor runs as
# protected hVHE on this CPU) on the nopauth machine, where it was first
# made to run (the hyp panic reported on the default CPU does not
# reproduce: docs/platform.md). The FP suites on both kernels, judged
# like the other runs. CHECK_PROTECTED=0 leaves it out.
protected_runs() {
	local v
	[ "${CHECK_PROTECTED:-1}" != 0 ] || return 0
	for v in ours stock; do
		MACHINE=nopauth T=$FP_SUITES run "$v" protected
	done
}

nested() {
	# nested VARIANT MODE: QEMU inside the guest runs SVE guests (L2)
	KVM_MODE=$2 stage "nested-$1$sfx-$2" "$P/nested.sh" "$1"
	runs+=("$BUILD/runs/nested-$1$sfx-$2")
}

# Tests that failed on ours and passed on stock run again on both kernels,
# up to CONFIRM_ATTEMPTS times, while they keep failing on ours only; the
# report then tells a repeated regression from a flaky test.
# A test that could not run because its stage faulted (a crash, a hang, a
# timeout) is a suspect like any other: a stock fault alone fails nothing,
# and a fault on ours fails the check only if it repeats. A suspect of the
# nested stage runs that whole stage again.
confirm_and_report() {
	local sus m v tests a mach key sfx_m name kind dbg
	local confirm=()

	for a in $(seq 1 "${CONFIRM_ATTEMPTS:-3}"); do
		sus=$(python3 "$P/results.py" suspects "${runs[@]}" \
			${confirm[@]:+--confirm "${confirm[@]}"})
		[ -n "$sus" ] || break
		# Each suspect again in its mode, on its machine, on its build
		# of ours (a debug build's against the normal stock kernel).
		for key in $(echo "$sus" | awk 'NF { print $1 ":" $3 ":" $4 }' | sort -u); do
			m=${key%%:*}
			mach=${key#*:}
			kind=${mach#*:}
			mach=${mach%%:*}
			sfx_m=$(MACHINE=$mach machine_sfx)
			tests=$(echo "$sus" | awk -v m="$m" -v k="$mach" -v b="$kind" \
				'$1 == m && $3 == k && $4 == b && $2 !~ /^nested\// { print $2 }' |
				paste -sd, -)
			for v in ours stock; do
				[ -n "$tests" ] || continue
				# The check's own debug runs: ours only.
				dbg=${DEBUG:-}
				if [ "$kind" = debug ] && [ -z "$dbg" ] && [ $v = ours ]; then
					dbg=1
				fi
				name=confirm$a-$v${dbg:+-debug}$sfx_m
				DEBUG=$dbg T=$tests RUN_NAME=$name RESULTS_STAGE=confirm \
					MACHINE=$mach KVM_MODE=$m stage "$name-$m" "$P/run.sh" "$v"
				confirm+=("$BUILD/runs/$name-$m")
			done
			[ -n "$(echo "$sus" | awk -v m="$m" -v k="$mach" \
				'$1 == m && $3 == k && $2 ~ /^nested\//')" ] || continue
			for v in ours stock; do
				RUN_NAME=confirm$a-nested-$v$sfx RESULTS_STAGE=confirm \
					KVM_MODE=$m stage "confirm$a-nested-$v$sfx-$m" "$P/nested.sh" "$v"
				confirm+=("$BUILD/runs/confirm$a-nested-$v$sfx-$m")
			done
		done
	done
	report --parity "${runs[@]}" ${confirm[@]:+--confirm "${confirm[@]}"}
}

report() {
	echo
	python3 "$P/results.py" report "$@" | tee "$BUILD/report.txt"
	return "${PIPESTATUS[0]}"
}

# Both kernels under -icount, fp_bench in each mode (results in $BUILD/bench).
bench_runs() {
	[ -z "${DEBUG:-}" ] || die "make bench measures the normal kernels; unset DEBUG"
	bench_modes=${BENCH_MODES:-vhe nvhe}
	image_ours
	stage tests "$P/tests.sh"
	stage kernel-stock "$P/kernel.sh" stock
	stage bench-initramfs "$P/bench.sh" initramfs
	for m in $bench_modes; do
		for v in stock ours; do
			bench_run "$v" "$m"
		done
	done
}

# bench_run VARIANT MODE: one bench boot, again after a fault (a crash, a
# hang), up to CONFIRM_ATTEMPTS boots in all. A fault on ours in every
# attempt stops the pipeline; one on stock is reported and the pipeline
# goes on (the model check reads ours only; the bench report then lacks
# stock and fails).
bench_run() {
	local a n=${CONFIRM_ATTEMPTS:-3} name
	for a in $(seq 1 "$n"); do
		name=bench-$1-$2
		[ "$a" -eq 1 ] || name=$name-again$a
		stage "$name" "$P/bench.sh" run "$1" "$2"
		[ -f "$BUILD/bench/$1-$2/fault" ] || return 0
	done
	[ "$1" = stock ] || die "bench: ours faulted in all $n attempts in $2: $(cat "$BUILD/bench/$1-$2/fault")"
	echo "  note: the stock kernel's bench faulted in all $n attempts in $2 (a stock failure, not ours)"
}

runs=()
target=${1:-all}
case $target in
deps) stage deps "$P/deps.sh" ;;
base) prepare ;;
image)
	image_ours
	echo "$(obj_dir ours)/arch/arm64/boot/Image"
	;;
image-stock)
	image_stock
	echo "$(obj_dir stock)/arch/arm64/boot/Image"
	;;
tests) guest ;;
run)
	guest
	run ours "$mode"
	report "${runs[@]}"
	;;
all)
	guest
	stage "kernel-stock$sfx" "$P/kernel.sh" stock
	run ours "$mode"
	run stock "$mode"
	confirm_and_report
	;;
check)
	# The emulator first: the unit tests boot it too (QEMU=10 fetches it).
	stage deps "$P/deps.sh"
	stage unit "$P/unit.sh"
	guest
	stage mutants-apply "$P/mutants.sh" apply
	stage "kernel-stock$sfx" "$P/kernel.sh" stock
	for m in ${CHECK_MODES:-vhe nvhe}; do
		run ours "$m"
		run stock "$m"
	done
	machine_runs
	protected_runs
	debug_runs
	for m in ${CHECK_MODES:-vhe nvhe}; do
		nested ours "$m"
		nested stock "$m"
	done
	# The model's predictions against the bench's counters: normal
	# kernels only, in the modes the bench knows.
	bm=$(echo "${CHECK_MODES:-vhe nvhe}" | tr ' ' '\n' | grep -xE 'vhe|nvhe' | paste -sd' ' || true)
	if [ -n "${DEBUG:-}" ] || [ -z "$bm" ]; then
		echo "  model-check                skipped (needs DEBUG unset and vhe or nvhe)"
	else
		BENCH_MODES=$bm bench_runs
		BENCH_MODES=$bm stage model-check "$P/model-check.sh"
	fi
	confirm_and_report
	;;
nested)
	guest
	stage "kernel-stock$sfx" "$P/kernel.sh" stock
	nested ours "$mode"
	nested stock "$mode"
	confirm_and_report
	;;
unit)
	stage deps "$P/deps.sh"
	stage unit "$P/unit.sh"
	;;
bench)
	bench_runs
	echo
	python3 "$P/bench.py" report "$BUILD/bench" $bench_modes |
		tee "$BUILD/bench/report.txt"
	exit "${PIPESTATUS[0]}"
	;;
model-check)
	bench_runs
	stage model-check "$P/model-check.sh"
	grep -E '^(FAIL|ok   Doc|model-check)' "$LOGS/model-check.log"
	;;
mutants)
	guest
	stage mutants "$P/mutants.sh"
	sed -n '/^mutant  /,$p' "$LOGS/mutants.log"
	;;
soak)
	guest
	stage "kernel-stock$sfx" "$P/kernel.sh" stock
	stage soak "$P/soak.sh"
	sed -n '/^soak: [0-9]/,$p' "$LOGS/soak.log"
	;;
series) prepare; stage series "$P/series.sh" ;;
lint)
	image_ours
	stage series "$P/series.sh"
	stage lint "$P/lint.sh"
	stage series-build "$P/series-build.sh"
	;;
*) die "unknown target '$target'" ;;
esac
