"""What the lab keeps besides its hook log: the labs themselves, comments, settings.

``MemoryStore`` is the embedded default (one process); ``RedisStore`` lets several
worker processes share one world. The server-side session data lives in Flask-Session's
own backends (see ``sessions.py``), not here.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, deque

DEFAULT_SETTINGS = {"custom_error_handlers": True, "short_circuit": False,
                    "propagate_exceptions": False}
MAX_COMMENTS = 200


class UnknownLab(LookupError):
    """A write for a lab that is gone: evicted while one of its requests still ran.
    Reads of such a lab see it empty; the API answers this as 404 unknown_lab."""


class MemoryStore:
    def __init__(self, max_labs: int = 200) -> None:
        self.max_labs = max_labs
        self._labs: OrderedDict[str, dict] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def create_lab(self, lab: str, busy=lambda lab: False) -> list[str]:
        """Add a lab; answer the ids of the labs evicted to stay within the cap."""
        evicted = []
        with self._lock:
            for old in list(self._labs):
                if len(self._labs) < self.max_labs:
                    break
                if not busy(old):
                    del self._labs[old]
                    evicted.append(old)
            self._labs[lab] = {
                "created": time.time(), "comments": deque(maxlen=MAX_COMMENTS),
                "next_comment": 1, "settings": dict(DEFAULT_SETTINGS), "first_done": False,
                "keys": None,
            }
        return evicted

    def touch(self, lab: str) -> bool:
        """Mark a lab used; False when there is no such lab."""
        with self._lock:
            if lab not in self._labs:
                return False
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


class RedisStore:
    def __init__(self, client, max_labs: int = 200, prefix: str = "statelab:",
                 idle_ttl: int = 7 * 24 * 3600) -> None:
        self.client = client
        self.max_labs = max_labs
        self.prefix = prefix
        self.idle_ttl = idle_ttl

    def _k(self, kind: str, lab: str = "") -> str:
        return f"{self.prefix}{kind}:{lab}" if lab else f"{self.prefix}{kind}"

    def _lab_keys(self, lab: str) -> list[str]:
        return [self._k(kind, lab) for kind in ("lab", "comments", "settings", "keys")]

    def create_lab(self, lab: str, busy=lambda lab: False) -> list[str]:
        index = self._k("labs")
        evicted = []
        overflow = self.client.zcard(index) - self.max_labs + 1
        for old in self.client.zrange(index, 0, -1) if overflow > 0 else []:
            if overflow <= 0:
                break
            old = old.decode()
            if not busy(old):
                self.client.delete(*self._lab_keys(old))
                self.client.zrem(index, old)
                evicted.append(old)
                overflow -= 1
        pipe = self.client.pipeline()
        pipe.hset(self._k("lab", lab), mapping={"created": time.time(), "first_done": 0,
                                                "next_comment": 0})
        pipe.hset(self._k("settings", lab), mapping={k: json.dumps(v) for k, v in DEFAULT_SETTINGS.items()})
        pipe.zadd(index, {lab: time.time()})
        for key in self._lab_keys(lab):
            pipe.expire(key, self.idle_ttl)
        pipe.execute()
        return evicted

    def touch(self, lab: str) -> bool:
        index = self._k("labs")
        if self.client.zscore(index, lab) is None:
            return False
        pipe = self.client.pipeline()
        pipe.zadd(index, {lab: time.time()})
        for key in self._lab_keys(lab):
            pipe.expire(key, self.idle_ttl)
        pipe.execute()
        return True

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
