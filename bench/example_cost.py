#!/usr/bin/env python3
"""What StateLabTrace costs the notes example (examples/notes): GET /notes/ logged in,
through Flask's test client, traced and untraced, in alternating rounds.

Run from the repo root:  .venv/bin/python bench/example_cost.py [N]
(N requests a round, default 2000; 7 rounds a side). In-process only. The app prints
eight lines and logs one a request, as the tutorial's hooks do; they go to /dev/null
on both sides, and the traced side also captures them, which is part of its cost.
CPU time (time.process_time) is measured, not wall time: the machine is shared.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "notes"))
sys.path.append(str(Path(__file__).resolve().parents[1]))
from bench.report import fmt_load  # noqa: E402

from notes import create_app  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
ROUNDS = 7


def client(traced: bool):
    app = create_app({"STATELAB_TRACE_ENABLED": traced, "STATELAB_TRACE_EVENTS": 2000})
    c = app.test_client()
    c.post("/auth/login", json={"username": "ann"})
    assert c.get("/notes/").status_code == 200
    return app, c


def one_round(c) -> float:
    start = time.process_time()
    for _ in range(N):
        c.get("/notes/")
    return (time.process_time() - start) / N * 1e6


def main() -> None:
    load = os.getloadavg()
    times: dict[str, list[float]] = {"traced": [], "untraced": []}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        sides = {"traced": client(True), "untraced": client(False)}
        for _, c in sides.values():
            one_round(c)  # warm-up
        for _ in range(ROUNDS):
            for name, (_, c) in sides.items():
                times[name].append(one_round(c))
    traced_app = sides["traced"][0]
    events = traced_app.extensions["statelab_trace"].events(limit=5000)
    assert any(e.get("name") == "after_this_request" for e in events), "nothing traced"
    assert not sides["untraced"][0].extensions["statelab_trace"].enabled
    t, u = statistics.median(times["traced"]), statistics.median(times["untraced"])
    print(f"notes example, GET /notes/ logged in, test client, {ROUNDS} x {N} requests a side")
    print(f"CPU per request: traced {t:.1f} us, untraced {u:.1f} us, tracer {t - u:.1f} us "
          f"(min {min(times['traced']):.1f} / {min(times['untraced']):.1f})")
    print(f"load average before {fmt_load(load)}, after {fmt_load(os.getloadavg())}")
    print(f"ratio untraced/traced (throughput): {u / t:.3f}")


if __name__ == "__main__":
    main()
