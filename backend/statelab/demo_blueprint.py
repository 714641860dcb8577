"""A blueprint with its own hooks, to see the order Flask runs app and blueprint hooks.

Going in, Flask runs the app's url_value_preprocessors and before_request functions,
then the blueprint's (``Flask.preprocess_request``: ``(None, *reversed(blueprints))``).
Going out it runs the blueprint's after_request and teardown_request functions first,
then the app's (``process_response`` / ``do_teardown_request``: ``chain(blueprints,
(None,))``), each scope's functions in reverse order of registration.

Routes: ``/demo/<word>/hooks``, ``/demo/<word>/after-this-request`` (registers an
``after_this_request`` callback) and ``/demo/<word>/stream`` (a body streamed with
``stream_with_context``; each chunk says when it was produced and how many times the
blueprint's teardown had run by then, and the teardown says how many chunks existed).

Measured on Flask 3.1.3: with ``stream_with_context`` the teardown functions run twice.
Once when the view's response is handed to the server, before any chunk is produced
(``wsgi_app`` pops the request context), and again after the last chunk, when the
contexts the generator pushed again are popped (``helpers.stream_with_context``:
``with app_ctx, req_ctx``). ``g`` lives in the app context, so both passes see it.
"""

from __future__ import annotations

import json
import time

from flask import (Blueprint, Response, after_this_request, g, jsonify, request,
                   stream_with_context)

from .inputs import integer
from statelab_trace import annotate

bp = Blueprint("demo", __name__, url_prefix="/demo/<word>")

MAX_CHUNKS = 10
MAX_DELAY_MS = 1000


@bp.url_value_preprocessor
def pull_word(endpoint, values):
    # Takes <word> out of the view's arguments, as the Flask docs' language-code example.
    g.word = values.pop("word", None) if values else None
    print(f"demo url_value_preprocessor: word={g.word!r}")


@bp.before_request
def demo_before():
    print("demo before_request")


@bp.after_request
def demo_after(response):
    # Flask runs after_this_request callbacks before every after_request function.
    if "X-After-This-Request" in response.headers:
        annotate(saw_after_this_request=True)
    print("demo after_request")
    return response


@bp.teardown_request
def demo_teardown(error):
    chunks = g.get("stream_chunks")
    if chunks is not None:
        # Measured inside Flask: how much of the body existed when teardown ran.
        g.teardowns = g.get("teardowns", 0) + 1
        annotate(chunks_produced=len(chunks), teardown_pass=g.teardowns,
                 teardown_at=time.time())
    print("demo teardown_request")


@bp.get("/hooks")
def hooks():
    return jsonify(word=g.word, blueprint="demo")


def mark_response(response):
    response.headers["X-After-This-Request"] = "ran"
    return response


@bp.get("/after-this-request")
def with_after_this_request():
    after_this_request(mark_response)
    return jsonify(word=g.word, registered=f"{__name__}.mark_response")


@bp.get("/stream")
def stream():
    chunks = integer(request.args, "chunks", low=1, high=MAX_CHUNKS) or 3
    delay_ms = integer(request.args, "delay_ms", low=0, high=MAX_DELAY_MS)
    delay = (200 if delay_ms is None else delay_ms) / 1000
    produced = g.stream_chunks = []

    @stream_with_context
    def body():
        for index in range(chunks):
            if index:
                time.sleep(delay)
            now = time.time()
            produced.append(now)
            yield json.dumps({"chunk": index, "word": g.word, "produced_at": now,
                              "teardowns_before": g.get("teardowns", 0)}) + "\n"

    return Response(body(), mimetype="text/plain")
