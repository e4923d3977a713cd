#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Native tests of the parity report: regressions fail it, failures on stock
# are listed, a test that exits 0 with failures in its KTAP totals fails,
# a difference that does not repeat in every confirmation
# attempt, or a test stock fails in another mode of the run, is reported as
# flaky, and a kernel splat in our dmesg fails it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
python3 - <<'PY'
import json, os
def mk(d, variant, mode, tests, stage="", splats=(), fault=None, machine="",
       debug=False):
    os.makedirs(d + "/out", exist_ok=True)
    json.dump({"variant": variant, "mode": mode, "debug": debug, "stage": stage,
               "machine": machine,
               "complete": not fault, "fault": fault, "kernel": "k",
               "kvm_mode": None if fault == "boot" else mode, "sve_vls": [16],
               "tests": {k: {"result": v, "directive": ""} for k, v in tests.items()},
               "splats": [{"test": "kvm/a", "line": l} for l in splats]},
              open(d + "/results.json", "w"))
mk("o", "ours", "vhe", {"kvm/a": "fail", "kvm/b": "fail", "kvm/c": "fail", "kvm/d": "ok"})
mk("s", "stock", "vhe", {"kvm/a": "ok", "kvm/b": "ok", "kvm/c": "fail", "kvm/d": "ok"})
mk("co", "ours", "vhe", {"kvm/a": "fail", "kvm/b": "ok"}, "confirm")
mk("cs", "stock", "vhe", {"kvm/a": "ok", "kvm/b": "ok"}, "confirm")
mk("o2", "ours", "vhe", {"kvm/c": "fail", "kvm/d": "ok"})
mk("o3", "ours", "vhe", {"kvm/d": "ok"}, splats=["WARNING: CPU: 0 PID: 1 at x"])
mk("s2", "stock", "vhe", {"kvm/c": "fail", "kvm/d": "ok"})
mk("co2", "ours", "vhe", {"kvm/a": "fail"}, "confirm")
mk("cs2", "stock", "vhe", {"kvm/a": "fail"}, "confirm")
mk("on", "ours", "nvhe", {"kvm/a": "ok", "kvm/b": "ok"})
mk("sn", "stock", "nvhe", {"kvm/a": "ok", "kvm/b": "fail"})
# Stage faults. Stock's nested L1 oopsed (every test not run), ours passed.
mk("fo", "ours", "nvhe", {"nested/l1": "ok", "nested/l2": "ok"}, "nested")
mk("fs", "stock", "nvhe", {"nested/l1": "notrun", "nested/l2": "notrun"}, "nested",
   fault="boot")
# Ours crashed in kvm/b: kvm/c never ran; stock passed both.
mk("xo", "ours", "vhe", {"kvm/a": "ok", "kvm/b": "fail", "kvm/c": "notrun"}, fault="oops")
mk("xs", "stock", "vhe", {"kvm/a": "ok", "kvm/b": "ok", "kvm/c": "ok"})
mk("xco", "ours", "vhe", {"kvm/b": "ok", "kvm/c": "ok"}, "confirm")
mk("xcs", "stock", "vhe", {"kvm/b": "ok", "kvm/c": "ok"}, "confirm")
mk("xco2", "ours", "vhe", {"kvm/b": "fail", "kvm/c": "notrun"}, "confirm", fault="oops")
# Stock crashed before kvm/c, which ours fails: no evidence either way.
mk("yo", "ours", "vhe", {"kvm/a": "ok", "kvm/c": "fail"})
mk("ys", "stock", "vhe", {"kvm/a": "fail", "kvm/c": "notrun"}, fault="stuck")
mk("yco", "ours", "vhe", {"kvm/c": "fail"}, "confirm")
mk("ycs", "stock", "vhe", {"kvm/c": "notrun"}, "confirm", fault="stuck")
mk("ycs2", "stock", "vhe", {"kvm/c": "ok"}, "confirm")
# Another machine (lib.sh MACHINE): ours fails kvm/a there only; stock
# fails kvm/b on the default machine, which says nothing of this one.
mk("mo", "ours", "vhe", {"kvm/a": "fail", "kvm/b": "fail"}, machine="nosve")
mk("ms", "stock", "vhe", {"kvm/a": "ok", "kvm/b": "ok"}, machine="nosve")
mk("mco", "ours", "vhe", {"kvm/a": "fail", "kvm/b": "fail"}, "confirm", machine="nosve")
mk("mcs", "stock", "vhe", {"kvm/a": "ok", "kvm/b": "ok"}, "confirm", machine="nosve")
mk("ds", "stock", "vhe", {"kvm/a": "ok", "kvm/b": "fail"})
mk("do", "ours", "vhe", {"kvm/a": "ok", "kvm/b": "fail"})
# Ours' debug build, held against the normal stock kernel: kvm/a fails
# there only, kvm/c fails on stock too; a WARN in its dmesg.
mk("go", "ours", "vhe", {"kvm/a": "fail", "kvm/c": "fail", "kvm/d": "ok"}, debug=True)
mk("gco", "ours", "vhe", {"kvm/a": "fail"}, "confirm", debug=True)
mk("gw", "ours", "vhe", {"kvm/d": "ok"}, debug=True, splats=["WARNING: CPU: 1 PID: 9 at y"])
PY
R="python3 $ROOT/pipeline/results.py"
. "$ROOT/tests/lib/check.sh"
check "suspects lists ours-only failures" 0 "^vhe kvm/a sve normal$" $R suspects o s
check "a repeated regression fails" 1 "FAIL: ours / vhe: kvm/a .*every attempt: ours fail fail; stock ok ok" \
	$R report --parity o s --confirm co cs
check "a difference that does not repeat is flaky" 1 "flaky: ours / vhe: kvm/b" \
	$R report --parity o s --confirm co cs
check "a confirmed suspect stays a suspect" 0 "^vhe kvm/a sve normal$" $R suspects o s --confirm co cs
check "a suspect that fails on stock once is not" 0 "^$" $R suspects o s --confirm co cs co2 cs2
check "stock failing in any attempt makes it flaky" 0 "flaky: ours / vhe: kvm/a: ours fail fail fail; stock ok ok fail" \
	$R report --parity o s --confirm co cs co2 cs2
check "stock failing in another mode makes it flaky" 0 "flaky: ours / vhe: kvm/b: .*stock fails it in this run in: nvhe" \
	$R report --parity o s on sn --confirm co cs co2 cs2
check "failures on stock too are listed" 1 "failing on stock too .*kvm/c" \
	$R report --parity o s --confirm co cs
check "parity with stock passes" 0 "RESULT: PASS" $R report --parity o2 s2
check "a splat in our dmesg fails" 1 "kernel splat during kvm/a" $R report --parity o3 s2
check "without a confirmation run a regression fails" 1 "FAIL: ours / vhe: kvm/b" \
	$R report --parity o s
check "a stock stage fault is listed, not a failure" 0 \
	"fault: nested stock / nvhe: the run did not finish \(a stock failure, not ours\): boot$" \
	$R report --parity fo fs
check "and the stock fault alone passes" 0 "RESULT: PASS" $R report --parity fo fs
check "a fault on ours makes what it did not run suspects" 0 "^vhe kvm/b sve normal vhe kvm/c sve normal$" \
	sh -c "$R suspects xo xs | paste -sd' '"
check "a fault on ours that does not repeat is flaky" 0 \
	"flaky: ours / vhe: kvm/c: ours notrun ok; stock ok ok" $R report --parity xo xs --confirm xco xcs
check "a fault on ours that repeats fails" 1 \
	"FAIL: ours / vhe: kvm/c .*every attempt: ours notrun notrun; stock ok" \
	$R report --parity xo xs --confirm xco2
check "a test stock never reached is a suspect" 0 "^vhe kvm/c sve normal$" $R suspects yo ys
check "and fails when stock never runs it" 1 \
	"FAIL: ours / vhe: kvm/c .*ours fail fail; stock notrun notrun \(stock never ran it" \
	$R report --parity yo ys --confirm yco ycs
check "and is judged once stock runs it" 1 \
	"FAIL: ours / vhe: kvm/c .*ours fail fail; stock notrun notrun ok$" \
	$R report --parity yo ys --confirm yco ycs ycs2
check "a nested-stage failure is a suspect too" 0 "^nvhe nested/l2 sve normal$" \
	sh -c "$R suspects fs fo >/dev/null; python3 -c \"
import json; r = json.load(open('fo/results.json')); r['tests']['nested/l2']['result'] = 'fail'
json.dump(r, open('fo2.json', 'w'))\" && mkdir -p fo2 && mv fo2.json fo2/results.json && $R suspects fo2 fs"
check "a failure on another machine is a suspect there" 0 "^vhe kvm/a nosve normal vhe kvm/b nosve normal$" \
	sh -c "$R suspects do ds mo ms | paste -sd' '"
check "it is paired with stock on that machine and fails when it repeats" 1 \
	"FAIL: ours on nosve / vhe: kvm/a .*every attempt: ours fail fail; stock ok ok" \
	$R report --parity do ds mo ms --confirm mco mcs
check "stock failing on the default machine excuses nothing on another" 1 \
	"FAIL: ours on nosve / vhe: kvm/b .*every attempt: ours fail fail; stock ok ok" \
	$R report --parity do ds mo ms --confirm mco mcs
check "a debug-only failure is a suspect of the debug build" 0 "^vhe kvm/a sve debug$" \
	$R suspects o2 s2 go
check "held against the normal stock kernel, it fails when it repeats" 1 \
	"FAIL: ours-debug / vhe: kvm/a .*every attempt: ours fail fail; stock ok ok" \
	$R report --parity o s go --confirm gco cs
check "what stock fails too is listed for the debug build" 1 \
	"failing on stock too \(ours-debug vs stock, vhe\), measured in this run: kvm/c" \
	$R report --parity o s go --confirm gco cs
check "a WARN on the debug build fails" 1 "FAIL: ours-debug / vhe: kernel splat during kvm/a: WARNING" \
	$R report --parity o2 s2 gw
# parsed DIR EXPR: parse DIR/serial.log, then print EXPR, Python over r
# (the results) and t (its tests).
parsed() {
	$R parse "$1" ours vhe >/dev/null &&
		python3 -c "import json, sys
r = json.load(open(sys.argv[1] + '/results.json'))
t = r['tests']
print($2)" "$1"
}

mkdir -p p
printf '%s\n' "KTAP version 1" "    # Subtest: fp" "    # # Totals: pass:2 fail:12 xfail:0" \
	"    ok 1 fp-stress" "    # Subtest: kvm" "    # # Totals: pass:3 fail:0 xfail:0" \
	"    ok 1 quiet" FPTEST-END >p/serial.log
check "KTAP totals with failures fail an exit-0 test" 0 "^fail exit 0 with # Totals.* ok$" \
	parsed p 't["fp/fp-stress"]["result"], t["fp/fp-stress"]["directive"], t["kvm/quiet"]["result"]'
# Two boots: the first stuck in kvm/b (its stall reports are its failure,
# not splats), the second ran the tests after it.
mkdir -p st
printf '%s\n' "FPTEST-BOOT 1" FPTEST-BEGIN "KTAP version 1" "    # Subtest: kvm" \
	"    # start kvm/a" "    ok 1 a" "    # start kvm/b" \
	"[ 91.5] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" \
	"FPTEST-BOOT 2" FPTEST-BEGIN "KTAP version 1" "    # Subtest: kvm" \
	"    # start kvm/c" "    ok 1 c" FPTEST-DMESG-BEGIN "[ 0.9] # start kvm/c" \
	"[ 1.0] WARNING: CPU: 0 PID: 1 at x" FPTEST-DMESG-END FPTEST-END >st/serial.log
check "a stuck test fails as STUCK, the next boot's tests count" 0 \
	"^ok fail:STUCK ok splats: kvm/c$" \
	parsed st 't["kvm/a"]["result"], t["kvm/b"]["result"] + ":" + t["kvm/b"]["directive"].split()[0],
      t["kvm/c"]["result"], "splats:", " ".join(str(s["test"]) for s in r["splats"])'
# The heartbeat comes from the kernel and may cut a line of test output.
mkdir -p hb
printf '%s\n' FPTEST-BEGIN "KTAP version 1" "    # Subtest: kvm" "    # start kvm/a" \
	"    o[   30.012] FPTEST-ALIVE" "k 1 a # time=1.0s" "[   60.0] FPTEST-ALIVE" \
	"    not ok 2 b" FPTEST-END >hb/serial.log
check "a heartbeat inside a result line is taken out" 0 "^ok fail$" \
	parsed hb 't["kvm/a"]["result"], t["kvm/b"]["result"]'
# A boot that ended in a fault: the test it was in failed, the tests the
# run expected and never reached are not run, and the run has a fault.
mkdir -p fl
printf '%s\n' kvm/a kvm/b kvm/c >fl/expected
printf '%s\n' "FPTEST-BOOT 1" FPTEST-BEGIN "KTAP version 1" "    # Subtest: kvm" \
	"    # start kvm/a" "    ok 1 a" "    # start kvm/b" \
	"[ 9.1] Unable to handle kernel paging request at virtual address 0" \
	"FPTEST-BOOT-FAULT stuck: console silent for 60 s after: Unable to handle kernel" >fl/serial.log
check "a faulted boot's test crashed, the rest did not run" 0 \
	"^ok fail:STUCK notrun fault: stuck: console silent for 60 s after: Unable to handle kernel$" \
	sh -c "EXPECTED=fl/expected; export EXPECTED; $(declare -f parsed); R='$R'; parsed fl \
	't[\"kvm/a\"][\"result\"], t[\"kvm/b\"][\"result\"] + \":\" + t[\"kvm/b\"][\"directive\"].split()[0], t[\"kvm/c\"][\"result\"], \"fault:\", r[\"fault\"]'"
# The runner died twice and /init started it again: in kvm/b (whose status
# its launcher kept) and before suite fp's header. Its KTAP goes on as if
# nothing happened; each death is a splat of the test it happened in.
mkdir -p rr
printf '%s\n' FPTEST-BEGIN "KTAP version 1" "1..2" "    KTAP version 1" "    # Subtest: kvm" \
	"    1..2" "    # start kvm/a" "    ok 1 a # time=1.0s" "    # start kvm/b" \
	"[    5.100000] FPTEST-RUNNER-DIED: signal 11 at 2 2; restart 1" \
	"    # fptest: the runner died (signal 11) and was started again (1), at test 2 step 2" \
	"    # b's output" "    not ok 2 b # exit=1 time=2.0s" "not ok 1 kvm" \
	"[    7.200000] FPTEST-RUNNER-DIED: exit 139 at 2 4; restart 2" \
	"# fptest: the runner died (exit 139) and was started again (2), at test 2 step 4" \
	"    KTAP version 1" "    # Subtest: fp" "    1..1" "    # start fp/c" \
	"    ok 1 c # time=1.0s" "ok 2 fp" FPTEST-DMESG-BEGIN "[    4.0] # start kvm/b" \
	"[    5.100000] FPTEST-RUNNER-DIED: signal 11 at 2 2; restart 1" \
	"[    7.200000] FPTEST-RUNNER-DIED: exit 139 at 2 4; restart 2" \
	"[    7.5] # start fp/c" FPTEST-DMESG-END FPTEST-END >rr/serial.log
check "a restarted runner's tests count, each death is a splat" 0 \
	"^ok fail ok True kvm/b:signal kvm/b:exit$" \
	parsed rr 't["kvm/a"]["result"], t["kvm/b"]["result"], t["fp/c"]["result"], r["complete"],
      " ".join(str(s["test"]) + ":" + s["line"].split()[3] for s in r["splats"])'
check "a runner death fails the report" 1 "FAIL: ours / vhe: kernel splat during kvm/b: .*FPTEST-RUNNER-DIED: signal 11" \
	$R report rr
echo "results: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
