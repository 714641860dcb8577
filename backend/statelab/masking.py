"""What a viewer of a shared lab receives of other clients' requests: no cookie value
and no credential.

Everyone holding a lab id watches the lab's hook log, and the log records each
request's Cookie header, headers and Set-Cookie lines. A browser sends the lab's host
every cookie it holds for it, not only the lab's three: a campus SSO cookie, a
``remember_token``. Unmasked, one participant could copy another's ``server_session``
(or any of those) from the log and become them. So in every event of a request that is
not the viewer's own, every cookie value is replaced by ``MASK`` (Cookie header,
Set-Cookie lines, the server-side session id in session steps), and so is every
credential-like header (``CREDENTIAL_HEADER``: Authorization, X-Api-Key, any name
with token, secret, key, auth, session, password, csrf...). The viewer's own requests
arrive whole, which is what the lessons need (watch your own id rotate at login).

The viewer names itself with its client id: ``X-Client-Id`` on ``/api/hooks``, and
``?client=`` on the stream (EventSource cannot send headers). A client id is thus a
key to that client's cookie values, so other viewers never receive any of it: the
request event's ``client`` (and an ``X-Client-Id`` header) is replaced by its
``person``, the public id the server derived from it (identity.py), which every viewer
receives and the page tells people apart by (``client abcd``: its first four).

The bodies (statelab_trace/wire.py) are masked the same way: in a JSON or form request
body, the fields named ``password`` (a login) and ``value`` (the cookie editor's new
value); and in both bodies, every cookie value the request carried or its response
set, every credential header's value, and the request's client id, wherever they
appear (``/api/state`` answers with all the cookies). A response body whose request
event the viewer did not receive cannot be checked for those values: it is masked whole.

A trace is the viewer's own when its ``request`` event (the one that carries the
client) says so; an event whose request event the viewer did not receive in the same
read is masked. ``Traces`` keeps that memory: one per reader (``Viewer``), or one per
lab for every viewer of the stream (fanout.py).
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
# Header names whose values are credentials, wherever the word sits in the name.
CREDENTIAL_HEADER = re.compile(r"auth|token|secret|key|passw|session|csrf|xsrf|signature|"
                               r"credential|cookie", re.IGNORECASE)


def mask_cookie_header(header: str | None) -> str | None:
    """``a=1; session=xyz`` with every cookie's value masked (names kept)."""
    if not header:
        return header
    parts = []
    for part in header.split(";"):
        name, eq, _value = part.partition("=")
        parts.append(f"{name}={MASK}" if eq else part)
    return ";".join(parts)


def mask_set_cookie(line: str) -> str:
    """``session=xyz; HttpOnly; Path=/`` with the value masked (attributes kept)."""
    pair, sep, attributes = line.partition(";")
    name, eq, _value = pair.partition("=")
    if not eq:
        return line
    return f"{name}={MASK}{sep}{attributes}"


def mask_headers(headers: list | None, person: str | None = None) -> list | None:
    """``[[name, value], ...]`` with cookie values and credentials masked, and the client
    id replaced by ``person``, its public id (masked when not known)."""
    if not headers:
        return headers
    masked = []
    for name, value in headers:
        lower = name.lower()
        if lower == "cookie":
            value = mask_cookie_header(value)
        elif lower == "set-cookie":
            value = mask_set_cookie(value)
        elif lower == "x-client-id":
            value = person or MASK
        elif CREDENTIAL_HEADER.search(lower):
            value = MASK
        masked.append([name, value])
    return masked


def cookie_secrets(pairs: list[str]) -> set[str]:
    """The cookie values in ``name=value`` pairs, as sent and as a server (and JSON)
    shows them, long enough to be worth masking."""
    found: set[str] = set()
    for pair in pairs:
        name, eq, raw = pair.strip().partition("=")
        if not eq:
            continue
        # A Cookie header cut by the log's bound ends in "…", which Werkzeug's
        # parse_cookie (latin-1, as HTTP headers are) cannot take: the raw value still counts.
        try:
            parsed = tuple(parse_cookie(pair).values())
        except UnicodeError:
            parsed = ()
        found |= _as_shown(raw.strip(), *parsed)
    return {value for value in found if len(value) >= _MIN_SECRET}


def _as_shown(*values: str) -> set[str]:
    """Each value as sent, and as JSON shows it."""
    return {shown for value in values for shown in (value, json.dumps(value)[1:-1])}


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


def request_secrets(event: dict) -> set[str]:
    """The cookie values the request carried, its credential headers' values, and its
    client id (``/api/state`` answers with the cookies and the client id)."""
    headers = [event.get("cookie_header") or ""]
    credentials = set()
    for name, value in event.get("headers") or ():
        if name.lower() == "cookie":
            headers.append(value)
        elif CREDENTIAL_HEADER.search(name) and isinstance(value, str):
            credentials |= _as_shown(value, *value.split()[1:])  # "Bearer xyz": xyz too
    found = cookie_secrets([pair for header in headers for pair in header.split(";")])
    found |= {value for value in credentials if len(value) >= _MIN_SECRET}
    client = event.get("client")
    return found | {client} if client else found


def mask_event(event: dict, secrets: set[str] | None = None) -> dict:
    """A copy of ``event`` as a viewer who does not own its request may see it.
    ``secrets``: the cookie values the request carried (None: not known)."""
    kind = event.get("type")
    if kind == "request":
        own = request_secrets(event)
        person = event.get("person")
        return {**event, "client": person if event.get("client") else None,
                "cookie_header": mask_cookie_header(event.get("cookie_header")),
                "headers": mask_headers(event.get("headers"), person),
                "body": mask_body(event.get("body"), own)}
    if kind == "end":
        set_cookie = event.get("set_cookie") or []
        if secrets is not None:
            secrets = secrets | cookie_secrets([line.partition(";")[0] for line in set_cookie])
        return {**event, "set_cookie": [mask_set_cookie(line) for line in set_cookie],
                "headers": mask_headers(event.get("headers")),
                "body": mask_body(event.get("body"), secrets)}
    if kind == "step":
        detail = event.get("detail") or {}
        server = detail.get("server_session")
        if isinstance(server, dict) and server.get("sid"):
            return {**event, "detail": {**detail, "server_session": {**server, "sid": MASK}}}
    return event


class Traces:
    """The traces a reader has seen: per trace, its client and the secrets its request
    carried (the last ``_REMEMBERED_TRACES``)."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, tuple[str | None, set[str]]] = OrderedDict()

    def owner_and_secrets(self, event: dict) -> tuple[str | None, set[str] | None]:
        """Whose request ``event`` belongs to, and its secrets (None, None: not seen)."""
        trace = event["trace"]
        if event.get("type") == "request":
            self._seen[trace] = (event.get("client"), request_secrets(event))
            if len(self._seen) > _REMEMBERED_TRACES:
                self._seen.popitem(last=False)
        return self._seen.get(trace, (None, None))


class Viewer:
    """One reader of a lab's log: masks every event not of its own requests."""

    def __init__(self, client: str | None) -> None:
        self.client = client
        self._traces = Traces()

    def __call__(self, event: dict) -> dict:
        if event.get("trace") is None:  # clear, gap: nobody's
            return event
        owner, secrets = self._traces.owner_and_secrets(event)
        if self.client is not None and owner == self.client:
            return event
        return mask_event(event, secrets)
