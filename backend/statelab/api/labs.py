"""Making labs, and each lab's settings."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

import math

from ..context import current
from ..store import LabsFull
from .inputs import ApiError, flag, read_body

bp = Blueprint("labs", __name__)


@bp.post("/labs")
def create_lab():
    try:
        lab = current().labs.create()
    except LabsFull as full:
        wait = max(1, math.ceil(full.retry_after))
        return ApiError(503, "labs_full", "Every lab is in use (watched, or used in the "
                        "last few minutes); try again later", retry_after=wait,
                        headers={"Retry-After": str(wait)}).response()
    return jsonify(id=lab, url=f"/?lab={lab}"), 201


@bp.get("/labs/current")
def current_lab():
    return jsonify(current().labs.info(g.lab))


@bp.get("/lab/settings")
def get_settings():
    return jsonify(current().store.settings(g.lab))


@bp.put("/lab/settings")
def put_settings():
    body = read_body()
    store = current().store
    known = set(store.settings(g.lab))
    unknown = sorted(set(body) - known)
    if unknown:
        raise ApiError(400, "bad_field", f"Unknown setting: {', '.join(unknown)}",
                       field=unknown[0])
    changes = {name: flag(body, name) for name in body}
    return jsonify(store.update_settings(g.lab, changes))


@bp.post("/lab/first-request")
def rearm_first_request():
    """The lab's next request runs the emulated before_first_request again."""
    current().store.rearm_first_request(g.lab)
    return jsonify(armed=True)
