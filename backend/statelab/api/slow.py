"""``GET /api/slow?ms=``: a view that sleeps on purpose, to see requests overlap.

It holds a worker's thread all that time, so ``slow_routes.py`` caps how many run.
"""

from __future__ import annotations

import time

from flask import Blueprint, jsonify, request

from ..inputs import integer

bp = Blueprint("slow", __name__)


@bp.get("/slow")
def slow():
    """Sleep ``ms`` milliseconds (0-5000, default 1500), then answer how long."""
    ms = integer(request.args, "ms", low=0, high=5000)
    ms = 1500 if ms is None else ms
    time.sleep(ms / 1000)
    return jsonify(slept_ms=ms)
