"""The login mechanisms, in the page's order: the one list that the API's routes, its
OpenAPI document, ``/api/state``, the rate limits and the tests derive from."""

from __future__ import annotations

from . import cookie, server_session, session
from .mechanisms import Mechanism

MECHANISMS: tuple[Mechanism, ...] = (cookie.mechanism, session.mechanism,
                                     server_session.mechanism)
NAMES = tuple(mechanism.name for mechanism in MECHANISMS)


def cookie_names() -> frozenset[str]:
    """The lab's own cookies' names, one a mechanism.

    Needs an app context: the signed session's name is the app's SESSION_COOKIE_NAME."""
    return frozenset(mechanism.cookie_name for mechanism in MECHANISMS)
