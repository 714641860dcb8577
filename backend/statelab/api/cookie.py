"""Plain-cookie login, as the tutorial does it: ``resp.set_cookie("username", ...)``.

The browser keeps the name and sends it back; the server believes whatever it is sent,
which is why anyone can edit the cookie and become someone else.
"""

from __future__ import annotations

from flask import request

from .mechanisms import Mechanism, blueprint

COOKIE = "username"


class PlainCookie(Mechanism):
    name = "cookie"
    cookie_name = COOKIE

    def current_user(self) -> str | None:
        return request.cookies.get(COOKIE) or None

    def login(self, username, max_age, response) -> None:
        # Werkzeug's defaults, as in the tutorial: path "/", not HttpOnly, not Secure,
        # no SameSite. Non-ASCII and spaces are quoted by Werkzeug and read back intact.
        response.set_cookie(COOKIE, username, max_age=max_age)

    def logout(self, response) -> None:
        response.delete_cookie(COOKIE)


mechanism = PlainCookie()
bp = blueprint(mechanism, __name__, "/cookie")
