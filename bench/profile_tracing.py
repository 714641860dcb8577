#!/usr/bin/env python3
"""Where the tracer's cost goes: GET /api/state (logged in) through the Flask test
client, tracing on vs off, timed and then profiled with cProfile; the last lines list
the tracer's five costliest functions (own time, µs a request, under the profiler).

Run from the repo root:  .venv/bin/python bench/profile_tracing.py [N]
(N requests per side, default 5000). In-process only; no server, no network.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time

from statelab.context import current

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
PATH = "/api/state"


def make_client(tracing: bool):
    os.environ["STATELAB_TRACING"] = "1" if tracing else "0"
    os.environ["STATELAB_SECRET_KEY"] = "statelab-bench-fixed-secret-key"
    os.environ.pop("STATELAB_REDIS_URL", None)
    from statelab import create_app

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="statelab-prof-")})
    client = app.test_client()
    lab = client.post("/api/labs").get_json()["id"]
    headers = {"X-Lab-Id": lab}
    client.post("/api/cookie/login", json={"username": "Tom", "password": "123"},
                headers=headers)
    assert client.get(PATH, headers=headers).status_code == 200
    return app, client, headers, lab


def loop(client, headers, n):
    for _ in range(n):
        client.get(PATH, headers=headers)


def timed(client, headers, n, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        loop(client, headers, n)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e6  # µs per request


def main():
    sides = {name: make_client(name == "traced") for name in ("traced", "untraced")}
    for _, client, headers, _ in sides.values():
        loop(client, headers, 500)  # warm-up
    us = {name: timed(c, h, N) for name, (_, c, h, _) in sides.items()}
    app, client, headers, lab = sides["traced"]
    bus = current(app).bus
    bus.clear(lab)  # leaves one "clear" event; 50 requests fit in the 2000-event log
    loop(client, headers, 50)
    per_req = (bus.count(lab) - 1) / 50
    print(f"test client, best of 3 x {N} requests: traced {us['traced']:.1f} us/req, "
          f"untraced {us['untraced']:.1f} us/req, tracer overhead "
          f"{us['traced'] - us['untraced']:.1f} us/req "
          f"({us['untraced'] / us['traced']:.3f} throughput ratio); "
          f"{per_req:.1f} events published per request")

    for name, (_, client, headers, _) in sides.items():
        prof = cProfile.Profile()
        prof.enable()
        loop(client, headers, N)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        total = stats.total_tt
        print(f"\n===== {name}: {N} requests, profiled total {total:.3f}s "
              f"({total / N * 1e6:.1f} us/req under cProfile) =====")
        stats.sort_stats("tottime").print_stats(25)
        print(out.getvalue())
        if name == "traced":
            top = tracer_functions(stats)
    print("the tracer's five costliest functions (own time a request, under cProfile):")
    for us_, where in top[:5]:
        print(f"  {us_:6.1f} us  {where}")


def tracer_functions(stats: pstats.Stats) -> list:
    """statelab_trace's functions by own time, µs a request."""
    rows = [(tt / N * 1e6, f"{path.split('statelab_trace')[-1].lstrip('/')}:{line} {func}")
            for (path, line, func), (_, _, tt, _, _) in stats.stats.items()
            if "statelab_trace" in path]
    return sorted(rows, reverse=True)


if __name__ == "__main__":
    main()
