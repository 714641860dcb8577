"""A lab's life against both stores: made again under its id after it was forgotten
(evicted, or the server restarted), by one request or by many at once."""

from __future__ import annotations

import pytest

from statelab.context import current

from .helpers import new_lab


@pytest.fixture(params=["memory", "redis"])
def backend(request, make_app):
    """An app factory on the memory store, or on Redis (a fresh database)."""
    if request.param == "memory":
        return make_app
    url = request.getfixturevalue("redis_url")
    request.getfixturevalue("redis_client")  # flushed for this test
    return lambda **overrides: make_app(STATELAB_REDIS_URL=url, **overrides)


def test_a_lab_made_again_within_a_heartbeat_gets_a_new_feed(backend):
    """A feed outlives its last viewer by up to a heartbeat; a lab evicted and made
    again in that time must not be followed by it (the old lab's frames and event
    numbers)."""
    app = backend(STATELAB_LABS_PER_ADDRESS=1, STATELAB_HEARTBEAT_SECONDS=30)
    statelab, client = current(app), app.test_client()
    lab = new_lab(client)
    for _ in range(3):
        client.get("/api/comments", headers={"X-Lab-Id": lab})
    old = statelab.feeds.join(lab)
    old_frames, _ = old.after(0, 5)
    statelab.feeds.leave(old)
    assert len(old_frames) > 3
    client.post("/api/labs")  # this address keeps one lab: the first is evicted
    assert not statelab.store.exists(lab)
    again = client.get("/api/comments", headers={"X-Lab-Id": lab})
    assert again.headers["X-Lab-Recreated"] == "true"
    feed = statelab.feeds.join(lab)
    try:
        frames, _ = feed.after(0, 5)
        assert feed is not old
        assert frames[0].kind == "lab" and frames[0].number == 1  # the new lab's log
    finally:
        statelab.feeds.leave(feed)
