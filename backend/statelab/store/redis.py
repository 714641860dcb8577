"""The scale-out store: labs, comments and settings in Redis, shared by every worker."""

from __future__ import annotations

import json
import time

import redis

from .base import DEFAULT_SETTINGS, MAX_COMMENTS, Store, UnknownLab


class RedisStore(Store):
    unavailable = (redis.ConnectionError, redis.TimeoutError)
    kind = "redis"

    def __init__(self, client, max_labs: int = 200, prefix: str = "statelab:",
                 idle_ttl: int = 7 * 24 * 3600) -> None:
        super().__init__(max_labs)
        self.client = client
        self.prefix = prefix
        self.idle_ttl = idle_ttl

    def _k(self, kind: str, lab: str = "") -> str:
        return f"{self.prefix}{kind}:{lab}" if lab else f"{self.prefix}{kind}"

    def _lab_keys(self, lab: str) -> list[str]:
        return [self._k(kind, lab) for kind in ("lab", "comments", "settings")]

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

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except self.unavailable:
            return False
