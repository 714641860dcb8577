"""The lab's hook log: read it, clear it, or follow it live as Server-Sent Events."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, jsonify, request

from ..events import BadEventId, TooManySubscribers
from ..labs import CLIENT_ID
from ..masking import Viewer
from ..sessions import SERVER_COOKIE
from .cookie import COOKIE
from .inputs import ApiError, integer

bp = Blueprint("hooks", __name__)


def _bus():
    return current_app.extensions["statelab"].bus


def _after(value: str | None) -> str | None:
    return value or None


def _viewer() -> Viewer:
    """Who reads: X-Client-Id, or ?client= for EventSource (masking.py says why)."""
    client = request.environ.get("statelab.client") or request.args.get("client")
    client = client if client and CLIENT_ID.fullmatch(client) else None
    names = frozenset((COOKIE, current_app.config["SESSION_COOKIE_NAME"], SERVER_COOKIE))
    return Viewer(client, names)


@bp.get("/hooks")
def read_log():
    limit = integer(request.args, "limit", low=1, high=5000)
    try:
        page = _bus().read(g.lab, _after(request.args.get("after")), limit)
    except BadEventId:
        raise ApiError(400, "bad_field", "'after' is not an event id", field="after") from None
    view = _viewer()
    return jsonify(events=[view(e) for e in page.events], last_id=page.last_id,
                   dropped=page.dropped)


@bp.delete("/hooks")
def clear_log():
    _bus().clear(g.lab)
    return "", 204


@bp.get("/hooks/stream")
def stream():
    bus = _bus()
    lab = g.lab
    after = _after(request.headers.get("Last-Event-ID") or request.args.get("after"))
    heartbeat = current_app.config["STATELAB_HEARTBEAT_SECONDS"]
    try:
        bus.parse_id(after)
    except BadEventId:
        raise ApiError(400, "bad_field", "'after' / Last-Event-ID is not an event id",
                       field="after") from None
    try:
        bus.subscribe(lab)
    except TooManySubscribers:
        raise ApiError(429, "too_many_viewers",
                       "This lab has as many live viewers as it may; try again later") from None

    view = _viewer()

    def messages():
        last = after
        yield f"retry: 1000\n: following lab {lab}\n\n"
        while True:
            page = bus.wait(lab, last, heartbeat)
            if page.dropped:
                yield _message("gap", None, {"after": last, "note":
                               "older events were pushed out of the bounded log"})
            if not page.events:
                yield ": heartbeat\n\n"
                continue
            for event in page.events:
                yield _message(event["type"], event["id"], view(event))
            last = page.last_id

    response = Response(messages(), mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    # Called by the server when the connection ends, even when the body is never read
    # (a HEAD request): the viewer's slot is always given back.
    response.call_on_close(lambda: bus.unsubscribe(lab))
    return response


def _message(event_type: str, event_id: str | None, data: dict) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event_type}\ndata: {json.dumps(data, default=str)}\n\n"
