"""The tutorial's four hook functions, registered as real hooks on the app.

Named as the tutorial names them (func1..func4), printing what the tutorial prints, so
the timeline reads like its code. ``before_first_request`` was deprecated in Flask 2.2
and removed in 2.3 (pallets/flask#4605): it was mostly misused to run setup code, which
belongs in ``create_app`` (or ``with app.app_context():``). ``func1`` is registered with
``LabFlask.before_first_request``, which runs it where Flask 2.2 did (see lab_flask.py).
"""

from __future__ import annotations

from flask import jsonify, request

from .context import lab_of, lab_settings
from .lab_flask import LabFlask
from statelab_trace import annotate

NOTE = ("Emulated: Flask removed before_first_request in 2.3 (pallets/flask#4605: it was "
        "mostly misused to run setup code, which belongs in create_app). Flask 2.2 ran it "
        "once per app instance at the top of full_dispatch_request, before request_started "
        "and every before_request; here each lab plays one app instance.")


def func1():
    print("before_first_request")
    annotate(emulated=True, emulates="before_first_request", note=NOTE)


def func2():
    print("before_request")


def func3(resp):
    print(resp)
    print("after_request")
    return resp


def func4(error):
    print(error)
    print("teardown_request")
    return error  # as the tutorial writes it: Flask ignores what teardown returns


# Paths that keep working while short-circuit is on, so the lab can be switched back.
# "/api/lab" covers /api/labs, /api/lab/settings and the secret-key lab's routes.
NEVER_SHORT = ("/api/lab", "/api/state", "/api/hooks", "/api/cookies")


def short_circuit():
    """When the lab asks, answer here: the view does not run, after_request still does."""
    lab = lab_of(request.environ)
    if lab is None or request.path.startswith(NEVER_SHORT):
        return None
    if request.path == "/api/comments" and request.method == "GET":
        return None
    if not lab_settings(lab)["short_circuit"]:
        return None
    return jsonify(msg="Answered by before_request; the view did not run",
                   short_circuited=True)


def register(app: LabFlask) -> None:
    app.before_first_request(func1)
    app.before_request(func2)
    app.before_request(short_circuit)
    app.after_request(func3)
    app.teardown_request(func4)
