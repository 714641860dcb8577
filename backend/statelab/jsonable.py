"""JSON shapes for values the server shows: exceptions and anything a session holds.

Shared by the tracer and the session decoder, so neither takes helpers from the other.
"""

from __future__ import annotations

from typing import Any


# The hook log is bounded in events; these bound each event's size. A Cookie header
# carrying the lab's three cookies at their 4000-byte maximum still fits; a path, query,
# user agent or exception message longer than any real one is cut, and says so.
MAX_HEADER_KEPT = 8192
MAX_URL_PART_KEPT = 2048
MAX_MESSAGE_KEPT = 1024


def capped(value: str | None, limit: int = MAX_HEADER_KEPT) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[:limit] + f"… ({len(value) - limit} more characters)"


def describe_error(exc: BaseException | None) -> dict | None:
    """The JSON shape of an exception (None when there was none)."""
    if exc is None:
        return None
    return {"type": type(exc).__name__, "message": capped(str(exc), MAX_MESSAGE_KEPT)}


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
