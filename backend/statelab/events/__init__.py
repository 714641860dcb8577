"""The event bus: each lab's bounded hook log, read back or followed live.

``Bus`` (``base.py``) declares the contract; ``MemoryBus`` is the embedded default (one
process) and ``RedisBus`` keeps the log in Redis Streams, so several worker processes
share it. This package knows nothing of Flask.

Events are published as dicts, or many at once as ``render`` and the arguments that
make each event: the memory bus calls ``render(arg)`` only when the event is read, so
recording costs the traced request little while nobody watches. The log is bounded in
events; whole publishes are pushed out, oldest first.
"""

from .base import BadEventId, Bus, Page, TooManySubscribers
from .memory import MemoryBus
from .redis import RedisBus

__all__ = ["BadEventId", "Bus", "MemoryBus", "Page", "RedisBus", "TooManySubscribers"]
