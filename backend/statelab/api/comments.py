"""The lab's comments, listed."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from ..context import current

bp = Blueprint("comments", __name__)


@bp.get("/comments")
def list_comments():
    return jsonify(comments=current().store.comments(g.lab))
