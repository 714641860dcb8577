"""The hook tracer: a Flask extension that records every lifecycle step of a request.

It knows nothing of the demo. At the start of each traced request it wraps, in place,
whatever the app has registered (before/after/teardown request functions, teardown
appcontext functions, url value preprocessors, error handlers, views, the session
interface), so a hook registered anywhere appears with no list to edit, and it listens
to Flask's request signals. Each step is handed to a ``sink`` as it finishes, so a slow
request is seen progressing.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
import uuid
from contextvars import ContextVar
from typing import Any, Callable

from flask import Flask, signals

Sink = Callable[[str, dict], Any]
Selector = Callable[[dict], "str | None"]

_current: ContextVar["Trace | None"] = ContextVar("statelab_trace", default=None)
_MARK = "__statelab_traced__"

# Registries on the app (a Scaffold) that map a blueprint name (None: the app) to a
# list of functions, and the step name each one's functions get.
_SCOPED_REGISTRIES = (
    ("url_value_preprocessors", "url_value_preprocessor"),
    ("before_request_funcs", "before_request"),
    ("after_request_funcs", "after_request"),
    ("teardown_request_funcs", "teardown_request"),
)

_SIGNALS = (
    ("request_started", signals.request_started, None),
    ("got_request_exception", signals.got_request_exception, "exception"),
    ("request_finished", signals.request_finished, None),
    ("request_tearing_down", signals.request_tearing_down, "exc"),
    ("appcontext_tearing_down", signals.appcontext_tearing_down, "exc"),
)

# Steps whose argument is the exception Flask hands them (None when there was none).
_RECEIVES_ERROR = {"teardown_request", "teardown_appcontext"}


def describe_error(exc: BaseException | None) -> dict | None:
    """The JSON shape of an exception a step received."""
    if exc is None:
        return None
    return {"type": type(exc).__name__, "message": str(exc)}


def qualified_name(func: Callable) -> str:
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    if "<locals>" in name:  # a function made by a factory: its own name reads better
        name = getattr(func, "__name__", name)
    return f"{module}.{name}"


class Trace:
    """One request being traced: hands its events to the sink as they happen."""

    __slots__ = ("id", "lab", "sink", "t0", "counter", "endpoint", "current")

    def __init__(self, lab: str, sink: Sink) -> None:
        self.id = uuid.uuid4().hex[:16]
        self.lab = lab
        self.sink = sink
        self.t0 = time.perf_counter()
        self.counter = itertools.count()
        self.endpoint: str | None = None
        self.current: dict | None = None

    def emit(self, type_: str, payload: dict) -> None:
        payload["type"] = type_
        payload["trace"] = self.id
        payload["lab"] = self.lab
        payload["time"] = time.time()
        self.sink(self.lab, payload)

    def ms(self, t: float) -> float:
        return round((t - self.t0) * 1000, 3)

    def step(self, kind: str, name: str, function: str, blueprint: str | None,
             start: float, end: float, error: dict | None = None,
             detail: dict | None = None) -> None:
        self.emit("step", {
            "index": next(self.counter), "kind": kind, "name": name,
            "function": function, "blueprint": blueprint,
            "offset_ms": self.ms(start), "duration_ms": round((end - start) * 1000, 3),
            "error": error, "detail": detail or {},
        })


def current_trace() -> Trace | None:
    return _current.get()


def annotate(**detail: Any) -> None:
    """Add facts to the step now running (a hook can say what it really is)."""
    trace = _current.get()
    if trace is not None and trace.current is not None:
        trace.current.update(detail)


class HookTracer:
    """Records the lifecycle of every request that ``select`` picks.

    ``select(environ)`` answers the lab a request belongs to, or None to leave the
    request untraced (static files, the event stream itself). ``sink(lab, event)``
    receives each event.
    """

    def __init__(self, app: Flask | None = None, *, sink: Sink, select: Selector,
                 snapshot: Callable[[Any], dict] | None = None) -> None:
        self.sink = sink
        self.select = select
        self.snapshot = snapshot or (lambda session: {"session": dict(session)})
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        self.app = app
        app.extensions["statelab.tracer"] = self
        app.wsgi_app = self._middleware(app.wsgi_app)
        for name, signal, error_arg in _SIGNALS:
            signal.connect(self._receiver(name, error_arg), app, weak=False)

    # -- instrumentation -------------------------------------------------------------

    def _wrap(self, func: Callable, kind: str, name: str, blueprint: str | None,
              detail: Callable[[tuple], dict] | None = None,
              after: Callable[[Any], dict] | None = None) -> Callable:
        if getattr(func, _MARK, False):
            return func
        function = qualified_name(func)
        receives_error = name in _RECEIVES_ERROR

        @functools.wraps(func)
        def traced(*args: Any, **kwargs: Any) -> Any:
            trace = _current.get()
            if trace is None:
                return func(*args, **kwargs)
            info: dict = detail(args) if detail else {}
            outer, trace.current = trace.current, info
            start = time.perf_counter()
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                info["raised"] = describe_error(exc)
                raise
            else:
                if name == "before_request" and result is not None:
                    info["returned_response"] = True
                if after is not None:
                    info.update(after(result))
                return result
            finally:
                end = time.perf_counter()
                trace.current = outer
                error = describe_error(args[0] if args else None) if receives_error else None
                trace.step(kind, name, function, blueprint, start, end, error, info)

        setattr(traced, _MARK, True)
        return traced

    def instrument(self) -> None:
        """Wrap everything registered on the app that is not wrapped yet (idempotent)."""
        app = self.app
        with self._lock:
            for attr, name in _SCOPED_REGISTRIES:
                for scope, funcs in getattr(app, attr).items():
                    for i, func in enumerate(funcs):
                        if not getattr(func, _MARK, False):
                            funcs[i] = self._wrap(func, "hook", name, scope)
            funcs = app.teardown_appcontext_funcs
            for i, func in enumerate(funcs):
                if not getattr(func, _MARK, False):
                    funcs[i] = self._wrap(func, "hook", "teardown_appcontext", None)
            for endpoint, view in app.view_functions.items():
                if not getattr(view, _MARK, False):
                    app.view_functions[endpoint] = self._wrap(
                        view, "view", "view", endpoint.rpartition(".")[0] or None,
                        lambda args, endpoint=endpoint: {"endpoint": endpoint})
            for scope, by_code in app.error_handler_spec.items():
                for code, handlers in by_code.items():
                    for exc_class, handler in handlers.items():
                        if not getattr(handler, _MARK, False):
                            handlers[exc_class] = self._wrap(
                                handler, "handler", "errorhandler", scope,
                                functools.partial(_handler_detail, code, exc_class))
            self._instrument_session(app.session_interface)

    def _instrument_session(self, iface: Any) -> None:
        if getattr(iface, _MARK, False):
            return
        snapshot = self.snapshot
        iface.open_session = self._wrap(
            iface.open_session, "session", "open_session", None,
            after=lambda session: snapshot(session) if session is not None else {})
        iface.save_session = self._wrap(
            iface.save_session, "session", "save_session", None,
            lambda args: snapshot(args[1]))
        setattr(iface, _MARK, True)

    def _receiver(self, name: str, error_arg: str | None) -> Callable:
        def receive(sender: Flask, **extra: Any) -> None:
            trace = _current.get()
            if trace is None:
                return
            now = time.perf_counter()
            detail: dict = {}
            error = describe_error(extra.get(error_arg)) if error_arg else None
            if name == "request_started":
                detail = _routing_detail(trace)
            trace.step("signal", name, f"flask.signals.{name}", None, now, now, error, detail)
        return receive

    # -- the WSGI entry --------------------------------------------------------------

    def _middleware(self, wsgi_app: Callable) -> Callable:
        @functools.wraps(wsgi_app)
        def traced_wsgi_app(environ: dict, start_response: Callable) -> Any:
            lab = self.select(environ)
            if lab is None:
                return wsgi_app(environ, start_response)
            self.instrument()
            trace = Trace(lab, self.sink)
            trace.emit("request", _request_fields(environ))
            sent: dict = {}

            def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
                sent["status"], sent["headers"] = status, headers
                return start_response(status, headers, exc_info)

            token = _current.set(trace)
            error = None
            try:
                return wsgi_app(environ, capture)
            except BaseException as exc:  # propagated (TESTING/DEBUG): still end the row
                error = describe_error(exc)
                raise
            finally:
                _current.reset(token)
                headers = sent.get("headers", [])
                trace.emit("end", {
                    "status": int(sent["status"].split(" ", 1)[0]) if sent else 500,
                    "endpoint": trace.endpoint,
                    "duration_ms": trace.ms(time.perf_counter()),
                    "set_cookie": [v for k, v in headers if k.lower() == "set-cookie"],
                    "error": error,
                })
        return traced_wsgi_app


def _handler_detail(code: int | None, exc_class: type, args: tuple) -> dict:
    exc = args[0] if args else None
    original = getattr(exc, "original_exception", None)
    return {
        "code": code,
        "registered_for": exc_class.__name__,
        "exception": describe_error(exc),
        "original_exception": describe_error(original),
    }


def _routing_detail(trace: Trace) -> dict:
    from flask import request

    rule = request.url_rule
    trace.endpoint = rule.endpoint if rule is not None else None
    routing = request.routing_exception
    if routing is None:
        return {"endpoint": trace.endpoint}
    return {
        "endpoint": None,
        "routing_exception": describe_error(routing),
        "note": "URL matching failed; Flask stored the error and raises it after before_request",
    }


def _request_fields(environ: dict) -> dict:
    return {
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "query": environ.get("QUERY_STRING") or "",
        "client": environ.get("statelab.client"),
        "cookie_header": environ.get("HTTP_COOKIE"),
        "user_agent": environ.get("HTTP_USER_AGENT"),
    }
