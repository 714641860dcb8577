"""The embedded default store: one process's memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

from . import base
from .base import DEFAULT_SETTINGS, LabExists, Store, UnknownLab


class MemoryStore(Store):
    def __init__(self, max_labs: int = 200, keep_seconds: float = 300,
                 per_creator: int = 20) -> None:
        super().__init__(max_labs, keep_seconds, per_creator)
        self._labs: OrderedDict[str, dict] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def create_lab(self, lab: str, busy=lambda lab: False, creator=None) -> list[str]:
        with self._lock:
            if lab in self._labs:
                raise LabExists(lab)
            listed = [(old, r["used"], r["creator"]) for old, r in self._labs.items()]
            now = time.time()
            evicted = self.plan(listed, creator, busy, now)
            for old in evicted:
                del self._labs[old]
            self._labs[lab] = {
                "created": now, "used": now, "comments": deque(maxlen=base.MAX_COMMENTS),
                "next_comment": 1, "settings": dict(DEFAULT_SETTINGS), "first_done": False,
                "keys": None, "names": OrderedDict(), "creator": creator,
                "pollers": OrderedDict(),
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
            if len(names) > base.MAX_NAMES:
                names.popitem(last=False)

    def note_poll(self, lab: str, reader: str) -> None:
        with self._lock:
            record = self._labs.get(lab)
            if record is None:
                return
            pollers = record["pollers"]
            pollers[reader] = time.time()
            pollers.move_to_end(reader)
            if len(pollers) > base.MAX_POLLERS:
                pollers.popitem(last=False)

    def polling(self, lab: str) -> int:
        record = self._labs.get(lab)
        since = time.time() - base.POLL_WINDOW
        with self._lock:
            return sum(1 for seen in record["pollers"].values() if seen >= since) \
                if record else 0
