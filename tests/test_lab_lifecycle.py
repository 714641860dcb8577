"""A lab's life against both stores: made again under its id after it was forgotten
(evicted, or the server restarted), by one request or by many at once."""

from __future__ import annotations

import threading

import pytest

from statelab.context import current
from statelab.store import LabExists

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
    app = backend(STATELAB_MAX_LABS=1, STATELAB_LAB_KEEP_SECONDS=0,
                  STATELAB_HEARTBEAT_SECONDS=30)
    statelab, client = current(app), app.test_client()
    lab = new_lab(client)
    for _ in range(3):
        client.get("/api/comments", headers={"X-Lab-Id": lab})
    old = statelab.feeds.join(lab)
    old_frames = old.next_after(0, 5).frames
    statelab.feeds.leave(old)
    assert len(old_frames) > 3
    client.post("/api/labs")  # the server keeps one lab: the first, idle, is evicted
    assert not statelab.store.exists(lab)
    again = client.get("/api/comments", headers={"X-Lab-Id": lab})
    assert again.headers["X-Lab-Recreated"] == "true"
    feed = statelab.feeds.join(lab)
    try:
        frames = feed.next_after(0, 5).frames
        assert feed is not old
        assert frames[0].kind == "lab" and frames[0].number == 1  # the new lab's log
    finally:
        statelab.feeds.leave(feed)


def test_first_requests_racing_to_make_a_lab_again_make_it_once(backend):
    """After a restart every page's first request finds its lab gone; each passes the
    lookup before any has made it again. One makes it and announces it; the others keep
    what it made (here, each one's display name)."""
    app = backend()
    statelab = current(app)
    lab = "R" * 22  # a well-formed id the server does not know: it forgot the lab
    racers = 4
    barrier = threading.Barrier(racers, timeout=10)
    real_touch = statelab.store.touch

    def touch_together(name):
        found = real_touch(name)
        if name == lab and not found and barrier.n_waiting < racers:
            barrier.wait()  # every racer has found the lab gone before any makes it
        return found

    statelab.store.touch = touch_together
    answers = [None] * racers

    def first_request(n):
        answers[n] = app.test_client().put(
            "/api/me", json={"name": f"student {n}"},
            headers={"X-Lab-Id": lab, "X-Client-Id": f"client-{n}"})

    threads = [threading.Thread(target=first_request, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    statelab.store.touch = real_touch
    assert [answer.status_code for answer in answers] == [200] * racers
    assert sum(a.headers.get("X-Lab-Recreated") == "true" for a in answers) == 1
    events = statelab.bus.read(lab).events
    assert [e["type"] for e in events].count("lab") == 1
    assert {statelab.store.client_name(lab, f"client-{n}") for n in range(racers)} == {
        f"student {n}" for n in range(racers)}


def test_making_a_lab_that_exists_keeps_it_as_it_is(backend):
    """The store's side of the race: the loser's create changes nothing (resetting the
    comment counter would repeat comment ids)."""
    store = current(backend()).store
    store.create_lab("L" * 22)
    first = store.add_comment("L" * 22, {"text": "one"})
    store.set_client_name("L" * 22, "client-1", "Ada")
    with pytest.raises(LabExists):
        store.create_lab("L" * 22)
    assert store.add_comment("L" * 22, {"text": "two"})["id"] == first["id"] + 1
    assert [c["text"] for c in store.comments("L" * 22)] == ["one", "two"]
    assert store.client_name("L" * 22, "client-1") == "Ada"
