"""``GET /api/health``: liveness, and whether the backend answers."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..context import current

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """Liveness, the backend's state and whether sessions can be stored; 503 when not.

    A load balancer takes a worker whose Redis is down out of rotation on the 503."""
    statelab = current()
    ok = statelab.backend_ok()
    server = current_app.session_interface.server
    stored = server.storage_ok() if hasattr(server, "storage_ok") else True
    body = {"status": "ok" if ok and stored else "degraded",
            "backend": {"kind": statelab.store.kind, "ok": ok},
            "sessions": {"ok": stored}}
    return jsonify(body), 200 if ok and stored else 503
