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

import asyncio
import contextlib
import json
import re
import math
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import BenchError, Timeout, http, stop_group, watchdog  # noqa: E402
from tests.helpers import free_port  # noqa: E402  (one copy, shared with the tests)
HOST = "127.0.0.1"
SECRET = "statelab-bench-fixed-secret-key"
WORKER_ARGS = os.environ.get("BENCH_LIVE_WORKER_ARGS",
                             "-c deploy/gunicorn.conf.py -w 2").split()
SETUPS = os.environ.get("BENCH_LIVE_SETUPS", "embedded,redis").split(",")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
RATE = float(os.environ.get("BENCH_RATE", "20"))
# viewers/labs: one class in one lab, and the same number spread over 50 labs.
# BENCH_LIVE_PAGE=0 skips the page's cost (when only the server side is measured).
PAGE = os.environ.get("BENCH_LIVE_PAGE", "1") != "0"
CLASSES = [tuple(int(n) for n in pair.split("/")) for pair in
           os.environ.get("BENCH_LIVE_CLASSES", "1/1,100/1,500/1,500/50").split(",")]
# Caps above every class, so a cap is never what refuses a viewer or a student's login
# here: viewers per lab, streams per worker, logins per address and labs kept per
# address (the 50 labs come from one address; an app without a setting ignores it).
MAX_VIEWERS = 1000
UNCAPPED = {"STATELAB_MAX_VIEWERS": str(MAX_VIEWERS), "STATELAB_MAX_STREAMS": str(MAX_VIEWERS),
            "STATELAB_LOGIN_RATE": "100000/minute", "STATELAB_LABS_PER_ADDRESS": "100"}
CONNECT_SECONDS = 10
# The viewers are split over this many processes (each an asyncio loop), as a class's
# browsers are many processes: measured, one process reading 500 streams used ~60% of a
# CPU, and the time its loop took to reach a socket counted as the server's latency.
VIEWER_PROCESSES = int(os.environ.get("BENCH_VIEWER_PROCESSES", "2"))
DRAIN_SECONDS = 5
RETRY_SECONDS = 1.0  # the stream's own ``retry: 1000``
REQUEST_TIMEOUT = 5
# The mix: one scrypt login in ten requests (a student logging in again), comments and
# state reads. Each student logs in once before the viewers connect (not measured).
# Students, each with its own cookies, taking turns: at 20 requests/s each sends one
# every 0.5 s (to the labs in turn when there are several).
STUDENTS = 10
ACTIONS = ["login"] + ["comment", "state"] * 4 + ["comment"]
MECHANISMS = ("cookie", "session", "server-session")
# A client process above this share of one CPU may be what holds the viewers back.
CLIENT_CPU_LIMIT = 0.8
# Other processes using more than this share of one CPU make a class noisy.
NOISE_CPU_LIMIT = 0.25
PAGE_EVENTS = 5000
PAGE_SECONDS = 120
PER_CLASS_SECONDS = 6 + CONNECT_SECONDS + SECONDS + DRAIN_SECONDS + 10
DEADLINE_SECONDS = int(len(SETUPS) * len(CLASSES) * PER_CLASS_SECONDS + PAGE_SECONDS + 30)


# A traceback's last line: "redis.exceptions.TimeoutError: Timeout reading from socket".
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*")


# -- servers ---------------------------------------------------------------------------

def group_cpu_seconds(pgid: int) -> float:
    """CPU (user + system) used so far by the live processes of one process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:  # field 5, pgrp, counted after the command name
            total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (all CPUs), from /proc/stat."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Redis:
    """Debian's redis-server on a free loopback port, nothing saved to disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.tmp = tempfile.mkdtemp(prefix="statelab-bench-redis-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise BenchError("redis-server is not installed: run `make bench-live` (it "
                             "installs Debian's redis-server as root), then rerun")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", self.tmp], start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise BenchError(f"redis-server did not start on {HOST}:{self.port}")

    def flush(self) -> None:
        import redis
        client = redis.Redis.from_url(self.url)
        client.flushall()
        client.close()

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        stop_group(self.proc)
        shutil.rmtree(self.tmp, ignore_errors=True)


class Server:
    def __init__(self, setup: str, redis: Redis | None) -> None:
        self.setup = setup
        self.redis = redis
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.tmp = tempfile.mkdtemp(prefix=f"statelab-bench-live-{setup}-")
        self.log_path = Path(self.tmp) / "server.log"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if self.setup == "embedded":
            return [sys.executable, "-m", "statelab"]
        return [sys.executable, "-m", "gunicorn", *WORKER_ARGS, "--graceful-timeout", "1",
                "-b", f"{HOST}:{self.port}", "--log-level", "warning",
                "--error-logfile", str(self.log_path), "statelab:create_app()"]

    def start(self) -> None:
        env = {**os.environ, "HOST": HOST, "PORT": str(self.port),
               "STATELAB_INSTANCE_PATH": str(Path(self.tmp) / "instance"),
               "STATELAB_SECRET_KEY": SECRET, **UNCAPPED,
               "STATELAB_REDIS_URL": self.redis.url if self.redis else "",
               "PYTHONDONTWRITEBYTECODE": "1"}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=env,
                                         start_new_session=True, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.setup} server exited (rc={self.proc.returncode}):"
                                 f"\n{self.log()}")
            try:
                if http("GET", self.base + "/api/health", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise BenchError(f"{self.setup} server not ready on {self.base} after 20s:\n"
                         f"{self.log()}")

    def create_labs(self, count: int) -> list[str]:
        labs = []
        for _ in range(count):
            status, body = http("POST", self.base + "/api/labs")
            if status != 201 or not isinstance(body, dict) or "id" not in body:
                raise BenchError(f"{self.setup}: POST /api/labs answered {status}: {body}")
            labs.append(body["id"])
        return labs

    def cpu_seconds(self) -> float:
        """The app's processes, and redis-server's when it uses one."""
        own = group_cpu_seconds(self.proc.pid)
        return own + (self.redis.cpu_seconds() if self.redis else 0.0)

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-3000:]
        except OSError:
            return "(no log)"

    def errors(self) -> list[str]:
        """The exceptions the server logged (a traceback's last line), most common first."""
        try:
            lines = self.log_path.read_text().splitlines()
        except OSError:
            return []
        found = Counter(line for line in lines if EXCEPTION_LINE.match(line))
        return [f"server log: {n} x {line}" for line, n in found.most_common(3)]

    def stop(self) -> None:
        stop_group(self.proc)
        shutil.rmtree(self.tmp, ignore_errors=True)


# -- viewers (their own process) -------------------------------------------------------

END = b"event: end\ndata: "
ID = b"\n\nid: "
GAP = b"event: gap\n"


class _Stream(asyncio.Protocol):
    """One stream connection: the status line and headers, then the body to the viewer
    as it is read (chunked framing removed), stamped with the moment it was read.
    As little work a message as it can: 500 viewers at 20 requests/s are ~170,000
    messages/s for one process to read."""

    def __init__(self, viewer: "Viewer", loop) -> None:
        self.viewer = viewer
        self.head = b""
        self.status = loop.create_future()
        self.closed = loop.create_future()
        self.chunked = False
        self.pending = b""  # an unfinished chunk-size line
        self.left = 0  # bytes of the current chunk still to come
        self.trail = 0  # bytes of the CRLF after it still to skip

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.status.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end].lower(), self.head[end + 4:]
            self.chunked = b"transfer-encoding: chunked" in head
            self.status.set_result(int(head.split(b" ", 2)[1]))
            self.viewer.buffer = b""
        self.viewer.feed(self.dechunk(data) if self.chunked else data, now)

    def dechunk(self, data: bytes) -> bytes:
        buf, self.pending = self.pending + data, b""
        out, pos, end = [], 0, len(buf)
        while pos < end:
            if self.left:
                take = min(self.left, end - pos)
                out.append(buf[pos:pos + take])
                pos += take
                self.left -= take
                self.trail = 0 if self.left else 2
            elif self.trail:
                skip = min(self.trail, end - pos)
                pos += skip
                self.trail -= skip
            else:
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    self.pending = buf[pos:]
                    break
                self.left = int(buf[pos:eol].split(b";", 1)[0], 16)
                pos = eol + 2
                if not self.left:  # the last chunk: the server ended the stream
                    break
        return b"".join(out)

    def connection_lost(self, exc) -> None:
        if not self.status.done():
            self.status.set_exception(ConnectionError("closed before an answer"))
        if not self.closed.done():  # a cancelled run has stopped waiting for it
            self.closed.set_result(None)


class Viewer:
    """One SSE reader that reconnects as EventSource does (after the stream's
    ``retry: 1000``, sending Last-Event-ID); keeps, per ``end`` event, how late it came."""

    def __init__(self, lab: str, since: float) -> None:
        self.lab = lab
        self.since = since  # the students' logins before it are not measured
        self.outcome = "pending"
        self.latency: dict[str, float] = {}
        self.last_id: str | None = None
        self.gaps = 0
        self.reconnects = 0
        self.buffer = b""

    async def follow(self, port: int, answered: asyncio.Event) -> None:
        """The first answer decides whether this viewer counts as connected; a stream
        that ends later is reopened until the run is over."""
        self.outcome = await self._open(port, answered)
        while self.outcome == "connected":
            await asyncio.sleep(RETRY_SECONDS)
            self.reconnects += 1
            await self._open(port, None)

    async def _open(self, port: int, answered: asyncio.Event | None) -> str:
        loop = asyncio.get_running_loop()
        stream = _Stream(self, loop)
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(lambda: stream, HOST, port), CONNECT_SECONDS)
            transport.write(self._request())
            status = await stream.status
        except (OSError, asyncio.TimeoutError, ValueError) as exc:
            return f"error: {type(exc).__name__}"
        finally:
            if answered:
                answered.set()
        if status != 200:
            transport.close()
            return "refused (429)" if status == 429 else f"HTTP {status}"
        self.outcome = "connected"
        try:
            await stream.closed
        finally:
            transport.close()
        return "connected"

    def _request(self) -> bytes:
        """What EventSource sends (HTTP/1.1), resuming after the last event seen."""
        resume = f"Last-Event-ID: {self.last_id}\r\n" if self.last_id else ""
        return (f"GET /api/hooks/stream?lab={self.lab} HTTP/1.1\r\nHost: {HOST}\r\n"
                f"Accept: text/event-stream\r\nCache-Control: no-cache\r\n{resume}\r\n"
                ).encode()

    def feed(self, chunk: bytes, now: float) -> None:
        """Bytes read at ``now``; a message split across reads is kept until it ends."""
        self.buffer += chunk
        cut = self.buffer.rfind(b"\n\n")
        if cut >= 0:
            self._messages(b"\n\n" + self.buffer[:cut], now)
            self.buffer = self.buffer[cut + 2:]

    def _messages(self, block: bytes, now: float) -> None:
        """Complete messages, each after a blank line; only ``end`` events are decoded."""
        self.gaps += block.count(GAP)
        last = block.rfind(ID)
        if last >= 0:
            self.last_id = block[last + len(ID):block.index(b"\n", last + len(ID))].decode()
        at = block.find(END)
        while at >= 0:
            start = at + len(END)
            stop = block.find(b"\n", start)
            stop = len(block) if stop < 0 else stop
            event = json.loads(block[start:stop])
            # A replay after a reconnect never makes an event look earlier than it came.
            if event["time"] >= self.since:
                self.latency.setdefault(event["trace"], now - event["time"])
            at = block.find(END, stop)


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _viewers(conn, base: str, labs: list[str], since: float) -> None:
    loop = asyncio.get_running_loop()
    viewers = [Viewer(lab, since) for lab in labs]
    port = int(base.rsplit(":", 1)[1])
    flags = [asyncio.Event() for _ in viewers]
    tasks = [asyncio.create_task(v.follow(port, f)) for v, f in zip(viewers, flags)]
    try:
        await asyncio.wait_for(asyncio.gather(*(f.wait() for f in flags)),
                               CONNECT_SECONDS)
    except asyncio.TimeoutError:
        pass
    counts: dict[str, int] = {}
    for v in viewers:
        counts[v.outcome] = counts.get(v.outcome, 0) + 1
    # Measured: the viewers connected when the driver starts. One that connects
    # later is reported apart.
    counted = [v for v in viewers if v.outcome == "connected"]
    conn.send(counts)
    cpu0, wall0 = cpu_now(), time.monotonic()
    expected = await loop.run_in_executor(None, conn.recv)
    await _drain(counted, expected)
    cpu, wall = cpu_now() - cpu0, time.monotonic() - wall0
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    summary = _viewer_summary(counted, expected, cpu / wall)
    summary["late"] = sum(v.outcome == "connected" for v in viewers) - len(counted)
    conn.send(summary)


async def _drain(viewers: list[Viewer], answered: dict[str, int]) -> None:
    """Wait (at most DRAIN_SECONDS) until every live viewer has every end event."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        want = _expected(viewers, answered)
        if all(len(v.latency) >= want[v.lab] for v in viewers):
            return
        await asyncio.sleep(0.05)


def _expected(viewers: list[Viewer], answered: dict[str, int]) -> dict[str, int]:
    """Requests that ended in each lab: every one the driver got an answer to, and any
    other that a viewer saw end (one that answered after the driver gave up)."""
    seen: dict[str, set] = {}
    for v in viewers:
        seen.setdefault(v.lab, set()).update(v.latency)
    return {lab: max(len(traces), answered.get(lab, 0)) for lab, traces in seen.items()}


def _viewer_summary(viewers: list[Viewer], answered: dict[str, int], cpu: float) -> dict:
    want = _expected(viewers, answered)
    latencies, missing = [], 0
    for v in viewers:
        latencies.extend(v.latency.values())
        missing += max(0, want[v.lab] - len(v.latency))
    return {"latencies": latencies, "missing": missing,
            "gaps": sum(v.gaps for v in viewers),
            "reconnects": sum(v.reconnects for v in viewers),
            "cpu": cpu}


def viewers_process(conn, base: str, labs: list[str], since: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_viewers(conn, base, labs, since))


# -- driver (its own process) ----------------------------------------------------------

class Student:
    """One browser: its own cookies and client id, logged in by one mechanism."""

    def __init__(self, number: int, session) -> None:
        self.number = number
        self.session = session
        self.mechanism = MECHANISMS[number % len(MECHANISMS)]
        self.step = number  # students start at different points of the mix

    def next_request(self) -> tuple[str, str, dict | None]:
        """``(method, path, body)``; a login's path ends in ``/login``."""
        action = ACTIONS[self.step % len(ACTIONS)]
        self.step += 1
        if action == "login":
            # Another mechanism than the one it comments with: a comment still in
            # flight is never caught by its own re-login replacing the session.
            other = MECHANISMS[(self.number + 1) % len(MECHANISMS)]
            return "POST", f"/api/{other}/login", {"username": "Tom", "password": "123"}
        if action == "comment":
            return "POST", f"/api/{self.mechanism}/comment", {"text": f"bench {self.step}"}
        return "GET", "/api/state", None


async def _send(student: Student, base: str, lab: str, request: tuple, results: list) -> None:
    import aiohttp
    method, path, body = request
    began = time.monotonic()
    try:
        async with student.session.request(method, base + path, json=body,
                                           headers={"X-Lab-Id": lab}) as resp:
            await resp.read()
            results.append((lab, path, resp.status, time.monotonic() - began))
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        results.append((lab, path, None, time.monotonic() - began))


async def _drive(conn, base: str, labs: list[str]) -> dict:
    """Log the students in (before the viewers connect; not measured), say so, wait for
    the go, then send RATE requests/s on a fixed schedule, whether or not earlier ones
    were answered: a slow server does not slow the class down."""
    import aiohttp
    loop = asyncio.get_running_loop()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with contextlib.AsyncExitStack() as stack:
        students = []
        for number in range(STUDENTS):
            session = await stack.enter_async_context(aiohttp.ClientSession(
                # unsafe: keep cookies set by a bare IP (127.0.0.1)
                cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout,
                headers={"X-Client-Id": f"bench-{number:04d}"}, trust_env=False))
            students.append(Student(number, session))
        setup: list = []
        for i, student in enumerate(students):
            login = ("POST", f"/api/{student.mechanism}/login",
                     {"username": "Tom", "password": "123"})
            await _send(student, base, labs[i % len(labs)], login, setup)
        if any(status != 200 for _, _, status, _ in setup):
            raise BenchError(f"the students could not log in: {setup}")
        conn.send(time.time())
        await loop.run_in_executor(None, conn.recv)
        results: list = []
        tasks = []
        cpu0, start = cpu_now(), time.monotonic()
        for k in range(int(SECONDS * RATE)):
            await asyncio.sleep(max(0.0, start + k / RATE - time.monotonic()))
            student = students[k % len(students)]
            tasks.append(asyncio.create_task(
                _send(student, base, labs[k % len(labs)], student.next_request(), results)))
        await asyncio.gather(*tasks)
        wall = time.monotonic() - start
    answered: dict[str, int] = {}
    for lab, _, status, _ in results:
        if status is not None:
            answered[lab] = answered.get(lab, 0) + 1
    return {"sent": len(results), "answered": answered,
            "latencies": [t for _, path, status, t in results
                          if status is not None and not path.endswith("/login")],
            "logins": [t for _, path, status, t in results
                       if status is not None and path.endswith("/login")],
            "bad": Counter(status for _, _, status, _ in results
                           if status is not None and status >= 400),
            "cpu": (cpu_now() - cpu0) / wall}


def driver_process(conn, base: str, labs: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(asyncio.run(_drive(conn, base, labs)))
    except BenchError as exc:
        conn.send(exc)


# -- one class on one setup ------------------------------------------------------------

@dataclass
class Result:
    setup: str
    viewers: int
    labs: int
    outcomes: dict
    drive: dict
    seen: dict
    server_cpu: float
    others_cpu: float
    notes: list = field(default_factory=list)

    @property
    def connected(self) -> int:
        return self.outcomes.get("connected", 0)

    def percentile(self, q: float) -> float:
        """Over every (viewer, end event) pair; a missing delivery counts as infinite."""
        values = sorted(self.seen["latencies"])
        total = len(values) + self.seen["missing"]
        if not total:
            return math.nan
        rank = max(0, math.ceil(q / 100 * total) - 1)
        return values[rank] * 1000 if rank < len(values) else math.inf


def merge_seen(parts: list[dict]) -> dict:
    """The viewer processes' summaries as one; ``cpu`` is the busiest process's (the
    one that may hold its viewers back), ``cpu_total`` all of theirs."""
    return {"latencies": [x for part in parts for x in part["latencies"]],
            **{key: sum(part[key] for part in parts)
               for key in ("missing", "gaps", "reconnects", "late")},
            "cpu": max(part["cpu"] for part in parts),
            "cpu_total": sum(part["cpu"] for part in parts)}


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


# -- report ----------------------------------------------------------------------------

def setup_name(setup: str) -> str:
    if setup == "embedded":
        return "embedded (python -m statelab, Werkzeug threaded)"
    return f"redis (gunicorn {' '.join(WORKER_ARGS)})"


def ms(value: float) -> str:
    if math.isinf(value):
        return f">{DRAIN_SECONDS * 1000}"
    return "-" if math.isnan(value) else f"{value:.0f}"


def p99(seconds: list[float]) -> float:
    """In ms; NaN for none."""
    if not seconds:
        return math.nan
    return sorted(seconds)[max(0, math.ceil(0.99 * len(seconds)) - 1)] * 1000


def print_row(r: Result) -> None:
    answered = sum(r.drive["answered"].values())
    refused = r.outcomes.get("refused (429)", 0)
    other = {k: n for k, n in r.outcomes.items() if k not in ("connected", "refused (429)")}
    delivered = len(r.seen["latencies"])
    expected = delivered + r.seen["missing"]
    print(f"{r.setup:<8} {r.viewers:>4}/{r.labs:<3} {r.connected:>5}/{r.viewers:<4} "
          f"{refused:>4} {ms(r.percentile(50)):>6} {ms(r.percentile(95)):>6} "
          f"{ms(r.percentile(99)):>6} {delivered:>7}/{expected:<7} "
          f"{answered:>4}/{r.drive['sent']:<4} {ms(p99(r.drive['latencies'])):>6} "
          f"{ms(p99(r.drive['logins'])):>6} "
          f"{r.seen['cpu'] * 100:>4.0f}% {r.drive['cpu'] * 100:>4.0f}% "
          f"{r.server_cpu * 100:>4.0f}% {r.others_cpu * 100:>5.0f}%", flush=True)
    for name, n in other.items():
        print(f"         {n} viewer(s): {name}"
              + (" (no answer within 10 s)" if name == "pending" else ""), flush=True)
    for status, n in r.drive["bad"].items():
        print(f"         {n} request(s) answered HTTP {status}", flush=True)
    if r.seen["gaps"]:
        print(f"         {r.seen['gaps']} gap message(s): events pushed out before sent",
              flush=True)
    if r.seen["late"]:
        print(f"         {r.seen['late']} viewer(s) connected only after the driver "
              "started (not measured)", flush=True)
    if r.seen["reconnects"]:
        print(f"         {r.seen['reconnects']} reconnection(s): streams the server ended",
              flush=True)
    for note in r.notes:
        print(f"         {note}", flush=True)


def print_header() -> None:
    print(f"statelab live viewers: {RATE:.0f} requests/s for {SECONDS:.0f} s per class "
          f"from {STUDENTS} students (one login in {len(ACTIONS)}, comments, state), "
          f"{' '.join(f'{k}={v}' for k, v in UNCAPPED.items())}; latency = request end "
          f"-> viewer, in ms; >{DRAIN_SECONDS * 1000} = not received {DRAIN_SECONDS} s "
          f"after the driver stopped", flush=True)
    for setup in SETUPS:
        print(f"  {setup}: {setup_name(setup)}", flush=True)
    print(f"CPUs: {os.cpu_count()}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; columns: reqp99/login = p99 of "
          f"the driver's other requests and of its logins (scrypt), in ms; view/drive/"
          f"server/others = CPU used by the busiest of {VIEWER_PROCESSES} viewer processes, "
          f"the driver, the server (with redis-server) and everything else on the "
          f"machine (% of one CPU)", flush=True)
    print(f"\n{'setup':<8} {'viewers':>8} {'connected':>10} {'429':>4} {'p50':>6} "
          f"{'p95':>6} {'p99':>6} {'delivered':>15} {'answered':>9} {'reqp99':>6} "
          f"{'login':>6} {'view':>5} {'drive':>5} {'server':>5} {'others':>6}", flush=True)


def print_page(page: dict) -> None:
    print(f"\npage cost (embedded, chromium): {page['events']} events in "
          f"{page['seconds']:.1f} s ({page['requests']} requests), page caught up "
          f"{page['lag_ms']:.0f} ms after the last; longest main-thread task "
          f"{page['longest_task_ms']:.0f} ms; tasks over 50 ms: {page['long_tasks']} "
          f"(total {page['long_total_ms']:.0f} ms); the page shows "
          f"{page['rows']!r}", flush=True)


def print_noise(results: list[Result], load_before: tuple) -> None:
    """Say when the figures cannot be trusted: a busy machine, or a busy client."""
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}  after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    # Not the load average during the run: a threaded server's own 500 threads count
    # in it. What other processes used is measured per class instead.
    others = max(r.others_cpu for r in results)
    if load_before[0] > 1.0 or others > NOISE_CPU_LIMIT:
        print(f"WARNING: noisy run (load average {load_before[0]:.1f} before; other "
              f"processes used up to {others * 100:.0f}% of a CPU during a class): they "
              f"competed with the server; rerun on a quiet machine to trust the "
              f"latencies.", flush=True)
    busy = [r for r in results if max(r.seen["cpu"], r.drive["cpu"]) > CLIENT_CPU_LIMIT]
    for r in busy:
        print(f"WARNING: {r.setup} {r.viewers}/{r.labs}: the client used "
              f"{max(r.seen['cpu'], r.drive['cpu']) * 100:.0f}% of a CPU; it may be what "
              f"limited the run.", flush=True)


def print_last(results: list[Result]) -> None:
    big = [r for r in results if r.viewers == 500 and r.labs == 1]
    if not big:
        print("no 500-viewer class was measured", flush=True)
        return
    best = min(big, key=lambda r: (r.connected < r.viewers, r.percentile(99)))
    print(f"p99 at 500 viewers of one lab, best setup measured ({best.setup}, "
          f"{best.connected}/500 connected): {ms(best.percentile(99))} ms", flush=True)


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
    try:
        sys.exit(main())
    except (BenchError, Timeout, subprocess.TimeoutExpired) as exc:
        print(f"BENCHMARK FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
