"""Real servers for deployment tests: gunicorn as deploy/ runs it, Redis that a test
may stop and restart, nginx in front. Each is bounded in time and stops by itself."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on {port} within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class Gunicorn:
    """``gunicorn -c deploy/gunicorn.conf.py 'statelab:create_app()'`` on a free port."""

    def __init__(self, folder: Path, env: dict | None = None, args: tuple = ()) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "gunicorn.log"
        environ = {**os.environ, "STATELAB_INSTANCE_PATH": str(folder / "instance"),
                   "STATELAB_SECRET_KEY": "test-secret", **(env or {})}
        self.proc = subprocess.Popen(
            [str(GUNICORN), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "-b", f"127.0.0.1:{self.port}", *args, "statelab:create_app()"],
            env=environ, cwd=folder, stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"))
        wait_for_port(self.port, self.proc)

    def errors(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        stop(self.proc)


class RedisServer:
    """Debian's redis-server on a free port; ``stop()`` and ``start()`` again keep the
    port and the data folder, as an operator's restart would."""

    def __init__(self, folder: Path, *args: str) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: `make system` installs it")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = folder / "redis.log"
        self.command = [binary, "--port", str(self.port), "--bind", "127.0.0.1",
                        "--dir", str(folder), *args]
        self.proc = None
        self.start()

    def start(self) -> float:
        """Start; answer when it accepted a connection (time.monotonic)."""
        self.proc = subprocess.Popen(self.command, stdout=self.log.open("a"),
                                     stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.proc)
        return time.monotonic()

    def stop(self) -> None:
        stop(self.proc)


def new_lab(base: str) -> str:
    return requests.post(f"{base}/api/labs", timeout=5).json()["id"]
