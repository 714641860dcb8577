"""The propagate switch: a lab's requests take Flask's real PROPAGATE_EXCEPTIONS path.

Flask.handle_exception reads config["PROPAGATE_EXCEPTIONS"] when a view raises; with it
on Flask re-raises before the 500 handler, after_request, save_session and
request_finished. Teardown still gets the exception. abort(500) is an HTTP exception:
it never reaches handle_exception, so the switch changes nothing for it.
"""

from __future__ import annotations

import pytest
import requests

from .helpers import LabClient, new_lab, step_names

SKIPPED_WHEN_PROPAGATED = ("errorhandler", "after_request", "save_session", "request_finished")


def switch(lab_client, on: bool) -> None:
    settings = lab_client.put("/api/lab/settings", json={"propagate_exceptions": on}).get_json()
    assert settings["propagate_exceptions"] is on


def teardown_errors(trace) -> list:
    return [s["error"] for s in trace["steps"] if s["name"] == "teardown_request"]


@pytest.mark.parametrize("on", [False, True])
def test_abort_500_gets_the_handler_either_way(lab_client, on):
    switch(lab_client, on)
    response = lab_client.get("/api/error/500")
    assert response.status_code == 500 and response.get_json()["error"] == "internal_error"
    trace = lab_client.last_trace("/api/error/500")
    names = step_names(trace)
    assert all(name in names for name in SKIPPED_WHEN_PROPAGATED)
    assert teardown_errors(trace) and all(e is None for e in teardown_errors(trace))
    assert trace["end"]["error"] is None


def test_raised_exception_with_the_switch_off_is_handled(lab_client):
    switch(lab_client, False)
    response = lab_client.get("/api/error/exception")
    assert response.status_code == 500 and response.get_json()["error"] == "internal_error"
    assert "X-Flask-Propagated" not in response.headers
    trace = lab_client.last_trace("/api/error/exception")
    names = step_names(trace)
    assert all(name in names for name in SKIPPED_WHEN_PROPAGATED)
    assert all(e["type"] == "ZeroDivisionError" for e in teardown_errors(trace))
    assert trace["end"]["error"] is None


def test_raised_exception_with_the_switch_on_propagates(lab_client):
    switch(lab_client, True)
    response = lab_client.get("/api/error/exception")
    # Answered by the outer catch as a WSGI server would: Werkzeug's plain 500 page.
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert b"<title>500 Internal Server Error</title>" in response.data
    assert b"ZeroDivisionError" not in response.data  # no traceback, no debugger
    assert response.headers["X-Flask-Propagated"] == "ZeroDivisionError"
    trace = lab_client.last_trace("/api/error/exception")
    names = step_names(trace)
    assert not any(name in names for name in SKIPPED_WHEN_PROPAGATED)
    assert "got_request_exception" in names  # sent before Flask looks at the switch
    errors = teardown_errors(trace)
    assert errors and all(e["type"] == "ZeroDivisionError" for e in errors)
    assert trace["end"]["error"]["type"] == "ZeroDivisionError"
    assert trace["end"]["status"] == 500


def test_a_crashing_login_keeps_its_session_only_without_the_switch(lab_client):
    switch(lab_client, False)
    response = lab_client.post("/api/error/login-crash")
    assert response.status_code == 500
    assert any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))
    assert lab_client.get("/api/state").get_json()["mechanisms"]["session"]["user"] == "Liu Bei"

    lab_client.post("/api/cookies/clear")
    switch(lab_client, True)
    response = lab_client.post("/api/error/login-crash")
    assert response.status_code == 500
    assert response.headers["X-Flask-Propagated"] == "RuntimeError"
    assert response.headers.getlist("Set-Cookie") == []
    trace = lab_client.last_trace("/api/error/login-crash")
    assert "save_session" not in step_names(trace)
    assert lab_client.get("/api/state").get_json()["mechanisms"]["session"]["user"] is None


def test_the_switch_is_per_lab(app, lab_client):
    other = LabClient(app.test_client(), new_lab(app.test_client()))
    switch(lab_client, True)
    assert other.get("/api/error/exception").get_json()["error"] == "internal_error"
    assert app.config["PROPAGATE_EXCEPTIONS"] is None  # the app's own setting is untouched


def test_the_outer_catch_only_answers_for_the_labs_switch(make_app):
    """TESTING propagates on its own: that exception reaches the caller unanswered."""
    app = make_app(TESTING=True)
    client = app.test_client()
    lab = LabClient(client, new_lab(client))
    with pytest.raises(ZeroDivisionError):
        lab.get("/api/error/exception")


def test_propagated_over_real_http(live_lab):
    live_lab.put(f"{live_lab.base}/api/lab/settings", json={"propagate_exceptions": True},
                 timeout=5)
    response = live_lab.get(f"{live_lab.base}/api/error/exception", timeout=5)
    assert response.status_code == 500
    assert response.headers["X-Flask-Propagated"] == "ZeroDivisionError"
    assert "Internal Server Error" in response.text
    response = live_lab.get(f"{live_lab.base}/api/state", timeout=5)
    assert response.status_code == 200  # the server carries on
    assert requests.get(f"{live_lab.base}/api/health", timeout=5).json()["status"] == "ok"
