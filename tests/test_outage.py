"""A Redis outage on the deployment (gunicorn, Redis with appendonly persistence):
clear JSON 503s while it lasts, a health check that says so, and after Redis restarts
the same answers as before, with no acknowledged write lost."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from .helpers import wait_until
from .servers import Gunicorn, RedisServer, new_lab

MAX_WRITES = 150  # under the 200 comments a lab keeps, so none is pushed out


@pytest.fixture
def deployment(tmp_path):
    redis = RedisServer(tmp_path, "--appendonly", "yes", "--save", "")
    server = Gunicorn(tmp_path, {"STATELAB_REDIS_URL": redis.url})
    yield redis, server
    server.stop()
    redis.stop()


class Writer(threading.Thread):
    """Comments as fast as answers come; keeps the texts the server acknowledged."""

    def __init__(self, base: str, lab: str) -> None:
        super().__init__(daemon=True)
        self.base, self.session = base, requests.Session()
        self.session.headers["X-Lab-Id"] = lab
        self.acknowledged: list[str] = []
        self.other: list[tuple[int, str]] = []
        self.done = threading.Event()
        self.acknowledged_at: list[float] = []

    def run(self) -> None:
        for n in range(10_000):
            if self.done.is_set() or len(self.acknowledged) >= MAX_WRITES:
                return
            text = f"comment {n}"
            answer = self.session.post(f"{self.base}/api/cookie/comment", json={"text": text},
                                       timeout=10)
            if answer.status_code == 201:
                self.acknowledged.append(text)
                self.acknowledged_at.append(time.monotonic())
            else:
                self.other.append((answer.status_code, answer.headers["Content-Type"]))
            time.sleep(0.02)


def check_unavailable(response: requests.Response) -> None:
    assert response.status_code == 503
    assert response.json()["error"] == "backend_unavailable"
    assert int(response.headers["Retry-After"]) > 0


def test_outage_answers_503_and_recovery_loses_no_acknowledged_write(deployment):
    redis, server = deployment
    base = server.base
    lab = new_lab(base)
    requests.post(f"{base}/api/cookie/login", headers={"X-Lab-Id": lab},
                  json={"username": "Tom", "password": "123"}, timeout=5)
    writer = Writer(base, lab)
    writer.session.cookies.set("username", "Tom")
    writer.start()
    wait_until(lambda: writer.acknowledged, "a write acknowledged before the outage")

    stream = requests.get(f"{base}/api/hooks/stream?lab={lab}", stream=True, timeout=10)
    redis.stop()
    # The open stream ends (EventSource would retry into the 503s), without a traceback.
    assert list(stream.iter_lines(chunk_size=1)) and stream.raw.isclosed()
    named = {"X-Lab-Id": lab}
    check_unavailable(requests.get(f"{base}/api/comments", headers=named, timeout=5))
    check_unavailable(requests.get(f"{base}/api/state", headers=named, timeout=5))
    check_unavailable(requests.post(f"{base}/api/labs", timeout=5))
    # No lab named, but a server-side session to open: Flask fails before any view.
    check_unavailable(requests.get(f"{base}/api/openapi.json", timeout=5,
                                   cookies={"server_session": "a-session-id"}))
    health = requests.get(f"{base}/api/health", timeout=5)
    assert health.status_code == 503
    assert health.json() == {"status": "degraded", "backend": {"kind": "redis", "ok": False},
                             "sessions": {"ok": True}}
    wait_until(lambda: writer.other, "a write refused while Redis is down")

    refused = len(writer.other)
    restarted = redis.start()
    while requests.get(f"{base}/api/health", timeout=30).status_code != 200:
        assert time.monotonic() - restarted < 60, "health never recovered"  # bounds the wait
        time.sleep(0.01)
    recovered = time.monotonic() - restarted
    while not any(t > restarted for t in writer.acknowledged_at):  # writes resume
        assert time.monotonic() - restarted < 60, "writes never resumed"  # bounds the wait
        time.sleep(0.05)
    first_write = min(t for t in writer.acknowledged_at if t > restarted) - restarted
    writer.done.set()
    writer.join(timeout=20)

    stored = {c["text"] for c in requests.get(f"{base}/api/comments", headers=named,
                                              timeout=30).json()["comments"]}
    lost = [text for text in writer.acknowledged if text not in stored]
    print(f"health ok {recovered:.3f} s after Redis restarted, writes acknowledged again "
          f"by {first_write:.2f} s; {len(writer.acknowledged)} "
          f"writes acknowledged, {len(lost)} lost; {len(writer.other)} refused while down")
    assert refused and {status for status, _ in writer.other} == {503}
    assert {kind for _, kind in writer.other} == {"application/json"}
    assert lost == []
    assert "api/hooks.py" not in server.errors()
    assert requests.get(f"{base}/api/health", timeout=5).json() == {
        "status": "ok", "backend": {"kind": "redis", "ok": True},
        "sessions": {"ok": True}}


def test_health_reports_the_embedded_backend(app):
    answer = app.test_client().get("/api/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "backend": {"kind": "memory", "ok": True},
                                 "sessions": {"ok": True}}
