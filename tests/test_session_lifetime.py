"""The lifetime a login issues is enforced by the server, and the cookie attributes a
login chooses (SameSite, Secure) are the ones its cookie gets, now and on later saves."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import requests

from statelab.context import current

SESSIONS = ["session", "server-session"]
COOKIE = {"cookie": "username", "session": "session", "server-session": "server_session"}


def _set_cookie(response, name):
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith(f"{name}="))


@pytest.mark.parametrize("mechanism", SESSIONS)
def test_a_copy_replayed_after_max_age_is_not_logged_in(live_lab, mechanism):
    """A real server, a real wait: the copy still arrives (a client need not obey
    Expires), and the server refuses it."""
    base = live_lab.base
    # 3 s: the read right after the login lands within it on a loaded machine too.
    login = live_lab.post(f"{base}/api/{mechanism}/login",
                          json={"username": "Tom", "password": "123", "max_age": 3})
    # The server stamped the expiry before it answered: counted from the answer.
    logged_in = time.monotonic()
    copy = {COOKIE[mechanism]: login.cookies[COOKIE[mechanism]]}
    headers = {"X-Lab-Id": live_lab.lab}
    fresh = requests.get(f"{base}/api/state", headers=headers, cookies=copy, timeout=5)
    assert fresh.json()["mechanisms"][mechanism]["user"] == "Tom"
    time.sleep(max(0.0, logged_in + 3.6 - time.monotonic()))  # past max_age: the behaviour
    replay = requests.get(f"{base}/api/state", headers=headers, cookies=copy, timeout=5)
    assert replay.json()["mechanisms"][mechanism]["user"] is None
    comment = requests.post(f"{base}/api/{mechanism}/comment", headers=headers, cookies=copy,
                            json={"text": "after expiry"}, timeout=5)
    assert comment.status_code == 401
    if mechanism == "session":  # the signed cookie is the data: Flask is told to drop it
        assert "Max-Age=0" in replay.headers["Set-Cookie"]


def test_server_side_data_is_kept_only_as_long_as_the_login_said(app, lab_client):
    lab_client.login("server-session", max_age=1)
    sid = lab_client.get("/api/state").get_json()["mechanisms"]["server-session"]["sid"]
    assert app.session_interface.stored_server_data(sid) is not None
    time.sleep(2.1)  # the store's own expiry (whole seconds), not only our check
    assert app.session_interface.stored_server_data(sid) is None


def test_server_side_entry_ttl_matches_the_lifetime_on_redis(make_app, redis_url, redis_client):
    client = make_app(STATELAB_REDIS_URL=redis_url).test_client()
    lab = client.post("/api/labs").get_json()["id"]
    client.post("/api/server-session/login", headers={"X-Lab-Id": lab},
                json={"username": "Tom", "password": "123", "max_age": 30})
    sid = client.get_cookie("server_session").value
    assert 25 <= redis_client.ttl(f"statelab:session:{sid}") <= 30


def test_an_expired_session_step_says_so(lab_client):
    lab_client.login("session", max_age=1)
    time.sleep(1.2)
    lab_client.get("/api/state")
    steps = lab_client.last_trace("/api/state")["steps"]
    opened = next(s for s in steps if s["name"] == "open_session")
    assert opened["detail"]["session_expired"] is True


@pytest.mark.parametrize("mechanism", SESSIONS)
def test_session_cookies_carry_max_age_beside_expires(lab_client, mechanism):
    cookie = _set_cookie(lab_client.login(mechanism, max_age=30), COOKIE[mechanism])
    assert "Max-Age=30" in cookie and "Expires=" in cookie


@pytest.mark.parametrize("mechanism", SESSIONS)
def test_a_later_save_keeps_the_lifetime_the_login_issued(lab_client, mechanism):
    """The expiry is fixed at login: a later Set-Cookie does not push it out."""
    lab_client.login(mechanism, max_age=30)
    time.sleep(1.1)
    lab_client.post("/api/cookies/clear", json={"names": ["username"]})
    cookie = _set_cookie(lab_client.login(mechanism, max_age=30), COOKIE[mechanism])
    assert "Max-Age=30" in cookie  # a new login issues a new lifetime


@pytest.mark.parametrize("mechanism, samesite", [
    ("cookie", "Strict"), ("cookie", "Lax"), ("cookie", "None"),
    ("session", "Strict"), ("session", "None"),
    ("server-session", "Strict"), ("server-session", "None")])
def test_login_chooses_samesite(lab_client, mechanism, samesite):
    response = lab_client.login(mechanism, samesite=samesite)
    assert response.status_code == 200
    assert response.get_json()["samesite"] == samesite
    assert f"SameSite={samesite}" in _set_cookie(response, COOKIE[mechanism])


@pytest.mark.parametrize("mechanism", ["cookie", "session", "server-session"])
def test_samesite_empty_means_no_attribute(lab_client, mechanism):
    response = lab_client.login(mechanism, samesite="")
    assert response.get_json()["samesite"] is None
    assert "SameSite" not in _set_cookie(response, COOKIE[mechanism])


@pytest.mark.parametrize("mechanism, default", [
    ("cookie", None), ("session", "Lax"), ("server-session", "Lax")])
def test_samesite_defaults(lab_client, mechanism, default):
    response = lab_client.login(mechanism)
    assert response.get_json()["samesite"] == default
    assert response.get_json()["secure"] is False
    cookie = _set_cookie(response, COOKIE[mechanism])
    assert ("SameSite" in cookie) == (default is not None)
    assert "Secure" not in cookie


@pytest.mark.parametrize("mechanism", ["cookie", "session", "server-session"])
def test_samesite_none_without_secure_is_sent_as_asked(lab_client, mechanism):
    """The browser refuses it; that is the lesson, so the server does not."""
    response = lab_client.login(mechanism, samesite="None", secure=False)
    cookie = _set_cookie(response, COOKIE[mechanism])
    assert "SameSite=None" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("mechanism", ["cookie", "session", "server-session"])
def test_secure_chosen_at_login(lab_client, mechanism):
    response = lab_client.login(mechanism, samesite="None", secure=True)
    assert response.get_json()["secure"] is True
    assert "; Secure" in _set_cookie(response, COOKIE[mechanism])


def test_the_choice_is_kept_for_later_saves(lab_client):
    """A later Set-Cookie of the same session (here: the server id re-sent after a
    change) keeps the chosen attributes, because they live in the session."""
    lab_client.login("session", samesite="Strict", max_age=60)
    payload = lab_client.get("/api/state").get_json()["mechanisms"]["session"]["decoded"]["payload"]
    assert payload["_cookie"]["samesite"] == "Strict"
    assert payload["_cookie"]["max_age"] == 60


def test_a_form_login_chooses_too(lab_client):
    response = lab_client.post("/api/cookie/login", data={
        "username": "Tom", "password": "123", "samesite": "Strict", "secure": "true"})
    assert response.get_json()["samesite"] == "Strict"
    assert response.get_json()["secure"] is True


@pytest.mark.parametrize("body", [{"samesite": "lax"}, {"samesite": 1}, {"secure": "yes"},
                                  {"secure": 1}])
def test_bad_cookie_choices_are_400(lab_client, body):
    response = lab_client.login("session", **body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_field"


@pytest.mark.parametrize("mechanism", SESSIONS)
def test_the_lifetime_starts_after_the_password_check(app, lab_client, monkeypatch, mechanism):
    # A slow password check (scrypt on a busy machine) must not eat the login's lifetime.
    passwords = current(app).passwords
    check = passwords.check
    monkeypatch.setattr(passwords, "check", lambda *args: time.sleep(1.2) or check(*args))
    assert lab_client.login(mechanism, max_age=1).status_code == 200
    assert lab_client.get("/api/state").get_json()["mechanisms"][mechanism]["user"] == "Tom"


@pytest.mark.parametrize("mechanism", SESSIONS)
def test_a_lifetime_is_never_sent_longer_than_the_login_asked(lab_client, monkeypatch,
                                                              mechanism):
    """The expiry is kept to the millisecond: a login whose save lands within half a
    millisecond of its start (the session module's clock, held still) must not send
    Max-Age=31 for a 30 s login."""
    from statelab import sessions

    monkeypatch.setattr(sessions, "time", SimpleNamespace(time=lambda: 1000.0006))
    cookie = _set_cookie(lab_client.login(mechanism, max_age=30), COOKIE[mechanism])
    assert "Max-Age=30;" in cookie
