"""The scale-out bus: each lab's log a capped Redis Stream, shared by every worker."""

from __future__ import annotations

import json
import re

import redis

from .base import BadEventId, Bus, Page, TooManySubscribers

_STREAM_ID = re.compile(r"([0-9]{1,18})(?:-([0-9]{1,18}))?", re.ASCII)

# An XREAD blocks this much less than the client's socket timeout (at most half of it),
# so redis-py never gives up on a read that is only waiting (its default: 5 s).
READ_MARGIN_SECONDS = 1.0

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


class RedisBus(Bus):
    """Each lab's log is a capped Redis Stream; followers block on XREAD."""

    unavailable = (redis.ConnectionError, redis.TimeoutError)

    def __init__(self, client, capacity: int = 2000, max_subscribers: int = 20,
                 prefix: str = "statelab:", idle_ttl: int = 7 * 24 * 3600) -> None:
        super().__init__(capacity, max_subscribers)
        self.client = client
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
            return Page(events, events[-1]["id"],
                        Bus.dropped(start, int(events[0]["id"]), events))
        if start and self.client.xlen(self._key(lab)):
            # Caught up. Events published since the read would be skipped by a poller
            # told a later id, so it resumes from where it asked.
            return Page([], str(start), False)
        last = self.client.get(self._seq_key(lab))
        last = int(last) if last else 0
        # An empty stream past ``start``: the log expired or was dropped under it.
        return Page([], str(last) if last else None, Bus.dropped(start, last + 1, []))

    def wait(self, lab: str, after: str | None, timeout: float) -> Page:
        start = self.parse_id(after)
        key = self._key(lab)
        found = self.client.xread({key: f"{start}-0"}, block=self._block_ms(timeout))
        events = self._decode(found[0][1]) if found else []
        return self._page(lab, start, events)

    def _block_ms(self, timeout: float) -> int:
        limit = self.client.connection_pool.connection_kwargs.get("socket_timeout")
        if limit is not None:
            timeout = min(timeout, limit - min(READ_MARGIN_SECONDS, limit / 2))
        return max(1, int(timeout * 1000))

    def _empty(self, lab: str) -> None:
        self.client.xtrim(self._key(lab), maxlen=0, approximate=False)

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

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except self.unavailable:
            return False
