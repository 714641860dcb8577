"""Fixtures: a fresh app per test, a lab, a client bound to it, a live server, Redis."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server

from statelab import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def make_app(tmp_path):
    """Build an app like production (TESTING off: Flask's real error behaviour)."""
    def build(**overrides):
        config = {"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test-secret"}
        config.update(overrides)
        return create_app(config)
    return build


@pytest.fixture
def app(make_app):
    return make_app()


class LabClient:
    """Flask's test client, naming one lab and one client (X-Client-Id) on every
    request: reading the log, it sees its own requests unmasked (masking.py)."""

    def __init__(self, client, lab: str, client_id: str = "test-client") -> None:
        self.client = client
        self.lab = lab
        self.client_id = client_id

    def __getattr__(self, method):
        def call(path, headers=None, **kwargs):
            headers = {"X-Lab-Id": self.lab, "X-Client-Id": self.client_id, **(headers or {})}
            return getattr(self.client, method)(path, headers=headers, **kwargs)
        return call

    def events(self, after=None):
        query = f"?after={after}" if after else ""
        return self.get(f"/api/hooks{query}").get_json()["events"]

    def traces(self):
        """The lab's log grouped by request: [{request, steps, end}], oldest first."""
        traces: dict[str, dict] = {}
        for event in self.events():
            if event["type"] == "clear":
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


def step_names(trace) -> list[str]:
    return [s["name"] for s in trace["steps"]]


def new_lab(client) -> str:
    return client.post("/api/labs").get_json()["id"]


@pytest.fixture
def lab_client(app):
    client = app.test_client()
    return LabClient(client, new_lab(client))


@pytest.fixture
def live_server(app):
    """The app on a real HTTP server (threaded, like `make run`) on a free port."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


@pytest.fixture
def live_lab(live_server):
    lab = requests.post(f"{live_server}/api/labs", timeout=5).json()["id"]
    session = requests.Session()
    session.headers["X-Lab-Id"] = lab
    session.base = live_server
    session.lab = lab
    yield session
    session.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """Debian's redis-server on a free loopback port, stopped after the tests."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: `make test` installs it (apt-get install redis-server)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def live_server_for():
    """Any app on a real threaded HTTP server on a free port; stopped after the test."""
    servers = []

    def serve(app):
        server = make_server("127.0.0.1", free_port(), app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"
    yield serve
    for server in servers:
        server.shutdown()
