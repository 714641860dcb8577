"""The WSGI stack around Flask: one ordered list, outermost first, each layer with why
it sits where it does.

``build(app, statelab)`` wraps ``app.wsgi_app`` in ``LAYERS``. ``measure_layers`` times
each layer on its own around a do-nothing app (``bench/inprocess.py`` prints it): in
process, the whole stack costs a few µs of a request's several hundred.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Callable, NamedTuple

from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from . import context, crosssite, fairness, owners, ratelimits
from .api.errors import backend_unavailable
from .identity import public_id
from .lab_flask import answer_propagated
from .labs import client_from_environ, lab_from_environ
from statelab_trace import HookTracer

if TYPE_CHECKING:
    from .context import StateLab
    from .lab_flask import LabFlask
    from .store.base import Visit

UNTRACED = ("/static/", "/api/hooks", "/favicon.ico")
# The page's own reads (it makes them after loading and after each change): marked
# in their request events (page_read) so the page can leave them out of the timeline.
# frontend/api.js names the same paths (tests/test_page_reads.py pins them equal).
PAGE_READS = frozenset(("/", "/api/state", "/api/comments", "/api/labs/current", "/api/me",
                        "/api/lab/settings"))

WSGIApp = Callable
# wrap(app, statelab, inner) -> the layer around ``inner``, or ``inner`` when not in use.
Wrap = Callable[["LabFlask", "StateLab", WSGIApp], WSGIApp]


class Layer(NamedTuple):
    name: str
    why: str
    wrap: Wrap


def traced(environ: dict) -> bool:
    """Whether a request goes to its lab's log (not static files, not the streams). Only
    these count toward a lab's first request: the page's event stream is untraced, and
    usually a lab's first request, so it would use the emulated hook up unseen."""
    path = environ.get("PATH_INFO", "")
    if path.startswith(UNTRACED):
        return False
    # POST /api/labs answers a new lab's owner token: in no lab's log
    return not (path == "/api/labs" and environ.get("REQUEST_METHOD") == "POST")


def traced_lab(environ: dict) -> str | None:
    """The lab whose log a request goes to (None: untraced, e.g. static files)."""
    return context.lab_of(environ) if traced(environ) else None


def _proxy_fix(app: LabFlask, statelab: StateLab, inner: WSGIApp) -> WSGIApp:
    proxies = app.config["STATELAB_TRUSTED_PROXIES"]
    if not proxies:
        return inner
    return ProxyFix(inner, x_for=proxies, x_proto=proxies, x_host=proxies)


def _turns(app: LabFlask, statelab: StateLab, inner: WSGIApp) -> WSGIApp:
    per_address = app.config["STATELAB_REQUESTS_PER_ADDRESS"]
    if not per_address:
        return inner
    turns = app.extensions[fairness.EXTENSION] = fairness.AddressTurns(per_address)
    return fairness.guard(inner, turns)


def _scrub(app: LabFlask, statelab: StateLab, inner: WSGIApp) -> WSGIApp:
    def scrubbed(environ: dict, start_response):
        owners.take_token(environ)
        return inner(environ, start_response)

    return scrubbed


def _cross_site(app: LabFlask, statelab: StateLab, inner: WSGIApp) -> WSGIApp:
    return crosssite.guard(inner, app.config["STATELAB_CORS_ORIGINS"])


def _propagated(app: LabFlask, statelab: StateLab, inner: WSGIApp) -> WSGIApp:
    return answer_propagated(inner)


def _lab(app: LabFlask, statelab: StateLab, inner: WSGIApp) -> WSGIApp:
    # The recreation counter shares the store's Redis pool (None: memory).
    client = getattr(statelab.store, "client", None)
    return lab_middleware(inner, statelab, app.config,
                          ratelimits.recreations(app.config, client))


def _tracer(app: LabFlask, statelab: StateLab, inner: WSGIApp) -> WSGIApp:
    if not app.config["STATELAB_TRACING"]:
        return inner
    app.wsgi_app = inner
    HookTracer(app, bus=statelab.bus, select=traced_lab,
               snapshot=app.session_interface.trace_snapshot,
               describe=app.session_interface.describe_snapshot,
               changed=app.session_interface.trace_changed)
    return app.wsgi_app


LAYERS = (
    Layer("proxy_fix", "Outermost, and only with STATELAB_TRUSTED_PROXIES: every layer "
          "inside sees the visitor's address, scheme and host.", _proxy_fix),
    Layer("turns", "Inside proxy_fix (it counts the visitor's address) and outside "
          "everything else: a request waiting its turn has cost nothing yet, and one "
          "refused is answered before the tracer, Flask and Flask-Limiter (fairness.py).",
          _turns),
    Layer("scrub", "Before anything that records or refuses a request: no layer inside "
          "sees the owner token where a trace could record it (owners.py).", _scrub),
    Layer("cross_site", "Outside lab resolution and the tracer: another site's "
          "state-changing request makes no lab again and takes no room in the lab's "
          "log (crosssite.py).", _cross_site),
    Layer("propagated", "Outside Flask and the tracer: the trace has recorded the "
          "exception a lab's PROPAGATE_EXCEPTIONS re-raised before it is answered here "
          "(lab_flask.py).", _propagated),
    Layer("lab", "Outside the tracer: it resolves the lab whose log the tracer writes "
          "and the tags its request event carries; a backend outage is answered here, "
          "where no Flask error handler runs.", _lab),
    Layer("tracer", "Innermost, with STATELAB_TRACING: it traces Flask's own request "
          "and nothing the layers outside refused.", _tracer),
)


def build(app: LabFlask, statelab: StateLab, layers: tuple[Layer, ...] = LAYERS) -> None:
    """Wrap ``app.wsgi_app`` in ``layers`` (outermost first)."""
    wsgi = app.wsgi_app
    for layer in reversed(layers):
        wsgi = layer.wrap(app, statelab, wsgi)
    app.wsgi_app = wsgi


def lab_middleware(wsgi_app: WSGIApp, statelab: StateLab, settings, may_recreate):
    """Resolve the lab and client a request names, before Flask (and the tracer) run.
    Outside Flask no error handler runs, so a backend outage is answered here.

    A well-formed lab id the server does not know (it restarted, or the lab was
    evicted) is made again on demand, so a class holding its link stays together;
    ``may_recreate(address)`` rate-limits that like ``POST /api/labs``. Not for another
    site's page, but for a link followed from it (crosssite.may_make_labs)."""
    origins = frozenset(settings["STATELAB_CORS_ORIGINS"])
    key = settings["SECRET_KEY"]

    def resolve(environ: dict, start_response):
        lab = lab_from_environ(environ)
        client = client_from_environ(environ)
        try:
            visit, recreated = _known(environ, statelab, lab, client, origins, may_recreate)
        except statelab.unavailable:
            error = backend_unavailable()
            return Response(json.dumps(error.body()), error.status, error.headers,
                            mimetype="application/json")(environ, start_response)
        if visit is not None:
            environ[context.LAB_KEY] = lab
            environ[context.TAGS_KEY] = _tags(environ, lab, client, key, visit.name)
            environ[context.FIRST_KEY] = visit.first
            environ[context.SETTINGS_KEY] = visit.settings
            environ[context.KEYS_KEY] = visit.keys
        environ[context.CLIENT_KEY] = client
        if not recreated:
            return wsgi_app(environ, start_response)

        def told(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Lab-Recreated", "true")], exc_info)
        return wsgi_app(environ, told)

    return resolve


def _known(environ: dict, statelab: StateLab, lab: str | None, client: str | None,
           origins: frozenset, may_recreate) -> tuple[Visit | None, bool]:
    """(the lab's visit, None when it does not exist; this request made it again)."""
    count_first = traced(environ)
    visit = statelab.labs.visit(lab, count_first, client)
    if visit is not None:
        return visit, False
    address = environ.get("REMOTE_ADDR") or "unknown"
    if (statelab.labs.well_formed(lab) and crosssite.may_make_labs(environ, origins)
            and may_recreate(address)):
        made = statelab.labs.recreate(lab, address)
        # Not made here: another request may have made it again meanwhile.
        return statelab.labs.visit(lab, count_first, client), made
    return None, False


def _tags(environ: dict, lab: str, client: str | None, key, name: str | None) -> dict:
    """What the request event says besides the tracer's own fields: the client's public
    id (``person``, identity.py: what every viewer knows it by), its display name, and
    whether it is one of the page's own reads."""
    tags = {"person": public_id(key, lab, client)} if client else {}
    if name:
        tags["client_name"] = name
    if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") in PAGE_READS:
        tags["page_read"] = True
    return tags


def measure_layers(app: LabFlask, environ: dict, n: int) -> dict[str, float]:
    """µs each layer adds on its own to ``environ``'s request, around a do-nothing app
    (the tracer's is ``bench/inprocess.py``'s traced minus untraced)."""
    statelab = context.current(app)

    def nothing(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    def per_request(wsgi) -> float:
        start = time.thread_time()  # CPU time: a busy machine's other processes not counted
        for _ in range(n):
            wsgi(dict(environ), lambda status, headers, exc_info=None: None)
        return (time.thread_time() - start) / n * 1e6

    base = per_request(nothing)
    costs = {}
    for layer in LAYERS:
        if layer.name == "tracer":
            continue
        wrapped = layer.wrap(app, statelab, nothing)
        costs[layer.name] = 0.0 if wrapped is nothing else per_request(wrapped) - base
    return costs
