"""One client at its limits, another client's /api/state: does the class keep working?

Starts the server as documented, on loopback only: `make run` (python -m statelab,
threaded), gunicorn's gevent worker (deploy/gunicorn.conf.py) on Redis reached
directly (`gevent`), and the same behind nginx (deploy/nginx.conf, `gevent-nginx`: the
README's deployment). A second
loopback address (127.0.0.2, so the per-address limits count it apart) then runs every
attack on a shared class server at once for DURATION seconds, each in its own thread and bounded:

- headers: requests with HEADERS headers of HEADER_SIZE characters into its lab, as
  fast as a gigabit link carries them (LINK_MBIT, 1000: 23 requests of 5.4 MB a
  second). Each is built once and sent as raw bytes: on loopback nothing else paces
  them, and http.client built each anew, a core of the attacker's own CPU taken from
  the server it shares this machine with;
- logins: POST /login naming made-up labs, and the API logins of its own labs;
- labs: POST /api/labs, as fast as answered;
- streams: live streams on its labs until refused, held to the end;
- cracks: POST /api/lab/secret/crack on its signed cookie.

Meanwhile the victim (127.0.0.1) reads GET /api/state of its own lab in a loop, in a
process of its own: another student's browser does not share the attacker's GIL, and
in one process the five attack threads would delay the victim's reads on this side. The
run prints, per server: the victim's median and p95 before and during the attack, the
server's peak resident memory (every process of it, nginx's too, sampled every 0.25 s;
and each process's own, at rest and at its peak) and what the attacker was answered.
Exit status 1 when a figure misses its bound (300 MiB, 20 ms).

    .venv/bin/python bench/class_limits.py              # the three servers, 20 s each
    DURATION=10 SERVERS=make-run .venv/bin/python bench/class_limits.py
    ATTACKS=crack,login SERVERS=gevent .venv/bin/python bench/class_limits.py   # some only
    GUNICORN_WORKERS=1 SERVERS=gevent .venv/bin/python bench/class_limits.py   # one worker
    HEADERS=4 LINK_MBIT=100000 SERVERS=make-run .venv/bin/python bench/class_limits.py  # 240 KB heads

GUNICORN_WORKERS reaches deploy/gunicorn.conf.py (here 2 unless set, as the README's
deployment runs it); GUNICORN_CONF names another gunicorn config file; LOGS names a
folder to keep each server's log in.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import BenchError, Timeout, stop_group, watchdog  # noqa: E402
from tests.helpers import free_port, raw_status, wait_for_port  # noqa: E402
from tests.servers import ROOT, Nginx, RedisServer, command_line, descendants  # noqa: E402

DURATION = float(os.environ.get("DURATION", "20"))
SERVERS = os.environ.get("SERVERS", "make-run,gevent,gevent-nginx").split(",")
ATTACKS = os.environ.get("ATTACKS", "headers,login,lab,crack,stream").split(",")
LOGS = os.environ.get("LOGS")  # a folder to keep each server's log in
WORKERS = os.environ.get("GUNICORN_WORKERS", "2")  # the README's deployment runs two
HEADERS = int(os.environ.get("HEADERS", "90"))
HEADER_SIZE = int(os.environ.get("HEADER_SIZE", "60000"))
LINK_BYTES = float(os.environ.get("LINK_MBIT", "1000")) * 1e6 / 8  # the attacker's link, a second
ATTACKER, VICTIM = "127.0.0.2", "127.0.0.1"
MAX_RSS_MIB, MAX_MEDIAN_MS = 300, 20
SECRET = "statelab-bench-fixed-secret-key"


def request(port: int, method: str, path: str, source: str, headers: dict | None = None,
            body: dict | None = None, timeout: float = 10) -> tuple[int, bytes, list]:
    """One request on its own connection from ``source``: (status, body, Set-Cookie)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0))
    data = json.dumps(body).encode() if body is not None else None
    sent = {**(headers or {}), **({"Content-Type": "application/json"} if data else {})}
    try:
        conn.request(method, path, body=data, headers=sent)
        answer = conn.getresponse()
        return answer.status, answer.read(), answer.headers.get_all("Set-Cookie") or []
    finally:
        conn.close()


def new_lab(port: int, source: str) -> dict:
    status, body, _ = request(port, "POST", "/api/labs", source)
    if status != 201:
        raise BenchError(f"POST /api/labs from {source} answered {status}: {body[:200]!r}")
    return json.loads(body)


def tree(root_pid: int) -> list[int]:
    """``root_pid`` and every descendant (gunicorn's workers, the crack processes)."""
    return [root_pid] + descendants(root_pid)


def label(pid: int, root_pid: int) -> str:
    """What a server process is: gunicorn's arbiter or a worker, a crack process,
    multiprocessing's resource tracker, nginx's master or worker, or the server."""
    command = command_line(pid)
    if not command:
        return "gone"
    if "resource_tracker" in command:
        return "resource tracker"
    if "spawn_main" in command or "crack_process" in command:
        return "crack process"
    if "nginx" in command:
        return "nginx master" if pid == root_pid else "nginx worker"
    if "gunicorn" in command:
        return "gunicorn arbiter" if pid == root_pid else "gunicorn worker"
    return "server" if pid == root_pid else "child"


def rss_kib(root_pid: int) -> dict[int, int]:
    """Resident memory (KiB) of ``root_pid`` and of each descendant, by pid."""
    found = {}
    for pid in tree(root_pid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found[pid] = int(line.split()[1])
        except OSError:
            pass
    return found


class Memory:
    """The server's processes sampled together: their total at rest and at its peak,
    and each process's own at rest and at its own peak (labelled when first seen)."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.labels: dict[int, str] = {}
        self.rest: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self.peak_total = 0

    def sample(self) -> dict[int, int]:
        now = {}
        for root in self.roots:
            for pid, kib in rss_kib(root).items():
                now[pid] = kib
                if pid not in self.labels:
                    self.labels[pid] = label(pid, root)
        for pid, kib in now.items():
            self.peak[pid] = max(self.peak.get(pid, 0), kib)
        self.peak_total = max(self.peak_total, sum(now.values()))
        return now

    def at_rest(self) -> float:
        self.rest = self.sample()
        self.peak, self.peak_total = {}, 0
        return sum(self.rest.values()) / 1024

    def lines(self) -> list[str]:
        """One line per process: its RSS at rest and its peak, MiB."""
        return [f"{self.labels[pid]} {pid}: {self.rest.get(pid, 0) / 1024:.0f} -> "
                f"{self.peak[pid] / 1024:.0f}" for pid in sorted(self.peak)]


def cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) used so far by ``root_pid`` and its live descendants:
    what the attack costs the server, less sensitive to the machine's load than a
    latency."""
    total = 0
    for pid in tree(root_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


class Attacker:
    """The five attacks, each a thread looping until ``stop``; answers tallied."""

    def __init__(self, port: int, stop: threading.Event) -> None:
        self.port, self.stop = port, stop
        self.answers: Counter = Counter()
        self.streams: list[http.client.HTTPConnection] = []
        self.labs = [new_lab(port, ATTACKER) for _ in range(2)]
        big = "".join(f"X-Big-{n}: {'h' * HEADER_SIZE}\r\n" for n in range(HEADERS))
        self.big_request = (f"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                            f"X-Lab-Id: {self.labs[0]['id']}\r\n{big}"
                            "Connection: close\r\n\r\n").encode()
        self.sent_at = 0.0
        self._lock = threading.Lock()

    def _count(self, kind: str, status: int) -> None:
        with self._lock:
            self.answers[f"{kind} {status}"] += 1

    def _loop(self, kind: str, once) -> None:
        while not self.stop.is_set():
            try:
                self._count(kind, once())
            except (OSError, http.client.HTTPException) as error:
                self._count(kind, type(error).__name__)

    def headers(self) -> int:
        status = raw_status(self.port, self.big_request, ATTACKER, timeout=10)
        # When the link has carried it (no more than a second's worth at once).
        self.sent_at = max(self.sent_at, time.monotonic() - 1) + len(self.big_request) / LINK_BYTES
        self.stop.wait(self.sent_at - time.monotonic())
        return status

    def logins(self) -> int:
        self.made_up = getattr(self, "made_up", 0) + 1
        return request(self.port, "POST", f"/api/session/login?lab={self.labs[1]['id']}",
                       ATTACKER, body={"username": "Tom", "password": "wrong"})[0] \
            if self.made_up % 2 else request(
                self.port, "POST", f"/login?lab=made-up-{self.made_up}", ATTACKER,
                {"Content-Type": "application/x-www-form-urlencoded"})[0]

    def new_labs(self) -> int:
        return request(self.port, "POST", "/api/labs", ATTACKER)[0]

    def crack(self) -> int:
        lab = self.labs[1]["id"]
        return request(self.port, "POST", "/api/lab/secret/crack", ATTACKER,
                       {"X-Lab-Id": lab}, body={"cookie": "eyJ1IjoiVG9tIn0.Z0.x"})[0]

    def open_streams(self) -> None:
        """Streams until one is refused; then hold them (retrying each second)."""
        while not self.stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10,
                                              source_address=(ATTACKER, 0))
            try:
                conn.request("GET", f"/api/hooks/stream?lab={self.labs[len(self.streams) % 2]['id']}")
                answer = conn.getresponse()
            except OSError as error:
                self._count("stream", type(error).__name__)
                conn.close()
                continue
            self._count("stream", answer.status)
            if answer.status == 200:
                self.streams.append(conn)
            else:
                conn.close()
                self.stop.wait(1)

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._loop, args=(kind, once), daemon=True)
                   for kind, once in (("headers", self.headers), ("login", self.logins),
                                      ("lab", self.new_labs), ("crack", self.crack))
                   if kind in ATTACKS]
        if "stream" in ATTACKS:
            threads.append(threading.Thread(target=self.open_streams, daemon=True))
        for thread in threads:
            thread.start()
        return threads

    def close(self) -> None:
        for conn in self.streams:
            conn.close()


def victim_reads(port: int, lab: str, seconds: float) -> list[float]:
    """GET /api/state of the victim's lab for ``seconds``: each latency in ms."""
    latencies, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        status, _, _ = request(port, "GET", "/api/state", VICTIM, {"X-Lab-Id": lab})
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise BenchError(f"the victim's /api/state answered {status}")
        time.sleep(0.02)  # a page's pace, not a load generator
    return latencies


def victim_process(port: int, lab: str, seconds: float) -> subprocess.Popen:
    """``victim_reads`` in a process of its own; ``victim_result`` collects it."""
    return subprocess.Popen([sys.executable, __file__, "victim", str(port), lab, str(seconds)],
                            stdout=subprocess.PIPE, text=True)


def victim_result(proc: subprocess.Popen) -> list[float]:
    out, _ = proc.communicate(timeout=60 + DURATION)
    if proc.returncode != 0:
        raise BenchError(f"the victim's reads failed: {out[-300:]!r}")
    return json.loads(out)


def start_server(kind: str, folder: Path) -> tuple:
    """(port to use, server process, Redis or None, nginx or None) for ``kind``."""
    port = free_port()
    env = {**os.environ, "STATELAB_INSTANCE_PATH": str(folder / "instance"),
           "STATELAB_SECRET_KEY": SECRET, "XDG_RUNTIME_DIR": str(folder),
           "STATELAB_TRUSTED_PROXIES": "1" if kind == "gevent-nginx" else "0",
           "GUNICORN_WORKERS": WORKERS}
    redis = None
    if kind == "make-run":
        command = [sys.executable, "-m", "statelab"]
        env.update(PORT=str(port), HOST="127.0.0.1")
    else:
        redis = RedisServer(folder, "--save", "", "--appendonly", "no")
        env["STATELAB_REDIS_URL"] = redis.url
        command = [str(Path(sys.executable).with_name("gunicorn")), "-c",
                   os.environ.get("GUNICORN_CONF", str(ROOT / "deploy" / "gunicorn.conf.py")), "-b", f"127.0.0.1:{port}",
                   "statelab:create_app()"]
    proc = subprocess.Popen(command, env=env, cwd=folder, start_new_session=True,
                            stdout=(folder / "server.log").open("w"), stderr=subprocess.STDOUT)
    wait_for_port(port, proc)
    if kind != "gevent-nginx":
        return port, proc, redis, None
    # As README's deployment runs it: nginx in front, 2048 connections (two per viewer).
    (folder / "nginx").mkdir()
    proxy = Nginx(folder / "nginx", port, connections=2048)
    return proxy.port, proc, redis, proxy


def run(kind: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="statelab-class-") as tmp:
        port, proc, redis, proxy = start_server(kind, Path(tmp))
        stop = threading.Event()
        memory = Memory([proc.pid] + ([proxy.proc.pid] if proxy else []))
        try:
            lab = new_lab(port, VICTIM)["id"]
            before = victim_result(victim_process(port, lab, min(5.0, DURATION / 2)))
            rest = memory.at_rest()

            def sample():
                while not stop.is_set():
                    memory.sample()
                    stop.wait(0.25)
            attacker = Attacker(port, stop)
            threading.Thread(target=sample, daemon=True).start()
            victim = victim_process(port, lab, DURATION)
            cpu = cpu_seconds(proc.pid)
            threads = attacker.start()
            during = victim_result(victim)
            cpu = cpu_seconds(proc.pid) - cpu
            load = os.getloadavg()[0]
        finally:
            stop.set()
            for thread in locals().get("threads", []):  # tally only what a live server answered
                thread.join(timeout=15)
            if "attacker" in locals():
                attacker.close()
            if proxy is not None:
                proxy.stop()
            stop_group(proc)
            if redis is not None:
                redis.stop()
            if LOGS:
                Path(LOGS).mkdir(parents=True, exist_ok=True)
                (Path(LOGS) / f"{kind}.log").write_bytes((Path(tmp) / "server.log").read_bytes())
    return {"server": kind, "rest_mib": rest, "peak_mib": memory.peak_total / 1024,
            "processes": memory.lines(), "cpu": cpu, "load": load,
            "before": before, "during": during, "answers": dict(attacker.answers)}


def report(result: dict) -> bool:
    def quantiles(values):
        return statistics.median(values), statistics.quantiles(values, n=20)[18]
    b50, b95 = quantiles(result["before"])
    d50, d95 = quantiles(result["during"])
    ok = result["peak_mib"] < MAX_RSS_MIB and d50 < MAX_MEDIAN_MS
    workers = "" if result["server"] == "make-run" else f" ({WORKERS} workers)"
    print(f"== {result['server']}{workers}: server RSS {result['rest_mib']:.0f} MiB at rest, peak "
          f"{result['peak_mib']:.0f} MiB (bound {MAX_RSS_MIB})")
    print(f"   each process, MiB at rest -> its peak: {'; '.join(result['processes'])}")
    print(f"   victim /api/state median {b50:.1f} ms (p95 {b95:.1f}) before, "
          f"{d50:.1f} ms (p95 {d95:.1f}) during, {len(result['during'])} reads "
          f"(bound {MAX_MEDIAN_MS} ms median)  {'OK' if ok else 'MISSED'}")
    print(f"   server CPU during the attack: {result['cpu']:.1f} s in {DURATION:.0f} s; "
          f"load average at its end {result['load']:.1f}")
    print(f"   attacker answered: {json.dumps(dict(sorted(result['answers'].items())))}")
    return ok


def main() -> int:
    watchdog(int(120 + 2 * DURATION * len(SERVERS)))
    print(f"load average before: {os.getloadavg()}")
    try:
        results = [run(kind) for kind in SERVERS]
    except (BenchError, Timeout) as error:
        print(f"BENCHMARK FAILED: {error}")
        return 1
    ok = all([report(result) for result in results])
    print(f"load average after: {os.getloadavg()}")
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["victim"]:
        try:
            print(json.dumps(victim_reads(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))))
        except (BenchError, OSError) as error:
            print(error)
            sys.exit(1)
        sys.exit(0)
    sys.exit(main())
