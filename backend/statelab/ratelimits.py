"""Rate limits (Flask-Limiter) on what costs the server: logins, new labs and names.

- Logins, per client address and lab (``STATELAB_LOGIN_RATE``, 10/minute), and per
  address across labs (``STATELAB_LOGIN_ADDRESS_RATE``, 120/minute: a class behind one
  NAT address logging in at once): each one is a 32 MiB, ~100 ms scrypt check. The lab
  is the one the request resolved to (context.lab_of): every name of a lab the server
  does not know counts as one "no lab", so inventing ``?lab=`` values buys nothing.
- Cracks of a session cookie (the secret key lesson), per client address across labs
  (``STATELAB_CRACK_RATE``, 10/minute): each is up to 2 s of CPU (secret_keys.py).
- New labs, per client address (``STATELAB_LAB_RATE``, 60/minute): each one may evict
  an idle lab, with its comments and settings.
- Display names, per client address and lab (``STATELAB_NAME_RATE``, 60/minute): each
  ``PUT /api/me`` with a new client id keeps one more name (pushing out the oldest past
  store.MAX_NAMES) and adds a person to every page of the lab. A class behind one NAT
  address shares the count, so it stays above the class naming itself at once.

Counters live in memory (one process), or in Redis when STATELAB_REDIS_URL is set, so
every worker counts together. A breach answers JSON 429 ``rate_limited`` with
``Retry-After``. The client address is ``request.remote_addr``: behind a proxy, set
STATELAB_TRUSTED_PROXIES (Werkzeug's ``ProxyFix``) so it is the visitor's, not the proxy's.

Flask-Limiter's own before/after/teardown hooks are not registered: the two guarded
views check their limit themselves (its decorator does that when it wraps a view), so
the lab's timeline does not show three limiter hooks on every request.
"""

from __future__ import annotations

import math
import time

from collections.abc import Callable

from flask import Flask, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from .context import lab_of
from .inputs import ApiError

CLASSIC_LOGIN_VIEWS = ("classic.do_login", "classic.do_session_login")
LAB_VIEWS = ("api.labs.create_lab",)
CRACK_VIEWS = ("api.secret.crack",)
NAME_VIEWS = ("api.people.put_me",)


def client_address() -> str:
    return request.remote_addr or "unknown"


def client_and_lab() -> str:
    return f"{client_address()}|{lab_of(request.environ) or '-'}"


def install(app: Flask, login_views: tuple[str, ...], client=None) -> Limiter:
    """Guard the login views (besides the tutorial's), the lab-creation and name views of
    ``app`` (call once they are registered); counters in Redis through ``client``'s
    connection pool when there is one."""
    config = app.config
    shared = {"connection_pool": client.connection_pool} if client is not None else {}
    limiter = Limiter(client_address, storage_uri=config["STATELAB_REDIS_URL"] or "memory://",
                      storage_options=shared, key_prefix="statelab:limits",
                      strategy="moving-window")
    # Marked as installed before init_app, which then skips registering its hooks.
    app.extensions.setdefault("limiter", set()).add(limiter)
    limiter.init_app(app)
    _guard(app, (*login_views, *CLASSIC_LOGIN_VIEWS), limiter.shared_limit(
        lambda: config["STATELAB_LOGIN_RATE"], scope="login", key_func=client_and_lab,
        error_message="Too many logins from this client in this lab"))
    _guard(app, (*login_views, *CLASSIC_LOGIN_VIEWS), limiter.shared_limit(
        lambda: config["STATELAB_LOGIN_ADDRESS_RATE"], scope="login-address",
        error_message="Too many logins from this address across labs"))
    _guard(app, NAME_VIEWS, limiter.shared_limit(
        lambda: config["STATELAB_NAME_RATE"], scope="names", key_func=client_and_lab,
        error_message="Too many display names set from this client in this lab"))
    _guard(app, CRACK_VIEWS, limiter.shared_limit(
        lambda: config["STATELAB_CRACK_RATE"], scope="cracks",
        error_message="Too many cracks from this address"))
    _guard(app, LAB_VIEWS, limiter.shared_limit(
        lambda: config["STATELAB_LAB_RATE"], scope="labs",
        error_message="Too many new labs from this client"))
    app.register_error_handler(RateLimitExceeded, lambda error: _too_many(limiter, error))
    return limiter


def recreations(config, client=None) -> Callable[[str], bool]:
    """Whether an address may have a forgotten lab made again now (labs.py): counted
    apart from new labs, at the same rate (``STATELAB_LAB_RATE``). Used outside Flask,
    before the lab is known, so with the ``limits`` library Flask-Limiter is built on."""
    shared = {"connection_pool": client.connection_pool} if client is not None else {}
    storage = storage_from_string(config["STATELAB_REDIS_URL"] or "memory://", **shared)
    window = MovingWindowRateLimiter(storage)
    rates = parse_many(config["STATELAB_LAB_RATE"])

    def allowed(address: str) -> bool:
        return all(window.hit(rate, "statelab:recreate", address) for rate in rates)
    return allowed


def _guard(app: Flask, endpoints: tuple[str, ...], limit) -> None:
    for endpoint in endpoints:
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])


def _too_many(limiter: Limiter, error: RateLimitExceeded):
    breached = limiter.current_limit
    # window[0]: when the oldest counted hit leaves the window (reset_at adds a second)
    wait = max(1, math.ceil(breached.window[0] - time.time())) if breached else 60
    return ApiError(429, "rate_limited", f"{error.description} ({error.limit.limit}); try "
                    f"again in {wait} s", retry_after=wait,
                    headers={"Retry-After": str(wait)}).response()
