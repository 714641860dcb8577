"""The WSGI entry: ``HookTracer`` wraps an app's ``wsgi_app`` and traces the requests
it is told to."""

from __future__ import annotations

import functools
import logging
import sys
import weakref
from typing import Any, Callable

from flask import Flask

from .jsonable import (MAX_MESSAGE_KEPT, MAX_URL_PART_KEPT, bounded_items, capped,
                        describe_error, weigh)
from .flusher import flusher
from .instrument import MARK, install, watch_sessions, wrap_url_value_preprocessors
from .output import Capture
from .record import Bus, RequestFields, Trace, current
from .signals import watch_signals
from .wire import format_traceback, request_headers, tee_request_body, untee_request_body

Selector = Callable[[dict], "str | None"]
# A host app's WSGI middleware may tag a request with its client id here; it is kept
# in the request's trace.
CLIENT_KEY = "statelab.client"
# ... and add fields (a dict) to the request's ``request`` event here.
TAGS_KEY = "statelab.tags"
_capture = Capture(current)
logger = logging.getLogger("statelab_trace")


class HookTracer:
    """Records the lifecycle of every request that ``select`` picks.

    ``select(environ)`` answers the log (a lab) a request belongs to, or None to leave
    the request untraced (static files, the event stream itself). Events go to ``bus``.
    ``snapshot(session)`` keeps what a session holds, for the session steps, cheaply
    (plain tuples are best); ``describe(kept)`` makes it a dict when the step is read;
    ``changed(session)`` says whether a session being saved may differ from what was
    kept when it was opened (False: the open step's snapshot is kept again). Without a
    ``snapshot``, Flask's own ``session.modified`` says so; with one, every save is
    snapshotted unless ``changed`` is given too.
    """

    def __init__(self, app: Flask | None = None, *, bus: Bus, select: Selector,
                 snapshot: Callable[[Any], Any] | None = None,
                 describe: Callable[[Any], dict] | None = None,
                 changed: Callable[[Any], bool] | None = None, otel: bool = False) -> None:
        self.bus = bus
        # OpenTelemetry: each request's steps also as child spans (needs opentelemetry).
        self.otel = None
        if otel:
            from . import otel as otel_export

            self.otel = otel_export
        self.select = select
        self.snapshot = snapshot or bounded_items
        self.describe = describe or _as_session
        self.changed = changed or (_always if snapshot else _modified)
        # The traced app, held weakly (``app_ref()``): the tracer never keeps it alive.
        self.app_ref: Callable[[], Flask | None] = lambda: None
        self._settled = False
        self._unwatched: Any = None  # a session interface that cannot be watched
        self.sessions_note: str | None = None
        if app is not None:
            self.init_app(app)

    @property
    def app(self) -> Flask | None:
        """The traced app, held weakly: the tracer never keeps it alive."""
        return self.app_ref()

    def init_app(self, app: Flask) -> None:
        self.app_ref = weakref.ref(app)
        install(app, self)
        app.wsgi_app = self._middleware(app)
        watch_signals()

    def _prepare(self, app: Flask) -> None:
        # Flask refuses new url value preprocessors once it has handled a request, so
        # a pass after that one is the last needed; a replaced session interface is
        # looked for on every request.
        if not self._settled:
            self._settled = app._got_first_request
            wrap_url_value_preprocessors(app)
        iface = app.session_interface
        if iface is not self._unwatched and not getattr(iface, MARK, False):
            self.sessions_note = watch_sessions(iface)
            if self.sessions_note:  # no session steps for this one (logged once)
                self._unwatched = iface
                logger.warning("statelab_trace: session steps %s", self.sessions_note)

    def _middleware(self, app: Flask) -> Callable:
        """The traced ``wsgi_app``: around the one the app has, or around Flask's own
        method called on the weakly held app (no cycle through the app's attribute)."""
        if "wsgi_app" in vars(app):
            wsgi_app = app.wsgi_app
        else:
            app_ref, method = weakref.ref(app), type(app).wsgi_app

            def wsgi_app(environ: dict, start_response: Callable) -> Any:
                return method(app_ref(), environ, start_response)
        running = flusher.running

        @functools.wraps(wsgi_app)
        def traced_wsgi_app(environ: dict, start_response: Callable) -> Any:
            lab = self.select(environ)
            if lab is None:
                return wsgi_app(environ, start_response)
            try:
                trace, body = self._begin(lab, environ)
            except Exception:  # the tracer's failure never reaches the app
                logger.exception("statelab_trace: could not trace a request")
                return wsgi_app(environ, start_response)
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
                _capture.leave()
                if body is not None:
                    trace.fields = trace.fields._replace(body=untee_request_body(environ, body))
                self._end(trace, sent, error, parent)
        return traced_wsgi_app

    def _begin(self, lab: str, environ: dict) -> tuple:
        self._prepare(self.app)
        if not flusher.started:
            flusher.ensure_started()
        get = environ.get
        body = tee_request_body(environ)
        # Made as namedtuple's own _make makes it, without the call of its Python-level
        # constructor.
        fields = tuple.__new__(RequestFields, (
            get("REQUEST_METHOD"), capped(get("PATH_INFO"), MAX_URL_PART_KEPT),
            capped(get("QUERY_STRING") or "", MAX_URL_PART_KEPT),
            get(CLIENT_KEY), capped(get("HTTP_COOKIE")),
            capped(get("HTTP_USER_AGENT"), MAX_MESSAGE_KEPT), request_headers(environ),
            body, get(TAGS_KEY)))
        trace = Trace(lab, self, fields, _environ_weight(fields) + weigh(fields.tags))
        _capture.enter()
        return trace, body

    def _end(self, trace: Trace, sent: list, error: dict | None, parent: Any) -> None:
        del flusher.running[trace.id]
        trace.finish(int(sent[0][:3]) if sent else 500, sent[1] if sent else [], error)
        trace.flush()
        if self.otel:
            self.otel.export(trace, parent, trace.ending.at)


def _environ_weight(fields: RequestFields) -> int:
    """What a request's fields from the environ keep, in bytes: the environ's strings
    hold one byte a character (WSGI decodes them as latin-1)."""
    texts = (fields.path, fields.query, fields.client, fields.cookie, fields.agent)
    headers = fields.headers
    return (57 * (len(texts) + len(headers)) + 56 + sum(len(t) for t in texts if t)
            + sum(map(len, headers)))


def _modified(session: Any) -> bool:
    return getattr(session, "modified", True) is not False


def _always(session: Any) -> bool:
    return True


def _as_session(kept: Any) -> dict:
    return {"session": dict(kept)}
