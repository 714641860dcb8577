"""JSON shapes for values the server shows: exceptions and anything a session holds.

Shared by the tracer and the session decoder, so neither takes helpers from the other.
"""

from __future__ import annotations

import json
from typing import Any


# The hook log is bounded in events; these bound each event's size. A Cookie header
# carrying the lab's three cookies at their 4000-byte maximum still fits; a path, query,
# user agent or exception message longer than any real one is cut, and says so.
MAX_HEADER_KEPT = 8192
MAX_URL_PART_KEPT = 2048
MAX_MESSAGE_KEPT = 1024
MAX_SESSION_KEPT = 8192  # per session, per session step: a real one is under 4 KB


def capped(value: str | None, limit: int = MAX_HEADER_KEPT) -> str | None:
    """``value`` cut to ``limit`` characters, saying how many more there were. The cut
    marker is ASCII: a non-ASCII one would make Python store the whole string at two
    bytes a character."""
    if value is None or len(value) <= limit:
        return value
    return value[:limit] + f"... ({len(value) - limit} more characters)"


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


def weigh(value: Any) -> int:
    """About how many bytes ``value`` keeps alive, as CPython stores the kinds a trace
    keeps (strings, bytes, numbers, and tuples, lists and dicts of them). A string
    that is not ASCII counts 4 bytes a character, its most."""
    kind = type(value)
    if kind is str:
        return 49 + (len(value) if value.isascii() else 4 * len(value))
    if kind is tuple or kind is list:
        total = 56 + 8 * len(value)
        for item in value:  # strings inline: most of what a trace keeps
            if type(item) is str:
                total += 49 + (len(item) if item.isascii() else 4 * len(item))
            else:
                total += weigh(item)
        return total
    if kind is dict:
        total = 64
        for key, item in value.items():
            total += 73 + len(key) if type(key) is str else 24 + weigh(key)
            if type(item) is str and item.isascii():
                total += 49 + len(item)
            else:
                total += weigh(item)
        return total
    if kind is bytes:
        return 33 + len(value)
    if value is None or kind is bool:
        return 0
    return 32


def _size_bound(shown: Any) -> int | None:
    """An upper bound of ``shown``'s JSON size without making it (None: not known
    cheaply). A string's JSON is at most 6 characters a character (``\\uXXXX``)."""
    if type(shown) is str:
        return 6 * len(shown) + 2
    if shown is None or type(shown) in (bool, int, float):
        return 32 if type(shown) is not int else len(str(shown)) + 1
    return None


def bounded_items(session: Any) -> tuple:
    """A session's items for a trace step, copied as JSON shapes (a later change to a
    value does not reach the log) and at most MAX_SESSION_KEPT characters of them: an
    item that does not fit is left out, and one last item says how many were. Items
    are measured as JSON only when a cheap bound says the session might not fit."""
    items = [(key, jsonable(value)) for key, value in session.items()]
    total = 0
    for key, shown in items:
        bound = _size_bound(shown)
        if bound is None:
            break
        total += len(str(key)) + bound
    else:
        if total <= MAX_SESSION_KEPT:
            return tuple(items)
    kept: list = []
    room = MAX_SESSION_KEPT
    for key, shown in items:
        size = len(str(key)) + len(json.dumps(shown, default=str))
        if size <= room:
            kept.append((key, shown))
            room -= size
    left = len(items) - len(kept)
    if left:
        kept.append(("…", f"{left} more item{'s' if left != 1 else ''} cut (a trace step "
                          f"keeps {MAX_SESSION_KEPT} characters of a session)"))
    return tuple(kept)
