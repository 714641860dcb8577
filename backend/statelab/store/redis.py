"""The store in Redis: several worker processes share one world."""

from __future__ import annotations

import json
import time

from ..redis_backend import RedisBacked
from . import base
from .base import DEFAULT_SETTINGS, LabExists, Store, UnknownLab, Visit


# Makes a lab unless the index has it, atomically: of two requests making the same lab
# again at once, one makes it and the other keeps it (a second reset would restart the
# comment counter, and comment ids would repeat). Keys left by writes to the lab after it
# was evicted (they only expire) are removed first. KEYS: the index, then _lab_keys
# (lab, comments, settings, keys, names, names-used); ARGV: lab, now, creator, ttl,
# settings...
_CREATE = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('DEL', unpack(KEYS, 2))
redis.call('HSET', KEYS[2], 'created', ARGV[2], 'first_done', 0, 'next_comment', 0,
           'creator', ARGV[3])
redis.call('HSET', KEYS[4], unpack(ARGV, 5))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[4], ARGV[4])
return 1
"""


# Keeps a client's display name and pushes out the least recently set ones past the
# bound, atomically. A hash keeps no order, so a sorted set beside it does (score: when
# each was set). KEYS: names, names-used; ARGV: client, name, now, bound, ttl.
_SET_NAME = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local gone = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #gone, 2 do redis.call('HDEL', KEYS[1], gone[i]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
"""


# Marks a lab used and renews its keys' lives, only while the index has it, atomically:
# a ZSCORE and then a ZADD let another worker evict the lab between them, and the ZADD
# indexed it again without its hash (created 0, no creator), never to be made again.
# In the same round trip (Store.visit): counts the request toward the lab's first one
# and reads the client's name, the lab's settings and its signing keys. KEYS: the index,
# then _lab_keys; ARGV: lab, now, ttl, '1' to count the first request, the client ('' for
# none). Answers 0 (no lab) or {the first-request count (0: not counted), the name or
# nil, the settings hash as HGETALL gives it, the keys or nil}.
_TOUCH = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
for i = 2, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
local first = 0
if ARGV[4] == '1' then first = redis.call('HINCRBY', KEYS[2], 'first_done', 1) end
local name = false
if ARGV[5] ~= '' then name = redis.call('HGET', KEYS[6], ARGV[5]) end
return {first, name, redis.call('HGETALL', KEYS[4]), redis.call('GET', KEYS[5])}
"""


class RedisStore(RedisBacked, Store):
    kind = "redis"

    def __init__(self, client, max_labs: int = 200, prefix: str = "statelab:",
                 idle_ttl: int = 7 * 24 * 3600, keep_seconds: float = 300,
                 per_creator: int = 20) -> None:
        Store.__init__(self, max_labs, keep_seconds, per_creator)
        RedisBacked.__init__(self, client, prefix, idle_ttl)
        self._create = client.register_script(_CREATE)
        self._set_name = client.register_script(_SET_NAME)
        self._touch = client.register_script(_TOUCH)

    def _lab_keys(self, lab: str) -> list[str]:
        return [self.key(kind, lab) for kind in ("lab", "comments", "settings", "keys", "names",
                                                "names-used", "pollers")]

    def create_lab(self, lab: str, busy=lambda lab: False, creator=None) -> list[str]:
        index = self.key("labs")
        if self.exists(lab):  # the common case of a lost race, before evicting anyone
            raise LabExists(lab)
        evicted = self.plan(self._listed(), creator, busy, time.time())
        for old in evicted:
            self.client.delete(*self._lab_keys(old))
            self.client.zrem(index, old)
        settings = [x for k, v in DEFAULT_SETTINGS.items() for x in (k, json.dumps(v))]
        made = self._create(keys=[index, *self._lab_keys(lab)],
                            args=[lab, time.time(), creator or "", self.idle_ttl, *settings])
        if not made:
            raise LabExists(lab)
        return evicted

    def _listed(self) -> list[tuple[str, float, str | None]]:
        """Every lab, when it was last used (the index's scores) and who made it, least
        recently used first: one pipelined read of the makers (at most max_labs)."""
        indexed = self.client.zrange(self.key("labs"), 0, -1, withscores=True)
        pipe = self.client.pipeline()
        for lab, _ in indexed:
            pipe.hget(self.key("lab", lab.decode()), "creator")
        makers = pipe.execute() if indexed else []
        return [(lab.decode(), used, maker.decode() if maker else None)
                for (lab, used), maker in zip(indexed, makers)]

    def touch(self, lab: str) -> bool:
        return self.visit(lab) is not None

    def visit(self, lab: str, count_first: bool = False,
              client: str | None = None) -> Visit | None:
        answer = self._touch(keys=[self.key("labs"), *self._lab_keys(lab)],
                             args=[lab, time.time(), self.idle_ttl, int(count_first),
                                   client or ""])
        if not answer:
            return None
        first, name, settings, keys = answer
        return Visit(first == 1, name.decode() if name else None,
                     self._settings(dict(zip(settings[::2], settings[1::2]))),
                     json.loads(keys) if keys else None)

    def exists(self, lab: str) -> bool:
        return self.client.zscore(self.key("labs"), lab) is not None

    def created(self, lab: str) -> float:
        return float(self.client.hget(self.key("lab", lab), "created") or 0)

    def add_comment(self, lab: str, comment: dict) -> dict:
        exists, number = self._hincr(lab, "next_comment")
        if not exists:
            raise UnknownLab(lab)
        comment = {"id": number, **comment}
        key = self.key("comments", lab)
        pipe = self.client.pipeline()
        pipe.rpush(key, json.dumps(comment))
        pipe.ltrim(key, -base.MAX_COMMENTS, -1)
        pipe.expire(key, self.idle_ttl)
        pipe.execute()
        return comment

    def comments(self, lab: str) -> list[dict]:
        return [json.loads(c) for c in self.client.lrange(self.key("comments", lab), 0, -1)]

    def settings(self, lab: str) -> dict:
        return self._settings(self.client.hgetall(self.key("settings", lab)))

    @staticmethod
    def _settings(stored: dict) -> dict:
        settings = dict(DEFAULT_SETTINGS)
        settings.update({k.decode(): json.loads(v) for k, v in stored.items()})
        return settings

    def update_settings(self, lab: str, changes: dict) -> dict:
        if not self.exists(lab):
            raise UnknownLab(lab)
        if changes:
            key = self.key("settings", lab)
            pipe = self.client.pipeline()
            pipe.hset(key, mapping={k: json.dumps(v) for k, v in changes.items()})
            pipe.expire(key, self.idle_ttl)
            pipe.execute()
        return self.settings(lab)

    def first_request(self, lab: str) -> bool:
        exists, count = self._hincr(lab, "first_done")
        return exists and count == 1

    def rearm_first_request(self, lab: str) -> None:
        if not self.exists(lab):
            raise UnknownLab(lab)
        self.client.hset(self.key("lab", lab), "first_done", 0)

    def keys(self, lab: str) -> dict | None:
        stored = self.client.get(self.key("keys", lab))
        return json.loads(stored) if stored else None

    def set_keys(self, lab: str, keys: dict | None) -> None:
        if not self.exists(lab):
            raise UnknownLab(lab)
        self.client.set(self.key("keys", lab), json.dumps(keys), ex=self.idle_ttl)

    def client_name(self, lab: str, client: str) -> str | None:
        stored = self.client.hget(self.key("names", lab), client)
        return stored.decode() if stored else None

    def set_client_name(self, lab: str, client: str, name: str) -> None:
        if not self.exists(lab):
            raise UnknownLab(lab)
        self._set_name(keys=[self.key("names", lab), self.key("names-used", lab)],
                       args=[client, name, time.time(), base.MAX_NAMES, self.idle_ttl])

    def note_poll(self, lab: str, reader: str) -> None:
        key, now = self.key("pollers", lab), time.time()
        pipe = self.client.pipeline()
        pipe.zadd(key, {reader: now})
        pipe.zremrangebyscore(key, "-inf", now - base.POLL_WINDOW)
        pipe.zremrangebyrank(key, 0, -base.MAX_POLLERS - 1)
        pipe.expire(key, int(base.POLL_WINDOW) + 1)
        pipe.execute()

    def polling(self, lab: str) -> int:
        return self.client.zcount(self.key("pollers", lab), time.time() - base.POLL_WINDOW,
                                  "+inf")

    def _hincr(self, lab: str, field: str) -> tuple[bool, int]:
        """Count ``field`` up in one round trip; answer whether the lab exists and the
        count. A lab evicted meanwhile gets a key that expires, never one kept forever."""
        key = self.key("lab", lab)
        pipe = self.client.pipeline()
        pipe.zscore(self.key("labs"), lab)
        pipe.hincrby(key, field, 1)
        pipe.expire(key, self.idle_ttl)
        score, count, _ = pipe.execute()
        return score is not None, count
