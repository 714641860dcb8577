"""The tutorial's curl examples work as written."""

from __future__ import annotations

from statelab.context import current


def test_form_login_then_comment(app):
    client = app.test_client()
    assert client.get("/comment").get_json() == {"msg": "No login, login in comments first"}
    response = client.post("/login", data={"username": "Tom", "password": "123"})
    assert response.data == b"<h1>Login succeeded!</h1>"
    assert response.headers["Set-Cookie"] == "username=Tom; Path=/"
    assert client.get("/comment").get_json() == {"msg": "Comment succeeded:Tom"}


def test_failed_login_answers_200_as_the_tutorial_does(app):
    client = app.test_client()
    for path in ("/login", "/session/login"):
        response = client.post(path, data={"username": "Tom", "password": "x"})
        assert response.status_code == 200 and response.data == b"<h1>Login failed!</h1>"
        assert "Set-Cookie" not in response.headers


def test_session_login_is_invisible_to_the_cookie_reading_comment(app):
    """The tutorial's mistake: its session login sets session["username"], its /comment
    reads only the username cookie."""
    client = app.test_client()
    response = client.post("/session/login", data={"username": "Liu Bei", "password": "123"})
    assert response.status_code == 200 and response.data == b"<h1>Login succeeded!</h1>"
    assert response.headers["Set-Cookie"].startswith("session=")
    with client.session_transaction() as session:
        assert session["username"] == "Liu Bei"
    assert client.get("/comment").get_json() == {"msg": "No login, login in comments first"}


def test_error_route_gets_the_custom_500_page(app):
    response = app.test_client().get("/error")
    assert response.status_code == 500
    assert b"The administrator's phone number is 1111" in response.data


def test_classic_routes_are_traced_only_when_they_name_a_lab(app, lab_client, monkeypatch):
    bus = current(app).bus
    published = []
    publish = bus.publish_many
    monkeypatch.setattr(bus, "publish_many",
                        lambda lab, *args: published.append(lab) or publish(lab, *args))
    lab_client.client.get("/comment")
    lab_client.client.get("/error")
    assert published == []
    lab_client.get("/comment")
    assert lab_client.last_trace()["request"]["path"] == "/comment"
