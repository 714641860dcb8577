"""Who a client is to the other viewers of a lab: a public id the server derives.

A client names itself (``X-Client-Id``, ``?client=``: any 8-64 characters it likes), so
no part of that id can tell people apart: a student who sent the teacher's first four
characters would be the teacher on every page (the same colour, the same entry in
the one-person filter, the teacher's name or theirs, whichever came last). Other
viewers instead see ``public_id``: HMAC-SHA256 of the lab and the client id under the
instance key (``SECRET_KEY``, as owners.py derives the owner token), 8 URL-safe
characters (48 bits). Nobody can pick an id whose public id is another's without the
instance key, and the client id itself (the key to that client's unmasked cookies,
masking.py) never leaves the server but to its owner. Derived, not stored: the same
on every worker sharing the key and across restarts; per lab, so one client is not
followed from lab to lab. The page learns its own from ``GET /api/me``,
``GET /api/labs/current`` or ``POST /api/labs`` (``person``).
This module knows nothing of Flask.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

LENGTH = 8
_PURPOSE = b"statelab client\0"  # no other HMAC under this key means this


def public_id(key: str | bytes, lab: str, client: str | None) -> str | None:
    if client is None:
        return None
    secret = key.encode() if isinstance(key, str) else key
    message = _PURPOSE + lab.encode() + b"\0" + client.encode()
    mac = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()[:LENGTH]
