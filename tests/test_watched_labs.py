"""Watched labs on Redis, on the deployment the README gives (gunicorn, one gevent
worker): each lab a worker follows holds one of its Redis connections in a blocking
XREAD (fanout.py, events/redis.py), so a worker follows at most part of its pool and
ordinary requests keep the rest."""

from __future__ import annotations

import statistics
import time

import pytest
import requests

from statelab.context import current
from statelab.events import RedisBus

from .helpers import new_lab as new_test_lab
from .servers import Gunicorn, new_lab
from .test_streams import open_stream, timed

POOL = 6  # STATELAB_REDIS_CONNECTIONS: a tiny pool, so a handful of labs would fill it


@pytest.fixture
def worker(tmp_path, redis_url, redis_client):
    server = Gunicorn(tmp_path, {"STATELAB_REDIS_URL": redis_url,
                                 "STATELAB_REDIS_CONNECTIONS": str(POOL)})
    yield server
    server.stop()


def watch(base: str, labs: list[str]) -> list[requests.Response]:
    return [open_stream(base, lab) for lab in labs]


def close(streams: list[requests.Response]) -> None:
    for stream in streams:
        stream.close()


def test_requests_are_answered_promptly_while_more_labs_than_the_pool_are_watched(worker):
    base = worker.base
    labs = [new_lab(base) for _ in range(POOL)]
    streams = watch(base, labs)
    try:
        time.sleep(0.5)  # every follower in its XREAD

        answers = []

        def state():
            answers.append(requests.get(f"{base}/api/state", headers={"X-Lab-Id": labs[0]},
                                        timeout=10).status_code)
        waits = [timed(state) for _ in range(10)]
        print(f"{POOL} labs watched, pool {POOL}: /api/state answered {answers}; median "
              f"{statistics.median(waits) * 1000:.1f} ms, max {max(waits) * 1000:.1f} ms")
        # Starved, a request waits the pool's 5 s for a connection and fails 503.
        assert answers == [200] * 10
    finally:
        close(streams)


def test_a_stream_past_the_cap_is_refused_and_a_watched_lab_still_joins(worker, redis_client):
    base, cap = worker.base, POOL // 2  # derived: half the pool
    labs = [new_lab(base) for _ in range(cap + 2)]
    streams = watch(base, labs)
    try:
        assert [s.status_code for s in streams] == [200] * cap + [429, 429]
        refused = streams[cap].json()
        assert (refused["error"], refused["labs"]) == ("too_many_watched_labs", cap)
        assert int(streams[cap].headers["Retry-After"]) > 0
        # Refused, it keeps nothing: the lab counts no viewer.
        assert RedisBus(redis_client).subscribers(labs[cap]) == 0
        # The log of a refused lab can still be read, and a lab followed here takes
        # another viewer at the cap.
        log = requests.get(f"{base}/api/hooks", headers={"X-Lab-Id": labs[cap]}, timeout=5)
        assert log.status_code == 200
        again = open_stream(base, labs[0])
        streams.append(again)
        assert again.status_code == 200
    finally:
        close(streams)


def test_the_cap_holds_on_the_in_memory_bus_too(make_app):
    """`make run`: each followed lab is a thread waiting on the bus."""
    app = make_app(STATELAB_MAX_WATCHED_LABS=1)
    client = app.test_client()
    first, second = new_test_lab(client), new_test_lab(client)
    followed = client.get(f"/api/hooks/stream?lab={first}")
    try:
        assert followed.status_code == 200
        refused = client.get(f"/api/hooks/stream?lab={second}")
        assert refused.status_code == 429
        assert refused.get_json()["error"] == "too_many_watched_labs"
        assert refused.get_json()["labs"] == 1
        spec = client.get("/api/openapi.json").get_json()
        documented = spec["paths"]["/api/hooks/stream"]["get"]["responses"]["429"]
        schema = documented["content"]["application/json"]["schema"]["allOf"][1]
        assert "too_many_watched_labs" in schema["properties"]["error"]["enum"]
        assert current(app).bus.subscribers(second) == 0
        assert current(app).streams.in_use == 1  # the refused stream's slot came back
    finally:
        followed.close()
