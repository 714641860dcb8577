"""Labs: isolated workspaces, each with its own hook log, comments and settings.

A lab id is 128 random bits, URL-safe. The page names its lab in the ``X-Lab-Id``
header; EventSource, which cannot send headers, uses ``?lab=``. Anyone holding the id
can watch the lab, which is how a teacher shares one with a class.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs

from .store import CreatorFull, LabExists, LabsFull
from .store.base import Visit

LAB_ID = re.compile(r"[A-Za-z0-9_-]{22}")
# At least 8 characters: a client id is the key to its own unmasked cookies on the
# stream (?client=), so a short one would be guessed. Other viewers never see any of it
# (they see its public id, identity.py).
CLIENT_ID_LENGTHS = (8, 64)
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{%d,%d}" % CLIENT_ID_LENGTHS)


def new_lab_id() -> str:
    return secrets.token_urlsafe(16)


def lab_from_environ(environ: dict) -> str | None:
    """The lab a request names, by header or query parameter, whether it exists or not."""
    lab = environ.get("HTTP_X_LAB_ID")
    if lab is None and "lab=" in environ.get("QUERY_STRING", ""):
        values = parse_qs(environ["QUERY_STRING"]).get("lab")
        lab = values[0] if values else None
    return lab


def client_from_environ(environ: dict) -> str | None:
    client = environ.get("HTTP_X_CLIENT_ID")
    return client if client and CLIENT_ID.fullmatch(client) else None


class Labs:
    def __init__(self, store, bus) -> None:
        self.store = store
        self.bus = bus

    def create(self, creator: str | None = None) -> str:
        """A new lab made by ``creator`` (an address); LabsFull or CreatorFull (store.py)
        when it may not be."""
        lab = new_lab_id()
        self._add(lab, creator)
        return lab

    def _add(self, lab: str, creator: str | None) -> None:
        evicted = self.store.create_lab(lab, busy=lambda old: self.bus.subscribers(old) > 0,
                                        creator=creator)
        # A lab made again starts an empty log, without what a request of its earlier
        # life published after that life ended (statelab_trace/bus/base.py, sweep).
        for gone in (lab, *evicted):
            self.bus.drop(gone)
        self.bus.sweep(self.store.exists)

    @staticmethod
    def well_formed(lab: str | None) -> bool:
        return bool(lab) and LAB_ID.fullmatch(lab) is not None

    def recreate(self, lab: str, creator: str | None = None) -> bool:
        """Make a lab again under an id browsers still hold (the server restarted, or
        it was evicted): empty, and still owned by its maker's token (owners.py derives it).
        False when every lab is in use, ``creator`` keeps as many as it may, or another
        request made it again first (then only that one announces it)."""
        try:
            self._add(lab, creator)
        except (LabsFull, CreatorFull, LabExists):
            return False
        self.bus.publish(lab, {"type": "lab", "lab": lab, "recreated": True, "note":
                               "This lab was made again under the same id: the server "
                               "had forgotten it (a restart, or an idle lab evicted)"})
        return True

    def visit(self, lab: str | None, count_first: bool = False,
              client: str | None = None) -> Visit | None:
        """The lab a request names, marked used (store.Visit); None: no such lab."""
        if not self.well_formed(lab):
            return None
        return self.store.visit(lab, count_first, client)

    def epoch(self, lab: str) -> str:
        """Which log of ``lab`` this is: its creation time. A lab made again (the
        embedded server restarted, or it was evicted) has a new one and a new log whose
        ids count from 1 again; on Redis a restart of the app keeps both. A page that
        read another epoch reads the log from its start (api/hooks.py), however far the
        new log's ids have got."""
        return f"{self.store.created(lab):.6f}"

    def info(self, lab: str) -> dict:
        return {
            "id": lab,
            "created": self.store.created(lab),
            "events": self.bus.count(lab),
            "comments": len(self.store.comments(lab)),
            "subscribers": self.bus.subscribers(lab),
            # readers of the log in the last store.POLL_WINDOW seconds: pages whose
            # stream was refused (a full lab or server) poll it
            "polling": self.store.polling(lab),
        }
