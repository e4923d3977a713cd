#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make soak: the FP integrity suites and fp-stress again and again on both
# kernels for SOAK_S seconds (default 1800), in KVM_MODE on MACHINE, one
# boot per kernel per round, ours and stock in turn; then every failure
# and every kernel splat counted per kernel and test. Not part of make
# check. Exit 1 if ours had a splat, or failed a test in more rounds than
# stock did.
#
# SOAK_T overrides the tests (T's syntax; default the integrity suites and
# fp-stress). Runs land in build/runs/soak-VARIANT-N[-MACHINE]-MODE.
. "$(dirname "$0")/lib.sh"

mode=${KVM_MODE:-vhe}
soak_s=${SOAK_S:-1800}
tests=${SOAK_T:-kvm/fp_integrity,kvm/fp_isolation,kvm/fp_one_reg,kvm/fp_state,fp/fp-stress}
machine_check
start=$(date +%s)
dirs=()
n=0
while [ $(($(date +%s) - start)) -lt "$soak_s" ]; do
	n=$((n + 1))
	for v in ours stock; do
		name=soak-$v-$n
		# A fault ends the round's boot; its tests are counted as failed.
		T=$tests RUN_NAME=$name STUCK_REBOOTS=0 RESULTS_STAGE=soak \
			bash "$ROOT/pipeline/run.sh" "$v" >"$LOGS/$name.log" 2>&1 || :
		dirs+=("$BUILD/runs/$name$(machine_sfx)-$mode")
		tail -n 1 "$LOGS/$name.log"
	done
done
echo "soak: $n rounds in $(($(date +%s) - start)) s ($mode, machine ${MACHINE:-sve}, tests $tests)"
python3 - "${dirs[@]}" <<'PY'
import json, os, sys
from collections import defaultdict
fails = {"ours": defaultdict(int), "stock": defaultdict(int)}
rounds = {"ours": 0, "stock": 0}
splats = {"ours": [], "stock": []}
faults = {"ours": 0, "stock": 0}
names = set()
for d in sys.argv[1:]:
    try:
        r = json.load(open(os.path.join(d, "results.json")))
    except (OSError, ValueError):
        continue
    v = r["variant"]
    rounds[v] += 1
    faults[v] += not r["complete"]
    splats[v] += [f"{os.path.basename(d)}: {s['test']}: {s['line']}" for s in r["splats"]]
    for t, res in r["tests"].items():
        names.add(t)
        fails[v][t] += res["result"] in ("fail", "notrun")
print(f"{'test':28} {'ours failed':>12} {'stock failed':>12}")
for t in sorted(names):
    print(f"{t:28} {fails['ours'][t]:>6} of {rounds['ours']:<3} "
          f"{fails['stock'][t]:>6} of {rounds['stock']:<3}")
for v in ("ours", "stock"):
    print(f"{v}: {rounds[v]} boots, {faults[v]} did not finish, {len(splats[v])} splats")
    for s in splats[v]:
        print(f"  {s}")
worse = [t for t in names if fails["ours"][t] > fails["stock"][t]]
if splats["ours"] or worse:
    print("soak: FAIL" + (f": ours failed more often: {' '.join(sorted(worse))}" if worse else ""))
    sys.exit(1)
print("soak: PASS")
PY
