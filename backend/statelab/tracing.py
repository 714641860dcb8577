"""The hook tracer: a Flask extension that records every lifecycle step of a request.

It knows nothing of the demo. It wraps, in place, whatever the app has registered
(before/after/teardown request functions, teardown appcontext functions, url value
preprocessors, error handlers, views, the session interface), so a hook registered
anywhere appears with no list to edit, and it listens to Flask's request signals.

The tracer runs on every request, so its hot path only appends a tuple per step. A
request's events (``request``, its steps, ``end``) go to the bus together when it ends,
and the bus turns them into JSON only when someone reads them. A request still running
after ``LIVE_AFTER`` seconds has its events handed over by a background flusher as they
happen, so a slow request is seen progressing.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import logging
import os
import threading
import time
from contextvars import ContextVar
from typing import Any, Callable, Protocol

from flask import Flask, signals

Selector = Callable[[dict], "str | None"]
logger = logging.getLogger(__name__)
LIVE_AFTER = 0.05

_current: ContextVar["Trace | None"] = ContextVar("statelab_trace", default=None)
_MARK = "__statelab_traced__"
_perf = time.perf_counter

# Registries on the app (a Scaffold) that map a blueprint name (None: the app) to a
# list of functions, and the step name each one's functions get.
_SCOPED_REGISTRIES = (
    ("url_value_preprocessors", "url_value_preprocessor"),
    ("before_request_funcs", "before_request"),
    ("after_request_funcs", "after_request"),
    ("teardown_request_funcs", "teardown_request"),
)

_SIGNALS = (
    ("appcontext_pushed", signals.appcontext_pushed, None),
    ("request_started", signals.request_started, None),
    ("got_request_exception", signals.got_request_exception, "exception"),
    ("request_finished", signals.request_finished, None),
    ("request_tearing_down", signals.request_tearing_down, "exc"),
    ("appcontext_tearing_down", signals.appcontext_tearing_down, "exc"),
    ("appcontext_popped", signals.appcontext_popped, None),
)

# Steps whose argument is the exception Flask hands them (None when there was none).
_RECEIVES_ERROR = {"teardown_request", "teardown_appcontext"}


class Bus(Protocol):
    def publish_many(self, lab: str, render: Callable[[int], dict], args: range) -> None: ...


def describe_error(exc: BaseException | None) -> dict | None:
    """The JSON shape of an exception a step received."""
    if exc is None:
        return None
    return {"type": type(exc).__name__, "message": _capped(str(exc), MAX_MESSAGE_KEPT)}


def qualified_name(func: Callable) -> str:
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    if "<locals>" in name:  # a function made by a factory: its own name reads better
        name = getattr(func, "__name__", name)
    return f"{module}.{name}"


def jsonable(value: Any) -> Any:
    """A copy of ``value`` that JSON can carry (unknown objects become their str)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, BaseException):
        return describe_error(value)
    return str(value)


STEP = 8  # values per step in Trace.steps
_trace_ids = itertools.count(1)
_process_tag = os.urandom(4).hex()


class Trace:
    """One request being traced. Its events are numbered: -1 is the ``request`` event,
    0..n-1 the steps, n the ``end`` event; each is made into JSON by ``render(i)`` only
    when read. Steps are kept flat, ``STEP`` values each in one list:
    ``kind, name, function, blueprint, start, end, error, detail``, where ``detail`` is
    None, a dict, or ``(kept, dict | None)`` for what ``describe(kept)`` turns into a dict.
    Everything kept is plain tuples and strings where it can be: the log holds thousands
    of these, and the garbage collector need not scan what holds no containers."""

    __slots__ = ("id", "lab", "bus", "describe", "t0", "wall0", "fields", "steps", "sent",
                 "current", "endpoint", "ending", "lock")

    def __init__(self, lab: str, bus: Bus, fields: tuple,
                 describe: Callable[[Any], dict]) -> None:
        self.id = f"{_process_tag}{next(_trace_ids):x}"
        self.lab = lab
        self.bus = bus
        self.describe = describe
        self.t0 = _perf()
        self.wall0 = time.time()
        self.fields = fields
        self.steps: list = []
        self.sent = -1  # the next event to hand over: the request event first
        self.current: dict | None = None
        self.endpoint: str | None = None
        self.ending: tuple | None = None
        self.lock = threading.Lock()  # the flusher and the request both hand over

    def ms(self, t: float) -> float:
        return round((t - self.t0) * 1000, 3)

    def _event(self, type_: str, payload: dict, at: float) -> dict:
        payload["type"] = type_
        payload["trace"] = self.id
        payload["lab"] = self.lab
        payload["time"] = round(self.wall0 + (at - self.t0), 6)
        return payload

    def _request(self) -> dict:
        method, path, query, client, cookie, agent = self.fields
        return self._event("request", {
            "method": method, "path": path, "query": query, "client": client,
            "cookie_header": cookie, "user_agent": agent}, self.t0)

    def count(self) -> int:
        return len(self.steps) // STEP

    def render(self, index: int) -> dict:
        if index < 0:
            return self._request()
        if index == self.count() and self.ending is not None:
            status, set_cookie, error, at = self.ending
            return self._event("end", {
                "status": status, "endpoint": self.endpoint, "duration_ms": self.ms(at),
                "set_cookie": list(set_cookie), "error": error}, at)
        at = index * STEP
        kind, name, function, blueprint, start, end, error, detail = self.steps[at:at + STEP]
        if type(detail) is tuple:  # kept is None when the step raised before keeping
            kept, info = detail
            detail = {**(self.describe(kept) if kept is not None else {}), **(info or {})}
        if kind == "view":  # the request's endpoint is the view's
            detail = {"endpoint": self.endpoint, **(detail or {})}
        return self._event("step", {
            "index": index, "kind": kind, "name": name, "function": function,
            "blueprint": blueprint, "offset_ms": self.ms(start),
            "duration_ms": round((end - start) * 1000, 3),
            "error": error, "detail": jsonable(detail) if detail else {},
        }, end)

    def flush(self) -> None:
        """Hand the events not yet handed over to the bus, in order. A bus that fails
        (Redis down) costs the trace its events, never the request its response."""
        with self.lock:
            upto = self.count() + (self.ending is not None)
            if upto <= self.sent:
                return
            try:
                self.bus.publish_many(self.lab, self.render, range(self.sent, upto))
            except Exception:
                logger.exception("statelab: could not publish trace %s", self.id)
            self.sent = upto


_NO_DETAIL = object()  # inside a step that has no detail (yet); None: outside any step


def annotate(**detail: Any) -> None:
    """Add facts to the step now running (a hook can say what it really is)."""
    trace = _current.get()
    if trace is None or trace.current is None:
        return
    if trace.current is _NO_DETAIL:
        trace.current = detail
    else:
        trace.current.update(detail)


class _Flusher:
    """Hands over the steps of requests that run long, while they run."""

    def __init__(self) -> None:
        self.running: dict[str, Trace] = {}
        self.started = False

    def forked(self) -> None:
        # A forked worker (gunicorn) inherits no thread: it starts its own.
        self.started = False
        self.running.clear()

    def ensure_started(self) -> None:
        if self.started:
            return
        self.started = True
        threading.Thread(target=self._run, name="statelab-flusher", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(LIVE_AFTER / 2)
            now = _perf()
            for trace in list(self.running.values()):
                if now - trace.t0 >= LIVE_AFTER and trace.sent < trace.count():
                    trace.flush()


_flusher = _Flusher()


def _after_fork_in_child() -> None:
    # A forked worker (gunicorn --preload) must not number its traces like its parent:
    # with a shared Redis log their rows would merge.
    global _process_tag, _trace_ids
    _process_tag = os.urandom(4).hex()
    _trace_ids = itertools.count(1)
    _flusher.forked()


os.register_at_fork(after_in_child=_after_fork_in_child)


class HookTracer:
    """Records the lifecycle of every request that ``select`` picks.

    ``select(environ)`` answers the lab a request belongs to, or None to leave the
    request untraced (static files, the event stream itself). Events go to ``bus``.
    ``snapshot(session)`` keeps what a session holds, for the session steps, cheaply
    (plain tuples are best); ``describe(kept)`` makes it a dict when the step is read.
    """

    def __init__(self, app: Flask | None = None, *, bus: Bus, select: Selector,
                 snapshot: Callable[[Any], Any] | None = None,
                 describe: Callable[[Any], dict] | None = None) -> None:
        self.bus = bus
        self.select = select
        self.snapshot = snapshot or (lambda session: tuple(session.items()))
        self.describe = describe or (lambda kept: {"session": dict(kept)})
        self._lock = threading.Lock()
        self._settled = False
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        self.app = app
        app.extensions["statelab.tracer"] = self
        app.wsgi_app = self._middleware(app.wsgi_app)
        _watch_signals()

    # -- instrumentation -------------------------------------------------------------

    def _wrap(self, func: Callable, kind: str, name: str, blueprint: str | None,
              detail: Callable[[tuple], dict] | None = None,
              keep: Callable[[tuple, Any], Any] | None = None) -> Callable:
        """Wrap ``func`` to record a step. ``detail(args)`` gives facts known before the
        call; ``keep(args, result)`` keeps a raw value for ``describe`` after it."""
        if getattr(func, _MARK, False):
            return func
        function = qualified_name(func)
        receives_error = name in _RECEIVES_ERROR
        is_before = name == "before_request"

        @functools.wraps(func)
        def traced(*args: Any, **kwargs: Any) -> Any:
            trace = _current.get()
            if trace is None:
                return func(*args, **kwargs)
            outer = trace.current
            # Most steps have no detail: no dict is made for them (the log keeps fewer
            # objects alive for the garbage collector to scan).
            trace.current = detail(args) if detail else _NO_DETAIL
            start = _perf()
            extra = kept = None
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                extra = {"raised": describe_error(exc)}
                raise
            else:
                if is_before and result is not None:
                    extra = {"returned_response": True}
                elif keep is not None:
                    kept = keep(args, result)
                return result
            finally:
                end = _perf()
                info = trace.current
                trace.current = outer
                if info is _NO_DETAIL:
                    info = extra
                elif extra:
                    info.update(extra)
                if keep is not None:
                    info = (kept, info)
                error = describe_error(args[0] if args else None) if receives_error else None
                trace.steps.extend((kind, name, function, blueprint, start, end, error, info))

        if inspect.iscoroutinefunction(func):
            traced = self._wrap_async(func, kind, name, function, blueprint, detail)
        setattr(traced, _MARK, True)
        return traced

    @staticmethod
    def _wrap_async(func: Callable, kind: str, name: str, function: str,
                    blueprint: str | None, detail: Callable | None) -> Callable:
        """The same for an ``async def`` view or hook, so Flask still awaits it."""
        receives_error = name in _RECEIVES_ERROR

        @functools.wraps(func)
        async def traced(*args: Any, **kwargs: Any) -> Any:
            trace = _current.get()
            if trace is None:
                return await func(*args, **kwargs)
            info = detail(args) if detail else None
            start = _perf()
            try:
                return await func(*args, **kwargs)
            except BaseException as exc:
                info = {**(info or {}), "raised": describe_error(exc)}
                raise
            finally:
                error = describe_error(args[0] if args else None) if receives_error else None
                trace.steps.extend((kind, name, function, blueprint, start, _perf(), error, info))

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
                        view, "view", "view", endpoint.rpartition(".")[0] or None)
            for scope, by_code in app.error_handler_spec.items():
                for code, handlers in by_code.items():
                    for exc_class, handler in handlers.items():
                        if not getattr(handler, _MARK, False):
                            handlers[exc_class] = self._wrap(
                                handler, "handler", "errorhandler", scope,
                                functools.partial(_handler_detail, code, exc_class))
            self._instrument_session(app.session_interface)

    def _ensure_instrumented(self) -> None:
        # Flask refuses new hooks, views and handlers once it has handled a request
        # (its setup methods check _got_first_request), so a pass after that one is
        # the last needed; only a replaced session interface is looked for after it.
        if self._settled:
            if not getattr(self.app.session_interface, _MARK, False):
                self.instrument()
            return
        self._settled = self.app._got_first_request
        self.instrument()

    def _instrument_session(self, iface: Any) -> None:
        if getattr(iface, _MARK, False):
            return
        snapshot = self.snapshot
        iface.open_session = self._wrap(
            iface.open_session, "session", "open_session", None,
            keep=lambda args, session: snapshot(session) if session is not None else ())
        iface.save_session = self._wrap(
            iface.save_session, "session", "save_session", None,
            keep=lambda args, result: snapshot(args[1]))
        setattr(iface, _MARK, True)

    # -- the WSGI entry --------------------------------------------------------------

    def _middleware(self, wsgi_app: Callable) -> Callable:
        running = _flusher.running

        @functools.wraps(wsgi_app)
        def traced_wsgi_app(environ: dict, start_response: Callable) -> Any:
            lab = self.select(environ)
            if lab is None:
                return wsgi_app(environ, start_response)
            self._ensure_instrumented()
            _flusher.ensure_started()
            get = environ.get
            trace = Trace(lab, self.bus, (
                get("REQUEST_METHOD"), _capped(get("PATH_INFO"), MAX_URL_PART_KEPT),
                _capped(get("QUERY_STRING") or "", MAX_URL_PART_KEPT),
                get("statelab.client"), _capped(get("HTTP_COOKIE")),
                _capped(get("HTTP_USER_AGENT"), MAX_MESSAGE_KEPT)), self.describe)
            sent: list = []

            def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
                sent[:] = (status, headers)
                return start_response(status, headers, exc_info)

            token = _current.set(trace)
            running[trace.id] = trace
            error = None
            try:
                return wsgi_app(environ, capture)
            except BaseException as exc:  # propagated (TESTING/DEBUG): still end the row
                error = describe_error(exc)
                raise
            finally:
                _current.reset(token)
                del running[trace.id]
                set_cookie = tuple(v for k, v in sent[1] if k == "Set-Cookie") if sent else ()
                trace.ending = (int(sent[0][:3]) if sent else 500, set_cookie, error, _perf())
                trace.flush()
        return traced_wsgi_app


_signals_watched = False


def _watch_signals() -> None:
    """Record each of Flask's request signals as a step, once per process.

    Each signal's ``send`` is wrapped rather than a receiver connected: a receiver costs
    blinker's lookup and an ``inspect.iscoroutinefunction`` check on every send of every
    request, and wrapping also measures how long the signal's own receivers took. The
    step belongs to the request being traced in this context, if any.
    """
    global _signals_watched
    if _signals_watched:
        return
    _signals_watched = True
    for name, signal, error_arg in _SIGNALS:
        signal.send = _traced_send(signal.send, name, error_arg)


def _traced_send(send: Callable, name: str, error_arg: str | None) -> Callable:
    function = f"flask.signals.{name}"
    started = name == "request_started"

    @functools.wraps(send)
    def traced_send(*args: Any, **kwargs: Any) -> Any:
        trace = _current.get()
        if trace is None:
            return send(*args, **kwargs)
        start = _perf()
        try:
            return send(*args, **kwargs)
        finally:
            error = describe_error(kwargs.get(error_arg)) if error_arg else None
            detail = _routing_detail(trace) if started else None
            trace.steps.extend(("signal", name, function, None, start, _perf(), error, detail))

    return traced_send


# The log is bounded in events; these bound each event's size. A Cookie header carrying
# the lab's three cookies at their 4000-byte maximum still fits; a path, query, user
# agent or exception message longer than any real one is cut, and says so.
MAX_HEADER_KEPT = 8192
MAX_URL_PART_KEPT = 2048
MAX_MESSAGE_KEPT = 1024


def _capped(value: str | None, limit: int = MAX_HEADER_KEPT) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[:limit] + f"… ({len(value) - limit} more characters)"


def _handler_detail(code: int | None, exc_class: type, args: tuple) -> dict:
    exc = args[0] if args else None
    return {
        "code": code,
        "registered_for": exc_class.__name__,
        "exception": describe_error(exc),
        "original_exception": describe_error(getattr(exc, "original_exception", None)),
    }


def _routing_detail(trace: Trace) -> dict:
    from flask import request

    req = request._get_current_object()
    rule = req.url_rule
    trace.endpoint = rule.endpoint if rule is not None else None
    routing = req.routing_exception
    if routing is None:
        return {"endpoint": trace.endpoint}
    return {
        "endpoint": None,
        "routing_exception": describe_error(routing),
        "note": "URL matching failed; Flask stored the error and raises it after before_request",
    }
