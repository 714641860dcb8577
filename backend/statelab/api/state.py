"""What the server received and what it makes of it, per mechanism."""

from __future__ import annotations

from importlib.metadata import version

from flask import Blueprint, current_app, g, jsonify, request

from ..context import client_of, current
from ..secret_keys import verified_by
from ..sessions import SERVER_COOKIE, decode_signed_cookie, server_session
from . import cookie, server_session as server_mechanism, session as signed_mechanism

bp = Blueprint("state", __name__)
FLASK_VERSION = version("flask")


@bp.get("/state")
def state():
    app = current_app
    iface = app.session_interface
    signed_name = app.config["SESSION_COOKIE_NAME"]
    signed_raw = request.cookies.get(signed_name)
    server = server_session()
    sid = request.cookies.get(SERVER_COOKIE)
    stored = iface.stored_server_data(sid) if sid else None
    return jsonify({
        "lab": g.lab,
        "client": client_of(request.environ),
        "cookie_header": request.headers.get("Cookie"),
        "cookies": request.cookies.to_dict(),
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
                "decoded": decode_signed_cookie(app, iface, signed_raw) if signed_raw else None,
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
        "settings": current().store.settings(g.lab),
        "flask_version": FLASK_VERSION,
    })
