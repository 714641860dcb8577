"""The tracer states Flask's real lifecycle (Flask 3.1), generically."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, abort

from statelab.events import MemoryBus
from statelab.tracing import HookTracer

from .conftest import step_names


def traced_app(testing=False):
    """A plain Flask app, unrelated to the lab, traced into one log."""
    app = Flask(__name__)
    app.testing = testing
    app.secret_key = "test"  # without one the session is a NullSession, never saved
    bus = MemoryBus()
    HookTracer(app, bus=bus, select=lambda environ: "lab")
    order = []

    @app.before_request
    def first():
        order.append("first")

    @app.before_request
    def second():
        order.append("second")

    @app.after_request
    def after_one(response):
        return response

    @app.after_request
    def after_two(response):
        return response

    @app.teardown_request
    def teardown(error):
        pass

    @app.errorhandler(500)
    def on_500(error):
        return "custom 500", 500

    @app.route("/ok")
    def ok():
        return "ok"

    @app.route("/abort")
    def aborts():
        abort(500)

    @app.route("/raise")
    def raises():
        raise ZeroDivisionError("division by zero")

    return app, bus


def steps_of(bus):
    events = bus.read("lab").events
    return [e for e in events if e["type"] == "step"], events


def test_before_request_in_registration_order_after_request_in_reverse():
    app, bus = traced_app()
    app.test_client().get("/ok")
    steps, events = steps_of(bus)
    functions = [s["function"].rsplit(".", 1)[-1] for s in steps if s["kind"] == "hook"]
    assert functions == ["first", "second", "after_two", "after_one", "teardown"]
    names = [s["name"] for s in steps]
    assert names == ["appcontext_pushed", "open_session", "request_started",
                     "before_request", "before_request", "view", "after_request",
                     "after_request", "save_session", "request_finished",
                     "teardown_request", "request_tearing_down", "appcontext_tearing_down",
                     "appcontext_popped"]
    assert events[0]["type"] == "request" and events[-1]["type"] == "end"
    assert events[-1]["status"] == 200
    assert [s["index"] for s in steps] == list(range(len(steps)))
    offsets = [s["offset_ms"] for s in steps]
    assert offsets == sorted(offsets)


def test_abort_500_reaches_the_handler_and_teardown_gets_no_exception():
    app, bus = traced_app()
    assert app.test_client().get("/abort").status_code == 500
    steps, events = steps_of(bus)
    names = [s["name"] for s in steps]
    assert "got_request_exception" not in names
    assert names.index("view") < names.index("errorhandler") < names.index("after_request")
    handler = steps[names.index("errorhandler")]
    assert handler["detail"]["code"] == 500
    assert handler["detail"]["exception"]["type"] == "InternalServerError"
    teardown = steps[names.index("teardown_request")]
    assert teardown["error"] is None
    assert steps[names.index("view")]["detail"]["raised"]["type"] == "InternalServerError"


def test_raised_exception_signals_and_reaches_teardown():
    app, bus = traced_app()
    assert app.test_client().get("/raise").status_code == 500
    steps, events = steps_of(bus)
    names = [s["name"] for s in steps]
    got = steps[names.index("got_request_exception")]
    assert got["error"] == {"type": "ZeroDivisionError", "message": "division by zero"}
    handler = steps[names.index("errorhandler")]
    assert handler["detail"]["exception"]["type"] == "InternalServerError"
    assert handler["detail"]["original_exception"]["type"] == "ZeroDivisionError"
    assert "after_request" in names  # not propagated: the 500 handler's response goes out
    assert steps[names.index("teardown_request")]["error"]["type"] == "ZeroDivisionError"
    assert steps[names.index("appcontext_tearing_down")]["error"]["type"] == "ZeroDivisionError"


def test_with_testing_the_exception_propagates_past_handler_and_after_request():
    app, bus = traced_app(testing=True)
    client = app.test_client()
    with pytest.raises(ZeroDivisionError):
        client.get("/raise")
    steps, events = steps_of(bus)
    names = [s["name"] for s in steps]
    assert "got_request_exception" in names
    assert "errorhandler" not in names and "after_request" not in names
    assert steps[names.index("teardown_request")]["error"]["type"] == "ZeroDivisionError"
    assert events[-1]["type"] == "end" and events[-1]["error"]["type"] == "ZeroDivisionError"


def test_unknown_url_still_runs_before_request():
    app, bus = traced_app()
    assert app.test_client().get("/nowhere").status_code == 404
    steps, _ = steps_of(bus)
    names = [s["name"] for s in steps]
    started = steps[names.index("request_started")]
    assert started["detail"]["routing_exception"]["type"] == "NotFound"
    assert names.index("before_request") < names.index("after_request")
    assert "view" not in names


def test_a_hook_registered_later_appears_without_any_list_to_edit():
    app, bus = traced_app()
    bp = Blueprint("late", __name__)

    @bp.before_request
    def blueprint_hook():
        pass

    @bp.route("/late")
    def late():
        return "late"

    @app.teardown_appcontext
    def close_things(error):
        pass

    @app.url_value_preprocessor
    def preprocess(endpoint, values):
        pass

    app.register_blueprint(bp)
    app.test_client().get("/late")
    steps, _ = steps_of(bus)
    found = {(s["name"], s["function"].rsplit(".", 1)[-1], s["blueprint"]) for s in steps}
    assert ("before_request", "blueprint_hook", "late") in found
    assert ("teardown_appcontext", "close_things", None) in found
    assert ("url_value_preprocessor", "preprocess", None) in found
    names = [s["name"] for s in steps]
    # url value preprocessors run before before_request; app hooks before blueprint ones
    assert names.index("url_value_preprocessor") < names.index("before_request")
    hooks = [s["function"].rsplit(".", 1)[-1] for s in steps if s["name"] == "before_request"]
    assert hooks == ["first", "second", "blueprint_hook"]


def test_async_views_and_hooks_are_still_awaited():
    app, bus = traced_app()

    @app.route("/async")
    async def async_view():
        return "awaited"

    @app.before_request
    async def async_hook():
        return None

    assert app.test_client().get("/async").data == b"awaited"
    steps, _ = steps_of(bus)
    functions = [s["function"].rsplit(".", 1)[-1] for s in steps]
    assert "async_view" in functions and "async_hook" in functions


def test_a_failing_bus_costs_the_trace_not_the_response():
    app = Flask(__name__)

    class BrokenBus:
        def publish_many(self, lab, render, args):
            raise ConnectionError("redis is down")

    HookTracer(app, bus=BrokenBus(), select=lambda environ: "lab")
    app.add_url_rule("/", view_func=lambda: "still served")
    assert app.test_client().get("/").data == b"still served"


def test_untraced_requests_publish_nothing():
    app = Flask(__name__)
    bus = MemoryBus()
    HookTracer(app, bus=bus, select=lambda environ: None)
    app.add_url_rule("/", view_func=lambda: "ok")
    assert app.test_client().get("/").status_code == 200
    assert bus._logs == {}  # no lab's log was even made


def test_lab_short_circuit_skips_the_view_not_after_request(lab_client):
    lab_client.put("/api/lab/settings", json={"short_circuit": True})
    response = lab_client.post("/api/cookie/login", json={"username": "Tom", "password": "123"})
    assert response.get_json()["short_circuited"] is True
    trace = lab_client.last_trace("/api/cookie/login")
    names = step_names(trace)
    assert "view" not in names
    short = next(s for s in trace["steps"] if s["function"].endswith("short_circuit"))
    assert short["detail"]["returned_response"] is True
    assert "after_request" in names
    # Flask stops at the first before_request that answers: later ones do not run
    assert not any(s["function"].endswith("require_lab") for s in trace["steps"])


def test_before_first_request_is_emulated_where_flask_2_2_ran_it(lab_client):
    """Flask 2.2's full_dispatch_request ran the before_first_request functions first:
    after the context was pushed (appcontext_pushed, open_session), before
    request_started and every before_request; once per app instance (here: per lab)."""
    lab_client.get("/api/state")
    lab_client.get("/api/state")
    first, second = lab_client.traces()[-2:]
    names = step_names(first)
    assert names.count("before_first_request") == 1
    assert (names.index("open_session") < names.index("before_first_request")
            < names.index("request_started") < names.index("before_request"))
    step = next(s for s in first["steps"] if s["name"] == "before_first_request")
    assert step["function"] == "statelab.demo_hooks.func1"
    assert step["detail"]["emulated"] is True
    assert "pallets/flask#4605" in step["detail"]["note"]
    assert "setup code" in step["detail"]["note"]
    assert "before_first_request" not in step_names(second)
    assert not any(s["function"].endswith("func1") for s in second["steps"])


def test_untraced_requests_leave_the_first_request_to_a_traced_one(lab_client):
    lab_client.get("/api/hooks")  # untraced, like the page's event stream
    lab_client.get("/api/state")
    assert "before_first_request" in step_names(lab_client.last_trace("/api/state"))


def test_before_first_request_can_be_rearmed(lab_client):
    lab_client.get("/api/state")
    assert lab_client.post("/api/lab/first-request").get_json() == {"armed": True}
    lab_client.get("/api/state")
    assert "before_first_request" in step_names(lab_client.last_trace("/api/state"))


def test_trace_records_request_and_response_on_the_wire(lab_client):
    lab_client.login("cookie", "Liu Bei")
    trace = lab_client.last_trace("/api/cookie/login")
    assert trace["request"]["method"] == "POST"
    assert trace["end"]["status"] == 200
    assert trace["end"]["endpoint"] == "api.cookie.login"
    assert trace["end"]["set_cookie"] == ['username="Liu Bei"; Path=/']
    lab_client.get("/api/state")
    assert trace_cookie(lab_client.last_trace("/api/state")) == 'username="Liu Bei"'


def trace_cookie(trace):
    return trace["request"]["cookie_header"]


def test_session_steps_show_the_session_before_and_after(lab_client):
    lab_client.login("session", "Tom")
    trace = lab_client.last_trace("/api/session/login")
    opened = next(s for s in trace["steps"] if s["name"] == "open_session")
    saved = next(s for s in trace["steps"] if s["name"] == "save_session")
    assert opened["detail"]["session"] == {}
    assert saved["detail"]["session"] == {"username": "Tom"}


def test_a_forked_worker_numbers_its_traces_apart_from_its_parent():
    import os

    from statelab import tracing

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its tag and first trace number, then leave at once
        os.write(write, f"{tracing._process_tag} {next(tracing._trace_ids)}".encode())
        os._exit(0)
    os.close(write)
    child_tag, child_first = os.read(read, 100).decode().split()
    os.waitpid(pid, 0)
    os.close(read)
    assert child_tag != tracing._process_tag
    assert child_first == "1"


def test_a_session_step_that_raised_is_still_readable():
    from flask.sessions import SecureCookieSessionInterface

    class BrokenStore(SecureCookieSessionInterface):
        def save_session(self, *args):
            raise OSError("session store down")

    app, bus = traced_app()
    app.session_interface = BrokenStore()  # its own: Flask's default instance is shared
    # Flask logs the error and answers 500 (its 500 handler's response is saved again,
    # fails again, and Werkzeug's bare 500 goes out).
    assert app.test_client().get("/ok").status_code == 500
    steps, _ = steps_of(bus)
    saved = next(s for s in steps if s["name"] == "save_session")
    assert saved["detail"]["raised"] == {"type": "OSError", "message": "session store down"}
