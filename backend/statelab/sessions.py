"""Two sessions side by side: Flask's signed cookie session and a server-side one.

Flask has one ``session_interface``. The lab needs both mechanisms at once, so
``LabSessionInterface`` is Flask's own ``SecureCookieSessionInterface`` (``flask.session``
is the signed cookie, cookie ``session``) that also opens and saves a Flask-Session
server-side session (cookie ``server_session``: only an id; the data in the store),
reachable as ``server_session()``. Both are saved where Flask saves a session: after
the after_request functions.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
import warnings
import zlib
from collections import ChainMap
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from flask import Flask, g, has_app_context
from flask.sessions import SecureCookieSessionInterface
from flask_session._utils import total_seconds
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.cachelib import CacheLibSessionInterface
from flask_session.redis import RedisSessionInterface
from itsdangerous import (BadData, BadPayload, SignatureExpired, TimestampSigner,
                          URLSafeTimedSerializer)
from itsdangerous.encoding import base64_decode, bytes_to_int
from itsdangerous.url_safe import URLSafeSerializerMixin

from . import secret_keys
from statelab_trace.jsonable import bounded_items, jsonable
from statelab_trace import annotate

SERVER_COOKIE = "server_session"
# The tutorial's plain cookie: not a session, the view sets it (api/cookie.py, classic.py).
USERNAME_COOKIE = "username"
MAX_PAYLOAD_BYTES = 16 * 1024  # a real session cookie's payload is under 4 KB
# What a login chose for its cookie (max_age and the expiry it gives, samesite, secure),
# kept in the session itself, visible in the payload: every later Set-Cookie honours it,
# and the server refuses the session once ``expires`` (epoch s) has passed.
COOKIE_CHOICE = "_cookie"
SAMESITE_CHOICES = ("Lax", "Strict", "None", "")  # "": no SameSite attribute
MAX_LIFETIME = 86400  # seconds: the longest max_age a login grants (api/mechanisms.py)
_G_KEY = "_statelab_server_session"
_READS_KEY = "_statelab_server_reads"
# Signing serializers kept per app: one per lab key set in use (labs rotate keys).
SERIALIZERS_KEPT = 256


def cookie_choice(max_age: int | None, samesite: str | None, secure: bool | None) -> dict:
    """What to keep in a session for the cookie a login asked for ({} for the defaults)."""
    choice: dict = {}
    if max_age:
        # Kept to the millisecond, rounded down: rounded up, a save within half a
        # millisecond sent Max-Age=31 for a 30 s login (Max-Age is the time left, ceiled).
        choice.update(max_age=max_age, expires=math.floor((time.time() + max_age) * 1000) / 1000)
    if samesite is not None:
        choice["samesite"] = samesite
    if secure is not None:
        choice["secure"] = secure
    return choice


def _choice(session: Any) -> dict:
    choice = session.get(COOKIE_CHOICE) if session is not None else None
    return choice if _a_login_could_choose(choice) else {}


def _a_login_could_choose(choice: Any) -> bool:
    """Whether ``choice`` is one a login makes. A session signed with a known key may
    hold anything; an impossible choice (``samesite: 7``, ``expires: 1e300``) is ignored
    whole, so the cookie gets the defaults rather than the next save failing."""
    if not isinstance(choice, dict):
        return False
    expires = choice.get("expires")
    if expires is not None and not (
            type(expires) in (int, float) and math.isfinite(expires)
            and expires <= time.time() + MAX_LIFETIME):
        return False
    return (choice.get("samesite", "") in SAMESITE_CHOICES
            and type(choice.get("secure", False)) is bool)


def seconds_left(session: Any) -> float | None:
    """How long the lifetime the login issued still runs (None: it issued none)."""
    expires = _choice(session).get("expires")
    return None if expires is None else expires - time.time()


def expired(session: Any) -> bool:
    left = seconds_left(session)
    return left is not None and left <= 0


def _expiry(session: Any, default: datetime | None) -> datetime | None:
    left = seconds_left(session)
    if left is None:
        return default
    return datetime.now(timezone.utc) + timedelta(seconds=max(left, 0))


def _cookie_attributes(session: Any) -> dict:
    """The chosen attributes as ``set_cookie`` arguments: Max-Age (what is left, whole
    seconds) beside the Expires Flask writes, SameSite, Secure."""
    choice = _choice(session)
    attributes: dict = {}
    left = seconds_left(session)
    if left is not None:
        attributes["max_age"] = max(0, math.ceil(left))
    if "samesite" in choice:
        attributes["samesite"] = choice["samesite"] or None
    if "secure" in choice:
        attributes["secure"] = bool(choice["secure"])
    return attributes


class _ChosenCookie:
    """The response as a session interface sees it while saving: its ``set_cookie``
    gets the login's chosen attributes. Flask's and Flask-Session's save_session take
    SameSite and Secure only from the app's config and never send Max-Age."""

    def __init__(self, response: Any, attributes: dict) -> None:
        self._response = response
        self._attributes = attributes

    def set_cookie(self, key: str, value: str = "", **kwargs: Any) -> None:
        self._response.set_cookie(key, value, **{**kwargs, **self._attributes})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)


class _RenamedCookieApp:
    """The app as Flask-Session sees it, with the session cookie renamed.

    Flask-Session reads ``SESSION_COOKIE_NAME`` from ``app.config`` directly; the signed
    session already owns that name, so the server-side one gets its own.
    """

    def __init__(self, app: Flask, cookie_name: str) -> None:
        self._app = app
        self.config = ChainMap({"SESSION_COOKIE_NAME": cookie_name}, app.config)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)


class PayloadTooLarge(BadPayload):
    """A signed payload that inflates past MAX_PAYLOAD_BYTES."""


# Seconds a signature's timestamp may lie in this worker's future: another worker (or
# host) whose clock runs ahead signed it. itsdangerous refuses any future timestamp.
CLOCK_SKEW = 120


class SkewTolerantSigner(TimestampSigner):
    """itsdangerous's timestamp signer, accepting a timestamp up to CLOCK_SKEW seconds
    ahead of this clock (its age still counts from when it was signed)."""

    def unsign(self, value, max_age=None, return_timestamp=False):
        try:
            return super().unsign(value, max_age, return_timestamp)
        except SignatureExpired as expired:
            signed = expired.date_signed
            ahead = signed.timestamp() - time.time() if signed is not None else 0
            if max_age is None or not 0 < ahead <= CLOCK_SKEW:
                raise
            return super().unsign(value, None, return_timestamp)


class BoundedSerializer(URLSafeTimedSerializer):
    """Flask's signing serializer, inflating a compressed payload to MAX_PAYLOAD_BYTES at
    most. itsdangerous inflates with ``zlib.decompress``, unbounded: a 4 KB cookie signed
    with a known key (the tutorial's) held 3 MB of session. Its signer tolerates clock
    skew between workers (SkewTolerantSigner)."""

    def load_payload(self, payload: bytes, *args: Any, **kwargs: Any) -> Any:
        if not payload.startswith(b"."):  # not compressed: no bigger than the cookie
            return super().load_payload(payload, *args, **kwargs)
        try:
            raw = inflate(base64_decode(payload[1:]))
        except PayloadTooLarge:
            raise
        except (BadData, ValueError, zlib.error) as exc:
            raise BadPayload("Could not decode the compressed payload",
                             original_error=exc) from exc
        # Past the mixin, which would inflate again: straight to the JSON step.
        return super(URLSafeSerializerMixin, self).load_payload(raw, *args, **kwargs)


def inflate(data: bytes) -> bytes:
    """zlib-inflate ``data`` to MAX_PAYLOAD_BYTES at most (PayloadTooLarge past it)."""
    inflater = zlib.decompressobj()
    raw = inflater.decompress(data, MAX_PAYLOAD_BYTES)
    if not inflater.eof:
        if len(raw) == MAX_PAYLOAD_BYTES:
            raise PayloadTooLarge(f"The payload inflates past {MAX_PAYLOAD_BYTES} bytes")
        raise ValueError("incomplete or truncated zlib stream")
    return raw


class _LoginLifetime:
    """What the lab changes in a Flask-Session backend (mixed in before it).

    Overrides Flask-Session's private ``_upsert_session``, and ``LabSessionInterface``
    calls ``_generate_sid``, ``_get_store_id``, ``_retrieve_session_data`` and
    ``_delete_session``: pyproject pins Flask-Session to 0.8.x, and
    ``tests/test_sessions.py::test_flask_session_private_methods_are_as_we_call_them``
    fails loudly when a release renames or reshapes them."""

    def get_expiration_time(self, app: Flask, session: Any) -> datetime | None:
        return _expiry(session, super().get_expiration_time(app, session))

    def should_set_storage(self, app: Flask, session: ServerSideSession) -> bool:
        # Flask-Session writes every session back at the end of every request
        # (SESSION_REFRESH_EACH_REQUEST): a request that read the session before a logout
        # deleted it then wrote it back, logging the copy in again. Only a request that
        # changed the session writes it; nothing else can bring a deleted id back.
        return session.modified

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession,
                        store_id: str) -> None:
        left = seconds_left(session)
        if left is not None:  # the store forgets it when the login said it ends
            session_lifetime = timedelta(seconds=max(1, math.ceil(left)))
        _request_reads().pop(store_id, None)
        super()._upsert_session(session_lifetime, session, store_id)

    def _delete_session(self, store_id: str) -> None:
        _request_reads().pop(store_id, None)
        super()._delete_session(store_id)

    def _retrieve_session_data(self, store_id: str) -> dict | None:
        # Read at most once a request: the read that opened the session also answers
        # what the store holds (/api/state); a write in between forgets it.
        reads = _request_reads()
        if store_id not in reads:
            reads[store_id] = super()._retrieve_session_data(store_id)
        return reads[store_id]


def _request_reads() -> dict:
    """This request's store reads by store id (a throwaway dict outside a request)."""
    if not has_app_context():
        return {}
    return g.setdefault(_READS_KEY, {})


class SessionNotStored(OSError):
    """The server-side session store refused a write (a full disk): the login it
    carried did not happen, and the request says so (api/errors.py: 507)."""


class _LoudCacheLib(CacheLibSessionInterface):
    """cachelib logs a failed write and goes on; here it fails the request."""

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession,
                        store_id: str) -> None:
        if not self.cache.set(key=store_id, value=dict(session),
                              timeout=total_seconds(session_lifetime)):
            raise SessionNotStored("the server-side session could not be written")

    def storage_ok(self) -> bool:
        """Whether a file can be written where the sessions live (the health check)."""
        folder = getattr(self.cache, "_path", None)
        if folder is None:
            return True
        try:
            fd, name = tempfile.mkstemp(dir=folder, suffix=".health")
            with os.fdopen(fd, "wb") as probe:
                probe.write(b"\0" * 4096)
            os.unlink(name)
        except OSError:
            return False
        return True


class LabCacheLibSessions(_LoginLifetime, _LoudCacheLib):
    """Server-side sessions in a cachelib cache (files by default), with the login's
    lifetime."""


class LabRedisSessions(_LoginLifetime, RedisSessionInterface):
    """Server-side sessions in Redis (scale-out), with the login's lifetime."""


class LabSessionInterface(SecureCookieSessionInterface):
    def __init__(self, app: Flask, server: ServerSideSessionInterface,
                 server_backend: str) -> None:
        self.app = app
        self.server = server
        self.server_backend = server_backend
        self.server_app = _RenamedCookieApp(app, SERVER_COOKIE)
        self._serializer = lru_cache(maxsize=SERIALIZERS_KEPT)(self._build_serializer)

    def get_signing_serializer(self, app: Flask):
        """Flask's serializer for this request's lab's keys (secret_keys.py), built by
        Flask once per key set and kept (``SERIALIZERS_KEPT``, least recently used
        first out): building one JSON-encodes a probe and sets up its signers. Each call
        answers its own shallow copy, so a caller may wrap one call's methods."""
        key, fallbacks = secret_keys.signing_keys(app)
        if not key:
            return None
        kept = self._serializer(key, fallbacks)
        serializer = object.__new__(BoundedSerializer)  # copy.copy costs 4x more
        serializer.__dict__.update(kept.__dict__)
        return serializer

    def _build_serializer(self, key: str, fallbacks: tuple[str, ...]) -> BoundedSerializer:
        # Flask builds it and orders the keys; only how it inflates changes.
        keyed = secret_keys.KeyedApp(self.app, key, list(fallbacks))
        serializer = super().get_signing_serializer(keyed)
        serializer.__class__ = BoundedSerializer
        serializer.signer = SkewTolerantSigner
        return serializer

    def get_expiration_time(self, app: Flask, session: Any) -> datetime | None:
        return _expiry(session, super().get_expiration_time(app, session))

    def open_session(self, app: Flask, request: Any):
        server = self.server.open_session(self.server_app, request)
        if expired(server):
            self.server._delete_session(self.server._get_store_id(server.sid))
            server = self._ended(self.server.session_class(
                sid=self.server._generate_sid(self.server.sid_length), permanent=False))
            annotate(server_session_expired=True)
        setattr(g, _G_KEY, server)
        try:
            session = super().open_session(app, request)
        except BadPayload as exc:  # signed but unreadable: Flask catches only BadSignature
            session = self.session_class()
            annotate(signed_cookie_rejected="too_large" if isinstance(exc, PayloadTooLarge)
                     else "bad_payload")
        if expired(session):
            session = self._ended(self.session_class())
            annotate(session_expired=True)
        if session is not None:
            session.server_side = server  # its sibling, for trace_snapshot
        return session

    @staticmethod
    def _ended(session: Any) -> Any:
        """An empty session in place of one whose lifetime has passed; marked modified,
        so saving it tells the browser to delete the cookie."""
        session.modified = True
        return session

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        super().save_session(app, session, _ChosenCookie(response, _cookie_attributes(session)))
        server = g.get(_G_KEY)
        if server is not None:
            self.server.save_session(self.server_app, server,
                                     _ChosenCookie(response, _cookie_attributes(server)))

    def regenerate_server_session(self, session: ServerSideSession) -> None:
        self.server.regenerate(session)

    def stored_server_data(self, sid: str) -> dict | None:
        data = self.server._retrieve_session_data(self.server._get_store_id(sid))
        return dict(data) if data is not None else None

    def trace_snapshot(self, session: Any) -> tuple:
        """What each session holds now, bounded and kept as plain tuples for the tracer's
        session steps; ``describe_snapshot`` makes it JSON-shaped when someone reads the step."""
        server = getattr(session, "server_side", None)
        if server is None:
            return (bounded_items(session), None, None)
        return (bounded_items(session), server.sid, bounded_items(server))

    @staticmethod
    def trace_changed(session: Any) -> bool:
        """Whether either session may differ from its snapshot at open (the tracer then
        keeps the open step's snapshot for the save step): both flag every change of
        their own items (``modified``), as Flask and Flask-Session use it to save."""
        server = getattr(session, "server_side", None)
        return session.modified is not False or (
            server is not None and server.modified is not False)

    @staticmethod
    def describe_snapshot(kept: tuple) -> dict:
        if not kept:
            return {}
        signed, sid, server = kept
        return {
            "session": dict(signed),
            "server_session": None if sid is None else {"sid": sid, "data": dict(server)},
        }


def warn_of_every_oversized_cookie() -> None:
    """Werkzeug's "cookie is too large" warning shown every time, not once: Python's
    default shows a warning once per code location and text, so on a shared server only
    the first learner whose cookie reached a given size would see it (the fill lesson
    reads it from the step's output)."""
    warnings.filterwarnings("always", message=r"The '.*' cookie is too large",
                            category=UserWarning)


def server_session() -> ServerSideSession:
    """This request's server-side session (opened with the signed one)."""
    return g.get(_G_KEY)


def decode_signed_cookie(app: Flask, iface: SecureCookieSessionInterface, value: str,
                         problem: str | None) -> dict:
    """Take a signed session cookie apart, with itsdangerous itself.

    The payload is readable by anyone (base64url JSON, ``.``-prefixed when zlib
    compressed); only the signature needs the secret key. ``problem``: why Flask would
    refuse the cookie, as ``secret_keys.verify`` answers (None: it would not).
    """
    result: dict = {
        "payload": None, "payload_text": None, "compressed": value.startswith("."),
        "timestamp": None, "age_seconds": None, "signature_valid": problem is None,
        "problem": problem,
    }
    parts = value.rsplit(".", 2)
    if len(parts) != 3:
        result["problem"] = "malformed"
        return result
    payload_b64, stamp_b64, _signature = parts
    try:
        timestamp = bytes_to_int(base64_decode(stamp_b64))
        result["timestamp"] = timestamp
        result["age_seconds"] = round(time.time() - timestamp, 1)
    except Exception:
        result["problem"] = "malformed"
    try:
        raw = base64_decode(payload_b64.lstrip("."))
        if result["compressed"]:
            raw = inflate(raw)
        text = raw.decode("utf-8")
        result["payload_text"] = text
        result["payload"] = jsonable(iface.serializer.loads(text))
    except PayloadTooLarge:  # a zip bomb, or just too big to show
        result["problem"] = result["problem"] or "too_large"
    except Exception:
        result["problem"] = "malformed"
    return result
