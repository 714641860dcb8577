"""Who owns a lab: whoever created it, proven by an owner token.

The token is derived, not stored: HMAC-SHA256 of the lab id under the instance's
secret key (``SECRET_KEY``, never a lab's own lesson key). ``POST /api/labs`` answers
it once; the page sends it as the ``X-Lab-Owner`` header (the teacher link's
``&owner=`` is read by the page, kept in its own storage and taken out of the address
bar), and it is compared with ``hmac.compare_digest`` so its timing tells nothing.

Why derived: a lab forgotten by a restart of the embedded default (or evicted) is made
again on demand under the same id (labs.py), and its owner must stay its owner. A
stored owner would be forgotten with the lab, and letting the first token shown claim
it handed the lab to any participant who sent one first (every page is told of the
restart). With a derived token nothing is stored, so a leaked store (a Redis dump)
gives no one the teacher's powers, and the teacher's token keeps working across
restarts and workers that share the key. Changing the instance key ends every owner
token; a leaked teacher link is answered by making a new lab.

The token never enters a lab's log: ``take_token`` (labstack's ``scrub`` layer) runs
inside ProxyFix and the address's turn, outside the cross-site guard, the lab
middleware, Flask and the tracer,
moves the header's value into ``ENVIRON_KEY`` (no ``HTTP_`` key, so the tracer does not
record it) and blanks the value of an ``owner`` parameter, by its decoded name
(``%6Fwner=`` too, as the page reads it), in the query and the Referer (a teacher link
opened, or a request sent from its page before the page took it out of the address
bar). Every viewer sees the lab's log, its HAR and its curl copies: a token recorded
there would hand the lab to any participant.
This module knows nothing of Flask.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import quote, unquote_plus

HEADER = "X-Lab-Owner"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
ENVIRON_KEY = "statelab.owner_token"
REDACTED = "[not recorded]"
_PARAMETER = re.compile(r"([^&;=]*)(=?)([^&;]*)")
_PURPOSE = b"statelab lab owner\0"  # no other HMAC of a lab id under this key means this


def token_for(key: str | bytes, lab: str) -> str:
    """The owner token of ``lab`` under the instance key: 43 URL-safe characters."""
    secret = key.encode() if isinstance(key, str) else key
    mac = hmac.new(secret, _PURPOSE + lab.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def is_owner(key: str | bytes, lab: str, token: str | None) -> bool:
    if not token or TOKEN.fullmatch(token) is None:
        return False
    return hmac.compare_digest(token, token_for(key, lab))


def take_token(environ: dict) -> None:
    """Take the owner token out of what a request's trace records (see the docstring)."""
    token = environ.pop("HTTP_X_LAB_OWNER", None)
    if token is not None:
        environ[ENVIRON_KEY] = token
    query = environ.get("QUERY_STRING")
    if query:
        environ["QUERY_STRING"] = blank_owner(query)
    for key in ("REQUEST_URI", "RAW_URI", "HTTP_REFERER"):
        value = environ.get(key)
        if value and "?" in value:
            head, _, rest = value.partition("?")
            query, hash_, fragment = rest.partition("#")
            environ[key] = f"{head}?{blank_owner(query)}{hash_}{fragment}"


def blank_owner(query: str) -> str:
    """``query`` with the value of every parameter whose name, decoded as a browser's
    URLSearchParams decodes it (``%6Fwner``, ``owner``), is ``owner`` blanked."""
    if "=" not in query:
        return query

    def blank(match: re.Match) -> str:
        name, eq, _value = match.groups()
        if eq and unquote_plus(name) == "owner":
            return f"{name}={quote(REDACTED)}"
        return match.group(0)
    return _PARAMETER.sub(blank, query)
