"""Fixtures: a fresh app per test, a lab, a client bound to it, a live server, Redis."""

from __future__ import annotations

import shutil
import subprocess
import threading

import pytest
import requests
from werkzeug.serving import make_server

from statelab import create_app

from .helpers import OWNERS, LabClient, free_port, new_lab, wait_for_port


@pytest.fixture
def make_app(tmp_path):
    """Build an app like production (TESTING off: Flask's real error behaviour)."""
    def build(**overrides):
        # Every test client is one address, as a class behind one NAT address is: its
        # requests in progress are not capped (test_fairness.py sets the cap).
        config = {"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test-secret-of-the-lab-tests",
                  "STATELAB_REQUESTS_PER_ADDRESS": 0}
        config.update(overrides)
        return create_app(config)
    return build


@pytest.fixture
def app(make_app):
    return make_app()


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
    body = requests.post(f"{live_server}/api/labs", timeout=5).json()
    lab = body["id"]
    OWNERS[lab] = body["owner_token"]
    session = requests.Session()
    session.headers["X-Lab-Id"] = lab
    session.headers["X-Lab-Owner"] = body["owner_token"]
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
    try:
        wait_for_port(port, proc, timeout=10)
    except RuntimeError as error:
        proc.kill()
        pytest.fail(f"redis-server did not start: {error}")
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
