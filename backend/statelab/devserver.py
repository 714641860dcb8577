"""``make run``'s server: Werkzeug's development server, its own errors in JSON.

http.server (under Werkzeug's ``WSGIRequestHandler``) answers some requests itself,
before any WSGI app runs, with an HTML page: a request line over 65536 bytes (414), a
header line over 65536 bytes or more than 100 headers (431), a malformed request line
(400). This handler answers those in the API's error shape instead, and refuses a head
over MAX_HEAD_BYTES (431) too. Behind gunicorn, its own limits apply (4094-byte request
line, 32 header lines of 8190 bytes: deploy/gunicorn.conf.py) and it answers them
itself, as plain text.
"""

from __future__ import annotations

import http.client
import json
from typing import IO

from werkzeug.serving import WSGIRequestHandler

from .inputs import error_body, error_name

# The most of a request's header lines the server reads: what the deployment's gunicorn
# reads at most (test_class_limits.py). http.server parses headers with the email
# package, about 3.4 ms of CPU per MB under the GIL: heads of 5.4 MB (90 lines of 60,000
# bytes, inside http.server's own bounds) at a gigabit's pace take a core, and every
# other request waits (bench/class_limits.py: another client's median 23 ms, 2.9 ms
# with this bound).
MAX_HEAD_BYTES = 262_144


class _BoundedHead:
    """The request's stream while http.server reads its header lines: past ``left``
    bytes it raises as http.client does past its own bounds (answered 431)."""

    def __init__(self, rfile: IO[bytes], left: int) -> None:
        self._rfile = rfile
        self._left = left

    def readline(self, limit: int = -1) -> bytes:
        line = self._rfile.readline(self._left + 1 if limit < 0 else min(limit, self._left + 1))
        self._left -= len(line)
        if self._left < 0:
            raise http.client.HTTPException(f"header lines over {MAX_HEAD_BYTES} bytes")
        return line


class JsonErrorRequestHandler(WSGIRequestHandler):
    def parse_request(self) -> bool:
        rfile = self.rfile
        self.rfile = _BoundedHead(rfile, MAX_HEAD_BYTES)  # type: ignore[assignment]
        try:
            return super().parse_request()
        finally:
            self.rfile = rfile

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        short, long = self.responses.get(code, ("Error", ""))
        self.log_error("code %d, message %s", code, message or short)
        self.send_response(code, short)
        self.send_header("Connection", "close")
        body = json.dumps(error_body(code, error_name(short), long or short)).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
