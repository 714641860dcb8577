"""Signed-session login: ``session["username"] = ...`` with Flask's cookie session.

The data travels in the ``session`` cookie, readable by anyone (base64 JSON) but signed
with the secret key, so a changed cookie is rejected: Flask silently starts a new, empty
session for it. Logging out clears the cookie, but a copy of the old one stays valid
until its signature expires (PERMANENT_SESSION_LIFETIME), or until the lifetime the
login issued (``max_age``, enforced by ``sessions.py``) ends: it cannot be revoked.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, jsonify, session

from ..secret_keys import verify
from ..sessions import COOKIE_CHOICE, decode_signed_cookie
from ..inputs import ApiError, integer, read_body
from .mechanisms import Mechanism, blueprint

FILLER_KEY = "filler"
MAX_FILLER = 8000  # enough to pass Werkzeug's 4093-byte warning even once compressed


class SignedSession(Mechanism):
    name = "session"

    @property
    def cookie_name(self) -> str:
        return current_app.config["SESSION_COOKIE_NAME"]

    def stored_user(self) -> Any:
        return session.get("username")

    def state(self) -> dict:
        view = super().state()
        raw, app = view["raw"], current_app
        if not raw:
            return {**view, "bytes": None, "decoded": None, "verified_by": None}
        signer, problem = verify(app, raw)  # one check for both answers
        return {**view, "bytes": len(raw.encode()),
                "decoded": decode_signed_cookie(app, app.session_interface, raw, problem),
                "verified_by": signer}

    def login(self, username, cookie, response) -> None:
        session.clear()
        session["username"] = username
        if cookie:
            session[COOKIE_CHOICE] = cookie

    def logout(self, response) -> None:
        session.clear()


mechanism = SignedSession()
bp = blueprint(mechanism, __name__, "/session")


@bp.post("/fill")
def fill():
    """Put ``bytes`` characters of filler in the signed session (0 removes it).

    The filler is hex text: it compresses to about half, so Flask's serializer zlib
    compresses the payload (the cookie gets a ``.`` prefix) and still grows with it;
    past 4093 bytes Werkzeug warns that browsers may drop the cookie."""
    size = integer(read_body(), "bytes", low=0, high=MAX_FILLER)
    if size is None:
        raise ApiError(400, "missing_field", "'bytes' is required", field="bytes")
    if size:
        session[FILLER_KEY] = secrets.token_hex((size + 1) // 2)[:size]
    else:
        session.pop(FILLER_KEY, None)
    return jsonify(filler_bytes=size)
