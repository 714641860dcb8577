"""The scale-out bus: each lab's log a capped Redis Stream, shared by every worker."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time

from statelab_trace.bus.base import BadEventId, Bus, Page, TooManySubscribers

from ..redis_backend import RedisBacked

_STREAM_ID = re.compile(r"([0-9]{1,18})(?:-([0-9]{1,18}))?", re.ASCII)

# An XREAD blocks this much less than the client's socket timeout (at most half of it),
# so redis-py never gives up on a read that is only waiting (its default: 5 s).
READ_MARGIN_SECONDS = 1.0

# A lab's viewers on Redis: one sorted set, a member per viewer, scored with when its
# lease ends (Redis's clock). The worker that holds a viewer renews it a few times a
# lease, from the lab's feed follower (fanout.py: it reads the bus at least each
# heartbeat while the lab has viewers there), so a worker that dies without counting its
# viewers out (SIGTERM, a crash) stops counting within one lease, and a refused viewer
# renews nothing: after a restart, a class retrying every 10 s gets in again.
VIEWER_LEASE_HEARTBEATS = 3

# The lapsed leases go, then a viewer is counted in, unless the lab is full; a refused
# one renews nothing. One script, so two workers never both pass the cap.
# KEYS: viewers; ARGV: member, cap, lease ms. Answers {admitted (0 or 1), viewers}.
_SUBSCRIBE = """
local now = redis.call('TIME')
now = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local viewers = redis.call('ZCARD', KEYS[1])
if viewers >= tonumber(ARGV[2]) then return {0, viewers} end
redis.call('ZADD', KEYS[1], now + ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, viewers + 1}
"""

# This worker's viewers of the lab (ARGV after the lease ms) live a lease more; a
# viewer whose lease lapsed while the worker was too busy to renew it counts again.
_RENEW = """
local now = redis.call('TIME')
local ends = now[1] * 1000 + math.floor(now[2] / 1000) + ARGV[1]
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], ends, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
"""

# Viewers whose lease has not ended (read-only). KEYS: viewers.
_COUNT = """
local now = redis.call('TIME')
return redis.call('ZCOUNT', KEYS[1], '(' .. (now[1] * 1000 + math.floor(now[2] / 1000)), '+inf')
"""


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


class RedisBus(RedisBacked, Bus):
    """Each lab's log is a capped Redis Stream; followers block on XREAD."""

    def __init__(self, client, capacity: int = 2000, max_subscribers: int = 20,
                 prefix: str = "statelab:", idle_ttl: int = 7 * 24 * 3600,
                 viewer_lease: float = 6.0) -> None:
        Bus.__init__(self, capacity, max_subscribers)
        RedisBacked.__init__(self, client, prefix, idle_ttl)
        self.viewer_lease = viewer_lease
        self._append = client.register_script(_APPEND)
        self._subscribe = client.register_script(_SUBSCRIBE)
        self._renew = client.register_script(_RENEW)
        self._count = client.register_script(_COUNT)
        # Per lab: this process's viewers (their members) and when it last renewed them.
        self._held: dict[str, tuple[list[str], float]] = {}
        self._held_lock = threading.Lock()

    def _key(self, lab: str) -> str:
        return self.key("events", lab)

    def _seq_key(self, lab: str) -> str:
        return self.key("seq", lab)

    def _subs_key(self, lab: str) -> str:
        return self.key("viewers", lab)

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

    def publish_many(self, lab: str, render, args, weight: int = 0) -> int:
        # Redis keeps each event as its rendered JSON, bounded by the render's caps:
        # the log is bounded by its count (``weight`` is for backends that keep
        # ``render``'s inputs).
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

    def _lease_ms(self) -> int:
        return max(1, int(self.viewer_lease * 1000))

    def subscribe(self, lab: str, reserved: int = 0) -> None:
        member = secrets.token_hex(8)  # this viewer, unique across workers
        admitted, _ = self._subscribe(keys=[self._subs_key(lab)],
                                      args=[member, self.max_subscribers + reserved,
                                            self._lease_ms()])
        if not admitted:
            raise TooManySubscribers(lab)
        with self._held_lock:
            members, renewed = self._held.get(lab, ([], time.monotonic()))
            members.append(member)
            self._held[lab] = (members, renewed)

    def unsubscribe(self, lab: str) -> None:
        with self._held_lock:
            members, _ = self._held.get(lab, ([], 0.0))
            if not members:
                return
            member = members.pop()
            if not members:
                del self._held[lab]
        # Should this fail (Redis down), the viewer is no longer renewed: it stops
        # counting when its lease ends.
        self.client.zrem(self._subs_key(lab), member)

    def renew(self, lab: str) -> None:
        """Renew this process's viewers of the lab, once a quarter of their lease has
        passed since the last time (a busy lab's follower reads every few ms): the
        follower reads at least each heartbeat, so renewals come at most a heartbeat
        and a quarter lease apart, within the lease of three heartbeats."""
        now = time.monotonic()
        with self._held_lock:
            members, renewed = self._held.get(lab, ([], now))
            if not members or now - renewed < self.viewer_lease / 4:
                return
            self._held[lab] = (members, now)
            members = list(members)
        self._renew(keys=[self._subs_key(lab)], args=[self._lease_ms(), *members])
        # A viewer counted out since the copy had its ZREM undone by the script: it
        # goes again, else it would count for a lease (toward lab_full). Checked after
        # the script, so either this sees it gone or its own ZREM comes later. Not
        # ZADD XX: a held viewer whose lease lapsed (and was dropped) counts again.
        with self._held_lock:
            held = set(self._held.get(lab, ([], now))[0])
        gone = [member for member in members if member not in held]
        if gone:
            self.client.zrem(self._subs_key(lab), *gone)

    def subscribers(self, lab: str) -> int:
        return int(self._count(keys=[self._subs_key(lab)]))

    def count(self, lab: str) -> int:
        return self.client.xlen(self._key(lab))
