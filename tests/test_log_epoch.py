"""Restarts: a page tells a restart by the lab's log epoch, not by ids. After a
restart of the embedded default, a class's reconnecting pages push the new log past a
young lab's old ids within a second; a page resuming after its old id then missed the
new log's first events and was never told of the restart."""

from __future__ import annotations

import requests

READS = 40  # a class's pages coming back: each traced read adds request/step/end events


def _events(base: str, lab: str, after: str | None = None) -> dict:
    params = {"after": after} if after else {}
    answer = requests.get(f"{base}/api/hooks", params=params, headers={"X-Lab-Id": lab},
                          timeout=5)
    assert answer.status_code == 200
    return answer.json()


def _told(base: str, lab: str, after: str, epoch: str, lines: int = 12) -> list[str]:
    """The stream's first ``lines`` non-empty lines for a page resuming there."""
    stream = requests.get(f"{base}/api/hooks/stream",
                          params={"lab": lab, "after": after, "epoch": epoch},
                          stream=True, timeout=10)
    assert stream.status_code == 200
    try:
        told = []
        for line in stream.iter_lines(chunk_size=1, decode_unicode=True):
            if line and not line.startswith(":"):  # comments: the lab followed, heartbeats
                told.append(line)
            if len(told) == lines:
                return told
        raise AssertionError(f"the stream ended after {told}")
    finally:
        stream.close()


def _restart_and_flood(make_app, live_server_for, lab: str, **config) -> str:
    base = live_server_for(make_app(**config))
    requests.get(f"{base}/api/slow", params={"ms": "1"}, headers={"X-Lab-Id": lab},
                 timeout=5)
    for _ in range(READS):
        requests.get(f"{base}/api/state", headers={"X-Lab-Id": lab}, timeout=5)
    return base


def _before_restart(make_app, live_server_for, **config) -> tuple[str, str, str]:
    base = live_server_for(make_app(**config))
    lab = requests.post(f"{base}/api/labs", timeout=5).json()["id"]
    requests.get(f"{base}/api/error/404", headers={"X-Lab-Id": lab}, timeout=5)
    seen = _events(base, lab)
    return lab, seen["last_id"], seen["epoch"]


def test_a_restart_whose_new_log_passed_the_pages_last_id_is_a_reset(make_app, live_server_for):
    lab, last, epoch = _before_restart(make_app, live_server_for)
    base = _restart_and_flood(make_app, live_server_for, lab)  # a new process: a new log
    now = _events(base, lab, after=last)
    assert int(now["last_id"]) > int(last)  # ids alone no longer tell the restart
    assert now["epoch"] != epoch
    told = _told(base, lab, last, epoch)
    assert told[1] == "event: reset"  # first, before any event (told[0]: retry)
    assert f'"epoch": "{now["epoch"]}"' in told[2]
    assert told[3] == "id: 1" and '"recreated": true' in told[5]  # the whole new log
    paths = [e.get("path") for e in _events(base, lab)["events"][:8]]
    assert "/api/slow" in paths  # the new log's first events, which a resume skipped


def test_with_redis_an_app_restart_keeps_the_epoch_and_is_no_reset(make_app, live_server_for,
                                                                   redis_url, redis_client):
    lab, last, epoch = _before_restart(make_app, live_server_for, STATELAB_REDIS_URL=redis_url)
    base = _restart_and_flood(make_app, live_server_for, lab, STATELAB_REDIS_URL=redis_url)
    assert _events(base, lab, after=last)["epoch"] == epoch
    told = _told(base, lab, last, epoch, lines=3)
    assert "event: reset" not in told
    assert told[1] == f"id: {int(last) + 1}"  # resumed where the page was


def test_a_malformed_epoch_is_a_clear_400(lab_client):
    answer = lab_client.get("/api/hooks/stream?epoch=<script>")
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "epoch"
