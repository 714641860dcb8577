"""A server-side logout stays done while requests carrying the same cookie are in flight.

Flask-Session (SESSION_REFRESH_EACH_REQUEST, its default) writes every session back at
the end of every request, so a request that read the session before the logout deleted
it would write its stale copy back after: the id logged in again. Measured with
Flask-Session's default save: 11/12 and 12/12 logouts undone, 8/12 and 4/12 rotated ids
back (files, Redis), and cachelib's FileNotFoundError tracebacks.
"""

from __future__ import annotations

import logging
import threading

import pytest
import requests
from werkzeug.serving import make_server

from .helpers import free_port

ROUNDS = 12
READERS = 4


def _serve(app):
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _one_round(base: str, action: str) -> bool:
    """Log in, then log out (or log in again, which rotates the id) while READERS
    requests carry the same cookie; True when a copy of the old cookie is logged in
    afterwards."""
    lab = requests.post(f"{base}/api/labs", timeout=5).json()["id"]
    headers = {"X-Lab-Id": lab}
    login = requests.post(f"{base}/api/server-session/login", headers=headers, timeout=10,
                          json={"username": "Tom", "password": "123"})
    sid = login.cookies["server_session"]
    jar = {"server_session": sid}
    start = threading.Barrier(READERS + 1)
    done = threading.Event()

    def read():  # until the action has answered, and once more (at most 50 reads)
        start.wait()
        for _ in range(50):
            finished = done.is_set()
            requests.get(f"{base}/api/state", headers=headers, cookies=jar, timeout=10)
            if finished:
                return

    readers = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in readers:
        thread.start()
    start.wait()
    if action == "logout":
        requests.post(f"{base}/api/server-session/logout", headers=headers, cookies=jar,
                      timeout=10)
    else:
        requests.post(f"{base}/api/server-session/login", headers=headers, cookies=jar,
                      json={"username": "Liu Bei", "password": "123"}, timeout=10)
    done.set()
    for thread in readers:
        thread.join()
    state = requests.get(f"{base}/api/state", headers=headers, cookies=jar, timeout=10).json()
    return state["mechanisms"]["server-session"]["user"] is not None


@pytest.mark.parametrize("action", ["logout", "rotate"])
@pytest.mark.parametrize("backend", ["files", "redis"])
def test_logout_is_never_undone_by_requests_in_flight(make_app, request, caplog, backend,
                                                      action):
    overrides = {"STATELAB_LOGIN_RATE": "1000/minute", "STATELAB_LAB_RATE": "1000/minute"}
    if backend == "redis":
        request.getfixturevalue("redis_client")
        overrides["STATELAB_REDIS_URL"] = request.getfixturevalue("redis_url")
    server = _serve(make_app(**overrides))
    base = f"http://127.0.0.1:{server.port}"
    try:
        with caplog.at_level(logging.WARNING):
            resurrected = sum(_one_round(base, action) for _ in range(ROUNDS))
    finally:
        server.shutdown()
    assert resurrected == 0, f"{resurrected} of {ROUNDS} old ids came back"
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]
