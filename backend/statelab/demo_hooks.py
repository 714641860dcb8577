"""The tutorial's four hook functions, registered as real hooks on the app.

Named as the tutorial names them (func1..func4) so the timeline reads like its code.
They log instead of print. ``before_first_request`` was removed in Flask 2.3 (deprecated
in 2.2); Flask says to run setup code when creating the app. So ``func1`` is a plain
``before_request`` that does its work only on the first request of this process and of
each lab, and says so in its trace step.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, jsonify, request

from .tracing import annotate

_first_in_process = True
_first_lock = threading.Lock()

NOTE = ("Flask removed before_first_request in 2.3. This before_request hook emulates "
        "it: it does its work once per process and once per lab, then returns early.")


def func1():
    """Emulated before_first_request: runs on every request, acts on the first."""
    global _first_in_process
    with _first_lock:
        process_first, _first_in_process = _first_in_process, False
    lab = request.environ.get("statelab.lab")
    lab_first = bool(lab) and current_app.extensions["statelab"].store.first_request(lab)
    annotate(emulates="before_first_request", first_in_process=process_first,
             first_in_lab=lab_first, note=NOTE)
    if process_first or lab_first:
        current_app.logger.info("before_first_request (emulated) process=%s lab=%s",
                                process_first, lab_first)


def func2():
    current_app.logger.debug("before_request %s %s", request.method, request.path)


def func3(resp):
    current_app.logger.debug("after_request %s", resp.status)
    return resp


def func4(error):
    # Flask ignores what a teardown function returns; the tutorial's "return error"
    # does nothing, so this one returns nothing.
    current_app.logger.debug("teardown_request error=%r", error)


# Paths that keep working while short-circuit is on, so the lab can be switched back.
NEVER_SHORT = ("/api/lab/settings", "/api/state", "/api/hooks", "/api/cookies",
               "/api/labs")


def short_circuit():
    """When the lab asks, answer here: the view does not run, after_request still does."""
    lab = request.environ.get("statelab.lab")
    if lab is None or request.path.startswith(NEVER_SHORT):
        return None
    if request.path == "/api/comments" and request.method == "GET":
        return None
    if not current_app.extensions["statelab"].store.settings(lab)["short_circuit"]:
        return None
    return jsonify(msg="Answered by before_request; the view did not run",
                   short_circuited=True)


def register(app: Flask) -> None:
    app.before_request(func1)
    app.before_request(func2)
    app.before_request(short_circuit)
    app.after_request(func3)
    app.teardown_request(func4)
