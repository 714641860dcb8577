"""The embedded store: labs, comments and settings in this process's memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

from .base import DEFAULT_SETTINGS, MAX_COMMENTS, Store, UnknownLab


class MemoryStore(Store):
    def __init__(self, max_labs: int = 200) -> None:
        super().__init__(max_labs)
        self._labs: OrderedDict[str, dict] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def create_lab(self, lab: str, busy=lambda lab: False) -> list[str]:
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
            }
        return evicted

    def touch(self, lab: str) -> bool:
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
        with self._lock:
            record = self._labs.get(lab)
            if record is None:
                return False
            first, record["first_done"] = not record["first_done"], True
            return first
