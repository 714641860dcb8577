"""Each traced request as OpenTelemetry spans: one child span per step.

Optional: used when ``opentelemetry`` (the API; the SDK or any other provider exports)
is installed and the tracer is asked to. The request's span is the one current when
the request came in (OpenTelemetry's own Flask instrumentation makes one), else one
made here; each step becomes a child of it with the step's real start and end, made
when the request ends, so recording stays as cheap as without it.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace as otel_trace

from .record import Trace

_tracer = otel_trace.get_tracer("statelab_trace")


def _ns(trace: Trace, t: float) -> int:
    return int((trace.wall0 + (t - trace.t0)) * 1e9)


def request_parent() -> Any:
    """What the request's spans hang under: the span current as the request arrives."""
    span = otel_trace.get_current_span()
    return span if span.get_span_context().is_valid else None


def export(trace: Trace, parent: Any, end: float) -> None:
    """The request's steps as spans (and the request span, when there was none)."""
    own = parent is None
    if own:
        method, path = trace.fields.method, trace.fields.path
        parent = _tracer.start_span(f"{method} {path}", start_time=_ns(trace, trace.t0),
                                    attributes={"http.request.method": method or "",
                                                "url.path": path or ""})
    ctx = otel_trace.set_span_in_context(parent, otel_context.Context())
    for step in trace.iter_steps():
        span = _tracer.start_span(step.name, context=ctx, start_time=_ns(trace, step.start),
                                  attributes={"statelab.kind": step.kind,
                                              "code.function": step.function,
                                              "flask.blueprint": step.blueprint or ""})
        if step.error:
            span.set_attribute("statelab.received",
                               f"{step.error['type']}: {step.error['message']}")
        span.end(end_time=_ns(trace, step.end))
    if own:
        if trace.ending is not None:
            parent.set_attribute("http.response.status_code", trace.ending.status)
        parent.end(end_time=_ns(trace, end))
