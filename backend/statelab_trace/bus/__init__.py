"""The event bus: bounded logs, read back or followed live.

``Bus`` (``base.py``) declares the contract; ``MemoryBus`` is the in-process backend.
The playground adds a Redis backend (``statelab.events.redis``). Nothing here knows
Flask.

Events are published as dicts, or many at once as ``render`` and the arguments that
make each event: the memory bus calls ``render(arg)`` only when the event is read, so
recording costs the traced request little while nobody watches. A log is bounded in
events; whole publishes are pushed out, oldest first.
"""

from .base import BadEventId, Bus, Page, TooManySubscribers
from .memory import MemoryBus

__all__ = ["BadEventId", "Bus", "MemoryBus", "Page", "TooManySubscribers"]
