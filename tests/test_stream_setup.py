"""A live stream that fails while it is being set up takes nothing with it: its stream
slot, its count in the lab's viewers and its place in the lab's feed all come back."""

from __future__ import annotations

import time

import redis

from statelab.context import current

from .helpers import new_lab


def test_a_backend_failure_while_a_stream_starts_leaks_nothing(make_app, redis_url,
                                                                redis_client, monkeypatch):
    app = make_app(STATELAB_REDIS_URL=redis_url)
    statelab, client = current(app), app.test_client()
    lab = new_lab(client)
    real_epoch = statelab.labs.epoch
    failures = []

    def epoch_once(lab_id):
        if not failures:
            failures.append(lab_id)
            raise redis.ConnectionError("Redis went away while the stream started")
        return real_epoch(lab_id)

    monkeypatch.setattr(statelab.labs, "epoch", epoch_once)
    answer = client.get(f"/api/hooks/stream?lab={lab}")
    assert failures == [lab]
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "backend_unavailable"
    assert statelab.streams.in_use == 0
    assert statelab.bus.subscribers(lab) == 0
    assert statelab.feeds.following() == 0  # no follower started for nobody
    # And the next viewer gets its stream.
    answer = client.get(f"/api/hooks/stream?lab={lab}", buffered=False)
    assert answer.status_code == 200
    assert (statelab.streams.in_use, statelab.bus.subscribers(lab)) == (1, 1)
    assert statelab.feeds.following() == 1
    answer.close()
    assert (statelab.streams.in_use, statelab.bus.subscribers(lab)) == (0, 0)


def test_a_join_that_fails_unexpectedly_gives_back_the_slot_and_the_lease(
        make_app, redis_url, redis_client, monkeypatch):
    """Any failure of feeds.join (not only TooManyWatchedLabs) gives back the stream
    slot and the lab's viewer lease, which this worker would otherwise keep renewing."""
    app = make_app(STATELAB_REDIS_URL=redis_url, STATELAB_HEARTBEAT_SECONDS=0.4)
    statelab, client = current(app), app.test_client()
    lab = new_lab(client)

    def broken_join(lab_id):
        raise RuntimeError("a bug in the feed")

    monkeypatch.setattr(statelab.feeds, "join", broken_join)
    answer = client.get(f"/api/hooks/stream?lab={lab}")
    assert answer.status_code == 500 and answer.is_json
    assert statelab.streams.in_use == 0
    assert statelab.bus.subscribers(lab) == 0
    # No lease is left for the lab's follower to renew: renewing, as a follower does
    # at least each heartbeat, through more than the quarter lease between renewals,
    # counts nobody back in.
    until = time.monotonic() + statelab.bus.viewer_lease / 2
    while time.monotonic() < until:
        statelab.bus.renew(lab)
        assert statelab.bus.subscribers(lab) == 0
        time.sleep(0.02)


def test_a_follower_that_cannot_start_is_undone_and_the_stream_answers_5xx(
        make_app, monkeypatch):
    """Thread.start failing (no threads left) leaves no follower counted and no
    follower-less feed that later viewers would wait on forever."""
    app = make_app()
    statelab, client = current(app), app.test_client()
    lab = new_lab(client)

    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr("threading.Thread.start", no_thread)
    answer = client.get(f"/api/hooks/stream?lab={lab}")
    monkeypatch.undo()
    assert answer.status_code == 500 and answer.is_json
    assert statelab.feeds.following() == 0
    assert (statelab.streams.in_use, statelab.bus.subscribers(lab)) == (0, 0)
    answer = client.get(f"/api/hooks/stream?lab={lab}", buffered=False)
    assert answer.status_code == 200
    assert statelab.feeds.following() == 1  # its own follower, not a follower-less feed
    answer.close()
