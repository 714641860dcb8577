"""A cap on live streams across the whole worker process, below what it can hold.

An open stream holds what serves a connection for as long as its viewer watches: a
thread on a threaded server, a greenlet and a connection slot on gunicorn's gevent
worker (deploy/gunicorn.conf.py: 1000 connections). Measured without a cap: on
gunicorn's gthread worker with 32 threads, 32 streams left ``/api/health`` unanswered
for over 5 s. So streams may take only part of the pool, and the rest is kept for
ordinary requests. And one client address may hold only part of the streams
(``STATELAB_STREAMS_PER_ADDRESS``, default half the cap: a class behind one NAT
address still fits), so one tab left looping cannot take every stream of the worker;
a lab's owner is not counted against its address (the teacher shares the class's).
This module knows nothing of Flask.
"""

from __future__ import annotations

import threading

# Used when neither the configuration nor the server says how big its pool is, as on
# `make run` (Werkzeug: a thread per connection, no limit): a class of 100 viewers and
# more, each a thread that sleeps until its lab's feed wakes it (fanout.py).
DEFAULT_MAX_STREAMS = 256


def fit_pool(threads: int) -> int:
    """How many streams a pool of ``threads`` (or gevent connections) can hold and
    still answer requests: a quarter of the pool, at least 4, stays free (32 threads:
    24 streams; 1000 connections: 750)."""
    return max(1, threads - max(4, threads // 4))


class StreamSlots:
    def __init__(self, capacity: int | None = None, per_address: int | None = None) -> None:
        self.capacity = capacity or DEFAULT_MAX_STREAMS
        self.configured = capacity is not None
        self._per_address = per_address
        self.in_use = 0
        self._by_address: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def per_address(self) -> int:
        """Streams one address may hold: as configured, else half the cap."""
        return self._per_address or max(1, self.capacity // 2)

    def address_full(self, address: str | None) -> bool:
        return address is not None and self._by_address.get(address, 0) >= self.per_address

    def fit_threads(self, threads: int) -> None:
        """Size the cap for a pool of ``threads`` (a gunicorn worker tells us; see
        deploy/gunicorn.conf.py), unless a cap was configured explicitly."""
        if not self.configured:
            self.capacity = fit_pool(threads)

    def take(self, address: str | None = None, exempt: bool = False) -> bool:
        """A slot for a stream from ``address`` (None: counted in the total only);
        ``exempt``: not counted against its address (a lab's owner)."""
        with self._lock:
            if self.in_use >= self.capacity or (not exempt and self.address_full(address)):
                return False
            self.in_use += 1
            if address is not None and not exempt:
                self._by_address[address] = self._by_address.get(address, 0) + 1
            return True

    def give_back(self, address: str | None = None, exempt: bool = False) -> None:
        with self._lock:
            self.in_use = max(0, self.in_use - 1)
            if address is not None and not exempt:
                left = self._by_address.get(address, 0) - 1
                if left > 0:
                    self._by_address[address] = left
                else:
                    self._by_address.pop(address, None)
