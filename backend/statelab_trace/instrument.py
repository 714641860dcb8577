"""Instrumentation: wrap, in place, whatever an app has registered.

Before/after/teardown request functions, teardown appcontext functions, url value
preprocessors, error handlers and views are wrapped in the app's own registries (a
blueprint's hooks live there too once it is registered). The session interface gets a
subclass of its own class, on an instance of its own (``traced_session_interface``),
so Flask's default interface, shared by every app, is never changed.
``after_this_request`` callbacks are wrapped as they are registered. The app's
``make_response`` is watched (an attribute on the app instance) for the page Werkzeug
makes from an HTTPException no handler took.
"""

from __future__ import annotations

import copy
import functools
import inspect
from typing import Any, Callable

from flask import Flask
from flask.globals import _cv_app, request_ctx
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired
from werkzeug.exceptions import HTTPException

from .jsonable import describe_error
from .record import StepSpec, Trace, annotate, current, perf, qualified_name

MARK = "__statelab_traced__"
TRACE_ATTR = "_statelab_trace"  # on the request's app context, for late_trace


def late_trace() -> Trace | None:
    """The trace of a request that re-enters its contexts after its response went out:
    ``stream_with_context`` pushes them again while the body is sent, and Flask 3.1 then
    runs the teardown functions and signals a second time. Looked up only when no trace
    is current, from the app context the request left it on."""
    ctx = _cv_app.get(None)
    return None if ctx is None else getattr(ctx, TRACE_ATTR, None)


# Registries on the app (a Scaffold) that map a blueprint name (None: the app) to a
# list of functions, and the step name each one's functions get.
SCOPED_REGISTRIES = (
    ("url_value_preprocessors", "url_value_preprocessor"),
    ("before_request_funcs", "before_request"),
    ("after_request_funcs", "after_request"),
    ("teardown_request_funcs", "teardown_request"),
)


def run_step(spec: StepSpec, func: Callable, args: tuple, kwargs: dict) -> Any:
    """Call ``func`` as the step ``spec`` of the request traced in this context."""
    trace = current.get() or late_trace()
    if trace is None:
        return func(*args, **kwargs)
    outer = trace.begin(spec, args)
    start = perf()
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:
        trace.add_step(spec, args, kwargs, outer, start, raised=exc)
        raise
    trace.add_step(spec, args, kwargs, outer, start, result)
    return result


def wrap(func: Callable, spec: StepSpec) -> Callable:
    """``func`` recording itself as ``spec``; an ``async def`` stays one, so Flask
    still awaits it."""
    if getattr(func, MARK, False):
        return func
    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def traced(*args: Any, **kwargs: Any) -> Any:
            trace = current.get() or late_trace()
            if trace is None:
                return await func(*args, **kwargs)
            outer = trace.begin(spec, args)
            start = perf()
            try:
                result = await func(*args, **kwargs)
            except BaseException as exc:
                trace.add_step(spec, args, kwargs, outer, start, raised=exc)
                raise
            trace.add_step(spec, args, kwargs, outer, start, result)
            return result
    else:
        @functools.wraps(func)
        def traced(*args: Any, **kwargs: Any) -> Any:  # run_step, inlined: the hot path
            trace = current.get() or late_trace()
            if trace is None:
                return func(*args, **kwargs)
            outer = trace.begin(spec, args)
            start = perf()
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                trace.add_step(spec, args, kwargs, outer, start, raised=exc)
                raise
            trace.add_step(spec, args, kwargs, outer, start, result)
            return result
    setattr(traced, MARK, True)
    return traced


def hook(func: Callable, name: str, blueprint: str | None) -> Callable:
    error_arg = 0 if name in ("teardown_request", "teardown_appcontext") else None
    return wrap(func, StepSpec("hook", name, qualified_name(func), blueprint,
                               error_arg=error_arg))


def instrument_app(app: Flask) -> None:
    """Wrap everything registered on ``app`` that is not wrapped yet (idempotent)."""
    for attr, name in SCOPED_REGISTRIES:
        for scope, funcs in getattr(app, attr).items():
            for i, func in enumerate(funcs):
                if not getattr(func, MARK, False):
                    funcs[i] = hook(func, name, scope)
    for attr, name in (("teardown_appcontext_funcs", "teardown_appcontext"),
                       # Flask <= 2.2's registry, which an app may still keep (ours
                       # emulates it: lab_flask.py).
                       ("before_first_request_funcs", "before_first_request")):
        funcs = getattr(app, attr, ())
        for i, func in enumerate(funcs):
            if not getattr(func, MARK, False):
                funcs[i] = hook(func, name, None)
    for endpoint, view in app.view_functions.items():
        if not getattr(view, MARK, False):
            app.view_functions[endpoint] = wrap(view, StepSpec(
                "view", "view", qualified_name(view), endpoint.rpartition(".")[0] or None))
    for scope, by_code in app.error_handler_spec.items():
        for code, handlers in by_code.items():
            for exc_class, handler in handlers.items():
                if not getattr(handler, MARK, False):
                    handlers[exc_class] = wrap(handler, StepSpec(
                        "handler", "errorhandler", qualified_name(handler), scope,
                        detail=functools.partial(_handler_detail, code, exc_class)))
    if not getattr(app.make_response, MARK, False):
        app.make_response = _watch_exception_pages(app.make_response)
    if not isinstance(app.session_interface, TracedSessions):
        app.session_interface = traced_session_interface(app.session_interface)


def _watch_exception_pages(make_response: Callable) -> Callable:
    """Flask answers an HTTPException no handler took (``abort(500)`` or a 404 in an app
    without handlers, the ``InternalServerError`` of a raise) by passing the exception
    itself to ``make_response``, which runs it as a WSGI app: the response's body is a
    lazy iterator over Werkzeug's own HTML page. The trace notes that response, so the
    page can be kept (``keep_response_body``). An exception carrying a response of its
    own (``abort(response)``, which may stream) is left alone."""
    @functools.wraps(make_response)
    def watched(rv: Any) -> Any:
        response = make_response(rv)
        trace = current.get()
        if trace is not None and isinstance(rv, HTTPException) and rv.response is None:
            trace.exception_page = response
        return response
    setattr(watched, MARK, True)
    return watched


def _handler_detail(code: int | None, exc_class: type, args: tuple) -> dict:
    exc = args[0] if args else None
    return {
        "code": code,
        "registered_for": exc_class.__name__,
        "exception": describe_error(exc),
        "original_exception": describe_error(getattr(exc, "original_exception", None)),
    }


# -- sessions ----------------------------------------------------------------------

_OPEN = StepSpec("session", "open_session", "", keep=lambda args, session: session)
_SAVE = StepSpec("session", "save_session", "", keep=lambda args, result: args[1])


class TracedSessions:
    """Mixed in before an app's session interface class: its open and save are steps."""

    _open_spec: StepSpec
    _save_spec: StepSpec

    def open_session(self, app: Flask, request: Any) -> Any:
        return run_step(self._open_spec, super().open_session, (app, request), {})

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return run_step(self._save_spec, super().save_session, (app, session, response), {})


class _TracedSignedSessions(TracedSessions):
    """For Flask's signed cookie (and any subclass): the signing serializer Flask builds
    for ``open_session`` is watched, so the trace says why Flask itself refused a cookie
    (``signed_cookie_rejected``: ``bad_signature`` or ``expired``) instead of checking
    it again outside Flask."""

    def open_session(self, app: Flask, request: Any) -> Any:
        trace = current.get()
        if trace is None:
            return super().open_session(app, request)
        trace.opening = True
        try:
            return super().open_session(app, request)
        finally:
            trace.opening = False

    def get_signing_serializer(self, app: Flask) -> Any:
        serializer = super().get_signing_serializer(app)
        trace = current.get()
        if serializer is not None and trace is not None and trace.opening:
            serializer.loads = _watched_loads(serializer.loads)  # this instance, this call
        return serializer


def _watched_loads(loads: Callable) -> Callable:
    def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            return loads(*args, **kwargs)
        except SignatureExpired:
            annotate(signed_cookie_rejected="expired")
            raise
        except BadSignature:
            annotate(signed_cookie_rejected="bad_signature")
            raise
    return watched


_traced_classes: dict[type, type] = {}


def traced_session_interface(iface: Any) -> Any:
    """A copy of ``iface`` whose class is a subclass tracing its open and save steps.
    The copy is the app's own: Flask's default interface is one object shared by every
    app, and another app (traced or not) must see it unchanged."""
    cls = type(iface)
    traced = _traced_classes.get(cls)
    if traced is None:
        base = cls.__qualname__
        mixin = _TracedSignedSessions if issubclass(cls, SecureCookieSessionInterface) \
            else TracedSessions
        traced = type(f"Traced{cls.__name__}", (mixin, cls), {
            "_open_spec": _spec_for(_OPEN, f"{cls.__module__}.{base}.open_session"),
            "_save_spec": _spec_for(_SAVE, f"{cls.__module__}.{base}.save_session"),
        })
        _traced_classes[cls] = traced
    own = copy.copy(iface)
    own.__class__ = traced
    return own


def _spec_for(spec: StepSpec, function: str) -> StepSpec:
    return StepSpec(spec.kind, spec.name, function, keep=spec.keep)


# -- after_this_request ------------------------------------------------------------

class _Callbacks(list):
    """The request's ``after_this_request`` list: each callback becomes a step where
    Flask runs it (after the view or error handler, before ``after_request``)."""

    def append(self, func: Callable) -> None:
        super().append(wrap(func, StepSpec("after_this_request", "after_this_request",
                                           qualified_name(func))))


def watch_after_this_request() -> None:
    """Called as the request starts (its context is pushed by then)."""
    ctx = request_ctx._get_current_object()
    ctx._after_request_functions = _Callbacks(ctx._after_request_functions)
