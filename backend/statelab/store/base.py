"""The store's contract: what every backend answers about labs, comments, settings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

DEFAULT_SETTINGS = {"custom_error_handlers": True, "short_circuit": False}
MAX_COMMENTS = 200


class UnknownLab(LookupError):
    """A write for a lab that is gone: evicted while one of its requests still ran.
    Reads of such a lab see it empty; the API answers this as 404 unknown_lab."""


class Store(ABC):
    """Labs (capped, least recently used idle lab evicted), each with its comments
    (the last ``MAX_COMMENTS``) and settings. Reads of an unknown lab see it empty;
    writes raise ``UnknownLab``. Implementations: ``MemoryStore``, ``RedisStore``."""

    #: Exceptions that mean "the backend cannot be reached" (answered as 503).
    unavailable: tuple[type[BaseException], ...] = ()
    #: What the health check calls this backend.
    kind = "memory"

    def __init__(self, max_labs: int = 200) -> None:
        self.max_labs = max_labs

    @abstractmethod
    def create_lab(self, lab: str, busy: Callable[[str], bool] = lambda lab: False) -> list[str]:
        """Add a lab; answer the ids of the labs evicted to stay within the cap (never
        one that ``busy`` says is in use)."""

    @abstractmethod
    def touch(self, lab: str) -> bool:
        """Mark a lab used; False when there is no such lab."""

    @abstractmethod
    def exists(self, lab: str) -> bool: ...

    @abstractmethod
    def created(self, lab: str) -> float:
        """The lab's creation time (epoch seconds), 0.0 when there is no such lab."""

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

    def ping(self) -> bool:
        """Whether the backend answers (the health check)."""
        return True
