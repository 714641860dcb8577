"""The trace of one request: its steps, recorded cheaply, made into events when read.

A step's shape is ``Step``; ``Trace.add`` writes one (``rename_last`` renames the last
one) and ``Trace.step`` reads one back (``render`` by index, ``otel`` through
``iter_steps``). Every wrapper (hooks, views, handlers, signals, ``after_this_request``
callbacks) records through ``run_step`` (instrument.py), which enters the step, then
calls ``end_step`` or ``add``; the session steps do the same in their own wrapper
(``instrument._session_step``).
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from contextvars import ContextVar
from typing import Any, Callable, Iterator, NamedTuple, Protocol

from .jsonable import describe_error, jsonable, weigh
from .output import Output
from .wire import (MAX_REQUEST_TEXT, render_body, render_request_headers,
                   render_response_body, render_response_headers)

logger = logging.getLogger("statelab_trace")

current: ContextVar["Trace | None"] = ContextVar("statelab_trace", default=None)
perf = time.perf_counter

TEARDOWN_RETURN_NOTE = "Flask ignores what a teardown function returns"


class Bus(Protocol):
    def publish_many(self, lab: str, render: Callable[[int], dict], args: range,
                     weight: int = 0) -> int: ...


class Recorder(Protocol):
    """What a ``Trace`` hands its events to and asks about sessions: ``HookTracer``."""

    bus: Bus
    # What a session holds, kept cheaply; made a dict when the step is read.
    snapshot: Callable[[Any], Any]
    describe: Callable[[Any], dict]
    # Whether a session may differ from what was kept when it was opened.
    changed: Callable[[Any], bool]

    def app_ref(self) -> Any: ...


class Step(NamedTuple):
    """One step as recorded. ``detail`` is None, a dict, or ``(kept, dict | None)`` for
    a session step (``Recorder.describe(kept)`` makes it a dict when read); ``output``
    is None or the lines the step printed, logged or warned."""

    kind: str
    name: str
    function: str
    blueprint: str | None
    start: float
    end: float
    error: dict | None
    detail: Any
    output: tuple | None


class RequestFields(NamedTuple):
    """What a traced request came with, bounded as it is recorded (wsgi.py)."""

    method: str | None
    path: str | None
    query: str
    client: str | None
    cookie: str | None
    agent: str | None
    headers: tuple
    body: tuple | None
    tags: dict | None  # what the app adds to its request event (wsgi.TAGS_KEY)


class Ending(NamedTuple):
    """How a traced request ended: its response as sent, and when."""

    status: int
    headers: list
    error: dict | None
    at: float
    output: tuple | None


class StepSpec:
    """What is known about a step before it runs: fixed per wrapped function.

    ``error_arg`` says where the exception the step receives is: 0 for the first
    positional argument (teardown functions), a keyword name (signals), or None.
    ``keep(args, result)`` answers the session to snapshot (session steps only).
    ``detail(args)`` gives facts known before the call; ``after(trace)`` facts known
    after it.
    """

    __slots__ = ("kind", "name", "function", "blueprint", "error_arg", "detail", "keep",
                 "after", "answers", "ignored_return", "plain", "returns_matter", "unwrapped",
                 "answered_by")

    def __init__(self, kind: str, name: str, function: str, blueprint: str | None = None, *,
                 error_arg: int | str | None = None, detail: Callable | None = None,
                 keep: Callable | None = None, after: Callable | None = None) -> None:
        self.kind = kind
        self.name = name
        self.function = function
        self.blueprint = blueprint
        self.error_arg = error_arg
        self.detail = detail
        self.keep = keep
        self.after = after
        # A before_request function that returns a value answers the request itself.
        self.answers = name == "before_request"
        self.ignored_return = name in ("teardown_request", "teardown_appcontext")
        # Most steps: nothing to work out when they end unless they raised, or returned
        # a value where one means something (``returns_matter``).
        self.plain = error_arg is None and keep is None and after is None
        self.returns_matter = self.answers or self.ignored_return
        # A view behind a decorator: the view itself, and the wrapper's name for when
        # the decorator answered without calling it (instrument._run_wrapped_view).
        self.unwrapped: Callable | None = None
        self.answered_by: Callable | None = None

    def renamed(self, function: str) -> "StepSpec":
        """This step under another function's name (a view whose decorator answered)."""
        other = StepSpec(self.kind, self.name, function, self.blueprint)
        for slot in self.__slots__:
            if slot != "function":
                setattr(other, slot, getattr(self, slot))
        return other


def qualified_name(func: Callable) -> str:
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    if "<locals>" in name:  # a function made by a factory: its own name reads better
        name = getattr(func, "__name__", name)
    return f"{module}.{name}"


# Values per step in Trace.steps: its StepSpec (for kind, name, function and
# blueprint), then Step's other fields in order.
STEP = len(Step._fields) - 3
STEP_DETAIL = Step._fields.index("detail") - 3  # where its detail sits among them
# What a trace keeps besides its variable parts (record.Trace.weight), in bytes: the
# trace, its lock and lists; and each step's values (two floats, the list's slots).
TRACE_WEIGHT = 1200
STEP_WEIGHT = 160
NO_DETAIL = object()  # inside a step that has no detail (yet); None: outside any step
_trace_ids = itertools.count(1)
_process_tag = os.urandom(4).hex()


def _after_fork_in_child() -> None:
    # A forked worker (gunicorn --preload) must not number its traces like its parent:
    # with a shared Redis log their rows would merge.
    global _process_tag, _trace_ids
    _process_tag = os.urandom(4).hex()
    _trace_ids = itertools.count(1)


os.register_at_fork(after_in_child=_after_fork_in_child)


def process_tag() -> str:
    return _process_tag


class Trace:
    """One request being traced. Its events are numbered: -1 is the ``request`` event,
    0..n-1 the steps, n the ``end`` event; each is made into JSON by ``render(i)`` only
    when read. Steps are kept flat, ``STEP`` values each in one list: the step's
    ``StepSpec``, then ``Step``'s fields after ``blueprint`` (read back as ``Step``s by
    ``iter_steps``). Everything kept is plain tuples
    and strings where it can be: the log holds thousands of these, and the garbage
    collector need not scan what holds no containers."""

    __slots__ = ("id", "lab", "tracer", "t0", "wall0", "fields", "steps", "sent", "current",
                 "out", "echo", "opening", "endpoint", "ending", "end_at", "lock",
                 "response_body", "traceback", "opened", "weight", "handed")

    def __init__(self, lab: str, tracer: Recorder, fields: RequestFields,
                 weight: int = 0) -> None:
        self.id = f"{_process_tag}{next(_trace_ids):x}"
        self.lab = lab
        self.tracer = tracer
        self.t0 = perf()
        self.wall0 = time.time()
        self.fields = fields
        self.steps: list = []
        self.sent = -1  # the next event to hand over: the request event first
        self.current: Any = None  # the running step's detail (None: outside any step)
        self.out: Output | None = None  # what the running step (or the request) printed
        self.echo: str | None = None  # a log message a stream handler is about to echo
        self.opening = False  # inside open_session: its signing serializer is watched
        self.endpoint: str | None = None
        self.ending: Ending | None = None
        self.end_at: int | None = None  # the end event's number, once the response is out
        self.lock = threading.Lock()  # the flusher and the request both hand over
        self.response_body: tuple | None = None  # wire.keep_response_body's
        self.traceback: str | None = None  # the request raised: as Flask logged it
        self.opened: tuple | None = None  # (session, kept) of open_session, until the end
        # About how many bytes the trace keeps (``fields``' weight to start with; each
        # step's STEP_WEIGHT is added as it is handed over), and how many of them were
        # handed over with its events: the bus bounds a lab's log by both events and
        # bytes.
        self.weight = TRACE_WEIGHT + weight
        self.handed = 0

    # -- recording (the request's thread) ------------------------------------------

    def add(self, spec: StepSpec, start: float, end: float, error: dict | None, detail: Any,
            out: Output | None) -> None:
        """Record one step: ``spec`` names it, ``out`` is what it printed (None: nothing),
        the rest are ``Step``'s fields. With ``rename_last``, the only writers of the
        step layout."""
        if out is None:
            self.steps += (spec, start, end, error, detail, None)
        else:
            self.steps += (spec, start, end, error, detail, out.lines())
            self.weight += out.weight  # once its lines are complete
        if self.ending is not None:  # a step after the response (a streamed body's)
            self.flush()

    def rename_last(self, spec: StepSpec, function: str, note: dict) -> None:
        """The last step, when it is ``spec``'s, as ``function``'s, with ``note`` added to
        its detail (a view whose decorator answered instead of the view)."""
        at = len(self.steps) - STEP
        if at < 0 or self.steps[at] is not spec:
            return
        detail = self.steps[at + STEP_DETAIL]
        self.steps[at] = spec.renamed(function)
        self.steps[at + STEP_DETAIL] = {**detail, **note} if isinstance(detail, dict) else note

    def end_step(self, spec: StepSpec, args: tuple, kwargs: dict, outer: tuple, start: float,
                 result: Any = None, raised: BaseException | None = None) -> None:
        """Record the step ``instrument.run_step`` (or a session step) entered, working
        out what its end says. ``kwargs``: the keywords its function was called with."""
        end = perf()
        info = self.current
        out = self.out
        self.current, self.out = outer
        if raised is not None:
            extra: dict | None = {"raised": describe_error(raised)}
        elif result is not None and spec.answers:
            extra = {"returned_response": True}
        elif result is not None and spec.ignored_return:
            extra = {"returned": jsonable(result), "note": TEARDOWN_RETURN_NOTE}
        elif spec.after is not None:
            extra = spec.after(self)
        else:
            extra = None
        if info is NO_DETAIL:
            info = extra
        elif extra:
            info.update(extra)
        if info is not None:
            self.weight += weigh(info)
        if spec.keep is not None:
            info = (self._keep(spec, args, result) if raised is None else None, info)
        received = spec.error_arg
        if received is None:
            error = None
        elif received == 0:
            error = describe_error(args[0] if args else None)
        else:
            error = describe_error(kwargs.get(received))
        self.add(spec, start, end, error, info, out)

    def _keep(self, spec: StepSpec, args: tuple, result: Any) -> Any:
        session = spec.keep(args, result)
        if session is None:
            return ()
        opened = self.opened
        if opened is not None and opened[0] is session and not self.tracer.changed(session):
            return opened[1]  # saved as opened: the session says nothing changed
        kept = self.tracer.snapshot(session)
        self.weight += weigh(kept)
        if spec.name == "open_session":
            self.opened = (session, kept)
        return kept

    def write(self, text: str) -> None:
        """Output printed, logged or warned now: the running step's, else the request's."""
        out = self.out
        if out is None:
            out = self.out = Output()
        out.write(text)

    # -- reading (any thread) --------------------------------------------------------

    def ms(self, t: float) -> float:
        return round((t - self.t0) * 1000, 3)

    def _event(self, type_: str, payload: dict, at: float) -> dict:
        payload["type"] = type_
        payload["trace"] = self.id
        payload["lab"] = self.lab
        payload["time"] = round(self.wall0 + (at - self.t0), 6)
        return payload

    def _request(self) -> dict:
        f = self.fields
        return self._event("request", {
            "method": f.method, "path": f.path, "query": f.query, "client": f.client,
            "cookie_header": f.cookie, "user_agent": f.agent,
            "headers": render_request_headers(f.headers),
            "body": render_body(f.body, MAX_REQUEST_TEXT), **(f.tags or {})}, self.t0)

    def count(self) -> int:
        return len(self.steps) // STEP

    def step(self, index: int) -> Step:
        at = index * STEP
        spec, *rest = self.steps[at:at + STEP]
        return Step(spec.kind, spec.name, spec.function, spec.blueprint, *rest)

    def iter_steps(self) -> Iterator[Step]:
        """The steps recorded so far, in order."""
        for index in range(self.count()):
            yield self.step(index)

    def render(self, index: int) -> dict:
        """Event ``index``: -1 the request, ``end_at`` the end; a step that ran after the
        end (a streamed body re-entering the request) comes after it."""
        if index < 0:
            return self._request()
        if index == self.end_at:
            return self._end()
        if self.end_at is not None and index > self.end_at:
            index -= 1
        step = self.step(index)
        detail = step.detail
        if type(detail) is tuple:  # kept is None when the step raised before keeping
            kept, info = detail
            detail = {**(self.tracer.describe(kept) if kept is not None else {}),
                      **(info or {})}
        if step.kind == "view":  # the request's endpoint is the view's
            detail = {"endpoint": self.endpoint, **(detail or {})}
        event = self._event("step", {
            "index": index, "kind": step.kind, "name": step.name, "function": step.function,
            "blueprint": step.blueprint, "offset_ms": self.ms(step.start),
            "duration_ms": round((step.end - step.start) * 1000, 3),
            "error": step.error, "detail": jsonable(detail) if detail else {},
        }, step.end)
        if step.output:
            event["output"] = list(step.output)
        return event

    def _end(self) -> dict:
        ending = self.ending
        headers = ending.headers
        event = self._event("end", {
            "status": ending.status, "endpoint": self.endpoint,
            "duration_ms": self.ms(ending.at),
            "set_cookie": [v for k, v in headers if k == "Set-Cookie"], "error": ending.error,
            "headers": render_response_headers(headers),
            "body": render_response_body(self.response_body, headers),
            "traceback": self.traceback}, ending.at)
        if ending.output:
            event["output"] = list(ending.output)
        return event

    def finish(self, status: int, headers: list, error: dict | None) -> None:
        """``headers``: the response's, as sent to ``start_response``."""
        out = self.out
        self.out = None
        self.opened = None  # the log keeps no session object
        self.end_at = self.count()
        at = perf()
        lines = None if out is None else out.lines()
        weight = 56 + sum(170 + len(name) + len(value) for name, value in headers)
        if out is not None:
            weight += out.weight  # once its lines are complete
        self.ending = Ending(status, headers, error, at, lines)
        for kept in (self.response_body, self.traceback, self.fields.body):
            if kept is not None:
                weight += weigh(kept)
        self.weight += weight

    def flush(self) -> None:
        """Hand the events not yet handed over to the bus, in order. A bus that fails
        (Redis down) costs the trace its events, never the request its response."""
        with self.lock:
            upto = len(self.steps) // STEP + (self.ending is not None)
            if upto <= self.sent:
                return
            weight = self.weight + STEP_WEIGHT * upto  # the events weighed here
            try:
                self.tracer.bus.publish_many(self.lab, self.render, range(self.sent, upto),
                                             weight - self.handed)
            except Exception:
                logger.exception("statelab: could not publish trace %s", self.id)
            self.sent = upto
            self.handed = weight


def annotate(**detail: Any) -> None:
    """Add facts to the step now running (a hook can say what it really is)."""
    trace = current.get()
    if trace is None or trace.current is None:
        return
    if trace.current is NO_DETAIL:
        trace.current = detail
    else:
        trace.current.update(detail)
