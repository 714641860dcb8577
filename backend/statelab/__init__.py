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
               demo_hooks, ratelimits, slow_routes)
from .accounts import PasswordChecks
from .api.errors import backend_unavailable
from .api.logins import MECHANISMS
from .events import Bus, MemoryBus, RedisBus
from .lab_flask import LabFlask, answer_propagated
from .labs import Labs, client_from_environ, lab_from_environ
from .sessions import LabCacheLibSessions, LabRedisSessions, LabSessionInterface
from .store import MemoryStore, RedisStore, Store
from .streams import StreamSlots
from .tracing import HookTracer

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
    # Outside the tracer: a forged request costs no space in the lab's bounded log.
    app.wsgi_app = crosssite.guard(app.wsgi_app, app.config["STATELAB_CORS_ORIGINS"])
    app.wsgi_app = answer_propagated(_lab_middleware(app.wsgi_app, lab))
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
    import redis

    return redis.Redis.from_url(app.config["STATELAB_REDIS_URL"])


def _backends(app: LabFlask, client) -> StateLab:
    cfg = app.config
    if client is not None:
        store = RedisStore(client, max_labs=cfg["STATELAB_MAX_LABS"],
                           keep_seconds=cfg["STATELAB_LAB_KEEP_SECONDS"])
        bus = RedisBus(client, cfg["STATELAB_LAB_EVENTS"], cfg["STATELAB_MAX_VIEWERS"])
    else:
        store = MemoryStore(max_labs=cfg["STATELAB_MAX_LABS"],
                            keep_seconds=cfg["STATELAB_LAB_KEEP_SECONDS"])
        bus = MemoryBus(cfg["STATELAB_LAB_EVENTS"], cfg["STATELAB_MAX_VIEWERS"])
    passwords = PasswordChecks(cfg["STATELAB_PASSWORD_CHECKS"], cfg["STATELAB_PASSWORD_WAIT"])
    return StateLab(store, bus, Labs(store, bus), StreamSlots(cfg["STATELAB_MAX_STREAMS"]),
                    passwords)


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
         allow_headers=["Content-Type", "X-Lab-Id", "X-Client-Id"])


def _traced_lab(environ: dict) -> str | None:
    if environ.get("PATH_INFO", "").startswith(UNTRACED):
        return None
    return context.lab_of(environ)


def _lab_middleware(wsgi_app, statelab: StateLab):
    """Resolve the lab and client a request names, before Flask (and the tracer) run.
    Outside Flask no error handler runs, so a backend outage is answered here."""

    def resolve(environ: dict, start_response):
        lab = lab_from_environ(environ)
        try:
            known = bool(lab) and statelab.labs.touch(lab)
        except statelab.unavailable:
            error = backend_unavailable()
            return Response(json.dumps(error.body()), error.status, error.headers,
                            mimetype="application/json")(environ, start_response)
        if known:
            environ[context.LAB_KEY] = lab
        environ[context.CLIENT_KEY] = client_from_environ(environ)
        return wsgi_app(environ, start_response)

    return resolve
