"""The tutorial's demo accounts, kept as password hashes (the password of each is 123)."""

from __future__ import annotations

import sys
import threading

from werkzeug.security import check_password_hash

# werkzeug.security.generate_password_hash("123"), computed once: no plain password here.
ACCOUNTS = {
    "Tom": "scrypt:32768:8:1$4WbizgUVOdDhNJKi$4277ab76128d7c9c3ae3ce289771eaf6449dbb8d5f5b3cd704e1bec6d73aef2b1a3a0444bfe86e342b25f0d9d3c2a4fb2956a5175b970f2ed1a5dbc43c919492",
    "Liu Bei": "scrypt:32768:8:1$Oh4jB0JIAGhfTBEp$3dbadafffcc570f443953447b18f2658fb242f954dd39e09de3e705885901621774a4f6d1a94a54987413fa7b91299a1b68638468c8d68888680203e6d8f011c",
    "\u5218\u5907": "scrypt:32768:8:1$jiRTrghVflrnWHP4$61b2adc944e3d2f34f01cc128523220dd313e6a068abddb4875b638933560d8773d7a4b40b698aba7f7c5f7c0c18380ad507a2f9aa0ff5e0d21e493e71ad5a9c",  # 刘备, Liu Bei's name in Chinese: a non-Latin login
}
_DUMMY = next(iter(ACCOUNTS.values()))


def off_the_loop(func, *args):
    """``func(*args)`` in a real OS thread when gevent has patched this process (the
    deployment's worker, deploy/gunicorn.conf.py): a ~100 ms scrypt check on the event
    loop would stall every stream and request of the worker for as long. hashlib's
    scrypt releases the GIL, so the loop keeps running meanwhile. Elsewhere the caller
    already has a thread of its own."""
    if not _gevent_patched():
        return func(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(func, args)


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


class ChecksBusy(RuntimeError):
    """Every password-check slot stayed taken for as long as a login may wait."""


class PasswordChecks:
    """At most ``slots`` scrypt checks at once (each takes 32 MiB and ~100 ms of CPU);
    a login waits up to ``wait`` seconds for a slot, then gives up with ChecksBusy."""

    def __init__(self, slots: int, wait: float) -> None:
        self.configured = slots
        self.slots = slots
        self._slots = threading.BoundedSemaphore(slots)
        self.wait = wait

    def fit_workers(self, workers: int) -> None:
        """Share the configured slots among ``workers`` server processes
        (deploy/gunicorn.conf.py), one each at least: the setting bounds the server's
        scrypt memory, not each worker's. Before the first login."""
        self.slots = max(1, self.configured // max(1, workers))
        self._slots = threading.BoundedSemaphore(self.slots)

    def check(self, username: str, password: str) -> bool:
        """True when the pair matches a demo account; as slow for unknown names as
        known ones."""
        if not self._slots.acquire(timeout=self.wait):
            raise ChecksBusy
        try:
            stored = ACCOUNTS.get(username)
            ok = off_the_loop(check_password_hash, stored or _DUMMY, password)
        finally:
            self._slots.release()
        return ok and stored is not None
