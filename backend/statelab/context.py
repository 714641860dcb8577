"""The app's shared parts, and the lab and client a request names: each read in one place.

``StateLab`` holds the shared parts, kept by ``create_app`` in ``app.extensions``; the
lab middleware (``labstack.lab_middleware``) puts the lab a request names, when it
exists, and the client id into the WSGI environ, before Flask and the tracer run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask, current_app, has_request_context, request

from statelab_trace.wsgi import CLIENT_KEY, TAGS_KEY

if TYPE_CHECKING:
    from .accounts import PasswordChecks
    from .events import Bus
    from .fanout import Feeds
    from .labs import Labs
    from .store import Store
    from .streams import StreamSlots

EXTENSION = "statelab"
LAB_KEY = "statelab.lab"
# True when the lab middleware counted this request as its lab's first (Store.visit)
FIRST_KEY = "statelab.first_request"
# The lab's settings and signing keys as the lab middleware's visit read them: a request
# sees its lab as it was when it came (and its own changes), in no extra round trip.
SETTINGS_KEY = "statelab.settings"
KEYS_KEY = "statelab.stored_keys"

__all__ = ["CLIENT_KEY", "FIRST_KEY", "KEYS_KEY", "LAB_KEY", "SETTINGS_KEY", "TAGS_KEY", "StateLab",
           "client_of", "current", "install", "lab_of", "lab_settings", "settings_changed"]


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


def install(app: Flask, statelab: StateLab) -> None:
    app.extensions[EXTENSION] = statelab


def current(app: Flask | None = None) -> StateLab:
    """The ``StateLab`` of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def lab_of(environ: dict) -> str | None:
    """The existing lab this request names (None: it names none, or an unknown one)."""
    return environ.get(LAB_KEY)


def client_of(environ: dict) -> str | None:
    """The request's valid ``X-Client-Id``, if it sent one."""
    return environ.get(CLIENT_KEY)


def lab_settings(lab: str) -> dict:
    """``lab``'s settings: for the lab of the request in progress, as its visit read
    them (with the request's own changes); otherwise read from the store."""
    if has_request_context() and lab_of(request.environ) == lab \
            and SETTINGS_KEY in request.environ:
        return dict(request.environ[SETTINGS_KEY])
    return current().store.settings(lab)


def settings_changed(lab: str, settings: dict) -> None:
    """The request in progress changed ``lab``'s settings to ``settings``: what it reads
    of them from now on."""
    if has_request_context() and lab_of(request.environ) == lab:
        request.environ[SETTINGS_KEY] = dict(settings)
