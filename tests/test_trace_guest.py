"""The tracer as a guest: a traced app answers, and reads back, exactly what it would
untraced; the tracer's own failures never reach it; and it records everything Flask
does (the template and flash signals, what a decorator really ran, which blueprint
added an app-wide hook). Each test runs on plain Flask apps, as a developer would."""

from __future__ import annotations

import functools
import gc
import io
import logging
import sys
import tracemalloc
import weakref

import pytest
from flask import (Blueprint, Flask, flash, redirect, render_template_string, request,
                   session)
from flask.sessions import SecureCookieSessionInterface

from statelab_trace import StateLabTrace


def traced(app: Flask) -> Flask:
    app.config["STATELAB_TRACE_ENABLED"] = True
    StateLabTrace(app)
    return app


def steps(app: Flask, path: str) -> list[dict]:
    events = app.extensions["statelab_trace"].events()
    trace = [e for e in events if e["type"] == "request" and e["path"] == path][-1]["trace"]
    return [e for e in events if e["type"] == "step" and e["trace"] == trace]


def request_event(app: Flask, path: str) -> dict:
    events = app.extensions["statelab_trace"].events()
    return [e for e in events if e["type"] == "request" and e["path"] == path][-1]


# -- 1. the request body --------------------------------------------------------

def both(build, outer=None):
    """The same app, untraced and traced; ``outer`` then wraps each one's WSGI app."""
    apps = build(Flask(__name__)), traced(build(Flask(__name__)))
    for app in apps if outer else ():
        outer(app)
    return apps


def test_the_body_is_never_read_ahead_and_an_outer_layer_reads_what_the_app_did_not():
    def build(app):
        app.add_url_rule("/skip", "skip", methods=["POST"], view_func=lambda: "skipped")
        app.add_url_rule("/half", "half", methods=["POST"],
                         view_func=lambda: request.stream.read(5))
        return app

    def around(app):
        seen = {}
        inner = app.wsgi_app

        def outer(environ, start_response):  # a layer around the app, as any WSGI one
            stream = environ["wsgi.input"]
            answer = inner(environ, start_response)
            seen["same_stream"] = environ["wsgi.input"] is stream
            seen["rest"] = stream.read()
            return answer
        app.wsgi_app = outer
        app.seen = seen

    for app in both(build, around):
        client = app.test_client()
        assert client.post("/skip", data="hello world", content_type="text/plain").data \
            == b"skipped"
        assert app.seen == {"same_stream": True, "rest": b"hello world"}
        assert client.post("/half", data="hello world", content_type="text/plain").data \
            == b"hello"
        assert app.seen == {"same_stream": True, "rest": b" world"}
    body = request_event(app, "/half")["body"]
    assert body["text"].startswith("hello") and body["size"] == 11  # what the app read


def test_a_307_redirect_resends_the_body_through_the_test_client():
    def build(app):
        app.add_url_rule("/old", "old", methods=["POST"],
                         view_func=lambda: redirect("/new", code=307))
        app.add_url_rule("/new", "new", methods=["POST"], view_func=lambda: request.form["a"])
        return app

    for app in both(build):
        answer = app.test_client().post("/old", data={"a": "kept"}, follow_redirects=True)
        assert answer.data == b"kept"
    assert request_event(app, "/new")["body"]["text"] == "a=kept"


def test_url_variables_named_like_the_tracers_own_arguments_reach_the_view():
    def build(app):
        @app.route("/<spec>/<func>")
        def view(spec, func):
            return f"{spec} {func}"

        @app.route("/wrapped/<spec>")
        @login_required
        def wrapped(spec):
            return spec
        return app

    for app in both(build):
        client = app.test_client()
        assert client.get("/a/b").data == b"a b"
        assert client.get("/wrapped/c?user=1").data == b"c"


# -- 3. no cycle keeps the app alive ---------------------------------------------

def test_a_traced_app_is_freed_when_its_last_reference_goes():
    gc.collect()
    gc.disable()
    try:
        app = traced(Flask(__name__))
        app.add_url_rule("/", view_func=lambda: "ok")
        assert app.test_client().get("/").data == b"ok"
        gone = weakref.ref(app)
        del app
        assert gone() is None
    finally:
        gc.enable()



def _garbage_of_a_request(client) -> list[str]:
    """The types of what one request leaves for the garbage collector (cycles)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert client.get("/").status_code == 200
        gc.collect()
        return sorted(type(thing).__name__ for thing in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_a_signed_session_request_leaves_the_garbage_collector_nothing_more():
    def build(app):
        app.secret_key = "guest"

        @app.route("/")
        def home():
            session["n"] = session.get("n", 0) + 1
            return str(session["n"])
        return app

    untraced, traced_app = (app.test_client() for app in both(build))
    for client in (untraced, traced_app):
        client.get("/")  # the session cookie, and first-request work
    assert _garbage_of_a_request(traced_app) == _garbage_of_a_request(untraced)

# -- 4. the app's own objects -----------------------------------------------------

class AskedFlask(Flask):
    """An app with its own ensure_sync, which counts what Flask asks it."""
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = []

    def ensure_sync(self, func):
        self.asked.append(func.__name__)
        return super().ensure_sync(func)


def test_an_apps_own_ensure_sync_is_asked_for_every_call_as_untraced():
    def build(app):
        app.before_request(lambda: None)
        app.after_request(lambda response: response)

        @app.route("/sync")
        def plain():
            return "sync"

        @app.route("/async")
        async def waited():
            return "async"
        return app

    plain_app, traced_app = build(AskedFlask(__name__)), traced(build(AskedFlask(__name__)))
    for app in (plain_app, traced_app):
        client = app.test_client()
        assert [client.get(p).data for p in ("/sync", "/async", "/sync", "/async")] == [
            b"sync", b"async", b"sync", b"async"]
    assert traced_app.asked == plain_app.asked and len(plain_app.asked) == 12
    assert [s["function"].rsplit(".", 1)[-1] for s in steps(traced_app, "/async")
            if s["name"] == "view"] == ["waited"]


class CountingSessions(SecureCookieSessionInterface):
    def __init__(self):
        self.opened = self.saved = 0

    def open_session(self, app, request):
        self.opened += 1
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        self.saved += 1
        return super().save_session(app, session, response)


def test_the_apps_session_interface_and_views_stay_its_own():
    app = Flask(__name__)
    app.secret_key = "guest"
    iface = app.session_interface = CountingSessions()

    def home():
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])
    app.add_url_rule("/", view_func=home)
    traced(app)
    client = app.test_client()
    assert [client.get("/").data for _ in range(4)] == [b"1", b"2", b"3", b"4"]
    assert app.session_interface is iface and (iface.opened, iface.saved) == (4, 4)
    assert app.view_functions["home"] is home
    assert [s["name"] for s in steps(app, "/")].count("open_session") == 1


def test_sys_stdout_is_the_processs_own_outside_a_traced_request(capsys):
    app = traced(Flask(__name__))
    own = sys.stdout

    @app.route("/")
    def home():
        print("from the view")
        return "ok"
    assert app.test_client().get("/").data == b"ok"
    assert sys.stdout is own and sys.stderr is not None and type(sys.stderr).__name__ \
        != "_Tee"
    assert "from the view" in capsys.readouterr().out  # still printed where it went
    view = next(s for s in steps(app, "/") if s["kind"] == "view")
    assert view["output"] == ["from the view"]


# -- 5. no tracer error reaches the app ------------------------------------------

class SlotsSerializer:
    __slots__ = ("inner",)

    def __init__(self, inner):
        self.inner = inner

    def loads(self, value, max_age=None):
        return self.inner.loads(value, max_age=max_age)

    def dumps(self, value):
        return self.inner.dumps(value)


class SlotsSessions(SecureCookieSessionInterface):
    def get_signing_serializer(self, app):
        inner = super().get_signing_serializer(app)
        return None if inner is None else SlotsSerializer(inner)


def test_a_serializer_with_slots_answers_as_untraced_and_the_step_says_why():
    def build(app):
        app.secret_key = "slots"
        app.session_interface = SlotsSessions()

        @app.route("/")
        def home():
            session["n"] = session.get("n", 0) + 1
            return str(session["n"])
        return app

    for app in both(build):
        client = app.test_client()
        assert [client.get("/").status_code for _ in range(2)] == [200, 200]
        assert client.get("/").data == b"3"
    opened = next(s for s in steps(app, "/") if s["name"] == "open_session")
    assert opened["detail"]["signed_cookie_check"].startswith("not recorded: ")


def test_a_logging_mistake_answers_as_untraced(monkeypatch, capsys):
    log = logging.getLogger("guest.mistake")
    # logging's own handler, as in an app (pytest's capture handler fails a test on a
    # bad message instead of reporting it).
    monkeypatch.setattr(log, "propagate", False)
    monkeypatch.setattr(log, "handlers", [logging.StreamHandler(io.StringIO())])

    def build(app):
        @app.route("/")
        def home():
            log.warning("%s %s", 1)  # one argument short: logging reports it, no raise
            return "ok"
        return app

    for app in both(build):
        assert app.test_client().get("/").status_code == 200
    view = next(s for s in steps(app, "/") if s["kind"] == "view")
    assert "not recorded" in view["output"][0]


# -- 8. complete -----------------------------------------------------------------

def test_template_and_flash_signals_are_steps():
    app = Flask(__name__)
    app.secret_key = "flash"

    @app.route("/")
    def home():
        flash("saved", "info")
        return render_template_string("<p>{{ n }}</p>", n=1)
    traced(app)
    assert app.test_client().get("/").data == b"<p>1</p>"
    found = {s["name"]: s for s in steps(app, "/")}
    assert found["message_flashed"]["detail"] == {"message": "saved", "category": "info"}
    assert "before_render_template" in found and "template_rendered" in found


def login_required(view):
    @functools.wraps(view)
    def wrapped_view(**kwargs):
        if "user" not in request.args:
            return redirect("/login")
        return view(**kwargs)
    return wrapped_view


def test_a_decorator_that_answered_is_shown_instead_of_the_view():
    app = Flask(__name__)

    @app.route("/create")
    @login_required
    def create():
        return "created"
    traced(app)
    client = app.test_client()
    assert client.get("/create").status_code == 302
    view = next(s for s in steps(app, "/create") if s["kind"] == "view")
    assert view["function"].endswith("login_required.<locals>.wrapped_view")
    assert view["detail"]["view_not_run"].endswith(".create")
    assert client.get("/create?user=1").data == b"created"
    view = next(s for s in steps(app, "/create") if s["kind"] == "view")
    assert view["function"].endswith(".create") and "view_not_run" not in view["detail"]


def test_an_app_wide_hook_names_the_blueprint_that_registered_it():
    app = Flask(__name__)
    auth = Blueprint("auth", __name__)

    @auth.before_app_request
    def load_user():
        pass
    app.register_blueprint(auth)
    app.add_url_rule("/", view_func=lambda: "ok")
    traced(app)
    app.test_client().get("/")
    hook = next(s for s in steps(app, "/") if s["function"].endswith("load_user"))
    assert hook["blueprint"] is None
    assert hook["detail"]["registered_by_blueprint"] == "auth"


# -- headers capped as recorded ---------------------------------------------------

def test_huge_headers_are_capped_when_recorded_not_when_read():
    """90 headers of 60,000 characters a request: the log keeps a few hundred KB of
    them, not 5.4 MB (measured with tracemalloc, what stays allocated)."""
    app = traced(Flask(__name__))
    app.add_url_rule("/", view_func=lambda: "ok")
    client = app.test_client()

    def headers(n):  # new strings each request, as from a socket
        return {f"X-Big-{i}": f"{n}-" + chr(97 + i % 26) * 60_000 for i in range(90)}
    client.get("/", headers=headers(0))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(10):
        client.get("/", headers=headers(n))
    gc.collect()
    kept = (tracemalloc.get_traced_memory()[0] - before) / 10
    tracemalloc.stop()
    assert kept < 400_000, f"{kept:,.0f} bytes kept per request"


def test_one_handler_registered_for_several_codes_is_named_for_the_code_it_handled():
    """The playground's own custom handler serves 403, 404 and 500: each step says the
    code of the error it was called for."""
    from flask import Flask, abort

    from statelab_trace import StateLabTrace

    app = Flask(__name__)

    def custom(error):
        return error.name, error.code

    for code in (500, 403, 404):
        app.register_error_handler(code, custom)

    @app.get("/abort/<int:code>")
    def aborts(code):
        abort(code)

    trace = StateLabTrace()
    app.config["STATELAB_TRACE_ENABLED"] = True
    trace.init_app(app)
    for code in (404, 403, 500):
        assert app.test_client().get(f"/abort/{code}").status_code == code
    handled = [e["detail"]["code"] for e in trace.events()
               if e["type"] == "step" and e["name"] == "errorhandler"]
    assert handled == [404, 403, 500]


def test_one_view_under_rules_with_and_without_url_values_answers_as_untraced():
    def answer(app):
        def show(x=None, **rest):
            return f"{x} {sorted(rest)}"
        app.add_url_rule("/plain", "show", show)
        app.add_url_rule("/with/<x>", "show", show)
        app.add_url_rule("/defaults", "show", show, defaults={"x": "d"})
        client = app.test_client()
        return [client.get(p).data for p in ("/plain", "/with/a", "/plain", "/defaults")]

    assert answer(traced(Flask(__name__))) == answer(Flask(__name__)) == [
        b"None []", b"a []", b"None []", b"d []"]


def test_a_session_call_with_keywords_answers_as_untraced_and_is_recorded():
    def answer(app):
        app.secret_key = "guest"

        @app.route("/")
        def home():
            session["n"] = session.get("n", 0) + 1
            iface = app.session_interface
            again = iface.open_session(app=app, request=request)
            return f"{session['n']} {again.get('n')}"
        client = app.test_client()
        return [client.get("/").data for _ in range(2)]

    app = traced(Flask(__name__))
    assert answer(app) == answer(Flask(__name__)) == [b"1 None", b"2 1"]
    opened = [s for s in steps(app, "/") if s["name"] == "open_session"]
    assert len(opened) == 2 and opened[1]["detail"]["session"] == {"n": 1}


def test_a_session_interface_naming_its_parameters_its_own_way_answers_as_untraced():
    class Named(SecureCookieSessionInterface):
        def open_session(self, application, req):
            return super().open_session(application, req)

    def named(app):
        app.secret_key = "guest"
        app.session_interface = Named()
        return app

    def answer(app):
        @app.route("/")
        def home():
            session["n"] = session.get("n", 0) + 1
            again = app.session_interface.open_session(application=app, req=request)
            return f"{session['n']} {again.get('n')}"
        client = app.test_client()
        return [client.get("/").data for _ in range(2)]

    app = traced(named(Flask(__name__)))
    assert answer(app) == answer(named(Flask(__name__))) == [b"1 None", b"2 1"]
    opened = [s for s in steps(app, "/") if s["name"] == "open_session"]
    assert len(opened) == 2 and opened[1]["detail"]["session"] == {"n": 1}
