"""Refuse state-changing requests that another site's page made (CSRF).

A browser says where a request comes from: ``Sec-Fetch-Site`` (Chromium 76+, Firefox
90+, Safari 16.4+; a page cannot set it) and ``Origin`` (sent on every cross-origin
request and on every POST). A POST, PUT, PATCH or DELETE is refused with a JSON 403
``cross_site`` when either says another origin made it, unless that origin is one of
STATELAB_CORS_ORIGINS. A request that carries neither header (curl, the tutorial's
examples, a script) is not a browser acting for someone, and passes.

"Own origin" is the scheme and host Werkzeug sees (``wsgi.url_scheme`` and ``Host``):
behind a proxy that terminates TLS, set STATELAB_TRUSTED_PROXIES (Werkzeug's ``ProxyFix``)
so the scheme and host are the visitor's.

This is WSGI middleware, outside Flask, the tracer and the lab middleware, so a refused
request runs no hook, no view and no session save: nothing it carries (a cookie, a form)
touches the lab, it makes no unknown lab again, and it takes no room in the lab's log
(tests/test_crosssite.py).

A GET passes the guard, but one that another site's page made (an ``<img src>``, a
cross-origin EventSource, a script's navigation, a prefetch) makes no unknown lab again
unless it is a top-level navigation the visitor made (``may_make_labs``, used by the
lab middleware), and is refused a live stream
(api/hooks.py): else any site could have its visitors' browsers re-create labs and hold
streams on them, filling STATELAB_MAX_LABS and STATELAB_MAX_WATCHED_LABS.
"""

from __future__ import annotations

import html
import json
from typing import Callable, Iterable

from werkzeug.wsgi import get_host

from .inputs import error_body

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sec-Fetch-Site values only the browser itself can produce for our own pages:
# same-origin fetches, and "none" (typed into the address bar, a bookmark).
TRUSTED_SITES = frozenset({"same-origin", "none"})


def own_origin(environ: dict) -> str:
    return f"{environ.get('wsgi.url_scheme', 'http')}://{get_host(environ)}"


def refusal(environ: dict, allowed: Iterable[str]) -> str | None:
    """Why this request is refused as cross-site, or None when it may go on."""
    if environ.get("REQUEST_METHOD", "GET") not in UNSAFE:
        return None
    return foreign(environ, allowed)


def foreign(environ: dict, allowed: Iterable[str]) -> str | None:
    """Why the browser says another site's page made this request (of any method), or
    None: it did not, or no browser said anything."""
    site = environ.get("HTTP_SEC_FETCH_SITE")
    if site in TRUSTED_SITES:
        return None
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None:
        if origin == own_origin(environ) or origin in allowed:
            return None
        return f"Origin {origin[:200]!r} is not this site"
    if site is None:
        return None  # no browser said anything: curl, a script, the tutorial's examples
    return f"Sec-Fetch-Site: {site[:50]}"


def navigation(environ: dict) -> bool:
    """Whether this is a top-level navigation the visitor made (a link clicked, an
    address typed): the visitor sees where it goes, unlike an <img>, an iframe, a
    script's ``location.href =`` (no ``Sec-Fetch-User: ?1``: no user activation) or a
    speculation-rules prefetch or prerender (``Sec-Purpose``, or the older
    ``Purpose: prefetch``), which any page a student visits can make."""
    return (environ.get("HTTP_SEC_FETCH_MODE") == "navigate"
            and environ.get("HTTP_SEC_FETCH_DEST") == "document"
            and environ.get("HTTP_SEC_FETCH_USER") == "?1" and not speculative(environ))


def speculative(environ: dict) -> bool:
    """A prefetch or prerender: the browser guessing, nobody visiting (Chromium's
    cross-site prefetch may carry no Sec-Fetch-Site at all)."""
    return ("HTTP_SEC_PURPOSE" in environ
            or "prefetch" in environ.get("HTTP_PURPOSE", "").lower())


def may_make_labs(environ: dict, allowed: Iterable[str]) -> bool:
    """Whether this request may make an unknown lab again. Not another site's <img> or
    EventSource, which would have its visitors' browsers fill STATELAB_MAX_LABS; but a
    teacher's link posted on another site still brings the class back after a restart."""
    if speculative(environ):
        return False
    return navigation(environ) or foreign(environ, allowed) is None


def not_made_page(lab: str) -> str:
    """What another site's script navigation or prefetch to an unknown lab gets instead
    of the app (whose own requests, same-origin, would make the lab): a link that, clicked,
    does. ``lab`` is a well-formed id (labs.LAB_ID), escaped all the same."""
    link = html.escape(f"/?lab={lab}", quote=True)
    return ("<!doctype html><meta charset=utf-8><title>Flask State Lab</title>"
            "<p>This lab is not running on the server now (it restarted, or the lab was "
            "removed), and another site sent you here without a click.</p>"
            f'<p><a href="{link}">Open the lab</a> to start it again.</p>')


def guard(wsgi_app: Callable, allowed: Iterable[str]) -> Callable:
    allowed = frozenset(allowed)

    def checked(environ: dict, start_response: Callable):
        reason = refusal(environ, allowed)
        if reason is None:
            return wsgi_app(environ, start_response)
        body = json.dumps(error_body(
            403, "cross_site", f"Refused: a state-changing request made by another site's "
            f"page ({reason}). Use the playground's own page, or a client that is not a "
            f"browser.")).encode()
        start_response("403 FORBIDDEN", [("Content-Type", "application/json"),
                                         ("Content-Length", str(len(body))),
                                         ("Vary", "Origin, Sec-Fetch-Site")])
        return [body]

    return checked
