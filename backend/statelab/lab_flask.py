"""The app's Flask class: three of Flask's own decisions, made per lab.

Flask makes these decisions once per app; the playground lets each lab make them, and
every one still runs Flask's own code path:

- ``PROPAGATE_EXCEPTIONS``: ``Flask.handle_exception`` reads
  ``self.config["PROPAGATE_EXCEPTIONS"]`` each time a view raises. ``LabConfig`` answers
  True for a lab that asks, so Flask itself re-raises (no 500 handler, no after_request,
  no save_session, no request_finished; teardown still gets the exception).
- Error handlers: ``Flask._find_error_handler`` is where Flask looks a handler up. A lab
  with ``custom_error_handlers`` off finds none for 403/404/500, so Flask answers with the
  HTTP exception itself (Werkzeug's page) exactly as an app that registered none.
- ``before_first_request`` (removed in Flask 2.3, pallets/flask#4605): emulated where
  Flask 2.2 ran it, at the top of ``full_dispatch_request``, before ``request_started``
  and every ``before_request``. Each lab plays one app instance: its first request runs it.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Flask, has_request_context, request
from flask.config import Config
from werkzeug.exceptions import HTTPException, InternalServerError

from .context import FIRST_KEY, current, lab_of

logger = logging.getLogger(__name__)

CUSTOM_HANDLER_CODES = (403, 404, 500)
PROPAGATED = "statelab.propagated"  # environ: Flask re-raised because the lab asked


def lab_setting(name: str) -> bool | None:
    """This request's lab's setting, or None outside a lab's request."""
    if not has_request_context():
        return None
    lab = lab_of(request.environ)
    if lab is None:
        return None
    statelab = current()
    try:
        # Read again, not the visit's copy (context.lab_settings): these are read while
        # an error is handled, and an outage since the visit must answer 503 with
        # Flask's defaults, not the lab's switches.
        return statelab.store.settings(lab)[name]
    except statelab.unavailable:
        return None  # the backend is down: Flask's defaults, and the outage answered 503


class LabConfig(Config):
    def __getitem__(self, key: str) -> Any:
        if key == "PROPAGATE_EXCEPTIONS" and lab_setting("propagate_exceptions"):
            request.environ[PROPAGATED] = True
            return True
        return super().__getitem__(key)


class LabFlask(Flask):
    config_class = LabConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_first_request_funcs: list[Callable[[], Any]] = []

    def before_first_request(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Register ``func`` as Flask 2.2's ``@app.before_first_request`` did."""
        self.before_first_request_funcs.append(func)
        return func

    def full_dispatch_request(self):
        # Flask 2.2's full_dispatch_request began by running the before_first_request
        # functions, once, before request_started was sent. The lab middleware counted
        # the request (labstack.traced: only traced requests count).
        if request.environ.get(FIRST_KEY):
            for func in self.before_first_request_funcs:
                self.ensure_sync(func)()
        return super().full_dispatch_request()

    def _find_error_handler(self, e: Exception, blueprints: list[str]):
        if (isinstance(e, HTTPException) and e.code in CUSTOM_HANDLER_CODES
                and lab_setting("custom_error_handlers") is False):
            return None
        return super()._find_error_handler(e, blueprints)


def answer_propagated(wsgi_app: Callable) -> Callable:
    """Answer as the WSGI server would when Flask re-raises for a lab's switch.

    Werkzeug's development server (``run_wsgi``) logs the traceback and sends
    ``InternalServerError()``; gunicorn logs it and sends its own plain 500. This does the
    same, so the client gets an answer, and says which exception Flask re-raised. Any
    other exception escaping Flask is left to the server."""

    def catch(environ: dict, start_response: Callable):
        try:
            return wsgi_app(environ, start_response)
        except Exception as exc:
            if not environ.get(PROPAGATED):
                raise
            logger.error("Flask re-raised %s (the lab's propagate_exceptions is on)",
                         type(exc).__name__, exc_info=exc)
            response = InternalServerError().get_response(environ)
            response.headers["X-Flask-Propagated"] = type(exc).__name__
            return response(environ, start_response)

    return catch
