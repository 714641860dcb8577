"""What tests share besides fixtures: a client bound to a lab, free ports, waiting for a
server. Imported by conftest.py (the fixtures) and by tests themselves."""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

from statelab.identity import public_id


def start_make_run(instance_path) -> tuple[subprocess.Popen, int]:
    """``python -m statelab`` (what ``make run`` serves) on a free loopback port, with
    its own instance folder; answers the process and its port once it listens."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1",
           "STATELAB_INSTANCE_PATH": str(instance_path)}
    proc = subprocess.Popen([sys.executable, "-m", "statelab"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
    except RuntimeError:
        proc.kill()
        raise
    return proc, port


def free_port() -> int:
    """A loopback port free now, below the kernel's ephemeral range: a port the kernel
    hands out (bind to 0) may be taken by another test's outgoing connection before the
    server started on it binds it (gunicorn then exits: "Address already in use")."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as ports:
        below = range(1024, int(ports.read().split()[0]))
    for port in random.sample(below, min(200, len(below))):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # no room below the range: the kernel's choice
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None,
                  timeout: float = 60) -> None:
    """Until something listens on the loopback ``port``; fails when ``proc`` exits first.

    ``timeout`` only bounds a server that never starts: a Python server's start took
    over 20 s on the 2-core machine at a load average of 40."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on {port} within {timeout} s")


def raw_status(port: int, data: bytes, source: str = "127.0.0.1", timeout: float = 30) -> int:
    """``data``, a whole request, sent on its own connection from ``source``: the status
    answered. A server that answers before reading it all (and closes) is read all the
    same; OSError when it answered nothing."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0)) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        head = sock.recv(64)
    if not head.startswith(b"HTTP/"):
        raise ConnectionAbortedError(f"not an HTTP answer: {head[:20]!r}")
    return int(head.split(b" ", 2)[1])


def wait_until(condition, what: str, timeout: float = 30) -> None:
    """Until ``condition()`` is true; ``timeout`` only bounds a condition that never
    comes (then the test fails, naming ``what``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.01)


# Each lab's owner token, as POST /api/labs answered it to the tests that made it:
# the maker is the owner (owners.py), so a LabClient of that lab sends it.
OWNERS: dict[str, str] = {}


def owner_headers(lab: str) -> dict:
    return {"X-Lab-Owner": OWNERS[lab]} if lab in OWNERS else {}


def new_lab(client) -> str:
    body = client.post("/api/labs").get_json()
    OWNERS[body["id"]] = body["owner_token"]
    return body["id"]


def step_names(trace) -> list[str]:
    return [s["name"] for s in trace["steps"]]


class LabClient:
    """Flask's test client, naming one lab and one client (X-Client-Id) on every
    request: reading the log, it sees its own requests unmasked (masking.py). It
    made the lab, so it is its owner (X-Lab-Owner), unless ``owner=False``."""

    def __init__(self, client, lab: str, client_id: str = "test-client",
                 owner: bool = True) -> None:
        self.client = client
        self.lab = lab
        self.client_id = client_id
        self.owner = owner_headers(lab) if owner else {}

    def __getattr__(self, method):
        def call(path, headers=None, **kwargs):
            headers = {"X-Lab-Id": self.lab, "X-Client-Id": self.client_id, **self.owner,
                       **(headers or {})}
            return getattr(self.client, method)(path, headers=headers, **kwargs)
        return call

    def person(self) -> str:
        """This client's public id in its lab (identity.py), as other viewers see it."""
        return public_id(self.client.application.config["SECRET_KEY"], self.lab, self.client_id)

    def events(self, after=None):
        query = f"?after={after}" if after else ""
        return self.get(f"/api/hooks{query}").get_json()["events"]

    def traces(self):
        """The lab's log grouped by request: [{request, steps, end}], oldest first."""
        traces: dict[str, dict] = {}
        for event in self.events():
            if "trace" not in event:  # clear, settings, comments, people, lab: no request
                continue
            trace = traces.setdefault(event["trace"], {"steps": []})
            if event["type"] == "step":
                trace["steps"].append(event)
            else:
                trace[event["type"]] = event
        return list(traces.values())

    def last_trace(self, path=None):
        traces = [t for t in self.traces() if path is None or t["request"]["path"] == path]
        return traces[-1]

    def login(self, mechanism="cookie", username="Tom", password="123", **extra):
        return self.post(f"/api/{mechanism}/login",
                         json={"username": username, "password": password, **extra})


def held_upload(base: str, headers) -> tuple[http.client.HTTPConnection, bytes]:
    """PUT /api/me with all its headers but part of its body: its view waits for the
    rest, so the request runs until the test sends the bytes returned."""
    body = json.dumps({"name": "slow uploader"}).encode()
    address = urlsplit(base)
    upload = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    upload.putrequest("PUT", "/api/me")
    for name, value in {**headers, "X-Client-Id": "slow-uploader",
                        "Content-Type": "application/json",
                        "Content-Length": str(len(body))}.items():
        upload.putheader(name, value)
    upload.endheaders(body[:5])
    return upload, body[5:]
