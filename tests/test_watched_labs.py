"""Watched labs on Redis, on the deployment the README gives (gunicorn, one gevent
worker): each lab a worker follows holds one of its Redis connections in a blocking
XREAD (fanout.py, events/redis.py), so a worker follows at most part of its pool and
ordinary requests keep the rest."""

from __future__ import annotations

import statistics
import time

import pytest
import requests

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
        assert answers == [200] * 10 and max(waits) < 2
    finally:
        close(streams)
