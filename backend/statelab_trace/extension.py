"""``StateLabTrace``: trace any Flask app's request lifecycle and watch it live.

    from statelab_trace import StateLabTrace

    app = Flask(__name__)
    StateLabTrace(app)          # or: trace = StateLabTrace(); trace.init_app(app)

Every hook, view, error handler, signal, session step and ``after_this_request``
callback of that app is recorded (see the package docstring) into a bounded log in this
process, and a live timeline page answers under ``STATELAB_TRACE_PREFIX``
(``/_statelab/``) from a WSGI layer in front of the app (page.py): each request's Cookie
header and Set-Cookie, the session as Flask opened and saved it, and every step with
what it printed, logged or warned. The app's routes and hooks are not touched by it.

Off unless enabled: ``STATELAB_TRACE_ENABLED`` (True/False; unset: follows
``app.debug`` when ``init_app`` runs). The page shows cookies, and cookies are
credentials: who may see it is guard.py's (a direct loopback request to a loopback
Host name, or anyone presenting ``STATELAB_TRACE_TOKEN``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from .bus import MemoryBus
from .page import LOG, TracePage, page_folder
from .wsgi import HookTracer

__all__ = ["DEFAULTS", "LOG", "StateLabTrace", "page_folder"]

DEFAULTS = {
    "STATELAB_TRACE_ENABLED": None,  # None: on when app.debug
    "STATELAB_TRACE_PREFIX": "/_statelab",
    "STATELAB_TRACE_TOKEN": None,
    "STATELAB_TRACE_EVENTS": 2000,  # about 130 requests of history
    "STATELAB_TRACE_BYTES": 8_000_000,  # at most what those events keep, in bytes
    "STATELAB_TRACE_VIEWERS": 5,
    "STATELAB_TRACE_HEARTBEAT_SECONDS": 15.0,
    "STATELAB_TRACE_OTEL": False,  # also each step as an OpenTelemetry span
}
EXTENSION = "statelab_trace"


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


class StateLabTrace:
    """The extension. After ``init_app``, ``enabled`` says whether it traces, ``bus``
    holds the log (a ``MemoryBus``), ``tracer`` records into it and ``prefix`` says
    where the page is."""

    def __init__(self, app: Flask | None = None) -> None:
        self.enabled = False
        self.bus: MemoryBus | None = None
        self.tracer: HookTracer | None = None
        self.prefix = DEFAULTS["STATELAB_TRACE_PREFIX"]
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        app.extensions[EXTENSION] = self
        enabled = _flag(app.config["STATELAB_TRACE_ENABLED"])
        self.enabled = app.debug if enabled is None else enabled
        if not self.enabled:
            return
        self.prefix = "/" + app.config["STATELAB_TRACE_PREFIX"].strip("/")
        self.bus = MemoryBus(int(app.config["STATELAB_TRACE_EVENTS"]),
                             int(app.config["STATELAB_TRACE_VIEWERS"]),
                             int(app.config["STATELAB_TRACE_BYTES"]))
        self.tracer = HookTracer(app, bus=self.bus, select=_every_request,
                                 otel=bool(_flag(app.config["STATELAB_TRACE_OTEL"])))
        # Outside the tracer: the page's own requests are answered before it sees them.
        app.wsgi_app = TracePage(app, app.wsgi_app, self)

    def events(self, after: str | None = None, limit: int | None = None) -> list[dict]:
        """The log, oldest first (for tests and scripts)."""
        return self.bus.read(LOG, after, limit).events if self.bus else []


def _every_request(environ: dict) -> str:
    return LOG
