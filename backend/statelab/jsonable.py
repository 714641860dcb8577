"""JSON shapes for values the server shows: exceptions and anything a session holds.

Shared by the tracer and the session decoder, so neither takes helpers from the other.
"""

from __future__ import annotations

from typing import Any


def describe_error(exc: BaseException | None) -> dict | None:
    """The JSON shape of an exception (None when there was none)."""
    if exc is None:
        return None
    return {"type": type(exc).__name__, "message": str(exc)}


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
