"""``StateLabTrace``: trace any Flask app's request lifecycle and watch it live.

    from statelab_trace import StateLabTrace

    app = Flask(__name__)
    StateLabTrace(app)          # or: trace = StateLabTrace(); trace.init_app(app)

Every hook, view, error handler, signal, session step and ``after_this_request``
callback of that app is recorded (see the package docstring) into a bounded log in this
process, and a live timeline page is mounted under ``STATELAB_TRACE_PREFIX``
(``/_statelab/``): each request's Cookie header and Set-Cookie, the session as Flask
opened and saved it, and every step with what it printed, logged or warned.

Off unless enabled: ``STATELAB_TRACE_ENABLED`` (True/False; unset: follows
``app.debug`` when ``init_app`` runs). The page shows cookies, and cookies are
credentials, so it is never served where it cannot be protected: without
``STATELAB_TRACE_TOKEN`` it answers only requests from a loopback address that carry
no proxy header (``X-Forwarded-For``, ``Forwarded``, ``X-Real-IP``: behind a reverse
proxy every visitor would look local); with a token, only requests that present it
(``?token=`` on the page, the ``X-StateLab-Token`` header on its API).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request, \
    send_from_directory

from .bus import BadEventId, MemoryBus, TooManySubscribers
from .wsgi import HookTracer

DEFAULTS = {
    "STATELAB_TRACE_ENABLED": None,  # None: on when app.debug
    "STATELAB_TRACE_PREFIX": "/_statelab",
    "STATELAB_TRACE_TOKEN": None,
    "STATELAB_TRACE_EVENTS": 2000,  # about 130 requests of history
    "STATELAB_TRACE_VIEWERS": 5,
    "STATELAB_TRACE_HEARTBEAT_SECONDS": 15.0,
    "STATELAB_TRACE_OTEL": False,  # also each step as an OpenTelemetry span
}
LOG = "app"  # the bus keeps one log per lab; the extension's app is one lab
EXTENSION = "statelab_trace"
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def page_folder() -> str:
    """The page's files: inside the installed package (a wheel ships them as
    ``statelab_trace/static``), else the source checkout's ``frontend/``."""
    packaged = Path(__file__).resolve().parent / "static"
    if packaged.is_dir():
        return str(packaged)
    return str(Path(__file__).resolve().parents[2] / "frontend")


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
                             int(app.config["STATELAB_TRACE_VIEWERS"]))
        self.tracer = HookTracer(app, bus=self.bus, select=self._select,
                                 otel=bool(_flag(app.config["STATELAB_TRACE_OTEL"])))
        app.register_blueprint(_blueprint(), url_prefix=self.prefix)

    def _select(self, environ: dict) -> str | None:
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            return None  # the page watching itself would fill the log
        return LOG

    def events(self, after: str | None = None, limit: int | None = None) -> list[dict]:
        """The log, oldest first (for tests and scripts)."""
        return self.bus.read(LOG, after, limit).events if self.bus else []


def _blueprint() -> Blueprint:
    bp = Blueprint("statelab_trace", __name__)
    bp.before_request(_allowed_only)

    @bp.get("/")
    def page():
        response = send_from_directory(page_folder(), "trace.html")
        response.headers.update(PAGE_HEADERS)
        return response

    @bp.get("/static/<name>")
    def static(name: str):
        # Only the page's own modules and styles, never the tests or the lab's HTML.
        if "/" in name or not name.endswith((".js", ".css")):
            abort(404)
        response = send_from_directory(page_folder(), name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @bp.get("/api/log")
    def read_log():
        limit = _limit(request.args.get("limit"))
        page = _page(lambda bus, after: bus.read(LOG, after, limit))
        return jsonify(events=page.events, last_id=page.last_id, dropped=page.dropped)

    @bp.delete("/api/log")
    def clear_log():
        _trace().bus.clear(LOG)
        return "", 204

    @bp.get("/api/stream")
    def stream():
        return _stream(_trace().bus)

    bp.register_error_handler(400, _json_error)
    bp.register_error_handler(403, _json_error)
    bp.register_error_handler(404, _json_error)
    bp.register_error_handler(429, _json_error)
    return bp


def _trace() -> StateLabTrace:
    return current_app.extensions[EXTENSION]


def _json_error(error: Any):
    return jsonify(error=error.name.lower().replace(" ", "_"), message=error.description,
                   status=error.code), error.code


def _allowed_only() -> None:
    """The page shows cookies: only the people the module docstring names may see it."""
    token = current_app.config["STATELAB_TRACE_TOKEN"]
    if token:
        given = request.headers.get("X-StateLab-Token") or request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), str(token).encode()):
            abort(403, "The trace page needs its token (STATELAB_TRACE_TOKEN): "
                       "open it as ?token=...")
        return
    environ = request.environ
    if any(environ.get(header) for header in PROXY_HEADERS) or not _loopback(
            environ.get("REMOTE_ADDR")):
        abort(403, "The trace page shows cookies: without STATELAB_TRACE_TOKEN it answers "
                   "only direct requests from this machine")


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def _limit(value: str | None) -> int:
    if value is None or value == "":
        return 5000
    if not value.isdigit() or not 1 <= int(value) <= 5000:
        abort(400, "'limit' must be a whole number from 1 to 5000")
    return int(value)


def _page(read):
    after = request.args.get("after") or None
    try:
        return read(_trace().bus, after)
    except BadEventId:
        abort(400, "'after' is not an event id")


def _stream(bus: MemoryBus) -> Response:
    after = request.headers.get("Last-Event-ID") or request.args.get("after") or None
    heartbeat = float(current_app.config["STATELAB_TRACE_HEARTBEAT_SECONDS"])
    try:
        bus.parse_id(after)
        bus.subscribe(LOG)
    except BadEventId:
        abort(400, "'after' / Last-Event-ID is not an event id")
    except TooManySubscribers:
        abort(429, "The trace page has as many live viewers as it may")

    def messages():
        last = after
        yield "retry: 1000\n\n"
        while True:
            page = bus.wait(LOG, last, heartbeat)
            if not page.events:
                yield ": heartbeat\n\n"
                continue
            for event in page.events:
                yield (f"id: {event['id']}\nevent: {event['type']}\n"
                       f"data: {json.dumps(event, default=str)}\n\n")
            last = page.last_id

    response = Response(messages(), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.call_on_close(lambda: bus.unsubscribe(LOG))
    return response
