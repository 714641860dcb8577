"""The lab's comments: stored with who posted them, listed."""

from __future__ import annotations

import time

from flask import Blueprint, g, jsonify

from ..context import current
from .people import announce, who

bp = Blueprint("comments", __name__)


def post(author: str, words: str, mechanism: str) -> dict:
    """Store a comment and announce it. ``author`` is the account the mechanism's
    storage names ("Tom", whoever logged in); ``by`` is the person who posted it, as
    every viewer may see them (people.py ``who``): a class logged in as one demo account
    is still told apart."""
    stored = current().store.add_comment(g.lab, {
        "author": author, "text": words, "mechanism": mechanism, "time": time.time(),
        "by": who()})
    announce("comments", comment=stored)
    return stored


@bp.get("/comments")
def list_comments():
    return jsonify(comments=current().store.comments(g.lab))
