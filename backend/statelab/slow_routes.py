"""A cap on the routes that hold a thread for seconds on purpose.

``/api/slow`` sleeps up to 5 s and ``/demo/<word>/stream`` streams for up to ~9 s: each
holds one of the worker's threads all that time, so a few clients repeating them could
take every thread. At most ``STATELAB_MAX_SLOW`` run at once per worker process; one
more answers JSON 429 ``busy`` with ``Retry-After`` at once (the semaphore never waits).
A slot is given back when the response is closed: after a streamed body's last chunk.
"""

from __future__ import annotations

import functools
import threading
from typing import Callable

from flask import Flask, make_response

from .inputs import ApiError

SLOW_VIEWS = ("api.slow.slow", "demo.stream")
RETRY_AFTER = 5  # seconds: the longest /api/slow


def install(app: Flask) -> None:
    """Cap the slow views of ``app`` (call once they are registered)."""
    slots = threading.BoundedSemaphore(app.config["STATELAB_MAX_SLOW"])
    for endpoint in SLOW_VIEWS:
        app.view_functions[endpoint] = _capped(app.view_functions[endpoint], slots)


def _capped(view: Callable, slots: threading.BoundedSemaphore) -> Callable:
    @functools.wraps(view)
    def capped(*args, **kwargs):
        if not slots.acquire(blocking=False):
            raise ApiError(429, "busy", "As many slow requests as this server allows are "
                           "running; try again in a moment",
                           headers={"Retry-After": str(RETRY_AFTER)})
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            slots.release()
            raise
        response.call_on_close(slots.release)
        return response

    return capped
