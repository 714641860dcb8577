"""Each lab's session signing keys: the secret key lesson.

A lab signs with the instance's key unless it asks for another: the tutorial's
hard-coded ``1234567890abcdefg`` (public: it is in the tutorial) or a key generated for
the lab. Rotating moves the old key to ``SECRET_KEY_FALLBACKS`` or drops it. Signing is
always Flask's own: ``SecureCookieSessionInterface.get_signing_serializer`` is given a
view of the app whose ``secret_key`` and ``SECRET_KEY_FALLBACKS`` are the lab's, so
Flask builds the itsdangerous serializer (salt ``cookie-session``, HMAC-SHA1) and
decides the key order: ``fallbacks + [SECRET_KEY]``; itsdangerous signs with the last
(SECRET_KEY, the newest) and verifies with each, newest first. Flask 3.1.0 built that
list the other way round and signed with a fallback (GHSA-4grg-w6v8-c28g, fixed 3.1.1).

Stored per lab: ``{"signing": Key, "fallbacks": [Key, ...]}`` oldest fallback first,
``Key = {"source": "tutorial"|"generated"|"instance", "key": str|None}``; the instance
key is never stored nor shown, only named.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import secrets
import threading
import time
from collections import ChainMap
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from itsdangerous import BadSignature, SignatureExpired

from . import context

TUTORIAL_KEY = "1234567890abcdefg"
SOURCES = ("instance", "tutorial", "generated")
MAX_FALLBACKS = 3
WORDLIST = Path(__file__).parent / "wordlists" / "secret-keys.txt"
WORDLIST_NAME = "statelab/wordlists/secret-keys.txt"
MAX_CANDIDATES = 20_000
# An instance key shorter than this, or in the wordlist, is refused at startup
# (config.py): anyone in a lab can crack their own cookie with this list, and the
# instance key signs every lab's sessions and derives every owner token (owners.py).
MIN_INSTANCE_KEY = 16
# Measured: the tutorial key is found after 872 candidates in 30-40 ms (about 35-45 us
# each: Flask builds a serializer per candidate); all 1,943 take ~0.1 s. The cap
# only matters for a bigger list on a slower machine.
CRACK_SECONDS = 2.0
# Candidates between checks of the time limit.
CHECK_EVERY = 64
# At most this many cracks at once per server (the machine has 2 cores); more answer
# 429. gunicorn workers split them (fit_workers). Each address also gets
# STATELAB_CRACK_RATE of them (ratelimits.py).
CRACKS_AT_ONCE = 2
cracking = threading.BoundedSemaphore(CRACKS_AT_ONCE)
# A crack waits this long past its time limit for its answer (the first one also starts
# the worker processes).
CRACK_WAIT = 60.0
NOTE = ("Flask 3.1.1+ signs with SECRET_KEY (the newest key); SECRET_KEY_FALLBACKS only "
        "verify (GHSA-4grg-w6v8-c28g: 3.1.0 signed with a fallback)")
_ENVIRON_KEY = "statelab.keys"


class KeyedApp:
    """The app as the session interface sees it, with a lab's keys."""

    def __init__(self, app: Flask, secret_key: str, fallbacks: list[str]) -> None:
        self._app = app
        self.secret_key = secret_key
        self.config = ChainMap({"SECRET_KEY": secret_key,
                                "SECRET_KEY_FALLBACKS": fallbacks or None}, app.config)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)


def _resolve(app: Flask, key: dict) -> str:
    return app.secret_key if key["source"] == "instance" else key["key"]


def stored_keys(lab: str) -> dict | None:
    return context.current().store.keys(lab)


def signing_keys(app: Flask) -> tuple[str, tuple[str, ...]]:
    """The key this request's lab signs with and its fallbacks (oldest first); the
    app's own outside a lab. Looked up once per request: sessions open, save and are
    decoded several times."""
    if isinstance(app, KeyedApp) or not has_request_context():
        return app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ())
    environ = request.environ
    if _ENVIRON_KEY not in environ:
        lab = context.lab_of(environ)
        keys = stored_keys(lab) if lab else None
        environ[_ENVIRON_KEY] = None if keys is None else (
            _resolve(app, keys["signing"]), tuple(_resolve(app, k) for k in keys["fallbacks"]))
    return environ[_ENVIRON_KEY] or (
        app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))


def signing_app(app: Flask) -> Any:
    """The app with this request's lab's keys."""
    if isinstance(app, KeyedApp):
        return app
    key, fallbacks = signing_keys(app)
    return KeyedApp(app, key, list(fallbacks))


def fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def describe_key(app: Flask, key: dict) -> dict:
    return {"source": key["source"], "fingerprint": fingerprint(_resolve(app, key)),
            "key": key["key"] if key["source"] == "tutorial" else None}


def describe(app: Flask, keys: dict | None) -> dict:
    keys = keys or {"signing": {"source": "instance", "key": None}, "fallbacks": []}
    return {"signing": describe_key(app, keys["signing"]),
            "fallbacks": [describe_key(app, k) for k in keys["fallbacks"]], "note": NOTE}


def new_key(source: str) -> dict:
    if source == "tutorial":
        return {"source": "tutorial", "key": TUTORIAL_KEY}
    if source == "generated":
        return {"source": "generated", "key": secrets.token_urlsafe(24)}
    return {"source": "instance", "key": None}


def use(source: str) -> dict | None:
    """Sign with this key from now on, keeping no fallbacks (a switch, not a rotation)."""
    return None if source == "instance" else {"signing": new_key(source), "fallbacks": []}


def rotate(keys: dict | None, keep_fallback: bool) -> dict:
    """A new generated key signs; the old one verifies only if kept as a fallback."""
    keys = keys or {"signing": new_key("instance"), "fallbacks": []}
    fallbacks = (keys["fallbacks"] + [keys["signing"]])[-MAX_FALLBACKS:] if keep_fallback else []
    return {"signing": new_key("generated"), "fallbacks": fallbacks}


def verify(app: Flask, value: str) -> tuple[dict | None, str | None]:
    """Which of this request's lab keys signed ``value`` (``{"role", "fingerprint"}``:
    the signing key or a fallback; None: none did), and why Flask would refuse it
    (``"expired"``, ``"bad_signature"``; None: it would not). One pass over the keys in
    the order itsdangerous tries them (the signing key, then the fallbacks newest
    first), each checked by Flask's own serializer for that key: signature, then age."""
    keyed = signing_app(app)
    max_age = int(app.permanent_session_lifetime.total_seconds())
    keys = [("signing", keyed.secret_key)] + [
        ("fallback", k) for k in reversed(keyed.config["SECRET_KEY_FALLBACKS"] or [])]
    for role, key in keys:
        try:
            next(serializer_for(app, key).iter_unsigners()).unsign(value, max_age=max_age)
        except SignatureExpired:
            return {"role": role, "fingerprint": fingerprint(key)}, "expired"
        except BadSignature:
            continue
        return {"role": role, "fingerprint": fingerprint(key)}, None
    return None, "bad_signature"


def serializer_for(app: Flask, key: str):
    """Flask's own session serializer, built by Flask, for one key."""
    return app.session_interface.get_signing_serializer(KeyedApp(app, key, []))


def _verifies(app: Flask, key: str, value: str, kept: bool = True) -> bool:
    """Whether ``key`` signed ``value``; ``kept=False`` for a candidate tried once (a
    crack), whose serializer is not worth keeping."""
    serializer = (serializer_for(app, key) if kept
                  else app.session_interface.uncached_serializer(key))
    try:
        next(serializer.iter_unsigners()).unsign(value)
    except BadSignature:
        return False
    return True


@lru_cache(maxsize=1)
def wordlist() -> tuple[str, ...]:
    """The shipped candidates, one a line, capped."""
    with WORDLIST.open(encoding="utf-8") as lines:
        words = (line.rstrip("\n") for line in lines)
        return tuple(w for w, _ in zip((w for w in words if w), range(MAX_CANDIDATES)))


def weakness(key: str | bytes) -> str | None:
    """Why ``key`` may not be the instance key (None: it may): never says the key."""
    text = key.decode(errors="replace") if isinstance(key, bytes) else str(key)
    if text in wordlist():
        return (f"it is in the crack lesson's wordlist ({WORDLIST_NAME}): any participant "
                "would crack it in a second")
    if len(text) < MIN_INSTANCE_KEY:
        return (f"it has {len(text)} characters; use at least {MIN_INSTANCE_KEY} random "
                "ones (python -c 'import secrets; print(secrets.token_hex(32))')")
    return None


class CrackFailed(RuntimeError):
    """The worker process did not answer (it died, or took far past the time limit)."""


class Cracker:
    """Cracks run in ``CRACKS_AT_ONCE`` worker processes, started at the first crack: a
    crack is pure Python for up to CRACK_SECONDS, and in a thread of the server it held
    the GIL against every request (on gunicorn's gevent worker, against the whole
    worker). Only plain data crosses: the cookie, the time limit and a digest of the
    instance key, never the key."""

    def __init__(self, workers: int = CRACKS_AT_ONCE) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_leave_with, initargs=(os.getpid(),))
            return self._pool

    def run(self, func, *args, timeout: float = CRACK_WAIT):
        """``func(*args)`` in a worker process. Under gevent the caller's greenlet waits,
        not the worker: the future's lock is gevent's once monkey-patched."""
        pool = self._executor()
        try:
            return pool.submit(func, *args).result(timeout=timeout)
        except (BrokenProcessPool, TimeoutError) as error:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise CrackFailed(str(error) or type(error).__name__) from error


cracker = Cracker()


def fit_workers(workers: int) -> None:
    """Share CRACKS_AT_ONCE among ``workers`` server processes (deploy/gunicorn.conf.py),
    at least one crack process each: each holds ~33 MiB, and two gevent workers with two
    each took the server past 300 MiB (bench/class_limits.py). Before the first crack."""
    global cracking, cracker
    at_once = max(1, CRACKS_AT_ONCE // max(1, workers))
    cracking, cracker = threading.BoundedSemaphore(at_once), Cracker(at_once)


def crack(app: Flask, value: str, seconds: float = CRACK_SECONDS) -> dict:
    """Try each wordlist candidate as the key that signed ``value``, as flask-unsign does,
    in a worker process (``cracker``). The instance key is never an answer: the worker
    skips the candidate whose digest is the instance key's."""
    key = app.secret_key
    digest = hashlib.sha256(key if isinstance(key, bytes) else key.encode()).digest()
    return cracker.run(_crack, value, digest, seconds, timeout=seconds + CRACK_WAIT)


def _leave_with(parent: int) -> None:
    """In a worker process: exit when the server does, even killed (a gunicorn worker
    past its graceful timeout runs no exit handler to stop its pool)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, daemon=True, name="statelab-crack-parent").start()


@lru_cache(maxsize=1)
def _bare_app() -> Flask:
    """In a worker process: an app whose session interface builds the lab's serializer
    for a key, as the server's does (only the key matters to signing)."""
    from .sessions import LabSessionInterface

    app = Flask("statelab.crack")
    app.session_interface = LabSessionInterface(app, None, "none")
    return app


def _crack(value: str, instance_digest: bytes, seconds: float) -> dict:
    app, candidates = _bare_app(), wordlist()
    start = time.perf_counter()
    found, stopped, tried = None, "exhausted", 0
    for tried, candidate in enumerate(candidates, 1):
        if hashlib.sha256(candidate.encode()).digest() != instance_digest and \
                _verifies(app, candidate, value, kept=False):
            found, stopped = candidate, "found"
            break
        if tried % CHECK_EVERY == 0 and time.perf_counter() - start > seconds:
            stopped = "time_limit"
            break
    return {"found": found is not None, "key": found, "tried": tried,
            "candidates": len(candidates),
            "seconds": round(time.perf_counter() - start, 4), "stopped": stopped,
            "wordlist": WORDLIST_NAME}


def forge(app: Flask, key: str, username: str) -> str:
    """A session cookie saying ``username``, signed with ``key`` by Flask's serializer."""
    return serializer_for(app, key).dumps({"username": username})
