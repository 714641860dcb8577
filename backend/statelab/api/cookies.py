"""The browser's cookie jar, edited through the server.

Page JavaScript cannot read or change HttpOnly cookies (``session``, ``server_session``),
so clearing or tampering with them needs the server to send a Set-Cookie, as the
browser's DevTools could. State changes only on POST/PUT, never on GET.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..sessions import SERVER_COOKIE
from .cookie import COOKIE
from .inputs import ApiError, read_body, text

bp = Blueprint("cookies", __name__)


def _known() -> dict[str, bool]:
    """Each cookie the lab knows, and whether its real mechanism sets it HttpOnly."""
    config = current_app.config
    session_httponly = config["SESSION_COOKIE_HTTPONLY"]
    return {COOKIE: False, config["SESSION_COOKIE_NAME"]: session_httponly,
            SERVER_COOKIE: session_httponly}


def _check(name: str) -> bool:
    known = _known()
    if name not in known:
        raise ApiError(404, "unknown_cookie",
                       f"The lab manages the cookies {', '.join(known)}, not {name!r}")
    return known[name]


@bp.post("/cookies/clear")
def clear_cookies():
    body = read_body(required=False)
    names = body.get("names", list(_known()))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ApiError(400, "bad_field", "'names' must be a list of cookie names", field="names")
    for name in names:
        _check(name)
    response = jsonify(cleared=names)
    for name in names:
        response.delete_cookie(name)
    return response


@bp.put("/cookies/<name>")
def set_cookie(name: str):
    httponly = _check(name)
    value = text(read_body(), "value", max_len=4000, min_len=0)
    response = jsonify(name=name, value=value, httponly=httponly)
    response.set_cookie(name, value, httponly=httponly)
    return response
