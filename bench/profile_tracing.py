#!/usr/bin/env python3
"""Where the tracer's cost goes: GET /api/comments through the Flask test client,
tracing on vs off, timed and then profiled with cProfile.

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

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000


def make_client(tracing: bool, patch=None):
    if patch:
        patch()
    os.environ["STATELAB_TRACING"] = "1" if tracing else "0"
    os.environ["STATELAB_SECRET_KEY"] = "statelab-bench-fixed-secret-key"
    os.environ.pop("STATELAB_REDIS_URL", None)
    from statelab import create_app

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="statelab-prof-")})
    client = app.test_client()
    lab = client.post("/api/labs").get_json()["id"]
    headers = {"X-Lab-Id": lab}
    assert client.get("/api/comments", headers=headers).status_code == 200
    return app, client, headers, lab


def loop(client, headers, n):
    for _ in range(n):
        client.get("/api/comments", headers=headers)


def timed(client, headers, n, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        loop(client, headers, n)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e6  # µs per request


def ablations(n):
    """Traced app with one piece of the tracer switched off at a time (monkeypatched
    here, nothing in the backend is edited): what each piece costs per request."""
    import statelab.sessions as sessions
    import statelab.tracing as tracing

    orig_snapshot = sessions.LabSessionInterface.trace_snapshot
    orig_signals = tracing._SIGNALS

    def restore():
        sessions.LabSessionInterface.trace_snapshot = orig_snapshot
        tracing._SIGNALS = orig_signals

    def no_snapshot():
        restore()
        sessions.LabSessionInterface.trace_snapshot = lambda self, session: {}

    def no_signals():
        restore()
        tracing._SIGNALS = ()

    def tracer(app):
        return app.extensions["statelab.tracer"]

    def noop_sink(app):
        tracer(app).sink = lambda lab, event: None

    def instrument_once(app):
        tracer(app).instrument = lambda: None  # already instrumented by the first request

    def fixed_id(app):
        tracing.uuid.uuid4 = lambda: _FakeUUID

    cases = [
        ("untraced", False, restore, None),
        ("traced (as shipped)", True, restore, None),
        ("traced, sink = no-op (no MemoryBus.publish)", True, restore, noop_sink),
        ("traced, instrument() only once", True, restore, instrument_once),
        ("traced, session snapshot = {}", True, no_snapshot, None),
        ("traced, no signal receivers", True, no_signals, None),
        ("traced, uuid4 not called", True, restore, fixed_id),
    ]
    import uuid as _uuid

    real_uuid4 = _uuid.uuid4
    base = None
    print(f"\nAblations (test client, best of 3 x {n} requests each):")
    for label, on, patch, after in cases:
        tracing.uuid.uuid4 = real_uuid4
        app, client, headers, _ = make_client(on, patch)
        if after:
            after(app)
        loop(client, headers, 300)
        us = timed(client, headers, n)
        if base is None:
            base = us
            print(f"  {label:<46} {us:7.1f} us/req")
        else:
            print(f"  {label:<46} {us:7.1f} us/req  (+{us - base:5.1f} over untraced)")
    tracing.uuid.uuid4 = real_uuid4
    restore()


class _FakeUUID:
    hex = "0123456789abcdef0123456789abcdef"


def main():
    sides = {name: make_client(name == "traced") for name in ("traced", "untraced")}
    for _, client, headers, _ in sides.values():
        loop(client, headers, 500)  # warm-up
    us = {name: timed(c, h, N) for name, (_, c, h, _) in sides.items()}
    app, client, headers, lab = sides["traced"]
    before = app.extensions["statelab"].bus._log(lab).next_id
    loop(client, headers, 100)
    per_req = (app.extensions["statelab"].bus._log(lab).next_id - before) / 100
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
        if name == "traced":
            stats.sort_stats("cumulative").print_stats(r"statelab[/\\](tracing|events|"
                                                       r"sessions)\.py", 30)
        print(out.getvalue())


if __name__ == "__main__":
    main()
    ablations(max(1000, N // 2))
