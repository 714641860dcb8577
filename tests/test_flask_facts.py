"""Facts of the installed Flask that lessons b and e state (each sentence has its test here).

Debug mode turns on PROPAGATE_EXCEPTIONS (this lab's switch) and, with
TRAP_BAD_REQUEST_ERRORS unset, also traps a missing form key: ``request.form["x"]``
raises BadRequestKeyError instead of answering 400 (Flask's App.trap_http_exception).
The lab's switch alone does not trap it.
"""

from __future__ import annotations

import pytest
from flask import Flask, request
from werkzeug.exceptions import BadRequestKeyError


def make_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.post("/login")
    def login():
        return request.form["username"]

    return app


def test_missing_form_key_answers_400_outside_debug_mode():
    assert make_app().test_client().post("/login", data={}).status_code == 400


def test_propagate_exceptions_alone_still_answers_400():
    app = make_app(PROPAGATE_EXCEPTIONS=True)
    assert app.test_client().post("/login", data={}).status_code == 400


def test_debug_mode_raises_bad_request_key_error_instead():
    app = make_app()
    app.debug = True
    assert app.config["PROPAGATE_EXCEPTIONS"] is None and app.config["TRAP_BAD_REQUEST_ERRORS"] is None
    with pytest.raises(BadRequestKeyError) as raised:
        app.test_client().post("/login", data={})
    assert "username" in str(raised.value)  # debug mode names the missing key


def test_trapped_without_propagation_it_becomes_a_500():
    """Trapped outside debug mode, the KeyError is an unhandled exception: a 500, not a 400."""
    app = make_app(TRAP_BAD_REQUEST_ERRORS=True)
    assert app.test_client().post("/login", data={}).status_code == 500


def _session_app(**config) -> Flask:
    from flask import session

    app = Flask(__name__)
    app.config.update(SECRET_KEY="k", **config)

    @app.post("/login")
    def login():
        session["username"] = "Tom"
        return "ok"

    @app.get("/who")
    def who():
        return session.get("username", "nobody")

    return app


def test_plain_flask_believes_a_replayed_copy_until_permanent_session_lifetime(monkeypatch):
    """Lesson e: plain Flask checks only the signature's age, against
    PERMANENT_SESSION_LIFETIME (31 days by default): a copy replayed later is believed;
    with that lifetime short, Flask itself refuses it."""
    import itsdangerous.timed

    for lifetime, later, expected in ((None, 60, b"Tom"), (30, 60, b"nobody"), (30, 10, b"Tom")):
        config = {} if lifetime is None else {"PERMANENT_SESSION_LIFETIME": lifetime}
        app = _session_app(**config)
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: 1_000_000)
        client = app.test_client()
        client.post("/login")
        copy = client.get_cookie("session").value
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: 1_000_000 + later)
        replay = app.test_client()
        replay.set_cookie("session", copy)
        assert replay.get("/who").data == expected, (lifetime, later)
