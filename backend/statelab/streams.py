"""A cap on live streams across the whole worker process, below its thread pool.

On a threaded server each open stream holds a thread for as long as its viewer
watches. Measured before this cap: on gunicorn's gthread worker with 32 threads, 32
streams (two labs, each under its own viewer cap) left ``/api/health`` unanswered for
over 5 s. So streams may take only part of the pool, and the rest is kept for ordinary
requests. This module knows nothing of Flask.
"""

from __future__ import annotations

import threading

# Used when neither the configuration nor the server says how many threads there are:
# it fits the README's deployment (one gthread worker, 32 threads).
DEFAULT_MAX_STREAMS = 24


def fit_pool(threads: int) -> int:
    """How many streams a pool of ``threads`` can hold and still answer requests: a
    quarter of the pool, at least 4 threads, stays free (32 threads: 24 streams)."""
    return max(1, threads - max(4, threads // 4))


class StreamSlots:
    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = capacity or DEFAULT_MAX_STREAMS
        self.configured = capacity is not None
        self.in_use = 0
        self._lock = threading.Lock()

    def fit_threads(self, threads: int) -> None:
        """Size the cap for a pool of ``threads`` (a gunicorn worker tells us; see
        deploy/gunicorn.conf.py), unless a cap was configured explicitly."""
        if not self.configured:
            self.capacity = fit_pool(threads)

    def take(self) -> bool:
        with self._lock:
            if self.in_use >= self.capacity:
                return False
            self.in_use += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.in_use = max(0, self.in_use - 1)
