"""Live streams rendered once: one follower per lab and worker process reads the bus,
renders each event to Server-Sent Events bytes once, and every viewer of that lab in
the process writes the same bytes.

A worker does one read and one encoding per event whatever the number of viewers; a
viewer's work is a socket write (a read and an encoding per viewer measured p99 20 s at
500 viewers on one gevent worker).

Masking (masking.py) stays per viewer, and still shares the work: an event of a
request that carries cookie values is rendered twice, as its owner sees it (whole) and
as everyone else does (masked); every other event once. A viewer takes the owner's
bytes only for its own requests. This module knows nothing of Flask.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .events import Bus, Page
from .masking import Traces, mask_event

# A feed wakes its viewers at most this often: events that arrive sooner after a wake
# wait for the next one, gathered (a comment publishes a `comments` event, then its
# trace a few ms later; a login over 50 ms is published in parts). A wake costs each
# viewer a switch and a socket write, so without it the cost grew with the request
# rate times the viewers; with it, at most 200 wakes a second per viewer. Short: each
# held event is late by up to this much (bench/live.py, one viewer on Redis: with
# 20 ms the median went from 4 to 19 ms, and 500 viewers at 20 requests/s were no
# faster). The first event after a quiet spell is not held.
GATHER_SECONDS = 0.005
# And while the viewers woken last have not all taken their delivery, the next wake
# waits, up to this long: a wake's fan-out grows with the viewers (measured on `make
# run`'s threads, 500 viewers: 40-50 ms), and waking again before it ends only queues
# more of it (p99 0.7-1 s at 500 viewers and 20 requests/s). What arrives meanwhile
# goes out in the next wake, together.
MAX_HOLD_SECONDS = 0.1
HOLD_POLL_SECONDS = 0.002

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Delivery:
    """What the viewers resuming after one event number are sent next, worked out once
    for all of them: the frames, the news to tell first, and the frames' bytes as
    everyone but their owners sees them, joined."""

    frames: tuple[Frame, ...]
    news: str | None
    joined: bytes  # every frame's ``others`` bytes, in order
    owners: frozenset[str]  # the clients that see some frame differently

    def bytes_for(self, client: str | None) -> bytes:
        if client is None or client not in self.owners:
            return self.joined
        return b"".join(frame.bytes_for(client) for frame in self.frames)


_NOTHING_YET = Delivery((), None, b"", frozenset())  # a heartbeat


class Feed:
    """One lab's events in this process, rendered, for every viewer of the lab here.

    ``frames`` holds up to ``capacity`` rendered events (the bus's log size, so a late
    joiner catches up from here too); a ``clear`` event empties it, as it empties the
    log.

    Viewers sleep on one shared ``Event`` (a gevent event under monkey-patching) that
    the follower sets after every read of the bus, with news or at each heartbeat, and
    replaces with a fresh one. A viewer's wait therefore has no timeout of its own:
    measured with bench/live.py at 500 viewers on gevent, the per-wait timer and lock
    that ``Condition.wait(timeout)`` makes were ~20% of a worker's CPU."""

    def __init__(self, bus, lab: str, capacity: int, made: float = 0.0) -> None:
        self.bus = bus
        self.lab = lab
        self.made = made  # the lab's creation time: a lab made again needs a new feed
        self.frames: deque[Frame] = deque(maxlen=capacity)
        self.viewers = 0
        self.ready = False  # the log has been read once
        self.broken = False  # the bus failed (Redis down): viewers end their streams
        self._lock = threading.Lock()
        self._news = threading.Event()
        self._last: str | None = None
        self._last_number = 0
        self._reads = 0  # reads of the bus begun
        self._read = 0  # which of them the frames are from
        self._woken = 0.0  # time.monotonic() of the last wake
        self._waiting = 0  # viewers waiting for a wake now
        self._uncollected = 0  # of those the last wake woke, those yet to take theirs
        # Since the last read of the bus: the delivery for each number viewers resumed
        # after (all of a lab's viewers are usually at the same one).
        self._deliveries: dict[int, Delivery] = {}
        # What masking.Viewer keeps per viewer, kept here once for all of them.
        self._traces = Traces()

    def render(self, event: dict) -> Frame:
        trace = event.get("trace")
        own = sse(event["type"], event["id"], event)
        if trace is None:  # clear, settings, comments, people: nobody's, nothing masked
            return Frame(int(event["id"]), event["type"], None, own, own)
        owner, secrets = self._traces.owner_and_secrets(event)
        masked = mask_event(event, secrets)
        others = own if masked is event else sse(event["type"], event["id"], masked)
        return Frame(int(event["id"]), event["type"], owner, own, others)

    def follow_once(self, timeout: float) -> None:
        """Wait up to ``timeout`` for the lab's next events on the bus, then wake the
        viewers: with the new frames, or for a heartbeat when there are none."""
        self._reads += 1  # only the follower writes it
        reading = self._reads
        try:
            page = self.bus.wait(self.lab, self._last, timeout)
            if page.events and self._hold():
                more = self.bus.read(self.lab, page.last_id)
                if more.events:
                    page = Page(page.events + more.events, more.last_id)
            self.bus.renew(self.lab)  # this worker's viewers of the lab still count
        except self.bus.unavailable:
            self.fail()
            return
        frames = [self.render(event) for event in page.events]
        with self._lock:
            for frame in frames:
                if frame.kind == "clear":
                    self.frames.clear()
                self.frames.append(frame)
            self._last = page.last_id
            self._last_number = self.bus.parse_id(page.last_id)
            self._read = reading
            self.ready = True
            self._announce()

    def _hold(self) -> bool:
        """Wait before the next wake: for the gathering window since the last one, and
        while its viewers are still taking their deliveries (up to MAX_HOLD_SECONDS).
        Whether it waited at all."""
        held = False
        while True:
            now = time.monotonic()
            pause = self._woken + GATHER_SECONDS - now
            if pause > 0:
                time.sleep(pause)
            elif self._uncollected > 0 and now < self._woken + MAX_HOLD_SECONDS:
                time.sleep(HOLD_POLL_SECONDS)
            else:
                return held
            held = True

    def fail(self) -> None:
        """The bus failed, or the follower did: every viewer ends its stream."""
        with self._lock:
            self.broken = True
            self._announce()

    def _announce(self) -> None:
        """Under the lock: wake every viewer waiting now; later ones wait anew."""
        self._woken = time.monotonic()
        self._uncollected = self._waiting
        self._deliveries.clear()
        news, self._news = self._news, threading.Event()
        news.set()

    def next_after(self, number: int, timeout: float | None = None) -> Delivery | None:
        """What a viewer that has event ``number`` is sent next; it waits (up to
        ``timeout``; None: until the follower's next read, at most a heartbeat away)
        while there is nothing new. An empty delivery without news is a heartbeat.
        None: the bus failed."""
        with self._lock:
            if self.broken:
                return None
            waiting, asked = self._news, self._reads
            if self.ready and self._newest() > number:
                return self._delivery(number)
            self._waiting += 1
        while True:  # twice at most: the second wake's read began after the viewer came
            woken = waiting.wait(timeout)
            with self._lock:
                self._waiting -= 1
                if woken:  # counted in the last wake's _uncollected (_announce, locked)
                    self._uncollected = max(0, self._uncollected - 1)
                if self.broken:
                    return None
                if not self._unsure(number, asked):
                    return self._delivery(number)
                if not woken:
                    return _NOTHING_YET
                waiting = self._news
                self._waiting += 1

    def _unsure(self, number: int, asked: int) -> bool:
        """Under the lock: whether a viewer at ``number`` is past every event read,
        by reads that all began before it asked (``asked``: the reads begun then).
        Then the bus may well have its event: with two workers, a page that saw event
        N+1 on one reconnects to the other while that one's follower, having read up
        to N, renders or gathers. Only a read begun later can tell a restart (reset)."""
        return self.ready and number > self._last_number and self._read <= asked

    def _delivery(self, number: int) -> Delivery:
        """Under the lock: the frames after ``number``, and what a viewer resuming there
        must be told first: ``"gap"`` (events between were pushed out of the log) or
        ``"reset"`` (the log has no such event yet: the server restarted and its ids
        count from 1 again; every frame follows). Worked out once per number and read
        of the bus."""
        found = self._deliveries.get(number)
        if found is not None:
            return found
        news, start = None, number
        if self.ready and number > self._last_number:
            start, news = 0, "reset"
        chosen = []
        for frame in reversed(self.frames):
            if frame.number <= start:
                break
            chosen.append(frame)
        chosen.reverse()
        if chosen and Bus.dropped(start, chosen[0].number, [{"type": chosen[0].kind}]):
            news = "gap"
        owners = frozenset(f.owner for f in chosen
                           if f.owner is not None and f.own is not f.others)
        delivery = Delivery(tuple(chosen), news, b"".join(f.others for f in chosen), owners)
        self._deliveries[number] = delivery
        return delivery

    def _newest(self) -> int:
        return self.frames[-1].number if self.frames else 0


class TooManyWatchedLabs(Exception):
    """This process follows as many labs as it may; a viewer of another lab is refused."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class Feeds:
    """Each watched lab's ``Feed`` in this process, followed by one thread (a greenlet
    under gevent's monkey-patching) while it has viewers.

    At most ``max_labs`` followers run at once (``None``: no cap), but for the old
    follower of a lab made again, for up to a heartbeat (``join``). On Redis each one
    holds a connection of the worker's pool in its blocking XREAD, so the cap keeps the
    rest of the pool for requests (measured without it: a pool of 6 and 6 watched labs
    on one gevent worker answered every /api/state 503 after the pool's 5 s wait). A
    follower counts until it has stopped, not merely until its last viewer left: it
    holds its connection until its read returns, up to a heartbeat later.

    A feed outlives its last viewer by up to a heartbeat. ``created(lab)`` (the store's)
    tells a lab apart from one made again under its id (evicted, or forgotten, then
    re-created) in that time, here or by another worker: the old feed follows a log
    that is gone, from an event number the new one has not reached, so it is never
    reused."""

    def __init__(self, bus, heartbeat: float,
                 created: Callable[[str], float] = lambda lab: 0.0,
                 max_labs: int | None = None) -> None:
        self.bus = bus
        self.heartbeat = heartbeat
        self.created = created
        self.max_labs = max_labs
        self._feeds: dict[str, Feed] = {}
        self._followers = 0  # running, including those of forgotten feeds
        self._replaced: set[Feed] = set()  # forgotten for a lab made again, following
        self._lock = threading.Lock()

    def join(self, lab: str) -> Feed:
        """The lab's feed, with one more viewer: the one this process follows, else a
        new one and its follower. Raises ``TooManyWatchedLabs`` (and starts nothing)
        when a new follower would pass ``max_labs``; anything else it raises (a
        follower that cannot start) leaves nothing registered. Either way the stream
        has counted its viewer in, and must give that back."""
        try:
            made = self.created(lab)
        except self.bus.unavailable:
            made = None  # keep the feed there is; its follower notices the outage
        with self._lock:
            feed = self._feeds.get(lab)
            stale = feed is not None and made is not None and feed.made != made
            if feed is None or stale:
                # A lab made again: its new feed takes the old one's place, whose
                # follower still counts until its read returns (up to a heartbeat).
                # Exempt from the cap, once per lab at a time, so past max_labs run at
                # most one such follower per lab (2 * max_labs, the pool's other half at
                # the default) and none beyond a heartbeat. The cap is checked before
                # the old feed is failed: a refused join breaks nobody's stream.
                exempt = stale and not any(old.lab == lab for old in self._replaced)
                if (self.max_labs is not None and self._followers >= self.max_labs
                        and not exempt):
                    raise TooManyWatchedLabs(self.max_labs)
                if stale:
                    self._forget_locked(feed)
                    self._replaced.add(feed)
                    feed.fail()  # anyone still on it reconnects to the lab as it is now
                feed = self._feeds[lab] = Feed(self.bus, lab, self.bus.capacity,
                                               made or 0.0)
                self._followers += 1
                try:
                    threading.Thread(target=self._follow, args=(feed,), daemon=True,
                                     name=f"statelab-feed-{lab[:6]}").start()
                except BaseException:
                    # No follower runs: undone, or later viewers would wait on this
                    # feed (next_after without a timeout) for ever, and it would count.
                    self._forget_locked(feed)
                    self._followers -= 1
                    raise
            feed.viewers += 1
            return feed

    def following(self) -> int:
        """Followers running: each holds a thread (a Redis connection on Redis)."""
        with self._lock:
            return self._followers

    def leave(self, feed: Feed) -> None:
        with self._lock:
            feed.viewers -= 1

    def _follow(self, feed: Feed) -> None:
        try:
            while True:
                feed.follow_once(self.heartbeat)
                if self._retired(feed):
                    return
        except Exception:
            logger.exception("statelab: the feed of lab %s failed; its viewers reconnect "
                             "to a new one", feed.lab)
        finally:
            # On any exit: a viewer joining later starts a new feed (and reads the log
            # anew), never this one; those waiting for it (without a timeout) are woken.
            with self._lock:
                self._forget_locked(feed)
                self._replaced.discard(feed)
                self._followers -= 1
            feed.fail()

    def _retired(self, feed: Feed) -> bool:
        """Whether the follower may stop (nobody watches, or the bus failed); if so the
        feed is forgotten under the same lock, so no viewer joins it afterwards."""
        with self._lock:
            if feed.viewers <= 0 or feed.broken:
                self._forget_locked(feed)
                return True
            return False

    def _forget_locked(self, feed: Feed) -> None:
        if self._feeds.get(feed.lab) is feed:
            del self._feeds[feed.lab]
