"""The event bus: each lab's bounded hook log, read back or followed live.

Two backends behind one interface: ``MemoryBus`` (the embedded default, one process)
and ``RedisBus`` (Redis Streams, so several worker processes share one log). Event ids
are opaque strings that only ever grow within a lab; ``after`` resumes after one.
This module knows nothing of Flask.

Events are published as dicts, or many at once as ``render`` and the arguments that
make each event: the memory bus calls ``render(arg)`` only when the event is read, so
recording costs the traced request little while nobody watches. The log is bounded in
events; whole publishes are pushed out, oldest first.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field


_COUNTER_ID = re.compile(r"[0-9]{1,18}", re.ASCII)
_STREAM_ID = re.compile(r"([0-9]{1,18})(?:-([0-9]{1,18}))?", re.ASCII)


class BadEventId(ValueError):
    """An ``after`` / ``Last-Event-ID`` value that is not an id this bus makes."""


class TooManySubscribers(RuntimeError):
    """The lab already has as many live viewers as it may."""


@dataclass
class Page:
    events: list[dict]
    last_id: str | None
    dropped: bool = False


@dataclass
class _Log:
    events: deque
    next_id: int = 1
    count: int = 0
    subscribers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        # Publishers take the plain lock (cheap); followers wait on a condition over it.
        self.changed = threading.Condition(self.lock)


class MemoryBus:
    """Per-lab ring buffers in this process, with a condition to wake followers.

    The buffer holds batches ``(first_id, render, args)``: one entry per publish, so a
    traced request adds one object for the garbage collector to look at, not fifteen.
    """

    def __init__(self, capacity: int = 2000, max_subscribers: int = 20) -> None:
        self.capacity = capacity
        self.max_subscribers = max_subscribers
        self._logs: dict[str, _Log] = {}
        self._lock = threading.Lock()

    def _log(self, lab: str) -> _Log:
        log = self._logs.get(lab)
        if log is None:
            with self._lock:
                log = self._logs.setdefault(lab, _Log(deque()))
        return log

    @staticmethod
    def parse_id(after: str | None) -> int:
        if after in (None, ""):
            return 0
        if _COUNTER_ID.fullmatch(after) is None:
            raise BadEventId(after)
        return int(after)

    def publish(self, lab: str, event: dict) -> str:
        return str(self.publish_many(lab, None, (event,)))

    def publish_many(self, lab: str, render, args) -> int:
        """Append events ``render(arg)`` for each arg (``render`` None: args are events);
        answer the first one's id."""
        log = self._log(lab)
        with log.lock:
            first = log.next_id
            log.next_id += len(args)
            log.count += len(args)
            log.events.append((first, render, args))
            while log.count > self.capacity:
                log.count -= len(log.events.popleft()[2])
            if log.subscribers:
                log.changed.notify_all()
        return first

    def read(self, lab: str, after: str | None = None, limit: int | None = None) -> Page:
        start = self.parse_id(after)
        log = self._log(lab)
        with log.lock:
            chosen, first, next_id = self._select(log, start, limit)
        return self._page(chosen, start, first, next_id)

    def wait(self, lab: str, after: str | None, timeout: float) -> Page:
        """Events after ``after``; blocks up to ``timeout`` seconds while there are none."""
        start = self.parse_id(after)
        log = self._log(lab)
        with log.changed:
            if log.next_id - 1 <= start:
                log.changed.wait(timeout)
            chosen, first, next_id = self._select(log, start, None)
        return self._page(chosen, start, first, next_id)

    @staticmethod
    def _select(log: _Log, start: int, limit: int | None) -> tuple[list, int, int]:
        """Under the lock: which events to read, as ``(id, render, arg)``, and the ids
        that bound the log. Rendering waits until the lock is released, so a reader
        never holds up the requests publishing to the same lab."""
        chosen: list = []
        for batch_first, render, args in log.events:
            if batch_first + len(args) - 1 <= start:
                continue
            for offset in range(max(0, start + 1 - batch_first), len(args)):
                if limit is not None and len(chosen) >= limit:
                    break
                chosen.append((batch_first + offset, render, args[offset]))
            if limit is not None and len(chosen) >= limit:
                break
        first = log.events[0][0] if log.events else log.next_id
        return chosen, first, log.next_id

    @staticmethod
    def _page(chosen: list, start: int, first: int, next_id: int) -> Page:
        events = []
        for event_id, render, arg in chosen:
            event = arg if render is None else render(arg)
            event["id"] = str(event_id)
            events.append(event)
        dropped = bool(start) and start < first - 1
        if events and events[0]["type"] == "clear":
            dropped = False  # cleared on purpose, not pushed out
        last = events[-1]["id"] if events else (str(next_id - 1) if next_id > 1 else None)
        return Page(events, last, dropped)

    def clear(self, lab: str) -> None:
        log = self._log(lab)
        with log.lock:
            log.events.clear()
            log.count = 0
        self.publish(lab, {"type": "clear", "lab": lab})

    def drop(self, lab: str) -> None:
        with self._lock:
            self._logs.pop(lab, None)

    def subscribe(self, lab: str) -> None:
        log = self._log(lab)
        with log.lock:
            if log.subscribers >= self.max_subscribers:
                raise TooManySubscribers(lab)
            log.subscribers += 1

    def unsubscribe(self, lab: str) -> None:
        log = self._log(lab)
        with log.lock:
            log.subscribers = max(0, log.subscribers - 1)

    def subscribers(self, lab: str) -> int:
        log = self._logs.get(lab)
        return log.subscribers if log else 0

    def count(self, lab: str) -> int:
        log = self._logs.get(lab)
        return log.count if log else 0


VIEWER_LEASE_SECONDS = 3600


# Numbers a batch of events and appends it, atomically: ids are "N-0" with N counting
# the lab's events, so a reader can tell from the ids kept whether any were trimmed.
_APPEND = """
local count = #ARGV - 2
local last = redis.call('INCRBY', KEYS[2], count)
for i = 1, count do
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], (last - count + i) .. '-0', 'e', ARGV[i + 2])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return last - count + 1
"""


class RedisBus:
    """Each lab's log is a capped Redis Stream; followers block on XREAD."""

    def __init__(self, client, capacity: int = 2000, max_subscribers: int = 20,
                 prefix: str = "statelab:", idle_ttl: int = 7 * 24 * 3600) -> None:
        self.client = client
        self.capacity = capacity
        self.max_subscribers = max_subscribers
        self.prefix = prefix
        self.idle_ttl = idle_ttl
        self._append = client.register_script(_APPEND)

    def _key(self, lab: str) -> str:
        return f"{self.prefix}events:{lab}"

    def _seq_key(self, lab: str) -> str:
        return f"{self.prefix}seq:{lab}"

    def _subs_key(self, lab: str) -> str:
        return f"{self.prefix}viewers:{lab}"

    @staticmethod
    def parse_id(after: str | None) -> int:
        if after in (None, ""):
            return 0
        match = _STREAM_ID.fullmatch(after)
        if match is None or match.group(2) not in (None, "0"):
            raise BadEventId(after)
        return int(match.group(1))

    @staticmethod
    def _decode(entries) -> list[dict]:
        events = []
        for entry_id, fields in entries:
            event = json.loads(fields[b"e"])
            event["id"] = entry_id.decode().partition("-")[0]
            events.append(event)
        return events

    def publish(self, lab: str, event: dict) -> str:
        return str(self.publish_many(lab, None, (event,)))

    def publish_many(self, lab: str, render, args) -> int:
        payloads = [json.dumps(arg if render is None else render(arg), default=str)
                    for arg in args]
        return int(self._append(keys=[self._key(lab), self._seq_key(lab)],
                                args=[self.capacity, self.idle_ttl, *payloads]))

    def read(self, lab: str, after: str | None = None, limit: int | None = None) -> Page:
        start = self.parse_id(after)
        key = self._key(lab)
        entries = self.client.xrange(key, f"({start}-0" if start else "-", "+", count=limit)
        return self._page(lab, start, self._decode(entries))

    def _page(self, lab: str, start: int, events: list[dict]) -> Page:
        if events:
            first = int(events[0]["id"])
            cleared = events[0]["type"] == "clear"  # cleared on purpose, not pushed out
            return Page(events, events[-1]["id"], bool(start) and first > start + 1
                        and not cleared)
        if start and self.client.xlen(self._key(lab)):
            # Caught up. Events published since the read would be skipped by a poller
            # told a later id, so it resumes from where it asked.
            return Page([], str(start), False)
        last = self.client.get(self._seq_key(lab))
        last = int(last) if last else 0
        # An empty stream past ``start``: the log expired or was dropped under it.
        return Page([], str(last) if last else None, bool(start) and last > start)

    def wait(self, lab: str, after: str | None, timeout: float) -> Page:
        start = self.parse_id(after)
        key = self._key(lab)
        found = self.client.xread({key: f"{start}-0"}, block=max(1, int(timeout * 1000)))
        events = self._decode(found[0][1]) if found else []
        return self._page(lab, start, events)

    def clear(self, lab: str) -> None:
        self.client.xtrim(self._key(lab), maxlen=0, approximate=False)
        self.publish(lab, {"type": "clear", "lab": lab})

    def drop(self, lab: str) -> None:
        self.client.delete(self._key(lab), self._seq_key(lab), self._subs_key(lab))

    def subscribe(self, lab: str) -> None:
        key = self._subs_key(lab)
        count = self.client.incr(key)
        # A lease: a worker that dies holding viewers cannot pin the count for good.
        self.client.expire(key, VIEWER_LEASE_SECONDS)
        if count > self.max_subscribers:
            self.client.decr(key)
            raise TooManySubscribers(lab)

    def unsubscribe(self, lab: str) -> None:
        key = self._subs_key(lab)
        if self.client.decr(key) < 0:
            self.client.set(key, 0)

    def subscribers(self, lab: str) -> int:
        return int(self.client.get(self._subs_key(lab)) or 0)

    def count(self, lab: str) -> int:
        return self.client.xlen(self._key(lab))
