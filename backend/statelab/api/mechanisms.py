"""What the three login mechanisms share: one login/logout/comment flow.

Each mechanism says only how it stores "who is logged in"; ``blueprint()`` builds its
routes. The messages are the tutorial's.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from ..context import current
from ..sessions import MAX_LIFETIME, SAMESITE_CHOICES, cookie_choice
from ..inputs import ApiError, choice, integer, optional_flag, read_body, text
from . import comments

MAX_AGE_LIMIT = MAX_LIFETIME
MAX_USERNAME = 64  # a login takes no longer name; a forged username cookie may be 4 KB
NOT_LOGGED_IN = "No login, login in comments first"


class Mechanism:
    name: str = ""
    #: The cookie that carries this mechanism's login (read by ``/api/state``, the
    #: masking of other viewers' cookies and the ``bad_cookie`` error).
    cookie_name: str = ""
    #: Its routes, from ``blueprint()``.
    bp: Blueprint

    def stored_user(self) -> Any:
        """What the mechanism's storage names as the user: anything, in a session
        signed with a known key."""
        raise NotImplementedError

    def current_user(self) -> str | None:
        """Who is logged in: only a name (a non-empty string) counts."""
        user = self.stored_user()
        return user if isinstance(user, str) and user else None

    def state(self) -> dict:
        """What the server makes of this request's cookie, for ``/api/state``."""
        return {"user": self.current_user(), "cookie_name": self.cookie_name,
                "raw": request.cookies.get(self.cookie_name)}

    def login(self, username: str, cookie: dict, response) -> None:
        """Remember the user. ``cookie`` is what the login chose for its cookie
        (``sessions.cookie_choice``: max_age, expires, samesite, secure; absent: the
        mechanism's default); the response is there for mechanisms that set cookies."""
        raise NotImplementedError

    def attributes(self, cookie: dict) -> dict:
        """The SameSite and Secure the cookie gets (samesite None: no attribute). Both
        session cookies follow Flask's SESSION_COOKIE_SAMESITE / _SECURE unless the
        login chose otherwise."""
        app = current_app
        iface = app.session_interface
        samesite = cookie.get("samesite", iface.get_cookie_samesite(app))
        return {"samesite": samesite or None,
                "secure": cookie.get("secure", iface.get_cookie_secure(app))}

    def logout(self, response) -> None:
        raise NotImplementedError


def blueprint(mechanism: Mechanism, import_name: str, url_prefix: str) -> Blueprint:
    bp = Blueprint(mechanism.name.replace("-", "_"), import_name, url_prefix=url_prefix)
    mechanism.bp = bp

    @bp.post("/login")
    def login():
        body = read_body()
        username = text(body, "username", max_len=MAX_USERNAME)
        password = text(body, "password", max_len=128, min_len=0)
        max_age = integer(body, "max_age", low=1, high=MAX_AGE_LIMIT)
        samesite = choice(body, "samesite", SAMESITE_CHOICES)
        secure = optional_flag(body, "secure")
        if not current().passwords.check(username, password):
            raise ApiError(401, "bad_credentials", "Unknown username or wrong password",
                           msg="Login failed!")
        # The lifetime starts once the password is checked (scrypt: ~100 ms, seconds on a
        # busy machine), not before.
        cookie = cookie_choice(max_age, samesite, secure)
        response = jsonify(msg="Login succeeded!", mechanism=mechanism.name,
                           username=username, max_age=max_age,
                           **mechanism.attributes(cookie))
        mechanism.login(username, cookie, response)
        return response

    @bp.post("/logout")
    def logout():
        was = mechanism.current_user()
        response = jsonify(msg="Logged out", mechanism=mechanism.name, was=was)
        mechanism.logout(response)
        return response

    @bp.post("/comment")
    def comment():
        username = mechanism.stored_user()
        if username is None or username == "":
            raise ApiError(401, "not_logged_in",
                           f"Log in with the {mechanism.name} mechanism first",
                           msg=NOT_LOGGED_IN)
        if not isinstance(username, str):  # forged: a comment's author is a string
            raise ApiError(400, "bad_cookie", f"The {mechanism.cookie_name} cookie names "
                           f"no user (a {type(username).__name__}, not a string)",
                           field=mechanism.cookie_name)
        if len(username) > MAX_USERNAME:
            # The plain cookie is believed whatever it says (the lesson), but a comment
            # stores its author: no longer than any name a login accepts.
            raise ApiError(400, "bad_cookie", f"The {mechanism.cookie_name} cookie names a "
                           f"user of {len(username)} characters; an author is at most "
                           f"{MAX_USERNAME}", field=mechanism.cookie_name)
        body = read_body()
        words = text(body, "text", max_len=500)
        stored = comments.post(username, words, mechanism.name)
        return jsonify(msg=f"Comment succeeded:{username}", comment=stored), 201

    return bp
