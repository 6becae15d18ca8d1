#!/usr/bin/env python3
"""Re-renders the templates of every engine-differential*.vectors.json with the installed Jinja2.

Needs Python 3 with Jinja2 (3.1.x, as misp-modules uses). Usage, from the repository root:
    python3 test/engines/jinja/engine-differential.regenerate.py [--check]
With --check nothing is written; the script reports cases whose outcome changed.
"""
import copy
import json
import pathlib
import sys

from jinja2.sandbox import SandboxedEnvironment

env = SandboxedEnvironment()
total_changed = 0
for path in sorted(pathlib.Path(__file__).parent.glob("engine-differential*.vectors.json")):
    vectors = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for case in vectors["cases"]:
        data = copy.deepcopy(vectors["data"])
        try:
            outcome = {"expected": env.from_string(case["template"]).render(data)}
        except Exception as e:  # the exception class is what the vectors record
            outcome = {"error": type(e).__name__}
        old = {k: case[k] for k in ("expected", "error") if k in case}
        if old != outcome:
            changed += 1
            print(f"{path.name}: changed:", json.dumps(case["template"])[:120], old, "->", outcome)
            case.pop("expected", None)
            case.pop("error", None)
            case.update(outcome)
    print(f"{path.name}: {changed} of {len(vectors['cases'])} cases changed")
    total_changed += changed
    if "--check" not in sys.argv and changed:
        path.write_text(json.dumps(vectors, ensure_ascii=False), encoding="utf-8")
sys.exit(1 if "--check" in sys.argv and total_changed else 0)
