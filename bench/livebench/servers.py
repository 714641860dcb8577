"""The servers a class is measured on: the app (embedded or gunicorn) and Redis, with
the CPU they use."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import BenchError, http, stop_group
from tests.helpers import free_port
from bench.livebench.settings import (
    ROOT, EXCEPTION_LINE, HOST, SECRET, UNCAPPED, WORKER_ARGS)


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
