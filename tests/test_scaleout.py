"""Two app processes on one Redis see one world (as gunicorn workers would)."""

from __future__ import annotations

import pytest

from statelab.context import current


@pytest.fixture
def two_workers(make_app, redis_url, redis_client):
    return make_app(STATELAB_REDIS_URL=redis_url), make_app(STATELAB_REDIS_URL=redis_url)


def test_labs_logs_comments_and_sessions_are_shared(two_workers):
    one, two = (app.test_client() for app in two_workers)
    lab = one.post("/api/labs").get_json()["id"]
    headers = {"X-Lab-Id": lab}
    one.post("/api/server-session/login", json={"username": "Tom", "password": "123"},
             headers=headers)
    two.set_cookie("server_session", one.get_cookie("server_session").value)
    response = two.post("/api/server-session/comment", json={"text": "via two"}, headers=headers)
    assert response.status_code == 201
    comments = one.get("/api/comments", headers=headers).get_json()["comments"]
    assert [c["text"] for c in comments] == ["via two"]
    events = one.get("/api/hooks", headers=headers).get_json()["events"]
    paths = [e["path"] for e in events if e["type"] == "request"]
    assert paths == ["/api/server-session/login", "/api/server-session/comment",
                     "/api/comments"]
    state = two.get("/api/state", headers=headers).get_json()["mechanisms"]["server-session"]
    assert state["backend"] == "redis" and state["data"]["username"] == "Tom"


def test_settings_apply_in_every_worker(two_workers):
    one, two = (app.test_client() for app in two_workers)
    made = one.post("/api/labs").get_json()
    lab = made["id"]
    one.put("/api/lab/settings", json={"custom_error_handlers": False},
            headers={"X-Lab-Id": lab, "X-Lab-Owner": made["owner_token"]})
    response = two.get("/api/error/500", headers={"X-Lab-Id": lab})
    assert b"<title>500 Internal Server Error</title>" in response.data


def test_one_redis_client_serves_labs_logs_and_sessions(two_workers):
    app = two_workers[0]
    statelab = current(app)
    client = statelab.store.client
    assert client is statelab.bus.client is app.session_interface.server.client
    (limiter,) = app.extensions["limiter"]
    assert limiter.storage.storage.connection_pool is client.connection_pool


def test_a_pages_state_read_makes_two_redis_round_trips(make_app, redis_url, redis_client,
                                                         monkeypatch):
    """Under gevent each Redis round trip lets every other ready request run first, so a
    page's GET /api/state waits behind a busy client once per trip
    (bench/class_limits.py). Touching the lab, counting its first request and reading
    the client's name, the lab's settings and its signing keys are one trip; the
    tracer's publish of the events is the other."""
    from redis.connection import Connection

    client = make_app(STATELAB_REDIS_URL=redis_url).test_client()
    lab = client.post("/api/labs").get_json()["id"]
    headers = {"X-Lab-Id": lab, "X-Client-Id": "c" * 22}
    client.get("/api/state", headers=headers)  # scripts loaded, the lab's first request
    sent = []
    send = Connection.send_packed_command
    monkeypatch.setattr(Connection, "send_packed_command",
                        lambda self, *args, **kwargs: sent.append(1) or send(self, *args, **kwargs))
    assert client.get("/api/state", headers=headers).status_code == 200
    assert len(sent) == 2


@pytest.mark.parametrize("switch", [{"custom_error_handlers": False},
                                    {"propagate_exceptions": True}])
def test_redis_lost_after_the_visit_answers_503_whatever_the_labs_switches(
        make_app, redis_url, monkeypatch, switch):
    """The visit read the lab's switches; Redis then goes down while a server-side
    session is read. The error is answered as an outage (503 JSON), not through the
    switches the visit saw (Flask's HTML 500, or a propagated ConnectionError)."""
    import redis
    from redis.connection import Connection

    client = make_app(STATELAB_REDIS_URL=redis_url).test_client()
    made = client.post("/api/labs").get_json()
    headers = {"X-Lab-Id": made["id"]}
    assert client.put("/api/lab/settings", json=switch,
                      headers={**headers, "X-Lab-Owner": made["owner_token"]}).status_code == 200
    assert client.post("/api/server-session/login", json={"username": "Tom", "password": "123"},
                       headers=headers).status_code == 200
    sent = []
    send = Connection.send_packed_command

    def down_after_the_visit(self, *args, **kwargs):
        sent.append(1)
        if len(sent) > 1:
            raise redis.ConnectionError("Redis went down after the visit")
        return send(self, *args, **kwargs)
    monkeypatch.setattr(Connection, "send_packed_command", down_after_the_visit)
    response = client.get("/api/state", headers=headers)
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.get_json()["error"] == "backend_unavailable"
