"""The lab's hook log: read it, clear it, or follow it live as Server-Sent Events."""

from __future__ import annotations

import logging
import re
import select
import socket
import time
from contextlib import ExitStack, contextmanager

from flask import Blueprint, Response, current_app, g, jsonify, request

from ..context import client_of, current
from ..crosssite import foreign
from ..events import BadEventId, TooManySubscribers
from ..labs import CLIENT_ID
from ..fanout import TooManyWatchedLabs, sse
from ..masking import Viewer
from ..inputs import ApiError, integer
from ..ratelimits import client_address
from .people import owns, require_owner, who

bp = Blueprint("hooks", __name__)

RETRY_LATER = {"Retry-After": "10"}
EPOCH = re.compile(r"[0-9]{1,12}\.[0-9]{6}")  # labs.py: Labs.epoch
logger = logging.getLogger(__name__)


def _bus():
    return current().bus


def _after(value: str | None) -> str | None:
    return value or None


def _viewer() -> Viewer:
    """Who reads: X-Client-Id, or ?client= for EventSource (masking.py says why)."""
    client = client_of(request.environ) or request.args.get("client")
    client = client if client and CLIENT_ID.fullmatch(client) else None
    return Viewer(client)


@bp.get("/hooks")
def read_log():
    limit = integer(request.args, "limit", low=1, high=5000)
    after = _after(request.args.get("after"))
    try:
        page = _bus().read(g.lab, after, limit)
    except BadEventId:
        raise ApiError(400, "bad_field", "'after' is not an event id", field="after") from None
    view = _viewer()
    if after is not None and not owns():  # a page polling the log (its stream refused)
        current().store.note_poll(g.lab, view.client or client_address())
    return jsonify(events=[view(e) for e in page.events], last_id=page.last_id,
                   epoch=current().labs.epoch(g.lab), dropped=page.dropped,
                   dropped_before=_dropped_before(page.events, _bus().parse_id(after)),
                   viewers={"live": _bus().subscribers(g.lab),
                            "polling": current().store.polling(g.lab)})


def _dropped_before(events: list[dict], start: int) -> int:
    """How many events between ``start`` and the first one read were pushed out of the
    bounded log: a late joiner is told how much history it does not see. Events ids
    count the lab's events; a log that begins with a ``clear`` lost nothing (it was
    emptied on purpose, and the event says by whom)."""
    if not events or events[0]["type"] == "clear":
        return 0
    return max(0, int(events[0]["id"]) - start - 1)


@bp.delete("/hooks")
def clear_log():
    require_owner()
    _bus().clear(g.lab, by=who(), time=round(time.time(), 6))
    return "", 204


@bp.get("/hooks/stream")
def stream():
    # First, before any slot, lease or feed is taken: another site's page (an <img>, a
    # cross-origin EventSource) would hold streams on the class's server by its
    # visitors' browsers. The page's own EventSource is same-origin.
    reason = foreign(request.environ, current_app.config["STATELAB_CORS_ORIGINS"])
    if reason is not None:
        raise ApiError(403, "cross_site", f"Refused: a live stream opened by another "
                       f"site's page ({reason}). Open the playground's own page; the log "
                       "can still be read (GET /api/hooks)",
                       headers={"Vary": "Origin, Sec-Fetch-Site"})
    statelab = current()
    bus, lab = statelab.bus, g.lab
    after = _after(request.headers.get("Last-Event-ID") or request.args.get("after"))
    try:
        bus.parse_id(after)
    except BadEventId:
        raise ApiError(400, "bad_field", "'after' / Last-Event-ID is not an event id",
                       field="after") from None
    told = request.args.get("epoch")
    if told is not None and EPOCH.fullmatch(told) is None:
        raise ApiError(400, "bad_field", "'epoch' is not a log epoch (GET /api/hooks "
                       "answers one)", field="epoch")
    # Read before anything is taken: a failure here (Redis down) leaks nothing.
    epoch = statelab.labs.epoch(lab)
    with ExitStack() as lease:
        _lease_viewer(lease, statelab, lab)
        feed = lease.enter_context(_joined(statelab.feeds, lab))
        response = Response(_messages(feed, bus.parse_id(after), _peer(request.environ),
                                      _viewer().client, epoch, told not in (None, epoch)),
                            mimetype="text/event-stream",
                            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        # Called by the server when the connection ends, even when the body is never
        # read (a HEAD request): the viewer's feed, place and slot are always given back.
        response.call_on_close(lease.pop_all().close)
    return response


def _lease_viewer(lease: ExitStack, statelab, lab: str) -> None:
    """Take a stream slot and a place in the lab's viewer count; ``lease`` gives both
    back (the slot too when the backend fails while counting the viewer in)."""
    slots, bus = statelab.streams, statelab.bus
    address, owner = client_address(), owns()
    if not slots.take(address, exempt=owner):
        if slots.address_full(address):
            raise ApiError(429, "too_many_streams_from_address", "This address holds "
                           f"{slots.per_address} live streams, as many as one address "
                           "may; close one, or read the log (GET /api/hooks)",
                           streams=slots.per_address, headers=RETRY_LATER)
        raise ApiError(429, "too_many_streams", "The server holds as many live streams as "
                       "it may; try again later", headers=RETRY_LATER)
    lease.callback(slots.give_back, address, exempt=owner)
    try:
        # A lab's owner has a place kept in a full lab: one past STATELAB_MAX_VIEWERS.
        bus.subscribe(lab, reserved=1 if owner else 0)
    except TooManySubscribers:
        viewers = bus.subscribers(lab)
        raise ApiError(429, "lab_full", f"This lab is full ({viewers} viewers; its owner "
                       "can still join live); its log can still be read (GET /api/hooks)",
                       viewers=viewers, headers=RETRY_LATER) from None
    lease.callback(_unsubscribe, bus, lab)


@contextmanager
def _joined(feeds, lab: str):
    """This worker's feed of ``lab``, left on exit.

    A worker following as many labs as it may answers 429 with Retry-After, like
    too_many_streams: its capacity, not an outage. Told 429, the page polls the log and
    tries again after Retry-After (a 503 would have it reconnect within a second)."""
    try:
        feed = feeds.join(lab)
    except TooManyWatchedLabs as full:
        raise ApiError(429, "too_many_watched_labs", f"This server follows as many labs "
                       f"live as it may ({full.limit} per worker); this lab's log can "
                       "still be read (GET /api/hooks)", labs=full.limit,
                       headers=RETRY_LATER) from None
    try:
        yield feed
    finally:
        feeds.leave(feed)


def _unsubscribe(bus, lab: str) -> None:
    """Count a viewer out of the lab; with the backend down, its lease ends it."""
    try:
        bus.unsubscribe(lab)
    except bus.unavailable:
        # Its lease (events/redis.py) ends it within a few heartbeats.
        logger.warning("statelab: backend down; lab %s keeps a viewer until its "
                       "lease ends", lab)


# EventSource waits this long before reconnecting: a restarted server is asked again
# within a second, so a page recovers within 2 s.
RETRY_MS = 1000


def _messages(feed, last: int, peer, client: str | None, epoch: str, other_log: bool):
    """The lab's frames (fanout.py): each wake of the feed is one write of every frame
    pending, the same bytes object for every viewer but the owner of one of them.
    ``other_log``: the viewer's last id is of another epoch of the lab's log (labs.py):
    it is told ``reset`` and gets the whole log, even when the new log's ids have
    passed its last one (hundreds of pages reconnecting do that within a second)."""
    yield f"retry: {RETRY_MS}\n: following lab {feed.lab}\n\n".encode()
    if other_log:
        yield _news("reset", last, epoch)
        last = 0
    while True:
        delivery = feed.next_after(last)
        if delivery is None:
            return  # Redis is down: end the stream; EventSource retries and gets a 503
        if delivery.news:
            yield _news(delivery.news, last, epoch)
        if not delivery.frames:
            if delivery.news == "reset":
                last = 0
            if _hung_up(peer):
                return
            # Also how a viewer that vanished without a FIN is noticed: the write after
            # the peer's reset fails, and the server closes the stream.
            yield b": heartbeat\n\n"
            continue
        yield delivery.bytes_for(client)
        last = delivery.frames[-1].number


NEWS = {"gap": "older events were pushed out of the bounded log",
        "reset": "the server restarted: the lab's log begins again"}


def _news(kind: str, last: int, epoch: str) -> bytes:
    return sse(kind, None, {"after": str(last) if last else None, "note": NEWS[kind],
                            "epoch": epoch})


def _peer(environ: dict) -> socket.socket | None:
    """The client's socket, when the server hands it over (gunicorn, Werkzeug) and it is
    a plain one (a TLS socket cannot be peeked at)."""
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    return sock if type(sock) is socket.socket else None


def _hung_up(peer: socket.socket | None) -> bool:
    """Whether the viewer has closed its end: readable now, and a peek reads
    end-of-file. Without it a closed viewer would hold its slot until a second write
    fails. The select comes first because gevent's socket turns a recv that would
    block into a wait, even with MSG_DONTWAIT."""
    if peer is None:
        return False
    try:
        readable, _, _ = select.select([peer], [], [], 0)
        return bool(readable) and peer.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False  # open, nothing sent: the usual case
    except (OSError, ValueError):
        return True
