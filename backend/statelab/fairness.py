"""Each client address takes its turn: a cap on its requests in progress at once.

Under gevent a worker is one core, and every request in progress runs a little between
another's Redis round trips: one client keeping requests in flight (a tab left looping,
a script) makes every other client's page wait behind all of them. So one address has
at most ``STATELAB_REQUESTS_PER_ADDRESS`` requests in progress on a worker; its next ones
wait their turn (a waiting greenlet or thread costs no CPU), at most ``WAITING`` of
them (a browser loading two pages at once fits) and ``WAIT_SECONDS`` each. Past that: JSON 429 ``busy_address`` with
``Retry-After``, answered before the tracer, Flask and Flask-Limiter run. Not counted:
live streams (streams.py caps them) and the lessons that sleep or stream on purpose
(slow_routes.py caps them), so a page's slow request still overlaps its next ones. A
class behind one NAT address shares one count: raise it for such a class (docs/API.md,
Configuration). 0: no cap.
It uses nothing of Flask (the error shape it answers in is inputs.error_body).
"""

from __future__ import annotations

import json
import threading
from typing import Callable

from .inputs import error_body

EXTENSION = "statelab.turns"
WAITING = 32
WAIT_SECONDS = 10.0
UNCOUNTED = ("/api/hooks/stream", "/api/slow")


def counted(path: str) -> bool:
    """Whether a request to ``path`` takes a turn: not a live stream nor a slow lesson."""
    return not (path.startswith(UNCOUNTED)
                or (path.startswith("/demo/") and path.endswith("/stream")))


class _Address:
    __slots__ = ("slots", "users")

    def __init__(self, per_address: int) -> None:
        self.slots = threading.Semaphore(per_address)
        self.users = 0  # in progress and waiting


class AddressTurns:
    def __init__(self, per_address: int, wait_seconds: float = WAIT_SECONDS) -> None:
        self.per_address = per_address
        self.room = per_address + WAITING
        self.wait_seconds = wait_seconds
        self._addresses: dict[str, _Address] = {}
        self._lock = threading.Lock()

    def users(self, address: str) -> int:
        """Requests of ``address`` in progress or waiting."""
        entry = self._addresses.get(address)
        return entry.users if entry else 0

    def take(self, address: str) -> bool:
        """A turn for ``address``, waiting for one if need be; False: refused."""
        with self._lock:
            entry = self._addresses.get(address)
            if entry is None:
                entry = self._addresses[address] = _Address(self.per_address)
            if entry.users >= self.room:
                return False
            entry.users += 1
        if entry.slots.acquire(timeout=self.wait_seconds):
            return True
        self._leave(address, entry)
        return False

    def give_back(self, address: str) -> None:
        entry = self._addresses[address]
        entry.slots.release()
        self._leave(address, entry)

    def _leave(self, address: str, entry: _Address) -> None:
        with self._lock:
            entry.users -= 1
            if entry.users == 0:
                del self._addresses[address]


def guard(wsgi_app: Callable, turns: AddressTurns) -> Callable:
    """``wsgi_app`` taking each request's turn from ``turns``."""
    body = json.dumps(error_body(
        429, "busy_address", "Too many requests from this address at once; try again in "
        "a moment")).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
               ("Retry-After", "1")]

    def taking_turns(environ: dict, start_response: Callable):
        if not counted(environ.get("PATH_INFO", "")):
            return wsgi_app(environ, start_response)
        address = environ.get("REMOTE_ADDR") or "unknown"
        if not turns.take(address):
            start_response("429 TOO MANY REQUESTS", headers)
            return [body]
        # Given back once the app has answered: the body is built by then (the bodies
        # streamed over time, streams and slow lessons, take no turn), and a client that
        # never reads nor closes a body keeps no turn.
        try:
            return wsgi_app(environ, start_response)
        finally:
            turns.give_back(address)

    return taking_turns


def turns_of(app) -> AddressTurns | None:
    return app.extensions.get(EXTENSION)
