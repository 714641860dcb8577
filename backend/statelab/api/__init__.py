"""The JSON API: one blueprint per concern, all under /api, all per lab."""

from __future__ import annotations

from flask import Blueprint, Flask, g, request

from ..accounts import ChecksBusy
from ..context import lab_of
from ..labs import lab_from_environ
from ..store import UnknownLab
from . import comments, cookies, errors, health, hooks, labs, openapi, people, secret, slow, state
from ..inputs import ApiError
from .logins import MECHANISMS, NAMES

NO_LAB_NEEDED = {"api.labs.create_lab", "api.openapi.openapi", "api.health.health"}


def require_lab():
    """Every API request names an existing lab; it is ``g.lab`` for the view.

    The lab middleware has already looked the named lab up (``statelab.lab``)."""
    # A CORS preflight never carries the lab's header value, only its name.
    if request.endpoint in NO_LAB_NEEDED or request.method == "OPTIONS":
        return
    lab = lab_of(request.environ)
    if lab is None:
        if not lab_from_environ(request.environ):
            raise ApiError(400, "lab_required", "Name a lab: the X-Lab-Id header or ?lab= "
                           "(POST /api/labs makes one)")
        raise unknown_lab()
    g.lab = lab


def unknown_lab() -> ApiError:
    return ApiError(404, "unknown_lab", "No such lab (it may have been evicted); "
                    "POST /api/labs makes a new one")


def unknown_mechanism(mechanism: str, action: str):
    raise ApiError(404, "unknown_mechanism",
                   f"No mechanism {mechanism!r}; use {', '.join(NAMES)}",
                   mechanisms=list(NAMES))


def register(app: Flask) -> None:
    api = Blueprint("api", __name__, url_prefix="/api")
    api.before_request(require_lab)
    api.add_url_rule("/<mechanism>/<any(login, logout, comment):action>",
                     view_func=unknown_mechanism, methods=["POST"])
    for bp in (labs.bp, people.bp, secret.bp, *(m.bp for m in MECHANISMS), comments.bp,
               cookies.bp, state.bp, hooks.bp, errors.bp, slow.bp, health.bp, openapi.bp):
        api.register_blueprint(bp)
    app.register_blueprint(api)
    errors.register_handlers(app)
    # A lab evicted while one of its requests ran: any write to it answers as if the
    # request had named no such lab.
    app.register_error_handler(UnknownLab, lambda error: unknown_lab().response())
    app.register_error_handler(ChecksBusy, lambda error: _busy())


def _busy():
    return ApiError(503, "busy", "Too many password checks are running; try again in a "
                    "moment", headers={"Retry-After": "1"}).response()
