#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Watch a test machine's console and, when its kernel is stuck, show
where each CPU is.

usage: watchdog.py DIR QEMU_PID TIMEOUT SYSTEM_MAP [SOCKET]

DIR holds serial.log and QEMU's monitor socket (SOCKET, by default
DIR/monitor.sock). The kernel
is stuck when its console has reported the same kind of stall (an RCU CPU
stall, a soft or hard lockup) STALL_REPORTS times (environment, default 3):
RCU repeats its report about once a minute while the stall lasts, so a
transient stall of a slow emulated CPU does not count. The guest's runner
(guest/fptest-init.c) also reports a CPU that accounted no time for a minute
("FPTEST-STUCK:"), which RCU misses on a machine with no grace period
pending, and prints a heartbeat ("FPTEST-ALIVE") every 30 s: once one has
been seen, HEARTBEAT_S (environment, default 240) seconds without another
before the runner's end mean that no CPU runs it any more, a machine too
stuck to report anything. A kernel that has oopsed (an Oops, a BUG, a
kernel panic, a hyp panic, an unhandled fault) is stuck once its console
has been silent for OOPS_QUIET_S (environment, default 60) seconds after
it, heartbeat lines included: such a kernel often goes on to spin on a
lock the dead task held, with nothing left to report it. Then every CPU's
registers are sampled SAMPLES times through the monitor, each program
counter is named from SYSTEM_MAP, the lot goes to DIR/stall.txt and QEMU
is told to quit, instead of the machine spinning until the run's timeout.
STUCK_MONITOR (environment) may list more monitor commands, separated by
";", whose output is added (say "x /10gx ADDR;info registers -a").
Shortly before TIMEOUT seconds the same samples go to DIR/timeout.txt, so
a machine that hangs without any report shows where it hangs too.
"""

import bisect
import os
import re
import sys
import time

from console import ALIVE, BEGIN, END, OOPS, STALLS, STUCK_LINE, monitor
from sysmap import symbols


def load_map(path):
    """The System.map's symbols, or none when it cannot be read."""
    try:
        return symbols(path)
    except OSError:
        return [], []


def symbol(smap, pc):
    addrs, names = smap
    i = bisect.bisect_right(addrs, pc) - 1
    if i < 0 or pc - addrs[i] > 0x100000:
        return "?"
    return f"{names[i]}+{pc - addrs[i]:#x}"


def sample(sock, smap, samples):
    """Every CPU's PC, EL and IRQ mask, SAMPLES times half a second apart."""
    out = []
    for n in range(samples):
        try:
            regs = monitor(sock, "info registers -a")
        except OSError as e:
            out.append(f"sample {n}: monitor did not answer ({e})")
            break
        cpu = 0
        for line in regs.splitlines():
            m = re.match(r"CPU#(\d+)", line)
            if m:
                cpu = int(m.group(1))
            m = re.search(r"\bPC=([0-9a-f]+)", line)
            if m:
                pc = int(m.group(1), 16)
            m = re.search(r"PSTATE=([0-9a-f]+) \S+ (EL\d[th])", line)
            if m:
                daif = "I" if int(m.group(1), 16) & 0x80 else "-"
                out.append(f"sample {n} cpu {cpu}: {m.group(2)} irq-mask={daif} "
                           f"pc={pc:#x} {symbol(smap, pc)}")
        time.sleep(0.5)
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    run, qpid, tmo, smap_path = sys.argv[1], int(sys.argv[2]), \
        float(sys.argv[3]), sys.argv[4]
    limit = int(os.environ.get("STALL_REPORTS") or "3")
    samples = int(os.environ.get("SAMPLES") or "6")
    serial = os.path.join(run, "serial.log")
    sock = sys.argv[5] if len(sys.argv) > 5 else os.path.join(run, "monitor.sock")
    heartbeat = float(os.environ.get("HEARTBEAT_S") or "240")
    quiet = float(os.environ.get("OOPS_QUIET_S") or "60")
    size, last_output = 0, time.monotonic()
    deadline = time.monotonic() + tmo - 20
    beats, last_beat, began = 0, time.monotonic(), 0
    while True:
        time.sleep(2)
        try:
            os.kill(qpid, 0)
        except OSError:
            return
        try:
            with open(serial, errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        hits = [f"{what} reported {limit} times" for what, pat in STALLS
                if len(pat.findall(text)) >= limit]
        hits += [line.strip() for line in STUCK_LINE.findall(text)]
        now = time.monotonic()
        if len(text) != size:
            size, last_output = len(text), now
        oops = OOPS.search(text)
        if oops and END not in text and now - last_output > quiet:
            line = text[oops.start():].split("\n", 1)[0].strip()
            hits.append(f"console silent for {quiet:.0f} s after: {line}")
        n = text.count(ALIVE)
        if n != beats:
            beats, last_beat = n, now
        elif beats and now - last_beat > heartbeat and END not in text:
            hits.append(f"no {ALIVE} for {heartbeat:.0f} s")
        # A runner that began and never beat: the machine froze before its
        # first heartbeat.
        if not began and BEGIN in text:
            began = now
        if began and not beats and now - began > heartbeat and END not in text:
            hits.append(f"no {ALIVE} in {heartbeat:.0f} s after {BEGIN}")
        late = now >= deadline
        if not hits and not late:
            continue
        report = sample(sock, load_map(smap_path), samples)
        for cmd in filter(None, (os.environ.get("STUCK_MONITOR") or "").split(";")):
            try:
                report += monitor(sock, cmd)
            except OSError:
                pass
        if hits:
            report = f"stuck: {hits[0]}\n" + report
        name = "stall.txt" if hits else "timeout.txt"
        with open(os.path.join(run, name), "w") as f:
            f.write(report)
        if hits:
            try:
                monitor(sock, "quit")
            except OSError:
                pass
        return


if __name__ == "__main__":
    main()
