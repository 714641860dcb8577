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
import threading
from collections import deque
from dataclasses import dataclass, field


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

    backend = "memory"

    def __init__(self, capacity: int = 5000, max_subscribers: int = 20) -> None:
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
    def _parse(after: str | None) -> int:
        if after in (None, ""):
            return 0
        try:
            value = int(after)
        except ValueError:
            raise BadEventId(after) from None
        if value < 0:
            raise BadEventId(after)
        return value

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
        start = self._parse(after)
        log = self._log(lab)
        with log.lock:
            return self._page(log, start, limit)

    def _page(self, log: _Log, start: int, limit: int | None) -> Page:
        batches = log.events
        first = batches[0][0] if batches else log.next_id
        chosen: list[dict] = []
        for batch_first, render, args in batches:
            if batch_first + len(args) - 1 <= start:
                continue
            for offset in range(max(0, start + 1 - batch_first), len(args)):
                if limit is not None and len(chosen) >= limit:
                    break
                event = args[offset] if render is None else render(args[offset])
                event["id"] = str(batch_first + offset)
                chosen.append(event)
        dropped = bool(start) and start < first - 1
        if chosen and chosen[0]["type"] == "clear":
            dropped = False  # cleared on purpose, not pushed out
        last = chosen[-1]["id"] if chosen else (str(log.next_id - 1) if log.next_id > 1 else None)
        return Page(chosen, last, dropped)

    def wait(self, lab: str, after: str | None, timeout: float) -> Page:
        """Events after ``after``; blocks up to ``timeout`` seconds while there are none."""
        start = self._parse(after)
        log = self._log(lab)
        with log.changed:
            if log.next_id - 1 <= start:
                log.changed.wait(timeout)
            return self._page(log, start, None)

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


class RedisBus:
    """Each lab's log is a capped Redis Stream; followers block on XREAD."""

    backend = "redis"

    def __init__(self, client, capacity: int = 5000, max_subscribers: int = 20,
                 prefix: str = "statelab:") -> None:
        self.client = client
        self.capacity = capacity
        self.max_subscribers = max_subscribers
        self.prefix = prefix

    def _key(self, lab: str) -> str:
        return f"{self.prefix}events:{lab}"

    def _subs_key(self, lab: str) -> str:
        return f"{self.prefix}viewers:{lab}"

    @staticmethod
    def _parse(after: str | None) -> str:
        if after in (None, ""):
            return "0-0"
        ms, dash, seq = after.partition("-")
        if not (ms.isdigit() and (not dash or seq.isdigit())):
            raise BadEventId(after)
        return after if dash else f"{ms}-0"

    @staticmethod
    def _decode(entries) -> list[dict]:
        events = []
        for entry_id, fields in entries:
            event = json.loads(fields[b"e"])
            event["id"] = entry_id.decode()
            events.append(event)
        return events

    def publish(self, lab: str, event: dict) -> str:
        entry_id = self.client.xadd(
            self._key(lab), {"e": json.dumps(event, default=str)},
            maxlen=self.capacity, approximate=False)
        event["id"] = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        return event["id"]

    def publish_many(self, lab: str, render, args: range) -> None:
        pipe = self.client.pipeline(transaction=False)
        for arg in args:
            pipe.xadd(self._key(lab), {"e": json.dumps(render(arg), default=str)},
                      maxlen=self.capacity, approximate=False)
        pipe.execute()

    def read(self, lab: str, after: str | None = None, limit: int | None = None) -> Page:
        start = self._parse(after)
        key = self._key(lab)
        entries = self.client.xrange(key, f"({start}" if start != "0-0" else "-", "+",
                                     count=limit)
        return self._page(key, start, self._decode(entries))

    def _page(self, key: str, start: str, events: list[dict]) -> Page:
        if events:
            cleared = events[0]["type"] == "clear"  # cleared on purpose, not pushed out
            return Page(events, events[-1]["id"], not cleared and self._dropped(key, start))
        info = self.client.xinfo_stream(key) if self.client.exists(key) else None
        last = info["last-generated-id"].decode() if info else None
        return Page([], last, self._dropped(key, start))

    def _dropped(self, key: str, start: str) -> bool:
        if start == "0-0":
            return False
        first = self.client.xrange(key, "-", "+", count=1)
        if not first:
            return False
        return _id_tuple(first[0][0].decode()) > _next_id(start)

    def wait(self, lab: str, after: str | None, timeout: float) -> Page:
        start = self._parse(after)
        key = self._key(lab)
        found = self.client.xread({key: start}, block=max(1, int(timeout * 1000)))
        events = self._decode(found[0][1]) if found else []
        return self._page(key, start, events)

    def clear(self, lab: str) -> None:
        self.client.xtrim(self._key(lab), maxlen=0, approximate=False)
        self.publish(lab, {"type": "clear", "lab": lab})

    def drop(self, lab: str) -> None:
        self.client.delete(self._key(lab), self._subs_key(lab))

    def subscribe(self, lab: str) -> None:
        key = self._subs_key(lab)
        if self.client.incr(key) > self.max_subscribers:
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


def _id_tuple(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _next_id(entry_id: str) -> tuple[int, int]:
    ms, seq = _id_tuple(entry_id)
    return ms, seq + 1
