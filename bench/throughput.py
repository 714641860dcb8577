#!/usr/bin/env python3
"""Throughput of the hook tracer, and the figures of the performance goals.

Run from the repo root:  make bench   (prepares: the venv, Debian's wrk and httpbin's
own virtualenv; then runs .venv/bin/python bench/throughput.py, which only measures
and prints)

What it does
  * starts three gunicorn servers on free 127.0.0.1 ports with identical settings
    (one sync worker: ``-w 1 -k sync``; BENCH_WORKER_ARGS changes it): the app with
    STATELAB_TRACING=1, the app with STATELAB_TRACING=0 (each with its own fresh
    instance folder and the same fixed secret key), and httpbin;
  * creates a lab on each app, logs in there with all three mechanisms (a plain
    cookie, a signed session, a server-side session) and drives ``GET /api/state``
    (the route the playground calls after every action) with those cookies and the
    X-Lab-Id header, and httpbin's ``GET /cookies`` with the same headers, with
    ``wrk -t1 -c8 -d3s``: a warm-up on each, then rounds that rotate the three, so
    slow drift of the machine hits each alike;
  * fails loudly on any non-2xx/3xx response or socket error wrk reports, and if the
    traced server recorded no events (or the untraced one recorded any);
  * prints a table (per-round req/s, medians, min/max spread, load average), then the
    figures, each a median (min-max) with the load average: the tracer's own µs a
    request in process (bench/inprocess.py), traced / httpbin, the worst-case MB per
    full lab (bench/memory.py, BENCH_MEMORY_LABS labs, 5), and, as the very LAST line,
    median(traced) / median(untraced), e.g. ``0.962``.

When the machine has 2+ CPUs, both servers are pinned to CPU 0 and wrk to CPU 1
(only one server is loaded at a time), which keeps wrk from competing with the
server it measures. Set BENCH_NO_PIN=1 to turn that off. BENCH_ROUNDS and
BENCH_SECONDS override the number of rounds per side (7) and their length (3 s).
BENCH_ROUTE picks another GET route; BENCH_ANONYMOUS=1 sends no cookies.

The servers are always stopped (their whole process groups), whatever happens, and
the whole run is bounded by a watchdog (the load plus a minute: under 2 minutes with
the defaults). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import BenchError, http, run, stop_group, watchdog  # noqa: E402
from bench.report import fmt_load, spread  # noqa: E402
from tests.helpers import free_port  # noqa: E402  (one copy, shared with the tests)

HOST = "127.0.0.1"
# The route the playground calls after every action, as a logged-in browser calls it
# (a plain cookie, a signed session and a server-side session). BENCH_ROUTE picks
# another; BENCH_ANONYMOUS=1 sends no cookies (the lightest request there is).
ROUTE = os.environ.get("BENCH_ROUTE", "/api/state")
ANONYMOUS = os.environ.get("BENCH_ANONYMOUS") == "1"
# gunicorn's default worker: one request at a time, so the ratio is the tracer's CPU
# cost. With threads (-k gthread, as deployed for the live stream) it comes out lower:
# a thread back from file I/O waits for the GIL behind the others (see README).
WORKER_ARGS = os.environ.get("BENCH_WORKER_ARGS", "-w 1 -k sync").split()
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
# The yardstick: httpbin's GET /cookies (it answers the request's cookies as JSON) on
# the same gunicorn settings, from its own virtualenv (`make bench-tools`: httpbin pins
# greenlet<3 on Python < 3.12, which gevent, the app's stream worker, cannot use).
HTTPBIN_PYTHON = str(ROOT / ".venv-httpbin" / "bin" / "python")
HTTPBIN_ROUTE = "/cookies"
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
WARMUP_SECONDS = 2
WRK_THREADS, WRK_CONNECTIONS = 1, 8
LOADER = "bench/pyload.py" if os.environ.get("BENCH_LOADER") == "python" else "wrk"
SECRET = "statelab-bench-fixed-secret-key"
# The whole run, servers' startup and shutdown included: the load itself and a minute more.
MEMORY_LABS = int(os.environ.get("BENCH_MEMORY_LABS", "5"))
DEADLINE_SECONDS = 3 * WARMUP_SECONDS + 3 * ROUNDS * SECONDS + 240 + 60 * MEMORY_LABS


# -- wrk -------------------------------------------------------------------------------

def find_wrk() -> list[str]:
    """wrk is installed by ``make bench`` (Debian's package), never by this script.
    BENCH_LOADER=python uses bench/pyload.py instead (same options, same summary)."""
    if LOADER != "wrk":
        return [sys.executable, str(ROOT / LOADER)]
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is not installed: run `make bench` (it installs Debian's "
                         "wrk as root), or `apt-get install -y wrk`, then rerun "
                         "(or BENCH_LOADER=python: bench/pyload.py)")
    return [found]


RPS = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.M)
NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKERR = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                     r"timeout (\d+)")
TOTAL = re.compile(r"^\s*(\d+) requests in", re.M)


def run_wrk(wrk: list[str], url: str, lab: str, cookie: str, seconds: int,
            label: str) -> float:
    cmd = wrk + [f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s",
                 "--latency", "-H", f"X-Lab-Id: {lab}"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(url)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 20)
    out = done.stdout
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({label}, rc={done.returncode}):\n{out}{done.stderr}")
    bad = NON2XX.search(out)
    if bad and int(bad.group(1)):
        raise BenchError(f"{label}: {bad.group(1)} non-2xx/3xx responses from {url}; "
                         f"wrk said:\n{out}")
    errs = SOCKERR.search(out)
    if errs and any(int(n) for n in errs.groups()):
        raise BenchError(f"{label}: socket errors during the run; wrk said:\n{out}")
    rps, total = RPS.search(out), TOTAL.search(out)
    if not rps or not total or int(total.group(1)) == 0:
        raise BenchError(f"{label}: could not read Requests/sec from wrk:\n{out}")
    return float(rps.group(1))


# -- servers ---------------------------------------------------------------------------

class Server:
    """One gunicorn server: the playground (traced or not), or httpbin, the yardstick."""

    def __init__(self, name: str, tracing: bool, cpu: int | None) -> None:
        self.name = name
        self.tracing = tracing
        self.cpu = cpu
        self.route = HTTPBIN_ROUTE if name == "httpbin" else ROUTE
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.tmp = tempfile.mkdtemp(prefix=f"statelab-bench-{name}-")
        self.log_path = Path(self.tmp) / "gunicorn.log"
        self.proc: subprocess.Popen | None = None
        self.lab: str | None = None
        self.cookie = ""

    def start(self) -> None:
        env = {**os.environ,
               "STATELAB_TRACING": "1" if self.tracing else "0",
               "STATELAB_INSTANCE_PATH": str(Path(self.tmp) / "instance"),
               "STATELAB_SECRET_KEY": SECRET,
               "STATELAB_REDIS_URL": "",
               "PYTHONDONTWRITEBYTECODE": "1"}
        python, app = ((HTTPBIN_PYTHON, "httpbin:app") if self.name == "httpbin"
                       else (sys.executable, "statelab:create_app()"))
        cmd = [python, "-m", "gunicorn", *WORKER_ARGS,
               "-b", f"{HOST}:{self.port}", "--log-level", "warning",
               "--error-logfile", str(self.log_path), app]
        cpu = self.cpu

        def pin():
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})

        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, preexec_fn=pin)

    def wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} server exited (rc={self.proc.returncode}):"
                                 f"\n{self.log()}")
            try:
                ready = "/get" if self.name == "httpbin" else "/api/health"
                if http("GET", self.base + ready, timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise BenchError(f"{self.name} server not ready on {self.base} after {timeout}s:"
                         f"\n{self.log()}")

    def create_lab(self) -> None:
        status, body = http("POST", self.base + "/api/labs")
        if status != 201 or not isinstance(body, dict) or "id" not in body:
            raise BenchError(f"{self.name}: POST /api/labs answered {status}: {body}")
        self.lab = body["id"]
        if not ANONYMOUS:
            jar: list = []
            for mechanism in ("cookie", "session", "server-session"):
                status, answer = http("POST", f"{self.base}/api/{mechanism}/login", self.lab,
                                      body={"username": "Tom", "password": "123"}, cookies=jar)
                if status != 200:
                    raise BenchError(f"{self.name}: {mechanism} login answered {status}: {answer}")
            self.cookie = "; ".join(jar)
        status, body = http("GET", self.base + ROUTE, self.lab)
        if status != 200:
            raise BenchError(f"{self.name}: GET {ROUTE} answered {status}: {body}")
        # Where the log ends before the load: only events after it count as traced load.
        self.setup_last_id = self._hooks("")["last_id"]

    def _hooks(self, query: str) -> dict:
        status, body = http("GET", f"{self.base}/api/hooks{query}", self.lab)
        if status != 200 or not isinstance(body, dict):
            raise BenchError(f"{self.name}: GET /api/hooks answered {status}: {body}")
        return body

    def hook_events(self) -> list:
        """Hook events recorded since the setup requests (reading /api/hooks is untraced)."""
        after = f"&after={self.setup_last_id}" if self.setup_last_id else ""
        return self._hooks(f"?limit=1{after}").get("events") or []

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-3000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        stop_group(self.proc, term_wait=5)
        shutil.rmtree(self.tmp, ignore_errors=True)


# -- report ----------------------------------------------------------------------------

def summary(values: list[float]) -> tuple[float, float, float, float]:
    med = statistics.median(values)
    lo, hi = min(values), max(values)
    return med, lo, hi, (hi - lo) / med * 100 if med else float("nan")


def placement() -> tuple[int | None, list[str], list[int], bool]:
    """Pin the servers to one CPU and wrk to another when there are two."""
    wrk_path = find_wrk()
    cpus = sorted(os.sched_getaffinity(0))
    pin = (len(cpus) >= 2 and os.environ.get("BENCH_NO_PIN") != "1"
           and shutil.which("taskset") is not None)
    wrk = ["taskset", "-c", str(cpus[1]), *wrk_path] if pin else wrk_path
    return (cpus[0] if pin else None), wrk, cpus, pin


def print_header(traced: Server, untraced: Server, cpus: list[int], pin: bool) -> None:
    who = "anonymous" if ANONYMOUS else "logged in by all three mechanisms"
    print(f"statelab throughput: GET {ROUTE} (X-Lab-Id, {who}), gunicorn "
          f"{' '.join(WORKER_ARGS)}, {LOADER} -t{WRK_THREADS} -c{WRK_CONNECTIONS} "
          f"-d{SECONDS}s, {ROUNDS} alternating rounds per side after a "
          f"{WARMUP_SECONDS}s warm-up", flush=True)
    print(f"CPUs: {len(cpus)}; " + (f"servers pinned to CPU {cpus[0]}, wrk to CPU "
          f"{cpus[1]}" if pin else "no CPU pinning"), flush=True)
    print(f"servers: traced {traced.base}  untraced {untraced.base}; httpbin GET "
          f"{HTTPBIN_ROUTE} with the same headers, same gunicorn settings", flush=True)


def measure(wrk: list[str], servers: tuple[Server, ...]) -> dict[str, list[float]]:
    """Warm each up, then alternate rounds so slow drift of the machine hits each."""
    results: dict[str, list[float]] = {s.name: [] for s in servers}
    for s in servers:
        run_wrk(wrk, s.base + s.route, s.lab, s.cookie, WARMUP_SECONDS, f"{s.name} warm-up")
    print(f"\n{'round':>5}  " + "  ".join(f"{s.name + ' rps':>12}" for s in servers)
          + f"  {'ratio':>6}", flush=True)
    for i in range(ROUNDS):
        # Rotate which side goes first, so none always runs right after another's burst.
        order = servers[i % len(servers):] + servers[:i % len(servers)]
        got = {}
        for s in order:
            got[s.name] = run_wrk(wrk, s.base + s.route, s.lab, s.cookie, SECONDS,
                                  f"{s.name} round {i + 1}")
            results[s.name].append(got[s.name])
        print(f"{i + 1:>5}  " + "  ".join(f"{got[s.name]:>12.1f}" for s in servers)
              + f"  {got['traced'] / got['untraced']:>6.3f}", flush=True)
    return results


def check_traced(traced: Server, untraced: Server) -> dict:
    """The traced server must really have traced the load; the other not at all."""
    traced_events = traced.hook_events()
    if not traced_events:
        raise BenchError("the traced server recorded no hook events during the bench")
    untraced_events = untraced.hook_events()
    if untraced_events:
        raise BenchError(f"the untraced server recorded {len(untraced_events)} hook "
                         f"event(s); STATELAB_TRACING=0 did not take effect")
    return traced_events[0]


def report(results: dict[str, list[float]], sample: dict, cpus: list[int],
           load_before: tuple, load_after: tuple) -> float:
    """The table of rounds' summary; answers median(traced) / median(untraced)."""
    print(f"\n{'':>9}  {'median':>9}  {'min':>9}  {'max':>9}  {'spread':>8}")
    noise = 0.0
    for name, values in results.items():
        med, lo, hi, spread_pct = summary(values)
        noise = max(noise, spread_pct)
        print(f"{name:>9}  {med:>9.1f}  {lo:>9.1f}  {hi:>9.1f}  {spread_pct:>7.1f}%")
    print("(spread = (max - min) / median)")
    print(f"hook events seen on the traced server: yes (e.g. {sample.get('type')!r}"
          f" id {sample.get('id')}); on the untraced server: none")
    print(f"load average (1/5/15 min) before: {fmt_load(load_before)}  "
          f"after: {fmt_load(load_after)}")
    # The bench itself keeps ~2 CPUs busy; more than that before it started means
    # something else was running.
    if noise > 20 or load_before[0] > 1.0:
        print(f"WARNING: noisy run (spread {noise:.0f}%, load before "
              f"{load_before[0]:.2f} on {len(cpus)} CPUs); other work on the machine may "
              f"have disturbed some rounds. Rerun on a quiet machine to trust the ratio.")
    return statistics.median(results["traced"]) / statistics.median(results["untraced"])


def paired(results: dict[str, list[float]], a: str, b: str) -> list[float]:
    return [x / y for x, y in zip(results[a], results[b])]


def in_process() -> tuple[list[float], tuple, tuple]:
    """The tracer's own µs a request, in process (bench/inprocess.py), per round."""
    from bench import inprocess

    before = os.getloadavg()
    results = inprocess.measure()
    return inprocess.tracer_cost(results), before, os.getloadavg()


def memory_per_lab() -> tuple[list[float], tuple, tuple]:
    """Worst-case MB per full lab, per lab filled (bench/memory.py)."""
    from bench import memory

    before = os.getloadavg()
    per_lab = memory.measure(MEMORY_LABS)
    return per_lab, before, os.getloadavg()


def figures(results: dict[str, list[float]], ratio: float) -> None:
    """The issue's table, last: each a median (min-max) with the load average around it."""
    tracer_us, us_before, us_after = in_process()
    mb, mb_before, mb_after = memory_per_lab()
    load = f"load {fmt_load(us_before)[:4]}-{fmt_load(us_after)[:4]}"
    print("\nfigures (median (min-max) of alternated rounds; load average 1 min before-after):")
    print(f"the tracer's own cost, GET {ROUTE} in process (traced - untraced, "
          f"{len(tracer_us)} rounds): {spread(tracer_us)} µs  [{load}]")
    print(f"traced GET {ROUTE} / httpbin GET {HTTPBIN_ROUTE}, gunicorn "
          f"{' '.join(WORKER_ARGS)} ({ROUNDS} rounds): "
          f"{spread(paired(results, 'traced', 'httpbin'), 3)}; untraced "
          f"{spread(paired(results, 'untraced', 'httpbin'), 3)}")
    print(f"worst-case memory per full lab (bench/memory.py, {len(mb)} labs): "
          f"{spread(mb, 2)} MB  [load {fmt_load(mb_before)[:4]}-{fmt_load(mb_after)[:4]}]")
    print(f"traced / untraced, median of {ROUNDS} rounds each "
          f"(per-round: {spread(paired(results, 'traced', 'untraced'), 3)}):")
    print(f"{ratio:.3f}", flush=True)


def main() -> int:
    watchdog(DEADLINE_SECONDS)
    if not Path(HTTPBIN_PYTHON).exists():
        raise BenchError(f"{HTTPBIN_PYTHON} is missing: run `make bench` (its bench-tools "
                         "step makes httpbin's virtualenv)")
    server_cpu, wrk, cpus, pin = placement()
    servers = tuple(Server(name, name == "traced", server_cpu)
                    for name in ("traced", "untraced", "httpbin"))
    traced, untraced, httpbin = servers
    try:
        for s in servers:
            s.start()
        for s in servers:
            s.wait_ready()
        for s in (traced, untraced):
            s.create_lab()
        httpbin.lab, httpbin.cookie = traced.lab, traced.cookie  # the same request headers
        load_before = os.getloadavg()
        print_header(traced, untraced, cpus, pin)
        results = measure(wrk, servers)
        sample = check_traced(traced, untraced)
        load_after = os.getloadavg()
    finally:
        for s in servers:
            s.stop()
    ratio = report(results, sample, cpus, load_before, load_after)
    figures(results, ratio)
    return 0


if __name__ == "__main__":
    run(main)
