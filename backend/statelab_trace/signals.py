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
from .instrument import TRACE_ATTR, late_trace, run_step, watch_after_this_request
from .record import StepSpec, Trace, current, logger
from .wire import format_traceback, keep_response_body

ROUTING_NOTE = "URL matching failed; Flask stored the error and raises it after before_request"


def _request_started(trace: Trace) -> dict:
    watch_after_this_request()
    setattr(_cv_app.get(), TRACE_ATTR, trace)  # for steps after the response: late_trace
    req = request._get_current_object()
    rule = req.url_rule
    trace.endpoint = rule.endpoint if rule is not None else None
    routing = req.routing_exception
    if routing is None:
        return {"endpoint": trace.endpoint}
    return {"endpoint": None, "routing_exception": describe_error(routing), "note": ROUTING_NOTE}


_SIGNALS = (
    (signals.appcontext_pushed, StepSpec("signal", "appcontext_pushed",
                                         "flask.signals.appcontext_pushed")),
    (signals.request_started, StepSpec("signal", "request_started",
                                       "flask.signals.request_started",
                                       after=_request_started)),
    (signals.got_request_exception, StepSpec("signal", "got_request_exception",
                                             "flask.signals.got_request_exception",
                                             error_arg="exception")),
    (signals.request_finished, StepSpec("signal", "request_finished",
                                        "flask.signals.request_finished")),
    (signals.request_tearing_down, StepSpec("signal", "request_tearing_down",
                                            "flask.signals.request_tearing_down",
                                            error_arg="exc")),
    (signals.appcontext_tearing_down, StepSpec("signal", "appcontext_tearing_down",
                                               "flask.signals.appcontext_tearing_down",
                                               error_arg="exc")),
    (signals.appcontext_popped, StepSpec("signal", "appcontext_popped",
                                         "flask.signals.appcontext_popped")),
)

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
            signal.send = _traced_send(signal.send, spec)


def _keep_response(trace: Trace, kwargs: dict) -> None:
    # The response exactly as Flask hands it to the server: after every after_request
    # function and the session's save.
    response = kwargs["response"]
    trace.response_body = keep_response_body(response, trace.fields[0],
                                             exception_page=response is trace.exception_page)


def _keep_traceback(trace: Trace, kwargs: dict) -> None:
    # Flask logs this exception next ("Exception on /path [GET]"), with this traceback.
    exc = kwargs.get("exception")
    if exc is not None:
        trace.traceback = format_traceback((type(exc), exc, exc.__traceback__))


_KEEP = {"request_finished": _keep_response, "got_request_exception": _keep_traceback}


def _traced_send(send: Callable, spec: StepSpec) -> Callable:
    keep = _KEEP.get(spec.name)

    @functools.wraps(send)
    def traced_send(*args: Any, **kwargs: Any) -> Any:
        trace = current.get() or late_trace()
        if trace is None or not args or args[0] is not trace.tracer.app:
            return send(*args, **kwargs)
        if keep is not None:
            try:
                keep(trace, kwargs)
            except Exception:  # an odd response costs the trace a field, never the request
                logger.exception("statelab: could not keep %s of trace %s", spec.name, trace.id)
        return run_step(spec, send, args, kwargs)
    return traced_send
