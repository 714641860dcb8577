"""The browser's cookie jar, edited through the server.

Page JavaScript cannot read or change HttpOnly cookies (``session``, ``server_session``),
so clearing or tampering with them needs the server to send a Set-Cookie, as the
browser's DevTools could. State changes only on POST/PUT, never on GET.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.sessions import SessionInterface
from werkzeug.routing import BaseConverter

from ..sessions import SERVER_COOKIE
from .cookie import COOKIE
from ..inputs import ApiError, read_body, text

bp = Blueprint("cookies", __name__)


class CookieName(BaseConverter):
    """One path segment, except ``clear``: that path is ``POST /api/cookies/clear``'s
    alone, so ``PUT /api/cookies/clear`` answers 405 (Allow: POST), not 404
    unknown_cookie."""

    regex = r"(?!clear$)[^/]+"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("cookie_name", CookieName))


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


MAX_COOKIE_BYTES = 4000  # browsers drop a cookie past about 4096 bytes, name included


def _attributes(name: str) -> dict:
    """Where the real mechanism puts this cookie: the session cookies follow Flask's
    SESSION_COOKIE_* settings (path, domain, Secure, SameSite, Partitioned); ``username``
    follows Werkzeug's set_cookie defaults, as the tutorial's login does."""
    if name == COOKIE:
        return {}
    app = current_app
    iface: SessionInterface = app.session_interface
    return {"path": iface.get_cookie_path(app), "domain": iface.get_cookie_domain(app),
            "secure": iface.get_cookie_secure(app), "samesite": iface.get_cookie_samesite(app),
            "partitioned": iface.get_cookie_partitioned(app)}


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
        response.delete_cookie(name, **_attributes(name))
    return response


def set_lab_cookie(response, name: str, value: str) -> bool:
    """Set one of the lab's cookies with the attributes its mechanism uses; answer
    whether it is HttpOnly."""
    httponly = _check(name)
    response.set_cookie(name, value, httponly=httponly, **_attributes(name))
    return httponly


@bp.put("/cookies/<cookie_name:name>")

def set_cookie(name: str):
    httponly = _check(name)
    value = text(read_body(), "value", max_len=MAX_COOKIE_BYTES, min_len=0)
    response = jsonify(name=name, value=value, httponly=httponly)
    set_lab_cookie(response, name, value)
    header = response.headers.getlist("Set-Cookie")[-1]
    if len(header.split(";", 1)[0].encode()) > MAX_COOKIE_BYTES:
        raise ApiError(400, "bad_field", f"That cookie would be over {MAX_COOKIE_BYTES} "
                       "bytes once encoded; browsers would silently drop it", field="value")
    return response
