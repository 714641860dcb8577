"""fanout.py on its own (no Flask): one follower per lab wakes every viewer at once,
gathers events that come close together into one wake, works out each wake's bytes
once for all viewers, and never leaves a viewer waiting for a follower that died."""

from __future__ import annotations

import threading
import time

import pytest

from statelab import fanout
from statelab.events import MemoryBus
from statelab.fanout import Feeds, TooManyWatchedLabs
from statelab.masking import MASK

LAB = "fanout-lab"


def comment(n: int) -> dict:
    return {"type": "comment", "lab": LAB, "text": f"c{n}", "time": time.time()}


def request_of(client: str, trace: str) -> list[dict]:
    return [{"type": "request", "trace": trace, "client": client, "path": "/",
             "cookie_header": "session=s3cret-value", "time": time.time()},
            {"type": "end", "trace": trace, "status": 200, "time": time.time()}]


def watch(heartbeat: float = 5.0):
    bus = MemoryBus(capacity=100, max_subscribers=10)
    feeds = Feeds(bus, heartbeat)
    bus.subscribe(LAB)  # the stream route counts a viewer in before it joins
    return bus, feeds, feeds.join(LAB)


def test_viewers_at_one_event_share_one_delivery_and_its_bytes():
    bus, feeds, feed = watch()
    try:
        for event in request_of("alice-client", "t1"):
            bus.publish(LAB, event)
        first = feed.next_after(0, 5)
        assert [f.kind for f in first.frames] == ["request", "end"]
        assert feed.next_after(0, 5) is first  # worked out once for every viewer at 0
        assert first.bytes_for(None) is first.bytes_for("bob-client")  # one object
        assert MASK.encode("unicode_escape") in first.bytes_for("bob-client")
        own = first.bytes_for("alice-client")
        assert b"s3cret-value" in own and b"s3cret-value" not in first.bytes_for(None)
    finally:
        feeds.leave(feed)


def test_events_close_after_a_wake_arrive_together_in_the_next_one(monkeypatch):
    monkeypatch.setattr(fanout, "GATHER_SECONDS", 0.5)  # wide: a noisy machine
    bus, feeds, feed = watch()
    try:
        bus.publish(LAB, comment(1))
        woken = feed.next_after(0, 5)
        assert [f.number for f in woken.frames] == [1]
        bus.publish(LAB, comment(2))
        time.sleep(0.05)  # long enough for a follower to wake in between
        bus.publish(LAB, comment(3))
        assert [f.number for f in feed.next_after(1, 5).frames] == [2, 3]
    finally:
        feeds.leave(feed)


class Clock:
    """fanout's clock, moved on by the test: a quiet spell without waiting it out."""

    def __init__(self) -> None:
        self.ahead = 120.0  # a feed's last wake starts at 0: past a window, even just after boot

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)


def test_the_first_event_after_a_quiet_spell_is_not_held(monkeypatch):
    # A held event would wait out a minute's gathering window; the viewer waits for it
    # only half that, so it gets its event only if it was sent at once.
    monkeypatch.setattr(fanout, "GATHER_SECONDS", 60.0)
    clock = Clock()
    monkeypatch.setattr(fanout, "time", clock)
    bus, feeds, feed = watch()
    try:
        bus.publish(LAB, comment(1))
        assert [f.number for f in feed.next_after(0, 30).frames] == [1]
        clock.ahead += 120  # two gathering windows without an event: a quiet spell
        bus.publish(LAB, comment(2))
        assert [f.number for f in feed.next_after(1, 30).frames] == [2]
    finally:
        feeds.leave(feed)


def test_an_idle_lab_wakes_its_viewers_each_heartbeat_with_nothing():
    bus, feeds, feed = watch(heartbeat=0.2)
    woken = []

    def viewer():  # no timeout of its own: only the follower's heartbeats wake it
        woken.extend(feed.next_after(0) for _ in range(3))
    try:
        waiting = threading.Thread(target=viewer, daemon=True)
        waiting.start()
        waiting.join(60)  # bounds a viewer never woken; three 0.2 s heartbeats wake it
        assert [(d.frames, d.news) for d in woken] == [((), None)] * 3
    finally:
        feeds.leave(feed)


def test_a_follower_that_fails_ends_every_waiting_viewer(monkeypatch):
    bus = MemoryBus(capacity=100, max_subscribers=10)
    feeds = Feeds(bus, 0.2)
    answers = []

    def broken(*args, **kwargs):
        raise RuntimeError("the follower's bug")

    # Broken before the follower starts: else its first read may be a heartbeat's.
    monkeypatch.setattr(bus, "wait", broken)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # expected
    feed = feeds.join(LAB)
    waiting = threading.Thread(target=lambda: answers.append(feed.next_after(0)))
    waiting.start()
    waiting.join(5)
    feeds.leave(feed)
    assert answers == [None]  # told to end its stream, not left waiting


def test_a_follower_that_crashed_is_replaced_for_the_next_viewer(monkeypatch, caplog):
    bus = MemoryBus(capacity=100, max_subscribers=10)
    feeds = Feeds(bus, 0.2)
    real_wait = bus.wait
    crashes = []

    def broken_once(*args, **kwargs):
        if not crashes:
            crashes.append(1)
            raise RuntimeError("the follower's bug")
        return real_wait(*args, **kwargs)

    monkeypatch.setattr(bus, "wait", broken_once)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)
    feed = feeds.join(LAB)  # its follower's first read of the bus crashes
    assert feed.next_after(0, 5) is None  # the crashed feed ends its viewers' streams
    feeds.leave(feed)
    deadline = time.monotonic() + 5
    while feeds.following() and time.monotonic() < deadline:  # its follower has ended
        time.sleep(0.01)
    fresh = feeds.join(LAB)  # the page reconnects
    try:
        assert fresh is not feed and not fresh.broken
        bus.publish(LAB, comment(1))
        assert [f.number for f in fresh.next_after(0, 5).frames] == [1]
    finally:
        feeds.leave(fresh)
    assert "the follower's bug" in caplog.text  # logged, with its traceback


def test_a_lab_lookup_that_fails_does_not_fail_the_join():
    """The stream route has counted the viewer in when it joins: a lookup of the lab's
    creation that fails must not raise there (the slot would never be given back)."""
    bus = MemoryBus(capacity=100, max_subscribers=10)
    bus.unavailable = (ConnectionError,)

    def down(lab):
        raise ConnectionError("redis down")

    feeds = Feeds(bus, 0.2, created=down)
    feed = feeds.join(LAB)
    feeds.leave(feed)
    assert feed.lab == LAB


def retired_to(feeds: Feeds, count: int) -> bool:
    """Whether the followers running come down to ``count``; 30 s only bounds a follower
    that never stops (one stops at its next wake or heartbeat, 5 s at most here)."""
    deadline = time.monotonic() + 30
    while feeds.following() > count and time.monotonic() < deadline:
        time.sleep(0.01)
    return feeds.following() == count


def test_feeds_follow_at_most_max_labs_and_a_retired_follower_makes_room():
    bus = MemoryBus(capacity=100, max_subscribers=10)
    feeds = Feeds(bus, 0.1, max_labs=2)
    first, second = feeds.join("lab-1"), feeds.join("lab-2")
    with pytest.raises(TooManyWatchedLabs) as refused:
        feeds.join("lab-3")
    assert refused.value.limit == 2 and feeds.following() == 2
    again = feeds.join("lab-1")  # followed already: no new follower, so not refused
    assert again is first and first.viewers == 2
    feeds.leave(first)
    with pytest.raises(TooManyWatchedLabs):  # lab-1 still has a viewer
        feeds.join("lab-3")
    feeds.leave(first)
    assert retired_to(feeds, 1)
    third = feeds.join("lab-3")
    try:
        bus.publish("lab-3", comment(1))
        assert [f.number for f in third.next_after(0, 5).frames] == [1]
    finally:
        feeds.leave(second)
        feeds.leave(third)



def test_a_lab_made_again_rejoins_at_the_cap_and_its_old_follower_stops():
    """max_labs=1: the lab is followed, then made again under its id. Its new feed takes
    the old one's place (the old follower, still in its read, exits within a
    heartbeat): not refused. A second remake while that old follower still reads is
    held to the cap, and fails nothing."""
    bus = MemoryBus(capacity=100, max_subscribers=10)
    made = {LAB: 1.0}
    feeds = Feeds(bus, 5.0, created=lambda lab: made.get(lab, 0.0), max_labs=1)
    old = feeds.join(LAB)
    made[LAB] = 2.0
    new = feeds.join(LAB)
    try:
        assert new is not old and old.broken and not new.broken
        assert feeds.following() == 2  # the old follower waits in its read
        with pytest.raises(TooManyWatchedLabs):  # the cap holds for other labs
            feeds.join("other-lab")
        made[LAB] = 3.0
        with pytest.raises(TooManyWatchedLabs):  # one place, one replacement at a time
            feeds.join(LAB)
        assert not new.broken
        bus.publish(LAB, comment(1))  # wakes both followers: the old one stops
        assert retired_to(feeds, 1)
        newest = feeds.join(LAB)  # now it takes the place
        assert newest is not new and new.broken
        feeds.leave(newest)
    finally:
        feeds.leave(new)
