"""Flask's request signals as steps.

Each signal's ``send`` is wrapped, once per process, rather than a receiver connected:
a receiver costs blinker's lookup and an ``inspect.iscoroutinefunction`` check on every
send of every request, and wrapping also measures how long the signal's own receivers
took. A send is recorded on the request traced in the current context, and only when
its sender is that trace's app: two traced apps in one process (or an app called from
inside another's request) each get their own signals.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from flask import request, signals
from flask.globals import _cv_app

from .jsonable import describe_error
from werkzeug.wsgi import ClosingIterator

from .instrument import TRACE_ATTR, late_trace, run_with_keywords
from .jsonable import MAX_MESSAGE_KEPT, capped, weigh
from .record import StepSpec, Trace, annotate, current, logger, perf
from .wire import format_traceback, keep_response_body

MAX_PAGE_KEPT = 16384
ROUTING_NOTE = "URL matching failed; Flask stored the error and raises it after before_request"


def _request_started(trace: Trace) -> dict:
    setattr(_cv_app.get(), TRACE_ATTR, trace)  # for steps after the response: late_trace
    req = request._get_current_object()
    rule = req.url_rule
    trace.endpoint = rule.endpoint if rule is not None else None
    routing = req.routing_exception
    if routing is None:
        return {"endpoint": trace.endpoint}
    return {"endpoint": None, "routing_exception": describe_error(routing), "note": ROUTING_NOTE}


def _signal(name: str, **spec: Any) -> tuple:
    """Flask's signal ``name`` and the step its send records."""
    return getattr(signals, name), StepSpec("signal", name, f"flask.signals.{name}", **spec)


_SIGNALS = (
    _signal("appcontext_pushed"),
    _signal("request_started", after=_request_started),
    _signal("got_request_exception", error_arg="exception"),
    _signal("request_finished"),
    _signal("request_tearing_down", error_arg="exc"),
    _signal("appcontext_tearing_down", error_arg="exc"),
    _signal("appcontext_popped"),
    _signal("before_render_template"),
    _signal("template_rendered"),
    _signal("message_flashed"),
)


def _template(kwargs: dict) -> dict:
    template = kwargs.get("template")
    return {"template": getattr(template, "name", None)}


def _flashed(kwargs: dict) -> dict:
    return {"message": capped(str(kwargs.get("message")), MAX_MESSAGE_KEPT),
            "category": str(kwargs.get("category"))}


# What a signal's own arguments say, for its step.
_DETAIL = {"before_render_template": _template, "template_rendered": _template,
           "message_flashed": _flashed}

_lock = threading.Lock()
_watched = False


def watch_signals() -> None:
    """Record each of Flask's request signals as a step (installs once per process)."""
    global _watched
    with _lock:
        if _watched:
            return
        _watched = True
        for signal, spec in _SIGNALS:
            signal.send = _traced_send(signal, signal.send, spec)


def _keep_response(trace: Trace, kwargs: dict) -> None:
    # The response exactly as Flask hands it to the server: after every after_request
    # function and the session's save.
    response = kwargs["response"]
    page = _in_memory_page(response)
    trace.response_body = keep_response_body(response, trace.fields.method, exception_page=page)


def _keep_traceback(trace: Trace, kwargs: dict) -> None:
    # Flask logs this exception next ("Exception on /path [GET]"), with this traceback.
    exc = kwargs.get("exception")
    if exc is not None:
        trace.traceback = format_traceback((type(exc), exc, exc.__traceback__))


def _in_memory_page(response: Any) -> bool:
    """An HTTPException no handler took: Flask's make_response ran it as a WSGI app, so
    the body is a ClosingIterator over Werkzeug's page, a short error answer of known
    length (an ``abort(response)`` that streams has no Content-Length, and a long body
    is never buffered here)."""
    if response.status_code < 400 or type(response.response) is not ClosingIterator:
        return False
    length = response.headers.get("Content-Length")
    return length is not None and length.isdigit() and int(length) <= MAX_PAGE_KEPT


_KEEP = {"request_finished": _keep_response, "got_request_exception": _keep_traceback}


def _traced_send(signal: Any, send: Callable, spec: StepSpec) -> Callable:
    keep = _KEEP.get(spec.name)
    detail = _DETAIL.get(spec.name)
    # A send that, without receivers and without an error, is recorded with nothing
    # worked out: nothing kept, no detail.
    bare = keep is None and detail is None and spec.after is None
    error_arg = spec.error_arg

    @functools.wraps(send)
    def traced_send(*args: Any, **kwargs: Any) -> Any:
        trace = current.get() or late_trace()
        if trace is None or not args or args[0] is not trace.tracer.app_ref():
            return send(*args, **kwargs)
        if bare and not signal.receivers and (error_arg is None
                                              or kwargs.get(error_arg) is None):
            # Nothing runs: one timestamp, one step.
            at = perf()
            trace.add(spec, at, at, None, None, None)
            return []
        try:
            info = detail(kwargs) if detail is not None else None
            if keep is not None:
                keep(trace, kwargs)
            if not signal.receivers:  # nothing runs: one timestamp, no step machinery
                _record_unreceived(trace, spec, info, kwargs)
                return []
        except Exception:  # an odd response costs the trace a field, never the request
            logger.exception("statelab: could not keep %s of trace %s", spec.name, trace.id)
            info = None
        if info is None:
            return run_with_keywords(spec, send, *args, **kwargs)
        return run_with_keywords(spec, _with_detail(send, info), *args, **kwargs)
    return traced_send


def _record_unreceived(trace: Trace, spec: StepSpec, info: dict | None,
                       kwargs: dict) -> None:
    at = perf()
    error = describe_error(kwargs.get(spec.error_arg)) if spec.error_arg else None
    if spec.after is not None:
        info = {**(info or {}), **spec.after(trace)}
    if info is not None:
        trace.weight += weigh(info)
    trace.add(spec, at, at, error, info, None)


def _with_detail(send: Callable, info: dict) -> Callable:
    def sending(*args: Any, **kwargs: Any) -> Any:
        trace = current.get() or late_trace()
        if trace is not None and trace.current is not None:
            annotate(**info)
        return send(*args, **kwargs)
    return sending
