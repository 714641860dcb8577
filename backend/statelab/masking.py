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
key to that client's cookie values, so other viewers never receive it whole: they get
its first four characters and ``…``, enough to tell clients apart (the page shows
``client abcd``). The page's id is 12 random characters (~62 bits): the 8 withheld
cannot be guessed.

A trace is the viewer's own when its ``request`` event (the one that carries the
client) says so; an event whose request event the viewer did not receive in the same
read is masked.
"""

from __future__ import annotations

from collections import OrderedDict

MASK = "\u2039masked\u203a"  # ‹masked›
SHOWN_ID = 4
_REMEMBERED_TRACES = 4096  # request events seen; older traces are long finished


def others_view_of(client: str | None) -> str | None:
    return None if client is None else client[:SHOWN_ID] + "\u2026"


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


def mask_event(event: dict, names: frozenset[str]) -> dict:
    """A copy of ``event`` as a viewer who does not own its request may see it."""
    kind = event.get("type")
    if kind == "request":
        return {**event, "client": others_view_of(event.get("client")),
                "cookie_header": mask_cookie_header(event.get("cookie_header"), names)}
    if kind == "end":
        return {**event, "set_cookie": [mask_set_cookie(line, names)
                                        for line in event.get("set_cookie") or []]}
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
        self._owners: OrderedDict[str, str | None] = OrderedDict()

    def __call__(self, event: dict) -> dict:
        trace = event.get("trace")
        if trace is None:  # clear, gap: nobody's
            return event
        if event.get("type") == "request":
            self._owners[trace] = event.get("client")
            if len(self._owners) > _REMEMBERED_TRACES:
                self._owners.popitem(last=False)
        if self.client is not None and self._owners.get(trace) == self.client:
            return event
        return mask_event(event, self.names)
