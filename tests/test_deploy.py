"""The README's deployment: nginx (deploy/nginx.conf) in front of gunicorn
(deploy/gunicorn.conf.py) bound to 127.0.0.1. Slow clients wait in nginx, and the live
stream passes through unbuffered."""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import time

import pytest
import requests

from .helpers import held_upload, wait_until
from .servers import Gunicorn, Nginx, new_lab, nginx_binary

SLOW_CLIENTS = 64  # twice the 32 threads of the gthread worker this replaced

pytestmark = pytest.mark.skipif(
    nginx_binary() is None,
    reason="nginx is missing: `make system` as root installs it (apt-get install nginx)")


@pytest.fixture
def deployment(tmp_path):
    (tmp_path / "gunicorn").mkdir()
    (tmp_path / "nginx").mkdir()
    # As the README runs it behind nginx: one trusted proxy, logins limited per visitor.
    # gunicorn's gevent worker drops a request not whole within its keep-alive (2 s, its
    # default), nginx one that dawdles 10 s: 300 s here, so the slow clients below stay
    # held however busy the machine is.
    app = Gunicorn(tmp_path / "gunicorn", env={"STATELAB_TRUSTED_PROXIES": "1",
                                               "STATELAB_LOGIN_RATE": "2/minute"},
                   args=("--keep-alive", "300"))
    proxy = Nginx(tmp_path / "nginx", app.port, client_seconds=300)  # as shipped: 10 s
    yield app, proxy
    proxy.stop()
    app.stop()


def half_sent(port: int, n: int, address: str = "127.0.0.1") -> socket.socket:
    """A request that stops halfway, sent from ``address``: headers for the even ones,
    the body for the odd."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5,
                                    source_address=(address, 0))
    if n % 2:
        sock.sendall(b"POST /api/labs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    else:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return sock


def read_by_server(sock: socket.socket) -> bool:
    """Whether the server has read all ``sock`` sent: the server side's receive queue
    (``/proc/net/tcp``, little-endian as on x86 and arm64) is empty while the connection
    is established, so it accepted the connection and holds the half request."""
    def hexed(host: str, port: int) -> str:
        return f"{socket.inet_aton(host)[::-1].hex().upper()}:{port:04X}"
    server, client = hexed(*sock.getpeername()), hexed(*sock.getsockname())
    with open("/proc/net/tcp") as table:
        for row in table.read().splitlines()[1:]:
            fields = row.split()
            if fields[1] == server and fields[2] == client:  # 01: still established
                return fields[3] == "01" and int(fields[4].split(":")[1], 16) == 0
    return False


def health_waits(base: str, count: int = 20) -> list[float]:
    waits = []
    for _ in range(count):
        started = time.perf_counter()
        assert requests.get(f"{base}/api/health", timeout=30).status_code == 200
        waits.append(time.perf_counter() - started)
    return waits


def test_slow_clients_wait_in_nginx_not_in_gunicorn(deployment):
    app, proxy = deployment
    slow = [half_sent(proxy.port, n) for n in range(SLOW_CLIENTS)]
    try:
        wait_until(lambda: all(map(read_by_server, slow)), "nginx read every half request")
        waits = health_waits(proxy.base, 10)
        print(f"{SLOW_CLIENTS} half-sent requests at nginx; /api/health through it: median "
              f"{statistics.median(waits) * 1000:.1f} ms, max {max(waits) * 1000:.1f} ms")
        assert requests.post(f"{proxy.base}/api/labs", timeout=30).status_code == 201
        # Answered while every half request is still held, unanswered: not after one ended.
        assert all(map(read_by_server, slow))
        # The same clients straight at gunicorn: on a gthread worker they would take
        # every thread and the health check would time out; on the gevent worker each
        # holds only a greenlet. Each from an address of its own, as a class's are (from
        # one, the half bodies would queue for that address's turn, fairness.py).
        direct = [half_sent(app.port, n, f"127.0.1.{n + 1}") for n in range(SLOW_CLIENTS)]
        slow += direct
        wait_until(lambda: all(map(read_by_server, direct)), "gunicorn read every half request")
        health_waits(app.base, 5)
        assert all(map(read_by_server, slow))
    finally:
        for sock in slow:
            sock.close()


def test_the_stream_passes_through_unbuffered(deployment):
    app, proxy = deployment
    lab = new_lab(proxy.base)
    stream = requests.get(f"{proxy.base}/api/hooks/stream?lab={lab}", stream=True, timeout=30)
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    lines = stream.iter_lines(chunk_size=1, decode_unicode=True)
    assert next(lines) == "retry: 1000"
    # Straight at gunicorn (nginx would buffer the body): a request that cannot end
    # before the test sends the rest of it. Its first step must cross nginx first;
    # buffered, it would wait for more output or the stream's end.
    upload, rest = held_upload(app.base, {"X-Lab-Id": lab})
    wait_until(lambda: any(line.startswith("data: ") and json.loads(line[6:]).get(
        "function", "").endswith("require_lab") for line in [next(lines)]),
        "a step of the held request through nginx")
    upload.send(rest)
    assert upload.getresponse().status == 200
    upload.close()
    stream.close()


def test_a_body_over_the_limit_is_refused_by_nginx_as_json(deployment):
    _, proxy = deployment
    answer = requests.post(f"{proxy.base}/api/labs", data=b"x" * (65 * 1024), timeout=5)
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"


def login_from(address: str, port: int, lab: str) -> int:
    """A login sent from ``address`` (any 127.x address is this machine's loopback)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5,
                                            source_address=(address, 0))
    try:
        connection.request("POST", "/api/session/login", headers={
            "X-Lab-Id": lab, "Content-Type": "application/json",
            # A visitor's own claim: nginx replaces it with the address it sees.
            "X-Forwarded-For": "10.9.9.9"},
            body=json.dumps({"username": "Tom", "password": "wrong"}))
        return connection.getresponse().status
    finally:
        connection.close()


def test_each_visitor_has_its_own_login_limit_behind_nginx(deployment):
    """nginx forwards the visitor's address and the app believes its one proxy
    (STATELAB_TRUSTED_PROXIES=1): without that, every visitor was 127.0.0.1, one bucket."""
    _, proxy = deployment
    lab = new_lab(proxy.base)
    assert [login_from("127.0.0.2", proxy.port, lab) for _ in range(3)] == [401, 401, 429]
    assert login_from("127.0.0.3", proxy.port, lab) == 401


def test_the_app_sees_the_visitors_scheme_and_host_behind_nginx(deployment):
    """A same-origin POST carrying only Origin passes: the app's own origin is the one
    the visitor used (X-Forwarded-Host keeps the port that nginx's $host drops)."""
    _, proxy = deployment
    answer = requests.post(f"{proxy.base}/api/labs", headers={"Origin": proxy.base},
                           timeout=5)
    assert answer.status_code == 201
