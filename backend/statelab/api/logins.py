"""The login mechanisms, in the page's order: the one list that the API's routes, its
OpenAPI document, ``/api/state``, the rate limits and the tests derive from."""

from __future__ import annotations

from . import cookie, server_session, session
from .mechanisms import Mechanism

MECHANISMS: tuple[Mechanism, ...] = (cookie.mechanism, session.mechanism,
                                     server_session.mechanism)
NAMES = tuple(mechanism.name for mechanism in MECHANISMS)
