#!/usr/bin/env python3
"""What tracing costs a plain Flask app, side by side in one run: untraced, with
StateLabTrace, and with OpenTelemetry's FlaskInstrumentor (in-memory span exporter),
the tool a developer would otherwise pick.

The app: 3 hooks (before_request, after_request, teardown_request), a blueprint with
its own before_request, a JSON view that reads and writes the session. Per-request
cost through the Flask test client, and the cost of building the app (``Flask(...)``
plus its setup, plus the tracer's ``init_app``), in CPU time; alternated rounds,
medians with the spread of the rounds. "recording only" is ``HookTracer`` without the
extension's page.

    make bench-venv && .venv/bin/python bench/tracer_cost.py [rounds] [requests]

Needs the ``bench`` extra (opentelemetry-instrumentation-flask).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from flask import Blueprint, Flask, jsonify, session
from opentelemetry import trace as otel_trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from statelab_trace import HookTracer, StateLabTrace
from statelab_trace.bus import MemoryBus

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
REQUESTS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
BUILDS = 200

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
otel_trace.set_tracer_provider(provider)


def plain_app() -> Flask:
    app = Flask("bench")
    app.secret_key = "bench"
    app.before_request(lambda: None)
    app.after_request(lambda response: response)
    app.teardown_request(lambda exc: None)
    bp = Blueprint("api", "bench")
    bp.before_request(lambda: None)

    @bp.get("/hello")
    def hello():
        session["n"] = session.get("n", 0) + 1
        return jsonify(n=session["n"])
    app.register_blueprint(bp, url_prefix="/api")
    return app


def statelab_app() -> Flask:
    app = plain_app()
    app.config["STATELAB_TRACE_ENABLED"] = True
    StateLabTrace(app)
    return app


def recorder_app() -> Flask:
    """The recording alone (``HookTracer`` and its log), without the extension's page."""
    app = plain_app()
    HookTracer(app, bus=MemoryBus(2000, 5), select=lambda environ: "app")
    return app


def otel_app() -> Flask:
    app = plain_app()
    FlaskInstrumentor.instrument_app(app, tracer_provider=provider)
    return app


SIDES = {"untraced": plain_app, "statelab_trace": statelab_app,
         "recording only": recorder_app, "FlaskInstrumentor": otel_app}


# CPU time of this process: on a shared, busy machine it counts what the code costs,
# not how long it waited for a core.
clock = time.process_time


def per_request(client) -> float:
    start = clock()
    for _ in range(REQUESTS):
        client.get("/api/hello")
    return (clock() - start) / REQUESTS * 1e6


def per_build(build) -> float:
    start = clock()
    for _ in range(BUILDS):
        build()
    return (clock() - start) / BUILDS * 1e3


def main() -> None:
    clients = {name: build().test_client() for name, build in SIDES.items()}
    for client in clients.values():
        for _ in range(200):
            client.get("/api/hello")  # warm-up
    assert clients["statelab_trace"].application.extensions["statelab_trace"].events()
    request_us: dict[str, list[float]] = {name: [] for name in SIDES}
    build_ms: dict[str, list[float]] = {name: [] for name in SIDES}
    load = os.getloadavg()
    for _ in range(ROUNDS):  # alternated: each round measures every side
        for name, client in clients.items():
            request_us[name].append(per_request(client))
            exporter.clear()
        for name, build in SIDES.items():
            build_ms[name].append(per_build(build))
    load_end = os.getloadavg()
    med = {name: statistics.median(v) for name, v in request_us.items()}
    bmed = {name: statistics.median(v) for name, v in build_ms.items()}
    print(f"{ROUNDS} alternated rounds of {REQUESTS} requests and {BUILDS} app builds; "
          f"load average {load[0]:.1f} at the start, {load_end[0]:.1f} at the end")
    for name in SIDES:
        spread = f"{min(request_us[name]):.0f}-{max(request_us[name]):.0f}"
        bspread = f"{min(build_ms[name]):.2f}-{max(build_ms[name]):.2f}"
        print(f"  {name:18} {med[name]:7.1f} us/request ({spread})   "
              f"build {bmed[name]:.2f} ms ({bspread})")
    ours = med["statelab_trace"] - med["untraced"]
    theirs = med["FlaskInstrumentor"] - med["untraced"]
    print(f"added per request: statelab_trace {ours:.1f} us (x{med['statelab_trace'] / med['untraced']:.2f}), "
          f"FlaskInstrumentor {theirs:.1f} us (x{med['FlaskInstrumentor'] / med['untraced']:.2f})")
    print(f"added per app build: statelab_trace {bmed['statelab_trace'] - bmed['untraced']:.2f} ms, "
          f"recording only {bmed['recording only'] - bmed['untraced']:.2f} ms, "
          f"FlaskInstrumentor {bmed['FlaskInstrumentor'] - bmed['untraced']:.2f} ms")
    print(f"statelab_trace's added cost / FlaskInstrumentor's: {ours / theirs:.2f} (goal <= 0.33)")


if __name__ == "__main__":
    main()
