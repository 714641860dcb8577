"""The trace page and its API, served by a WSGI layer in front of the traced app, as
Werkzeug's debugger serves its resources: a request under the prefix is answered here
and never reaches the app. The app's url_map, ``flask routes`` and its hooks stay its
own (a login wall never hides the page), and the page's requests are never traced.

Routes under the prefix (``/_statelab``): ``/`` the page, ``/static/<name>`` its
modules and styles, ``/api/log`` (GET, DELETE), ``/api/stream`` (Server-Sent Events),
``/api/registered`` (the app's hooks, registry.py). Who may see them: guard.py.
"""

from __future__ import annotations

import json
import weakref
from pathlib import Path
from typing import Any, Callable, Iterable

from werkzeug.exceptions import (BadRequest, Forbidden, HTTPException, MethodNotAllowed,
                                 NotFound, TooManyRequests)
from werkzeug.utils import redirect, send_from_directory
from werkzeug.wrappers import Request, Response

from .bus import BadEventId, TooManySubscribers
from .guard import refusal
from .registry import registered

LOG = "app"  # the bus keeps one log per lab; the extension's app is one lab
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def shipped_folder(package: str, name: str) -> str:
    """The page's files for the package whose ``__file__`` is ``package``: its folder
    ``name`` when installed (a wheel ships them there), else the source checkout's
    ``frontend/``."""
    here = Path(package).resolve().parent
    packaged = here / name
    return str(packaged if packaged.is_dir() else here.parents[1] / "frontend")


def page_folder() -> str:
    """The trace page's files: ``statelab_trace/static`` in a wheel."""
    return shipped_folder(__file__, "static")


class TracePage:
    """WSGI middleware: answers ``prefix`` and below, hands every other request to
    ``wsgi_app``. Holds the app weakly (its config is read per request), so wrapping
    ``app.wsgi_app`` adds no reference cycle of its own."""

    def __init__(self, app: Any, wsgi_app: Callable, extension: Any) -> None:
        self.app = weakref.ref(app)
        # The app's own bound wsgi_app would hold the app: kept as a weak method.
        self.inner = (weakref.WeakMethod(wsgi_app)
                      if getattr(wsgi_app, "__self__", None) is app else lambda: wsgi_app)
        self.extension = weakref.ref(extension)
        self.prefix = extension.prefix

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return self.inner()(environ, start_response)
        return self.answer(Request(environ), path[len(self.prefix):])(environ, start_response)

    def answer(self, request: Request, path: str) -> Response:
        config = self.app().config
        try:
            why = refusal(request.environ, config["STATELAB_TRACE_TOKEN"],
                          request.headers.get("X-StateLab-Token")
                          or request.args.get("token") or "")
            if why:
                raise Forbidden(why)
            return self.route(request, path, config)
        except HTTPException as error:
            return json_error(error)

    def route(self, request: Request, path: str, config: Any) -> Response:
        bus = self.extension().bus
        if path == "":
            query = request.query_string.decode("latin-1")
            return redirect(f"{request.script_root}{self.prefix}/"
                            + (f"?{query}" if query else ""), 308)
        if path.startswith("/static/"):
            return static(request, path[len("/static/"):])
        routes = {
            ("GET", "/"): lambda: page(request),
            ("GET", "/api/log"): lambda: read_log(request, bus),
            ("DELETE", "/api/log"): lambda: clear_log(bus),
            ("GET", "/api/stream"): lambda: stream(request, bus, config),
            ("GET", "/api/registered"): lambda: as_json(registered(self.app())),
        }
        method = "GET" if request.method == "HEAD" else request.method  # body left out
        handler = routes.get((method, path))
        if handler is None:
            allowed = [method for method, where in routes if where == path]
            raise MethodNotAllowed(allowed) if allowed else NotFound()
        return handler()


def as_json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


def json_error(error: HTTPException) -> Response:
    response = as_json({"error": error.name.lower().replace(" ", "_"),
                        "message": error.description, "status": error.code}, error.code)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def page(request: Request) -> Response:
    response = send_from_directory(page_folder(), "trace.html", request.environ)
    response.headers.update(PAGE_HEADERS)
    return response


def static(request: Request, name: str) -> Response:
    # Only the page's own modules and styles, never the tests or the lab's HTML.
    if "/" in name or not name.endswith((".js", ".css")):
        raise NotFound()
    response = send_from_directory(page_folder(), name, request.environ)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def read_log(request: Request, bus: Any) -> Response:
    limit = _limit(request.args.get("limit"))
    page_ = _read(bus, request.args.get("after") or None, limit)
    return as_json({"events": page_.events, "last_id": page_.last_id,
                    "dropped": page_.dropped})


def clear_log(bus: Any) -> Response:
    bus.clear(LOG)
    return Response(status=204)


def _limit(value: str | None) -> int:
    if value is None or value == "":
        return 5000
    if not value.isdigit() or not 1 <= int(value) <= 5000:
        raise BadRequest("'limit' must be a whole number from 1 to 5000")
    return int(value)


def _read(bus: Any, after: str | None, limit: int) -> Any:
    try:
        return bus.read(LOG, after, limit)
    except BadEventId:
        raise BadRequest("'after' is not an event id") from None


def stream(request: Request, bus: Any, config: Any) -> Response:
    after = request.headers.get("Last-Event-ID") or request.args.get("after") or None
    heartbeat = float(config["STATELAB_TRACE_HEARTBEAT_SECONDS"])
    try:
        bus.parse_id(after)
        bus.subscribe(LOG)
    except BadEventId:
        raise BadRequest("'after' / Last-Event-ID is not an event id") from None
    except TooManySubscribers:
        raise TooManyRequests("The trace page has as many live viewers as it may") from None

    def messages():
        last = after
        yield "retry: 1000\n\n"
        while True:
            page_ = bus.wait(LOG, last, heartbeat)
            if not page_.events:
                yield ": heartbeat\n\n"
                continue
            for event in page_.events:
                yield (f"id: {event['id']}\nevent: {event['type']}\n"
                       f"data: {json.dumps(event, default=str)}\n\n")
            last = page_.last_id

    response = Response(messages(), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.call_on_close(lambda: bus.unsubscribe(LOG))
    return response
