"""A live stream that fails while it is being set up takes nothing with it: its stream
slot, its count in the lab's viewers and its place in the lab's feed all come back."""

from __future__ import annotations

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
    assert lab not in statelab.feeds._feeds or statelab.feeds._feeds[lab].viewers == 0
    # And the next viewer gets its stream.
    answer = client.get(f"/api/hooks/stream?lab={lab}", buffered=False)
    assert answer.status_code == 200
    assert (statelab.streams.in_use, statelab.bus.subscribers(lab)) == (1, 1)
    answer.close()
    assert (statelab.streams.in_use, statelab.bus.subscribers(lab)) == (0, 0)
