"""Plain-cookie login, as the tutorial does it: ``resp.set_cookie("username", ...)``.

The browser keeps the name and sends it back; the server believes whatever it is sent,
which is why anyone can edit the cookie and become someone else.
"""

from __future__ import annotations

from flask import request

from ..sessions import USERNAME_COOKIE as COOKIE
from .mechanisms import Mechanism, blueprint


class PlainCookie(Mechanism):
    name = "cookie"
    cookie_name = COOKIE

    def stored_user(self) -> str | None:
        return request.cookies.get(COOKIE) or None

    def attributes(self, cookie: dict) -> dict:
        # Werkzeug's defaults, as in the tutorial: no SameSite, not Secure, unless asked.
        return {"samesite": cookie.get("samesite") or None, "secure": cookie.get("secure", False)}

    def login(self, username, cookie, response) -> None:
        # Werkzeug's defaults otherwise, as in the tutorial: path "/", not HttpOnly.
        # Non-ASCII and spaces are quoted by Werkzeug and read back intact.
        response.set_cookie(COOKIE, username, max_age=cookie.get("max_age"),
                            **self.attributes(cookie))

    def logout(self, response) -> None:
        response.delete_cookie(COOKIE)


mechanism = PlainCookie()
bp = blueprint(mechanism, __name__, "/cookie")
