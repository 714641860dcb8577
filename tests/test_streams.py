"""Live streams on the deployment the README gives (gunicorn, one gevent worker): they
never starve ordinary requests, a viewer that leaves frees its slot soon, and idle
streams on Redis stay open."""

from __future__ import annotations

import statistics
import time

import pytest
import requests

from statelab.context import current
from statelab.streams import StreamSlots, fit_pool

from .servers import Gunicorn, RedisServer, new_lab

CONNECTIONS = 40  # gevent worker connections: 30 streams, 10 kept for requests


@pytest.fixture
def gunicorn(tmp_path):
    servers = []

    def start(env=None, args=()):
        server = Gunicorn(tmp_path, env, args)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()


def test_the_cap_fits_the_pool_unless_configured():
    assert [fit_pool(n) for n in (4, 8, 16, 32, 64)] == [1, 4, 12, 24, 48]
    fitted, configured = StreamSlots(), StreamSlots(5)
    fitted.fit_threads(16)
    configured.fit_threads(16)
    assert (fitted.capacity, configured.capacity) == (12, 5)
    assert [configured.take() for _ in range(6)] == [True] * 5 + [False]


def test_the_cap_is_an_environment_setting(make_app, monkeypatch):
    monkeypatch.setenv("STATELAB_MAX_STREAMS", "3")
    assert current(make_app()).streams.capacity == 3


def open_stream(base: str, lab: str) -> requests.Response:
    """A stream, its first line read (so the server holds it). ``response.lines`` goes
    on reading: a second ``iter_lines`` would not, as dropping the first one closes
    the connection (urllib3)."""
    response = requests.get(f"{base}/api/hooks/stream?lab={lab}", stream=True, timeout=10)
    if response.status_code == 200:
        response.lines = response.iter_lines(chunk_size=1, decode_unicode=True)
        assert next(response.lines) == "retry: 1000"
    return response


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def test_streams_are_capped_below_the_workers_connections(gunicorn):
    server = gunicorn(env={"STATELAB_STREAMS_PER_ADDRESS": str(CONNECTIONS)},
                      args=("--worker-connections", str(CONNECTIONS)))
    base, cap = server.base, fit_pool(CONNECTIONS)
    labs = [new_lab(base), new_lab(base)]
    streams = [open_stream(base, labs[n % 2]) for n in range(cap)]
    try:
        assert [s.status_code for s in streams] == [200] * cap
        refused = open_stream(base, labs[0])
        assert refused.status_code == 429
        assert refused.json()["error"] == "too_many_streams"
        assert int(refused.headers["Retry-After"]) > 0

        def health():  # 30 s bounds a request stalled until the streams end
            assert requests.get(f"{base}/api/health", timeout=30).status_code == 200
        waits = [timed(health) for _ in range(20)]
        print(f"{cap} streams held; /api/health median {statistics.median(waits) * 1000:.1f} ms, "
              f"max {max(waits) * 1000:.1f} ms")
        assert new_lab(base)
        # Answered while every stream is still held: each still brings its heartbeat.
        assert all(next_beat(stream) for stream in streams)
    finally:
        for stream in streams:
            stream.close()


def next_beat(stream: requests.Response) -> bool:
    """Reads ``stream`` up to its next heartbeat; whether one came before it ended."""
    return any(line == ": heartbeat" for line in stream.lines)


def test_a_viewer_that_leaves_frees_its_thread_soon(gunicorn):
    # One viewer a lab. Polled with new streams, which are not traced: a traced request
    # would publish to the lab and wake the old stream, so it would notice at once.
    # The server's own heartbeats are the clock: another lab's stream counts them.
    base = gunicorn(env={"STATELAB_MAX_VIEWERS": "1"}).base
    lab = new_lab(base)
    clock = open_stream(base, new_lab(base))
    stream = open_stream(base, lab)
    assert open_stream(base, lab).status_code == 429
    stream.close()
    beats = 0
    while (again := open_stream(base, lab)).status_code == 429:
        assert next_beat(clock)
        beats += 1
        assert beats <= 3, "the closed stream's slot is still taken three heartbeats later"
    again.close()
    clock.close()
    print(f"a closed stream's slot came back after {beats} heartbeats of another stream")


def test_idle_streams_on_redis_outlive_the_clients_socket_timeout(gunicorn, tmp_path):
    redis = RedisServer(tmp_path, "--save", "", "--appendonly", "no")
    try:
        # redis-py gives up a read after its socket timeout (5 s by default; 2 s here),
        # and a heartbeat of 3 s would block an XREAD past it.
        server = gunicorn(env={"STATELAB_REDIS_URL": f"{redis.url}?socket_timeout=2",
                               "STATELAB_HEARTBEAT_SECONDS": "3"})
        lab = new_lab(server.base)
        stream = open_stream(server.base, lab)
        # Three 3 s heartbeats: each of its reads outlives the 2 s socket timeout, and
        # the stream goes on after them. One that failed would end the stream sooner.
        beats = 0
        for line in stream.lines:
            beats += line == ": heartbeat"
            if beats == 3:
                break
        stream.close()
        assert beats == 3
        assert "Traceback" not in server.errors()
    finally:
        redis.stop()
