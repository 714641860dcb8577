"""Every header both ways, the bodies and a raised request's traceback, in the hook log
(statelab_trace/wire.py), bounded; over a real server where the wire matters."""

from __future__ import annotations

import json
import logging

import pytest
import requests
from flask import Flask, Response, abort, stream_with_context

from statelab.events import MemoryBus
from statelab_trace import HookTracer
from statelab_trace.wire import (MAX_HEADER_VALUE, MAX_HEADERS, MAX_REQUEST_TEXT,
                                   MAX_RESPONSE_TEXT, MAX_TRACEBACK_CHARS,
                                   MAX_TRACEBACK_LINES)

from .helpers import LabClient


def traced(testing: bool = False):
    app = Flask(__name__)
    app.testing = testing
    app.secret_key = "test"
    bus = MemoryBus()
    HookTracer(app, bus=bus, select=lambda environ: "lab")
    return app, bus


def trace_of(bus, path):
    events = [e for e in bus.read("lab").events if e["type"] != "clear"]
    request = [e for e in events if e["type"] == "request" and e["path"] == path][-1]
    mine = [e for e in events if e["trace"] == request["trace"]]
    return request, next(e for e in mine if e["type"] == "end"), mine


def header(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


# -- headers -----------------------------------------------------------------------

def test_every_request_and_response_header_is_recorded_over_http(live_lab):
    """Vary: Cookie (Flask adds it when the session is read) and each Set-Cookie."""
    base = live_lab.base
    live_lab.headers["X-Client-Id"] = "headerclient"
    live_lab.post(f"{base}/api/session/login", json={"username": "Tom", "password": "123"},
                  headers={"X-Custom-Thing": "yes"}, timeout=5)
    live_lab.get(f"{base}/api/state", timeout=5)
    events = live_lab.get(f"{base}/api/hooks", timeout=5).json()["events"]
    login = next(e for e in events if e["type"] == "request"
                 and e["path"] == "/api/session/login")
    assert header(login["headers"], "X-Custom-Thing") == ["yes"]
    assert header(login["headers"], "Content-Type") == ["application/json"]
    assert header(login["headers"], "Host") == [base.removeprefix("http://")]
    end = next(e for e in events if e["type"] == "end" and e["trace"] == login["trace"])
    assert header(end["headers"], "Set-Cookie") == end["set_cookie"] != []
    assert "Cookie" in header(end["headers"], "Vary")[0]
    assert header(end["headers"], "Content-Type") == ["application/json"]


def test_header_values_and_count_are_capped():
    app, bus = traced()
    app.add_url_rule("/many", view_func=lambda: Response(
        "x", headers=[(f"X-Out-{i}", "v") for i in range(150)]))
    many = {f"X-In-{i}": "v" for i in range(150)}
    app.test_client().get("/many", headers={**many, "X-Long": "a" * 5000})
    request, end, _ = trace_of(bus, "/many")
    for headers in (request["headers"], end["headers"]):
        assert len(headers) == MAX_HEADERS + 1
        assert headers[-1][0] == "\u2026" and "more headers" in headers[-1][1]
    app.test_client().get("/many", headers={"X-Long": "a" * 5000})
    request, _, _ = trace_of(bus, "/many")
    long = header(request["headers"], "X-Long")[0]
    assert long == "a" * MAX_HEADER_VALUE + f"... ({5000 - MAX_HEADER_VALUE} more characters)"


# -- request bodies ----------------------------------------------------------------

def test_a_json_request_body_is_recorded_and_the_app_still_reads_it(live_lab):
    base = live_lab.base
    live_lab.headers["X-Client-Id"] = "bodysclient1"  # its own log: unmasked
    answer = live_lab.post(f"{base}/api/cookie/login",
                           json={"username": "Tom", "password": "123"}, timeout=5)
    assert answer.status_code == 200  # the app read the same body
    events = live_lab.get(f"{base}/api/hooks", timeout=5).json()["events"]
    login = next(e for e in events if e["type"] == "request")
    sent = json.dumps({"username": "Tom", "password": "123"})
    assert login["body"] == {"type": "application/json", "size": len(sent), "text": sent,
                             "truncated": False}


def test_form_and_text_bodies_are_recorded_and_a_get_has_none():
    app, bus = traced()
    app.add_url_rule("/form", "form", methods=["POST"], view_func=lambda: __import__(
        "flask").request.form["a"])
    app.add_url_rule("/ok", "ok", view_func=lambda: "ok")
    client = app.test_client()
    assert client.post("/form", data={"a": "1", "b": "two"}).data == b"1"
    request, _, _ = trace_of(bus, "/form")
    assert request["body"]["type"] == "application/x-www-form-urlencoded"
    assert request["body"]["text"] == "a=1&b=two"
    client.get("/ok")
    assert trace_of(bus, "/ok")[0]["body"] is None


def test_a_long_request_body_is_cut_and_says_so():
    app, bus = traced()
    app.add_url_rule("/echo", methods=["POST"], view_func=lambda: str(len(
        __import__("flask").request.get_data())))
    text = "x" * 10000
    assert app.test_client().post("/echo", data=text, content_type="text/plain").data \
        == b"10000"
    body = trace_of(bus, "/echo")[0]["body"]
    assert body["size"] == 10000 and body["truncated"] is True
    cut = 10000 - MAX_REQUEST_TEXT
    assert body["text"] == "x" * MAX_REQUEST_TEXT + f"... ({cut} more characters)"


def test_a_binary_body_or_one_over_max_content_length_is_not_read():
    """Over MAX_CONTENT_LENGTH the app answers 413 and reads nothing: nor does the
    tracer."""
    app, bus = traced()
    app.config["MAX_CONTENT_LENGTH"] = 100
    app.add_url_rule("/up", methods=["POST"], view_func=lambda: str(len(
        __import__("flask").request.get_data())))
    client = app.test_client()
    assert client.post("/up", data=b"\x00" * 50,
                       content_type="application/octet-stream").data == b"50"
    assert trace_of(bus, "/up")[0]["body"] == {
        "type": "application/octet-stream", "size": 50, "text": "", "truncated": True}
    assert client.post("/up", data="y" * 500, content_type="text/plain").status_code == 413
    assert trace_of(bus, "/up")[0]["body"]["text"] == ""


def test_a_chunked_request_body_is_recorded_as_the_app_reads_it(live_server):
    """Length unknown: never read ahead of the app (it may be a stream); what the app
    read is kept, and its size is what was read."""
    lab = requests.post(f"{live_server}/api/labs", timeout=5).json()["id"]
    chunks = iter([b'{"username": "Tom", ', b'"password": "123"}'])
    answer = requests.post(f"{live_server}/api/cookie/login", data=chunks, timeout=5,
                           headers={"X-Lab-Id": lab, "Content-Type": "application/json"})
    assert answer.status_code == 200
    events = requests.get(f"{live_server}/api/hooks", headers={"X-Lab-Id": lab},
                          timeout=5).json()["events"]
    login = next(e for e in events if e["type"] == "request")
    assert header(login["headers"], "Transfer-Encoding") == ["chunked"]
    body = '{"username": "Tom", "password": "123"}'
    assert login["body"]["size"] == len(body) and "Tom" in login["body"]["text"]


# -- response bodies ---------------------------------------------------------------

def test_every_response_body_is_recorded_as_sent(lab_client):
    answer = lab_client.get("/api/state")
    body = lab_client.last_trace("/api/state")["end"]["body"]
    assert body["type"] == "application/json" and body["truncated"] is False
    assert body["size"] == len(answer.data) and body["text"] == answer.get_data(as_text=True)


def test_a_long_response_body_is_cut_a_streamed_one_and_a_head_are_not_kept():
    app, bus = traced()
    app.add_url_rule("/big", "big", view_func=lambda: "z" * 20000)

    def streamed():
        return stream_with_context(iter(["a", "b"]))
    app.add_url_rule("/stream", view_func=streamed)
    app.add_url_rule("/events", "events", view_func=lambda: Response(iter(["data: 1\n\n"]),
                                                           mimetype="text/event-stream"))
    client = app.test_client()
    client.get("/big")
    body = trace_of(bus, "/big")[1]["body"]
    assert body["size"] == 20000 and body["truncated"] is True
    assert body["text"].endswith(f"... ({20000 - MAX_RESPONSE_TEXT} more characters)")
    assert client.get("/stream").data == b"ab"
    assert trace_of(bus, "/stream")[1]["body"] is None
    assert client.get("/events").data == b"data: 1\n\n"
    assert trace_of(bus, "/events")[1]["body"] is None
    client.head("/big")
    assert trace_of(bus, "/big")[1]["body"] is None


def test_werkzeugs_own_error_page_is_recorded_as_sent(lab_client):
    """No handler for abort(500), a raise or an unknown URL: Flask passes the
    HTTPException itself to make_response, which runs it as a WSGI app, a lazily
    iterated body; that page, Werkzeug's HTML, is what the log keeps (it was None, shown
    as "streamed or file")."""
    lab_client.put("/api/lab/settings", json={"custom_error_handlers": False})
    for path, title in (("/api/error/500", "500 Internal Server Error"),
                        ("/api/error/exception", "500 Internal Server Error"),
                        ("/nowhere", "404 Not Found")):
        answer = lab_client.get(path)
        body = lab_client.last_trace(path)["end"]["body"]
        assert body is not None, path
        assert f"<title>{title}</title>" in body["text"]
        assert body["text"] == answer.get_data(as_text=True)
        assert body["size"] == len(answer.data) and body["truncated"] is False


def test_a_wsgi_app_or_an_aborted_stream_is_not_buffered():
    """Only an HTTPException's own page is read ahead; any other WSGI app a view returns,
    or a response an abort carries (either may stream), is left to the server."""
    app, bus = traced()

    def wsgi(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield from (b"a", b"b", b"c")
    app.add_url_rule("/wsgi", view_func=lambda: wsgi)

    def aborted():
        abort(Response(iter(["x", "y"]), status=409, mimetype="text/plain"))
    app.add_url_rule("/aborted", view_func=aborted)
    client = app.test_client()
    assert client.get("/wsgi").data == b"abc"
    assert trace_of(bus, "/wsgi")[1]["body"] is None
    assert client.get("/aborted").data == b"xy"
    assert trace_of(bus, "/aborted")[1]["body"] is None


def test_a_file_response_body_is_not_kept(tmp_path):
    app, bus = traced()
    (tmp_path / "f.txt").write_text("file")
    app.add_url_rule("/file", view_func=lambda: __import__("flask").send_file(
        tmp_path / "f.txt"))
    assert app.test_client().get("/file").data == b"file"
    assert trace_of(bus, "/file")[1]["body"] is None


# -- tracebacks --------------------------------------------------------------------

def test_a_raised_request_carries_flasks_logged_traceback(lab_client, caplog):
    with caplog.at_level(logging.ERROR, logger="statelab"):
        assert lab_client.get("/api/error/exception").status_code == 500
    trace = lab_client.last_trace("/api/error/exception")
    traceback = trace["end"]["traceback"]
    assert traceback.startswith("Traceback (most recent call last):")
    assert "ZeroDivisionError: division by zero" in traceback
    logged = next(r for r in caplog.records if r.getMessage().startswith("Exception on"))
    assert traceback == logging.Formatter().formatException(logged.exc_info)
    # the log line's output carries the traceback below it
    output = [line for step in trace["steps"] for line in step.get("output", [])]
    output += trace["end"].get("output", [])
    at = next(i for i, line in enumerate(output)
              if line.startswith("ERROR") and "Exception on /api/error/exception [GET]" in line)
    assert output[at + 1] == "Traceback (most recent call last):"
    assert any("ZeroDivisionError: division by zero" in line for line in output[at:])


def test_abort_has_no_traceback_and_a_propagated_exception_has_one():
    app, bus = traced(testing=True)

    def raises():
        raise KeyError("boom")
    app.add_url_rule("/raise", view_func=raises)
    app.add_url_rule("/abort", "abort", view_func=lambda: __import__("flask").abort(500))
    client = app.test_client()
    client.get("/abort")
    assert trace_of(bus, "/abort")[1]["traceback"] is None
    with pytest.raises(KeyError):
        client.get("/raise")
    traceback = trace_of(bus, "/raise")[1]["traceback"]
    assert traceback.startswith("Traceback") and "KeyError: 'boom'" in traceback


def test_a_long_traceback_is_bounded():
    app, bus = traced()

    def ping(n, message):  # two functions in turn: Python folds no repeated line
        if n == 0:
            raise ValueError(message)
        return pong(n - 1, message)

    def pong(n, message):
        return ping(n - 1, message)
    app.add_url_rule("/deep", "deep", view_func=lambda: ping(80, "deep"))
    app.add_url_rule("/wide", "wide", view_func=lambda: ping(0, "x" * 20000))
    client = app.test_client()
    client.get("/deep")
    traceback = trace_of(bus, "/deep")[1]["traceback"]
    lines = traceback.split("\n")
    assert len(lines) <= MAX_TRACEBACK_LINES + 1 and "more lines)" in lines[-1]
    client.get("/wide")
    traceback = trace_of(bus, "/wide")[1]["traceback"]
    assert len(traceback) <= MAX_TRACEBACK_CHARS + 40
    assert traceback.endswith("more characters)")


# -- masking -----------------------------------------------------------------------

ALICE, BOB = "alice1234567", "bob123456789"


def test_other_viewers_get_the_new_fields_masked(app, lab_client):
    alice = LabClient(app.test_client(), lab_client.lab, ALICE)
    bob = LabClient(app.test_client(), lab_client.lab, BOB)
    alice.login("cookie", "Tom", "123")
    alice.login("server-session", "Tom", "123")
    alice.put("/api/cookies/session", json={"value": "replayed.cookie.value"})
    alice.get("/api/state", headers={"Authorization": "Basic c2VjcmV0"})
    sid = alice.client.get_cookie("server_session").value

    seen = json.dumps(bob.events())
    for secret in (sid, ALICE, '"123"', "replayed.cookie.value", "c2VjcmV0"):
        assert secret not in seen, secret
    login = next(t for t in bob.traces() if t["request"]["path"] == "/api/server-session/login")
    # "Tom" is the value of the username cookie alice carried: masked wherever it is
    assert json.loads(login["request"]["body"]["text"]) == {
        "username": "\u2039masked\u203a", "password": "\u2039masked\u203a"}
    assert header(login["end"]["headers"], "Set-Cookie")[0].startswith(
        "server_session=\u2039masked\u203a; ")
    state = next(t for t in bob.traces() if t["request"]["path"] == "/api/state")
    assert header(state["request"]["headers"], "X-Client-Id") == [alice.person()]
    assert "username=\u2039masked\u203a" in header(state["request"]["headers"], "Cookie")[0]
    assert json.loads(state["end"]["body"]["text"])["lab"] == lab_client.lab  # still JSON

    mine = json.dumps(alice.events())  # the sender sees everything whole
    for secret in (sid, ALICE, "replayed.cookie.value", "c2VjcmV0"):
        assert secret in mine, secret
    own_login = alice.last_trace("/api/server-session/login")
    assert json.loads(own_login["request"]["body"]["text"])["password"] == "123"


def test_a_response_body_whose_request_was_not_read_is_masked_whole(app, lab_client):
    alice = LabClient(app.test_client(), lab_client.lab, ALICE)
    bob = LabClient(app.test_client(), lab_client.lab, BOB)
    alice.login("server-session", "Tom", "123")
    alice.get("/api/state")
    events = bob.events()
    request = [e for e in events if e["type"] == "request"][-1]
    later = bob.events(after=request["id"])
    end = next(e for e in later if e["type"] == "end")
    assert end["body"]["text"] == "\u2039masked\u203a"


def test_form_passwords_are_masked_for_others():
    from statelab.masking import mask_body

    body = {"type": "application/x-www-form-urlencoded", "size": 30,
            "text": "username=Tom&password=s3cret&x=1", "truncated": False}
    assert mask_body(body, set())["text"] == "username=Tom&password=\u2039masked\u203a&x=1"



def test_a_binary_response_body_gives_its_type_and_size_only():
    app, bus = traced()
    app.add_url_rule("/png", "png", view_func=lambda: Response(b"\x89PNG" + b"\x00" * 60,
                                                               mimetype="image/png"))
    app.add_url_rule("/gz", "gz", view_func=lambda: Response(
        b"\x1f\x8b" + b"\x00" * 20, mimetype="application/json",
        headers={"Content-Encoding": "gzip"}))
    client = app.test_client()
    client.get("/png")
    assert trace_of(bus, "/png")[1]["body"] == {"type": "image/png", "size": 64, "text": "",
                                                "truncated": True}
    client.get("/gz")
    assert trace_of(bus, "/gz")[1]["body"]["text"] == ""  # compressed bytes are not text
