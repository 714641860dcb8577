"""What the server received and what it makes of it, per mechanism."""

from __future__ import annotations

from importlib.metadata import version

from flask import Blueprint, g, jsonify, request

from ..context import client_of, current
from .logins import MECHANISMS

bp = Blueprint("state", __name__)
FLASK_VERSION = version("flask")


@bp.get("/state")
def state():
    return jsonify({
        "lab": g.lab,
        "client": client_of(request.environ),
        "cookie_header": request.headers.get("Cookie"),
        "cookies": request.cookies.to_dict(),
        "mechanisms": {mechanism.name: mechanism.state() for mechanism in MECHANISMS},
        "settings": current().store.settings(g.lab),
        "flask_version": FLASK_VERSION,
    })
