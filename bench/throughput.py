#!/usr/bin/env python3
"""Throughput of the hook tracer: the same app served twice, traced and untraced.

Run from the repo root:  make bench   (prepares: the venv and Debian's wrk; then runs
.venv/bin/python bench/throughput.py, which only measures and prints)

What it does
  * starts two gunicorn servers on free 127.0.0.1 ports with identical settings
    (one sync worker: ``-w 1 -k sync``; BENCH_WORKER_ARGS changes it), one with
    STATELAB_TRACING=1 and one with STATELAB_TRACING=0, each with its own fresh
    instance folder and the same fixed secret key;
  * creates a lab on each, logs in there with all three mechanisms (a plain cookie,
    a signed session, a server-side session) and drives ``GET /api/state`` (the
    route the playground calls after every action) with those cookies and the
    X-Lab-Id header, with ``wrk -t1 -c8 -d3s``: a warm-up on each, then alternating
    rounds
    (traced, untraced, traced, untraced, ...), so slow drift of the machine hits
    both sides alike;
  * fails loudly on any non-2xx/3xx response or socket error wrk reports, and if the
    traced server recorded no events (or the untraced one recorded any);
  * prints a table (per-round req/s, medians, min/max spread, load average before
    and after) and, as the very LAST line, median(traced) / median(untraced),
    e.g. ``0.962``.

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
from bench.common import BenchError, Timeout, http, stop_group, watchdog  # noqa: E402
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
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
WARMUP_SECONDS = 2
WRK_THREADS, WRK_CONNECTIONS = 1, 8
SECRET = "statelab-bench-fixed-secret-key"
# The whole run, servers' startup and shutdown included: the load itself and a minute more.
DEADLINE_SECONDS = 2 * WARMUP_SECONDS + 2 * ROUNDS * SECONDS + 60


# -- wrk -------------------------------------------------------------------------------

def find_wrk() -> str:
    """wrk is installed by ``make bench`` (Debian's package), never by this script."""
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is not installed: run `make bench` (it installs Debian's "
                         "wrk as root), or `apt-get install -y wrk`, then rerun")
    return found


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
    def __init__(self, name: str, tracing: bool, cpu: int | None) -> None:
        self.name = name
        self.tracing = tracing
        self.cpu = cpu
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
        cmd = [sys.executable, "-m", "gunicorn", *WORKER_ARGS,
               "-b", f"{HOST}:{self.port}", "--log-level", "warning",
               "--error-logfile", str(self.log_path), "statelab:create_app()"]
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
                if http("GET", self.base + "/api/health", timeout=1)[0] == 200:
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


def fmt_load(load: tuple) -> str:
    return " ".join(f"{x:.2f}" for x in load)


def placement() -> tuple[int | None, list[str], list[int], bool]:
    """Pin the servers to one CPU and wrk to another when there are two."""
    wrk_path = find_wrk()
    cpus = sorted(os.sched_getaffinity(0))
    pin = (len(cpus) >= 2 and os.environ.get("BENCH_NO_PIN") != "1"
           and shutil.which("taskset") is not None)
    wrk = ["taskset", "-c", str(cpus[1]), wrk_path] if pin else [wrk_path]
    return (cpus[0] if pin else None), wrk, cpus, pin


def print_header(traced: Server, untraced: Server, cpus: list[int], pin: bool) -> None:
    who = "anonymous" if ANONYMOUS else "logged in by all three mechanisms"
    print(f"statelab throughput: GET {ROUTE} (X-Lab-Id, {who}), gunicorn "
          f"{' '.join(WORKER_ARGS)}, wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} "
          f"-d{SECONDS}s, {ROUNDS} alternating rounds per side after a "
          f"{WARMUP_SECONDS}s warm-up", flush=True)
    print(f"CPUs: {len(cpus)}; " + (f"servers pinned to CPU {cpus[0]}, wrk to CPU "
          f"{cpus[1]}" if pin else "no CPU pinning"), flush=True)
    print(f"servers: traced {traced.base}  untraced {untraced.base}", flush=True)


def measure(wrk: list[str], servers: tuple[Server, Server]) -> dict[str, list[float]]:
    """Warm both up, then alternate rounds so slow drift of the machine hits both."""
    results: dict[str, list[float]] = {s.name: [] for s in servers}
    for s in servers:
        run_wrk(wrk, s.base + ROUTE, s.lab, s.cookie, WARMUP_SECONDS, f"{s.name} warm-up")
    print(f"\n{'round':>5}  {'traced rps':>11}  {'untraced rps':>12}  {'ratio':>6}",
          flush=True)
    for i in range(1, ROUNDS + 1):
        # Alternate which side goes first each round too, so neither always runs
        # right after the other one's burst.
        order = servers if i % 2 else servers[::-1]
        got = {}
        for s in order:
            got[s.name] = run_wrk(wrk, s.base + ROUTE, s.lab, s.cookie, SECONDS,
                                  f"{s.name} round {i}")
            results[s.name].append(got[s.name])
        print(f"{i:>5}  {got['traced']:>11.1f}  {got['untraced']:>12.1f}  "
              f"{got['traced'] / got['untraced']:>6.3f}", flush=True)
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
           load_before: tuple, load_after: tuple) -> None:
    t_med, t_lo, t_hi, t_noise = summary(results["traced"])
    u_med, u_lo, u_hi, u_noise = summary(results["untraced"])
    print(f"\n{'':>9}  {'median':>9}  {'min':>9}  {'max':>9}  {'spread':>8}")
    print(f"{'traced':>9}  {t_med:>9.1f}  {t_lo:>9.1f}  {t_hi:>9.1f}  {t_noise:>7.1f}%")
    print(f"{'untraced':>9}  {u_med:>9.1f}  {u_lo:>9.1f}  {u_hi:>9.1f}  {u_noise:>7.1f}%")
    print("(spread = (max - min) / median)")
    print(f"hook events seen on the traced server: yes (e.g. {sample.get('type')!r}"
          f" id {sample.get('id')}); on the untraced server: none")
    paired = statistics.median(t / u for t, u in zip(results["traced"], results["untraced"]))
    print(f"median of the per-round ratios (a cross-check): {paired:.3f}")
    print(f"load average (1/5/15 min) before: {fmt_load(load_before)}  "
          f"after: {fmt_load(load_after)}")
    # The bench itself keeps ~2 CPUs busy; more than that before it started means
    # something else was running.
    if max(t_noise, u_noise) > 20 or load_before[0] > 1.0:
        print(f"WARNING: noisy run (spread {max(t_noise, u_noise):.0f}%, load before "
              f"{load_before[0]:.2f} on {len(cpus)} CPUs); other work on the machine may "
              f"have disturbed some rounds. Rerun on a quiet machine to trust the ratio.")
    print("ratio = median(traced) / median(untraced):")
    print(f"{t_med / u_med:.3f}", flush=True)


def main() -> int:
    watchdog(DEADLINE_SECONDS)
    server_cpu, wrk, cpus, pin = placement()
    traced = Server("traced", True, server_cpu)
    untraced = Server("untraced", False, server_cpu)
    servers = (traced, untraced)
    try:
        for s in servers:
            s.start()
        for s in servers:
            s.wait_ready()
            s.create_lab()
        load_before = os.getloadavg()
        print_header(traced, untraced, cpus, pin)
        results = measure(wrk, servers)
        sample = check_traced(traced, untraced)
        load_after = os.getloadavg()
    finally:
        for s in servers:
            s.stop()
    report(results, sample, cpus, load_before, load_after)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BenchError, Timeout, subprocess.TimeoutExpired) as exc:
        print(f"BENCHMARK FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
