"""Signed-session login: ``session["username"] = ...`` with Flask's cookie session.

The data travels in the ``session`` cookie, readable by anyone (base64 JSON) but signed
with the secret key, so a changed cookie is rejected: Flask silently starts a new, empty
session for it. Logging out clears the cookie, but a copy of the old one stays valid
until its signature expires (PERMANENT_SESSION_LIFETIME), or until the lifetime the
login issued (``max_age``, enforced by ``sessions.py``) ends: it cannot be revoked.
"""

from __future__ import annotations

from flask import session

from ..sessions import COOKIE_CHOICE
from .mechanisms import Mechanism, blueprint


class SignedSession(Mechanism):
    name = "session"
    cookie_name = "session"

    def current_user(self) -> str | None:
        return session.get("username")

    def login(self, username, cookie, response) -> None:
        session.clear()
        session["username"] = username
        if cookie:
            session[COOKIE_CHOICE] = cookie

    def logout(self, response) -> None:
        session.clear()


mechanism = SignedSession()
bp = blueprint(mechanism, __name__, "/session")
