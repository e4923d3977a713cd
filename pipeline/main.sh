#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The pipeline behind the Makefile: main.sh TARGET. Each stage prints one
# line with its elapsed time; details go to build/logs/STAGE.log.
. "$(dirname "$0")/lib.sh"

P=$ROOT/pipeline
mode=${KVM_MODE:-vhe}
case $mode in
vhe | nvhe | protected) ;;
*) die "unknown KVM_MODE '$mode': use vhe, nvhe or protected" ;;
esac
sfx=${DEBUG:+-debug}

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

run() {
	# run VARIANT MODE
	KVM_MODE=$2 stage "run-$1$sfx-$2" "$P/run.sh" "$1"
	runs+=("$BUILD/runs/$1$sfx-$2")
}

report() {
	echo
	python3 "$P/results.py" report "$@" | tee "$BUILD/report.txt"
	return "${PIPESTATUS[0]}"
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
	report --parity "${runs[@]}"
	;;
check)
	stage unit "$P/unit.sh"
	guest
	stage "kernel-stock$sfx" "$P/kernel.sh" stock
	for m in ${CHECK_MODES:-vhe nvhe}; do
		run ours "$m"
		run stock "$m"
	done
	report --parity "${runs[@]}"
	;;
unit) stage unit "$P/unit.sh" ;;
series) prepare; stage series "$P/series.sh" ;;
lint)
	image_ours
	stage series "$P/series.sh"
	stage lint "$P/lint.sh"
	;;
*) die "unknown target '$target'" ;;
esac
