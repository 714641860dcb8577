"""The bus's contract: what every backend answers, and the rules they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..jsonable import weigh


class BadEventId(ValueError):
    """An ``after`` / ``Last-Event-ID`` value that is not an id this bus makes."""


class TooManySubscribers(RuntimeError):
    """The lab already has as many live viewers as it may."""


@dataclass
class Page:
    events: list[dict]
    last_id: str | None
    dropped: bool = False


class Bus(ABC):
    """Each lab's bounded hook log: publish to it, read it back, follow it live.

    Event ids are decimal strings counting the lab's events, so they only ever grow
    within a lab and a reader can tell from them whether any were pushed out.
    ``after`` (an id, or None for the start) resumes after one. Implementations: the
    embedded ``MemoryBus`` and the scale-out ``RedisBus``.
    """

    #: Exceptions that mean "the backend cannot be reached" (answered as 503).
    unavailable: tuple[type[BaseException], ...] = ()

    def __init__(self, capacity: int = 2000, max_subscribers: int = 20,
                 max_bytes: int = 1_250_000) -> None:
        self.capacity = capacity
        self.max_subscribers = max_subscribers
        # What one lab's log may keep in memory, in bytes (as the tracer weighs its
        # traces); the oldest events go first when it is over, as when it is full.
        self.max_bytes = max_bytes

    @staticmethod
    @abstractmethod
    def parse_id(after: str | None) -> int:
        """The event number ``after`` names (0 for None or ""); BadEventId otherwise."""

    @abstractmethod
    def publish_many(self, lab: str, render: Callable | None, args: Sequence,
                     weight: int = 0) -> int:
        """Append the events ``render(arg)`` for each arg (``render`` None: the args are
        the events) in one go; answer the first one's number. A backend may call
        ``render`` late, when the event is read, and so keep what ``render`` needs:
        ``weight`` says about how many bytes that is."""

    @abstractmethod
    def read(self, lab: str, after: str | None = None, limit: int | None = None) -> Page:
        """Events after ``after``, oldest first, at most ``limit``."""

    @abstractmethod
    def wait(self, lab: str, after: str | None, timeout: float) -> Page:
        """Like ``read``, but blocks up to ``timeout`` seconds while there are none."""

    @abstractmethod
    def _empty(self, lab: str) -> None:
        """Remove every event of the lab; its ids keep counting."""

    @abstractmethod
    def drop(self, lab: str) -> None:
        """Forget the lab altogether (it was evicted)."""

    def sweep(self, known: Callable[[str], bool]) -> None:
        """Forget the logs of labs that are gone (``known`` says no) and nobody watches:
        a request still running when its lab was evicted publishes its trace after
        the log was dropped. Redis's logs expire by themselves (``idle_ttl``)."""

    @abstractmethod
    def subscribe(self, lab: str, reserved: int = 0) -> None:
        """Count a live viewer in; TooManySubscribers past ``max_subscribers`` (plus
        ``reserved``: the slots kept for this viewer, as for a lab's owner)."""

    @abstractmethod
    def unsubscribe(self, lab: str) -> None:
        """Count a live viewer out."""

    def renew(self, lab: str) -> None:
        """Keep this process's viewers of the lab counted: the lab's feed follower calls
        it after each read of the bus (fanout.py). A backend shared by workers counts
        each worker's viewers under a lease this renews (events/redis.py), so those of
        a worker that died stop counting; one process's count needs none."""

    @abstractmethod
    def subscribers(self, lab: str) -> int:
        """Live viewers of the lab now."""

    @abstractmethod
    def count(self, lab: str) -> int:
        """Events the lab's log holds now."""

    def ping(self) -> bool:
        """Whether the backend answers (the health check)."""
        return True

    def publish(self, lab: str, event: dict) -> str:
        return str(self.publish_many(lab, None, (event,), weigh(event)))

    def clear(self, lab: str, **detail) -> None:
        """Empty the log, leaving one ``clear`` event (with ``detail``, e.g. who
        cleared it) so viewers hear of it."""
        self._empty(lab)
        self.publish(lab, {"type": "clear", "lab": lab, **detail})

    @staticmethod
    def dropped(start: int, first_kept: int, events: list[dict]) -> bool:
        """The one "dropped" rule: a reader that resumes after ``start`` missed events
        when the oldest one still kept (``first_kept``; the next to come when none is)
        is not the one right after ``start``. A log emptied on purpose starts with a
        ``clear`` event, which is news, not a loss."""
        if events and events[0]["type"] == "clear":
            return False
        return bool(start) and first_kept > start + 1
