"""bench/live.py measures what it says: the viewer's SSE reading against the real stream,
and the arithmetic behind its percentiles (a lost event is never left out)."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_live", ROOT / "bench" / "live.py")
live = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = live  # dataclasses look their module up there
spec.loader.exec_module(live)


def end_message(event_id: str, trace: str, at: float) -> bytes:
    event = {"id": event_id, "type": "end", "trace": trace, "time": at, "status": 200}
    return f"id: {event_id}\nevent: end\ndata: {json.dumps(event)}\n\n".encode()


def test_viewer_measures_an_end_event_from_the_real_stream(live_lab):
    viewer = live.Viewer(live_lab.lab, since=0)
    url = f"{live_lab.base}/api/hooks/stream?lab={live_lab.lab}"
    with requests.get(url, stream=True, timeout=10) as stream:
        assert stream.status_code == 200
        sent = time.time()
        assert live_lab.get(f"{live_lab.base}/api/state", timeout=5).status_code == 200
        for chunk in stream.iter_content(chunk_size=None):
            viewer.feed(chunk, time.time())
            if viewer.latency:
                break
    end = [e for e in live_lab.get(f"{live_lab.base}/api/hooks", timeout=5).json()["events"]
           if e["type"] == "end"][-1]
    assert list(viewer.latency) == [end["trace"]]
    assert 0 <= viewer.latency[end["trace"]] <= time.time() - sent
    assert viewer.last_id == end["id"]


def test_a_message_split_across_reads_is_read_once_it_ends():
    viewer = live.Viewer("lab", since=0)
    message = b": heartbeat\n\n" + end_message("7", "t1", 100.0)
    viewer.feed(message[:30], 100.5)
    assert viewer.latency == {}
    viewer.feed(message[30:], 100.25)
    assert viewer.latency == {"t1": 0.25}
    assert viewer.last_id == "7"


def test_a_replay_after_a_reconnect_keeps_the_first_arrival():
    viewer = live.Viewer("lab", since=0)
    viewer.feed(end_message("7", "t1", 100.0), 100.1)
    viewer.feed(end_message("7", "t1", 100.0), 103.0)
    assert viewer.latency == {"t1": pytest.approx(0.1)}


def test_events_before_the_measured_window_are_not_counted():
    viewer = live.Viewer("lab", since=200.0)
    viewer.feed(end_message("1", "setup", 150.0) + end_message("2", "load", 200.5), 201.0)
    assert list(viewer.latency) == ["load"]


def test_an_event_a_viewer_never_received_counts_as_later_than_any_received():
    result = live.Result("embedded", 2, 1, {"connected": 2}, {}, {
        "latencies": [0.010] * 98 + [0.020], "missing": 1}, 0.0, 0.0)
    assert result.percentile(50) == pytest.approx(10)
    assert result.percentile(99) == pytest.approx(20)
    assert math.isinf(result.percentile(100))


def test_expected_counts_answered_requests_that_no_viewer_saw():
    a, b = live.Viewer("lab", since=0), live.Viewer("lab", since=0)
    a.latency = {"t1": 0.1}
    b.latency = {"t2": 0.1}
    assert live._expected([a, b], {"lab": 1}) == {"lab": 2}
    assert live._expected([a, b], {"lab": 5}) == {"lab": 5}

