#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Export the overlay and patches/*.patch as a numbered patch series.

  series.py PRISTINE WORK MANIFEST PATCHES_DIR OUT BASE_VERSION AUTHOR EMAIL

Each touched file goes to the one patch of the part of the tree it lives in
(PARTS, in order): the kernel, its documentation, the model, the KVM
selftests, the arm64 fp selftest. The kernel is one patch because the
overlay's files are final: the core replaces fpsimd.c whole, and KVM's
files already use every base change (SME, the one-ioctl state, protected
mode, the VMM deferral), so no earlier cut builds. Each base patch's
subject and message become a section of the message of the part that holds
its first file, which keeps the why of each change. Each patch builds on
its own (series-build.sh checks it). Every patch that adds files also adds
their paths to the project's MAINTAINERS entry, so the series documents who
looks after what (and checkpatch asks for nothing). The diffs are taken
between the pristine base and the final working tree, so applying the whole
series to a fresh base gives exactly the working tree; series.sh checks it.
"""
import difflib
import os
import re
import sys

ENTRY_TITLE = "ARM64 FP CONTEXT SWITCHING (LAZY FPSIMD/SVE FOR TASKS AND KVM)"
ENTRY_AFTER = "ARM64 FIT SUPPORT"

PARTS = [
    (("arch/", "include/"),
     "arm64: fpsimd, KVM: lazy FP contexts for tasks and vCPUs",
     "The host's FPSIMD/SVE/SME context management becomes one context type\n"
     "for tasks, kernel-mode NEON and vCPUs, with one per-CPU record of whose\n"
     "state is in the registers and every ownership decision in one header\n"
     "(arch/arm64/kernel/fpsimd/policy.h) that a native model also runs. A\n"
     "vCPU is such a context: its state is loaded at the guest's first FP use,\n"
     "stays live across exits handled in the kernel, and the host's is written\n"
     "back only when the guest takes the registers.\n\n"
     "It is one patch because the core replaces fpsimd.c whole and KVM's side\n"
     "uses every change below. Each part of it, in the order it was built,\n"
     "under its own subject:"),
    (("Documentation/",), "Documentation: FP context switching on arm64 and KVM",
     "How FP contexts are switched on arm64, for tasks and vCPUs, the\n"
     "invariants the model checks, the x86 counterparts, and the KVM ABI\n"
     "added by the previous patch."),
    (("tools/testing/fpsimd-model/",), "tools: fpsimd-model: model check of FP ownership",
     "A native program that runs the ownership decisions of the FP context\n"
     "core (policy.h, compiled as it is in the kernel) against a fake register\n"
     "file and checks every event sequence up to a depth."),
    (("tools/testing/selftests/kvm/", "tools/arch/", "tools/include/"),
     "KVM: arm64: selftests: FP context tests",
     "Selftests of guest FPSIMD/SVE/SME state integrity and isolation, the\n"
     "counters and tracepoints, bad input, the one-ioctl state, and the VMM\n"
     "deferral, on a shared library (include/aarch64, lib/aarch64)."),
    (("tools/testing/selftests/arm64/fp/",),
     "selftests: arm64: fp: a ptrace scenario of a known FP bug",
     "A tracer's SVE registers written while the tracee is stopped on its way\n"
     "out of a system call must be what the tracee finds."),
]


def part_of(path):
    for n, (prefixes, _, _) in enumerate(PARTS):
        if path.startswith(prefixes):
            return n
    raise SystemExit(f"series: {path} belongs to no part of the series")


def read(path):
    try:
        with open(path, errors="surrogateescape") as f:
            return f.read()
    except FileNotFoundError:
        return None


def udiff(path, old, new):
    if old == new:
        return ""
    a = old.splitlines(keepends=True) if old is not None else []
    b = new.splitlines(keepends=True) if new is not None else []
    head = f"diff --git a/{path} b/{path}\n"
    if old is None:
        head += "new file mode 100644\n"
    elif new is None:
        head += "deleted file mode 100644\n"
    lines = list(difflib.unified_diff(
        a, b, "/dev/null" if old is None else f"a/{path}",
        "/dev/null" if new is None else f"b/{path}", n=3))
    out = []
    for l in lines:
        if not l.endswith("\n"):
            l += "\n\\ No newline at end of file\n"
        out.append(l)
    # difflib writes "--- a/x\n" with no tab/date: what git writes too.
    return head + "".join(out)


def diffstat(diff):
    files = {}
    cur = None
    for l in diff.splitlines():
        m = re.match(r"^diff --git a/(\S+) b/", l)
        if m:
            cur = m.group(1)
            files[cur] = [0, 0]
        elif cur and l.startswith("+") and not l.startswith("+++"):
            files[cur][0] += 1
        elif cur and l.startswith("-") and not l.startswith("---"):
            files[cur][1] += 1
    width = max((len(f) for f in files), default=0)
    out = []
    ins = dels = 0
    for f, (i, d) in files.items():
        out.append(f" {f.ljust(width)} | {i + d:4} {'+' * min(i, 40)}{'-' * min(d, 40)}")
        ins += i
        dels += d
    out.append(f" {len(files)} file{'s' if len(files) != 1 else ''} changed, "
               f"{ins} insertions(+), {dels} deletions(-)")
    return "\n".join(out)


def maintainers_with(text, patterns, author, email):
    """MAINTAINERS text with our entry holding exactly `patterns`."""
    lines = text.split("\n")
    entry = [ENTRY_TITLE, f"M:\t{author} <{email}>",
             "L:\tlinux-arm-kernel@lists.infradead.org (moderated for non-subscribers)",
             "S:\tMaintained"] + [f"F:\t{p}" for p in sorted(patterns)]
    if ENTRY_TITLE in lines:
        start = lines.index(ENTRY_TITLE)
        end = start
        while end < len(lines) and lines[end] != "":
            end += 1
        lines[start:end] = entry
        return "\n".join(lines)
    at = lines.index(ENTRY_AFTER)
    while lines[at] != "":
        at += 1
    lines[at + 1:at + 1] = entry + [""]
    return "\n".join(lines)


def pattern_for(path, pristine):
    """The MAINTAINERS F: pattern covering a new file: its directory when
    the base has no such directory, otherwise the file itself."""
    d = os.path.dirname(path)
    top = d
    while os.path.dirname(top) and not os.path.isdir(os.path.join(pristine, os.path.dirname(top))):
        top = os.path.dirname(top)
    if not os.path.isdir(os.path.join(pristine, top)):
        return top + "/"
    return path


def main(argv):
    pristine, work, manifest, patches_dir, out, base, author, email = argv
    with open(manifest) as f:
        touched = [l.strip() for l in f if l.strip()]
    groups = [{"subject": subj, "body": body, "files": [], "sections": []}
              for _, subj, body in PARTS]
    for name in sorted(os.listdir(patches_dir)) if os.path.isdir(patches_dir) else []:
        if not name.endswith(".patch"):
            continue
        text = read(os.path.join(patches_dir, name))
        subject = re.search(r"^Subject:\s*(.*)$", text, re.M)
        body = re.search(r"^Subject:.*?\n(.*?)^(?:---|diff |Index:)", text, re.M | re.S)
        files = re.findall(r"^\+\+\+ b/(\S+)", text, re.M)
        if not files:
            continue
        body = re.sub(r"^Signed-off-by:.*\n?", "", body.group(1) if body else "",
                      flags=re.M).strip()
        subject = subject.group(1).strip() if subject else name
        # Its why goes with the earliest part it changes (the kernel's
        # before its ABI's documentation).
        part = min(part_of(p) for p in files)
        groups[part]["sections"].append((subject, body))
    for path in touched:
        groups[part_of(path)]["files"].append(path)
    for g in groups:
        if g["sections"]:
            g["body"] += "\n\n" + "\n\n".join(
                f"{subj}:\n\n{body}" if body else f"{subj}."
                for subj, body in g["sections"])
    order = [g for g in groups if g["files"]]

    maint_base = read(os.path.join(pristine, "MAINTAINERS"))
    maint_cur = maint_base
    patterns = set()
    os.makedirs(out, exist_ok=True)
    names = []
    total = len(order)
    for n, g in enumerate(order, 1):
        diff = ""
        new_files = []
        for path in sorted(g["files"]):
            old = read(os.path.join(pristine, path))
            new = read(os.path.join(work, path))
            if old is None and new is not None:
                new_files.append(path)
            diff += udiff(path, old, new)
        if new_files and maint_base is not None:
            patterns |= {pattern_for(p, pristine) for p in new_files}
            maint_next = maintainers_with(maint_cur, patterns, author, email)
            diff = udiff("MAINTAINERS", maint_cur, maint_next) + diff
            maint_cur = maint_next
        slug = re.sub(r"[^A-Za-z0-9]+", "-", g["subject"]).strip("-")[:52]
        name = f"{n:04d}-{slug}.patch"
        names.append((name, g["subject"]))
        with open(os.path.join(out, name), "w") as f:
            f.write(f"From: {author} <{email}>\n")
            f.write(f"Subject: [PATCH {n}/{total}] {g['subject']}\n\n")
            f.write(g["body"].strip() + "\n\n")
            f.write(f"Signed-off-by: {author} <{email}>\n---\n")
            f.write(diffstat(diff) + "\n\n")
            f.write(diff)
            f.write("-- \n")
    with open(os.path.join(out, "0000-cover-letter.patch"), "w") as f:
        f.write(f"From: {author} <{email}>\n")
        f.write(f"Subject: [PATCH 0/{total}] arm64: lazy FPSIMD/SVE/SME context "
                "switching for KVM\n\n")
        body = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "docs", "cover-letter.txt")
        if os.path.exists(body):
            with open(body) as c:
                f.write(c.read().rstrip() + "\n\n")
        f.write(f"Base: {base}\n\n")
        f.write("Generated from the project's overlay by `make series`.\n\n")
        for name, subject in names:
            f.write(f"  {subject}\n")
        f.write(f"\nSigned-off-by: {author} <{email}>\n")
    print(f"series: {total} patches")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
