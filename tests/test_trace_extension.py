"""StateLabTrace, the extension: on when asked, protected, its page and log API."""

from __future__ import annotations

import json

import pytest
import requests
from flask import Blueprint, Flask, redirect, request, session

from statelab_trace import StateLabTrace


def make_app(**config):
    app = Flask(__name__)
    app.secret_key = "extension-test"
    app.config.update(config)

    @app.route("/")
    def home():
        session["seen"] = True
        return "home"

    StateLabTrace(app)
    return app


def log_of(app):
    return app.extensions["statelab_trace"].events()


def test_off_by_default_and_on_with_debug_or_the_flag():
    assert not make_app().extensions["statelab_trace"].enabled
    assert make_app(DEBUG=True).extensions["statelab_trace"].enabled
    assert make_app(STATELAB_TRACE_ENABLED=True).extensions["statelab_trace"].enabled
    assert not make_app(DEBUG=True, STATELAB_TRACE_ENABLED="0").extensions[
        "statelab_trace"].enabled
    late = make_app()
    late.debug = True  # as app.run(debug=True) does: after init_app has decided
    assert not late.extensions["statelab_trace"].enabled
    off = make_app()
    off.test_client().get("/")
    assert off.test_client().get("/_statelab/").status_code == 404
    assert log_of(off) == []


def test_a_session_step_keeps_a_bounded_session():
    """Any app's session steps use the lab's bound (jsonable.bounded_items): a session of
    megabytes in an app's own store must not reach the log whole."""
    from statelab_trace.jsonable import MAX_SESSION_KEPT

    app = make_app(STATELAB_TRACE_ENABLED=True)

    @app.route("/big")
    def big():
        session["blob"] = "x" * 100_000
        return "big"

    app.test_client().get("/big")
    saved = [e for e in log_of(app) if e["type"] == "step" and e["name"] == "save_session"]
    assert saved and len(json.dumps(saved[-1]["detail"])) <= MAX_SESSION_KEPT + 300
    assert "…" in saved[-1]["detail"]["session"]


def test_traces_the_app_but_not_its_own_page():
    app = make_app(STATELAB_TRACE_ENABLED=True)
    client = app.test_client()
    client.get("/")
    client.get("/_statelab/")
    client.get("/_statelab/api/log")
    paths = [e["path"] for e in log_of(app) if e["type"] == "request"]
    assert paths == ["/"]


def test_the_page_adds_no_route_and_the_apps_hooks_never_see_it():
    """The page answers in a WSGI layer in front of the app (as Werkzeug's debugger
    serves its resources): the app's url_map, `flask routes` and its hooks are its own."""
    def build(traced):
        app = Flask(__name__)
        app.secret_key = "wall"
        seen = []

        @app.before_request
        def login_wall():  # every anonymous request goes to the login form
            seen.append(request.path)
            if request.endpoint != "login" and "user" not in session:
                return redirect("/login")

        @app.route("/login")
        def login():
            return "the login form"

        @app.route("/")
        def home():
            return "home"

        if traced:
            app.config["STATELAB_TRACE_ENABLED"] = True
            StateLabTrace(app)
        return app, seen

    plain, _ = build(False)
    traced, seen = build(True)
    rules = lambda app: sorted((r.rule, r.endpoint, sorted(r.methods)) for r in app.url_map.iter_rules())
    assert rules(traced) == rules(plain)
    assert traced.view_functions.keys() == plain.view_functions.keys()
    assert "statelab_trace" not in traced.blueprints
    client = traced.test_client()
    assert client.get("/").status_code == 302  # the wall stands for the app
    page = client.get("/_statelab/")
    assert page.status_code == 200 and b"Request timeline" in page.data
    assert client.get("/_statelab/api/log").status_code == 200
    assert client.get("/_statelab/static/trace-page.js").status_code == 200
    assert client.get("/_statelab").status_code == 308  # to the page's own folder
    assert client.head("/_statelab/").status_code == 200
    refused = client.post("/_statelab/api/log")
    assert refused.status_code == 405 and refused.get_json()["error"] == "method_not_allowed"
    assert seen == ["/"]  # the wall never saw the page's requests
    assert [e["path"] for e in log_of(traced) if e["type"] == "request"] == ["/"]


def test_flask_routes_lists_only_the_apps_routes():
    app = make_app(STATELAB_TRACE_ENABLED=True)
    from flask.cli import routes_command

    result = app.test_cli_runner().invoke(routes_command)
    assert result.exit_code == 0, result.output
    assert "statelab" not in result.output and "home" in result.output


@pytest.mark.parametrize("host, allowed", [
    ("localhost", True),
    ("localhost:5000", True),
    ("app.localhost:8000", True),
    ("127.0.0.1:5000", True),
    ("127.1.2.3", True),
    ("[::1]:5000", True),
    ("rebind.attacker.example", False),
    ("rebind.attacker.example:5000", False),
    ("localhost.attacker.example", False),
    ("127.0.0.1.attacker.example", False),
    ("192.168.1.20:5000", False),
])
def test_without_a_token_only_a_loopback_host_name_is_answered(host, allowed):
    """DNS rebinding: a web page whose name now points at 127.0.0.1 reaches the page from
    the developer's own browser, on a loopback address, with its own Host name."""
    app = make_app(STATELAB_TRACE_ENABLED=True)
    client = app.test_client()
    client.get("/", headers={"Authorization": "Bearer app-secret"})
    for path in ("/_statelab/", "/_statelab/api/log", "/_statelab/api/registered"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == (200 if allowed else 403), (host, path)
        if not allowed:
            assert b"app-secret" not in response.data
            assert response.get_json()["error"] == "forbidden"


@pytest.mark.parametrize("environ, allowed", [
    ({"REMOTE_ADDR": "127.0.0.1"}, True),
    ({"REMOTE_ADDR": "::1"}, True),
    ({"REMOTE_ADDR": "192.168.1.20"}, False),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, False),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=203.0.113.9"}, False),
])
def test_without_a_token_only_direct_local_requests_see_the_page(environ, allowed):
    client = make_app(STATELAB_TRACE_ENABLED=True).test_client()
    for path in ("/_statelab/", "/_statelab/api/log", "/_statelab/static/timeline.js"):
        response = client.get(path, environ_base=environ)
        assert response.status_code == (200 if allowed else 403), path
        if not allowed:
            assert response.get_json()["error"] == "forbidden"


def test_with_a_token_anyone_who_presents_it_and_nobody_else():
    client = make_app(STATELAB_TRACE_ENABLED=True, STATELAB_TRACE_TOKEN="s3cret").test_client()
    remote = {"REMOTE_ADDR": "198.51.100.7"}
    assert client.get("/_statelab/", environ_base=remote).status_code == 403
    assert client.get("/_statelab/?token=wrong", environ_base=remote).status_code == 403
    assert client.get("/_statelab/?token=s3cret", environ_base=remote).status_code == 200
    assert client.get("/_statelab/api/log", environ_base=remote,
                      headers={"X-StateLab-Token": "s3cret"}).status_code == 200
    host = {"Host": "lab.example.org"}  # with a token, any Host that presents it
    assert client.get("/_statelab/?token=s3cret", headers=host).status_code == 200
    assert client.get("/_statelab/", headers=host).status_code == 403
    assert client.get("/_statelab/api/log").status_code == 403  # local needs it too


def test_the_page_warns_that_it_exposes_cookies_and_serves_only_its_modules():
    client = make_app(STATELAB_TRACE_ENABLED=True, STATELAB_TRACE_PREFIX="/trace/").test_client()
    page = client.get("/trace/")
    assert page.status_code == 200
    assert b"This page exposes cookies" in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    module = client.get("/trace/static/trace-page.js")
    assert module.status_code == 200 and b"createStream" in module.data
    assert client.get("/trace/static/index.html").status_code == 404
    assert client.get("/trace/static/..%2Fpyproject.toml").status_code == 404


def test_the_log_api_reads_after_an_id_and_refuses_bad_input():
    app = make_app(STATELAB_TRACE_ENABLED=True)
    client = app.test_client()
    client.get("/")
    page = client.get("/_statelab/api/log?limit=1").get_json()
    assert len(page["events"]) == 1 and page["events"][0]["type"] == "request"
    rest = client.get(f"/_statelab/api/log?after={page['last_id']}").get_json()
    assert rest["events"][0]["type"] == "step" and rest["events"][-1]["type"] == "end"
    for bad in ("limit=0", "limit=x", "after=nope"):
        response = client.get(f"/_statelab/api/log?{bad}")
        assert response.status_code == 400
        assert response.get_json()["error"] == "bad_request"
    assert client.delete("/_statelab/api/log").status_code == 204
    assert [e["type"] for e in client.get("/_statelab/api/log").get_json()["events"]] == ["clear"]


def test_the_stream_follows_the_log_live(live_server_for):
    app = make_app(STATELAB_TRACE_ENABLED=True)
    base = live_server_for(app)
    with requests.get(f"{base}/_statelab/api/stream", stream=True, timeout=10) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        requests.get(f"{base}/", timeout=5)
        seen = []
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                seen.append(json.loads(line[6:])["type"])
            if "end" in seen:
                break
    assert seen[0] == "request" and seen[-1] == "end" and "step" in seen


def test_the_stream_has_a_bounded_number_of_viewers(live_server_for):
    base = live_server_for(make_app(STATELAB_TRACE_ENABLED=True, STATELAB_TRACE_VIEWERS=1))
    with requests.get(f"{base}/_statelab/api/stream", stream=True, timeout=10) as first:
        next(first.iter_lines())  # connected and counted
        second = requests.get(f"{base}/_statelab/api/stream", timeout=5)
        assert second.status_code == 429
        assert second.json()["error"] == "too_many_requests"


def test_two_traced_apps_in_one_process_do_not_disturb_each_other():
    first = make_app(STATELAB_TRACE_ENABLED=True)
    second = make_app(STATELAB_TRACE_ENABLED=True)
    a, b = first.test_client(), second.test_client()
    for _ in range(3):
        a.get("/")
        b.get("/")
        b.get("/nowhere")
    for app, requests_made in ((first, 3), (second, 6)):
        events = log_of(app)
        assert sum(e["type"] == "request" for e in events) == requests_made
        assert sum(e["type"] == "end" for e in events) == requests_made
        saved = [e["detail"]["session"] for e in events if e.get("name") == "save_session"]
        assert saved == [{"seen": True}] * requests_made
        started = [e["trace"] for e in events if e.get("name") == "request_started"]
        assert len(started) == len(set(started)) == requests_made  # none of the other's


def test_the_opentelemetry_switch_reaches_the_tracer():
    pytest.importorskip("opentelemetry.sdk")
    from statelab_trace import otel

    on = make_app(STATELAB_TRACE_ENABLED=True, STATELAB_TRACE_OTEL=True)
    assert on.extensions["statelab_trace"].tracer.otel is otel
    assert make_app(STATELAB_TRACE_ENABLED=True).extensions["statelab_trace"].tracer.otel is None


def test_the_page_lists_what_the_app_and_its_blueprints_registered():
    """"Registered, not run" compares a request's steps with this list: every hook of
    the app and of each blueprint, under the name and function its steps carry."""
    app = make_app(STATELAB_TRACE_ENABLED=True)
    shop = Blueprint("shop", __name__)
    admin = Blueprint("admin", __name__)

    @shop.before_request
    def shop_before():
        return None

    @shop.url_value_preprocessor
    def shop_values(endpoint, values):
        return None

    @admin.after_request
    def admin_after(response):
        return response

    @admin.errorhandler(403)
    def admin_forbidden(error):
        return "no", 403

    @app.teardown_request
    def app_teardown(error):
        return None

    @shop.get("/items")
    def items():
        return "items"

    app.register_blueprint(shop, url_prefix="/shop")
    app.register_blueprint(admin, url_prefix="/admin")
    client = app.test_client()
    client.get("/shop/items")
    listed = client.get("/_statelab/api/registered").get_json()
    here = f"{__name__}.test_the_page_lists_what_the_app_and_its_blueprints_registered"
    hooks = {(h["name"], h["function"].rpartition(".")[2], h["blueprint"]) for h in listed["hooks"]}
    assert {("before_request", "shop_before", "shop"),
            ("url_value_preprocessor", "shop_values", "shop"),
            ("after_request", "admin_after", "admin"),
            ("teardown_request", "app_teardown", None)} <= hooks
    (handler,) = [h for h in listed["hooks"] if h["name"] == "errorhandler"]
    assert handler == {"name": "errorhandler", "function": f"{here}.<locals>.admin_forbidden"
                       .replace(f"{here}.<locals>.", f"{__name__}."),
                       "blueprint": "admin", "code": 403, "exception": "Forbidden"}
    assert listed["blueprints"] == ["shop", "admin"]
    # The steps of the request carry the same names: what ran is found in the list.
    ran = {(e["name"], e["function"], e["blueprint"]) for e in log_of(app) if e["type"] == "step"}
    assert ("before_request", handler["function"].replace("admin_forbidden", "shop_before"),
            "shop") in ran


def test_the_log_keeps_at_most_its_bytes_and_drops_the_oldest_requests():
    app = make_app(STATELAB_TRACE_ENABLED=True, STATELAB_TRACE_BYTES=200_000)

    @app.route("/big")
    def big():
        return "x" * 30_000  # kept whole with its request: ~31 KB a request

    client = app.test_client()
    client.get("/", headers={"X-First": "yes"})
    for _ in range(20):
        client.get("/big")
    requests_kept = [e for e in log_of(app) if e["type"] == "request"]
    assert 3 <= len(requests_kept) < 10
    assert all(e["path"] == "/big" for e in requests_kept)
