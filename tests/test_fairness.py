"""One client address has at most STATELAB_REQUESTS_PER_ADDRESS requests in progress on
a worker: its next ones wait their turn, so another address is not kept waiting behind
them; past the waiting room they are refused before the tracer and Flask run."""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from statelab.fairness import WAITING, counted, turns_of

ONE, OTHER = "127.0.0.1", "127.0.0.2"


def _get(base: str, path: str, lab: str, source: str = ONE) -> tuple[int, dict]:
    port = int(base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"X-Lab-Id": lab})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


@pytest.fixture
def held(make_app, live_server_for):
    """A server with one turn per address, and ``/test/hold``: a view that holds its
    request until the test lets it go (``held.release``)."""
    app = make_app(STATELAB_REQUESTS_PER_ADDRESS=1)
    gate = threading.Event()
    app.add_url_rule("/test/hold", "hold", lambda: {"held": gate.wait(30)})
    base = live_server_for(app)
    lab = requests.post(f"{base}/api/labs", timeout=5).json()["id"]
    yield base, lab, turns_of(app), gate
    gate.set()


def _wait_for(condition) -> None:
    for _ in range(400):
        if condition():
            return
        threading.Event().wait(0.025)
    raise AssertionError("condition not met in 10 s")


def test_an_address_waits_its_turn_and_another_is_served_meanwhile(held):
    base, lab, turns, gate = held
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(_get, base, "/test/hold", lab)
        _wait_for(lambda: turns.users(ONE) == 1)
        same = pool.submit(_get, base, "/api/comments", lab)
        _wait_for(lambda: turns.users(ONE) == 2)
        # Another address is served while the first address's request is held,
        assert _get(base, "/api/state", lab, OTHER)[0] == 200
        # and a slow lesson or a stream of the first address takes no turn.
        assert _get(base, "/api/slow?ms=0", lab)[0] == 200
        with requests.get(f"{base}/api/hooks/stream?lab={lab}", stream=True, timeout=10) as stream:
            assert stream.status_code == 200
        assert not same.done()
        gate.set()
        assert same.result()[0] == 200 and first.result()[0] == 200
    assert turns.users(ONE) == 0


def test_past_the_waiting_room_an_address_is_refused_untraced(held):
    base, lab, turns, gate = held
    with ThreadPoolExecutor(1 + WAITING) as pool:
        waiting = [pool.submit(_get, base, "/test/hold", lab) for _ in range(1 + WAITING)]
        _wait_for(lambda: turns.users(ONE) == 1 + WAITING)
        status, body = _get(base, "/api/me", lab)
        assert status == 429 and body["error"] == "busy_address"
        gate.set()
        assert [f.result()[0] for f in waiting] == [200] * (1 + WAITING)
    events = requests.get(f"{base}/api/hooks", headers={"X-Lab-Id": lab}, timeout=5).json()["events"]
    paths = {e["path"] for e in events if e["type"] == "request"}
    assert "/test/hold" in paths and "/api/me" not in paths


def test_what_takes_no_turn():
    assert not counted("/api/hooks/stream") and not counted("/api/slow")
    assert not counted("/demo/hello/stream")
    assert counted("/api/state") and counted("/api/hooks") and counted("/static/app.js")


def test_by_default_an_address_has_one_turn(tmp_path):
    from statelab import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test-secret-of-the-lab-tests"})
    assert turns_of(app).per_address == 1
