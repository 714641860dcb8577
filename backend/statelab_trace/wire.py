"""What went over the wire: every header both ways, the bodies, and a raised request's
traceback. Kept raw while the request runs (a tuple, a bytes reference), made into
bounded JSON only when an event is read, like the steps (record.py).

A request body is never read ahead of the app: when its type is text, the stream the
app reads is a tee (``BodyTee``) that keeps the first bytes the app reads, and the
original stream is put back in the environ when the app returns, for the layers outside
(which read on where the app stopped). A response body is kept only when it
is already in memory (``response.is_sequence``, and not ``direct_passthrough``: files):
a streamed response is sent as it is made, never buffered here. The one lazy body read
ahead is Werkzeug's own error page (an HTTPException no handler took): one string,
already made, that Flask's ``make_response`` wrapped in an iterator.
"""

from __future__ import annotations

import logging
from typing import Any

from .jsonable import capped

MAX_HEADERS = 100
MAX_HEADER_VALUE = 2048
MAX_HEADERS_TEXT = 16384  # a request's header values together, as recorded
MAX_REQUEST_TEXT = 4096
MAX_RESPONSE_TEXT = 16384
MAX_TRACEBACK_LINES = 100
MAX_TRACEBACK_CHARS = 8192
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

def request_headers(environ: dict) -> tuple:
    """The request's headers as the server received them (in order; Content-Type and
    Content-Length, which WSGI keeps apart, first), flat (``key, value, key, value...``:
    one object a request), environ keys unchanged, bounded as they are recorded: each
    value to ``MAX_HEADER_VALUE``, all values together to ``MAX_HEADERS_TEXT``, at most
    ``MAX_HEADERS`` of them, so what the log holds is bounded whatever a client sends.
    The naming is left to ``render_request_headers``."""
    flat = [x for key in _HEADER_KEYS if environ.get(key) for x in (key, environ[key])]
    size = longest = 0
    for key, value in environ.items():
        if key[:5] == "HTTP_":
            flat += (key, value)
            size += len(value)
            if len(value) > longest:
                longest = len(value)
    if (longest <= MAX_HEADER_VALUE and size <= MAX_HEADERS_TEXT
            and len(flat) <= 2 * MAX_HEADERS):  # the usual request: nothing to cut
        return tuple(flat)
    kept, room = [], MAX_HEADERS_TEXT
    for n in range(len(flat) // 2):
        if n == MAX_HEADERS or room <= 0:
            kept += ("\u2026", f"({len(flat) // 2 - n} more headers)")
            break
        value = flat[2 * n + 1]
        limit = min(MAX_HEADER_VALUE, room)
        value = value if len(value) <= limit else capped(value, limit)
        room -= len(value)
        kept += (flat[2 * n], value)
    return tuple(kept)


class BodyTee:
    """``wsgi.input`` as the app reads it: every read passes through unchanged, and the
    first ``room`` bytes read are kept. Nothing is read that the app does not read."""

    __slots__ = ("stream", "kept", "room", "seen")

    def __init__(self, stream: Any, room: int) -> None:
        self.stream = stream
        self.kept: list[bytes] = []
        self.room = room
        self.seen = 0

    def _keep(self, data: bytes) -> bytes:
        if data:
            self.seen += len(data)
            if self.room > 0:
                part = data[:self.room]
                self.kept.append(part)
                self.room -= len(part)
        return data

    def read(self, *args: Any) -> bytes:
        return self._keep(self.stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._keep(self.stream.readline(*args))

    def readlines(self, *args: Any) -> list:
        return [self._keep(line) for line in self.stream.readlines(*args)]

    def readinto(self, buffer: Any) -> int | None:
        readinto = getattr(self.stream, "readinto", None)
        if readinto is None:
            data = self.stream.read(len(buffer))
            buffer[:len(data)] = data
            size: int | None = len(data)
        else:
            size = readinto(buffer)
        if size:
            keep = min(size, max(self.room, 0))
            if keep:
                self.kept.append(bytes(memoryview(buffer)[:keep]))
                self.room -= keep
            self.seen += size
        return size

    def __iter__(self) -> Any:
        for line in self.stream:
            yield self._keep(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def data(self) -> bytes:
        return b"".join(self.kept)


def tee_request_body(environ: dict) -> tuple | None:
    """``(type, size, kept)`` for a request with a body, else None; ``kept`` is None
    when the body is not text (its size and type only), else a ``BodyTee`` now put in
    ``environ["wsgi.input"]`` (the caller puts the original back when the app returns)."""
    length = environ.get("CONTENT_LENGTH")
    try:
        size = int(length) if length else None
    except ValueError:
        size = None
    chunked = bool(environ.get("HTTP_TRANSFER_ENCODING"))
    if not (size and size > 0) and not chunked:
        return None
    mimetype = environ.get("CONTENT_TYPE", "")
    if not is_text(mimetype) or "wsgi.input" not in environ:
        return (mimetype, size, None)
    tee = BodyTee(environ["wsgi.input"], MAX_REQUEST_TEXT * _MAX_UTF8)
    environ["wsgi.input"] = tee
    return (mimetype, size, tee)


def untee_request_body(environ: dict, body: tuple | None) -> tuple | None:
    """The original stream back in ``environ`` for the layers outside; the kept bytes."""
    if body is None or not isinstance(body[2], BodyTee):
        return body
    tee = body[2]
    if environ.get("wsgi.input") is tee:
        environ["wsgi.input"] = tee.stream
    return (body[0], body[1] if body[1] is not None else tee.seen, tee.data())


def render_request_headers(kept: tuple) -> list:
    """Named as sent; already capped when recorded (``request_headers``)."""
    return [[_HEADER_KEYS.get(key) or (key[5:].replace("_", "-").title()
                                       if key[:5] == "HTTP_" else key), value]
            for key, value in zip(kept[::2], kept[1::2])]


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
    if isinstance(data, BodyTee):  # the request still runs: what the app read so far
        size, data = size if size is not None else data.seen, data.data()
    if not data:  # not text, or the app read none of it: its size and type only
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
