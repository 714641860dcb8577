"""Who owns a lab: whoever created it, proven by an owner token.

The token is derived, not stored: HMAC-SHA256 of the lab id under the instance's
secret key (``SECRET_KEY``, never a lab's own lesson key). ``POST /api/labs`` answers
it once; the page sends it as the ``X-Lab-Owner`` header (never in a URL it requests:
the teacher link's ``&owner=`` is read by the page and kept in its own storage), and it
is compared with ``hmac.compare_digest`` so its timing tells nothing.

Why derived: a lab forgotten by a restart of the embedded default (or evicted) is made
again on demand under the same id (labs.py), and its owner must stay its owner. A
stored owner would be forgotten with the lab, and letting the first token shown claim
it handed the lab to any participant who sent one first (every page is told of the
restart). With a derived token nothing is stored, so a leaked store (a Redis dump)
gives no one the teacher's powers, and the teacher's token keeps working across
restarts and workers that share the key. Changing the instance key ends every owner
token; a leaked teacher link is answered by making a new lab.
This module knows nothing of Flask.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

HEADER = "X-Lab-Owner"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
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
