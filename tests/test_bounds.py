"""Every stored field is bounded: refused with a 400, or cut and marked cut."""

from __future__ import annotations

import json

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from statelab_trace.jsonable import (MAX_HEADER_KEPT, MAX_MESSAGE_KEPT, MAX_SESSION_KEPT,
                               MAX_URL_PART_KEPT)
from statelab.secret_keys import TUTORIAL_KEY

from .helpers import LabClient, new_lab

BIG = 30_000


@pytest.mark.filterwarnings("ignore:The 'username' cookie is too large")
def test_a_huge_username_cookie_cannot_author_a_comment(lab_client):
    lab_client.client.set_cookie("username", "x" * BIG)
    response = lab_client.post("/api/cookie/comment", json={"text": "hi"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_cookie"
    assert lab_client.get("/api/comments").get_json()["comments"] == []


def test_a_forged_username_up_to_a_logins_length_still_comments(lab_client):
    """The plain cookie's lesson stands: whatever name it carries is believed."""
    lab_client.client.set_cookie("username", "Z" * 64)
    assert lab_client.post("/api/cookie/comment", json={"text": "hi"}).status_code == 201


def _cut(value: str, limit: int) -> None:
    assert len(value) <= limit + 40
    assert value.endswith("more characters)")


def test_huge_request_fields_are_cut_in_the_hook_log(live_lab):
    """Through a real HTTP server, as `make run` receives them."""
    path = "/nowhere/" + "p" * BIG
    live_lab.headers["X-Client-Id"] = "bounds-reader"  # its own cookie, unmasked
    live_lab.get(f"{live_lab.base}{path}?{'q' * BIG}", headers={
        "User-Agent": "u" * BIG, "Cookie": "big=" + "c" * BIG}, timeout=10)
    events = live_lab.get(f"{live_lab.base}/api/hooks", timeout=5).json()["events"]
    request = next(e for e in events if e["type"] == "request"
                   and e["path"].startswith("/nowhere/"))
    _cut(request["path"], MAX_URL_PART_KEPT)
    _cut(request["query"], MAX_URL_PART_KEPT)
    _cut(request["user_agent"], MAX_MESSAGE_KEPT)
    _cut(request["cookie_header"], MAX_HEADER_KEPT)


def test_an_exception_message_from_the_url_is_cut_in_the_log(lab_client):
    mechanism = "m" * BIG
    assert lab_client.post(f"/api/{mechanism}/login").status_code == 404
    steps = lab_client.last_trace()["steps"]
    handled = next(s for s in steps if s["name"] == "errorhandler")
    _cut(handled["detail"]["exception"]["message"], MAX_MESSAGE_KEPT)


def test_a_lab_has_a_bounded_number_of_comments(lab_client):
    from statelab.store import MAX_COMMENTS

    lab_client.login("cookie")
    for _ in range(MAX_COMMENTS + 3):
        lab_client.post("/api/cookie/comment", json={"text": "t" * 500})
    assert len(lab_client.get("/api/comments").get_json()["comments"]) == MAX_COMMENTS



def tutorial_cookie(data: dict) -> str:
    """A session cookie signed with the tutorial's public key, as anyone can make one."""
    iface = SecureCookieSessionInterface()
    return URLSafeTimedSerializer(TUTORIAL_KEY, salt="cookie-session",
                                  serializer=iface.serializer,
                                  signer_kwargs={"key_derivation": "hmac",
                                                 "digest_method": iface.digest_method}
                                  ).dumps(data)


def _session_steps(lab_client) -> list[dict]:
    trace = lab_client.last_trace("/api/state")
    return [s for s in trace["steps"] if s["name"] in ("open_session", "save_session")]


def test_a_signed_zip_bomb_opens_an_empty_session(live_lab):
    """3 MB of session in a 4 KB cookie: refused before it is inflated past 16 KB, so
    neither the request nor the hook log holds it."""
    live_lab.put(f"{live_lab.base}/api/lab/secret", json={"key": "tutorial"}, timeout=5)
    bomb = tutorial_cookie({"username": "Tom", "pad": "x" * 3_000_000})
    assert len(bomb) < 4096
    state = live_lab.get(f"{live_lab.base}/api/state", headers={"Cookie": f"session={bomb}"},
                         timeout=10)
    assert state.status_code == 200
    assert state.json()["mechanisms"]["session"]["user"] is None
    events = live_lab.get(f"{live_lab.base}/api/hooks", timeout=10).json()["events"]
    opened = [e for e in events if e.get("name") == "open_session"][-1]
    assert opened["detail"]["session"] == {}
    assert opened["detail"]["signed_cookie_rejected"] == "too_large"
    assert len(json.dumps(events)) < 200_000


def test_a_big_session_is_kept_cut_in_the_hook_log(lab_client):
    """Under the payload bound, but more than a trace step keeps: cut, and marked so."""
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    cookie = tutorial_cookie({"username": "Tom", "a": "y" * 6000, "b": "z" * 6000,
                               "c": "w"})
    lab_client.client.set_cookie("session", cookie)
    assert lab_client.get("/api/state").get_json()["mechanisms"]["session"]["user"] == "Tom"
    for step in _session_steps(lab_client):
        kept = step["detail"]["session"]
        assert len(json.dumps(kept)) <= MAX_SESSION_KEPT + 200
        assert kept["username"] == "Tom" and kept["a"] == "y" * 6000 and kept["c"] == "w"
        assert "b" not in kept
        assert kept["…"] == f"1 more item cut (a trace step keeps {MAX_SESSION_KEPT} " \
            "characters of a session)"


def test_a_signed_payload_that_is_not_json_opens_an_empty_session(lab_client):
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    signer = URLSafeTimedSerializer(TUTORIAL_KEY, salt="cookie-session",
                                    signer_kwargs={"key_derivation": "hmac"}).make_signer()
    lab_client.client.set_cookie("session", signer.sign(b"not-json").decode())
    response = lab_client.get("/api/state")
    assert response.status_code == 200
    assert response.get_json()["mechanisms"]["session"]["user"] is None
    opened = _session_steps(lab_client)[0]
    assert opened["detail"]["signed_cookie_rejected"] == "bad_payload"


def _heavy_headers(lab: str) -> dict:
    """Request headers at the caps a trace keeps them to: 16 of 2,000 characters."""
    return {"X-Lab-Id": lab, **{f"X-Pad-{i}": "p" * 2000 for i in range(16)}}


def test_a_labs_log_keeps_no_more_than_its_byte_budget(make_app):
    """Each request below keeps about 80 KB (its headers at their cap, and a long answer:
    120 comments of 500 characters); the 2,000 events of 130 of them would keep ~10 MB.
    The log holds what its byte budget allows, and drops its oldest events past it."""
    import gc
    import tracemalloc

    budget = 400_000
    app = make_app(STATELAB_LAB_BYTES=budget)
    test_client = app.test_client()
    client = LabClient(test_client, new_lab(test_client))
    client.login("cookie")
    for _ in range(120):
        client.post("/api/cookie/comment", json={"text": "t" * 500})
    headers = _heavy_headers(client.lab)
    client.get("/api/comments", headers=headers)  # first-request work: caches, imports
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(60):
            assert client.get("/api/comments", headers=headers).status_code == 200
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 1.5 * budget, f"the lab's log keeps {kept} bytes more"
    log = client.get("/api/hooks").get_json()
    assert log["events"][0]["type"] != "clear"  # the oldest went
    assert log["events"][-1]["type"] == "end"  # the newest request stayed, whole
    newest = [e for e in log["events"] if e.get("trace") == log["events"][-1]["trace"]]
    assert newest[0]["type"] == "request"
