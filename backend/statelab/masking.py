"""What a viewer of a shared lab receives of other clients' requests: no replayable
session cookie.

Everyone holding a lab id watches the lab's hook log, and the log records each
request's Cookie header and Set-Cookie lines. Unmasked, one participant could copy
another's ``server_session`` (or ``session``, or ``username``) from it and become them.
So in every event of a request that is not the viewer's own, the values of those three
cookies are replaced by ``MASK`` (Cookie header, Set-Cookie lines, the server-side
session id in session steps); the viewer's own requests arrive whole, which is what the
lessons need (watch your own id rotate at login).

The viewer names itself with its client id: ``X-Client-Id`` on ``/api/hooks``, and
``?client=`` on the stream (EventSource cannot send headers). A client id is thus a
key to that client's cookie values, so other viewers never receive any of it: the
request event's ``client`` (and an ``X-Client-Id`` header) is replaced by its
``person``, the public id the server derived from it (identity.py), which every viewer
receives and the page tells people apart by (``client abcd``: its first four).

The headers and bodies (statelab_trace/wire.py) are masked the same way: the ``Cookie``,
``Set-Cookie``, ``Authorization`` and client id headers; in a JSON or form request
body, the fields named ``password`` (a login) and ``value`` (the cookie editor's new
value); and in both bodies, every value of the three cookies that the request carried
or its response set, and the request's client id, wherever they appear (``/api/state``
answers with both). A response body whose request event the viewer did not receive cannot be
checked for those values: it is masked whole.

A trace is the viewer's own when its ``request`` event (the one that carries the
client) says so; an event whose request event the viewer did not receive in the same
read is masked.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict

from werkzeug.http import parse_cookie

MASK = "\u2039masked\u203a"  # ‹masked›
_REMEMBERED_TRACES = 4096  # request events seen; older traces are long finished
SECRET_FIELDS = ("password", "value")
# A cookie value this short is guessed as fast as read; masking it wherever it appears
# would garble the body (a username cookie "a").
_MIN_SECRET = 3
_JSON_FIELD = re.compile(r'("(?:%s)"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,}\]]+)'
                         % "|".join(SECRET_FIELDS))
_FORM_FIELD = re.compile(r"((?:^|&)(?:%s)=)[^&]*" % "|".join(SECRET_FIELDS))
_CREDENTIAL_HEADERS = frozenset(("authorization", "proxy-authorization"))


def mask_cookie_header(header: str | None, names: frozenset[str]) -> str | None:
    """``a=1; session=xyz`` with the named cookies' values masked."""
    if not header:
        return header
    parts = []
    for part in header.split(";"):
        name, eq, _value = part.partition("=")
        parts.append(f"{name}={MASK}" if eq and name.strip() in names else part)
    return ";".join(parts)


def mask_set_cookie(line: str, names: frozenset[str]) -> str:
    """``session=xyz; HttpOnly; Path=/`` with the value masked (attributes kept)."""
    pair, sep, attributes = line.partition(";")
    name, eq, _value = pair.partition("=")
    if not eq or name.strip() not in names:
        return line
    return f"{name}={MASK}{sep}{attributes}"


def mask_headers(headers: list | None, names: frozenset[str],
                 person: str | None = None) -> list | None:
    """``[[name, value], ...]`` with cookie values and credentials masked, and the client
    id replaced by ``person``, its public id (masked when not known)."""
    if not headers:
        return headers
    masked = []
    for name, value in headers:
        lower = name.lower()
        if lower == "cookie":
            value = mask_cookie_header(value, names)
        elif lower == "set-cookie":
            value = mask_set_cookie(value, names)
        elif lower == "x-client-id":
            value = person or MASK
        elif lower in _CREDENTIAL_HEADERS:
            value = MASK
        masked.append([name, value])
    return masked


def cookie_secrets(pairs: list[str], names: frozenset[str]) -> set[str]:
    """The values of the named cookies in ``name=value`` pairs, as sent and as a server
    (and JSON) shows them, long enough to be worth masking."""
    found: set[str] = set()
    for pair in pairs:
        name, eq, raw = pair.strip().partition("=")
        if not eq or name.strip() not in names:
            continue
        # A Cookie header cut by the log's bound ends in "…", which Werkzeug's
        # parse_cookie (latin-1, as HTTP headers are) cannot take: the raw value still counts.
        try:
            parsed = tuple(parse_cookie(pair).values())
        except UnicodeError:
            parsed = ()
        for value in (raw.strip(), *parsed):
            found.add(value)
            found.add(json.dumps(value)[1:-1])
    return {value for value in found if len(value) >= _MIN_SECRET}


def mask_body(body: dict | None, secrets: set[str] | None) -> dict | None:
    """A body with its secret fields and the trace's cookie values masked; whole when
    the secrets are not known (None)."""
    if not body or not body.get("text"):
        return body
    if secrets is None:
        return {**body, "text": MASK}
    text = body["text"]
    kind = body.get("type", "")
    if "json" in kind:
        text = _JSON_FIELD.sub(lambda m: f'{m.group(1)}"{MASK}"', text)
    elif "x-www-form-urlencoded" in kind:
        text = _FORM_FIELD.sub(lambda m: m.group(1) + MASK, text)
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, MASK)
    return {**body, "text": text}


def request_secrets(event: dict, names: frozenset[str]) -> set[str]:
    """The cookie values the request carried, and its client id (``/api/state`` answers
    with both)."""
    headers = [event.get("cookie_header") or ""]
    headers += [value for name, value in event.get("headers") or () if name.lower() == "cookie"]
    found = cookie_secrets([pair for header in headers for pair in header.split(";")], names)
    client = event.get("client")
    return found | {client} if client else found


def mask_event(event: dict, names: frozenset[str], secrets: set[str] | None = None) -> dict:
    """A copy of ``event`` as a viewer who does not own its request may see it.
    ``secrets``: the cookie values the request carried (None: not known)."""
    kind = event.get("type")
    if kind == "request":
        own = request_secrets(event, names)
        person = event.get("person")
        return {**event, "client": person if event.get("client") else None,
                "cookie_header": mask_cookie_header(event.get("cookie_header"), names),
                "headers": mask_headers(event.get("headers"), names, person),
                "body": mask_body(event.get("body"), own)}
    if kind == "end":
        set_cookie = event.get("set_cookie") or []
        if secrets is not None:
            secrets = secrets | cookie_secrets([line.partition(";")[0] for line in set_cookie],
                                               names)
        return {**event, "set_cookie": [mask_set_cookie(line, names) for line in set_cookie],
                "headers": mask_headers(event.get("headers"), names),
                "body": mask_body(event.get("body"), secrets)}
    if kind == "step":
        detail = event.get("detail") or {}
        server = detail.get("server_session")
        if isinstance(server, dict) and server.get("sid"):
            return {**event, "detail": {**detail, "server_session": {**server, "sid": MASK}}}
    return event


class Viewer:
    """One reader of a lab's log: masks every event not of its own requests."""

    def __init__(self, client: str | None, names: frozenset[str]) -> None:
        self.client = client
        self.names = names
        # Per trace seen: its client, and the cookie values its request carried.
        self._seen: OrderedDict[str, tuple[str | None, set[str]]] = OrderedDict()

    def __call__(self, event: dict) -> dict:
        trace = event.get("trace")
        if trace is None:  # clear, gap: nobody's
            return event
        if event.get("type") == "request":
            self._seen[trace] = (event.get("client"), request_secrets(event, self.names))
            if len(self._seen) > _REMEMBERED_TRACES:
                self._seen.popitem(last=False)
        owner, secrets = self._seen.get(trace, (None, None))
        if self.client is not None and owner == self.client:
            return event
        return mask_event(event, self.names, secrets)
