#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse and report `make bench` runs (fp_bench under QEMU -icount shift=0).

  bench.py check RUNDIR
      read RUNDIR/serial.log, write RUNDIR/bench.json, print one line;
      exit 1 if the guest program failed or did not finish.
  bench.py model-check OUTDIR TRACE ROOT MODE...
      run the trace model (TRACE, tools/testing/fpsimd-model/trace.c) on
      the classes of OUTDIR/ours-MODE and require its counters to equal
      the measured ones; check the model table in the KVM documentation.
  bench.py report OUTDIR MODE...
      compare OUTDIR/stock-MODE with OUTDIR/ours-MODE for each mode: print
      the table and the targets, write OUTDIR/bench.csv, OUTDIR/sr.csv,
      OUTDIR/state.csv and OUTDIR/bench.png. Exit 1 if a run or a
      measurement is missing; missed targets are reported but do not fail
      (yet).

Every number is nanoseconds of guest CLOCK_MONOTONIC, which under
-icount shift=0 is instructions executed by the emulated machine.
"""
import csv
import json
import os
import re
import subprocess
import sys

# The console's format (markers, splats, the KVM mode line) has one owner.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console import BENCH_RC, KVM_MODE, MODE_NAMES, SPLAT  # noqa: E402

EXITS = ["user", "hvc", "wfi", "preempt", "vmmfp"]
WORKS = ["none", "fp1", "sve1", "fpall", "sveall"]
STATS = ["fp_host_save", "fp_guest_load", "fp_guest_save", "fp_trap",
         "fp_reload_avoided"]
# Read too, but not the model's business: SME (stock has none).
SME_STATS = ["fp_host_sme_flush", "fp_host_za_save", "fp_guest_za_load",
             "fp_guest_za_save"]
# The guest's ZA transfers per iteration each exit kind needs at least
# (load, save) with the guest's PSTATE.ZA set and FP used in every
# iteration: an exit handled in the kernel none; a WFI sleep the save at
# put (nobody else takes the registers while the thread sleeps); a return
# to userspace, where the VMM's registers come back, or a preemption by a
# thread that uses FP, the save and a reload. Lazy switching is to need
# no more.
GUEST_ZA_BOUND = {"user": (1, 1), "hvc": (0, 0), "wfi": (0, 1),
                  "preempt": (1, 1), "vmmfp": (1, 1)}
# Per iteration, what a batch's own exit to userspace may add.
GUEST_ZA_SLACK = 0.01
# The whole-state classes (fp_bench "BENCH stateclass="): a vCPU's FP state
# taken and given back (GET then SET) on one vCPU, and handed from one
# vCPU to another VM's; register by register (ONE_REG) and in one ioctl
# (KVM_ARM_GET/SET_FP_STATE, which stock lacks: its class is n/a there).
STATE_PAIRS = [("round", "state/onereg", "state/oneioctl"),
               ("handover", "state/handover-onereg", "state/handover-oneioctl")]
# Issue 17's target: at the largest vector length, the round in one ioctl
# at least this many times cheaper than the round through ONE_REG.
STATE_TARGET = 10.0


def kv(line):
    return dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)


def parse(run):
    with open(os.path.join(run, "serial.log"), errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    res = {"classes": {}, "sme": {}, "state": {}, "sr": [], "rc": None,
           "end": False,
           "kvm_mode": None, "splats": [], "errors": [], "kernel": None}
    for l in lines:
        if l.startswith("BENCH class=") or l.startswith("BENCH smeclass="):
            d = kv(l)
            if "smeclass" in d:
                # A class run with ZA live in a host thread (fp_bench).
                c = res["sme"].setdefault(
                    f"{d['smeclass']}+za-{d['za']}@{d['svl']}",
                    {"reps": [], "class": d["smeclass"], "za": d["za"],
                     "svl": int(d["svl"])})
            else:
                c = res["classes"].setdefault(d["class"], {"reps": []})
            if "skipped" in d:
                c["skipped"] = d["skipped"]
                continue
            iters = int(d["iters"])
            rep = {"ns": int(d["ns"]), "iters": iters,
                   "vcsw": int(d["vcsw"]), "ivcsw": int(d["ivcsw"]),
                   "stats": {s: (None if d.get("stat." + s, "na") == "na"
                                 else int(d["stat." + s]))
                             for s in STATS + SME_STATS}}
            if "wakeups" in d:
                rep["wakeups"] = int(d["wakeups"])
            if "rec" in d:
                # A traced repetition (fp_bench -T): not timed, its events
                # recorded for the model (model_check).
                rep["rec"] = d["rec"]
                c.setdefault("traced", []).append(rep)
            else:
                c["reps"].append(rep)
        elif l.startswith("BENCH stateclass="):
            d = kv(l)
            c = res["state"].setdefault(
                f"{d['stateclass']}@{d['vl']}",
                {"reps": [], "class": d["stateclass"], "vl": int(d["vl"])})
            if "skipped" in d:
                c["skipped"] = d["skipped"]
                continue
            c["calls"], c["bytes"] = int(d["calls"]), int(d["bytes"])
            c["reps"].append({"ns": int(d["ns"]), "iters": int(d["iters"])})
        elif l.startswith("BENCH sr="):
            d = kv(l)
            res["sr"].append({"kind": d["sr"], "vl": int(d["vl"]),
                              "save": float(d["save"]),
                              "restore": float(d["restore"]),
                              "loop": float(d["loop"])})
        elif l.startswith("BENCH info"):
            res["info"] = kv(l)
        elif l == "BENCH end":
            res["end"] = True
        elif l.startswith(BENCH_RC + " "):
            res["rc"] = int(l.split()[1])
        elif l.startswith("# kernel: "):
            res["kernel"] = l[len("# kernel: "):]
        elif "==== Test Assertion Failure ====" in l or l.startswith("  "):
            if res["rc"] is None and "Assertion" in l:
                res["errors"].append(l.strip())
        m = KVM_MODE.search(l)
        if m:
            res["kvm_mode"] = MODE_NAMES[m.group(1)]
        if SPLAT.search(l):
            res["splats"].append(l.strip())
    return res, lines


def check(run):
    res, lines = parse(run)
    with open(os.path.join(run, "bench.json"), "w") as f:
        json.dump(res, f, indent=1)
    n = sum(1 for c in res["classes"].values() if c["reps"])
    n += sum(1 for c in res["sme"].values() if c["reps"])
    n += sum(1 for c in res["state"].values() if c["reps"])
    print(f"{os.path.basename(run)}: {n} classes, {len(res['sr'])} save/restore "
          f"rows, kvm mode {res['kvm_mode']}, rc {res['rc']}, "
          f"{len(res['splats'])} splats")
    if res["rc"] != 0 or not res["end"]:
        print("error: fp_bench failed or did not finish; last lines:")
        for l in lines[-40:]:
            print("  | " + l)
        return 1
    return 0


def per_iter(c):
    """Minimum and spread of ns per iteration over the repetitions."""
    v = [r["ns"] / r["iters"] for r in c["reps"]]
    lo = min(v)
    return lo, (max(v) - lo) / lo if lo else 0.0


def stat_per_iter(c, name):
    vals = [r["stats"][name] for r in c["reps"]]
    if any(v is None for v in vals) or not vals:
        return None
    best = min(range(len(c["reps"])),
               key=lambda i: c["reps"][i]["ns"] / c["reps"][i]["iters"])
    return vals[best] / c["reps"][best]["iters"]


def fmt(v, width=9, prec=0):
    return f"{v:{width}.{prec}f}" if v is not None else f"{'-':>{width}}"


def in_guest(c):
    """A class whose ZA is the guest's (za=guest, za=guestsm)."""
    return c["za"].startswith("guest")


def sme_row(c, val, *stats):
    """An SME class c's exit kind, its minimum ns per iteration and their
    spread, ours' ns per iteration of the same class without ZA (val:
    (exit, work) -> (stock, ours)), and each of STATS per iteration."""
    x, w = c["class"].split("/")
    zv, spread = per_iter(c)
    base = val.get((x, w), (None, None))[1]
    return (x, zv, spread, base, *(stat_per_iter(c, s) for s in stats))


def guest_za_report(mode, o, val, targets):
    """Ours' classes with PSTATE.ZA (and SM) set in the guest, against the
    same class without, and their ZA transfers against GUEST_ZA_BOUND."""
    rows = sorted((c for c in o.get("sme", {}).values()
                   if in_guest(c) and c["reps"]),
                  key=lambda c: (c["za"], c["class"], c["svl"]))
    if not rows:
        return
    print(f"\n== {mode.upper()}, SME guests (ours only): the guest has "
          f"PSTATE.ZA set (guestsm: and PSTATE.SM) ==")
    print(f"{'class':16} {'guest':>7} {'SVL':>4} {'ours':>9} {'with ZA':>9} "
          f"{'+instr':>8}  za_load/it za_save/it guest_load/it  least")
    for c in rows:
        x, zv, _, base, zl, zs, gl = sme_row(
            c, val, "fp_guest_za_load", "fp_guest_za_save", "fp_guest_load")
        want = GUEST_ZA_BOUND[x]
        print(f"{c['class']:16} {c['za']:>7} {c['svl']:4} {fmt(base)} "
              f"{zv:9.0f} {fmt(None if base is None else zv - base, 8)}  "
              f"{fmt(zl, 10, 3)} {fmt(zs, 10, 3)} {fmt(gl, 13, 3)}  "
              f"{want[0]}/{want[1]}")
        good = (zl is not None and zs is not None and
                want[0] <= zl <= want[0] + GUEST_ZA_SLACK and
                want[1] <= zs <= want[1] + GUEST_ZA_SLACK)
        targets.append((mode, f"guest ZA {c['class']} {c['za']} SVL "
                        f"{c['svl']}: ZA load/save per iteration at the "
                        f"least {want[0]}/{want[1]}", good,
                        f"{fmt(zl, 0, 3).strip()}/{fmt(zs, 0, 3).strip()}"))


def sme_report(mode, o, val):
    """Ours' classes with ZA live in a host thread, against the same class
    without (val: (exit, work) -> (stock, ours) per iteration)."""
    if all(in_guest(c) for c in o.get("sme", {}).values()):
        return
    print(f"\n== {mode.upper()}, SME (ours only: the base has SME off): "
          f"a host thread with PSTATE.ZA set ==")
    print(f"{'class':16} {'ZA in':>6} {'SVL':>4} {'ZA B':>6} {'ours':>9} "
          f"{'with ZA':>9} {'+instr':>8} {'ratio':>6} {'spread':>7}  "
          f"sme_flush/it za_save/it host_save/it")
    for key, c in sorted(o["sme"].items(),
                         key=lambda kv_: (kv_[1]["class"], kv_[1]["za"],
                                          kv_[1]["svl"])):
        if not c["reps"] or in_guest(c):
            continue
        _, zv, zs, base, flush, zsave, hsave = sme_row(
            c, val, "fp_host_sme_flush", "fp_host_za_save", "fp_host_save")
        print(f"{c['class']:16} {c['za']:>6} {c['svl']:4} "
              f"{c['svl'] * c['svl']:6} {fmt(base)} {zv:9.0f} "
              f"{fmt(None if base is None else zv - base, 8)} "
              f"{fmt(None if base is None else zv / base, 6, 3)} "
              f"{zs * 100:6.2f}%  {fmt(flush, 12, 2)} {fmt(zsave, 10, 2)} "
              f"{fmt(hsave, 12, 2)}")


def vl_name(vl):
    return str(vl) if vl else "none"


def state_report(mode, s, o, targets, rows):
    """The whole-state classes of both kernels: per pair and vector length
    (vl 0: a vCPU without SVE), instructions per round through ONE_REG and
    through the one ioctl, and ours' ratio; the target at the largest VL.
    Return False when a measurement is missing (stock's ioctl class is n/a,
    not missing)."""
    ok = True
    have = {"stock": s.get("state", {}), "ours": o.get("state", {})}
    every = [c for st in have.values() for c in st.values()]
    vls = sorted({c["vl"] for c in every}, key=lambda v: (v == 0, v))
    reps = sorted({len(c["reps"]) for c in every if c["reps"]})
    rounds = sorted({r["iters"] for c in every for r in c["reps"]})
    print(f"\n== {mode.upper()}: a vCPU's whole FP state, GET then SET, "
          f"instructions per round, min of {'/'.join(map(str, reps)) or '?'}"
          f" reps x {'/'.join(map(str, rounds)) or '?'} rounds ==")
    if not vls:
        print("state classes MISSING")
        return False
    print(f"{'pair':9} {'VL':>4} {'calls':>5} {'1reg B':>6} {'image':>6} "
          f"{'stock 1reg':>10} {'ours 1reg':>10} {'o/s':>6} "
          f"{'stock ioctl':>11} {'ours ioctl':>10} {'1reg/ioctl':>10}")
    sve = [v for v in vls if v]
    top = max(sve) if sve else 0
    for label, onereg, ioctl in STATE_PAIRS:
        for vl in vls:
            # (variant, via) -> instructions per round, "n/a" or None
            val, calls, size = {}, 0, {}
            for variant, st in have.items():
                for via, cls in (("onereg", onereg), ("ioctl", ioctl)):
                    c = st.get(f"{cls}@{vl}")
                    val[variant, via] = None
                    if c and c["reps"]:
                        val[variant, via] = per_iter(c)[0]
                        size[via] = c["bytes"]
                        if via == "onereg":
                            calls = c["calls"]
                    elif c and variant == "stock" and via == "ioctl":
                        val[variant, via] = "n/a"
                    else:
                        why = c.get("skipped", "no repetition") if c else \
                            "not run"
                        print(f"{label:9} {vl_name(vl):>4} MISSING: {variant} "
                              f"{cls} ({why})")
                        ok = False
            so, oo, oi = (val["stock", "onereg"], val["ours", "onereg"],
                          val["ours", "ioctl"])
            ratio = oo / oi if oo is not None and oi else None
            print(f"{label:9} {vl_name(vl):>4} {calls:5} "
                  f"{size.get('onereg', 0):6} {size.get('ioctl', 0):6} "
                  f"{fmt(so, 10)} {fmt(oo, 10)} "
                  f"{fmt(oo / so if so and oo is not None else None, 6, 3)} "
                  f"{val['stock', 'ioctl'] or '-':>11} {fmt(oi, 10)} "
                  f"{fmt(ratio, 10, 1)}")
            rows.append({"mode": mode, "pair": label, "vl": vl,
                         "onereg_calls": calls,
                         "onereg_bytes": size.get("onereg"),
                         "image_bytes": size.get("ioctl"),
                         **{f"{v}_{w}": (x if x is None or isinstance(x, str)
                                         else round(x, 1))
                            for (v, w), x in val.items()},
                         "ours_onereg_per_ioctl":
                             None if ratio is None else round(ratio, 3)})
            if vl == top:
                targets.append((
                    mode, f"whole FP state {label} at the largest VL "
                    f"({vl_name(vl)}): one ioctl >= {STATE_TARGET:g}x cheaper "
                    f"than ONE_REG", ratio is not None and ratio >= STATE_TARGET,
                    "no measurement" if ratio is None else
                    f"{oo:.0f} vs {oi:.0f}, {ratio:.1f}x"))
    return ok


def report(outdir, modes):
    ok = True
    runs = {}
    for mode in modes:
        for variant in ("stock", "ours"):
            d = os.path.join(outdir, f"{variant}-{mode}")
            try:
                with open(os.path.join(d, "bench.json")) as f:
                    runs[variant, mode] = json.load(f)
            except OSError:
                print(f"FAIL: no {variant} {mode} run in {d}")
                ok = False
    rows, targets, sr_rows, state_rows = [], [], [], []
    for mode in modes:
        s, o = runs.get(("stock", mode)), runs.get(("ours", mode))
        if not s or not o:
            continue
        for variant, r in (("stock", s), ("ours", o)):
            if r.get("kvm_mode") != mode:
                print(f"FAIL: {variant} asked for KVM mode {mode}, "
                      f"got {r.get('kvm_mode')}")
                ok = False
            if r.get("rc") != 0 or not r.get("end"):
                print(f"FAIL: {variant} {mode}: fp_bench did not finish")
                ok = False
            for sp in r.get("splats", []):
                print(f"  note: {variant} {mode} splat: {sp}")
        info = s.get("info", {})
        print(f"\n== {mode.upper()}: ns per iteration (= instructions), min of "
              f"{info.get('reps', '?')} reps x {info.get('iters', '?')} "
              f"iterations, WFI timer {info.get('wfi_us', '?')} us ==")
        print(f"{'class':16} {'stock':>9} {'ours':>9} {'o/s':>6} "
              f"{'d.stock':>9} {'d.ours':>9} {'d o/s':>6} {'spread':>7} "
              f"{'csw/it':>6}  stats/it (ours)")
        val = {}
        for x in EXITS:
            for w in WORKS:
                cls = f"{x}/{w}"
                cs, co = s["classes"].get(cls), o["classes"].get(cls)
                if not cs or not co or not cs["reps"] or not co["reps"]:
                    print(f"{cls:16} MISSING")
                    ok = False
                    continue
                (sv, ss), (ov, os_) = per_iter(cs), per_iter(co)
                val[x, w] = (sv, ov)
                ds = dn = dr = None
                if w != "none" and (x, "none") in val:
                    ds = sv - val[x, "none"][0]
                    dn = ov - val[x, "none"][1]
                    dr = dn / ds if ds > 0 else None
                best = min(co["reps"], key=lambda r: r["ns"] / r["iters"])
                csw = (best["vcsw"] + best["ivcsw"]) / best["iters"]
                st = {n: stat_per_iter(co, n) for n in STATS}
                if all(v is None for v in st.values()):
                    stxt = "n/a (stats not present)"
                else:
                    stxt = " ".join(f"{n[3:]}={fmt(v, 0, 2).strip()}"
                                    for n, v in st.items())
                spread = max(ss, os_)
                print(f"{cls:16} {sv:9.0f} {ov:9.0f} {ov / sv:6.3f} "
                      f"{fmt(ds)} {fmt(dn)} {fmt(dr, 6, 2)} "
                      f"{spread * 100:6.2f}% {csw:6.2f}  {stxt}")
                rows.append({"mode": mode, "class": cls, "exit": x, "work": w,
                             "stock": round(sv, 1), "ours": round(ov, 1),
                             "ratio": round(ov / sv, 4),
                             "stock_spread_pct": round(ss * 100, 3),
                             "ours_spread_pct": round(os_ * 100, 3),
                             "stock_delta": None if ds is None else round(ds, 1),
                             "ours_delta": None if dn is None else round(dn, 1),
                             "csw_per_iter": round(csw, 3),
                             **{n: ("n/a" if v is None else round(v, 3))
                                for n, v in st.items()}})
        # Targets (ours vs stock, this run).
        worst = max((ov / sv, f"{x}/{w}") for (x, w), (sv, ov) in val.items()) \
            if val else (None, None)
        if worst[0] is not None:
            targets.append((mode, "every class ours/stock <= 1.00",
                            worst[0] <= 1.0, f"worst {worst[1]} {worst[0]:.3f}"))
        if ("user", "none") in val:
            sv, ov = val["user", "none"]
            targets.append((mode, "user/none: ours < stock", ov < sv,
                            f"{ov:.0f} vs {sv:.0f}"))
        for x, limit, label in (("hvc", 0.5, "in-kernel (hvc)"),
                                ("wfi", 0.2, "WFI sleep/wake")):
            for w in WORKS[1:]:
                if (x, w) not in val or (x, "none") not in val:
                    continue
                ds = val[x, w][0] - val[x, "none"][0]
                dn = val[x, w][1] - val[x, "none"][1]
                good = dn <= limit * ds if ds > 0 else dn <= 0
                targets.append((mode, f"{label} {w} delta <= {limit}x stock",
                                good, f"{dn:.0f} vs {ds:.0f}"))
        sme_report(mode, o, val)
        guest_za_report(mode, o, val, targets)
        ok &= state_report(mode, s, o, targets, state_rows)
        for variant, r in (("stock", s), ("ours", o)):
            for e in r.get("sr", []):
                sr_rows.append({"mode": mode, "variant": variant, **e})

    if sr_rows:
        print("\n== save/restore of one register file in L1 userspace "
              "(instructions per save / per restore, loop overhead removed) ==")
        seen = {}
        for e in sr_rows:
            seen.setdefault((e["kind"], e["vl"]), []).append(e)
        for (kind, vl), es in sorted(seen.items(), key=lambda k: (k[0][0] != "fpsimd", k[0][1])):
            sv = min(e["save"] for e in es)
            rv = min(e["restore"] for e in es)
            sx = max(e["save"] for e in es)
            rx = max(e["restore"] for e in es)
            print(f"  {kind:6} VL {vl:3} bytes: save {sv:6.1f} (max {sx:6.1f}) "
                  f"restore {rv:6.1f} (max {rx:6.1f}) over {len(es)} runs")

    print("\n== targets (same run: ours vs stock, and ours' whole-state ioctl vs "
          "ONE_REG; reported, not enforced yet) ==")
    for mode, what, good, detail in targets:
        print(f"  {'PASS' if good else 'FAIL'}  {mode:4} {what}: {detail}")

    if rows:
        with open(os.path.join(outdir, "bench.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        plot(outdir, rows, modes)
    if sr_rows:
        with open(os.path.join(outdir, "sr.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(sr_rows[0]))
            w.writeheader()
            w.writerows(sr_rows)
    if state_rows:
        with open(os.path.join(outdir, "state.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(state_rows[0]))
            w.writeheader()
            w.writerows(state_rows)
    print(f"\nfiles: {outdir}/bench.csv {outdir}/sr.csv {outdir}/state.csv "
          f"{outdir}/bench.png")
    print("BENCH: " + ("COMPLETE" if ok else "INCOMPLETE"))
    return 0 if ok else 1


def plot(outdir, rows, modes):
    """Per mode: stock and ours per class (log scale), and the FP deltas."""
    gp = [f"set terminal pngcairo size 1600,{440 * len(modes)} font ',9'",
          f"set output '{outdir}/bench.png'",
          f"set multiplot layout {len(modes)},2",
          "set style data histograms", "set style histogram clustered gap 1",
          "set style fill solid 0.8 border -1", "set boxwidth 0.9",
          "set xtics rotate by -45 scale 0 noenhanced", "set grid ytics",
          "set key top left noenhanced"]
    for mode in modes:
        dat = os.path.join(outdir, f"plot-{mode}.dat")
        ddat = os.path.join(outdir, f"plot-{mode}-delta.dat")
        with open(dat, "w") as f, open(ddat, "w") as g:
            for r in rows:
                if r["mode"] != mode:
                    continue
                f.write(f"{r['class']} {r['stock']} {r['ours']}\n")
                if r["stock_delta"] is not None:
                    g.write(f"{r['class']} {r['stock_delta']} {r['ours_delta']}\n")
        gp += ["set logscale y", "set yrange [1000:*]",
               "set ylabel 'instructions per iteration'",
               f"set title '{mode.upper()}: fp_bench per iteration, QEMU -icount "
               f"shift=0 (lower is better)' noenhanced",
               f"plot '{dat}' using 2:xtic(1) title 'stock', '' using 3 title 'ours'",
               "unset logscale y", "set yrange [*<0:*]",
               "set ylabel 'instructions over the none class'",
               f"set title '{mode.upper()}: FP work delta over none, same exit' "
               f"noenhanced",
               f"plot '{ddat}' using 2:xtic(1) title 'stock', '' using 3 title 'ours'"]
    gp.append("unset multiplot")
    try:
        subprocess.run(["gnuplot"], input="\n".join(gp) + "\n", text=True,
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"warning: gnuplot failed: {getattr(e, 'stderr', e)}")


DOC = "Documentation/virt/kvm/fp-lazy-switching.rst"
DOC_BEGIN = ".. model-table-begin: make model-check keeps it equal to the model"
DOC_END = ".. model-table-end"


def expand(rec):
    """The windows (events up to and including an exit) of a record."""
    out = []
    for item in rec.split(","):
        w, _, n = item.partition("*")
        out += [w] * (int(n) if n else 1)
    return "".join(out).replace("x", "x\n").split("\n")


def disturbances(rec, plain):
    """Where a record differs from the undisturbed one, by iteration."""
    a, b = expand(rec), expand(plain)
    diff = [(i, w, b[i] if i < len(b) else "") for i, w in enumerate(a)
            if i >= len(b) or w != b[i]]
    return diff + [(i, "", b[i]) for i in range(len(a), len(b))]


def run_trace(trace, info, cls, rec=None):
    """The model's "ours" counters for one class, or its error message.

    A vmmfp class is the user class to the model: the VMM's own FP use
    between KVM_RUNs moves nothing while kvm.fp_vmm_defer is off (make
    bench runs without it).
    """
    if cls.startswith("vmmfp/"):
        cls = "user/" + cls.split("/", 1)[1]
    args = [trace, "-c", "-i", info["iters"], "-w", info["warm"]]
    if rec is not None:
        args += ["-e", rec]
    p = subprocess.run(args + [cls], capture_output=True, text=True)
    if p.returncode:
        return None, (p.stderr.strip() or f"exit {p.returncode}")
    for line in p.stdout.splitlines():
        c, pol, *kvs = line.split()
        if c == cls and pol == "ours":
            return {k: int(v) for k, v in (x.split("=") for x in kvs)}, None
    return None, "no prediction for ours"


def model_check(outdir, trace, modes, root):
    """The trace model's predictions for "ours" against the bench counters.

    A repetition fp_bench traced (-T) is compared with the model replaying
    the events recorded for it (trace -e): where the thread was switched
    out, whether its vCPU was loaded then, what ran meanwhile. The record
    must account for every context switch getrusage counted, and the
    counters must equal the replay's whatever the disturbance. A timed
    repetition is compared with the undisturbed model when its context
    switches are the class's own (say none for user, one sleep per
    iteration for wfi); one that had more is not compared, as nothing says
    where they happened. Every class must have a repetition compared, and
    any compared one that differs fails. The per-iteration table of all
    four policies goes to OUTDIR/model.txt and must match the copy in the
    documentation.
    """
    bad = 0
    for mode in modes:
        path = os.path.join(outdir, f"ours-{mode}", "bench.json")
        if not os.path.exists(path):
            print(f"error: no bench results in {path} (run: make bench)")
            return 1
        with open(path) as f:
            res = json.load(f)
        info = res.get("info", {})
        for cls, c in res["classes"].items():
            reps = [(f"repetition {i + 1}", r) for i, r in enumerate(c["reps"])]
            reps += [(f"traced repetition {i + 1}", r)
                     for i, r in enumerate(c.get("traced", []))]
            if not reps:
                continue
            plain, err = run_trace(trace, info, cls)
            if err:
                print(f"FAIL {mode:4} {cls:14} the model: {err}")
                bad += 1
                continue
            compared, skipped, notes = [], [], []
            plain_rec = None
            bad0 = bad
            for name, r in reps:
                got = r["stats"]
                if any(v is None for v in got.values()):
                    print(f"error: {mode} {cls}: no KVM stats (not our kernel?)")
                    return 1
                csw = r["vcsw"] + r["ivcsw"]
                if "rec" in r:
                    pred, err = run_trace(trace, info, cls, r["rec"])
                    if err:
                        print(f"FAIL {mode:4} {cls:14} {name}: its record "
                              f"cannot be replayed: {err}")
                        bad += 1
                        continue
                    if pred["switches"] < csw:
                        print(f"FAIL {mode:4} {cls:14} {name}: the record has "
                              f"{pred['switches']} context switches, getrusage "
                              f"counted {csw}: events were lost")
                        bad += 1
                        continue
                    if plain_rec is None:
                        plain_rec = subprocess.run(
                            [trace, "-p", "-i", info["iters"], "-w",
                             info["warm"], cls.replace("vmmfp/", "user/")],
                            capture_output=True,
                            text=True, check=True).stdout.strip()
                    for i, w, want in disturbances(r["rec"], plain_rec)[:4]:
                        notes.append(f"{name}, iteration {i}: recorded "
                                     f"'{w}', undisturbed '{want}'")
                elif csw != plain["switches"]:
                    skipped.append(f"{name} ({r['vcsw']} voluntary and "
                                   f"{r['ivcsw']} involuntary switches, the "
                                   f"class has {plain['switches']})")
                    continue
                else:
                    pred = plain
                ok = all(got[k] == pred[k] for k in STATS)
                compared.append(name)
                if not ok:
                    bad += 1
                    print(f"FAIL {mode:4} {cls:14} {name}: "
                          + " ".join(f"{k[3:]}={got[k]}" for k in STATS)
                          + "   model: " + " ".join(
                              f"{k[3:]}={pred[k]}" for k in STATS)
                          + ("   (replaying its record)" if "rec" in r
                             else ""))
            if not compared:
                print(f"FAIL {mode:4} {cls:14} no repetition could be "
                      f"compared: " + "; ".join(skipped))
                bad += 1
                continue
            print(f"{'ok  ' if bad == bad0 else '    '} {mode:4} {cls:14} "
                  + " ".join(f"{k[3:]}={plain[k]}" for k in STATS)
                  + f" undisturbed; compared: {', '.join(compared)}")
            for n in notes:
                print(f"     {mode:4} {cls:14} {n}")
            for n in skipped:
                print(f"     {mode:4} {cls:14} not compared: {n}")
    table = subprocess.run([trace], capture_output=True, text=True,
                           check=True).stdout
    with open(os.path.join(outdir, "model.txt"), "w") as f:
        f.write(table)
    with open(os.path.join(root, DOC)) as f:
        doc = f.read()
    want = "\n".join("   " + l if l else "" for l in table.splitlines())
    if DOC_BEGIN not in doc or DOC_END not in doc:
        print(f"FAIL {DOC} has no model table markers")
        bad += 1
    else:
        got = doc.split(DOC_BEGIN, 1)[1].split(DOC_END, 1)[0]
        block = got.split("::", 1)[1] if "::" in got else ""
        if block.strip("\n") != want.strip("\n"):
            print(f"FAIL {DOC}: the model table differs from the model's "
                  f"output ({os.path.join(outdir, 'model.txt')})")
            bad += 1
        else:
            print(f"ok   {DOC}: the model table is the model's output")
    print(f"model-check: {'PASS' if not bad else f'{bad} mismatches'}")
    return 1 if bad else 0


def main(argv):
    if len(argv) == 2 and argv[0] == "check":
        return check(argv[1])
    if len(argv) >= 5 and argv[0] == "model-check":
        return model_check(argv[1], argv[2], argv[4:], argv[3])
    if len(argv) >= 3 and argv[0] == "report":
        return report(argv[1], argv[2:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
