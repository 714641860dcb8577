"""GET /api/state: every cookie the server received, the lab's and any other app's."""

from __future__ import annotations

import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from statelab.api.state import FOREIGN_HINT, MAX_COOKIE_VALUE_SHOWN, MAX_COOKIES_SHOWN


def cookies(state: dict) -> list[dict]:
    return state["cookies"]


def signed_by_another_app(data: dict) -> str:
    """A session cookie as another Flask app on this host (another key) sets it."""
    other = Flask("other")
    other.secret_key = "another app's key"
    return SecureCookieSessionInterface().get_signing_serializer(other).dumps(data)


def test_every_received_cookie_is_listed_with_its_size_and_foreign_flag(live_lab):
    base = live_lab.base
    live_lab.post(f"{base}/api/cookie/login", json={"username": "Tom", "password": "123"},
                  timeout=5)
    live_lab.cookies.set("csrftoken", "abc123")  # another app's, on the same host
    state = live_lab.get(f"{base}/api/state", timeout=5).json()
    shown = {c["name"]: c for c in cookies(state)}
    assert shown["username"] == {"name": "username", "value": "Tom", "size": 11,
                                 "foreign": False, "hint": None}
    assert shown["csrftoken"] == {"name": "csrftoken", "value": "abc123", "size": 15,
                                  "foreign": True, "hint": None}


def test_a_session_cookie_signed_with_another_key_gets_the_port_hint(live_lab):
    base = live_lab.base
    live_lab.cookies.set("session", signed_by_another_app({"user": "Tom"}))
    state = live_lab.get(f"{base}/api/state", timeout=5).json()
    session = next(c for c in cookies(state) if c["name"] == "session")
    assert session["foreign"] is False and session["hint"] == FOREIGN_HINT
    assert "cookies ignore the port" in session["hint"]
    assert state["mechanisms"]["session"]["decoded"]["problem"] == "bad_signature"
    assert state["mechanisms"]["session"]["user"] is None


def test_the_labs_own_signed_session_has_no_hint(lab_client):
    lab_client.login("session")
    state = lab_client.get("/api/state").get_json()
    session = next(c for c in cookies(state) if c["name"] == "session")
    assert session["hint"] is None and session["size"] == len("session") + len(
        state["mechanisms"]["session"]["raw"])


def test_a_repeated_name_is_listed_each_time_and_the_list_is_bounded(live_server):
    """Two apps on one host may each set a ``session`` (different paths): both arrive."""
    lab = requests.post(f"{live_server}/api/labs", timeout=5).json()["id"]
    many = "; ".join(f"c{i}=v" for i in range(150))
    header = f"session=first; session=second; big={'b' * 5000}; {many}"
    state = requests.get(f"{live_server}/api/state", timeout=5,
                         headers={"X-Lab-Id": lab, "Cookie": header}).json()
    names = [c["name"] for c in cookies(state)]
    assert names[:2] == ["session", "session"] and len(names) == MAX_COOKIES_SHOWN
    big = next(c for c in cookies(state) if c["name"] == "big")
    assert big["size"] == 5003
    assert big["value"] == "b" * MAX_COOKIE_VALUE_SHOWN + (
        f"... ({5000 - MAX_COOKIE_VALUE_SHOWN} more characters)")


def test_state_without_cookies_lists_none(live_server):
    lab = requests.post(f"{live_server}/api/labs", timeout=5).json()["id"]
    state = requests.get(f"{live_server}/api/state", headers={"X-Lab-Id": lab},
                         timeout=5).json()
    assert state["cookies"] == [] and state["cookie_header"] is None
