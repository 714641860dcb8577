"""What the server benchmarks share: their errors, the watchdog that bounds a run,
loopback-only HTTP, and stopping a server's whole process group."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request


class BenchError(RuntimeError):
    """A run that cannot be trusted: printed as BENCHMARK FAILED, exit status 1."""


class Timeout(BaseException):
    """The watchdog fired (or SIGTERM came): unwinds through every ``finally``."""


def watchdog(seconds: int) -> None:
    """Bound the whole run: after `seconds`, or on SIGTERM, raise Timeout."""
    def on_alarm(signum, frame):
        raise Timeout(f"benchmark exceeded {seconds}s")

    def on_term(signum, frame):
        raise Timeout("terminated (SIGTERM)")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    signal.signal(signal.SIGTERM, on_term)


def http(method: str, url: str, lab: str | None = None, timeout: float = 5,
         body: dict | None = None, cookies: list | None = None) -> tuple:
    """(status, JSON body, or the text of an error body). Set-Cookie pairs are
    appended to `cookies` when given."""
    headers = {"X-Lab-Id": lab} if lab else {}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    req = urllib.request.Request(url, method=method, headers=headers, data=data)
    # No proxies: the traffic must stay on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as resp:
            if cookies is not None:
                cookies.extend(v.split(";", 1)[0] for v in resp.headers.get_all("Set-Cookie", []))
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def stop_group(proc: subprocess.Popen | None, term_wait: float = 3) -> None:
    """SIGTERM, then SIGKILL, the whole process group (gunicorn's workers included,
    which may briefly outlive the arbiter)."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, term_wait), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(main) -> None:
    """Run a benchmark's ``main`` and exit with its status; a benchmark that could not
    measure says why on stderr and exits 1."""
    try:
        sys.exit(main())
    except (BenchError, Timeout, subprocess.TimeoutExpired) as exc:
        print(f"BENCHMARK FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
