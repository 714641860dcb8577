"""bench/live.py measures what it says: the viewer's SSE reading against the real stream,
and the arithmetic behind its percentiles (a lost event is never left out)."""

from __future__ import annotations

import asyncio
import json
import math
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.livebench import report, viewers  # noqa: E402


def end_message(event_id: str, trace: str, at: float) -> bytes:
    event = {"id": event_id, "type": "end", "trace": trace, "time": at, "status": 200}
    return f"id: {event_id}\nevent: end\ndata: {json.dumps(event)}\n\n".encode()


def test_viewer_measures_an_end_event_from_the_real_stream(live_lab):
    viewer = viewers.Viewer(live_lab.lab, since=0)
    port = int(live_lab.base.rsplit(":", 1)[1])

    async def watch_one_request():
        answered = asyncio.Event()
        following = asyncio.create_task(viewer.follow(port, answered))
        await asyncio.wait_for(answered.wait(), 5)
        sent = time.time()
        response = await asyncio.to_thread(live_lab.get, f"{live_lab.base}/api/state",
                                           timeout=5)
        assert response.status_code == 200
        deadline = time.monotonic() + 5
        while not viewer.latency and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        following.cancel()
        return time.time() - sent

    waited = asyncio.run(watch_one_request())
    assert viewer.outcome == "connected"
    end = [e for e in live_lab.get(f"{live_lab.base}/api/hooks", timeout=5).json()["events"]
           if e["type"] == "end"][-1]
    assert list(viewer.latency) == [end["trace"]]
    assert 0 <= viewer.latency[end["trace"]] <= waited
    assert viewer.last_id == end["id"]


def test_a_viewer_refused_by_the_cap_counts_as_refused(make_app):
    app = make_app(STATELAB_MAX_VIEWERS=0)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        lab = requests.post(f"http://127.0.0.1:{server.port}/api/labs", timeout=5).json()["id"]
        viewer = viewers.Viewer(lab, since=0)
        asyncio.run(viewer.follow(server.port, asyncio.Event()))
    finally:
        server.shutdown()
    assert viewer.outcome == "refused (429)"


def test_a_message_split_across_reads_is_read_once_it_ends():
    viewer = viewers.Viewer("lab", since=0)
    message = b": heartbeat\n\n" + end_message("7", "t1", 100.0)
    viewer.feed(message[:30], 100.5)
    assert viewer.latency == {}
    viewer.feed(message[30:], 100.25)
    assert viewer.latency == {"t1": 0.25}
    assert viewer.last_id == "7"


def test_a_replay_after_a_reconnect_keeps_the_first_arrival():
    viewer = viewers.Viewer("lab", since=0)
    viewer.feed(end_message("7", "t1", 100.0), 100.1)
    viewer.feed(end_message("7", "t1", 100.0), 103.0)
    assert viewer.latency == {"t1": pytest.approx(0.1)}


def test_events_before_the_measured_window_are_not_counted():
    viewer = viewers.Viewer("lab", since=200.0)
    viewer.feed(end_message("1", "setup", 150.0) + end_message("2", "load", 200.5), 201.0)
    assert list(viewer.latency) == ["load"]


def test_an_event_a_viewer_never_received_counts_as_later_than_any_received():
    result = report.Result("embedded", 2, 1, {"connected": 2}, {}, {
        "latencies": [0.010] * 98 + [0.020], "missing": 1}, 0.0, 0.0)
    assert result.percentile(50) == pytest.approx(10)
    assert result.percentile(99) == pytest.approx(20)
    assert math.isinf(result.percentile(100))


def test_expected_counts_answered_requests_that_no_viewer_saw():
    a, b = viewers.Viewer("lab", since=0), viewers.Viewer("lab", since=0)
    a.latency = {"t1": 0.1}
    b.latency = {"t2": 0.1}
    assert viewers._expected([a, b], {"lab": 1}) == {"lab": 2}
    assert viewers._expected([a, b], {"lab": 5}) == {"lab": 5}



def test_chunked_framing_is_removed_wherever_the_reads_split_it():
    messages = end_message("7", "t1", 100.0) + end_message("8", "t2", 100.0)
    framed = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n"
                      for part in (messages[:40], messages[40:]))
    viewer = viewers.Viewer("lab", since=0)
    stream = viewers._Stream(viewer, asyncio.new_event_loop())
    stream.chunked = True
    for at in range(0, len(framed), 7):
        viewer.feed(stream.dechunk(framed[at:at + 7]), 100.5)
    assert viewer.latency == {"t1": 0.5, "t2": 0.5}
    assert viewer.buffer == b""


def test_the_fan_out_benchmark_delivers_every_event_to_every_viewer_thread():
    """bench/feed_threads.py on a small class: it runs on today's fanout.py, and each of
    its viewer threads receives every event it publishes."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "feed_threads.py"), "5", "0.5"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    delivered, wanted = re.search(r"(\d+)/(\d+) delivered", done.stdout).groups()
    assert int(wanted) > 0 and delivered == wanted
