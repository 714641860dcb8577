"""Server-side session login through Flask-Session.

The ``server_session`` cookie holds only a random id; the data stays in the store (a
file cache by default, Redis when configured). The id is rotated on login, so an id
planted before login is worthless after it, and logout deletes the data, so a copied
cookie stops working at once.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from ..sessions import COOKIE_CHOICE, SERVER_COOKIE, server_session
from .mechanisms import Mechanism, blueprint


class ServerSession(Mechanism):
    name = "server-session"
    cookie_name = SERVER_COOKIE

    def stored_user(self) -> Any:
        return server_session().get("username")

    def state(self) -> dict:
        sid = request.cookies.get(self.cookie_name)
        iface = current_app.session_interface
        stored = iface.stored_server_data(sid) if sid else None
        return {"user": self.current_user(), "cookie_name": self.cookie_name, "sid": sid,
                "stored": stored is not None, "data": stored,
                "current_sid": server_session().sid, "backend": iface.server_backend}

    def login(self, username, cookie, response) -> None:
        data = server_session()
        current_app.session_interface.regenerate_server_session(data)
        data.clear()
        data["username"] = username
        if cookie:
            data[COOKIE_CHOICE] = cookie

    def logout(self, response) -> None:
        server_session().clear()


mechanism = ServerSession()
bp = blueprint(mechanism, __name__, "/server-session")
