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


def test_the_tutorials_handlers_as_written_answer_200():
    """The tutorial's error handlers return only a string, so its own app answers 200 for
    /error and for an unknown URL: the lab's handlers return the page with its code, and
    lesson a names the tutorial's line as wrong (this test is that claim's evidence)."""
    from flask import Flask, abort

    tutorial = Flask("tutorial")

    @tutorial.route("/error")
    def do_error():
        abort(500)

    @tutorial.errorhandler(500)
    def handler_500_error(error):
        return ("<h1>Server error, please contact the administrator. The administrator's "
                "phone number is 1111</h1>")

    @tutorial.errorhandler(404)
    def handler_404_error(error):
        return "<h1>I can't find my way home<h1>"

    client = tutorial.test_client()
    assert client.get("/error").status_code == 200
    unknown = client.get("/nowhere")
    assert unknown.status_code == 200 and unknown.data == b"<h1>I can't find my way home<h1>"


def test_an_unknown_page_url_gets_the_custom_404_page(app):
    response = app.test_client().get("/nowhere")
    assert response.status_code == 404
    assert response.data == b"<h1>I can't find my way home</h1>"


def test_the_tutorials_app_without_a_secret_key_raises_runtime_error(app):
    """Its session login, run in the tutorial's own app with no SECRET_KEY: Flask raises
    RuntimeError when the view writes the session, and that app answers 500."""
    response = app.test_client().post("/no-key/login", data={"username": "Tom", "password": "123"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == 500
    assert body["error"]["type"] == "RuntimeError"
    assert "no secret key was set" in body["error"]["message"]
    assert body["secret_key"] is None
