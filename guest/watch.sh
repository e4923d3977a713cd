# SPDX-License-Identifier: GPL-2.0
# Sourced by the guests' inits (/lib/fptest/watch.sh): what keeps a test
# machine observable and out of an emulator's way.

# cpu_watch: in the background, a heartbeat on the console every 30 s
# ("FPTEST-ALIVE"), and a report of any CPU that accounted no time at all
# for a minute ("FPTEST-STUCK: cpuN ..."): a CPU stuck with its interrupts
# masked accounts no time, not even idle time, and RCU reports it only
# while a grace period is pending. The heartbeat goes through the kernel
# at level 2 (critical): the guests boot with loglevel=4, and a line at
# the default level would reach dmesg but not the console. With every
# CPU stuck the heartbeat stops instead. pipeline/watchdog.py reads both.
cpu_watch() {
	(
		a='' b=''
		while sleep 30; do
			echo "<2>FPTEST-ALIVE" >/dev/kmsg
			c=$(awk '/^cpu[0-9]/ { t = 0; for (i = 2; i <= NF; i++) t += $i; printf "%s=%d ", $1, t }' /proc/stat)
			for v in $c; do
				case " $a " in
				*" $v "*) echo "FPTEST-STUCK: ${v%%=*} accounted no time for 60 s" >/dev/console ;;
				esac
			done
			a=$b b=$c
		done
	) &
}

# hold_vm: create one empty VM and keep it until power-off; prints
# "holding" once it exists, or "no" when there is no KVM.
#
# KVM turns the scheduler's preempt notifiers on (a static key) while any
# VM exists and off when the last one goes, patching the scheduler's code
# each time. Under QEMU 7.2 TCG a CPU has been seen to go on running the
# old code after such a patch, so vcpu_load/vcpu_put did not happen when a
# vCPU thread was switched (docs/platform.md). With one VM held the key stays on
# and the tests' own VMs never patch it.
hold_vm() {
	held=no
	[ -x /bin/hold-vm ] && [ -c /dev/kvm ] || { echo "$held"; return; }
	mkfifo /tmp/holdvm
	/bin/hold-vm >/tmp/holdvm 2>/dev/console &
	read -r held </tmp/holdvm
	echo "$held"
}
