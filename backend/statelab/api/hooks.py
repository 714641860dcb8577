"""The lab's hook log: read it, clear it, or follow it live as Server-Sent Events."""

from __future__ import annotations

import json
import logging
import socket

from flask import Blueprint, Response, current_app, g, jsonify, request

from ..context import client_of, current
from ..events import BadEventId, TooManySubscribers
from ..labs import CLIENT_ID
from ..masking import Viewer
from .inputs import ApiError, integer
from .logins import MECHANISMS

bp = Blueprint("hooks", __name__)

RETRY_LATER = {"Retry-After": "10"}
logger = logging.getLogger(__name__)


def _bus():
    return current().bus


def _after(value: str | None) -> str | None:
    return value or None


def _viewer() -> Viewer:
    """Who reads: X-Client-Id, or ?client= for EventSource (masking.py says why)."""
    client = client_of(request.environ) or request.args.get("client")
    client = client if client and CLIENT_ID.fullmatch(client) else None
    names = frozenset(mechanism.cookie_name for mechanism in MECHANISMS)
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
    statelab = current()
    bus, slots, lab = statelab.bus, statelab.streams, g.lab
    after = _after(request.headers.get("Last-Event-ID") or request.args.get("after"))
    heartbeat = current_app.config["STATELAB_HEARTBEAT_SECONDS"]
    try:
        bus.parse_id(after)
    except BadEventId:
        raise ApiError(400, "bad_field", "'after' / Last-Event-ID is not an event id",
                       field="after") from None
    if not slots.take():
        raise ApiError(429, "too_many_streams", "The server holds as many live streams as "
                       "it may; try again later", headers=RETRY_LATER)
    try:
        bus.subscribe(lab)
    except TooManySubscribers:
        slots.give_back()
        raise ApiError(429, "too_many_viewers", "This lab has as many live viewers as it "
                       "may; try again later", headers=RETRY_LATER) from None
    except BaseException:
        slots.give_back()  # the backend failed (Redis down): no stream, no slot
        raise

    def leave() -> None:
        slots.give_back()
        try:
            bus.unsubscribe(lab)
        except bus.unavailable:
            # The count's lease (events/redis.py) ends this viewer within the hour.
            logger.warning("statelab: backend down; lab %s keeps a viewer until its "
                           "lease ends", lab)

    response = Response(_messages(bus, lab, after, heartbeat, _peer(request.environ),
                                  _viewer()),
                        mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    # Called by the server when the connection ends, even when the body is never read
    # (a HEAD request): the viewer's slots are always given back.
    response.call_on_close(leave)
    return response


def _messages(bus, lab: str, after: str | None, heartbeat: float, peer, view: Viewer):
    last = after
    yield f"retry: 1000\n: following lab {lab}\n\n"
    while True:
        try:
            page = bus.wait(lab, last, heartbeat)
        except bus.unavailable:
            return  # Redis is down: end the stream; EventSource retries and gets a 503
        if page.dropped:
            yield _message("gap", None, {"after": last, "note":
                           "older events were pushed out of the bounded log"})
        if not page.events:
            if _hung_up(peer):
                return
            # Also how a viewer that vanished without a FIN is noticed: the write after
            # the peer's reset fails, and the server closes the stream.
            yield ": heartbeat\n\n"
            continue
        for event in page.events:
            yield _message(event["type"], event["id"], view(event))
        last = page.last_id


def _peer(environ: dict) -> socket.socket | None:
    """The client's socket, when the server hands it over (gunicorn, Werkzeug) and it is
    a plain one (a TLS socket cannot be peeked at)."""
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    return sock if type(sock) is socket.socket else None


def _hung_up(peer: socket.socket | None) -> bool:
    """Whether the viewer has closed its end: a peek that reads end-of-file. Without
    it a closed viewer would hold its thread until a second write fails."""
    if peer is None:
        return False
    try:
        return peer.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False  # open, nothing sent: the usual case
    except OSError:
        return True


def _message(event_type: str, event_id: str | None, data: dict) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event_type}\ndata: {json.dumps(data, default=str)}\n\n"
