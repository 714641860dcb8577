#!/usr/bin/env python3
"""Where the tracer's time goes: ``GET /api/state`` of the playground (logged in by all
three mechanisms, as bench/inprocess.py sends it) called through WSGI, with a sampling
profiler on the process's own CPU time.

Run from the repo root:  .venv/bin/python bench/profile_tracing.py [N]

N traced requests (default 30000) run under ``setitimer(ITIMER_PROF)``: the kernel
interrupts the process every few milliseconds of its *own* CPU time (what other
processes on a busy machine take is not counted), and each sample is charged to the
Python function running then (C calls count for their caller). A function's µs a
request is its share of the samples times the CPU time a request took. No per-call
hook inflates small functions, as cProfile does; a sample lands where Python next
checks for signals (function entries, loops, calls), so small functions called often
are charged somewhat more than their due. Prints the tracer's own µs a request and its
five costliest functions.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.inprocess import _call, statelab  # noqa: E402
from bench.report import fmt_load  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
PACKAGE = f"{os.sep}statelab_trace{os.sep}"


def sample(app, environ: dict, n: int) -> tuple[collections.Counter, float]:
    """Samples per function ``(file, line, name)`` over ``n`` requests, and the CPU
    seconds they took."""
    samples: collections.Counter = collections.Counter()

    def charge(signum: int, frame) -> None:
        code = frame.f_code
        samples[(code.co_filename, code.co_firstlineno, code.co_name)] += 1

    previous = signal.signal(signal.SIGPROF, charge)
    started = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, 0.0005, 0.0005)
    try:
        _call(app, environ, n)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, previous)
    return samples, time.process_time() - started


def main() -> None:
    load = os.getloadavg()
    with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):
        app, environ = statelab(True)
        _call(app, environ, 300)  # warm-up: imports, caches, first-request work
        samples, cpu = sample(app, environ, N)
    total = sum(samples.values())
    per_request = cpu / N * 1e6

    def us(count: int) -> float:
        return count / total * per_request

    tracer = {k: v for k, v in samples.items() if PACKAGE in k[0]}
    print(f"traced GET /api/state in process, {N} requests: {per_request:.0f} CPU µs a "
          f"request, {total} samples")
    print(f"the tracer's own functions: {us(sum(tracer.values())):.1f} µs a request")
    print("the tracer's five costliest functions (µs a request):")
    for (path, line, name), count in sorted(tracer.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {us(count):5.1f}  {path.split(PACKAGE)[-1]}:{line} {name}")
    print(f"load average before {fmt_load(load)}, after {fmt_load(os.getloadavg())}")


if __name__ == "__main__":
    main()
