"""`make run` (python -m statelab): the errors Werkzeug's server answers itself are JSON."""

from __future__ import annotations

import socket

import pytest

from .helpers import start_make_run


@pytest.fixture
def make_run(tmp_path):
    try:
        proc, port = start_make_run(tmp_path / "instance")
    except RuntimeError as error:
        pytest.fail(f"python -m statelab did not start: {error}")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def _raw(port: int, request: bytes) -> tuple[str, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


@pytest.mark.parametrize("request_bytes, status, error", [
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n",
     431, "request_header_fields_too_large"),
    (b"GET /" + b"u" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "request_uri_too_long"),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: 1\r\n" % i for i in range(120)) + b"\r\n",
     431, "request_header_fields_too_large"),
    (b"GET / / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
    # Each line under http.server's bounds, the head over MAX_HEAD_BYTES.
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-Big-%d: " % i + b"h" * 60_000 + b"\r\n" for i in range(5)) + b"\r\n",
     431, "request_header_fields_too_large"),
])
def test_errors_the_server_answers_itself_are_json(make_run, request_bytes, status, error):
    line, headers, body = _raw(make_run, request_bytes)
    assert line.startswith(f"HTTP/1.0 {status} ") or line.startswith(f"HTTP/1.1 {status} ")
    assert headers["Content-Type"] == "application/json"
    import json
    assert json.loads(body) == {"error": error, "status": status,
                                "message": json.loads(body)["message"]}


def test_a_head_under_the_bound_is_served(make_run):
    line, _, _ = _raw(make_run, b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      + b"".join(b"X-Big-%d: " % i + b"h" * 60_000 + b"\r\n" for i in range(4))
                      + b"\r\n")
    assert line.split()[1] == "200"


def test_put_on_cookies_clear_is_405_with_allow(lab_client):
    response = lab_client.put("/api/cookies/clear", json={"value": "x"})
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.get_json()["error"] == "method_not_allowed"
