"""Instrumentation: every function Flask calls for a request, seen where Flask calls it.

Flask runs each view, hook, error handler and ``after_this_request`` callback through
``app.ensure_sync(func)``. The tracer sets ``ensure_sync`` on the app instance (the one
attribute it adds: ``Flask.ensure_sync`` still does the work, and answers the same
callable when no request is traced) and answers a recording call for the functions it
finds in the app's registries. What the app registered stays where it put it:
``app.view_functions``, the hook lists and the error handlers are never changed, and
nothing is wrapped when the app is built (building a traced app costs one attribute).

Which step a function is follows from where Flask called it (``preprocess_request``:
a before_request function, ``dispatch_request``: the view...) and from the registry
that holds it (its blueprint; for an app-wide hook, the blueprint that registered it).
Flask calls url value preprocessors directly: those few are wrapped in their registry.

The session interface the app installed stays its own object: its ``open_session`` and
``save_session`` are recorded through instance attributes that call its own methods and
record the step themselves.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
import weakref
from typing import Any, Callable

from flask import Flask
from flask.globals import _cv_app, request_ctx
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired

from .jsonable import describe_error, weigh
from .record import (NO_DETAIL, StepSpec, Trace, annotate, current, perf,
                     qualified_name)

MARK = "__statelab_traced__"
TRACE_ATTR = "_statelab_trace"  # on the request's app context, for late_trace
logger = logging.getLogger("statelab_trace")


def late_trace() -> Trace | None:
    """The trace of a request that re-enters its contexts after its response went out:
    ``stream_with_context`` pushes them again while the body is sent, and Flask 3.1 then
    runs the teardown functions and signals a second time. Looked up only when no trace
    is current, from the app context the request left it on."""
    ctx = _cv_app.get(None)
    return None if ctx is None else getattr(ctx, TRACE_ATTR, None)


def not_recorded(what: str, exc: BaseException) -> None:
    """A capture that failed: the step says so, and the app goes on."""
    annotate(**{what: f"not recorded: {type(exc).__name__}: {exc}"})


def run_step(spec: StepSpec, func: Callable, /, *args: Any) -> Any:
    """Call ``func`` as the step ``spec`` of the request traced in this context. A
    failure of the tracer costs the trace its step, never the app its call. Most steps
    (``spec.plain``, no detail known before the call) end on the short path here: nothing
    to work out but the times and what they printed. Flask calls hooks, handlers and a
    view without URL values with positional arguments only; ``run_with_keywords`` takes
    the others. The session steps do the same work in their own wrapper
    (``_session_step``)."""
    trace = current.get() or late_trace()
    if trace is None:
        return func(*args)
    # Entering the step: what it prints and its detail are its own until it ends. Most
    # steps have no detail: no dict is made for them (the log keeps fewer objects alive
    # for the garbage collector to scan).
    outer_info, outer_out = trace.current, trace.out
    if spec.detail is None:
        trace.current = NO_DETAIL
    else:
        try:
            trace.current = spec.detail(args)
        except Exception:
            logger.exception("statelab_trace: could not begin step %s", spec.name)
            return func(*args)
    trace.out = None
    start = perf()
    try:
        result = func(*args)
    except BaseException as exc:
        _end_step(trace, spec, func, args, (outer_info, outer_out), start, None, exc)
        raise
    if spec.plain and (result is None or not spec.returns_matter):
        end = perf()
        info, out = trace.current, trace.out
        trace.current, trace.out = outer_info, outer_out
        if info is NO_DETAIL:
            info = None
        else:
            trace.weight += weigh(info)
        trace.add(spec, start, end, None, info, out)
    else:
        _end_step(trace, spec, func, args, (outer_info, outer_out), start, result, None)
    return result


def run_with_keywords(spec: StepSpec, func: Callable, /, *args: Any, **kwargs: Any) -> Any:
    """``run_step`` for a call with keyword arguments (a view's URL values, a signal's
    arguments): they are bound to ``func`` first, where the step's end finds an error
    passed by keyword."""
    return run_step(spec, functools.partial(func, **kwargs) if kwargs else func, *args)


def _end_step(trace: Trace, spec: StepSpec, func: Callable, args: tuple, outer: tuple,
              start: float, result: Any, raised: BaseException | None) -> None:
    keywords = func.keywords if type(func) is functools.partial else {}
    try:
        trace.end_step(spec, args, keywords, outer, start, result, raised)
    except Exception as exc:
        trace.current, trace.out = outer
        trace.add(spec, start, perf(), None,
                  {"step": f"not recorded: {type(exc).__name__}: {exc}"}, None)


# -- ensure_sync: where Flask calls the app's functions --------------------------

# Flask's method that called ensure_sync -> the step its function is.
_CALLERS = {
    "preprocess_request": "before_request",
    "process_response": "after_request",
    "dispatch_request": "view",
    "do_teardown_request": "teardown_request",
    "do_teardown_appcontext": "teardown_appcontext",
    "handle_http_exception": "errorhandler",
    "handle_user_exception": "errorhandler",
    "handle_exception": "errorhandler",
    # Flask 2.2's before_first_request, which an app may still emulate (the
    # playground's lab_flask.py) in its full_dispatch_request.
    "full_dispatch_request": "before_first_request",
}
_DISPATCH = Flask.dispatch_request.__code__
_REGISTRIES = {
    "before_request": "before_request_funcs",
    "after_request": "after_request_funcs",
    "teardown_request": "teardown_request_funcs",
}


def install(app: Flask, tracer: Any) -> None:
    """Record, from now on, each function Flask calls for a traced request of ``app``.
    Holds the app weakly: no cycle keeps it alive."""
    app_ref = weakref.ref(app)
    # (caller, function[, no URL values]) -> its recording call, for registered functions
    calls: dict = {}
    cached, get_current, getframe = calls.get, current.get, sys._getframe

    def flasks_own(func: Callable) -> Callable:
        app = app_ref()
        return type(app).ensure_sync(app, func)

    def ensure_sync(func: Callable) -> Callable:
        trace = get_current() or late_trace()
        if trace is None or trace.tracer is not tracer:  # not a request traced for app
            return flasks_own(func)
        try:
            code = getframe(1).f_code
            # Flask's own dispatch_request passes the view the request's URL values:
            # whether it has any decides the recording call, so it is part of the key.
            # (The caller's name, not its code object: a code object's hash is worked
            # out anew each time.)
            key = (code.co_name, func, not request_ctx.request.view_args) \
                if code is _DISPATCH else (code.co_name, func)
            called = cached(key)
            if called is not None:
                return called
            own = app_ref()
            spec = _spec(own, _CALLERS.get(key[0]), func)
            if spec is None:
                return flasks_own(func)
            # Flask's own ensure_sync would answer func itself: the recording call is
            # the same for every request, and kept (an app's own ensure_sync, or an
            # async function's wrapper, is asked on every call, as Flask asks it).
            sync = type(own).ensure_sync is Flask.ensure_sync and flasks_own(func) is func
        except Exception:
            logger.exception("statelab_trace: could not name the step for %r", func)
            return flasks_own(func)
        no_keywords = sync and code is _DISPATCH and key[2]
        called = functools.partial(_recording_call(spec, no_keywords), spec,
                                   func if sync else flasks_own(func))
        if sync and spec.kind != "after_this_request":
            calls[key] = called
        return called

    ensure_sync.__wrapped__ = type(app).ensure_sync  # type: ignore[attr-defined]
    app.ensure_sync = ensure_sync  # type: ignore[method-assign]


def _recording_call(spec: StepSpec, no_keywords: bool) -> Callable:
    """What calls a function as its step: ``run_step`` itself where Flask passes no
    keywords (hooks, handlers, and a view without URL values called by Flask's own
    ``dispatch_request``)."""
    if spec.unwrapped is not None:
        return _run_wrapped_view
    return run_with_keywords if spec.kind == "view" and not no_keywords else run_step


def _spec(app: Flask, name: str | None, func: Callable) -> StepSpec | None:
    if name is None:
        return None
    if name == "view":
        rule = request_ctx.request.url_rule if request_ctx else None
        endpoint = rule.endpoint if rule is not None else None
        if endpoint is None or app.view_functions.get(endpoint) is not func:
            return None
        return _view_spec(func, endpoint)
    if name == "errorhandler":
        return _handler_spec(app, func)
    if name == "after_request" and request_ctx and any(
            f is func for f in request_ctx._get_current_object()._after_request_functions):
        return StepSpec("after_this_request", "after_this_request", qualified_name(func))
    if name in _REGISTRIES:
        for scope, funcs in getattr(app, _REGISTRIES[name]).items():
            if any(f is func for f in funcs):
                return _hook(app, func, name, scope)
        return None
    funcs = getattr(app, f"{name}_funcs", ())
    return _hook(app, func, name, None) if any(f is func for f in funcs) else None


def _hook(app: Flask, func: Callable, name: str, scope: str | None) -> StepSpec:
    error_arg = 0 if name in ("teardown_request", "teardown_appcontext") else None
    registered_by = _registered_by(app, func) if scope is None else None
    detail = (lambda args: {"registered_by_blueprint": registered_by}) if registered_by \
        else None
    return StepSpec("hook", name, qualified_name(func), scope, error_arg=error_arg,
                    detail=detail)


def _registered_by(app: Flask, func: Callable) -> str | None:
    """The blueprint whose ``before_app_request`` (or any ``*_app_*`` hook) put ``func``
    among the app's own hooks: its deferred registration holds ``func``."""
    for name, blueprint in app.blueprints.items():
        for deferred in blueprint.deferred_functions:
            if _holds(deferred, func, 3):
                return name
    return None


def _holds(closure_owner: Any, func: Callable, depth: int) -> bool:
    for cell in getattr(closure_owner, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if value is func or (depth > 1 and callable(value) and _holds(value, func, depth - 1)):
            return True
    return False


def _view_spec(func: Callable, endpoint: str) -> StepSpec:
    blueprint = endpoint.rpartition(".")[0] or None
    spec = StepSpec("view", "view", qualified_name(func), blueprint)
    inner = inspect.unwrap(func) if hasattr(func, "__wrapped__") else None
    # An async view runs on another thread (asgiref): its entry is not seen here.
    if (inner is not None and inner is not func and hasattr(inner, "__code__")
            and not inspect.iscoroutinefunction(inner)
            and not inspect.iscoroutinefunction(func)):
        code = getattr(func, "__code__", None)
        spec.unwrapped = inner
        # What ran when the decorator answered itself: the wrapper's own code.
        spec.answered_by = functools.partial(_wrapper_name, code)
    return spec


def _wrapper_name(code: Any, func: Callable) -> str:
    if code is None:
        return qualified_name(func)
    return f"{func.__module__}.{code.co_qualname}"


def _run_wrapped_view(spec: StepSpec, func: Callable, /, *args: Any, **kwargs: Any) -> Any:
    """A view behind a decorator (``functools.wraps``): whether the view itself ran, or
    the decorator answered instead (a login wall's redirect), is seen with a profile
    hook on this thread that removes itself as soon as the view's code is entered."""
    if sys.getprofile() is not None:  # a profiler runs: it keeps its hook
        return run_with_keywords(spec, func, *args, **kwargs)
    inner_code = spec.unwrapped.__code__
    entered: list = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code is inner_code:
            entered.append(True)
            sys.setprofile(None)

    sys.setprofile(profile)
    try:
        return run_with_keywords(spec, func, *args, **kwargs)
    finally:
        if not entered:
            if sys.getprofile() is profile:
                sys.setprofile(None)
            _note_wrapper_answered(spec, func)


def _note_wrapper_answered(spec: StepSpec, func: Callable) -> None:
    trace = current.get() or late_trace()
    if trace is not None:
        trace.rename_last(spec, spec.answered_by(func), {
            "view_not_run": qualified_name(spec.unwrapped),
            "note": "the view's decorator answered; the view itself did not run"})


def _handler_spec(app: Flask, func: Callable) -> StepSpec | None:
    registered = tuple((scope, code, exc_class)
                       for scope, by_code in app.error_handler_spec.items()
                       for code, handlers in by_code.items()
                       for exc_class, handler in handlers.items() if handler is func)
    if not registered:
        return None
    return StepSpec("handler", "errorhandler", qualified_name(func), registered[0][0],
                    detail=functools.partial(_handler_detail, registered))


def _handler_detail(registered: tuple, args: tuple) -> dict:
    """What the handler was called for: of the registrations of this one function (one
    handler may serve 403, 404 and 500), the one whose class the exception is."""
    exc = args[0] if args else None
    _, code, exc_class = next((r for r in registered if isinstance(exc, r[2])), registered[0])
    return {
        "code": code,
        "registered_for": exc_class.__name__,
        "exception": describe_error(exc),
        "original_exception": describe_error(getattr(exc, "original_exception", None)),
    }


# -- url value preprocessors: called directly, so wrapped in their registry ---------

def wrap(func: Callable, spec: StepSpec) -> Callable:
    if getattr(func, MARK, False):
        return func

    @functools.wraps(func)
    def traced(*args: Any, **kwargs: Any) -> Any:
        return run_with_keywords(spec, func, *args, **kwargs)
    setattr(traced, MARK, True)
    return traced


def wrap_url_value_preprocessors(app: Flask) -> None:
    """The one registry wrapped in place (idempotent): Flask calls these directly."""
    for scope, funcs in app.url_value_preprocessors.items():
        for i, func in enumerate(funcs):
            if not getattr(func, MARK, False):
                funcs[i] = wrap(func, StepSpec("hook", "url_value_preprocessor",
                                               qualified_name(func), scope))


# -- sessions ----------------------------------------------------------------------

def watch_sessions(iface: Any) -> str | None:
    """Record ``iface``'s open and save as steps, through attributes on ``iface`` itself
    that call its own methods (idempotent). Answers why not, when it cannot be."""
    if getattr(iface, MARK, False):
        return None
    cls = type(iface)
    base = f"{cls.__module__}.{cls.__qualname__}"
    open_spec = StepSpec("session", "open_session", f"{base}.open_session",
                         keep=lambda args, session: session)
    save_spec = StepSpec("session", "save_session", f"{base}.save_session",
                         keep=lambda args, result: args[1])
    signed = isinstance(iface, SecureCookieSessionInterface)
    traced_open = _session_step(open_spec, iface.open_session, opening=signed)
    traced_save = _session_step(save_spec, iface.save_session, opening=None)
    try:
        iface.open_session = traced_open
        iface.save_session = traced_save
        if signed:
            iface.get_signing_serializer = _watched_serializer(iface.get_signing_serializer)
        setattr(iface, MARK, True)
    except (AttributeError, TypeError) as exc:
        for name in ("open_session", "save_session", "get_signing_serializer"):
            getattr(iface, "__dict__", {}).pop(name, None)
        return f"not recorded: {type(exc).__name__}: {exc}"
    return None


def _session_step(spec: StepSpec, method: Callable, opening: bool | None) -> Callable:
    """``method``, the interface's own ``open_session`` (``opening``: whether its signing
    serializer is watched meanwhile) or ``save_session`` (``opening`` None), recorded as
    the step ``spec`` of the request traced for its app: ``run_step``'s work, inline,
    ending through ``_end_step`` (it keeps the session)."""
    def traced(*args: Any, **kwargs: Any) -> Any:
        trace = current.get() or (late_trace() if opening is None else None)
        if trace is None:
            return method(*args, **kwargs)
        # Flask passes (app, request) or (app, session, response) by position; the app
        # may name them as it likes when it calls them itself with keywords.
        called = args if not kwargs else _positional(method, args, kwargs)
        if not called or trace.tracer.app_ref() is not called[0]:
            return method(*args, **kwargs)
        outer = trace.current, trace.out
        trace.current, trace.out = NO_DETAIL, None
        if opening is not None:
            trace.opening = opening
        start = perf()
        try:
            result = method(*args, **kwargs)
        except BaseException as exc:
            _end_step(trace, spec, method, called, outer, start, None, exc)
            raise
        else:
            _end_step(trace, spec, method, called, outer, start, result, None)
        finally:
            if opening is not None:
                trace.opening = False
        return result
    return traced


def _positional(method: Callable, args: tuple, kwargs: dict) -> tuple | None:
    """The arguments of a session call made with keywords, as positions (None: they do
    not fit ``method``, which then says so itself, unrecorded)."""
    try:
        return tuple(inspect.signature(method).bind(*args, **kwargs).arguments.values())
    except (TypeError, ValueError):
        return None


def _watched_serializer(get_signing_serializer: Callable) -> Callable:
    """The signing serializer Flask builds for ``open_session`` is watched, so the trace
    says why Flask itself refused a cookie (``signed_cookie_rejected``: ``bad_signature``
    or ``expired``) instead of checking it again outside Flask."""
    def watched(app: Flask) -> Any:
        serializer = get_signing_serializer(app)
        trace = current.get()
        if serializer is not None and trace is not None and trace.opening:
            try:
                serializer.loads = _watched_loads(serializer)  # this instance's
            except Exception as exc:  # __slots__, no weak references, a read-only one
                not_recorded("signed_cookie_check", exc)
        return serializer
    return watched


def _watched_loads(serializer: Any) -> Callable:
    """``serializer.loads``, saying why it refused. The serializer is held weakly, so it
    and its watched method make no cycle: it is freed when Flask lets go of it, not
    left for the garbage collector."""
    method = serializer.loads
    if getattr(method, "__self__", None) is serializer:
        loads, instance = method.__func__, weakref.ref(serializer)
    else:  # not a method of its own: nothing to make a cycle with
        loads, instance = method, None

    def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            if instance is None:
                return loads(*args, **kwargs)
            return loads(instance(), *args, **kwargs)
        except SignatureExpired:
            annotate(signed_cookie_rejected="expired")
            raise
        except BadSignature:
            annotate(signed_cookie_rejected="bad_signature")
            raise
    return watched
