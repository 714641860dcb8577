"""The live flusher: hands over the steps of requests that run long, while they run.

A request's events normally go to the bus in one batch when it ends (publishing and
building JSON per step cost ~85 µs a request; batching brought it to ~30-45 µs). One
still running after ``LIVE_AFTER`` seconds is flushed every ``LIVE_AFTER / 2`` by one
background thread, so a slow request is seen progressing.
"""

from __future__ import annotations

import os
import threading
import time

from .record import Trace, perf

LIVE_AFTER = 0.05


class Flusher:
    def __init__(self) -> None:
        self.running: dict[str, Trace] = {}
        self.started = False
        self._lock = threading.Lock()

    def forked(self) -> None:
        # A forked worker (gunicorn) inherits no thread: it starts its own.
        self.started = False
        self.running.clear()

    def ensure_started(self) -> None:
        if self.started:
            return
        with self._lock:
            if self.started:
                return
            self.started = True
            threading.Thread(target=self._run, name="statelab-flusher", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(LIVE_AFTER / 2)
            now = perf()
            for trace in list(self.running.values()):
                if now - trace.t0 >= LIVE_AFTER and trace.sent < trace.count():
                    trace.flush()


flusher = Flusher()
os.register_at_fork(after_in_child=flusher.forked)
