"""The tutorial's literal routes, so its curl examples work as written.

``POST /login`` (form) logs in with a plain cookie, ``POST /session/login`` (form) with
``session["username"]`` as the tutorial's second app does, ``GET /comment`` reads only
the ``username`` cookie (so a session login is invisible to it: the tutorial's mistake),
``GET /error`` aborts with 500 and gets the custom page. As in the tutorial, a failed
login answers 200 with "Login failed!". Their HTML is constant text:
no user input is ever put into markup (the tutorial's pages never needed to).

Where these differ from the tutorial's lines (lesson a lists each beside its line): the
custom handlers answer with their status (the tutorial's return a bare string, so its
app answers 200: tests/test_classic.py), its ``<h1>…<h1>`` is closed, and both logins
accept the lab's three demo accounts (the tutorial's cookie login only Tom).

``POST /no-key/login`` runs the tutorial's session login in its own app with no
``SECRET_KEY`` (a real Flask app, called in-process) and says what Flask raised.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, got_request_exception, jsonify, make_response, request, session

from .context import current
from .sessions import USERNAME_COOKIE as COOKIE

bp = Blueprint("classic", __name__)
FAILED = "<h1>Login failed!</h1>"  # status 200, as the tutorial answers
SUCCEEDED = "<h1>Login succeeded!</h1>"


def _form_user() -> str | None:
    """The form's username when its password is right (both logins read the form)."""
    username = request.form.get("username", "")
    if current().passwords.check(username, request.form.get("password", "")):
        return username
    return None


@bp.post("/login")
def do_login():
    username = _form_user()
    if username is None:
        return FAILED
    resp = make_response(SUCCEEDED)
    resp.set_cookie(COOKIE, username)
    return resp


@bp.post("/session/login")
def do_session_login():
    username = _form_user()
    if username is None:
        return FAILED
    session["username"] = username
    return make_response(SUCCEEDED)


@bp.get("/comment")
def do_comment():
    username = request.cookies.get(COOKIE)
    if not username:
        return jsonify({"msg": "No login, login in comments first"})
    return jsonify({"msg": "Comment succeeded:{}".format(username)})


@bp.get("/error")
def do_error():
    abort(500)
    return "<h1>I'm soldier Zhang GA</h1>"


def _no_key_app() -> Flask:
    """The tutorial's session login in an app of its own, with no SECRET_KEY set."""
    tutorial = Flask("tutorial_no_secret_key")

    @tutorial.post("/login")
    def do_login():
        username = request.form.get("username")
        password = request.form.get("password")
        if username == "Tom" and password == "123":
            session["username"] = username  # Flask raises RuntimeError: no secret key
            return make_response("<h1>Login succeeded!</h1>")
        return "<h1>Login failed!</h1>"

    return tutorial


NO_KEY = _no_key_app()


@bp.post("/no-key/login")
def do_no_key_login():
    form = {"username": request.form.get("username", ""), "password": request.form.get("password", "")}
    call = object()  # this call's mark: another thread's exception is not ours
    caught: list[BaseException] = []

    def keep(sender, exception, **_):
        if request.environ.get("statelab.call") is call:
            caught.append(exception)

    with got_request_exception.connected_to(keep, NO_KEY):
        answer = NO_KEY.test_client().post("/login", data=form, environ_overrides={"statelab.call": call})
    raised = caught[0] if caught else None
    return jsonify(status=answer.status_code, secret_key=NO_KEY.secret_key,
                   body=answer.get_data(as_text=True)[:200],
                   error={"type": type(raised).__name__, "message": str(raised)} if raised else None)
