#!/usr/bin/env python3
"""Live viewers: how late a lab's events reach 1, 100 and 500 viewers, and what the
page itself costs while 5,000 events arrive.

Run from the repo root:  make bench-live   (prepares: the venv with the `bench` extra,
npm packages, Debian's chromium and redis-server; then runs .venv/bin/python
bench/live.py, which only measures and prints)

What it does, for each setup and each class (1, 100 and 500 viewers of one lab; 500
viewers spread over 50 labs), the two setups alternating class by class:
  * starts a fresh server on a free 127.0.0.1 port with its caps raised
    (STATELAB_MAX_VIEWERS, and STATELAB_MAX_STREAMS and STATELAB_LOGIN_RATE where the
    app has them: a cap is not what is measured; a refused viewer, 429, is counted
    apart):
      - ``embedded``: ``python -m statelab`` (Werkzeug, threaded), as ``make run``;
      - ``redis``: gunicorn with Redis, README's deployment: ``-c
        deploy/gunicorn.conf.py -w 2`` (two gevent workers; BENCH_LIVE_WORKER_ARGS
        changes the worker args, e.g. ``-w 2 -k gthread --threads 32``), and one Debian
        redis-server for the whole run, flushed between classes;
  * creates the labs; a driver (its own process) logs 10 students in, each with its
    own cookies and client id (not measured: before the viewers connect);
  * connects the viewers (bare asyncio connections, split over BENCH_VIEWER_PROCESSES
    (2) processes, reading ``/api/hooks/stream?lab=...`` as Server-Sent Events,
    reconnecting as EventSource does; the driver uses aiohttp) and waits until each has its answer (200, 429, an
    error) or 10 s have passed; only the viewers connected by then are measured;
  * the driver then sends 20 requests/s (BENCH_RATE) for 10 s (BENCH_SECONDS) on a
    fixed schedule, answered or not (a slow server does not slow the class down; 5 s
    timeout): one scrypt login in ten, comments and state reads, to the labs in turn;
  * for every ``end`` event, latency = the moment a viewer reads it minus the event's
    ``time`` (the server's wall clock, same machine). A viewer that has not received
    an event 5 s after the driver stopped counts it as later than that (``>5000``),
    so a lost event is never left out of the percentiles;
  * records the CPU the viewers' and the driver's processes used (a client above 80%
    of a CPU is flagged: it may be what limits the run), the server's, and the load
    average (a busy machine is flagged too).

BENCH_LIVE_SETUPS (``embedded,redis``) and BENCH_LIVE_CLASSES (``1/1,100/1,500/1,
500/50``: viewers/labs) pick what to run.

Then the page: the embedded default, Debian's chromium (playwright.config.js's launch
options) open on a lab, ~5,000 hook events pushed in by real requests, and the longest
main-thread task while they arrive (bench/page_cost.mjs, Chrome's trace).

The last line is the p99 at 500 viewers of one lab, for the setup that served that
class best (all viewers connected first, then the lowest p99).

Every server is stopped (its whole process group) whatever happens, the whole run is
bounded by a watchdog (8 minutes with the defaults; a run takes about 5), and only
127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import BenchError, run, watchdog  # noqa: E402
from bench.livebench.driver import driver_process  # noqa: E402
from bench.livebench.report import (
    Result, merge_seen, print_header, print_last, print_noise, print_page, print_row)  # noqa: E402
from bench.livebench.servers import Redis, Server, machine_busy_seconds  # noqa: E402
from bench.livebench.settings import (
    CLASSES, CONNECT_SECONDS, DEADLINE_SECONDS, DRAIN_SECONDS, PAGE, PAGE_EVENTS,
    PAGE_SECONDS, REQUEST_TIMEOUT, SECONDS, SETUPS, VIEWER_PROCESSES)  # noqa: E402
from bench.livebench.viewers import viewers_process  # noqa: E402


# -- one class on one setup ------------------------------------------------------------

def _receive(conn, process, what: str, timeout: float):
    if not conn.poll(timeout):
        raise BenchError(f"{what} did not answer within {timeout:.0f}s "
                         f"(process alive: {process.is_alive()})")
    answer = conn.recv()
    if isinstance(answer, BenchError):
        raise answer
    return answer


def run_class(setup: str, viewers: int, labs_count: int, redis: Redis | None) -> Result:
    ctx = multiprocessing.get_context("spawn")
    server = Server(setup, redis)
    procs = []
    try:
        if redis:
            redis.flush()
        server.start()
        labs = server.create_labs(labs_count)
        viewer_labs = [labs[i % labs_count] for i in range(viewers)]
        d_conn, d_child = ctx.Pipe()
        d_proc = ctx.Process(target=driver_process, args=(d_child, server.base, labs),
                             daemon=True)
        procs.append(d_proc)
        d_proc.start()
        since = _receive(d_conn, d_proc, "the driver's logins", 60)
        viewer_procs = []
        for part in range(VIEWER_PROCESSES):
            share = viewer_labs[part::VIEWER_PROCESSES]
            if not share:
                continue
            v_conn, v_child = ctx.Pipe()
            v_proc = ctx.Process(target=viewers_process,
                                 args=(v_child, server.base, share, since), daemon=True)
            procs.append(v_proc)
            v_proc.start()
            viewer_procs.append((v_conn, v_proc))
        outcomes: Counter = Counter()
        for v_conn, v_proc in viewer_procs:
            outcomes.update(_receive(v_conn, v_proc, "the viewers", CONNECT_SECONDS + 20))
        cpu0, busy0, wall0 = server.cpu_seconds(), machine_busy_seconds(), time.monotonic()
        d_conn.send("go")
        drive = _receive(d_conn, d_proc, "the driver", SECONDS + REQUEST_TIMEOUT + 20)
        for v_conn, _ in viewer_procs:
            v_conn.send(drive["answered"])
        seen = merge_seen([_receive(v_conn, v_proc, "the viewers", DRAIN_SECONDS + 20)
                           for v_conn, v_proc in viewer_procs])
        wall = time.monotonic() - wall0
        server_cpu = (server.cpu_seconds() - cpu0) / wall
        # What the rest of the machine used meanwhile: the noise in this class.
        others = ((machine_busy_seconds() - busy0) / wall - server_cpu - seen["cpu_total"]
                  - drive["cpu"])
        result = Result(setup, viewers, labs_count, dict(outcomes), drive, seen, server_cpu,
                        max(0.0, others))
        if server.proc.poll() is not None:
            result.notes.append(f"the server exited during the run:\n{server.log()}")
        elif seen["reconnects"]:
            result.notes.extend(server.errors())
        return result
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
            proc.join(5)
        server.stop()


# -- the page's own cost ---------------------------------------------------------------

def page_cost() -> dict:
    node = shutil.which("node")
    if node is None:
        raise BenchError("node is not installed (Node 20+): the page part needs it")
    if not Path("/usr/bin/chromium").exists():
        raise BenchError("Debian's chromium is missing: run `make bench-live` as root")
    server = Server("embedded", None)
    try:
        server.start()
        lab = server.create_labs(1)[0]
        done = subprocess.run([node, str(ROOT / "bench" / "page_cost.mjs"), server.base, lab,
                               str(PAGE_EVENTS)], cwd=ROOT, capture_output=True, text=True,
                              timeout=PAGE_SECONDS)
    finally:
        server.stop()
    if done.returncode != 0:
        raise BenchError(f"bench/page_cost.mjs failed (rc={done.returncode}):\n"
                         f"{done.stdout[-2000:]}{done.stderr[-3000:]}")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError(f"bench/page_cost.mjs printed no result:\n{done.stdout[-2000:]}"
                         f"{done.stderr[-2000:]}") from None




def main() -> int:
    watchdog(DEADLINE_SECONDS)
    unknown = set(SETUPS) - {"embedded", "redis"}
    if unknown:
        raise BenchError(f"BENCH_LIVE_SETUPS: unknown setup(s) {sorted(unknown)}; "
                         "use embedded, redis")
    redis = Redis() if "redis" in SETUPS else None
    results: list[Result] = []
    load_before = os.getloadavg()
    try:
        if redis:
            redis.start()
        print_header()
        for viewers, labs in CLASSES:
            for setup in SETUPS:
                result = run_class(setup, viewers, labs, redis if setup == "redis" else None)
                print_row(result)
                results.append(result)
    finally:
        if redis:
            redis.stop()
    if PAGE:
        print_page(page_cost())
    print_noise(results, load_before)
    print_last(results)
    return 0


if __name__ == "__main__":
    run(main)
