"""Who owns a lab: whoever created it, proven by an owner token.

``POST /api/labs`` answers a token once; the store keeps only its SHA-256 digest, so a
leak of the store (a Redis dump) gives no one the teacher's powers. The page sends the
token as the ``X-Lab-Owner`` header (never in a URL it requests: the teacher link's
``&owner=`` is read by the page and kept in its own storage), and it is compared with
``hmac.compare_digest`` so its timing tells nothing. A lab re-created after a restart
(labs.py) has no owner: the first request to come back with a token reclaims it.
This module knows nothing of Flask.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

HEADER = "X-Lab-Owner"
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_owner(store, lab: str, token: str | None) -> bool:
    """Whether ``token`` is the lab's owner token; a lab with no owner (re-created
    after a restart) is claimed by the first well-formed token shown."""
    if not token or TOKEN.fullmatch(token) is None:
        return False
    given = digest(token)
    stored = store.owner(lab)
    if stored is None and store.claim_owner(lab, given):
        return True
    stored = stored or store.owner(lab)
    return stored is not None and hmac.compare_digest(given, stored)
