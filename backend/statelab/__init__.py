"""Flask State Lab: a Flask app that shows its own request lifecycle, per lab."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cachelib import FileSystemCache
from flask import send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from . import (api, classic, compression, config, context, crosssite, demo_blueprint,
               demo_hooks, owners, ratelimits, slow_routes)
from .accounts import PasswordChecks
from .api.errors import backend_unavailable
from .api.logins import MECHANISMS, cookie_names
from .events import Bus, MemoryBus, RedisBus
from .events.redis import VIEWER_LEASE_HEARTBEATS
from .fanout import Feeds
from .identity import public_id
from .lab_flask import LabFlask, answer_propagated
from .labs import Labs, client_from_environ, lab_from_environ
from .sessions import LabCacheLibSessions, LabRedisSessions, LabSessionInterface
from .store import MemoryStore, RedisStore, Store
from .streams import StreamSlots
from statelab_trace import HookTracer

UNTRACED = ("/static/", "/api/hooks", "/favicon.ico")
PAGE_HEADERS = {
    # Scripts only from our own files: user text can never run, whatever goes wrong.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class StateLab:
    """What the blueprints share, as ``context.current()``."""

    store: Store
    bus: Bus
    labs: Labs
    streams: StreamSlots
    passwords: PasswordChecks
    feeds: Feeds
    #: Exceptions that mean the backend is down: answered 503 backend_unavailable.
    unavailable: tuple[type[BaseException], ...] = field(init=False)

    def __post_init__(self) -> None:
        self.unavailable = self.store.unavailable + self.bus.unavailable

    def backend_ok(self) -> bool:
        return self.store.ping() and self.bus.ping()


def create_app(config_overrides: dict | None = None) -> LabFlask:
    overrides = config_overrides or {}
    app = LabFlask(__name__, instance_path=overrides.get("INSTANCE_PATH") or _instance_path(),
                instance_relative_config=True, static_folder=None)
    config.load(app, overrides)
    frontend = app.config["STATELAB_FRONTEND"]
    compressed = compression.install(app)
    app.static_folder = frontend
    app.static_url_path = "/static"
    app.add_url_rule("/static/<path:filename>", endpoint="static",
                     view_func=compressed(app.send_static_file))

    # One client for everything in Redis: labs, logs, sessions and rate-limit counters.
    client = _redis_client(app)
    lab = _backends(app, client)
    context.install(app, lab)
    app.session_interface = _session_interface(app, client)
    app.first_request_lab = _traced_lab

    demo_hooks.register(app)
    api.register(app)
    app.register_blueprint(classic.bp)
    app.register_blueprint(demo_blueprint.bp)
    ratelimits.install(app, tuple(f"api.{m.bp.name}.login" for m in MECHANISMS), client)
    slow_routes.install(app)

    @app.get("/")
    @compressed
    def index():
        response = send_from_directory(frontend, "index.html")
        response.headers.update(PAGE_HEADERS)
        return response

    _cors(app)
    if app.config["STATELAB_TRACING"]:
        HookTracer(app, bus=lab.bus, select=_traced_lab,
                   snapshot=app.session_interface.trace_snapshot,
                   describe=app.session_interface.describe_snapshot)
    app.wsgi_app = answer_propagated(_lab_middleware(app.wsgi_app, lab, app.config,
                                                     ratelimits.recreations(app.config, client)))
    # Outside the lab middleware and the tracer: a forged request makes no lab again
    # (no ``lab`` event) and costs no space in the lab's bounded log.
    app.wsgi_app = crosssite.guard(app.wsgi_app, app.config["STATELAB_CORS_ORIGINS"])
    app.wsgi_app = _without_owner_token(app.wsgi_app)
    proxies = app.config["STATELAB_TRUSTED_PROXIES"]
    if proxies:  # outermost: everything inside sees the visitor's address, scheme and host
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app


def _instance_path() -> str | None:
    import os

    return os.environ.get("STATELAB_INSTANCE_PATH") or None


def _redis_client(app: LabFlask):
    if not app.config["STATELAB_REDIS_URL"]:
        return None
    return redis_client(app.config["STATELAB_REDIS_URL"],
                        app.config["STATELAB_REDIS_CONNECTIONS"])


def _backends(app: LabFlask, client) -> StateLab:
    cfg = app.config
    if client is not None:
        store = RedisStore(client, max_labs=cfg["STATELAB_MAX_LABS"],
                           keep_seconds=cfg["STATELAB_LAB_KEEP_SECONDS"],
                           per_creator=cfg["STATELAB_LABS_PER_ADDRESS"])
        bus = RedisBus(client, cfg["STATELAB_LAB_EVENTS"], cfg["STATELAB_MAX_VIEWERS"],
                       viewer_lease=VIEWER_LEASE_HEARTBEATS * cfg["STATELAB_HEARTBEAT_SECONDS"])
    else:
        store = MemoryStore(max_labs=cfg["STATELAB_MAX_LABS"],
                            keep_seconds=cfg["STATELAB_LAB_KEEP_SECONDS"],
                            per_creator=cfg["STATELAB_LABS_PER_ADDRESS"])
        bus = MemoryBus(cfg["STATELAB_LAB_EVENTS"], cfg["STATELAB_MAX_VIEWERS"])
    passwords = PasswordChecks(cfg["STATELAB_PASSWORD_CHECKS"], cfg["STATELAB_PASSWORD_WAIT"])
    with app.app_context():  # the session cookie's name is the app's setting
        masked = cookie_names()
    return StateLab(store, bus, Labs(store, bus), StreamSlots(cfg["STATELAB_MAX_STREAMS"]),
                    passwords, Feeds(bus, masked, cfg["STATELAB_HEARTBEAT_SECONDS"],
                                     store.created, cfg["STATELAB_MAX_WATCHED_LABS"]))


# redis-py 8's pool refuses the 101st connection ("Too many connections"): measured,
# 400 viewers arriving at once on two gevent workers got 200 answers 503. A blocking
# pool (STATELAB_REDIS_CONNECTIONS a worker) makes a greenlet wait for a free
# connection instead; each watched lab's feed holds one in its blocking XREAD.
REDIS_POOL_WAIT_SECONDS = 5


def redis_client(url: str, connections: int):
    import redis
    from redis.driver_info import DriverInfo

    # One DriverInfo for the pool: redis-py 8 otherwise reads its own version from the
    # package metadata for every new connection (measured 1.1 ms each; 20% of a
    # worker's CPU while 500 viewers arrive at once).
    pool = redis.BlockingConnectionPool.from_url(url, max_connections=connections,
                                                 timeout=REDIS_POOL_WAIT_SECONDS,
                                                 driver_info=DriverInfo())
    return redis.Redis(connection_pool=pool)


def _session_interface(app: LabFlask, client) -> LabSessionInterface:
    # permanent=False: the server_session cookie is a browser-session cookie (unless a
    # login asks for a lifetime), and Flask-Session only sends it when it changes.
    common = {"key_prefix": "statelab:session:", "permanent": False}
    if client is not None:
        return LabSessionInterface(app, LabRedisSessions(app, client, **common), "redis")
    folder = Path(app.instance_path) / "sessions"
    cache = FileSystemCache(str(folder), threshold=5000)
    return LabSessionInterface(app, LabCacheLibSessions(app, cache, **common), "cachelib")


def _cors(app: LabFlask) -> None:
    origins = app.config["STATELAB_CORS_ORIGINS"]
    if not origins:
        return
    from flask_cors import CORS

    # An explicit list: with credentials, flask-cors' default origins="*" would
    # reflect any Origin.
    CORS(app, resources={r"/api/*": {"origins": list(origins)}}, supports_credentials=True,
         allow_headers=["Content-Type", "X-Lab-Id", "X-Client-Id", "X-Lab-Owner"],
         expose_headers=["X-Lab-Recreated"])


def _traced_lab(environ: dict) -> str | None:
    if environ.get("PATH_INFO", "").startswith(UNTRACED):
        return None
    return context.lab_of(environ)


# The page's own reads (it makes them after loading and after each change): marked
# in their request events (page_read) so the page can leave them out of the timeline.
# frontend/api.js names the same paths (tests/test_page_reads.py pins them equal).
PAGE_READS = frozenset(("/", "/api/state", "/api/comments", "/api/labs/current", "/api/me",
                        "/api/lab/settings"))


def _without_owner_token(wsgi_app):
    """Outermost but for ProxyFix: whatever runs inside, accepted or refused, never
    sees the owner token where a trace could record it (owners.py)."""

    def scrubbed(environ: dict, start_response):
        owners.take_token(environ)
        return wsgi_app(environ, start_response)

    return scrubbed


def _lab_middleware(wsgi_app, statelab: StateLab, settings, may_recreate):
    """Resolve the lab and client a request names, before Flask (and the tracer) run.
    Outside Flask no error handler runs, so a backend outage is answered here.

    A well-formed lab id the server does not know (it restarted, or the lab was
    evicted) is made again on demand, so a class holding its link stays together;
    ``may_recreate(address)`` rate-limits that like ``POST /api/labs``. Not for another
    site's page, but for a link followed from it (crosssite.may_make_labs)."""
    origins = frozenset(settings["STATELAB_CORS_ORIGINS"])

    def resolve(environ: dict, start_response):
        lab = lab_from_environ(environ)
        client = client_from_environ(environ)
        recreated = False
        try:
            known = bool(lab) and statelab.labs.touch(lab)
            address = environ.get("REMOTE_ADDR") or "unknown"
            if (not known and statelab.labs.well_formed(lab)
                    and crosssite.may_make_labs(environ, origins)
                    and may_recreate(address)):
                recreated = statelab.labs.recreate(lab, address)
                # Not made here: another request may have made it again meanwhile.
                known = recreated or statelab.labs.touch(lab)
            tags = _tags(environ, statelab, lab, client, settings["SECRET_KEY"]) if known \
                else None
        except statelab.unavailable:
            error = backend_unavailable()
            return Response(json.dumps(error.body()), error.status, error.headers,
                            mimetype="application/json")(environ, start_response)
        if known:
            environ[context.LAB_KEY] = lab
            environ[context.TAGS_KEY] = tags
        environ[context.CLIENT_KEY] = client
        if not recreated:
            return wsgi_app(environ, start_response)

        def told(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Lab-Recreated", "true")], exc_info)
        return wsgi_app(environ, told)

    return resolve


def _tags(environ: dict, statelab: StateLab, lab: str, client: str | None, key) -> dict:
    """What the request event says besides the tracer's own fields: the client's public
    id (``person``, identity.py: what every viewer knows it by), its display name, and
    whether it is one of the page's own reads."""
    tags = {"person": public_id(key, lab, client)} if client else {}
    name = statelab.store.client_name(lab, client) if client else None
    if name:
        tags["client_name"] = name
    if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") in PAGE_READS:
        tags["page_read"] = True
    return tags
