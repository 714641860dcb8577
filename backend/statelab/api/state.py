"""What the server received and what it makes of it, per mechanism."""

from __future__ import annotations

from importlib.metadata import version

from flask import Blueprint, current_app, g, jsonify, request

from ..context import client_of, lab_settings
from statelab_trace.jsonable import capped
from .logins import MECHANISMS, cookie_names

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
    own = cookie_names() | {signed_name}
    shown = []
    for name, value in list(request.cookies.items(multi=True))[:MAX_COOKIES_SHOWN]:
        hint = FOREIGN_HINT if name == signed_name and signed_problem in UNVERIFIED else None
        shown.append({"name": name, "value": capped(value, MAX_COOKIE_VALUE_SHOWN),
                      "size": len(name.encode()) + len(value.encode()),
                      "foreign": name not in own, "hint": hint})
    return shown


@bp.get("/state")
def state():
    mechanisms = {mechanism.name: mechanism.state() for mechanism in MECHANISMS}
    decoded = mechanisms["session"].get("decoded")
    return jsonify({
        "lab": g.lab,
        "client": client_of(request.environ),
        "cookie_header": request.headers.get("Cookie"),
        "cookies": received_cookies(current_app.config["SESSION_COOKIE_NAME"],
                                    decoded and decoded["problem"]),
        "mechanisms": mechanisms,
        "settings": lab_settings(g.lab),
        "flask_version": FLASK_VERSION,
    })
