"""Who may see the trace page. It shows cookies, and cookies are credentials.

Without ``STATELAB_TRACE_TOKEN``: only direct requests from this machine, to a loopback
name. A request from a loopback address that carries a proxy header (``X-Forwarded-For``,
``Forwarded``, ``X-Real-IP``) is refused: behind a reverse proxy every visitor looks
local. A ``Host`` that is not a loopback name (``localhost``, ``*.localhost``,
``127.x.x.x``, ``[::1]``, with or without a port) is refused too, as Werkzeug's debugger
refuses it: by DNS rebinding, any web page the developer visits can point its own name
at 127.0.0.1 and read the page from the developer's browser.

With a token: only requests that present it (``?token=`` on the page, the
``X-StateLab-Token`` header on its API), whatever their address or Host.
"""

from __future__ import annotations

import hmac
import ipaddress

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
NEEDS_TOKEN = ("The trace page needs its token (STATELAB_TRACE_TOKEN): open it as "
               "?token=...")
LOCAL_ONLY = ("The trace page shows cookies: without STATELAB_TRACE_TOKEN it answers only "
              "direct requests from this machine")
LOOPBACK_NAME_ONLY = ("The trace page shows cookies: without STATELAB_TRACE_TOKEN it "
                      "answers only a loopback Host (localhost, 127.0.0.1, [::1])")


def refusal(environ: dict, token: str | None, given: str) -> str | None:
    """Why the request may not see the page, or None when it may."""
    if token:
        return None if hmac.compare_digest(given.encode(), str(token).encode()) else NEEDS_TOKEN
    if any(environ.get(header) for header in PROXY_HEADERS) or not loopback_address(
            environ.get("REMOTE_ADDR")):
        return LOCAL_ONLY
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME")
    return None if loopback_host(host) else LOOPBACK_NAME_ONLY


def loopback_address(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def loopback_host(host: str | None) -> bool:
    """``host`` (a Host header: name, optional port) names this machine's loopback."""
    host = (host or "").strip().lower()
    if host.startswith("["):  # [::1]:5000
        name, close, rest = host[1:].partition("]")
        if not close or (rest and not _port(rest)):
            return False
    else:
        name, colon, port = host.partition(":")
        if colon and not port.isdigit():
            return False
    name = name.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    return loopback_address(name)


def _port(rest: str) -> bool:
    return rest.startswith(":") and rest[1:].isdigit()
