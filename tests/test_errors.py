"""Errors on purpose: Flask's real order, custom handlers on and off."""

from __future__ import annotations

import pytest

from .helpers import LabClient, new_lab, step_names


@pytest.mark.parametrize("kind, status, error", [
    ("500", 500, "internal_error"), ("404", 404, "not_found"), ("403", 403, "forbidden"),
    ("exception", 500, "internal_error"), ("login-abort", 500, "internal_error")])
def test_error_kinds_answer_json_through_the_custom_handlers(lab_client, kind, status, error):
    send = lab_client.post if kind.startswith("login-") else lab_client.get  # POST only
    response = send(f"/api/error/{kind}")
    assert response.status_code == status
    assert response.get_json()["error"] == error
    names = step_names(lab_client.last_trace())
    assert names.index("view") < names.index("errorhandler") < names.index("after_request") \
        < names.index("teardown_request")


def test_abort_500_teardown_gets_none_and_no_signal(lab_client):
    lab_client.get("/api/error/500")
    trace = lab_client.last_trace()
    names = step_names(trace)
    assert "got_request_exception" not in names
    assert next(s for s in trace["steps"] if s["name"] == "teardown_request")["error"] is None


def test_raised_exception_reaches_teardown_in_production_mode(lab_client):
    lab_client.get("/api/error/exception")
    trace = lab_client.last_trace()
    names = step_names(trace)
    assert names.index("view") < names.index("got_request_exception") \
        < names.index("errorhandler") < names.index("after_request")
    teardown = next(s for s in trace["steps"] if s["name"] == "teardown_request")
    assert teardown["error"] == {"type": "ZeroDivisionError", "message": "division by zero"}
    assert trace["end"]["status"] == 500


def test_login_abort_never_writes_the_session(lab_client):
    lab_client.login("session", "Tom")
    response = lab_client.post("/api/error/login-abort")
    assert response.status_code == 500
    trace = lab_client.last_trace("/api/error/login-abort")
    assert trace["end"]["set_cookie"] == []  # the session line after abort() never ran
    assert lab_client.get("/api/state").get_json()["mechanisms"]["session"]["user"] == "Tom"


def test_custom_handlers_off_shows_werkzeugs_default_page(lab_client):
    lab_client.put("/api/lab/settings", json={"custom_error_handlers": False})
    response = lab_client.get("/api/error/500")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert b"<title>500 Internal Server Error</title>" in response.data
    response = lab_client.get("/nowhere")
    assert b"<title>404 Not Found</title>" in response.data
    lab_client.put("/api/lab/settings", json={"custom_error_handlers": True})
    assert lab_client.get("/api/error/500").get_json()["error"] == "internal_error"


@pytest.mark.parametrize("path", ["/api/error/500", "/api/error/exception", "/nowhere",
                                  "/api/error/403"])
def test_custom_handlers_off_means_no_handler_runs(lab_client, path):
    """As in an app that registered none: Flask finds no handler, so no errorhandler step."""
    lab_client.put("/api/lab/settings", json={"custom_error_handlers": False})
    lab_client.get(path)
    assert "errorhandler" not in step_names(lab_client.last_trace(path))
    lab_client.put("/api/lab/settings", json={"custom_error_handlers": True})
    lab_client.get(path)
    handler = next(s for s in lab_client.last_trace(path)["steps"]
                   if s["name"] == "errorhandler")
    assert handler["function"] == "statelab.api.errors.handle_custom"


def test_custom_handlers_off_is_per_lab(app, lab_client):
    other = LabClient(app.test_client(), new_lab(app.test_client()))
    lab_client.put("/api/lab/settings", json={"custom_error_handlers": False})
    assert other.get("/api/error/500").get_json()["error"] == "internal_error"
    assert lab_client.get("/api/error/500").mimetype == "text/html"


def test_other_api_errors_stay_json_with_custom_handlers_off(lab_client):
    lab_client.put("/api/lab/settings", json={"custom_error_handlers": False})
    assert lab_client.delete("/api/state").get_json()["error"] == "method_not_allowed"
    assert lab_client.post("/api/cookie/login", data="{").get_json()["error"] == "bad_json"


def test_pages_outside_api_get_the_tutorials_html(lab_client):
    response = lab_client.get("/no/such/page")
    assert response.status_code == 404
    assert response.data == b"<h1>I can't find my way home</h1>"
    trace = lab_client.last_trace("/no/such/page")
    names = step_names(trace)
    assert "before_request" in names and "view" not in names
    assert names.index("before_request") < names.index("errorhandler")


def test_unknown_kind(lab_client):
    response = lab_client.get("/api/error/teapot")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_error_kind"


def test_slow_view_is_bounded(lab_client):
    assert lab_client.get("/api/slow?ms=10").get_json() == {"slept_ms": 10}
    assert lab_client.get("/api/slow?ms=99999").status_code == 400
