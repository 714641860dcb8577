"""Real servers for deployment tests: gunicorn as deploy/ runs it, Redis that a test
may stop and restart, nginx in front. Each is bounded in time and stops by itself."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from .helpers import OWNERS, free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
# A stopped test server ends its open streams after 2 s instead of gunicorn's 30 (its
# default): with a stream open, stop() otherwise waited its whole 10 s and then killed it.
GRACE = ("--graceful-timeout", "2")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def descendants(root: int) -> list[int]:
    """``root``'s processes below it (gunicorn's workers, their crack processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def command_line(pid: int) -> str:
    """``pid``'s command line, words joined by spaces ("" once it has ended)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Gunicorn:
    """``gunicorn -c deploy/gunicorn.conf.py 'statelab:create_app()'`` on a free port."""

    def __init__(self, folder: Path, env: dict | None = None, args: tuple = ()) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "gunicorn.log"
        # XDG_RUNTIME_DIR: gunicorn 25.1+ puts its control socket there; one each, so
        # servers running side by side do not take over each other's.
        environ = {**os.environ, "STATELAB_INSTANCE_PATH": str(folder / "instance"),
                   "STATELAB_SECRET_KEY": "test-secret-of-the-lab-tests", "XDG_RUNTIME_DIR": str(folder),
                   **(env or {})}
        self.proc = subprocess.Popen(
            [str(GUNICORN), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "-b", f"127.0.0.1:{self.port}", *GRACE, *args, "statelab:create_app()"],
            env=environ, cwd=folder, stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"))
        wait_for_port(self.port, self.proc)
        # The master listens before its worker has loaded the app: the first answer says
        # the worker is up (on a loaded machine that took over 5 s, a test's whole budget).
        requests.get(f"{self.base}/api/health", timeout=60)

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
    body = requests.post(f"{base}/api/labs", timeout=5).json()
    OWNERS[body["id"]] = body["owner_token"]
    return body["id"]


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


class Nginx:
    """nginx running deploy/nginx.conf in front of ``upstream_port``, on a free port,
    with its files in ``folder`` (the site file as shipped, but for the ports and, when
    given, ``client_seconds``)."""

    def __init__(self, folder: Path, upstream_port: int, connections: int = 512,
                 client_seconds: int | None = None) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is missing")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        changes = [("listen 80;", f"listen 127.0.0.1:{self.port};"),
                   ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")]
        if client_seconds is not None:  # how long a half-sent request may dawdle
            changes += [("client_header_timeout 10s;", f"client_header_timeout {client_seconds}s;"),
                        ("client_body_timeout 10s;", f"client_body_timeout {client_seconds}s;")]
        for shipped, here in changes:
            assert shipped in site
            site = site.replace(shipped, here)
        (folder / "statelab.conf").write_text(site)
        temp = " ".join(f"{kind}_temp_path {folder}/{kind};"
                        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(
            f"daemon off; {user} worker_processes 1; pid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\nevents {{ worker_connections {connections}; }}\n"
            f"http {{ access_log off; {temp}\n include {folder}/statelab.conf; }}\n")
        self.proc = subprocess.Popen([binary, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.proc)

    def stop(self) -> None:
        stop(self.proc)
