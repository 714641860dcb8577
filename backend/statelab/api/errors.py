"""Errors on purpose, and the custom handlers the tutorial writes.

``/api/error/<kind>`` aborts or raises in the view. The custom 404/500/403 handlers
answer JSON under ``/api`` and the tutorial's HTML pages elsewhere; a lab can turn them
off (``custom_error_handlers: false``): Flask then finds no handler for 403/404/500 in
that lab (``LabFlask._find_error_handler``) and answers with Werkzeug's default page.
"""

from __future__ import annotations


from flask import Blueprint, Flask, abort, request, session
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..context import current
from ..sessions import SessionNotStored

from ..inputs import ApiError

bp = Blueprint("errors", __name__)

KINDS = ("500", "404", "403", "exception", "login-abort", "login-crash")
# They write the session, so never on a GET: another site's link (a top-level navigation
# carries and stores Lax cookies, and the cross-site guard passes every GET) would log
# the visitor in.
POST_ONLY = ("login-abort", "login-crash")

# The tutorial's own pages. Constant text: nothing from the request goes into HTML.
PAGES = {
    500: "<h1>Server error, please contact the administrator. "
         "The administrator's phone number is 1111</h1>",
    404: "<h1>I can't find my way home</h1>",
    403: "<h1>You are not allowed in here</h1>",
}
CODES = {500: "internal_error", 404: "not_found", 403: "forbidden"}


@bp.route("/error/<kind>", methods=["GET", "POST"])
def trigger(kind: str):
    if kind in POST_ONLY and request.method != "POST":
        raise MethodNotAllowed(valid_methods=["POST"])
    if kind == "500":
        abort(500)
    if kind == "404":
        abort(404)
    if kind == "403":
        abort(403)
    if kind == "exception":
        return {"result": 1 / 0}
    if kind == "login-abort":
        # The tutorial's login: abort(500) comes before the session is written, so the
        # user is never logged in, and teardown_request receives no exception.
        abort(500)
        session["username"] = "Liu Bei"
    if kind == "login-crash":
        # A login that crashes after it set the session: with Flask's default handling
        # the session is still saved (finalize_request runs save_session for the 500);
        # with PROPAGATE_EXCEPTIONS Flask re-raises first and the session is lost.
        session["username"] = "Liu Bei"
        raise RuntimeError("login crashed after it set the session")
    raise ApiError(404, "unknown_error_kind", f"Kinds: {', '.join(KINDS)}", kinds=list(KINDS))


def backend_unavailable() -> ApiError:
    return ApiError(503, "backend_unavailable", "The lab's backend (Redis) cannot be "
                    "reached; try again shortly", headers={"Retry-After": "2"})


def session_not_stored() -> ApiError:
    return ApiError(507, "session_not_stored", "The server could not store the "
                    "server-side session (its disk is full?): this login did not happen. "
                    "Tell whoever runs the server; /api/health reports it")


def _backend_down(error: BaseException | None) -> bool:
    return isinstance(error, current().unavailable)


def handle_custom(error: HTTPException):
    """The tutorial's custom 404/403/500 handler (one function, registered for each)."""
    # An outage outside a view (opening the server-side session, say) reaches Flask's
    # 500 handler wrapped in InternalServerError; it is not the tutorial's 500.
    original = getattr(error, "original_exception", None)
    if _backend_down(original):
        return backend_unavailable().response()
    if isinstance(original, SessionNotStored):
        return session_not_stored().response()
    code = error.code or 500
    if request.path.startswith("/api/"):
        return ApiError.from_http(error, CODES[code]).response()
    return PAGES[code], code


def handle_api_error(error: ApiError):
    return error.response()


def handle_http_exception(error: HTTPException):
    """Every other HTTP error (400, 405, 413, ...): JSON under /api, Werkzeug's elsewhere."""
    if not request.path.startswith("/api/"):
        return error
    return ApiError.from_http(error, "too_large" if error.code == 413 else None).response()


def register_handlers(app: Flask) -> None:
    for code in CODES:
        app.register_error_handler(code, handle_custom)
    for outage in current(app).unavailable:
        app.register_error_handler(outage, lambda error: backend_unavailable().response())
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
