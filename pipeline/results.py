#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse guest serial logs and report on them.

  results.py parse RUNDIR VARIANT MODE
      read RUNDIR/serial.log, write RUNDIR/results.json and one output file
      per test under RUNDIR/out/, print a one-line summary.
  results.py report [--parity] RUNDIR... [--confirm RUNDIR...]
      print the report of the given runs. With --parity, runs are paired
      ours/stock by mode: a test that passes (or skips) on stock and fails
      on ours fails the report; failures on stock are listed as measured.
      Exit 1 on failure.
  results.py suspects RUNDIR... [--confirm RUNDIR...]
      print "MODE TEST MACHINE BUILD" for each test that is still a
      regression candidate (MACHINE as lib.sh names it; BUILD "debug" for
      ours' debug build, held against the normal stock kernel, or "normal"):
      it failed (or could not run) on ours in every attempt so far, passed
      or skipped on stock in every attempt in which stock ran it in that
      mode, and stock failed it in no mode of this run. The pipeline runs
      exactly those again on both kernels, up to CONFIRM_ATTEMPTS times
      (the --confirm runs; a test of the nested stage reruns that stage).
      A difference that does not repeat in every attempt, or a test that
      stock also fails somewhere in this run, is reported as flaky with
      every attempt's result; one that repeats fails the report, and so
      does one that ours failed in every attempt while stock never ran it.

A run whose kernel crashed or hung for good (a stage fault: run.sh and
nested.sh exit 2) has "complete": false and its "fault"; the test it was
in has failed, and each test it was expected to report (the EXPECTED file,
one name a line) and did not is "notrun". On stock that is no result
either way; on ours it counts as a failure, confirmed like one.
"""
import json
import os
import re
import sys

# The console's format has one owner.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from console import (ALIVE_LINE, BEGIN, BOOT, BOOT_FAULT, DMESG_BEGIN,  # noqa: E402
                     DMESG_END, END, KVM_MODE, MODE_NAMES, SPLAT, STALL, START)

TOTALS_FAILED = re.compile(r"^# Totals: pass:\d+ fail:[1-9]")
TEST_LINE = re.compile(r"^    (not ok|ok) (\d+) (\S+)(?: # (.*))?$")


def parse(run, variant, mode):
    with open(os.path.join(run, "serial.log"), errors="replace") as f:
        text = f.read()
    # The runner's heartbeat is printed by the kernel, so it may land in
    # the middle of a line of test output: take it out, whole lines back.
    text = ALIVE_LINE.sub("", text)
    lines = [l.rstrip("\r") for l in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    res = {"variant": variant, "mode": mode, "debug": bool(os.environ.get("DEBUG")),
           "stage": os.environ.get("RESULTS_STAGE", ""),
           "complete": END in lines, "kernel": None, "kvm_mode": None,
           "sve_vls": None, "tests": {}, "splats": [],
           "qemu": os.environ.get("QEMU_VERSION"),
           # lib.sh's MACHINE; "" is the default one (sve).
           "machine": "" if os.environ.get("MACHINE", "") in ("", "sve")
           else os.environ["MACHINE"]}
    try:
        with open(os.path.join(os.path.dirname(os.path.dirname(run)),
                               "base-version")) as f:
            res["base"] = f.read().strip()
    except OSError:
        res["base"] = None
    outdir = os.path.join(run, "out")
    os.makedirs(outdir, exist_ok=True)

    def record(name, result, directive, out):
        res["tests"][name] = {"result": result, "directive": directive}
        with open(os.path.join(outdir, name.replace("/", "__") + ".txt"),
                  "w") as f:
            f.write("\n".join(out) + "\n")

    # run.sh boots again after a test that left the kernel stuck: each
    # boot's console opens with "FPTEST-BOOT N" (a log without it is one).
    suite, buf = None, []
    in_dmesg = False
    boots = [{"lines": [], "dmesg": [], "stuck": None}]
    started = None
    faults = []
    for l in lines:
        if l.startswith(BOOT_FAULT + " "):
            # run.sh: this boot did not reach its end, and why.
            why = l[len(BOOT_FAULT) + 1:]
            faults.append(why)
            if started:
                boots[-1]["stuck"] = started
                what = ("STUCK" if why.startswith("stuck") else "CRASHED")
                record(started, "fail", f"{what} ({why}; the run's boot*/ "
                       "has the console and any CPU samples)", buf)
                started, buf = None, []
            continue
        if l.startswith(BOOT + " "):
            if boots[-1]["lines"]:
                boots.append({"lines": [], "dmesg": [], "stuck": None})
            continue
        boot = boots[-1]
        if l == DMESG_BEGIN:
            in_dmesg = True
            continue
        if l == DMESG_END:
            in_dmesg = False
            continue
        if in_dmesg:
            boot["dmesg"].append(l)
            continue
        boot["lines"].append(l)
        if l == BEGIN and started:
            # The previous boot never finished this test: it was stuck.
            boots[-2]["stuck"] = started
            record(started, "fail", "STUCK (the kernel stalled; CPU samples "
                   "in the run's boot*/stall.txt)", buf)
            started, buf = None, []
        if l.startswith(START):
            started = l[len(START):]
        if l.startswith("# kernel: "):
            res["kernel"] = l[len("# kernel: "):]
        elif l.startswith("# sve_vls:"):
            res["sve_vls"] = [int(v) for v in l.split(":", 1)[1].split()]
        elif l.startswith("    # Subtest: "):
            suite, buf = l[len("    # Subtest: "):], []
        elif l.startswith("    # "):
            buf.append(l[6:])
        elif l == "    #":
            buf.append("")
        else:
            m = TEST_LINE.match(l)
            if m and suite:
                directive = m.group(4) or ""
                if m.group(1) == "not ok":
                    result = "fail"
                elif directive.startswith("SKIP"):
                    result = "skip"
                else:
                    result = "ok"
                # Some tests (arm64/fp's fp-stress) report failed subtests
                # in their KTAP totals but exit 0: the totals count.
                bad = [t for t in buf if TOTALS_FAILED.match(t)]
                if result == "ok" and bad:
                    result = "fail"
                    directive = f"exit 0 with {bad[-1]}"
                record(f"{suite}/{m.group(3)}", result, directive, buf)
                buf, started = [], None

    # Each boot's splats: from its dmesg dump, or without one (a panic, a
    # hang) from its whole console. The stall reports of a boot that was
    # stuck are that test's failure, judged like any other by the report.
    for boot in boots:
        current = None
        for l in (boot["dmesg"] if boot["dmesg"] else boot["lines"]):
            m = re.search(r"# start (\S+)", l)
            if m:
                current = m.group(1)
            if SPLAT.search(l) and not l.lstrip().startswith("#"):
                if current and current == boot["stuck"] and STALL.search(l):
                    continue
                res["splats"].append({"test": current, "line": l.strip()})
            m = KVM_MODE.search(l)
            if m:
                res["kvm_mode"] = MODE_NAMES[m.group(1)]

    # A run that did not finish is a stage fault: the tests it should have
    # reported (EXPECTED, one name a line) and did not are "not run".
    if not res["complete"]:
        res["fault"] = (faults[-1] if faults
                        else "the console ended before the run's end")
        try:
            with open(os.environ.get("EXPECTED", "")) as f:
                expected = [n.strip() for n in f if n.strip()]
        except OSError:
            expected = []
        for name in expected:
            if name not in res["tests"]:
                record(name, "notrun", f"NOT RUN ({res['fault']})", [])
    with open(os.path.join(run, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    counts = tally(res)
    print(f"{variant} {mode}: {counts['ok']} ok, {counts['fail']} failed, "
          f"{counts['skip']} skipped, {counts['notrun']} not run, kvm mode "
          f"{res['kvm_mode']}, {len(res['splats'])} splats, "
          f"{'complete' if res['complete'] else 'INCOMPLETE'}")
    if not res["complete"]:
        print(f"{variant} {mode}: the run did not finish ({res['fault']}); "
              "last lines of the log:")
        for l in lines[-40:]:
            print("  | " + l)
    return 0


def tally(res, suite=None):
    c = {"ok": 0, "fail": 0, "skip": 0, "notrun": 0}
    for name, t in res["tests"].items():
        if suite is None or name.startswith(suite + "/"):
            c[t["result"]] += 1
    return c


def load(run):
    with open(os.path.join(run, "results.json")) as f:
        res = json.load(f)
    res["dir"] = run
    return res


def tail_of(res, name, n=30):
    path = os.path.join(res["dir"], "out", name.replace("/", "__") + ".txt")
    try:
        with open(path) as f:
            out = f.read().splitlines()
    except OSError:
        return ["(no output recorded)"]
    return out[-n:]


def label_of(res):
    stage = res.get("stage")
    machine = res.get("machine")
    return ((stage + " " if stage else "") + res["variant"]
            + ("-debug" if res.get("debug") else "")
            + (" on " + machine if machine else ""))


def describe(res):
    label = label_of(res)
    vls = " ".join(str(v) for v in res.get("sve_vls") or []) or "none"
    print(f"{label} / {res['mode']}: kernel {res.get('kernel')}, KVM mode "
          f"{res.get('kvm_mode')}, SVE VLs (bytes) {vls}"
          + (f", {res['qemu']}" if res.get("qemu") else ""))
    suites = sorted({n.split('/')[0] for n in res["tests"]})
    for s in suites:
        c = tally(res, s)
        print(f"    {s:8} {c['ok']:3} ok {c['fail']:3} failed {c['skip']:3} skipped"
              + (f" {c['notrun']:3} not run" if c["notrun"] else ""))


FAILED = ("fail", "notrun")
PASSED = ("ok", "skip")


def regressions(o, s):
    """Tests that fail (or never ran) on ours and do not fail on stock in
    the same mode: they pass or skip there, or stock never ran them."""
    out = []
    for name, t in sorted(o["tests"].items()):
        st = s["tests"].get(name, {}).get("result") if s else None
        if t["result"] in FAILED and st != "fail":
            out.append(name)
    return out


def pair_key(r):
    return (r["mode"], r.get("debug"), r.get("stage", ""), r.get("machine", ""))


def same_config(r, o):
    """Whether run R compares with ours' run O: the same machine, and the
    same kernel build; a debug build of ours also compares with the normal
    stock kernel (make check builds no debug stock kernel)."""
    debug = (r.get("debug") == o.get("debug")
             or (r["variant"] == "stock" and o.get("debug") and not r.get("debug")))
    return debug and r.get("machine", "") == o.get("machine", "")


def stock_pair(stocks, o):
    """The stock run O's results are held against: same key, or for a
    debug build of ours the normal stock run with that key."""
    s = stocks.get(pair_key(o))
    if s is None and o.get("debug"):
        s = stocks.get(pair_key(dict(o, debug=False)))
    return s


def attempts(results, variant, o, name):
    """Results of NAME on VARIANT in O's mode and configuration, in run
    order."""
    return [r["tests"][name]["result"] for r in results
            if r["variant"] == variant and r["mode"] == o["mode"]
            and same_config(r, o) and name in r["tests"]]


def evidence(results, confirm, o, name):
    """(verdict, ours attempts, stock attempts, stock failing modes).

    The verdict is "regression" when the test failed or could not run on
    ours in every attempt and passed or skipped on stock in every attempt
    in which stock ran it (at least one), and stock failed it in no mode;
    "unjudged" when ours failed it in every attempt and stock never ran
    it (a stock fault each time): no evidence of parity, so it fails too;
    None while it is not (yet) either, or when it does not repeat."""
    runs = results + confirm
    ours = attempts(runs, "ours", o, name)
    stock = attempts(runs, "stock", o, name)
    ran = [a for a in stock if a != "notrun"]
    elsewhere = sorted({r["mode"] for r in runs
                        if r["variant"] == "stock" and same_config(r, o)
                        and r["tests"].get(name, {}).get("result") == "fail"})
    every = bool(ours) and all(a in FAILED for a in ours)
    if not every or elsewhere or not all(a in PASSED for a in ran):
        verdict = None
    else:
        verdict = "regression" if ran else "unjudged"
    return verdict, ours, stock, elsewhere


def suspects(runs, confirm_runs=()):
    results = [load(r) for r in runs]
    confirm = [load(r) for r in confirm_runs]
    stock = {pair_key(r): r for r in results if r["variant"] == "stock"}
    for o in results:
        s = stock_pair(stock, o)
        if o["variant"] != "ours" or s is None:
            continue
        for name in regressions(o, s):
            if evidence(results, confirm, o, name)[0]:
                print(f"{o['mode']} {name} {o.get('machine') or 'sve'}"
                      f" {'debug' if o.get('debug') else 'normal'}")
    return 0


def report(runs, parity, confirm_runs=()):
    ok = True
    results = [load(r) for r in runs]
    confirm = [load(r) for r in confirm_runs]
    base = next((r.get("base") for r in results if r.get("base")), None)
    print(f"base: {base}")
    for res in results:
        describe(res)
        label = f"{label_of(res)} / {res['mode']}"
        if not res["complete"]:
            # A stage fault: what it never ran is judged test by test
            # below, against stock for ours, listed for stock.
            whose = "ours" if res["variant"] == "ours" else "a stock failure, not ours"
            print(f"  fault: {label}: the run did not finish ({whose}): "
                  f"{res.get('fault') or 'no reason recorded'}")
            if res["variant"] == "ours" and not res["tests"]:
                print(f"  FAIL: {label}: the run did not finish and recorded no test")
                ok = False
        mismatch = res["kvm_mode"] != res["mode"]
        if mismatch and (res["kvm_mode"] or res["complete"]):
            print(f"  FAIL: {label}: asked for KVM mode {res['mode']}, got {res['kvm_mode']}")
            ok = False

    ours = [r for r in results if r["variant"] == "ours"]
    stock = {pair_key(r): r for r in results if r["variant"] == "stock"}
    for o in ours:
        label = f"{label_of(o)} / {o['mode']}"
        for s in o["splats"]:
            print(f"  FAIL: {label}: kernel splat during {s['test']}: {s['line']}")
            ok = False
        s = stock_pair(stock, o) if parity else None
        if parity and s is None:
            print(f"  FAIL: {label}: no stock run to compare with")
            ok = False
            continue
        for name, t in sorted(o["tests"].items()):
            st = s["tests"].get(name, {}).get("result") if s else None
            if t["result"] in FAILED and (not parity or st != "fail"):
                why = f"(stock: {st})" if parity else ""
                if parity:
                    verdict, a_o, a_s, elsewhere = evidence(results, confirm, o, name)
                    tries = f"ours {' '.join(a_o)}; stock {' '.join(a_s) or '-'}"
                    if not verdict:
                        more = (f"; stock fails it in this run in: {' '.join(elsewhere)}"
                                if elsewhere else "")
                        print(f"  flaky: {label}: {name}: {tries}{more}")
                        continue
                    why = f"in every attempt: {tries}"
                    if verdict == "unjudged":
                        why += " (stock never ran it: no evidence of parity)"
                print(f"  FAIL: {label}: {name} {t['directive']} {why}")
                for l in tail_of(o, name):
                    print("      | " + l)
                ok = False
            elif parity and t["result"] == "skip" and st == "ok":
                print(f"  FAIL: {label}: {name} skipped, passes on stock")
                ok = False
        if parity:
            both = sorted(n for n, t in s["tests"].items() if t["result"] == "fail")
            if both:
                print(f"  failing on stock too ({label_of(o)} vs stock, "
                      f"{o['mode']}), measured in this run: {' '.join(both)}")
            fixed = [n for n in both if o["tests"].get(n, {}).get("result") == "ok"]
            if fixed:
                print(f"  passing on ours only: {' '.join(fixed)}")
            if s["splats"]:
                print(f"  stock splats (not ours, listed): {len(s['splats'])}")
    print("RESULT: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


def main(argv):
    if len(argv) >= 4 and argv[0] == "parse":
        return parse(argv[1], argv[2], argv[3])
    args = [a for a in argv[1:] if a != "--parity"]
    confirm = []
    if "--confirm" in args:
        i = args.index("--confirm")
        args, confirm = args[:i], args[i + 1:]
    if argv and argv[0] == "suspects":
        return suspects(args, confirm)
    if argv and argv[0] == "report":
        return report(args, "--parity" in argv, confirm)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
