#!/usr/bin/env python3
"""Watched labs against a worker's Redis pool: how long an ordinary request takes while
more labs are watched than the pool has connections, with the cap on watched labs
(STATELAB_MAX_WATCHED_LABS, default half the pool) and with it lifted.

Run from the repo root, on a quiet machine:
    flock /tmp/statelab-heavy.lock .venv/bin/python bench/watched_labs.py

For each setup (``capped``: the default; ``uncapped``: the cap above the labs watched),
alternating, BENCH_ROUNDS (1) times: a fresh redis-server and gunicorn as README deploys
it (deploy/gunicorn.conf.py, one gevent worker, STATELAB_REDIS_CONNECTIONS=BENCH_POOL,
default 200) on free 127.0.0.1 ports; POOL + 20 labs, one live stream each (opened 32 at
a time, each until its first line or its refusal); then 10 GET /api/state one after the
other (10 s timeout), each timed. Bounded: 600 s in all (the watchdog).
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import BenchError, Timeout, http, stop_group, watchdog  # noqa: E402
from bench.report import fmt_load  # noqa: E402
from tests.helpers import free_port, wait_for_port  # noqa: E402

HOST = "127.0.0.1"
POOL = int(os.environ.get("BENCH_POOL", "200"))
LABS = POOL + 20
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
READS = 10
SETUPS = {"capped": {}, "uncapped": {"STATELAB_MAX_WATCHED_LABS": str(LABS * 2)}}


def start(command: list[str], port: int, env: dict | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=ROOT,
                            start_new_session=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
    except RuntimeError as error:
        stop_group(proc)
        raise BenchError(str(error)) from None
    return proc


def open_stream(port: int, lab: str) -> tuple[int, socket.socket]:
    """A live stream held open: its status, and the socket (read up to its first line)."""
    sock = socket.create_connection((HOST, port), timeout=15)
    sock.sendall(f"GET /api/hooks/stream?lab={lab} HTTP/1.1\r\nHost: {HOST}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1]), sock


def state_reads(base: str, lab: str) -> tuple[list[int], list[float]]:
    statuses, seconds = [], []
    for _ in range(READS):
        started = time.perf_counter()
        statuses.append(http("GET", f"{base}/api/state", lab=lab, timeout=10)[0])
        seconds.append(time.perf_counter() - started)
    return statuses, seconds


def run(setup: str) -> str:
    folder = Path(tempfile.mkdtemp(prefix="statelab-bench-watched-"))
    redis_port, app_port = free_port(), free_port()
    redis = app = None
    streams: list[socket.socket] = []
    try:
        redis = start([shutil.which("redis-server") or "redis-server", "--port",
                       str(redis_port), "--bind", HOST, "--save", "", "--appendonly", "no",
                       "--dir", str(folder)], redis_port)
        app = start([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                     "-b", f"{HOST}:{app_port}", "statelab:create_app()"], app_port, {
            "STATELAB_REDIS_URL": f"redis://{HOST}:{redis_port}/0",
            "STATELAB_REDIS_CONNECTIONS": str(POOL), "STATELAB_SECRET_KEY": "statelab-bench-fixed-secret-key",
            "STATELAB_INSTANCE_PATH": str(folder / "instance"), "XDG_RUNTIME_DIR": str(folder),
            "STATELAB_MAX_LABS": str(LABS * 2), "STATELAB_LABS_PER_ADDRESS": str(LABS * 2),
            "STATELAB_LAB_RATE": "100000/minute", **SETUPS[setup]})
        base = f"http://{HOST}:{app_port}"
        labs = []
        for _ in range(LABS):
            status, body = http("POST", f"{base}/api/labs")
            if status != 201:
                raise BenchError(f"POST /api/labs answered {status}: {body}")
            labs.append(body["id"])
        with ThreadPoolExecutor(32) as pool:
            opened = list(pool.map(lambda lab: open_stream(app_port, lab), labs))
        streams = [sock for _, sock in opened]
        codes = [status for status, _ in opened]
        time.sleep(1)  # every follower in its blocking read
        statuses, seconds = state_reads(base, labs[0])
        others = dict(Counter(c for c in codes if c not in (200, 429)))
        return (f"{setup:>9}: pool {POOL}, {LABS} labs: streams {codes.count(200)} open, "
                f"{codes.count(429)} refused 429, others {others}; GET /api/state x{READS}: "
                f"{statuses.count(200)} answered 200, "
                f"median {statistics.median(seconds) * 1000:.0f} ms, "
                f"max {max(seconds) * 1000:.0f} ms")
    finally:
        for sock in streams:
            sock.close()
        stop_group(app)
        stop_group(redis)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    watchdog(600)
    try:
        for _ in range(ROUNDS):
            for setup in SETUPS:
                print(f"{run(setup)}; load average {fmt_load(os.getloadavg())}", flush=True)
    except (BenchError, Timeout) as error:
        print(f"BENCHMARK FAILED: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
