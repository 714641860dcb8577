"""Flask State Lab: a Flask app that shows its own request lifecycle, per lab."""

from __future__ import annotations

from pathlib import Path

from cachelib import FileSystemCache
from flask import request, send_from_directory
from werkzeug.wrappers import Response

from . import (api, classic, compression, config, context, crosssite, demo_blueprint,
               demo_hooks, labstack, ratelimits, slow_routes)
from .accounts import PasswordChecks
from .api.logins import MECHANISMS
from .context import StateLab
from .events import MemoryBus, RedisBus
from .events.redis import VIEWER_LEASE_HEARTBEATS
from .fanout import Feeds
from .lab_flask import LabFlask
from .labs import Labs
from .redis_backend import redis_client
from .sessions import (LabCacheLibSessions, LabRedisSessions, LabSessionInterface,
                       warn_of_every_oversized_cookie)
from .store import MemoryStore, RedisStore
from .streams import StreamSlots

PAGE_HEADERS = {
    # Scripts only from our own files: user text can never run, whatever goes wrong.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


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
    warn_of_every_oversized_cookie()

    demo_hooks.register(app)
    api.register(app)
    app.register_blueprint(classic.bp)
    app.register_blueprint(demo_blueprint.bp)
    ratelimits.install(app, tuple(f"api.{m.bp.name}.login" for m in MECHANISMS), client)
    slow_routes.install(app)

    cors_origins = frozenset(app.config["STATELAB_CORS_ORIGINS"])

    @app.get("/")
    @compressed
    def index():
        lab = request.args.get("lab")
        if (Labs.well_formed(lab) and context.lab_of(request.environ) is None
                and not crosssite.may_make_labs(request.environ, cors_origins)):
            return Response(crosssite.not_made_page(lab), 404, PAGE_HEADERS,
                            mimetype="text/html")
        response = send_from_directory(frontend, "index.html")
        response.headers.update(PAGE_HEADERS)
        return response

    _cors(app)
    labstack.build(app, lab)
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
        bus = MemoryBus(cfg["STATELAB_LAB_EVENTS"], cfg["STATELAB_MAX_VIEWERS"],
                        cfg["STATELAB_LAB_BYTES"])
    passwords = PasswordChecks(cfg["STATELAB_PASSWORD_CHECKS"], cfg["STATELAB_PASSWORD_WAIT"])
    return StateLab(store, bus, Labs(store, bus), StreamSlots(cfg["STATELAB_MAX_STREAMS"],
                                                                 cfg["STATELAB_STREAMS_PER_ADDRESS"]),
                    passwords, Feeds(bus, cfg["STATELAB_HEARTBEAT_SECONDS"],
                                     store.created, cfg["STATELAB_MAX_WATCHED_LABS"]))


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
