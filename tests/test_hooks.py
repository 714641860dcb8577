"""The hook log over real HTTP: Server-Sent Events, resume, heartbeats, isolation."""

from __future__ import annotations

import json
import time

import requests

from .helpers import held_upload


def lines_of(response):
    # chunk_size=1: hand each line over as soon as it arrives, not when 512 bytes have
    return response.iter_lines(chunk_size=1, decode_unicode=True)


def read_sse(lines, want, timeout=10):
    """Parse SSE messages from a line iterator until ``want(messages)`` is true;
    ``timeout`` only bounds a stream that never brings them (heartbeats included)."""
    messages, current, comments = [], {}, []
    deadline = time.monotonic() + timeout
    for line in lines:
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {messages}")
        if line == "":
            if "data" in current:
                messages.append(current)
                current = {}
                if want(messages):
                    return messages, comments
            continue
        if line.startswith(":"):
            comments.append(line)
            if want(messages):
                return messages, comments
            continue
        key, _, value = line.partition(": ")
        current[key] = value
    raise AssertionError(f"stream ended early: {messages}")


def test_steps_arrive_while_a_slow_request_is_still_running(live_lab):
    base = live_lab.base
    stream = requests.get(f"{base}/api/hooks/stream?lab={live_lab.lab}", stream=True, timeout=10)
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    lines = lines_of(stream)
    upload, rest = held_upload(live_lab.base, live_lab.headers)
    # The request cannot end before the test sends the rest of its body: its
    # before_request steps are visible mid-request, or this read gives up.
    messages, _ = read_sse(lines, lambda m: any(
        json.loads(x["data"]).get("function", "").endswith("require_lab") for x in m), 30)
    assert not any(x.get("event") == "end" for x in messages)
    upload.send(rest)
    assert upload.getresponse().status == 200
    messages, _ = read_sse(lines, lambda m: any(x.get("event") == "end" for x in m), 30)
    upload.close()
    stream.close()
    assert [json.loads(m["data"])["name"] for m in messages
            if m.get("event") == "step"].count("view") == 1


def test_resume_with_last_event_id_misses_nothing(live_lab):
    base = live_lab.base
    for _ in range(3):
        live_lab.get(f"{base}/api/comments", timeout=5)
    events = live_lab.get(f"{base}/api/hooks", timeout=5).json()["events"]
    middle = events[len(events) // 2]["id"]
    expected = [e["id"] for e in events if int(e["id"]) > int(middle)]
    stream = requests.get(f"{base}/api/hooks/stream?lab={live_lab.lab}",
                          headers={"Last-Event-ID": middle}, stream=True, timeout=10)
    messages, _ = read_sse(lines_of(stream), lambda m: len(m) >= len(expected))
    stream.close()
    assert [m["id"] for m in messages] == expected


def test_heartbeats_keep_an_idle_stream_alive(make_app, live_server_for):
    base = live_server_for(make_app(STATELAB_HEARTBEAT_SECONDS=0.2))
    lab = requests.post(f"{base}/api/labs", timeout=5).json()["id"]
    stream = requests.get(f"{base}/api/hooks/stream?lab={lab}", stream=True, timeout=10)
    comments = _heartbeats(stream)
    assert comments.count(": heartbeat") >= 2
    stream.close()


def _heartbeats(stream):
    comments = []
    for line in lines_of(stream):
        if line.startswith(":"):
            comments.append(line)
        if comments.count(": heartbeat") >= 2:
            break
    return comments


def test_head_requests_do_not_keep_viewer_slots(make_app):
    client = make_app(STATELAB_MAX_VIEWERS=2).test_client()
    lab = client.post("/api/labs").get_json()["id"]
    for _ in range(5):
        response = client.head(f"/api/hooks/stream?lab={lab}")
        assert response.status_code == 200
        response.close()
    info = client.get("/api/labs/current", headers={"X-Lab-Id": lab}).get_json()
    assert info["subscribers"] == 0


def test_viewers_are_capped_and_given_back(make_app):
    client = make_app(STATELAB_MAX_VIEWERS=1).test_client()
    lab = client.post("/api/labs").get_json()["id"]
    first = client.get(f"/api/hooks/stream?lab={lab}")
    assert client.get(f"/api/hooks/stream?lab={lab}").status_code == 429
    first.close()
    again = client.get(f"/api/hooks/stream?lab={lab}")
    assert again.status_code == 200
    again.close()


def test_the_stream_log_reads_and_static_files_are_not_traced(live_lab):
    base = live_lab.base
    live_lab.get(f"{base}/api/hooks", timeout=5)
    live_lab.get(f"{base}/static/does-not-matter.js", timeout=5)
    stream = requests.get(f"{base}/api/hooks/stream?lab={live_lab.lab}", stream=True, timeout=5)
    stream.close()
    assert live_lab.get(f"{base}/api/hooks", timeout=5).json()["events"] == []


def test_one_labs_events_are_never_visible_from_another(app):
    client = app.test_client()
    a = client.post("/api/labs").get_json()["id"]
    b = client.post("/api/labs").get_json()["id"]
    client.get("/api/state", headers={"X-Lab-Id": a})
    events_a = client.get("/api/hooks", headers={"X-Lab-Id": a}).get_json()["events"]
    events_b = client.get("/api/hooks", headers={"X-Lab-Id": b}).get_json()["events"]
    assert events_a and all(e["lab"] == a for e in events_a)
    assert events_b == []


def test_clear_empties_the_log_and_tells_viewers(live_lab):
    base = live_lab.base
    live_lab.get(f"{base}/api/state", timeout=5)
    stream = requests.get(f"{base}/api/hooks/stream?lab={live_lab.lab}", stream=True, timeout=10)
    lines = lines_of(stream)
    read_sse(lines, lambda m: any(x.get("event") == "end" for x in m))  # the log so far
    assert live_lab.delete(f"{base}/api/hooks", timeout=5).status_code == 204
    messages, _ = read_sse(lines, lambda m: any(x.get("event") == "clear" for x in m))
    stream.close()
    assert messages[-1]["event"] == "clear"
    assert [e["type"] for e in live_lab.get(f"{base}/api/hooks", timeout=5).json()["events"]] \
        == ["clear"]


def test_clients_are_tagged(lab_client):
    lab_client.client_id = "tab-0001"
    lab_client.get("/api/state")
    lab_client.get("/api/state", headers={"X-Client-Id": "bad id!"})
    clients = [t["request"]["client"] for t in lab_client.traces()]
    assert clients[-2:] == ["tab-0001", None]
