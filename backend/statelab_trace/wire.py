"""What went over the wire: every header both ways, the bodies, and a raised request's
traceback. Kept raw while the request runs (a tuple, a bytes reference), made into
bounded JSON only when an event is read, like the steps (record.py).

A request body is read before the app runs only when its length is known, small
(``READ_LIMIT`` and the app's ``MAX_CONTENT_LENGTH``) and its type is text; the app then
reads the same bytes from a ``BytesIO`` put back as ``wsgi.input``. A streamed request
body (chunked, unknown length) is never touched. A response body is kept only when it
is already in memory (``response.is_sequence``, and not ``direct_passthrough``: files):
a streamed response is sent as it is made, never buffered here. The one lazy body read
ahead is Werkzeug's own error page (an HTTPException no handler took): one string,
already made, that Flask's ``make_response`` wrapped in an iterator.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from .jsonable import capped

MAX_HEADERS = 100
MAX_HEADER_VALUE = 2048
MAX_REQUEST_TEXT = 4096
MAX_RESPONSE_TEXT = 16384
MAX_TRACEBACK_LINES = 100
MAX_TRACEBACK_CHARS = 8192
# Never more is read ahead of the app than this, whatever MAX_CONTENT_LENGTH allows.
READ_LIMIT = 1024 * 1024
_MAX_UTF8 = 4  # bytes per character: the bytes kept to show ``limit`` characters

_TEXT_TYPES = ("application/x-www-form-urlencoded", "application/javascript",
               "application/xml", "application/xhtml+xml")
_HEADER_KEYS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}
_formatter = logging.Formatter()


def is_text(mimetype: str) -> bool:
    mimetype = mimetype.partition(";")[0].strip().lower()
    return (mimetype.startswith("text/") or mimetype == "application/json"
            or mimetype.endswith(("+json", "+xml")) or mimetype in _TEXT_TYPES)


# -- request ---------------------------------------------------------------------

def request_headers(environ: dict) -> list:
    """The request's headers as the server received them (in order; Content-Type and
    Content-Length, which WSGI keeps apart, first), environ keys unchanged: ~2 µs for
    a browser's 15 headers, the naming is left to ``render_request_headers``."""
    kept = [(key, environ[key]) for key in _HEADER_KEYS if environ.get(key)]
    kept += [(key, environ[key]) for key in environ if key[:5] == "HTTP_"]
    return kept


def read_request_body(environ: dict, app_limit: int | None) -> tuple | None:
    """``(type, size, kept bytes | None)``, or None when there is no body. The bytes are
    None when the body was not read (not text, too large, length unknown)."""
    length = environ.get("CONTENT_LENGTH")
    if not length:
        return None
    try:
        size = int(length)
    except ValueError:
        return None
    if size <= 0:
        return None
    mimetype = environ.get("CONTENT_TYPE", "")
    limit = min(app_limit or READ_LIMIT, READ_LIMIT)
    if size > limit or not is_text(mimetype) or environ.get("HTTP_TRANSFER_ENCODING"):
        return (mimetype, size, None)
    try:
        data = environ["wsgi.input"].read(size)
    except OSError:  # the client went away: the app finds the body short, as it would
        data = b""
    environ["wsgi.input"] = io.BytesIO(data)
    return (mimetype, size, data[:MAX_REQUEST_TEXT * _MAX_UTF8])


def render_request_headers(kept: tuple) -> list:
    return _bounded([[_HEADER_KEYS.get(key) or key[5:].replace("_", "-").title(), value]
                     for key, value in kept])


# -- response --------------------------------------------------------------------

def keep_response_body(response: Any, method: str | None, *,
                       exception_page: bool = False) -> tuple | None:
    """``(size, bytes)`` of the body Flask is about to send: a reference to its bytes
    when small (its type is read from the sent headers when rendered). None when there
    is no body to show (HEAD, 204, 304) or it is streamed or a file.

    ``exception_page``: the response is an HTTPException's own page (``Response.force_type``
    ran the exception as a WSGI app, whose body is one string); Werkzeug's
    ``make_sequence`` makes it a list here, so the bytes kept are the bytes sent."""
    if method == "HEAD" or response.status_code in (204, 304):
        return None
    if exception_page and not response.is_sequence and not response.direct_passthrough:
        response.make_sequence()
    if response.direct_passthrough or not response.is_sequence:
        return None
    chunks = response.response
    data = chunks[0] if len(chunks) == 1 else b"".join(
        c if isinstance(c, bytes) else c.encode() for c in chunks)
    if isinstance(data, str):
        data = data.encode()
    size = len(data)
    keep = MAX_RESPONSE_TEXT * _MAX_UTF8
    return (size, data if size <= keep else data[:keep])


def render_response_headers(sent: list) -> list:
    return _bounded([[name, value] for name, value in sent])


def render_response_body(kept: tuple | None, sent: list) -> dict | None:
    if kept is None:
        return None
    size, data = kept
    mimetype, encoded = "", False
    for name, value in sent:
        lower = name.lower()
        if lower == "content-type":
            mimetype = value
        elif lower == "content-encoding":
            encoded = value != "identity"
    shown = data if is_text(mimetype) and not encoded else None
    return render_body((mimetype, size, shown), MAX_RESPONSE_TEXT)


# -- both ------------------------------------------------------------------------

def render_body(kept: tuple | None, limit: int) -> dict | None:
    if kept is None:
        return None
    mimetype, size, data = kept
    if data is None:  # not text, or not read: its size and type only
        return {"type": mimetype, "size": size, "text": "", "truncated": True}
    text = data.decode("utf-8", errors="replace")
    if len(text) > limit:
        return {"type": mimetype, "size": size, "text": capped(text, limit), "truncated": True}
    if len(data) < size:  # fewer characters than kept bytes: multi-byte text
        return {"type": mimetype, "size": size, "truncated": True,
                "text": text + f"\u2026 ({size - len(data)} more bytes)"}
    return {"type": mimetype, "size": size, "text": text, "truncated": False}


def _bounded(headers: list) -> list:
    for pair in headers:
        pair[1] = capped(pair[1], MAX_HEADER_VALUE)
    if len(headers) > MAX_HEADERS:
        more = len(headers) - MAX_HEADERS
        headers = headers[:MAX_HEADERS] + [["\u2026", f"({more} more headers)"]]
    return headers


def format_traceback(exc_info: tuple) -> str:
    """The traceback as ``logging`` formats it (Flask's ``log_exception``), bounded."""
    text = _formatter.formatException(exc_info)
    lines = text.split("\n")
    if len(lines) > MAX_TRACEBACK_LINES:
        more = len(lines) - MAX_TRACEBACK_LINES
        text = "\n".join(lines[:MAX_TRACEBACK_LINES]) + f"\n\u2026 ({more} more lines)"
    return capped(text, MAX_TRACEBACK_CHARS)
