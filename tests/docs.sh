#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The project's reStructuredText parses (with Debian's docutils; the
# Sphinx-only directives and roles the kernel docs use are accepted as-is),
# and every document is listed in its folder's index.rst.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
docs=$(git ls-files --cached --others --exclude-standard 'Documentation/*.rst')
[ -n "$docs" ] || { echo "docs: 0 passed, 0 failed"; exit 0; }
/usr/bin/python3 - $docs <<'PY'
import sys, os
from docutils.core import publish_doctree
from docutils.parsers.rst import directives, roles, Directive
from docutils import nodes

class Ignored(Directive):
    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = None
    def run(self):
        return []
class AnyOpt(dict):
    def __getitem__(self, k):
        return directives.unchanged
Ignored.option_spec = AnyOpt()
for d in ("toctree", "kernel-doc", "only", "c:function", "c:type", "c:macro"):
    directives.register_directive(d, Ignored)
def role(name, rawtext, text, lineno, inliner, options={}, content=[]):
    return [nodes.literal(rawtext, text)], []
for r in ("ref", "doc", "c:func", "c:type", "c:macro", "manpage"):
    roles.register_local_role(r, role)

ok = bad = 0
for path in sys.argv[1:]:
    errs = []
    class Stream:
        def write(self, s):
            errs.append(s)
    try:
        publish_doctree(open(path).read(), source_path=path,
                        settings_overrides={"report_level": 2, "halt_level": 5,
                                            "warning_stream": Stream()})
    except Exception as e:
        errs.append(str(e))
    index = os.path.join(os.path.dirname(path), "index.rst")
    name = os.path.splitext(os.path.basename(path))[0]
    if name != "index":
        # The index is a base file: our entry comes from the overlay's copy
        # or from the lines a patch adds to it.
        text = open(index).read() if os.path.exists(index) else ""
        for p in sorted(os.listdir("patches")) if os.path.isdir("patches") else []:
            cur = None
            for l in open(os.path.join("patches", p)):
                if l.startswith("+++ b/"):
                    cur = l[6:].strip()
                elif cur == index and l.startswith("+"):
                    text += l[1:]
        if not any(l.strip() == name for l in text.splitlines()):
            errs.append(f"{path}: not listed in {index}")
    if errs:
        bad += 1
        print(f"not ok - {path}")
        for e in errs:
            print("  " + e.strip())
    else:
        ok += 1
        print(f"ok - {path}")
print(f"docs: {ok} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
