"""What the lab keeps besides its hook log: the labs themselves, comments, settings.

``Store`` (base.py) declares the contract and holds the eviction policy once (as
Flask-Session's ServerSideSessionInterface holds what its backends share);
``MemoryStore`` is the embedded default (one process); ``RedisStore`` lets several
worker processes share one world. The server-side session data lives in Flask-Session's
own backends (see ``sessions.py``), not here.
"""

from .base import (DEFAULT_SETTINGS, MAX_COMMENTS, MAX_NAMES, CreatorFull, LabExists,
                   LabsFull, Store, UnknownLab)
from .memory import MemoryStore
from .redis import RedisStore

__all__ = ["DEFAULT_SETTINGS", "MAX_COMMENTS", "MAX_NAMES", "CreatorFull", "LabExists",
           "LabsFull", "MemoryStore", "RedisStore", "Store", "UnknownLab"]
