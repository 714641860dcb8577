"""The routes that hold a thread for seconds on purpose are capped per worker."""

from __future__ import annotations

import threading

import requests

from .helpers import wait_until


def _slow_requests(base: str, lab: str, count: int, ms: int) -> list[threading.Thread]:
    threads = [threading.Thread(target=requests.get, args=(f"{base}/api/slow?ms={ms}",),
                                kwargs={"headers": {"X-Lab-Id": lab}, "timeout": 30})
               for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def _busy(answer: requests.Response) -> bool:
    return (answer.status_code == 429 and answer.json()["error"] == "busy"
            and int(answer.headers["Retry-After"]) >= 1)


def _running_sleepers(base: str, lab: str) -> int:
    """The lab's /api/slow requests the log shows begun and not ended."""
    events = requests.get(f"{base}/api/hooks", headers={"X-Lab-Id": lab},
                          timeout=5).json()["events"]
    begun = {e["trace"] for e in events
             if e["type"] == "request" and e["path"] == "/api/slow"}
    ended = {e["trace"] for e in events if e["type"] == "end"}
    return len(begun - ended)


def test_slow_requests_past_the_cap_get_busy_at_once(make_app, live_server_for):
    base = live_server_for(make_app(STATELAB_MAX_SLOW=2))
    lab = requests.post(f"{base}/api/labs", timeout=5).json()["id"]
    held = _slow_requests(base, lab, 2, ms=5000)
    try:
        wait_until(lambda: _running_sleepers(base, lab) == 2, "both sleepers in their view")
        answered = requests.get(f"{base}/api/slow?ms=0", headers={"X-Lab-Id": lab},
                                timeout=5)
        # Refused, not queued: a queued request would have waited for a slot, then run.
        assert _busy(answered)
        assert requests.get(f"{base}/api/health", timeout=5).status_code == 200
    finally:
        for thread in held:
            thread.join(timeout=30)
    after = requests.get(f"{base}/api/slow?ms=0", headers={"X-Lab-Id": lab}, timeout=5)
    assert after.status_code == 200  # the slots came back


def test_a_streamed_demo_body_holds_its_slot_until_it_ends(make_app, live_server_for):
    base = live_server_for(make_app(STATELAB_MAX_SLOW=1))
    lab = requests.post(f"{base}/api/labs", timeout=5).json()["id"]
    stream = requests.get(f"{base}/demo/en/stream?chunks=3&delay_ms=1000",
                          headers={"X-Lab-Id": lab}, stream=True, timeout=10)
    lines = stream.iter_lines()
    next(lines)  # the first chunk: the view has returned, the body is still running
    assert _busy(requests.get(f"{base}/demo/en/stream?chunks=1", headers={"X-Lab-Id": lab},
                              timeout=5))
    assert _busy(requests.get(f"{base}/api/slow?ms=0", headers={"X-Lab-Id": lab}, timeout=5))
    list(lines)
    stream.close()
    answered = None
    for _ in range(50):  # the server closes the response just after the last chunk
        answered = requests.get(f"{base}/api/slow?ms=0", headers={"X-Lab-Id": lab},
                                timeout=5)
        if answered.status_code == 200:
            break
        threading.Event().wait(0.05)
    assert answered.status_code == 200
