"""The WSGI entry: ``HookTracer`` wraps an app's ``wsgi_app`` and traces the requests
it is told to."""

from __future__ import annotations

import functools
import sys
import threading
from typing import Any, Callable

from flask import Flask

from .jsonable import (MAX_MESSAGE_KEPT, MAX_URL_PART_KEPT, bounded_items, capped,
                        describe_error)
from .flusher import flusher
from .instrument import TracedSessions, instrument_app
from .output import Capture
from .record import Bus, Trace, current
from .signals import watch_signals
from .wire import format_traceback, read_request_body, request_headers

Selector = Callable[[dict], "str | None"]
# A host app's WSGI middleware may tag a request with its client id here; it is kept
# in the request's trace.
CLIENT_KEY = "statelab.client"
# ... and add fields (a dict) to the request's ``request`` event here.
TAGS_KEY = "statelab.tags"
_capture = Capture(current)


class HookTracer:
    """Records the lifecycle of every request that ``select`` picks.

    ``select(environ)`` answers the log (a lab) a request belongs to, or None to leave
    the request untraced (static files, the event stream itself). Events go to ``bus``.
    ``snapshot(session)`` keeps what a session holds, for the session steps, cheaply
    (plain tuples are best); ``describe(kept)`` makes it a dict when the step is read.
    """

    def __init__(self, app: Flask | None = None, *, bus: Bus, select: Selector,
                 snapshot: Callable[[Any], Any] | None = None,
                 describe: Callable[[Any], dict] | None = None, otel: bool = False) -> None:
        self.bus = bus
        # OpenTelemetry: each request's steps also as child spans (needs opentelemetry).
        self.otel = None
        if otel:
            from . import otel as otel_export

            self.otel = otel_export
        self.select = select
        self.snapshot = snapshot or bounded_items
        self.describe = describe or _as_session
        self._lock = threading.Lock()
        self._settled = False
        self.app: Flask | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        self.app = app
        app.wsgi_app = self._middleware(app.wsgi_app)
        watch_signals()

    def _ensure_instrumented(self) -> None:
        # Flask refuses new hooks, views and handlers once it has handled a request
        # (its setup methods check _got_first_request), so a pass after that one is
        # the last needed; only a replaced session interface is looked for after it.
        app = self.app
        if self._settled and isinstance(app.session_interface, TracedSessions):
            return
        with self._lock:
            self._settled = app._got_first_request
            instrument_app(app)

    def _middleware(self, wsgi_app: Callable) -> Callable:
        running = flusher.running

        @functools.wraps(wsgi_app)
        def traced_wsgi_app(environ: dict, start_response: Callable) -> Any:
            lab = self.select(environ)
            if lab is None:
                return wsgi_app(environ, start_response)
            self._ensure_instrumented()
            flusher.ensure_started()
            _capture.ensure_installed()
            get = environ.get
            trace = Trace(lab, self, (
                get("REQUEST_METHOD"), capped(get("PATH_INFO"), MAX_URL_PART_KEPT),
                capped(get("QUERY_STRING") or "", MAX_URL_PART_KEPT),
                get(CLIENT_KEY), capped(get("HTTP_COOKIE")),
                capped(get("HTTP_USER_AGENT"), MAX_MESSAGE_KEPT), request_headers(environ),
                read_request_body(environ, self.app.config["MAX_CONTENT_LENGTH"]),
                get(TAGS_KEY)))
            sent: list = []

            def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
                sent[:] = (status, headers)
                return start_response(status, headers, exc_info)

            parent = self.otel.request_parent() if self.otel else None
            token = current.set(trace)
            running[trace.id] = trace
            error = None
            try:
                return wsgi_app(environ, capture)
            except BaseException as exc:  # propagated (TESTING/DEBUG): still end the row
                error = describe_error(exc)
                if trace.traceback is None:  # Flask logs none: it re-raised instead
                    trace.traceback = format_traceback(sys.exc_info())
                raise
            finally:
                current.reset(token)
                self._end(trace, sent, error, parent)
        return traced_wsgi_app

    def _end(self, trace: Trace, sent: list, error: dict | None, parent: Any) -> None:
        del flusher.running[trace.id]
        trace.finish(int(sent[0][:3]) if sent else 500, sent[1] if sent else [], error)
        trace.flush()
        if self.otel:
            self.otel.export(trace, parent, trace.ending[3])


def _as_session(kept: Any) -> dict:
    return {"session": dict(kept)}
