# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the pipeline scripts. Sourced, never run.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LOGS=$BUILD/logs
BASE_PKG=linux-source-6.12
BASE_VERSION=${BASE_VERSION:-6.12.117-1~deb12u1}
BASE_TARBALL=${BASE_TARBALL:-/usr/src/$BASE_PKG.tar.xz}
# What is overlaid: the project tree (tests point these elsewhere).
OVERLAY_ROOT=${OVERLAY_ROOT:-$ROOT}
PATCHES=${PATCHES:-$ROOT/patches}
CROSS=aarch64-linux-gnu-
JOBS=${JOBS:-$(($(nproc) + 1))}
mkdir -p "$LOGS"

# ccache keyed on paths relative to the checkout's parent, so copies of the
# project in sibling folders share cache entries.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$ROOT")}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}

die() {
	echo "error: $*" >&2
	exit 1
}

# The pristine base tree: the user's KSRC, or our unpacked copy.
pristine_dir() {
	if [ -n "${KSRC:-}" ]; then
		echo "$KSRC"
	else
		echo "$BUILD/base/$BASE_PKG"
	fi
}

# Object directory of a kernel variant: ours|stock, plus -debug.
obj_dir() {
	echo "$BUILD/$1${DEBUG:+-debug}/obj"
}

src_dir() {
	case $1 in
	stock) pristine_dir ;;
	ours) echo "$BUILD/ours/src" ;;
	*) die "unknown kernel variant '$1' (ours|stock)" ;;
	esac
}

kmake() {
	make -C "$1" O="$2" ARCH=arm64 CROSS_COMPILE=$CROSS \
		CC="ccache ${CROSS}gcc" -j"$JOBS" "${@:3}"
}

# kconfig SRC OBJ FRAGMENT...: configure OBJ for the tree SRC as
# allnoconfig plus the fragments; fails when an option a fragment asks for
# did not stick.
kconfig() {
	local src=$1 obj=$2 line opt got bad=0
	shift 2
	kmake "$src" "$obj" allnoconfig &&
	(cd "$src" && ./scripts/kconfig/merge_config.sh -m -O "$obj" \
		"$obj/.config" "$@") &&
	kmake "$src" "$obj" olddefconfig || return 1
	while read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *} ;;
		*) continue ;;
		esac
		if ! grep -qxF "$line" "$obj/.config"; then
			got=$(grep -E "^($opt=|# $opt is not set)" "$obj/.config" || echo "absent")
			echo "error: $opt did not stick: asked '$line', got '$got'"
			bad=1
		fi
	done < <(cat "$@")
	return $bad
}

# selftests_make SRC HDRS OUT: build the KVM selftests and the arm64 fp
# and signal selftests of the tree SRC with the cross compiler, against
# the installed kernel headers HDRS, into OUT/kvm and OUT/arm64.
selftests_make() {
	local src=$1 hdrs=$2 out=$3
	mkdir -p "$out/kvm" "$out/arm64" "$out/gen/tools"
	make -C "$src/tools/testing/selftests/kvm" ARCH=arm64 \
		CROSS_COMPILE=$CROSS KHDR_INCLUDES="-isystem $hdrs" \
		OUTPUT="$out/kvm" abs_objdir="$out/gen" -j"$JOBS" &&
	make -C "$src/tools/testing/selftests/arm64" ARCH=arm64 \
		CROSS_COMPILE=$CROSS KHDR_INCLUDES="-isystem $hdrs" \
		OUTPUT="$out/arm64" ARM64_SUBTARGETS="fp signal" -j"$JOBS"
}

# deb_file DIR NAME VERSION ARCH: the .deb of a package in DIR, named as
# apt-get download names it.
deb_file() {
	echo "$1/${2}_${3//:/%3a}_$4.deb"
}

# qemu_choice: the emulator QEMU selects, "10" (bookworm-backports,
# fetched by pipeline/qemu.sh; the default, docs/emulators.md says why) or
# "7.2" (Debian 12's).
qemu_choice() {
	case ${QEMU:-10} in
	7.2 | 7) echo 7.2 ;;
	10) echo 10 ;;
	*) die "unknown QEMU '$QEMU': use 7.2 or 10" ;;
	esac
}

# kvm_mode: KVM_MODE, the kvm-arm.mode= a test machine boots with: vhe
# (the default), nvhe or protected.
kvm_mode() {
	case ${KVM_MODE:-vhe} in
	vhe | nvhe | protected) echo "${KVM_MODE:-vhe}" ;;
	*) die "unknown KVM_MODE '$KVM_MODE': use vhe, nvhe or protected" ;;
	esac
}

# The test machine: MACHINE names the emulated CPU and what the kernel is
# told of it. sve (the default, also when empty): QEMU's max CPU with SVE;
# nosve: the same CPU without SVE; nosve-cmdline: with SVE, which the
# kernel is told to ignore (arm64.nosve); nopauth: with SVE and without
# pointer authentication, where make check runs protected mode (a hyp
# panic once reported with PAuth does not reproduce: docs/platform.md,
# "Protected mode"). machine_cpu prints the
# -cpu value, machine_append what it adds to the kernel command line.
machine_check() {
	case ${MACHINE:-sve} in
	sve | nosve | nosve-cmdline | nopauth) ;;
	*) die "unknown MACHINE '$MACHINE': use sve, nosve, nosve-cmdline or nopauth" ;;
	esac
}

machine_cpu() {
	machine_check
	case ${MACHINE:-sve} in
	nosve) echo max,sve=off ;;
	nopauth) echo max,sve=on,pauth=off ;;
	*) echo max,sve=on ;;
	esac
}

machine_append() {
	machine_check
	[ "${MACHINE:-sve}" != nosve-cmdline ] || echo arm64.nosve
}

# The suffix of run names and stage names on a MACHINE other than sve.
machine_sfx() {
	machine_check
	[ "${MACHINE:-sve}" = sve ] || echo "-$MACHINE"
}

# guest_cmdline MODE KVM-PARAMS [PARAM...]: the kernel command line of a
# test machine booted in KVM mode MODE (vhe|nvhe|protected): the console,
# kvm-arm.mode=MODE, the stage's KVM-PARAMS (words; may be empty), a panic
# that powers the machine off (panic=-1, with boot_machine's -no-reboot)
# and the console level the runners' markers are printed at, then each
# PARAM (words; empty ones add nothing). One space between words.
guest_cmdline() {
	local mode=$1 kvm=$2 w
	shift 2
	read -ra w <<<"console=ttyAMA0 kvm-arm.mode=$mode $kvm panic=-1 loglevel=4 $*"
	echo "${w[*]}"
}

# qemu_cmd ARG...: run the selected qemu-system-aarch64 (exec: its PID is
# the caller's).
qemu_cmd() {
	local root=${QEMU10_CACHE:-$BUILD/cache/qemu10}/root
	qemu_choice >/dev/null
	if [ "$(qemu_choice)" = 7.2 ]; then
		exec qemu-system-aarch64 "$@"
	fi
	[ -x "$root/usr/bin/qemu-system-aarch64" ] ||
		die "QEMU 10 is not fetched (run: make deps QEMU=10)"
	QEMU_MODULE_DIR=$root/usr/lib/x86_64-linux-gnu/qemu \
		LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu \
		exec "$root/usr/bin/qemu-system-aarch64" "$@"
}

# guest_tools ROOT: what every guest init uses, into the initramfs tree
# ROOT: /bin/hold-vm (a VM held for the whole run; no FP, guest/nofp.h)
# and the shell functions of guest/watch.sh as /lib/fptest/watch.sh.
guest_tools() {
	mkdir -p "$1/bin" "$1/lib/fptest"
	bash "$ROOT/pipeline/nofp-cc.sh" "$1/bin/hold-vm" "$ROOT/guest/hold-vm.c"
	cp "$ROOT/guest/watch.sh" "$1/lib/fptest/watch.sh"
}

# boot_machine DIR IMAGE INITRD APPEND TIMEOUT WHAT CONTEXT [QEMU-OPTION...]: boot
# the test machine (QEMU virt with EL2, GICv3, MACHINE's CPU, 2 CPUs) with its
# console in DIR/serial.log and QEMU's stderr in DIR/qemu.stderr. On a
# timeout, a stuck kernel (pipeline/watchdog.py) or a QEMU failure print
# one "error:" line naming WHAT (and CONTEXT, such as the variant and the
# mode), with where the CPUs were, the last KTAP lines, the console tail
# (and QEMU's stderr), and return 1; 3 for a stuck kernel.
boot_machine() {
	local dir=$1 image=$2 initrd=$3 append=$4 tmo=$5 what=$6 ctx=$7 rc=0
	local qpid wpid map sock
	shift 7
	map=$(dirname "$image")/../../../System.map
	rm -f "$dir/stall.txt" "$dir/timeout.txt" "$dir/end.txt" "$dir/monitor.sock"
	# A UNIX socket's path has at most 107 bytes.
	sock=$dir/monitor.sock
	[ ${#sock} -le 100 ] || sock=$(mktemp -u /tmp/qmon.XXXXXX)
	timeout -k 10 "$tmo" bash -c '. "$0"; qemu_cmd "$@"' "$ROOT/pipeline/lib.sh" \
		-M virt,virtualization=on,gic-version=3 -cpu "$(machine_cpu)" -smp 2 \
		-nographic -no-reboot -nic none "$@" \
		-monitor "unix:$sock,server=on,wait=off" \
		-kernel "$image" -initrd "$initrd" -append "$append" \
		</dev/null >"$dir/serial.log" 2>"$dir/qemu.stderr" &
	qpid=$!
	python3 "$ROOT/pipeline/watchdog.py" "$dir" "$qpid" "$tmo" "$map" "$sock" &
	wpid=$!
	wait "$qpid" || rc=$?
	wait "$wpid" || true
	[ "$sock" = "$dir/monitor.sock" ] || rm -f "$sock"
	if [ -f "$dir/stall.txt" ]; then
		head -n 1 "$dir/stall.txt" >"$dir/end.txt"
		echo "error: $what: the kernel is stuck ($ctx); CPUs (from $dir/stall.txt):"
		machine_state "$dir" stall.txt
		return 3
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "timed out after ${tmo}s" >"$dir/end.txt"
		echo "error: $what timed out after ${tmo}s ($ctx); CPUs before the timeout:"
		machine_state "$dir" timeout.txt
		return 1
	elif [ $rc -ne 0 ]; then
		echo "QEMU exited with $rc: $(head -n 1 "$dir/qemu.stderr")" >"$dir/end.txt"
		echo "error: $what exited with $rc ($ctx):"
		sed 's/^/  | /' "$dir/qemu.stderr"
		tail -n 20 "$dir/serial.log" | sed 's/^/  | /'
		return 1
	fi
}

# marker NAME...: the console markers NAME (BEGIN, END, BOOT, BOOT_FAULT,
# BENCH_END, ...), one a line: pipeline/console.py owns the console format.
marker() {
	python3 "$ROOT/pipeline/console.py" marker "$@"
}

# boot_fault DIR END: why the boot in DIR did not reach the console marker
# END (its name: END, BENCH_END; nothing when it did): the reason
# boot_machine left, else the kernel's first fatal line (a panic powers
# the machine off), else that the console stopped.
boot_fault() {
	local l end
	end=$(marker "$2")
	if [ -s "$1/end.txt" ]; then
		head -n 1 "$1/end.txt"
	elif ! grep -aqE "^$end"$'\r?$' "$1/serial.log"; then
		l=$(python3 "$ROOT/pipeline/console.py" fatal "$1/serial.log")
		echo "the machine stopped before $end${l:+: $l}"
	fi
}

# boot_fault_line REASON: the line that closes the console of a boot that
# did not end well, in the serial.log of a run (results.py reads it).
boot_fault_line() {
	printf '\n%s %s\n' "$(marker BOOT_FAULT)" "$1"
}

# machine_state DIR FILE: the CPU samples in DIR/FILE, the last KTAP
# results and test start, and the console's tail.
machine_state() {
	sed 's/^/  | /' "$1/$2" 2>/dev/null || echo "  | (no CPU samples)"
	echo "  last results:"
	grep -aE '^ *(not )?ok [0-9]|# start ' "$1/serial.log" | tail -n 5 | sed 's/^/  | /'
	echo "  last lines of $1/serial.log:"
	tail -n 30 "$1/serial.log" | sed 's/^/  | /'
}

# stage NAME CMD...: run CMD with its output in $LOGS/NAME.log and print
# one line with the elapsed time. On failure print the "error:" lines the
# command left, or the tail of its log, and stop. A test machine's stage
# (run.sh, nested.sh) exits with 2 when its kernel crashed or hung but its
# results were recorded: that prints "fault" and the reason, and goes on,
# for the report to judge it against the other kernel.
# A stage that already passed in this invocation (the preparation the
# targets share: deps, base, overlay, a kernel) is not run again, so its
# log stays the one of the run that did the work.
STAGES_DONE=" "
stage() {
	local name=$1 log=$LOGS/$1.log t0 t1 rc=0
	shift
	case $STAGES_DONE in *" $name "*) return 0 ;; esac
	t0=$(date +%s.%N)
	"$@" >"$log" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	if [ $rc -eq 0 ]; then
		printf '  %-26s ok   %7.1fs\n' "$name" "$(echo "$t1 - $t0" | bc)"
		STAGES_DONE="$STAGES_DONE$name "
		return 0
	fi
	if [ $rc -eq 2 ] && grep -q '^fault: ' "$log"; then
		printf '  %-26s fault %6.1fs  %s\n' "$name" "$(echo "$t1 - $t0" | bc)" \
			"$(sed -n 's/^fault: //p' "$log" | head -n 1)"
		return 0
	fi
	printf '  %-26s FAIL %7.1fs  (log: %s)\n' "$name" \
		"$(echo "$t1 - $t0" | bc)" "${log#"$ROOT"/}"
	if grep -q '^error:' "$log"; then
		sed -n '/^error:/,$p' "$log" | head -n 60 >&2
	else
		tail -n 30 "$log" >&2
	fi
	exit $rc
}
