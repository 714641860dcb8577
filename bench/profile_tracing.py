#!/usr/bin/env python3
"""Where the tracer's time goes: ``GET /api/state`` of the playground (logged in by all
three mechanisms, as bench/inprocess.py sends it) called through WSGI in a child
process, sampled from outside by py-spy.

Run from the repo root:  make bench-venv && .venv/bin/python bench/profile_tracing.py [N]

py-spy (``make bench-venv`` installs it) reads the child's stack RATE times a second
while the child makes N traced requests. A sample is charged to the innermost tracer
function on the stack when nothing of the app's, Flask's or Werkzeug's runs below it (the
standard library's Python and C code count for the Python function that called them).
With PROFILE_NATIVE=1 py-spy also reads native frames, and a sample inside the garbage
collector is counted apart, whoever allocated when it ran; without it, a collection counts
for the function that allocated. Native reads pause the child for each sample (ptrace),
which on some VMs takes so long that a round runs for many minutes. A function's µs a request is its share of the
samples times the CPU µs a request takes in the same child unprofiled (run before and
after each profiled one): py-spy pauses the child to read it, which slows what it reads.
PROFILE_ROUNDS profiled runs (3) alternate with unprofiled ones; each figure is the median
of the rounds, with its spread.
Prints the tracer's own µs a request, the garbage collector's, and the tracer's costliest
functions with how often each runs a request. ``PROFILE_RAW=file`` keeps py-spy's samples
(``file.0``, ``file.1``...: one stack a line, for a flame graph).
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import statistics
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.inprocess import _call, statelab  # noqa: E402
from bench.report import fmt_load, spread  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--child" else 2000
RATE = int(os.environ.get("PROFILE_RATE", "400"))
ROUNDS = int(os.environ.get("PROFILE_ROUNDS", "3"))
NATIVE = os.environ.get("PROFILE_NATIVE") == "1"
TRACER = "statelab_trace/"
# Python frames that count for their caller, as C code does: the standard library's.
_STDLIB = ("threading", "functools", "contextlib", "weakref", "json/", "re/", "enum",
           "typing", "collections/", "logging/", "warnings", "inspect", "copy", "abc",
           "_weakrefset", "traceback", "linecache", "encodings/", "codecs", "<frozen")
_PY_FRAME = re.compile(r"(?P<name>.*) \((?P<file>.*\.py|<frozen [^>]*>):\d+\)$")
_ENTRY = "_call (inprocess.py"  # the loop of requests: samples outside it are set-up


def child(n: int) -> None:
    """The profiled process: a warmed-up traced app, then ``n`` requests. Prints the CPU
    µs a request took."""
    with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):
        app, environ = statelab(True)
        _call(app, environ, 300)  # imports, caches, first-request work
        cpu = _call(app, environ, n)
    print(f"{cpu:.3f}")


def _run_child(n: int, profiler: list[str] | None = None) -> float:
    command = [sys.executable, __file__, "--child", str(n)]
    done = subprocess.run((profiler or []) + command, capture_output=True, text=True,
                          check=True, cwd=ROOT, timeout=900)
    return float([line for line in done.stdout.splitlines()
                  if line and not line.startswith("py-spy")][-1])


def owner(frames: list[str]) -> str | None:
    """The tracer function a sample is charged to, ``file function`` (None: not the
    tracer's)."""
    for frame in reversed(frames):
        match = _PY_FRAME.match(frame)
        if match is None:  # a native frame: counts for the Python one that called it
            continue
        if match["file"].startswith(TRACER):
            return f"{match['file'][len(TRACER):]} {match['name']}"
        if not match["file"].startswith(_STDLIB):
            return None
    return None


def charge(raw: Path) -> tuple[collections.Counter, int, int, int]:
    """From py-spy's raw output: samples per tracer function, all samples in the request
    loop, and the garbage collector's (all, and those under tracer code)."""
    functions: collections.Counter = collections.Counter()
    total = collected = collected_in_tracer = 0
    for row in raw.read_text().splitlines():
        stack, _, count = row.rpartition(" ")
        frames = stack.split(";")
        if not any(_ENTRY in frame for frame in frames[:4]):
            continue
        samples = int(count)
        total += samples
        charged = owner(frames)
        if any(frame.startswith("gc_collect_main") for frame in frames):
            collected += samples
            collected_in_tracer += samples if charged else 0
        elif charged:
            functions[charged] += samples
    return functions, total, collected, collected_in_tracer


def calls_a_request(requests: int = 100) -> collections.Counter:
    """How many times each tracer function runs a request, counted with a profile hook
    (in this process; its times are not used)."""
    counts: collections.Counter = collections.Counter()

    def count(frame, event: str, arg) -> None:
        filename = frame.f_code.co_filename
        if event == "call" and os.sep + TRACER in filename:
            counts[f"{filename.split(os.sep + TRACER)[-1]} {frame.f_code.co_qualname}"] += 1

    with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):
        app, environ = statelab(True)
        _call(app, environ, 50)
        sys.setprofile(count)
        try:
            _call(app, environ, requests)
        finally:
            sys.setprofile(None)
    return collections.Counter({name: n / requests for name, n in counts.items()})


def main() -> int:
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        print("py-spy is not installed: run `make bench-venv`", file=sys.stderr)
        return 1
    load = os.getloadavg()
    record = [spy, "record", *(["--native"] if NATIVE else []), "--rate", str(RATE),
              "--format", "raw", "--output"]
    cpus = [_run_child(N)]
    rounds: list[dict] = []  # per profiled round: µs a request per function, and totals
    with tempfile.TemporaryDirectory(prefix="statelab-profile-") as folder:
        for r in range(ROUNDS):
            raw = Path(folder) / f"raw{r}.txt"
            _run_child(N, record + [str(raw), "--"])
            cpus.append(_run_child(N))
            functions, total, collected, in_tracer = charge(raw)
            cpu = (cpus[-2] + cpus[-1]) / 2  # the unprofiled runs on either side
            figures = {name: n / total * cpu for name, n in functions.items()}
            figures[" tracer"] = sum(functions.values()) / total * cpu
            figures[" gc"] = collected / total * cpu
            figures[" gc in tracer"] = in_tracer / total * cpu
            rounds.append(figures)
            if os.environ.get("PROFILE_RAW"):  # py-spy's samples, for a flame graph
                shutil.copy(raw, f"{os.environ['PROFILE_RAW']}.{r}")
    calls = calls_a_request()

    def median(name: str) -> float:
        return statistics.median(figures.get(name, 0.0) for figures in rounds)

    def spread_of(name: str) -> str:
        return spread([figures.get(name, 0.0) for figures in rounds])

    print(f"traced GET /api/state in process, {ROUNDS} profiled rounds of {N} requests "
          f"({RATE} samples a second): {spread(cpus, 0)} CPU µs a request unprofiled")
    print(f"the tracer's own functions: {spread_of(' tracer')} µs a request")
    if NATIVE:
        print(f"the garbage collector: {spread_of(' gc')} µs a request "
              f"({median(' gc in tracer'):.1f} of it called from tracer code)")
    else:
        print("the garbage collector: not apart (PROFILE_NATIVE=1 counts it apart)")
    print("the tracer's costliest functions, µs a request: median (min-max) of the rounds; "
          "calls a request")
    names = [name for name in {n for figures in rounds for n in figures} if name[0] != " "]
    for name in sorted(names, key=median, reverse=True)[:8]:
        print(f"  {spread_of(name):>18}  {name} ({calls.get(name, 0):g})")
    print(f"load average before {fmt_load(load)}, after {fmt_load(os.getloadavg())}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]))
    else:
        sys.exit(main())
