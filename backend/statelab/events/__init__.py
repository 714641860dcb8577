"""The event bus: each lab's bounded hook log, read back or followed live.

``Bus`` declares the contract and ``MemoryBus`` is the embedded default (one process);
both come from the tracer's package (``statelab_trace.bus``). ``RedisBus`` keeps the log
in Redis Streams, so several worker processes share it.
"""

from statelab_trace.bus import BadEventId, Bus, MemoryBus, Page, TooManySubscribers

from .redis import RedisBus

__all__ = ["BadEventId", "Bus", "MemoryBus", "Page", "RedisBus", "TooManySubscribers"]
