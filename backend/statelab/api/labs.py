"""Making labs, and each lab's settings."""

from __future__ import annotations

import math
import time

from flask import Blueprint, current_app, g, jsonify, request

from .. import owners
from ..context import client_of, current, lab_settings, settings_changed
from ..identity import public_id
from ..ratelimits import client_address
from ..store import DEFAULT_SETTINGS, CreatorFull, LabsFull
from ..inputs import ApiError, flag, read_body
from .people import announce, owns, person, require_owner, who

bp = Blueprint("labs", __name__)


@bp.post("/labs")
def create_lab():
    try:
        lab = current().labs.create(client_address())
    except CreatorFull as full:
        wait = max(1, math.ceil(full.retry_after))
        return ApiError(429, "too_many_labs", f"This address keeps {full.labs} labs alive "
                        "(each used in the last few minutes, or watched): none of them is "
                        "evicted for a new one; use one of them, or try "
                        "again later", labs=full.labs, retry_after=wait,
                        headers={"Retry-After": str(wait)}).response()
    except LabsFull as full:
        wait = max(1, math.ceil(full.retry_after))
        return ApiError(503, "labs_full", "Every lab is in use (watched, or used in the "
                        "last few minutes); try again later", retry_after=wait,
                        headers={"Retry-After": str(wait)}).response()
    key = current_app.config["SECRET_KEY"]
    token = owners.token_for(key, lab)
    # The teacher link carries the token: the page keeps it and drops it from the URL.
    return jsonify(id=lab, url=f"/?lab={lab}", owner_token=token,
                   teacher_url=f"/?lab={lab}&owner={token}",
                   person=public_id(key, lab, client_of(request.environ))), 201


@bp.get("/labs/current")
def current_lab():
    return jsonify({**current().labs.info(g.lab), "owner": owns(), "person": person()})


@bp.get("/lab/settings")
def get_settings():
    return jsonify(lab_settings(g.lab))


@bp.put("/lab/settings")
def put_settings():
    body = read_body()
    store = current().store
    known = set(lab_settings(g.lab))
    unknown = sorted(set(body) - known)
    if unknown:
        raise ApiError(400, "bad_field", f"Unknown setting: {', '.join(unknown)}",
                       field=unknown[0])
    changes = {name: flag(body, name) for name in body}
    require_owner()
    settings = store.update_settings(g.lab, changes)
    settings_changed(g.lab, settings)
    announce("settings", changes=changes, settings=settings)
    return jsonify(settings)


@bp.post("/lab/reset")
def reset_lab():
    """The owner's fresh start: Flask's default switches, the instance key, an empty
    log (comments stay: they are the class's)."""
    require_owner()
    statelab = current()
    settings = statelab.store.update_settings(g.lab, dict(DEFAULT_SETTINGS))
    settings_changed(g.lab, settings)
    statelab.store.set_keys(g.lab, None)
    statelab.bus.clear(g.lab, by=who(), time=round(time.time(), 6))
    announce("settings", changes={"reset": True}, settings=settings)
    return jsonify(settings)


@bp.post("/lab/first-request")
def rearm_first_request():
    """The lab's next request runs the emulated before_first_request again: a change to
    the lab for everyone, so the owner's, and announced (with the switches, so no page
    re-reads them: that read would be the next request)."""
    require_owner()
    store = current().store
    store.rearm_first_request(g.lab)
    announce("settings", changes={"first_request": True}, settings=store.settings(g.lab))
    return jsonify(armed=True)
