import logging

from flask import Blueprint, abort, after_this_request, g, jsonify

bp = Blueprint("notes", __name__, url_prefix="/notes")
log = logging.getLogger(__name__)
NOTES = {1: "Buy milk", 2: "Read the Flask docs"}


@bp.before_request
def require_user():
    print("notes before_request")
    if g.user is None:
        return jsonify(error="log in first"), 401


@bp.after_request
def notes_after(response):
    print("notes after_request")
    return response


@bp.teardown_request
def notes_teardown(error):
    print("notes teardown_request")


@bp.get("/")
def index():
    @after_this_request
    def count_header(response):
        print("notes after_this_request")
        response.headers["X-Note-Count"] = str(len(NOTES))
        return response

    log.warning("listing %d notes for %s", len(NOTES), g.user)
    return jsonify(notes=NOTES)


@bp.get("/broken")
def broken():
    # A bug on purpose: the trace page shows this request's traceback.
    return jsonify(share=len(NOTES) / 0)


@bp.get("/<int:note_id>")
def show(note_id):
    if note_id not in NOTES:
        abort(404)
    return jsonify(note=NOTES[note_id])
