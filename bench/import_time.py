#!/usr/bin/env python3
"""What importing the tracer adds to importing Flask: ``import statelab_trace`` in a
fresh interpreter that has imported Flask, from ``python -X importtime``, in rounds.

Run from the repo root:  .venv/bin/python bench/import_time.py [ROUNDS]

Twice: with the tracer's bytecode compiled (as ``pip install`` leaves a package; here in
a throwaway ``PYTHONPYCACHEPREFIX``), and compiled from source on each import (an
editable install under ``PYTHONDONTWRITEBYTECODE=1``, as on this project's machines).
Flask's own import is timed the same way, for scale. Prints medians (min-max) in ms and
the modules the tracer brings in besides its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.report import fmt_load, spread  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 9
PROBE = ("import sys, flask; before = set(sys.modules); import statelab_trace; "
         "print(sorted(m for m in set(sys.modules) - before "
         "if not m.startswith('statelab_trace')))")


def _cumulative_ms(stderr: str, module: str) -> float:
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)$", line)
        if match and match.group(2) == module:
            return int(match.group(1)) / 1000
    raise RuntimeError(f"{module} not in -X importtime's output")


def timed(env: dict) -> tuple[float, float, str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE], env=env,
                          capture_output=True, text=True, check=True)
    return (_cumulative_ms(done.stderr, "flask"),
            _cumulative_ms(done.stderr, "statelab_trace"), done.stdout.strip())


def main() -> None:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as cache:
        compiled = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        compiled.pop("PYTHONDONTWRITEBYTECODE", None)
        source = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
                  "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(dir=cache)}
        timed(compiled)  # writes the bytecode
        sides: dict[str, list] = {"compiled": [], "from source": []}
        for _ in range(ROUNDS):
            for name, env in (("compiled", compiled), ("from source", source)):
                sides[name].append(timed(env))
    flask_ms = [f for f, _, _ in sides["compiled"]]
    print(f"import flask: {spread(flask_ms)} ms")
    for name, rows in sides.items():
        print(f"import statelab_trace after flask, {name}: {spread([t for _, t, _ in rows])} ms")
    print(f"modules it brings besides its own: {sides['compiled'][0][2]}")
    print(f"{ROUNDS} rounds; load average before {fmt_load(load)}, "
          f"after {fmt_load(os.getloadavg())}")


if __name__ == "__main__":
    main()
