#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instruction profile of one fp_bench class: where the instructions go.

  profile.py BUILD VARIANT MODE CLASS [ITERS]

Boots the bench initramfs on VARIANT's kernel (ours|stock) in MODE
(vhe|nvhe|protected) with QEMU in single-step mode (one instruction per
translation block), runs fp_bench on CLASS only, and turns QEMU's
execution log on through the monitor for exactly the second measured
repetition. Every logged block is one executed instruction; its
address is looked up in the kernel's System.map (the guest boots with
nokaslr), and anything below the kernel's text counts as "[guest or
user]". Prints instructions per guest entry (counted at the first instruction
of kvm_arch_vcpu_ctxflush_fp(), which both kernels run once per entry)
by function, then the total. The window opens and closes a little late
(the monitor is driven from the console), hence the normalisation.

`make profile CLASS=hvc/none` runs it for ours and stock.
"""
import bisect
import os
import re
import subprocess
import sys
import threading
import time

from console import BENCH_END, monitor
from sysmap import symbols


def count_pcs(fifo, pcs):
    pat = re.compile(rb"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
    with open(fifo, "rb") as f:
        for line in f:
            m = pat.match(line)
            if m:
                pc = int(m.group(1), 16)
                pcs[pc] = pcs.get(pc, 0) + 1


def hyp_offset(pcs, addrs, names, entries):
    """How far the nVHE hypervisor's PCs sit from its kernel addresses.

    The hypervisor runs the kernel's text through its linear-map alias:
    a PC keeps the physical offset in its low bits (bits 0-30: the bench
    machine's 1 GiB of RAM ends at 2 GiB, and nokaslr adds no random tag
    bits), so kernel address = text + low bits - where the kernel was
    loaded in RAM. The load offset is found, in steps of 2 MiB, as the
    one that puts as many executions on the hypervisor's entry point
    (__kvm_nvhe___kvm_vcpu_run) as there were guest entries, give or
    take the window's ragged ends.
    """
    if "__kvm_nvhe___kvm_vcpu_run" not in names or not entries:
        return None
    run = addrs[names.index("__kvm_nvhe___kvm_vcpu_run")]
    low = {pc & 0x7fffffff: c for pc, c in pcs.items()
           if (1 << 31) <= pc < addrs[0]}
    for off in range(0, 64 << 20, 2 << 20):
        # The window opens and closes a few instructions apart.
        if abs(low.get(run - addrs[0] + off, 0) - entries) <= 2 + entries // 100:
            return off
    return None


def command(path, cmd):
    """CMD to the QEMU monitor at PATH, which QEMU may still be opening."""
    try:
        monitor(path, cmd, tries=100)
    except OSError:
        sys.exit(f"error: QEMU monitor {path} did not answer")


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    build, variant, mode, cls = sys.argv[1:5]
    iters = int(sys.argv[5]) if len(sys.argv) > 5 else 3000
    obj = os.path.join(build, variant, "obj")
    image = os.path.join(obj, "arch/arm64/boot/Image")
    initrd = os.path.join(build, "bench", "initramfs.cpio")
    for p in (image, initrd):
        if not os.path.exists(p):
            sys.exit(f"error: {p} missing (run: make bench first)")
    out = os.path.join(build, "profile", f"{variant}-{mode}-{cls.replace('/', '-')}")
    os.makedirs(out, exist_ok=True)
    sock, log = os.path.join(out, "monitor.sock"), os.path.join(out, "exec.log")
    serial = os.path.join(out, "serial.log")
    for p in (sock, log, serial):
        if os.path.exists(p):
            os.unlink(p)
    # QEMU writes its log into a pipe that is counted as it comes: the
    # guest-visible clock is instructions, so a slow reader changes nothing.
    os.mkfifo(log)
    addrs, names = symbols(os.path.join(obj, "System.map"))
    mark = addrs[names.index("kvm_arch_vcpu_ctxflush_fp")]
    pcs = {}
    reader = threading.Thread(target=count_pcs, args=(log, pcs), daemon=True)
    reader.start()
    append = (f"console=ttyAMA0 kvm-arm.mode={mode} kvm.halt_poll_ns=0 "
              "kvm-arm.wfi_trap_policy=trap panic=-1 loglevel=4 nokaslr "
              f"fpbench.filter={cls} fpbench.iters={iters} fpbench.warm=50 "
              "fpbench.reps=3 fpbench.nosr=1")
    # PROFILE_ARGS: more kernel arguments (arm64.nosme, say).
    if os.environ.get("PROFILE_ARGS"):
        append += " " + os.environ["PROFILE_ARGS"]
    # The emulator QEMU selects (pipeline/lib.sh); one instruction per
    # translation block is -singlestep on 7.2, an accelerator option on 10.
    lib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib.sh")
    one = (["-accel", "tcg,one-insn-per-tb=on"] if os.environ.get("QEMU", "10") == "10"
           else ["-singlestep"])
    cmd = ["bash", "-c", '. "$0"; qemu_cmd "$@"', lib,
           "-M", "virt,virtualization=on,gic-version=3",
           # Protected mode boots only without PAuth (pipeline/main.sh).
           "-cpu", "max,sve=on" + (",pauth=off" if mode == "protected" else ""),
           "-smp", "2", "-m", "1024", "-nographic",
           "-no-reboot", "-nic", "none"] + one + [
           "-icount", "shift=0,align=off,sleep=off",
           "-monitor", f"unix:{sock},server=on,wait=off",
           "-serial", f"file:{serial}", "-D", log,
           "-kernel", image, "-initrd", initrd, "-append", append]
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)
    state, deadline = 0, time.time() + 1800
    while qemu.poll() is None and time.time() < deadline:
        time.sleep(0.05)
        try:
            with open(serial, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            continue
        if state == 0 and re.search(r"BENCH class=\S+ rep=1 ", text):
            command(sock, "log exec,nochain")
            state = 1
        elif state == 1 and re.search(r"BENCH class=\S+ rep=2 ", text):
            command(sock, "log none")
            state = 2
        elif state == 2 and BENCH_END in text:
            break
    if qemu.poll() is None:
        qemu.terminate()
        qemu.wait()
    # Unblock a reader still waiting for QEMU to open the pipe.
    if reader.is_alive():
        os.close(os.open(log, os.O_WRONLY))
    reader.join()
    if state != 2:
        sys.exit(f"error: the window was not logged (state {state}); "
                 f"see {serial}")
    text0 = addrs[0]
    counts, total, entries = {}, 0, pcs.get(mark, 0)
    off = hyp_offset(pcs, addrs, names, entries)
    for pc, c in pcs.items():
        hyp = ""
        if off is not None and (1 << 31) <= pc < text0:
            kva = text0 + (pc & 0x7fffffff) - off
            hyp = names[bisect.bisect_right(addrs, kva) - 1]
        if hyp.startswith("__kvm_nvhe_"):
            name = "hyp " + hyp[len("__kvm_nvhe_"):]
        elif pc < text0:
            name = "[guest or user]"
        else:
            name = names[bisect.bisect_right(addrs, pc) - 1]
        counts[name] = counts.get(name, 0) + c
        total += c
    if not entries:
        sys.exit("error: no guest entry inside the logged window")
    # Per-address counts, for a closer look (objdump the hot addresses).
    with open(os.path.join(out, "pcs.txt"), "w") as f:
        for pc, c in sorted(pcs.items()):
            f.write(f"{pc:x} {c / entries:.2f}\n")
    rep = re.search(r"BENCH class=\S+ rep=2 iters=(\d+) ns=(\d+)",
                    open(serial, errors="replace").read())
    print(f"== {variant} {mode} {cls}: instructions per guest entry "
          f"({entries} entries logged) ==")
    for name, c in sorted(counts.items(), key=lambda kv: -kv[1]):
        if c / entries >= 0.5:
            print(f"{c / entries:9.1f}  {name}")
    print(f"{total / entries:9.1f}  total logged")
    if rep:
        print(f"{int(rep.group(2)) / int(rep.group(1)):9.1f}  "
              "fp_bench's ns per iteration in repetition 2")
    for p in (log, sock):
        if os.path.exists(p):
            os.unlink(p)


if __name__ == "__main__":
    main()
