"""The embedded bus: per-lab ring buffers in this process (one worker process)."""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field

from .base import BadEventId, Bus, Page, TooManySubscribers

_COUNTER_ID = re.compile(r"[0-9]{1,18}", re.ASCII)


@dataclass
class _Log:
    events: deque
    next_id: int = 1
    count: int = 0
    weight: int = 0
    subscribers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        # Publishers take the plain lock (cheap); followers wait on a condition over it.
        self.changed = threading.Condition(self.lock)


class MemoryBus(Bus):
    """Per-lab ring buffers in this process, with a condition to wake followers.

    The buffer holds batches ``(first_id, render, args, weight)``: one entry per
    publish, so a traced request adds one object for the garbage collector to look at,
    not fifteen. The oldest batches go while the log holds more than ``capacity``
    events, or ``max_bytes`` of weight (then the newest batch stays).
    """

    def __init__(self, capacity: int = 2000, max_subscribers: int = 20,
                 max_bytes: int = 1_250_000) -> None:
        super().__init__(capacity, max_subscribers, max_bytes)
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

    def publish_many(self, lab: str, render, args, weight: int = 0) -> int:
        log = self._log(lab)
        with log.lock:
            first = log.next_id
            log.next_id += len(args)
            log.count += len(args)
            log.weight += weight
            log.events.append((first, render, args, weight))
            while log.count > self.capacity or (log.weight > self.max_bytes
                                                and len(log.events) > 1):
                _, _, gone, gone_weight = log.events.popleft()
                log.count -= len(gone)
                log.weight -= gone_weight
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
        for batch_first, render, args, _ in log.events:
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
        last = events[-1]["id"] if events else (str(next_id - 1) if next_id > 1 else None)
        return Page(events, last, Bus.dropped(start, first, events))

    def _empty(self, lab: str) -> None:
        log = self._log(lab)
        with log.lock:
            log.events.clear()
            log.count = log.weight = 0

    def drop(self, lab: str) -> None:
        with self._lock:
            self._logs.pop(lab, None)

    def sweep(self, known) -> None:
        for lab in list(self._logs):
            if not known(lab) and self.subscribers(lab) == 0:
                self.drop(lab)

    def subscribe(self, lab: str, reserved: int = 0) -> None:
        log = self._log(lab)
        with log.lock:
            if log.subscribers >= self.max_subscribers + reserved:
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
