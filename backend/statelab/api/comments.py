"""The lab's comments, listed."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

bp = Blueprint("comments", __name__)


@bp.get("/comments")
def list_comments():
    return jsonify(comments=current_app.extensions["statelab"].store.comments(g.lab))
