"""The store's contract and its one eviction policy (``Store.plan``); each backend
(memory.py, redis.py) only lists its labs and deletes what the policy names."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import NamedTuple

DEFAULT_SETTINGS = {"custom_error_handlers": True, "short_circuit": False,
                    "propagate_exceptions": False}
MAX_COMMENTS = 200
# Display names kept a lab: a class of 500 and their second browsers; past it a new
# name pushes out the oldest.
MAX_NAMES = 1000
# A reader of the log (GET /api/hooks?after=) counts as polling this long: a page whose
# stream is refused reads it every 2 s (frontend/stream.js, POLL_MS).
POLL_WINDOW = 10.0
# Pollers remembered a lab: past it the oldest are forgotten (the count stays a count).
MAX_POLLERS = 2000


class UnknownLab(LookupError):
    """A write for a lab that is gone: evicted while one of its requests still ran.
    Reads of such a lab see it empty; the API answers this as 404 unknown_lab."""


class LabExists(RuntimeError):
    """The lab to create is there already: another request made it again first (two
    first requests after a restart). Nothing of it was changed."""


class LabsFull(RuntimeError):
    """Every lab is in use (watched, or used within ``keep_seconds``): none may be
    evicted for a new one. ``retry_after``: seconds until one may."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"no lab may be evicted for {retry_after:.0f} s")
        self.retry_after = retry_after


class CreatorFull(RuntimeError):
    """The address creating a lab keeps ``per_creator`` labs alive (each used within
    ``keep_seconds``, or watched). ``retry_after``: seconds until the least recently
    used unwatched one stops counting."""

    def __init__(self, labs: int, retry_after: float) -> None:
        super().__init__(f"this address keeps {labs} labs alive")
        self.labs = labs
        self.retry_after = retry_after


def _left(used: float, keep_seconds: float, now: float) -> float:
    """Seconds until a lab last used at ``used`` stops being recent (<= 0: it is not)."""
    return used + keep_seconds - now


class Visit(NamedTuple):
    first: bool  # the request counted is the lab's first (the emulated before_first_request)
    name: str | None  # the client's display name
    settings: dict  # the lab's settings as the visit found them (context.lab_settings)
    keys: dict | None  # its signing keys (secret_keys.py; None: the instance's)


class Store(ABC):
    """Labs (capped, the least recently used idle lab evicted), each with its comments
    (the last ``MAX_COMMENTS``) and settings. Reads of an unknown lab see it empty;
    writes raise ``UnknownLab``."""

    #: Exceptions that mean "the backend cannot be reached" (answered as 503).
    unavailable: tuple[type[BaseException], ...] = ()
    #: What the health check calls this backend.
    kind = "memory"

    def __init__(self, max_labs: int = 200, keep_seconds: float = 300,
                 per_creator: int = 20) -> None:
        self.max_labs = max_labs
        self.keep_seconds = keep_seconds
        # A lab used within keep_seconds is never evicted, so without this one address
        # touching its labs could keep every one alive: POST /api/labs would answer
        # 503 labs_full to everyone else.
        self.per_creator = per_creator

    @abstractmethod
    def create_lab(self, lab: str, busy: Callable[[str], bool] = lambda lab: False,
                   creator: str | None = None) -> list[str]:
        """Add a lab for ``creator`` (an address), unless it exists (LabExists: it is
        kept as it is); answer the ids of the labs evicted to make room (``plan``)."""

    def plan(self, labs: list[tuple[str, float, str | None]], creator: str | None,
             busy: Callable[[str], bool], now: float) -> list[str]:
        """Which labs go so that ``creator`` may make one more, of ``labs`` (``(lab, last
        used, creator)``, least recently used first). Never a lab used within
        ``keep_seconds`` nor one that ``busy`` says is watched: a class's lab keeps its
        comments while anyone is in it.

        - CreatorFull when ``creator`` keeps ``per_creator`` labs alive (recent, or
          watched): it is told to use one of them, nothing of them is lost.
        - Else, when the server keeps ``max_labs``, its least recently used idle ones
          go; LabsFull when none may."""
        keep = self.keep_seconds
        if creator is not None:
            self._check_creator(labs, creator, busy, now)
        overflow = len(labs) - self.max_labs + 1
        evicted: list[str] = []
        for lab, used, _maker in labs:
            if overflow <= 0:
                break
            left = _left(used, keep, now)
            if left > 0:  # least recently used first: the rest are more recent
                raise LabsFull(left)
            if not busy(lab):
                evicted.append(lab)
                overflow -= 1
        if overflow > 0:
            raise LabsFull(keep)
        return evicted

    def _check_creator(self, labs: list[tuple[str, float, str | None]], creator: str,
                       busy: Callable[[str], bool], now: float) -> None:
        """CreatorFull when ``creator`` keeps ``per_creator`` labs alive. ``busy`` is asked
        only what the answer needs (on Redis each is a round trip, and a refused address
        asks again and again): its old labs until the cap is reached, then its recent
        ones, soonest to lapse first, until one unwatched gives the wait."""
        keep = self.keep_seconds
        mine = sorted((_left(used, keep, now), lab) for lab, used, maker in labs
                      if maker == creator)
        recent = [(left, lab) for left, lab in mine if left > 0]
        alive = len(recent)
        for left, lab in mine:
            if alive >= self.per_creator:
                break
            if left <= 0 and busy(lab):
                alive += 1
        if alive >= self.per_creator:
            raise CreatorFull(alive, next((left for left, lab in recent if not busy(lab)), keep))

    @abstractmethod
    def touch(self, lab: str) -> bool:
        """Mark a lab used; False when there is no such lab."""

    def visit(self, lab: str, count_first: bool = False,
              client: str | None = None) -> Visit | None:
        """What a request needs of its lab before Flask runs: mark the lab used, count
        the request toward its first one (``count_first``), read ``client``'s display
        name, the lab's settings and its signing keys. None when there is no such lab.
        RedisStore does it in one round trip."""
        if not self.touch(lab):
            return None
        return Visit(count_first and self.first_request(lab),
                     self.client_name(lab, client) if client else None,
                     self.settings(lab), self.keys(lab))

    @abstractmethod
    def exists(self, lab: str) -> bool: ...

    @abstractmethod
    def created(self, lab: str) -> float:
        """The lab's creation time (epoch seconds); 0.0 when there is no such lab."""

    @abstractmethod
    def add_comment(self, lab: str, comment: dict) -> dict:
        """Store a comment, numbered; answer it with its ``id``."""

    @abstractmethod
    def comments(self, lab: str) -> list[dict]:
        """The lab's comments, oldest first."""

    @abstractmethod
    def settings(self, lab: str) -> dict:
        """The lab's switches, defaults filled in."""

    @abstractmethod
    def update_settings(self, lab: str, changes: dict) -> dict:
        """Apply ``changes``; answer the switches now."""

    @abstractmethod
    def first_request(self, lab: str) -> bool:
        """True exactly once per lab: for its first request."""

    @abstractmethod
    def rearm_first_request(self, lab: str) -> None:
        """Make the lab's next request its first again (the emulated before_first_request)."""

    @abstractmethod
    def keys(self, lab: str) -> dict | None:
        """The lab's own session signing keys (secret_keys.py), None: the instance key."""

    @abstractmethod
    def set_keys(self, lab: str, keys: dict | None) -> None: ...

    @abstractmethod
    def client_name(self, lab: str, client: str) -> str | None:
        """The display name a client gave itself in the lab."""

    @abstractmethod
    def set_client_name(self, lab: str, client: str, name: str) -> None:
        """Keep a client's display name (at most ``MAX_NAMES`` a lab)."""

    @abstractmethod
    def note_poll(self, lab: str, reader: str) -> None:
        """``reader`` (a client id, else an address) read the lab's log now."""

    @abstractmethod
    def polling(self, lab: str) -> int:
        """How many readers read the lab's log in the last ``POLL_WINDOW`` seconds."""

    def ping(self) -> bool:
        """Whether the backend answers (the health check)."""
        return True


