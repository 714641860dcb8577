"""Flask State Lab: a Flask app that shows its own request lifecycle, per lab."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachelib import FileSystemCache
from flask import send_from_directory
from flask_session.cachelib import CacheLibSessionInterface
from flask_session.redis import RedisSessionInterface

from . import api, classic, config, demo_blueprint, demo_hooks
from .events import MemoryBus, RedisBus
from .lab_flask import LabFlask, answer_propagated
from .labs import Labs, client_from_environ, lab_from_environ
from .sessions import LabSessionInterface
from .store import MemoryStore, RedisStore
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
    """What the blueprints share, as ``app.extensions["statelab"]``."""

    store: Any
    bus: Any
    labs: Labs


def create_app(config_overrides: dict | None = None) -> LabFlask:
    overrides = config_overrides or {}
    app = LabFlask(__name__, instance_path=overrides.get("INSTANCE_PATH") or _instance_path(),
                instance_relative_config=True, static_folder=None)
    config.load(app, overrides)
    frontend = app.config["STATELAB_FRONTEND"]
    app.static_folder = frontend
    app.static_url_path = "/static"
    app.add_url_rule("/static/<path:filename>", endpoint="static",
                     view_func=app.send_static_file)

    lab = _backends(app)
    app.extensions["statelab"] = lab
    app.session_interface = _session_interface(app)
    app.first_request_lab = _traced_lab

    demo_hooks.register(app)
    api.register(app)
    app.register_blueprint(classic.bp)
    app.register_blueprint(demo_blueprint.bp)

    @app.get("/")
    def index():
        response = send_from_directory(frontend, "index.html")
        response.headers.update(PAGE_HEADERS)
        return response

    _cors(app)
    if app.config["STATELAB_TRACING"]:
        HookTracer(app, bus=lab.bus, select=_traced_lab,
                   snapshot=app.session_interface.trace_snapshot,
                   describe=app.session_interface.describe_snapshot)
    app.wsgi_app = answer_propagated(_lab_middleware(app.wsgi_app, lab.labs))
    return app


def _instance_path() -> str | None:
    import os

    return os.environ.get("STATELAB_INSTANCE_PATH") or None


def _backends(app: LabFlask) -> StateLab:
    cfg = app.config
    if cfg["STATELAB_REDIS_URL"]:
        import redis

        client = redis.Redis.from_url(cfg["STATELAB_REDIS_URL"])
        store = RedisStore(client, max_labs=cfg["STATELAB_MAX_LABS"])
        bus = RedisBus(client, cfg["STATELAB_LAB_EVENTS"], cfg["STATELAB_MAX_VIEWERS"])
    else:
        store = MemoryStore(max_labs=cfg["STATELAB_MAX_LABS"])
        bus = MemoryBus(cfg["STATELAB_LAB_EVENTS"], cfg["STATELAB_MAX_VIEWERS"])
    return StateLab(store, bus, Labs(store, bus))


def _session_interface(app: LabFlask) -> LabSessionInterface:
    # permanent=False: the server_session cookie is a browser-session cookie (unless a
    # login asks for a lifetime), and Flask-Session only sends it when it changes.
    common = {"key_prefix": "statelab:session:", "permanent": False}
    if app.config["STATELAB_REDIS_URL"]:
        import redis

        client = redis.Redis.from_url(app.config["STATELAB_REDIS_URL"])
        return LabSessionInterface(app, RedisSessionInterface(app, client, **common), "redis")
    folder = Path(app.instance_path) / "sessions"
    cache = FileSystemCache(str(folder), threshold=5000)
    return LabSessionInterface(app, CacheLibSessionInterface(app, cache, **common), "cachelib")


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
    return environ.get("statelab.lab")


def _lab_middleware(wsgi_app, labs: Labs):
    """Resolve the lab and client a request names, before Flask (and the tracer) run."""

    def resolve(environ: dict, start_response):
        lab = lab_from_environ(environ)
        if lab and labs.touch(lab):
            environ["statelab.lab"] = lab
        environ["statelab.client"] = client_from_environ(environ)
        return wsgi_app(environ, start_response)

    return resolve
