"""A viewer whose last event is past what this worker's feed has read is told "reset"
only when the bus really lacks that event: with two workers, a page that saw event N+1
on one and reconnects to the other, whose follower has read up to N, is behind no
restart."""

from __future__ import annotations

import threading
import time

from statelab.events import MemoryBus
from statelab.fanout import Feed, Feeds

from .helpers import wait_until

LAB = "reset-lab"


def comment(n: int) -> dict:
    return {"type": "comment", "lab": LAB, "text": f"c{n}", "time": time.time()}


class SlowBus(MemoryBus):
    """A bus whose read, once asked to, answers only when released: what it answers
    was read before the viewer came (a follower busy rendering, or gathering)."""

    def __init__(self) -> None:
        super().__init__(capacity=100, max_subscribers=10)
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.release = threading.Event()

    def wait(self, lab, after, timeout):
        page = super().wait(lab, after, timeout)
        if self.hold.is_set():
            self.hold.clear()
            self.holding.set()
            self.release.wait(10)
        return page


def test_a_viewer_ahead_of_a_lagging_follower_is_not_told_reset():
    bus = SlowBus()
    for n in range(3):
        bus.publish(LAB, comment(n))
    feed = Feed(bus, LAB, 100)
    feed.follow_once(0.01)  # read 1-3
    bus.hold.set()
    follower = threading.Thread(target=feed.follow_once, args=(0.01,))
    follower.start()
    assert bus.holding.wait(5)  # it has read up to 3 and is not done yet
    bus.publish(LAB, comment(3))  # event 4: a viewer saw it on the other worker
    answers = []
    viewer = threading.Thread(target=lambda: answers.append(feed.next_after(4)))
    viewer.start()
    wait_until(lambda: feed._waiting == 1, "the viewer waiting for the follower's wake")
    bus.release.set()
    follower.join(5)
    feed.follow_once(0.01)  # the follower's next read, begun after the viewer came: 4
    viewer.join(5)
    assert len(answers) == 1
    assert answers[0].news is None and answers[0].frames == ()


def test_a_viewer_ahead_of_the_whole_log_is_still_told_reset():
    bus = MemoryBus(capacity=100, max_subscribers=10)
    feeds = Feeds(bus, heartbeat=0.2)
    bus.publish(LAB, comment(0))
    bus.subscribe(LAB)
    feed = feeds.join(LAB)
    try:
        # Told at the follower's next read, a heartbeat away; 30 s only bounds a viewer
        # never woken, which would end with nothing.
        delivery = feed.next_after(7, 30)  # an id of the log before a restart
        assert delivery.news == "reset" and [f.number for f in delivery.frames] == [1]
    finally:
        feeds.leave(feed)
        bus.unsubscribe(LAB)
