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
A crack checks candidates in a crack process (crack_process.py) with itsdangerous's
``TimestampSigner`` built from the salt, key derivation and digest of Flask's session
interface: the signer that serializer uses.

Stored per lab: ``{"signing": Key, "fallbacks": [Key, ...]}`` oldest fallback first,
``Key = {"source": "tutorial"|"generated"|"instance", "key": str|None}``; the instance
key is never stored nor shown, only named.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import selectors
import subprocess
import sys
import threading
import time
from collections import ChainMap
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
import itsdangerous
from itsdangerous import BadSignature, SignatureExpired

from . import context, crack_process

TUTORIAL_KEY = "1234567890abcdefg"
SOURCES = ("instance", "tutorial", "generated")
MAX_FALLBACKS = 3
WORDLIST = Path(__file__).parent / "wordlists" / "secret-keys.txt"
WORDLIST_NAME = "statelab/wordlists/secret-keys.txt"
CRACK_PROCESS = Path(crack_process.__file__)
ITSDANGEROUS_FOLDER = str(Path(itsdangerous.__file__).resolve().parents[1])
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
# its crack process).
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
        keys = environ[context.KEYS_KEY] if context.KEYS_KEY in environ else (
            stored_keys(lab) if lab else None)
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


def _verifies(app: Flask, key: str, value: str) -> bool:
    """Whether ``key`` signed ``value`` (Flask's serializer; bench/crack_loop.py's
    in-process crack)."""
    try:
        next(serializer_for(app, key).iter_unsigners()).unsign(value)
    except BadSignature:
        return False
    return True


def wordlist() -> tuple[str, ...]:
    """The shipped candidates, one a line, capped (what a crack tries, in its order)."""
    return crack_process.candidates(str(WORDLIST), MAX_CANDIDATES)


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
    """The crack process did not answer (it died, or took far past the time limit)."""


class Cracker:
    """Cracks run in at most ``workers`` crack processes (crack_process.py), started at
    the first crack and kept: a crack is pure Python for up to CRACK_SECONDS, and in a
    thread of the server it would hold the GIL against every request (on gunicorn's gevent
    worker, against the whole worker). Only plain data crosses, over the process's
    stdin and stdout: the cookie, the time limit and a digest of the instance key, never
    the key. ``cracking`` bounds the cracks at once to ``workers``."""

    def __init__(self, workers: int = CRACKS_AT_ONCE) -> None:
        self.workers = workers
        self._idle: list[subprocess.Popen] = []
        self._lock = threading.Lock()

    def pids(self) -> list[int]:
        """The crack processes waiting for a job."""
        with self._lock:
            return [proc.pid for proc in self._idle]

    def run(self, job: dict, timeout: float = CRACK_WAIT) -> dict:
        """``job``'s answer from a crack process. Under gevent the caller's greenlet
        waits, not the worker: the pipe is waited on by gevent's selectors once
        monkey-patched. A process that dies or takes past ``timeout`` is ended and
        replaced at the next crack."""
        try:
            proc = self._take()
        except OSError as error:  # no process could be started (fork, file descriptors)
            raise CrackFailed(f"no crack process: {error}") from error
        try:
            answer = _exchange(proc, job, timeout)
        except BaseException as error:  # a timeout, a dead process, a greenlet killed
            proc.kill()
            _close(proc)
            if isinstance(error, (OSError, ValueError, TimeoutError)):
                raise CrackFailed(str(error) or type(error).__name__) from error
            raise
        with self._lock:
            if len(self._idle) < self.workers:
                self._idle.append(proc)
                proc = None
        if proc is not None:
            _close(proc)
        if "error" in answer:
            raise CrackFailed(answer["error"])
        return answer

    def _take(self) -> subprocess.Popen:
        """An idle crack process that is still alive, else a new one."""
        while True:
            with self._lock:
                proc = self._idle.pop() if self._idle else None
            if proc is None:
                break
            if proc.poll() is None:
                return proc
            _close(proc)
        # -I ignores PYTHONPATH and the user's site-packages: the process is told where
        # itsdangerous is, wherever this server found it.
        return subprocess.Popen([sys.executable, "-I", str(CRACK_PROCESS), ITSDANGEROUS_FOLDER],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)

    def close(self) -> None:
        """End the idle crack processes (each leaves when its stdin closes)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for proc in idle:
            _close(proc)


def _exchange(proc: subprocess.Popen, job: dict, timeout: float) -> dict:
    """Write ``job`` on ``proc``'s stdin, read its one-line answer within ``timeout``."""
    data = memoryview((json.dumps(job) + "\n").encode())
    deadline, answer = time.monotonic() + timeout, b""
    with selectors.DefaultSelector() as selector:
        # Under gevent the pipes are non-blocking: a job larger than the pipe's room
        # waits until the process has read some of it.
        selector.register(proc.stdin, selectors.EVENT_WRITE)
        while data:
            try:
                data = data[os.write(proc.stdin.fileno(), data):]
            except BlockingIOError:
                if not selector.select(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"the job not taken in {timeout:.0f} s") from None
        selector.unregister(proc.stdin)
        selector.register(proc.stdout, selectors.EVENT_READ)
        while not answer.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise TimeoutError(f"no answer in {timeout:.0f} s")
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                raise OSError(f"the crack process ended (status {proc.wait()})")
            answer += chunk
    return json.loads(answer)


def _close(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.stdout.close()
    proc.wait()


cracker = Cracker()


def fit_workers(workers: int) -> None:
    """Share CRACKS_AT_ONCE among ``workers`` server processes (deploy/gunicorn.conf.py),
    at least one crack process each. Before the first crack."""
    global cracking, cracker
    at_once = max(1, CRACKS_AT_ONCE // max(1, workers))
    cracker.close()
    cracking, cracker = threading.BoundedSemaphore(at_once), Cracker(at_once)


def crack(app: Flask, value: str, seconds: float = CRACK_SECONDS) -> dict:
    """Try each wordlist candidate as the key that signed ``value``, as flask-unsign does,
    in a crack process (``cracker``), with the salt, key derivation and digest Flask's
    session interface signs with. The instance key is never an answer: the crack
    process skips the candidate whose digest is the instance key's."""
    key = app.secret_key
    interface = app.session_interface
    job = {"cookie": value, "seconds": seconds, "wordlist": str(WORDLIST),
           "instance_digest": hashlib.sha256(
               key if isinstance(key, bytes) else key.encode()).hexdigest(),
           "max_candidates": MAX_CANDIDATES, "check_every": CHECK_EVERY,
           "salt": interface.salt, "key_derivation": interface.key_derivation,
           "digest_method": interface.digest_method().name}
    return {**cracker.run(job, timeout=seconds + CRACK_WAIT), "wordlist": WORDLIST_NAME}


def forge(app: Flask, key: str, username: str) -> str:
    """A session cookie saying ``username``, signed with ``key`` by Flask's serializer."""
    return serializer_for(app, key).dumps({"username": username})
