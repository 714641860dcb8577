"""What the lab keeps besides its hook log: the labs themselves, comments, settings.

``Store`` declares the contract (as Flask-Session declares ServerSideSessionInterface);
``MemoryStore`` is the embedded default (one process); ``RedisStore`` lets several
worker processes share one world. The server-side session data lives in Flask-Session's
own backends (see ``sessions.py``), not here.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Callable

import redis

DEFAULT_SETTINGS = {"custom_error_handlers": True, "short_circuit": False,
                    "propagate_exceptions": False}
MAX_COMMENTS = 200
# Display names kept a lab: a class of 500 and their second browsers; past it a new
# name pushes out the oldest.
MAX_NAMES = 1000


class UnknownLab(LookupError):
    """A write for a lab that is gone: evicted while one of its requests still ran.
    Reads of such a lab see it empty; the API answers this as 404 unknown_lab."""


class LabExists(RuntimeError):
    """The lab to create is there already: another request made it again first (two
    first requests after a restart). Nothing of it was changed."""


class LabsFull(RuntimeError):
    """Every lab is in use (watched, or used within ``keep_seconds``): none may be
    evicted for a new one. ``retry_after``: seconds until one may."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"no lab may be evicted for {retry_after:.0f} s")
        self.retry_after = retry_after


class CreatorFull(RuntimeError):
    """The address creating a lab keeps ``per_creator`` labs alive (each used within
    ``keep_seconds``), and someone watches every one of them. ``retry_after``: seconds
    until the least recent may go."""

    def __init__(self, labs: int, retry_after: float) -> None:
        super().__init__(f"this address keeps {labs} labs alive")
        self.labs = labs
        self.retry_after = retry_after


def _evictable(used: float, keep_seconds: float, now: float) -> float:
    """Seconds until a lab last used at ``used`` may be evicted (<= 0: now)."""
    return used + keep_seconds - now


class Store(ABC):
    """Labs (capped, the least recently used idle lab evicted), each with its comments
    (the last ``MAX_COMMENTS``) and settings. Reads of an unknown lab see it empty;
    writes raise ``UnknownLab``."""

    #: Exceptions that mean "the backend cannot be reached" (answered as 503).
    unavailable: tuple[type[BaseException], ...] = ()
    #: What the health check calls this backend.
    kind = "memory"

    def __init__(self, max_labs: int = 200, keep_seconds: float = 300,
                 per_creator: int = 20) -> None:
        self.max_labs = max_labs
        self.keep_seconds = keep_seconds
        # A lab used within keep_seconds is never evicted, so without this one address
        # touching its labs could keep every one alive: POST /api/labs would answer
        # 503 labs_full to everyone else.
        self.per_creator = per_creator

    @abstractmethod
    def create_lab(self, lab: str, busy: Callable[[str], bool] = lambda lab: False,
                   creator: str | None = None) -> list[str]:
        """Add a lab for ``creator`` (an address), unless it exists (LabExists: it is
        kept as it is); answer the ids of the labs evicted to stay within the caps (never one that ``busy`` says is in use): the creator's own
        least recently used one when it keeps ``per_creator`` alive (CreatorFull when
        all of those are watched), then the server's oldest idle one (LabsFull when
        none may go)."""

    def _makes_way(self, own: list[tuple[str, float]], busy: Callable[[str], bool],
                   now: float) -> str | None:
        """Which of a creator's labs (``(lab, last used)``, least recent first) goes so
        that it may make another: none while it keeps fewer than ``per_creator`` alive;
        else its least recently used one that nobody watches, even a recent one (a
        browser still holding it gets it back empty: labs.py). CreatorFull when every
        one is watched."""
        alive = [(lab, used) for lab, used in own
                 if _evictable(used, self.keep_seconds, now) > 0]
        if len(alive) < self.per_creator:
            return None
        for lab, _ in alive:
            if not busy(lab):
                return lab
        raise CreatorFull(len(alive), _evictable(alive[0][1], self.keep_seconds, now))

    @abstractmethod
    def touch(self, lab: str) -> bool:
        """Mark a lab used; False when there is no such lab."""

    @abstractmethod
    def exists(self, lab: str) -> bool: ...

    @abstractmethod
    def created(self, lab: str) -> float:
        """The lab's creation time (epoch seconds); 0.0 when there is no such lab."""

    @abstractmethod
    def add_comment(self, lab: str, comment: dict) -> dict:
        """Store a comment, numbered; answer it with its ``id``."""

    @abstractmethod
    def comments(self, lab: str) -> list[dict]:
        """The lab's comments, oldest first."""

    @abstractmethod
    def settings(self, lab: str) -> dict:
        """The lab's switches, defaults filled in."""

    @abstractmethod
    def update_settings(self, lab: str, changes: dict) -> dict:
        """Apply ``changes``; answer the switches now."""

    @abstractmethod
    def first_request(self, lab: str) -> bool:
        """True exactly once per lab: for its first request."""

    @abstractmethod
    def rearm_first_request(self, lab: str) -> None:
        """Make the lab's next request its first again (the emulated before_first_request)."""

    @abstractmethod
    def keys(self, lab: str) -> dict | None:
        """The lab's own session signing keys (secret_keys.py), None: the instance key."""

    @abstractmethod
    def set_keys(self, lab: str, keys: dict | None) -> None: ...

    @abstractmethod
    def client_name(self, lab: str, client: str) -> str | None:
        """The display name a client gave itself in the lab."""

    @abstractmethod
    def set_client_name(self, lab: str, client: str, name: str) -> None:
        """Keep a client's display name (at most ``MAX_NAMES`` a lab)."""

    def ping(self) -> bool:
        """Whether the backend answers (the health check)."""
        return True


class MemoryStore(Store):
    def __init__(self, max_labs: int = 200, keep_seconds: float = 300,
                 per_creator: int = 20) -> None:
        super().__init__(max_labs, keep_seconds, per_creator)
        self._labs: OrderedDict[str, dict] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def create_lab(self, lab: str, busy=lambda lab: False, creator=None) -> list[str]:
        """Add a lab; answer the ids of the labs evicted to stay within the cap. Only a
        lab nobody watches and nobody used within ``keep_seconds`` is evicted; when
        there is none, raise LabsFull."""
        evicted = []
        now = time.time()
        with self._lock:
            if lab in self._labs:
                raise LabExists(lab)
            if creator is not None:
                own = [(old, r["used"]) for old, r in self._labs.items()
                       if r["creator"] == creator]
                gone = self._makes_way(own, busy, now)
                if gone is not None:
                    del self._labs[gone]
                    evicted.append(gone)
            wait = None
            for old in list(self._labs):
                if len(self._labs) < self.max_labs:
                    break
                left = _evictable(self._labs[old]["used"], self.keep_seconds, now)
                if left > 0:  # least recently used first: the rest are more recent
                    wait = left
                    break
                if not busy(old):
                    del self._labs[old]
                    evicted.append(old)
            if len(self._labs) >= self.max_labs:
                raise LabsFull(wait if wait is not None else self.keep_seconds)
            self._labs[lab] = {
                "created": now, "used": now, "comments": deque(maxlen=MAX_COMMENTS),
                "next_comment": 1, "settings": dict(DEFAULT_SETTINGS), "first_done": False,
                "keys": None, "names": OrderedDict(), "creator": creator,
            }
        return evicted

    def touch(self, lab: str) -> bool:
        """Mark a lab used; False when there is no such lab."""
        with self._lock:
            record = self._labs.get(lab)
            if record is None:
                return False
            record["used"] = time.time()
            self._labs.move_to_end(lab)
            return True

    def exists(self, lab: str) -> bool:
        return lab in self._labs

    def created(self, lab: str) -> float:
        record = self._labs.get(lab)
        return record["created"] if record else 0.0

    def _record(self, lab: str) -> dict:
        record = self._labs.get(lab)
        if record is None:
            raise UnknownLab(lab)
        return record

    def add_comment(self, lab: str, comment: dict) -> dict:
        with self._lock:
            record = self._record(lab)
            comment = {"id": record["next_comment"], **comment}
            record["next_comment"] += 1
            record["comments"].append(comment)
        return comment

    def comments(self, lab: str) -> list[dict]:
        record = self._labs.get(lab)
        return list(record["comments"]) if record else []

    def settings(self, lab: str) -> dict:
        record = self._labs.get(lab)
        return dict(record["settings"] if record else DEFAULT_SETTINGS)

    def update_settings(self, lab: str, changes: dict) -> dict:
        with self._lock:
            settings = self._record(lab)["settings"]
            settings.update(changes)
            return dict(settings)

    def first_request(self, lab: str) -> bool:
        """True exactly once per lab: for its first request."""
        with self._lock:
            record = self._labs.get(lab)
            if record is None:
                return False
            first, record["first_done"] = not record["first_done"], True
            return first

    def rearm_first_request(self, lab: str) -> None:
        with self._lock:
            self._record(lab)["first_done"] = False

    def keys(self, lab: str) -> dict | None:
        """The lab's signing keys (see ``secret_keys.py``); None: the instance's."""
        record = self._labs.get(lab)
        return record["keys"] if record else None

    def set_keys(self, lab: str, keys: dict | None) -> None:
        with self._lock:
            self._record(lab)["keys"] = keys

    def client_name(self, lab: str, client: str) -> str | None:
        record = self._labs.get(lab)
        return record["names"].get(client) if record else None

    def set_client_name(self, lab: str, client: str, name: str) -> None:
        with self._lock:
            names = self._record(lab)["names"]
            names[client] = name
            names.move_to_end(client)
            if len(names) > MAX_NAMES:
                names.popitem(last=False)


# Makes a lab unless the index has it, atomically: of two requests making the same lab
# again at once, one makes it and the other keeps it (its comment counter too, so
# comment ids never repeat). Keys left by writes to the lab after it
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
# KEYS: the index, then _lab_keys; ARGV: lab, now, ttl.
_TOUCH = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
for i = 2, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return 1
"""


class RedisStore(Store):
    unavailable = (redis.ConnectionError, redis.TimeoutError)
    kind = "redis"

    def __init__(self, client, max_labs: int = 200, prefix: str = "statelab:",
                 idle_ttl: int = 7 * 24 * 3600, keep_seconds: float = 300,
                 per_creator: int = 20) -> None:
        super().__init__(max_labs, keep_seconds, per_creator)
        self.client = client
        self.prefix = prefix
        self.idle_ttl = idle_ttl
        self._create = client.register_script(_CREATE)
        self._set_name = client.register_script(_SET_NAME)
        self._touch = client.register_script(_TOUCH)

    def _k(self, kind: str, lab: str = "") -> str:
        return f"{self.prefix}{kind}:{lab}" if lab else f"{self.prefix}{kind}"

    def _lab_keys(self, lab: str) -> list[str]:
        return [self._k(kind, lab) for kind in ("lab", "comments", "settings", "keys", "names",
                                                "names-used")]

    def create_lab(self, lab: str, busy=lambda lab: False, creator=None) -> list[str]:
        index = self._k("labs")
        if self.exists(lab):  # the common case of a lost race, before evicting anyone
            raise LabExists(lab)
        evicted = []
        now = time.time()
        if creator is not None:
            gone = self._makes_way(self._used_by(creator, now), busy, now)
            if gone is not None:
                self.client.delete(*self._lab_keys(gone))
                self.client.zrem(index, gone)
                evicted.append(gone)
        overflow = self.client.zcard(index) - self.max_labs + 1
        wait = None
        # The index's scores are when each lab was last used: least recent first.
        for old, used in self.client.zrange(index, 0, -1, withscores=True) if overflow > 0 else []:
            if overflow <= 0:
                break
            left = _evictable(used, self.keep_seconds, now)
            if left > 0:
                wait = left
                break
            old = old.decode()
            if not busy(old):
                self.client.delete(*self._lab_keys(old))
                self.client.zrem(index, old)
                evicted.append(old)
                overflow -= 1
        if overflow > 0:
            raise LabsFull(wait if wait is not None else self.keep_seconds)
        settings = [x for k, v in DEFAULT_SETTINGS.items() for x in (k, json.dumps(v))]
        made = self._create(keys=[index, *self._lab_keys(lab)],
                            args=[lab, time.time(), creator or "", self.idle_ttl, *settings])
        if not made:
            raise LabExists(lab)
        return evicted

    def _used_by(self, creator: str, now: float) -> list[tuple[str, float]]:
        """The labs ``creator`` made that were used recently enough to be kept, and
        when (the index's scores are last uses), least recent first."""
        recent = self.client.zrange(self._k("labs"), now - self.keep_seconds, "+inf",
                                    byscore=True, withscores=True)
        pipe = self.client.pipeline()
        for lab, _ in recent:
            pipe.hget(self._k("lab", lab.decode()), "creator")
        makers = pipe.execute() if recent else []
        return [(lab.decode(), used) for (lab, used), maker in zip(recent, makers)
                if maker is not None and maker.decode() == creator]

    def touch(self, lab: str) -> bool:
        return bool(self._touch(keys=[self._k("labs"), *self._lab_keys(lab)],
                                args=[lab, time.time(), self.idle_ttl]))

    def exists(self, lab: str) -> bool:
        return self.client.zscore(self._k("labs"), lab) is not None

    def created(self, lab: str) -> float:
        return float(self.client.hget(self._k("lab", lab), "created") or 0)

    def add_comment(self, lab: str, comment: dict) -> dict:
        exists, number = self._hincr(lab, "next_comment")
        if not exists:
            raise UnknownLab(lab)
        comment = {"id": number, **comment}
        key = self._k("comments", lab)
        pipe = self.client.pipeline()
        pipe.rpush(key, json.dumps(comment))
        pipe.ltrim(key, -MAX_COMMENTS, -1)
        pipe.expire(key, self.idle_ttl)
        pipe.execute()
        return comment

    def comments(self, lab: str) -> list[dict]:
        return [json.loads(c) for c in self.client.lrange(self._k("comments", lab), 0, -1)]

    def settings(self, lab: str) -> dict:
        stored = self.client.hgetall(self._k("settings", lab))
        settings = dict(DEFAULT_SETTINGS)
        settings.update({k.decode(): json.loads(v) for k, v in stored.items()})
        return settings

    def update_settings(self, lab: str, changes: dict) -> dict:
        if not self.exists(lab):
            raise UnknownLab(lab)
        if changes:
            key = self._k("settings", lab)
            pipe = self.client.pipeline()
            pipe.hset(key, mapping={k: json.dumps(v) for k, v in changes.items()})
            pipe.expire(key, self.idle_ttl)
            pipe.execute()
        return self.settings(lab)

    def first_request(self, lab: str) -> bool:
        exists, count = self._hincr(lab, "first_done")
        return exists and count == 1

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except self.unavailable:
            return False

    def rearm_first_request(self, lab: str) -> None:
        if not self.exists(lab):
            raise UnknownLab(lab)
        self.client.hset(self._k("lab", lab), "first_done", 0)

    def keys(self, lab: str) -> dict | None:
        stored = self.client.get(self._k("keys", lab))
        return json.loads(stored) if stored else None

    def set_keys(self, lab: str, keys: dict | None) -> None:
        if not self.exists(lab):
            raise UnknownLab(lab)
        self.client.set(self._k("keys", lab), json.dumps(keys), ex=self.idle_ttl)

    def client_name(self, lab: str, client: str) -> str | None:
        stored = self.client.hget(self._k("names", lab), client)
        return stored.decode() if stored else None

    def set_client_name(self, lab: str, client: str, name: str) -> None:
        if not self.exists(lab):
            raise UnknownLab(lab)
        self._set_name(keys=[self._k("names", lab), self._k("names-used", lab)],
                       args=[client, name, time.time(), MAX_NAMES, self.idle_ttl])

    def _hincr(self, lab: str, field: str) -> tuple[bool, int]:
        """Count ``field`` up in one round trip; answer whether the lab exists and the
        count. A lab evicted meanwhile gets a key that expires, never one kept forever."""
        key = self._k("lab", lab)
        pipe = self.client.pipeline()
        pipe.zscore(self._k("labs"), lab)
        pipe.hincrby(key, field, 1)
        pipe.expire(key, self.idle_ttl)
        score, count, _ = pipe.execute()
        return score is not None, count
