"""Who is in a lab: display names, the owner's powers, and who did what.

Every lab has one owner, whoever created it (owners.py); changing the lab's settings,
its signing key, clearing the log for everyone and resetting the lab are the owner's.
Each of those, and each new comment, is published on the lab's log as an event of its
own (``settings``, ``clear``, ``comments``, ``people``) saying who did it, so every
page hears of it from the stream instead of re-reading.
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, g, jsonify, request

from ..context import client_of, current
from ..labs import CLIENT_ID_LENGTHS
from ..identity import public_id
from ..owners import ENVIRON_KEY, HEADER, is_owner
from ..inputs import ApiError, read_body, text

bp = Blueprint("people", __name__)

MAX_NAME = 32


def _client() -> str | None:
    return client_of(request.environ)


def owns() -> bool:
    return is_owner(current_app.config["SECRET_KEY"], g.lab, request.environ.get(ENVIRON_KEY))


def require_owner() -> None:
    if not owns():
        raise ApiError(403, "owner_only", "Only the lab's owner (whoever created it) may "
                       f"do this; the owner's page sends its token as {HEADER}")


def person() -> str | None:
    """The acting client's public id in this lab (identity.py): what others know it by."""
    return public_id(current_app.config["SECRET_KEY"], g.lab, _client())


def who() -> dict:
    """The acting client as every viewer may see it: its public id, never its own id."""
    client = _client()
    name = current().store.client_name(g.lab, client) if client else None
    return {"client": person(), "name": name}


def announce(kind: str, **detail) -> None:
    """Publish a lab event that no request's trace carries: ``settings``, ``comments``,
    ``people``."""
    current().bus.publish(g.lab, {"type": kind, "lab": g.lab, "by": who(),
                                    "time": round(time.time(), 6), **detail})


def display_name(body: dict) -> str:
    name = text(body, "name", max_len=MAX_NAME).strip()
    if not name or not name.isprintable():
        raise ApiError(400, "bad_field", "'name' must be 1 to 32 printable characters "
                       "(no control characters)", field="name")
    return name


@bp.get("/me")
def get_me():
    client = _client()
    name = current().store.client_name(g.lab, client) if client else None
    return jsonify(client=client, person=person(), name=name, owner=owns())


@bp.put("/me")
def put_me():
    client = _client()
    if client is None:
        shortest, longest = CLIENT_ID_LENGTHS
        raise ApiError(400, "client_required", "Name yourself with the X-Client-Id header "
                       f"({shortest}-{longest} letters, digits, - or _)")
    name = display_name(read_body())
    current().store.set_client_name(g.lab, client, name)
    announce("people", name=name)
    return jsonify(client=client, person=person(), name=name, owner=owns())
