"""``make run``'s server: Werkzeug's development server, its own errors in JSON.

http.server (under Werkzeug's ``WSGIRequestHandler``) answers some requests itself,
before any WSGI app runs, with an HTML page: a request line over 65536 bytes (414), a
header line over 65536 bytes or more than 100 headers (431), a malformed request line
(400). This handler answers those in the API's error shape instead. Behind gunicorn,
its own limits apply (4094-byte request line, 8190-byte header line) and it answers
them itself, as plain text.
"""

from __future__ import annotations

import json

from werkzeug.serving import WSGIRequestHandler

from .inputs import error_body, error_name


class JsonErrorRequestHandler(WSGIRequestHandler):
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
