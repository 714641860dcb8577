"""Configuration: defaults, then the environment, then what ``create_app`` is given.

Environment variables (all optional):
  STATELAB_SECRET_KEY      the signing key (else SECRET_KEY / FLASK_SECRET_KEY, else one is
                           generated once and kept in the instance folder)
  STATELAB_INSTANCE_PATH   where the generated key and the session files live
  STATELAB_REDIS_URL       e.g. redis://127.0.0.1:6379/0: hook log, labs, comments and
                           server-side sessions in Redis, shared by every worker
  STATELAB_REDIS_CONNECTIONS  connections each worker process may open to Redis
  STATELAB_MAX_WATCHED_LABS  labs each worker process follows live at once (default: half
                           of STATELAB_REDIS_CONNECTIONS)
  STATELAB_CORS_ORIGINS    comma-separated origins given credentialed access to /api
  STATELAB_TRACING         1 (default) or 0
  STATELAB_MAX_LABS, STATELAB_LAB_EVENTS, STATELAB_LAB_BYTES, STATELAB_MAX_VIEWERS,
  STATELAB_MAX_STREAMS,
  STATELAB_STREAMS_PER_ADDRESS, STATELAB_REQUESTS_PER_ADDRESS,
  STATELAB_HEARTBEAT_SECONDS
  STATELAB_LOGIN_RATE, STATELAB_LOGIN_ADDRESS_RATE, STATELAB_LAB_RATE, STATELAB_CRACK_RATE,
  STATELAB_NAME_RATE       Flask-Limiter rates
                           ("10/minute", "5 per second")
  STATELAB_PASSWORD_CHECKS, STATELAB_PASSWORD_WAIT   concurrent scrypt checks, and how long
                           a login waits for one (seconds) before 503
  STATELAB_LAB_KEEP_SECONDS  a lab used this recently is never evicted
  STATELAB_LABS_PER_ADDRESS  labs one address may keep alive (used within the keep time)
  STATELAB_MAX_SLOW        /api/slow and demo streams at once per worker (429 busy past it)
  STATELAB_TRUSTED_PROXIES   reverse proxies in front (0: none); their X-Forwarded-* are
                           believed (Werkzeug's ProxyFix)
  FLASK_*                  any Flask setting, through Flask's from_prefixed_env
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from statelab_trace.page import shipped_folder

DEFAULTS = {
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    # Flask's own setting, for both session cookies: not sent on another site's POST.
    "SESSION_COOKIE_SAMESITE": "Lax",
    "STATELAB_TRACING": True,
    "STATELAB_REDIS_URL": None,
    # Each worker's pool of Redis connections (redis-py's BlockingConnectionPool): a
    # request past it waits up to 5 s for one, then fails 503.
    "STATELAB_REDIS_CONNECTIONS": 200,
    "STATELAB_CORS_ORIGINS": [],
    "STATELAB_MAX_LABS": 200,
    # About 130 requests of history for a late joiner (live viewers get everything).
    # Measured with make bench: 5000 cost the traced app ~4% more throughput than 2000.
    "STATELAB_LAB_EVENTS": 2000,
    # And at most this much of what those events keep, in bytes (make run's MemoryBus;
    # Redis keeps rendered events, bounded by count). A usual request keeps about 8 KB,
    # so the event count binds first; a lab filled with the requests that keep the most
    # costs the server under 2 MB (bench/memory.py).
    "STATELAB_LAB_BYTES": 1_250_000,
    # A class: the stream renders each event once for all viewers (fanout.py), and
    # bench/live.py measured 500 viewers of one lab (README, Benchmarks).
    "STATELAB_MAX_VIEWERS": 500,
    # A comment line this often on an idle stream: it keeps proxies from timing the
    # stream out, and each one checks that the viewer is still there (a viewer that
    # left frees its thread within one heartbeat; see api/hooks.py).
    "STATELAB_HEARTBEAT_SECONDS": 2.0,
    # Labs each worker process follows live at once (fanout.py): on Redis each holds a
    # pooled connection in a blocking read. None: half of STATELAB_REDIS_CONNECTIONS,
    # so the other half stays for requests.
    "STATELAB_MAX_WATCHED_LABS": None,
    # Live streams per worker process; None: fitted to the worker's thread pool when
    # gunicorn says how big it is (deploy/gunicorn.conf.py), else streams.DEFAULT_MAX_STREAMS.
    "STATELAB_MAX_STREAMS": None,
    # Live streams one client address may hold per worker; None: half of the streams.
    "STATELAB_STREAMS_PER_ADDRESS": None,
    # Requests one client address has in progress at once per worker; its next ones
    # wait their turn (fairness.py). 0: no cap. A class behind one NAT address shares it.
    "STATELAB_REQUESTS_PER_ADDRESS": 1,
    # Logins per client address and lab; new labs per client address (ratelimits.py).
    "STATELAB_LOGIN_RATE": "10/minute",
    # Logins per client address across every lab: a class of 30 behind one NAT address
    # logging in with each mechanism at once, and no more (each is a scrypt check).
    "STATELAB_LOGIN_ADDRESS_RATE": "120/minute",
    "STATELAB_LAB_RATE": "60/minute",
    # Cracks per client address across labs (ratelimits.py): each is up to 2 s of CPU.
    "STATELAB_CRACK_RATE": "10/minute",
    # Display names per client address and lab: a class of 30 behind one NAT address
    # names itself at once, with room for second browsers and corrections.
    "STATELAB_NAME_RATE": "60/minute",
    # scrypt (werkzeug's default hash) takes 32 MiB and ~100 ms of CPU a check: 32 at once
    # raised peak RSS by ~1 GB. Two at a time keep a 2-core server responsive.
    "STATELAB_PASSWORD_CHECKS": 2,
    "STATELAB_PASSWORD_WAIT": 2.0,
    "STATELAB_LAB_KEEP_SECONDS": 300,
    # Labs one client address keeps alive at once (store.py says why): a teacher's
    # groups, not every lab of the server.
    "STATELAB_LABS_PER_ADDRESS": 20,
    # /api/slow and /demo/<word>/stream at once per worker (slow_routes.py): each holds
    # a thread for seconds.
    "STATELAB_MAX_SLOW": 4,
    # Proxies in front that set X-Forwarded-For/-Proto/-Host (deploy/nginx.conf: 1). With
    # 0 those headers are ignored: a visitor could otherwise name their own address.
    "STATELAB_TRUSTED_PROXIES": 0,
    "STATELAB_FRONTEND": None,  # None: frontend_folder()
}

_INTS = ("STATELAB_MAX_LABS", "STATELAB_LAB_EVENTS", "STATELAB_LAB_BYTES",
         "STATELAB_MAX_VIEWERS", "STATELAB_PASSWORD_CHECKS", "STATELAB_LAB_KEEP_SECONDS", "STATELAB_MAX_STREAMS",
         "STATELAB_TRUSTED_PROXIES", "STATELAB_MAX_SLOW", "STATELAB_LABS_PER_ADDRESS",
         "STATELAB_REDIS_CONNECTIONS", "STATELAB_MAX_WATCHED_LABS",
         "STATELAB_STREAMS_PER_ADDRESS", "STATELAB_REQUESTS_PER_ADDRESS")
_FLOATS = ("STATELAB_HEARTBEAT_SECONDS", "STATELAB_PASSWORD_WAIT")
_STRINGS = ("STATELAB_REDIS_URL", "STATELAB_FRONTEND", "STATELAB_LOGIN_RATE",
            "STATELAB_LOGIN_ADDRESS_RATE", "STATELAB_CRACK_RATE",
            "STATELAB_LAB_RATE", "STATELAB_NAME_RATE")


def _from_env(environ: dict) -> dict:
    found: dict = {}
    for key in _STRINGS:
        if environ.get(key):
            found[key] = environ[key]
    if "STATELAB_TRACING" in environ:
        found["STATELAB_TRACING"] = environ["STATELAB_TRACING"].strip().lower() not in (
            "0", "false", "no", "off", "")
    if environ.get("STATELAB_CORS_ORIGINS"):
        found["STATELAB_CORS_ORIGINS"] = [
            o.strip() for o in environ["STATELAB_CORS_ORIGINS"].split(",") if o.strip()]
    for key in _INTS:
        if environ.get(key):
            found[key] = int(environ[key])
    for key in _FLOATS:
        if environ.get(key):
            found[key] = float(environ[key])
    for key in ("STATELAB_SECRET_KEY", "SECRET_KEY"):
        if environ.get(key):
            found["SECRET_KEY"] = environ[key]
            break
    return found


def fit_redis_pool(connections: int) -> int:
    """Labs a worker may follow with a pool of ``connections``: half of them (200: 100),
    at least one. Each follower holds a connection in its blocking XREAD; the other half
    serves requests, each of which borrows one or two briefly."""
    return max(1, connections // 2)


def frontend_folder() -> str:
    """The playground's files: ``statelab/frontend`` in a wheel."""
    return shipped_folder(__file__, "frontend")


def load(app: Flask, config: dict | None, environ: dict | None = None) -> None:
    environ = os.environ if environ is None else environ
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env()
    app.config.update(_from_env(environ))
    app.config.update(config or {})
    if not app.config["STATELAB_FRONTEND"]:
        app.config["STATELAB_FRONTEND"] = frontend_folder()
    if app.config["STATELAB_MAX_WATCHED_LABS"] is None:
        app.config["STATELAB_MAX_WATCHED_LABS"] = fit_redis_pool(
            app.config["STATELAB_REDIS_CONNECTIONS"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path))
    refuse_weak_key(app.config["SECRET_KEY"])


class WeakSecretKey(ValueError):
    """The configured instance key would hand every lab to whoever cracks it."""


def refuse_weak_key(key) -> None:
    from .secret_keys import weakness

    why = weakness(key)
    if why is not None:
        raise WeakSecretKey(f"Refusing to start: the instance key (STATELAB_SECRET_KEY, "
                            f"SECRET_KEY or FLASK_SECRET_KEY) is weak: {why}. It signs "
                            "every lab's sessions and owner tokens. Unset it to have a "
                            "random one generated in the instance folder.")


def instance_secret(folder: Path) -> str:
    """The key generated on first start and kept in the instance folder (mode 600)."""
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # Write aside, then link into place: several workers starting at once agree on
        # one key, and none reads a half-written file.
        draft = folder / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
