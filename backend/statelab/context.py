"""The app's shared parts, and the lab and client a request names: each read in one place.

``create_app`` keeps its ``StateLab`` in ``app.extensions``; the lab middleware
(``labstack.lab_middleware``) puts the lab a request names, when it exists, and
the client id into the WSGI environ, before Flask and the tracer run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app

from statelab_trace.wsgi import CLIENT_KEY, TAGS_KEY

if TYPE_CHECKING:
    from . import StateLab

EXTENSION = "statelab"
LAB_KEY = "statelab.lab"

__all__ = ["CLIENT_KEY", "LAB_KEY", "TAGS_KEY", "client_of", "current", "install", "lab_of"]


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
