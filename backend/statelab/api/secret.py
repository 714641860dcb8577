"""The lab's session signing key: see it, switch it, rotate it, crack it, forge with it.

Only the signed ``session`` cookie depends on the key; the ``username`` cookie is not
signed and the ``server_session`` cookie is only a random id. See ``secret_keys.py``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from .. import secret_keys
from ..context import current
from .cookies import set_lab_cookie
from ..inputs import ApiError, flag, read_body, text
from .people import announce, require_owner

bp = Blueprint("secret", __name__)
MAX_COOKIE = 4096


def _store():
    return current().store


def _answer(keys: dict | None):
    return jsonify(secret_keys.describe(current_app, keys))


@bp.get("/lab/secret")
def get_secret():
    return _answer(_store().keys(g.lab))


@bp.put("/lab/secret")
def use_key():
    source = text(read_body(), "key", max_len=16)
    if source not in secret_keys.SOURCES:
        raise ApiError(400, "bad_field", f"'key' must be one of {', '.join(secret_keys.SOURCES)}",
                       field="key")
    require_owner()
    keys = secret_keys.use(source)
    _store().set_keys(g.lab, keys)
    announce("settings", changes={"secret": source})
    return _answer(keys)


@bp.post("/lab/secret/rotate")
def rotate():
    body = read_body(required=False)
    keep = flag(body, "keep_fallback") if "keep_fallback" in body else False
    require_owner()
    keys = secret_keys.rotate(_store().keys(g.lab), keep)
    _store().set_keys(g.lab, keys)
    announce("settings", changes={"secret": "rotated", "keep_fallback": keep})
    return _answer(keys)


@bp.post("/lab/secret/crack")
def crack():
    body = read_body(required=False)
    name = current_app.config["SESSION_COOKIE_NAME"]
    value = text(body, "cookie", max_len=MAX_COOKIE, required=False)
    value = value if value is not None else request.cookies.get(name)
    if not value:
        raise ApiError(400, "no_cookie", f"No {name!r} cookie to crack: log in with the "
                       "session mechanism first, or send 'cookie'")
    if not secret_keys.cracking.acquire(blocking=False):
        raise ApiError(429, "busy", "Other cracks are running; try again in a moment",
                       headers={"Retry-After": "1"})
    try:
        return jsonify(secret_keys.crack(current_app._get_current_object(), value))
    except secret_keys.CrackFailed as error:
        current_app.logger.warning("crack failed: %s", error)
        raise ApiError(503, "crack_failed", "The crack did not finish; try again",
                       headers={"Retry-After": "1"}) from None
    finally:
        secret_keys.cracking.release()


@bp.post("/lab/secret/forge")
def forge():
    body = read_body()
    key = text(body, "key", max_len=200)
    username = text(body, "username", max_len=64)
    set_it = flag(body, "set") if "set" in body else False
    value = secret_keys.forge(current_app, key, username)
    response = jsonify(value=value, payload={"username": username}, set=set_it)
    if set_it:
        set_lab_cookie(response, current_app.config["SESSION_COOKIE_NAME"], value)
    return response
