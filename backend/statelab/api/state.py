"""What the server received and what it makes of it, per mechanism."""

from __future__ import annotations

from importlib.metadata import version

from flask import Blueprint, current_app, g, jsonify, request

from ..jsonable import capped
from ..secret_keys import verified_by
from ..sessions import SERVER_COOKIE, decode_signed_cookie, server_session
from . import cookie, server_session as server_mechanism, session as signed_mechanism

bp = Blueprint("state", __name__)
FLASK_VERSION = version("flask")
MAX_COOKIES_SHOWN = 100
MAX_COOKIE_VALUE_SHOWN = 4096  # a browser keeps at most ~4096 bytes per cookie
UNVERIFIED = ("bad_signature", "malformed")
FOREIGN_HINT = (
    "This lab's secret key does not verify this cookie. If you did not edit it here "
    "(the tamper tool), another app on this host may have set a cookie of the same "
    "name: cookies ignore the port, so every app on this host, whatever its port, "
    "receives the others' cookies.")


def received_cookies(signed_name: str, signed_problem: str | None) -> list[dict]:
    """Every cookie the request carried, in order, repeated names included (two apps on
    one host may each set a ``session``); ``foreign`` for names the lab never sets."""
    own = (cookie.COOKIE, signed_name, SERVER_COOKIE)
    shown = []
    for name, value in list(request.cookies.items(multi=True))[:MAX_COOKIES_SHOWN]:
        hint = FOREIGN_HINT if name == signed_name and signed_problem in UNVERIFIED else None
        shown.append({"name": name, "value": capped(value, MAX_COOKIE_VALUE_SHOWN),
                      "size": len(name.encode()) + len(value.encode()),
                      "foreign": name not in own, "hint": hint})
    return shown


@bp.get("/state")
def state():
    app = current_app
    iface = app.session_interface
    signed_name = app.config["SESSION_COOKIE_NAME"]
    signed_raw = request.cookies.get(signed_name)
    server = server_session()
    sid = request.cookies.get(SERVER_COOKIE)
    stored = iface.stored_server_data(sid) if sid else None
    decoded = decode_signed_cookie(app, iface, signed_raw) if signed_raw else None
    return jsonify({
        "lab": g.lab,
        "client": request.environ.get("statelab.client"),
        "cookie_header": request.headers.get("Cookie"),
        "cookies": received_cookies(signed_name, decoded and decoded["problem"]),
        "mechanisms": {
            "cookie": {
                "user": cookie.mechanism.current_user(),
                "cookie_name": cookie.COOKIE,
                "raw": request.cookies.get(cookie.COOKIE),
            },
            "session": {
                "user": signed_mechanism.mechanism.current_user(),
                "cookie_name": signed_name,
                "raw": signed_raw,
                "bytes": len(signed_raw.encode()) if signed_raw else None,
                "decoded": decoded,
                "verified_by": verified_by(app, signed_raw) if signed_raw else None,
            },
            "server-session": {
                "user": server_mechanism.mechanism.current_user(),
                "cookie_name": SERVER_COOKIE,
                "sid": sid,
                "stored": stored is not None,
                "data": stored,
                "current_sid": server.sid,
                "backend": iface.server_backend,
            },
        },
        "settings": app.extensions["statelab"].store.settings(g.lab),
        "flask_version": FLASK_VERSION,
    })
