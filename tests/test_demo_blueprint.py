"""The demo blueprint: app hooks before blueprint hooks going in, blueprint hooks
before app hooks going out; after_this_request; a streamed body and teardown."""

from __future__ import annotations

import json
import time

from flask import request_tearing_down

from .helpers import step_names


def hook_steps(trace, name):
    return [(s["blueprint"], s["function"].rpartition(".")[2])
            for s in trace["steps"] if s["name"] == name]


def test_app_hooks_run_before_the_blueprints_going_in(lab_client):
    assert lab_client.get("/demo/hello/hooks").get_json() == {"word": "hello",
                                                              "blueprint": "demo"}
    trace = lab_client.last_trace("/demo/hello/hooks")
    assert hook_steps(trace, "before_request") == [
        (None, "func2"), (None, "short_circuit"), ("demo", "demo_before")]
    names = step_names(trace)
    assert names.index("url_value_preprocessor") < names.index("before_request")
    assert hook_steps(trace, "url_value_preprocessor") == [("demo", "pull_word")]


def test_blueprint_hooks_run_before_the_apps_going_out(lab_client):
    lab_client.get("/demo/hello/hooks")
    trace = lab_client.last_trace("/demo/hello/hooks")
    assert hook_steps(trace, "after_request") == [("demo", "demo_after"), (None, "func3")]
    assert hook_steps(trace, "teardown_request") == [
        ("demo", "demo_teardown"), (None, "func4")]


def test_after_this_request_runs_before_every_after_request(lab_client):
    response = lab_client.get("/demo/x/after-this-request")
    assert response.headers["X-After-This-Request"] == "ran"
    assert response.get_json()["registered"] == "statelab.demo_blueprint.mark_response"
    trace = lab_client.last_trace("/demo/x/after-this-request")
    demo_after = next(s for s in trace["steps"] if s["function"].endswith("demo_after"))
    assert demo_after["detail"]["saw_after_this_request"] is True
    lab_client.get("/demo/x/hooks")
    plain = next(s for s in lab_client.last_trace("/demo/x/hooks")["steps"]
                 if s["function"].endswith("demo_after"))
    assert "saw_after_this_request" not in plain["detail"]


def test_stream_bounds(lab_client):
    assert lab_client.get("/demo/x/stream?chunks=11").status_code == 400
    assert lab_client.get("/demo/x/stream?delay_ms=1001").status_code == 400


def test_streamed_body_teardown_runs_before_and_again_after_the_body(app, live_lab):
    """Flask 3.1: wsgi_app pops the request context when it hands the response over
    (teardown before any chunk); stream_with_context pushes it again around the body and
    pops it after the last chunk (teardown again)."""
    teardowns: list[float] = []

    def record(sender, **extra):
        teardowns.append(time.time())

    request_tearing_down.connect(record, app)
    try:
        response = live_lab.get(f"{live_lab.base}/demo/w/stream?chunks=3&delay_ms=150",
                                stream=True, timeout=10)
        chunks = [json.loads(line) for line in response.iter_lines() if line]
        deadline = time.time() + 5
        while len(teardowns) < 2 and time.time() < deadline:
            time.sleep(0.02)
    finally:
        request_tearing_down.disconnect(record, app)
    assert [c["chunk"] for c in chunks] == [0, 1, 2]
    assert all(c["teardowns_before"] == 1 for c in chunks)
    assert len(teardowns) == 2
    assert teardowns[0] < chunks[0]["produced_at"]
    assert teardowns[1] >= chunks[-1]["produced_at"]
    assert chunks[-1]["produced_at"] - chunks[0]["produced_at"] >= 0.25
    events = live_lab.get(f"{live_lab.base}/api/hooks", timeout=5).json()["events"]
    first_pass = next(e for e in events if e["type"] == "step"
                      and e["function"].endswith("demo_teardown"))
    assert first_pass["detail"]["chunks_produced"] == 0
    assert first_pass["detail"]["teardown_pass"] == 1
