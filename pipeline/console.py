#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The test machines' console format, and their QEMU monitor: the one
place the pipeline knows what a guest prints and how a kernel's trouble
reads on its console. results.py, bench.py, watchdog.py and profile.py
import it; the shell scripts ask it.

usage: console.py marker NAME...   print each marker NAME (BEGIN, END, ...)
       console.py fatal LOG        print LOG's first fatal kernel line
                                   (OOPS), its \\r and timestamp taken off
       console.py started LOG      print the last test LOG's runner started
"""
import re
import socket
import sys
import time

# The markers. The guest's runner (guest/runner, guest/fptest-init.c,
# guest/nested-init) prints FPTEST-BEGIN and FPTEST-END around its run, a
# heartbeat, a CPU that accounts no time, its own restarts and the dmesg
# dump; guest/bench-init prints the FPBENCH ones; run.sh and nested.sh add
# the boot lines to the serial.log they keep.
BEGIN = "FPTEST-BEGIN"
END = "FPTEST-END"
ALIVE = "FPTEST-ALIVE"
STUCK = "FPTEST-STUCK"
RUNNER_DIED = "FPTEST-RUNNER-DIED"
DMESG_BEGIN = "FPTEST-DMESG-BEGIN"
DMESG_END = "FPTEST-DMESG-END"
BOOT = "FPTEST-BOOT"
BOOT_FAULT = "FPTEST-BOOT-FAULT"
BENCH_BEGIN = "FPBENCH-BEGIN"
BENCH_END = "FPBENCH-END"
BENCH_RC = "FPBENCH-RC"
# The runner's line before each test (a KTAP diagnostic, then the test's
# suite/program).
START = "    # start "
MARKERS = {k: v for k, v in globals().items() if k.isupper() and isinstance(v, str)}

# A kernel splat: a warning, an oops, a lockdep, UBSAN or KASAN report, a
# stall, a runner that died and was started again.
SPLAT = re.compile(
    r"WARNING:|BUG:|Oops|Kernel panic|Unable to handle kernel|Internal error:"
    r"|possible recursive locking|possible circular locking"
    r"|inconsistent lock state|suspicious RCU usage"
    r"|turning off the locking correctness validator|trying to register non-static key"
    r"|scheduling while atomic|sleeping function called from invalid context"
    r"|hyp panic|HYP panic|UBSAN|KASAN|detected stalls|hung_task"
    # guest/fptest-init.c: the test runner died and was started again.
    r"|" + RUNNER_DIED)
# A kernel that has died in part (the first line of an oops, a BUG, a
# panic, a hyp panic, an unhandled fault).
OOPS = re.compile(r"Internal error: |Unable to handle kernel |Kernel panic|"
                  r"[Hh][Yy][Pp] panic|kernel BUG at ")
# The stalls the watchdog counts (watchdog.py: STALL_REPORTS of one kind
# make a stuck kernel), and the runner's own report of a stuck CPU.
STALLS = (
    ("an RCU CPU stall", re.compile(r"rcu: INFO: \S+ detected stalls")),
    ("a soft lockup", re.compile(r"watchdog: BUG: soft lockup")),
    ("a hard lockup", re.compile(r"Watchdog detected hard LOCKUP")),
)
STUCK_LINE = re.compile(STUCK + r": [^\n]*")
# A splat line that is part of a stall report (results.py: not held
# against the test that was stuck, whose failure it already is).
STALL = re.compile(STUCK + r"|detected stalls|rcu_preempt kthread|soft lockup|hard LOCKUP")
# The heartbeat as the kernel prints it, which may land in the middle of
# a line of test output.
ALIVE_LINE = re.compile(r"\[ *\d+\.\d+\] " + ALIVE + r"\r?\n")
# The KVM mode the kernel reports, and the pipeline's name of it.
KVM_MODE = re.compile(r"kvm \[\d+\]: (Protected nVHE|Protected hVHE|Hyp nVHE|Hyp hVHE"
                      r"|VHE) mode initialized successfully")
MODE_NAMES = {"VHE": "vhe", "Hyp nVHE": "nvhe", "Hyp hVHE": "hvhe",
              "Protected nVHE": "protected", "Protected hVHE": "protected"}


def prompt(s):
    """What the monitor on socket S prints up to its prompt (or its end)."""
    buf = b""
    while not buf.endswith(b"(qemu) "):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def monitor(path, cmd, tries=1):
    """Send CMD to the QEMU human monitor at the UNIX socket PATH; return
    what it printed, without terminal escapes and carriage returns.
    Connecting is tried TRIES times, 0.1 s apart (a QEMU just started may
    not listen yet). Raises OSError."""
    for n in range(tries):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(path)
            break
        except OSError:
            s.close()
            if n == tries - 1:
                raise
            time.sleep(0.1)
    with s:
        prompt(s)
        s.sendall(cmd.encode() + b"\n")
        buf = prompt(s)
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", buf.decode(errors="replace"))
    return text.replace("\r", "")


def fatal(path):
    """The first line of the console log PATH that OOPS matches, without
    its carriage return and its timestamp, or None."""
    with open(path, errors="replace", newline="\n") as f:
        for line in f:
            line = line.rstrip("\n")
            if OOPS.search(line):
                line = re.sub(r"\r$", "", line)
                return re.sub(r"^\[ *[0-9.]*\] ", "", line)
    return None


def started(path):
    """The last test the runner started in the console log PATH, or None."""
    last = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n").replace("\r", "")
            name = line[len(START):]
            if line.startswith(START) and " " not in name:
                last = name
    return last


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "marker":
        try:
            print("\n".join(MARKERS[n] for n in sys.argv[2:]))
        except KeyError as e:
            sys.exit(f"error: console.py: no marker {e}")
    elif len(sys.argv) == 3 and sys.argv[1] in ("fatal", "started"):
        line = fatal(sys.argv[2]) if sys.argv[1] == "fatal" else started(sys.argv[2])
        if line is not None:
            print(line)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
