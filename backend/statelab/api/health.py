"""``GET /api/health``: liveness, and whether the backend answers."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..context import current

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """Liveness and the backend's state; 503 when the backend does not answer.

    A load balancer takes a worker whose Redis is down out of rotation on the 503."""
    statelab = current()
    ok = statelab.backend_ok()
    body = {"status": "ok" if ok else "degraded",
            "backend": {"kind": statelab.store.kind, "ok": ok}}
    return jsonify(body), 200 if ok else 503
