"""The tutorial's literal routes, so its curl examples work as written.

``POST /login`` (form) logs in with a plain cookie, ``POST /session/login`` (form) with
``session["username"]`` as the tutorial's second app does, ``GET /comment`` reads only
the ``username`` cookie (so a session login is invisible to it: the tutorial's mistake),
``GET /error`` aborts with 500 and gets the custom page. As in the tutorial, a failed
login answers 200 with "Login failed!". Their HTML is constant text:
no user input is ever put into markup (the tutorial's pages never needed to).
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, make_response, request, session

from .context import current
from .sessions import USERNAME_COOKIE as COOKIE

bp = Blueprint("classic", __name__)
FAILED = "<h1>Login failed!</h1>"  # status 200, as the tutorial answers


@bp.post("/login")
def do_login():
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not current().passwords.check(username, password):
        return FAILED
    resp = make_response("<h1>Login succeeded!</h1>")
    resp.set_cookie(COOKIE, username)
    return resp


@bp.post("/session/login")
def do_session_login():
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not current().passwords.check(username, password):
        return FAILED
    session["username"] = username
    return make_response("<h1>Login succeeded!</h1>")


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
