"""Login, logout and comment for each mechanism, with the tutorial's messages."""

from __future__ import annotations

import pytest

from statelab.api.logins import NAMES as MECHANISMS


def test_the_mechanisms_are_the_pages_three():
    # The page, the docs and the routes name them so: the one registry must too.
    assert MECHANISMS == ("cookie", "session", "server-session")


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_comment_needs_a_login_of_that_mechanism(lab_client, mechanism):
    response = lab_client.post(f"/api/{mechanism}/comment", json={"text": "hello"})
    assert response.status_code == 401
    assert response.get_json()["msg"] == "No login, login in comments first"

    assert lab_client.login(mechanism, "Tom").get_json()["msg"] == "Login succeeded!"
    response = lab_client.post(f"/api/{mechanism}/comment", json={"text": "hello"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["msg"] == "Comment succeeded:Tom"
    assert body["comment"]["author"] == "Tom" and body["comment"]["mechanism"] == mechanism

    others = [m for m in MECHANISMS if m != mechanism]
    for other in others:
        assert lab_client.post(f"/api/{other}/comment", json={"text": "x"}).status_code == 401

    assert lab_client.post(f"/api/{mechanism}/logout").get_json()["was"] == "Tom"
    assert lab_client.post(f"/api/{mechanism}/comment", json={"text": "x"}).status_code == 401
    comments = lab_client.get("/api/comments").get_json()["comments"]
    assert [c["text"] for c in comments] == ["hello"]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_bad_credentials_are_refused_with_the_tutorial_message(lab_client, mechanism):
    response = lab_client.login(mechanism, "Tom", "wrong")
    assert response.status_code == 401
    assert response.get_json()["msg"] == "Login failed!"
    assert response.get_json()["error"] == "bad_credentials"
    assert lab_client.login(mechanism, "Nobody", "123").status_code == 401


def test_login_accepts_a_form_body(lab_client):
    response = lab_client.post("/api/session/login",
                               data={"username": "Liu Bei", "password": "123", "max_age": "30"})
    assert response.get_json() == {"msg": "Login succeeded!", "mechanism": "session",
                                   "username": "Liu Bei", "max_age": 30,
                                   "samesite": "Lax", "secure": False}


def test_cookie_login_sets_a_plain_cookie_with_max_age(lab_client):
    response = lab_client.login("cookie", "Tom", max_age=5)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("username=Tom;") and "Max-Age=5" in cookie
    assert "HttpOnly" not in cookie


@pytest.mark.parametrize("mechanism", ["session", "server-session"])
def test_session_logins_honour_max_age(lab_client, mechanism):
    cookie = lab_client.login(mechanism, "Tom", max_age=30).headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie
    cookie = lab_client.login(mechanism, "Tom").headers["Set-Cookie"]
    assert "Expires=" not in cookie


def test_server_session_id_rotates_on_login_and_data_is_destroyed_on_logout(app, lab_client):
    lab_client.login("server-session", "Tom")
    first = lab_client.get("/api/state").get_json()["mechanisms"]["server-session"]
    assert first["stored"] and first["data"]["username"] == "Tom"
    lab_client.login("server-session", "Liu Bei")
    second = lab_client.get("/api/state").get_json()["mechanisms"]["server-session"]
    assert second["sid"] != first["sid"] and second["data"]["username"] == "Liu Bei"
    iface = app.session_interface
    assert iface.stored_server_data(first["sid"]) is None  # the old id is worthless

    lab_client.post("/api/server-session/logout")
    assert iface.stored_server_data(second["sid"]) is None
    # A copy of the old cookie no longer logs anyone in: revocation works here.
    lab_client.client.set_cookie("server_session", second["sid"])
    assert lab_client.post("/api/server-session/comment", json={"text": "x"}).status_code == 401


def test_signed_session_copy_still_works_after_logout(lab_client):
    lab_client.login("session", "Tom")
    copy = lab_client.client.get_cookie("session").value
    lab_client.post("/api/session/logout")
    assert lab_client.client.get_cookie("session") is None
    lab_client.client.set_cookie("session", copy)
    response = lab_client.post("/api/session/comment", json={"text": "still me"})
    assert response.status_code == 201  # a signed cookie cannot be revoked


@pytest.mark.parametrize("username", ["Liu Bei", "刘备"])
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_unicode_usernames_survive_the_real_cookie_round_trip(live_lab, mechanism, username):
    base = live_lab.base
    response = live_lab.post(f"{base}/api/{mechanism}/login",
                             json={"username": username, "password": "123"}, timeout=5)
    assert response.status_code == 200
    response = live_lab.post(f"{base}/api/{mechanism}/comment", json={"text": "hi"}, timeout=5)
    assert response.json()["msg"] == f"Comment succeeded:{username}"
    state = live_lab.get(f"{base}/api/state", timeout=5).json()
    assert state["mechanisms"][mechanism]["user"] == username


def test_a_forged_plain_cookie_is_believed(live_lab):
    response = live_lab.post(f"{live_lab.base}/api/cookie/comment", json={"text": "forged"},
                             headers={"Cookie": 'username="Liu Bei"'}, timeout=5)
    assert response.json()["msg"] == "Comment succeeded:Liu Bei"


def test_comments_are_per_lab(app):
    client = app.test_client()
    a = client.post("/api/labs").get_json()["id"]
    b = client.post("/api/labs").get_json()["id"]
    client.post("/api/cookie/login", json={"username": "Tom", "password": "123"},
                headers={"X-Lab-Id": a})
    client.post("/api/cookie/comment", json={"text": "in a"}, headers={"X-Lab-Id": a})
    assert client.get("/api/comments", headers={"X-Lab-Id": b}).get_json()["comments"] == []
    assert len(client.get("/api/comments", headers={"X-Lab-Id": a}).get_json()["comments"]) == 1




def test_a_mechanisms_steps_name_its_nested_blueprint(lab_client):
    # Its blueprint sits inside "api": Flask names it "api.cookie" (docs/API.md).
    lab_client.login("cookie")
    view = next(s for s in lab_client.last_trace("/api/cookie/login")["steps"]
                if s["name"] == "view")
    assert view["blueprint"] == "api.cookie"
