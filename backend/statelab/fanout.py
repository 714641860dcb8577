"""Live streams rendered once: one follower per lab and worker process reads the bus,
renders each event to Server-Sent Events bytes once, and every viewer of that lab in
the process writes the same bytes.

Before this, each viewer read the bus and JSON-encoded each event for itself: 500
viewers meant 500 reads and 500 encodings of every event (issue 10 measured p99 20 s at
500 viewers on one gevent worker). Now a worker does one read and one encoding per
event whatever the number of viewers; a viewer's work is a socket write.

Masking (masking.py) stays per viewer, and still shares the work: an event of a
request that carries cookie values is rendered twice, as its owner sees it (whole) and
as everyone else does (masked); every other event once. A viewer takes the owner's
bytes only for its own requests. This module knows nothing of Flask.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

from .masking import mask_event, request_secrets

_REMEMBERED_TRACES = 4096  # request events seen; older traces are long finished


@dataclass(frozen=True)
class Frame:
    number: int
    kind: str
    owner: str | None  # the client whose request this event is of; None: nobody's
    own: bytes  # as the owner sees it
    others: bytes  # as everyone else sees it (the same object when nothing is masked)

    def bytes_for(self, client: str | None) -> bytes:
        return self.own if client is not None and client == self.owner else self.others


def sse(event_type: str, event_id: str | None, data: dict) -> bytes:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event_type}\ndata: {json.dumps(data, default=str)}\n\n".encode()


class Feed:
    """One lab's events in this process, rendered, for every viewer of the lab here.

    ``frames`` holds up to ``capacity`` rendered events (the bus's log size, so a late
    joiner catches up from here too); a ``clear`` event empties it, as it empties the
    log."""

    def __init__(self, bus, lab: str, names: frozenset[str], capacity: int) -> None:
        self.bus = bus
        self.lab = lab
        self.names = names
        self.frames: deque[Frame] = deque(maxlen=capacity)
        self.changed = threading.Condition()
        self.viewers = 0
        self.ready = False  # the log has been read once
        self.broken = False  # the bus failed (Redis down): viewers end their streams
        self._last: str | None = None
        # Per trace seen: its client, and the cookie values its request carried (what
        # masking.Viewer keeps per viewer, kept here once for all of them).
        self._seen: OrderedDict[str, tuple[str | None, set[str]]] = OrderedDict()

    def render(self, event: dict) -> Frame:
        trace = event.get("trace")
        own = sse(event["type"], event["id"], event)
        if trace is None:  # clear, settings, comments, people: nobody's, nothing masked
            return Frame(int(event["id"]), event["type"], None, own, own)
        if event.get("type") == "request":
            self._seen[trace] = (event.get("client"), request_secrets(event, self.names))
            if len(self._seen) > _REMEMBERED_TRACES:
                self._seen.popitem(last=False)
        owner, secrets = self._seen.get(trace, (None, None))
        masked = mask_event(event, self.names, secrets)
        others = own if masked is event else sse(event["type"], event["id"], masked)
        return Frame(int(event["id"]), event["type"], owner, own, others)

    def follow_once(self, timeout: float) -> None:
        """Wait for the lab's next events on the bus and hand them to the viewers."""
        try:
            page = self.bus.wait(self.lab, self._last, timeout)
        except self.bus.unavailable:
            with self.changed:
                self.broken = True
                self.changed.notify_all()
            return
        frames = [self.render(event) for event in page.events]
        with self.changed:
            for frame in frames:
                if frame.kind == "clear":
                    self.frames.clear()
                self.frames.append(frame)
            self._last = page.last_id
            if frames or not self.ready:  # an idle lab wakes nobody: heartbeats do
                self.ready = True
                self.changed.notify_all()

    def after(self, number: int, timeout: float) -> tuple[list[Frame], str | None] | None:
        """The frames after event ``number``, and what a viewer resuming there must be
        told first: ``"gap"`` (events between were pushed out of the log) or
        ``"reset"`` (the log has no such event yet: the server restarted and its ids
        count from 1 again; every frame follows). Waits up to ``timeout`` seconds
        while there is nothing new. None: the bus failed."""
        with self.changed:
            if not self.broken and (not self.ready or self._newest() <= number):
                self.changed.wait(timeout)
            if self.broken:
                return None
            news = None
            if self.ready and number > self._parse_last():
                number, news = 0, "reset"
            chosen = []
            for frame in reversed(self.frames):
                if frame.number <= number:
                    break
                chosen.append(frame)
            chosen.reverse()
            if number and chosen and chosen[0].number > number + 1 \
                    and chosen[0].kind != "clear":
                news = "gap"
            return chosen, news

    def _parse_last(self) -> int:
        return self.bus.parse_id(self._last)

    def _newest(self) -> int:
        return self.frames[-1].number if self.frames else 0


class Feeds:
    """Each watched lab's ``Feed`` in this process, followed by one thread (a greenlet
    under gevent's monkey-patching) while it has viewers."""

    def __init__(self, bus, names: frozenset[str], heartbeat: float) -> None:
        self.bus = bus
        self.names = names
        self.heartbeat = heartbeat
        self._feeds: dict[str, Feed] = {}
        self._lock = threading.Lock()

    def join(self, lab: str) -> Feed:
        with self._lock:
            feed = self._feeds.get(lab)
            if feed is None:
                feed = self._feeds[lab] = Feed(self.bus, lab, self.names, self.bus.capacity)
                threading.Thread(target=self._follow, args=(feed,), daemon=True,
                                 name=f"statelab-feed-{lab[:6]}").start()
            feed.viewers += 1
            return feed

    def leave(self, feed: Feed) -> None:
        with self._lock:
            feed.viewers -= 1

    def _follow(self, feed: Feed) -> None:
        while True:
            feed.follow_once(self.heartbeat)
            with self._lock:
                if feed.viewers <= 0 or feed.broken:
                    # A viewer joining later starts a new feed (and reads the log anew).
                    if self._feeds.get(feed.lab) is feed:
                        del self._feeds[feed.lab]
                    return
