"""The tracer states Flask's real lifecycle (Flask 3.1), generically."""

from __future__ import annotations

import pytest
from flask import (Blueprint, Flask, abort, appcontext_tearing_down, got_request_exception,
                   request_tearing_down)

from statelab.events import MemoryBus
from statelab_trace import HookTracer

from .helpers import step_names


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


def test_a_received_signal_records_the_error_it_was_sent_by_keyword():
    app, bus = traced_app()
    received = []

    def receiver(sender, **kwargs):
        received.append(sorted(kwargs))
    signals = (got_request_exception, request_tearing_down, appcontext_tearing_down)
    for signal in signals:
        signal.connect(receiver, app)
    try:
        assert app.test_client().get("/raise").status_code == 500
    finally:
        for signal in signals:
            signal.disconnect(receiver, app)
    assert received == [["exception"], ["exc"], ["exc"]]  # sent as Flask sends them
    steps, _ = steps_of(bus)
    by_name = {s["name"]: s for s in steps}
    for name in ("got_request_exception", "request_tearing_down", "appcontext_tearing_down"):
        assert by_name[name]["error"] == {"type": "ZeroDivisionError",
                                          "message": "division by zero"}, name


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
    published = []
    HookTracer(app, bus=bus, select=lambda environ: None)
    app.add_url_rule("/", view_func=lambda: "ok")
    bus.publish_many = lambda lab, *args: published.append(lab)
    assert app.test_client().get("/").status_code == 200
    assert published == [] and bus.count("lab") == 0


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


def session_steps(trace):
    steps = {s["name"]: s["detail"] for s in trace["steps"] if s["kind"] == "session"}
    return steps["open_session"], steps["save_session"]


def test_a_save_that_changed_only_the_server_side_session_shows_its_new_data(lab_client):
    """The save step keeps the open step's snapshot only when neither session changed:
    a server-side login leaves the signed session as it was."""
    lab_client.login("server-session", "Tom")
    opened, saved = session_steps(lab_client.last_trace("/api/server-session/login"))
    assert opened["session"] == saved["session"] == {}
    assert saved["server_session"]["data"]["username"] == "Tom"
    assert "username" not in opened["server_session"]["data"]


def test_a_request_that_changes_no_session_shows_the_same_at_open_and_save(lab_client):
    lab_client.login("session", "Tom")
    lab_client.login("server-session", "Tom")
    lab_client.get("/api/state")
    opened, saved = session_steps(lab_client.last_trace("/api/state"))
    assert opened == saved
    assert saved["session"]["username"] == "Tom"
    assert saved["server_session"]["data"]["username"] == "Tom"


def test_a_forked_worker_numbers_its_traces_apart_from_its_parent():
    import os

    from statelab_trace.record import Trace, process_tag

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its tag and first trace id, then leave at once
        os.write(write, f"{process_tag()} {Trace('lab', None, ()).id}".encode())
        os._exit(0)
    os.close(write)
    child_tag, child_first = os.read(read, 100).decode().split()
    os.waitpid(pid, 0)
    os.close(read)
    assert child_tag != process_tag()
    assert child_first == f"{child_tag}1"


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


def test_async_hooks_keep_what_they_say_and_what_they_return():
    from statelab_trace import annotate

    app, bus = traced_app()

    @app.before_request
    async def async_says():
        annotate(said="from an async hook")

    @app.before_request
    async def async_answers():
        return "answered early"

    assert app.test_client().get("/ok").data == b"answered early"
    steps, _ = steps_of(bus)
    by_function = {s["function"].rsplit(".", 1)[-1]: s for s in steps}
    assert by_function["async_says"]["detail"] == {"said": "from an async hook"}
    assert by_function["async_answers"]["detail"]["returned_response"] is True


def test_after_this_request_callbacks_are_steps_where_flask_runs_them():
    from flask import after_this_request

    app, bus = traced_app()

    @app.route("/later")
    def later():
        @after_this_request
        def add_header(response):
            response.headers["X-Later"] = "yes"
            return response
        return "later"

    assert app.test_client().get("/later").headers["X-Later"] == "yes"
    steps, _ = steps_of(bus)
    names = [s["name"] for s in steps]
    callback = steps[names.index("after_this_request")]
    assert callback["kind"] == "after_this_request"
    assert callback["function"].endswith("later.<locals>.add_header") or \
        callback["function"].endswith(".add_header")
    assert names.index("view") < names.index("after_this_request") < names.index("after_request")


def test_a_teardown_return_value_is_shown_as_ignored():
    app, bus = traced_app()

    @app.teardown_request
    def returns_error(error):
        return error

    app.test_client().get("/raise")
    steps, _ = steps_of(bus)
    step = next(s for s in steps if s["function"].endswith("returns_error"))
    assert step["detail"]["returned"] == {"type": "ZeroDivisionError",
                                          "message": "division by zero"}
    assert "ignores" in step["detail"]["note"]


def test_output_printed_logged_and_warned_lands_on_its_step(capsys):
    import logging
    import warnings

    app, bus = traced_app()

    @app.route("/talks")
    def talks():
        print("from the view", 42)
        logging.getLogger("some.library").warning("careful: %s", "hot")
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a warning", UserWarning, stacklevel=1)
        return "ok"

    @app.after_request
    def after_prints(response):
        print("partial line", end="")
        return response

    @app.teardown_request
    def teardown_silent(error):
        pass

    with pytest.warns(UserWarning, match="a warning"):  # still warned for real
        app.test_client().get("/talks")
    steps, events = steps_of(bus)
    view = next(s for s in steps if s["name"] == "view")
    assert view["output"][0] == "from the view 42"
    assert view["output"][1] == "WARNING some.library: careful: hot"
    assert view["output"][2].startswith("UserWarning: a warning (")
    assert len(view["output"]) == 3  # the handler's echo on stderr is not kept twice
    after = next(s for s in steps if s["function"].endswith("after_prints"))
    assert after["output"] == ["partial line"]
    assert all("output" not in s for s in steps if s["name"] in ("teardown_request", "save_session"))
    assert "from the view 42" in capsys.readouterr().out  # still printed for real


def test_a_warning_after_many_requests_is_captured_once():
    """The warnings hook is installed once: a hook re-installed on each request would
    be its own "previous" hook, and the next warning would recurse until RecursionError."""
    import warnings

    app, bus = traced_app()

    @app.route("/warns")
    def warns():
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("once only", UserWarning, stacklevel=1)
        return "ok"

    client = app.test_client()
    for _ in range(3):
        client.get("/")
    assert client.get("/warns").status_code == 200
    steps, _ = steps_of(bus)
    view = [s for s in steps if s["name"] == "view"][-1]
    assert [line for line in view["output"] if "once only" in line] == [view["output"][0]]


def test_output_is_bounded_and_output_outside_steps_goes_on_the_end_event():
    from flask import request_started

    from statelab_trace.output import MAX_LINE_CHARS, MAX_LINES

    app, bus = traced_app()

    @app.route("/chatty")
    def chatty():
        for i in range(MAX_LINES + 7):
            print("x" * (MAX_LINE_CHARS + 10) if i == 0 else f"line {i}")
        return "ok"

    def outside(sender, **extra):  # a receiver of a signal runs inside its step...
        print("inside the signal")

    request_started.connect(outside, app)
    client = app.test_client()
    client.get("/chatty")
    steps, events = steps_of(bus)
    view = next(s for s in steps if s["name"] == "view")
    assert len(view["output"]) == MAX_LINES + 1
    assert view["output"][0].endswith("... (10 more characters)")
    assert view["output"][-1].startswith("... 7 more lines cut")
    assert next(s for s in steps if s["name"] == "request_started")["output"] == [
        "inside the signal"]
    request_started.disconnect(outside, app)
    assert "output" not in events[-1]


def test_output_between_steps_goes_on_the_end_event():
    app = Flask(__name__)
    inner = app.wsgi_app

    def prints_between(environ, start_response):  # inside the trace, outside any step
        print("between steps")
        return inner(environ, start_response)

    app.wsgi_app = prints_between
    bus = MemoryBus()
    HookTracer(app, bus=bus, select=lambda environ: "lab")
    app.add_url_rule("/", view_func=lambda: "ok")
    app.test_client().get("/")
    steps, events = steps_of(bus)
    assert events[-1]["type"] == "end" and events[-1]["output"] == ["between steps"]
    assert all("output" not in s for s in steps)


def test_threaded_requests_never_share_output(live_server_for):
    import threading as th
    import time as t

    import requests as http

    app, bus = traced_app()

    @app.route("/echo/<word>")
    def echo(word):
        for _ in range(20):
            print(word)
            t.sleep(0.002)  # let the other request's thread print in between
        return word

    base = live_server_for(app)
    words = [f"w{i}" for i in range(6)]
    threads = [th.Thread(target=http.get, args=(f"{base}/echo/{w}",), kwargs={"timeout": 10})
               for w in words]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    steps, events = steps_of(bus)
    requests_by_trace = {e["trace"]: e["path"] for e in events if e["type"] == "request"}
    views = [s for s in steps if s["name"] == "view"]
    assert len(views) == len(words)
    for view in views:
        word = requests_by_trace[view["trace"]].rsplit("/", 1)[-1]
        assert view["output"] == [word] * 20


def test_two_traced_apps_in_one_process_keep_their_own_logs():
    def plain(name, **tracer_options):
        app = Flask(name)
        app.secret_key = f"key-{name}"
        bus = MemoryBus()
        HookTracer(app, bus=bus, select=lambda environ: "lab", **tracer_options)

        @app.route("/login/<user>")
        def login(user):
            from flask import session
            session["user"] = user
            return user

        @app.route("/")
        def home():
            return "home"
        return app, bus

    # The first keeps a session as a 3-tuple, as the lab's interface does; both use
    # Flask's default session interface, one object shared by every app.
    first, first_bus = plain("first", snapshot=lambda s: (tuple(s.items()), None, None),
                             describe=lambda kept: {"session": dict(kept[0]) if kept else {}})
    second, second_bus = plain("second")
    a, b = first.test_client(), second.test_client()
    a.get("/login/ann")
    b.get("/login/bob")
    a.get("/")
    b.get("/")
    for bus, user, app in ((first_bus, "ann", first), (second_bus, "bob", second)):
        events = bus.read("lab").events  # raised ValueError before
        saved = [e for e in events if e.get("name") == "save_session"]
        assert [s["detail"]["session"] for s in saved] == [{"user": user}, {"user": user}]
        signals = [e for e in events if e.get("kind") == "signal"]
        assert len(signals) == 2 * 6  # its own signals only, none of the other app's
    from flask import Flask as FlaskClass
    assert type(FlaskClass.session_interface).__name__ == "SecureCookieSessionInterface"


def test_flask_itself_says_why_it_refused_an_expired_session_cookie():
    import time as t

    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    app, bus = traced_app()
    app.config["PERMANENT_SESSION_LIFETIME"] = 60

    class Past(TimestampSigner):
        def get_timestamp(self):  # signed two minutes ago: older than the lifetime
            return int(t.time()) - 120

    iface = app.session_interface
    cookie = URLSafeTimedSerializer(
        app.secret_key, salt=iface.salt, serializer=iface.serializer, signer=Past,
        signer_kwargs={"key_derivation": iface.key_derivation,
                       "digest_method": iface.digest_method}).dumps({"user": "old"})
    client = app.test_client()
    client.set_cookie("session", cookie)
    client.get("/ok")
    steps, _ = steps_of(bus)
    opened = next(s for s in steps if s["name"] == "open_session")
    assert opened["detail"]["signed_cookie_rejected"] == "expired"
    assert opened["detail"]["session"] == {}


def test_werkzeugs_cookie_too_large_warning_is_output_of_the_step_that_set_it():
    from flask import make_response

    app, bus = traced_app()

    @app.route("/big")
    def big():
        response = make_response("big")
        response.set_cookie("big", "x" * 5000)
        return response

    with pytest.warns(UserWarning, match="cookie is too large"):
        app.test_client().get("/big")
    steps, _ = steps_of(bus)
    (line,) = next(s for s in steps if s["name"] == "view")["output"]
    assert line.startswith("UserWarning: The 'big' cookie is too large")


def test_a_streamed_response_runs_teardown_again_after_its_body():
    """Flask 3.1's stream_with_context pushes the request's contexts again while the
    body is sent: teardown runs when the view's response goes out and once more after
    the last chunk. The second run is traced as steps after the end event (all but its
    appcontext_popped)."""
    import time as t

    from flask import stream_with_context

    app, bus = traced_app()

    @app.route("/stream")
    def streams():
        def chunks():
            for i in range(3):
                t.sleep(0.01)
                yield f"{i}\n"
        return stream_with_context(chunks())

    response = app.test_client().get("/stream")
    assert response.data == b"0\n1\n2\n"
    events = bus.read("lab").events
    kinds = [e["type"] if e["type"] != "step" else e["name"] for e in events]
    end = kinds.index("end")
    assert kinds[end - 4:end] == ["teardown_request", "request_tearing_down",
                                  "appcontext_tearing_down", "appcontext_popped"]
    # The second appcontext_popped is sent once the context is gone: nothing left to
    # attribute it by, so it is not recorded.
    assert kinds[end + 1:] == ["appcontext_pushed", "teardown_request",
                               "request_tearing_down", "appcontext_tearing_down"]
    steps = [e for e in events if e["type"] == "step"]
    assert [s["index"] for s in steps] == list(range(len(steps)))
    view = next(s for s in steps if s["name"] == "view")
    second_teardown = [s for s in steps if s["name"] == "teardown_request"][1]
    # three chunks of 10 ms each were sent between the view and the second teardown
    assert second_teardown["offset_ms"] - (view["offset_ms"] + view["duration_ms"]) >= 25


def test_steps_become_opentelemetry_child_spans_of_the_request():
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry import trace as otel_trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    # As an app sets OpenTelemetry up: the global provider (set once per process).
    provider = otel_trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        otel_trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    app = Flask(__name__)
    bus = MemoryBus()
    HookTracer(app, bus=bus, select=lambda environ: "lab", otel=True)

    @app.teardown_request
    def closes(error):
        pass

    app.add_url_rule("/", view_func=lambda: "ok")
    app.test_client().get("/")
    spans = exporter.get_finished_spans()
    (request,) = [s for s in spans if s.parent is None]
    assert request.name == "GET /" and request.attributes["http.response.status_code"] == 200
    children = [s for s in spans if s.parent is not None]
    steps = [e for e in bus.read("lab").events if e["type"] == "step"]
    assert [s.name for s in children] == [s["name"] for s in steps]
    assert all(s.parent.span_id == request.context.span_id for s in children)
    assert all(request.start_time <= s.start_time <= s.end_time <= request.end_time
               for s in children)
    assert otel_trace.get_current_span().get_span_context().is_valid is False
