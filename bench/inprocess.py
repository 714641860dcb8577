#!/usr/bin/env python3
"""What one request costs in process, no server and no network: ``GET /api/state``
from a browser logged in by all three mechanisms, called straight through WSGI.

Run from the repo root:  .venv/bin/python bench/inprocess.py

It builds a bare Flask app (one JSON view, the yardstick), the playground untraced
and the playground traced, then times them in alternated rounds (bare, untraced,
traced, then the next round in another order), so drift of a busy machine hits each
alike. It prints µs a request per side (median of the rounds, min-max), the tracer's
own cost (traced minus untraced, paired per round), and what each WSGI layer of the
stack costs on its own (``labstack.LAYERS``, each timed around a do-nothing app).
``make bench`` imports ``measure`` for its summary lines.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.report import fmt_load, spread  # noqa: E402

ROUTE = "/api/state"
SECRET = "statelab-bench-fixed-secret-key"
ROUNDS = int(os.environ.get("BENCH_INPROCESS_ROUNDS", "15"))
PER_ROUND = int(os.environ.get("BENCH_INPROCESS_REQUESTS", "300"))


def _environ(app, headers: dict) -> dict:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=ROUTE, headers=headers)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def bare_flask():
    """The yardstick: Flask with one view answering a small JSON body."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.get(ROUTE)
    def state():
        return jsonify(cookies=dict(request.cookies), lab=request.headers.get("X-Lab-Id"))

    return app, _environ(app, {"X-Lab-Id": "x" * 22, "Cookie": "a=b"})


def statelab(tracing: bool):
    """The playground with a lab and a browser logged in by all three mechanisms."""
    os.environ["STATELAB_TRACING"] = "1" if tracing else "0"
    os.environ.pop("STATELAB_REDIS_URL", None)
    from statelab import create_app

    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="statelab-inproc-"),
                      "SECRET_KEY": SECRET})
    client = app.test_client()
    lab = client.post("/api/labs").get_json()["id"]
    for mechanism in ("cookie", "session", "server-session"):
        answer = client.post(f"/api/{mechanism}/login", headers={"X-Lab-Id": lab},
                             json={"username": "Tom", "password": "123"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    return app, _environ(app, {"X-Lab-Id": lab, "Cookie": cookie})


def _call(app, template: dict, n: int) -> float:
    """CPU µs a request (this thread's CPU time: what other processes on a busy machine
    take is not counted), over ``n`` requests, each with a fresh copy of the environ."""
    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise RuntimeError(f"{ROUTE} answered {status}")

    start = time.thread_time()
    for _ in range(n):
        body = app(dict(template), start_response)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close:
            close()
    return (time.thread_time() - start) / n * 1e6


def measure(rounds: int = ROUNDS, per_round: int = PER_ROUND) -> dict:
    """{side: [µs a request per round]} for bare, untraced and traced, alternated."""
    # The demo hooks print, as the tutorial's do: to nowhere, as under the bench's gunicorn.
    with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):
        sides = {"bare": bare_flask(), "untraced": statelab(False), "traced": statelab(True)}
        for app, environ in sides.values():
            _call(app, environ, 200)  # warm-up: imports, caches, first-request work
        names = list(sides)
        results: dict[str, list[float]] = {name: [] for name in names}
        for i in range(rounds):
            for name in names[i % len(names):] + names[:i % len(names)]:
                app, environ = sides[name]
                results[name].append(_call(app, environ, per_round))
    return results


def tracer_cost(results: dict) -> list[float]:
    """The tracer's own µs a request, per round (traced minus untraced, same round)."""
    return [t - u for t, u in zip(results["traced"], results["untraced"])]


def layer_costs(n: int = 20000) -> dict[str, float]:
    """µs each layer of the WSGI stack adds on its own, around a do-nothing app, for
    the benchmark's request (a GET naming a known lab, logged in)."""
    from statelab import labstack

    with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):
        app, environ = statelab(False)
        return labstack.measure_layers(app, environ, n)


def main() -> None:
    load_before = os.getloadavg()
    results = measure()
    load_after = os.getloadavg()
    print(f"in process, {ROUNDS} alternated rounds of {PER_ROUND} x GET {ROUTE}, "
          "µs a request: median (min-max)")
    for name, values in results.items():
        print(f"  {name:>9}: {spread(values)}")
    print(f"  tracer's own cost (traced - untraced, per round): {spread(tracer_cost(results))}")
    ratio = [u / b for u, b in zip(results["untraced"], results["bare"])]
    print(f"  untraced / bare Flask: {statistics.median(ratio):.2f}x")
    print("WSGI layers, each around a do-nothing app (µs a request):")
    for name, us in layer_costs().items():
        print(f"  {name:>12}: {us:6.1f}")
    print(f"load average before {fmt_load(load_before)}, after {fmt_load(load_after)}")


if __name__ == "__main__":
    main()
