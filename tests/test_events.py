"""The bus, on both backends: ids, resume, bounds, clearing, waiting."""

from __future__ import annotations

import threading
import time

import pytest

from statelab.events import BadEventId, MemoryBus, RedisBus, TooManySubscribers


@pytest.fixture(params=["memory", "redis"])
def make_bus(request):
    def build(capacity=5000, max_subscribers=20):
        if request.param == "memory":
            return MemoryBus(capacity, max_subscribers)
        return RedisBus(request.getfixturevalue("redis_client"), capacity, max_subscribers)
    return build


def test_publish_read_and_resume(make_bus):
    bus = make_bus()
    ids = [bus.publish("lab", {"type": "step", "n": n}) for n in range(5)]
    page = bus.read("lab")
    assert [e["n"] for e in page.events] == list(range(5))
    assert [e["id"] for e in page.events] == ids and page.last_id == ids[-1]
    assert [e["n"] for e in bus.read("lab", after=ids[1]).events] == [2, 3, 4]
    assert [e["n"] for e in bus.read("lab", after=ids[1], limit=2).events] == [2, 3]
    assert bus.read("lab", after=ids[-1]).events == []
    assert bus.read("other").events == []
    # Both backends number a lab's events 1, 2, 3... (Redis keeps only the N of its
    # "N-0" stream ids): the page compares them as plain numbers (trace-log.js).
    assert [e["id"] for e in page.events] == ["1", "2", "3", "4", "5"]


def test_the_log_is_bounded_and_says_when_events_were_dropped(make_bus):
    bus = make_bus(capacity=3)
    ids = [bus.publish("lab", {"type": "step", "n": n}) for n in range(6)]
    page = bus.read("lab")
    assert [e["n"] for e in page.events] == [3, 4, 5]
    assert bus.read("lab", after=ids[0]).dropped is True
    assert bus.read("lab", after=ids[2]).dropped is False


def test_clear_leaves_a_clear_event_and_ids_keep_growing(make_bus):
    bus = make_bus()
    first = bus.publish("lab", {"type": "step"})
    bus.clear("lab")
    events = bus.read("lab").events
    assert [e["type"] for e in events] == ["clear"]
    later = bus.publish("lab", {"type": "step"})
    assert [e["id"] for e in bus.read("lab", after=first).events][-1] == later


def test_wait_wakes_when_an_event_arrives(make_bus):
    bus = make_bus()
    last = bus.publish("lab", {"type": "step"})
    bus.subscribe("lab")
    threading.Timer(0.2, lambda: bus.publish("lab", {"type": "step", "late": True})).start()
    # A wait that only looked again at its end would return a minute later: the test
    # made the timeout that long, so ending before it means the event woke the wait.
    started = time.monotonic()
    page = bus.wait("lab", last, timeout=60)
    assert page.events[0]["late"] is True and time.monotonic() - started < 60
    assert bus.wait("lab", page.last_id, timeout=0.1).events == []
    bus.unsubscribe("lab")


def test_subscribers_are_capped(make_bus):
    bus = make_bus(max_subscribers=2)
    bus.subscribe("lab")
    bus.subscribe("lab")
    with pytest.raises(TooManySubscribers):
        bus.subscribe("lab")
    assert bus.subscribers("lab") == 2
    bus.unsubscribe("lab")
    bus.subscribe("lab")


def test_bad_ids(make_bus):
    bus = make_bus()
    for bad in ("abc", "-1", "1-x", "1-5", "\u00b2", "9" * 40, "18446744073709551616-0"):
        with pytest.raises(BadEventId):
            bus.read("lab", after=bad)


def test_both_buses_keep_the_declared_contract():
    from statelab.events import Bus

    assert issubclass(MemoryBus, Bus) and issubclass(RedisBus, Bus)

    class Partial(Bus):
        def publish_many(self, lab, render, args):
            return 1

    with pytest.raises(TypeError):  # a backend that leaves out part of the contract
        Partial()


@pytest.mark.parametrize(("start", "first_kept", "first_type", "dropped"), [
    (0, 5, "step", False),     # from the start: whatever is kept is all there is
    (4, 5, "step", False),     # the next one is the oldest kept
    (3, 5, "step", True),      # event 4 was pushed out
    (3, 5, "clear", False),    # emptied on purpose: news, not a loss
    (3, 4, None, False),       # nothing kept, nothing new since 3
    (3, 9, None, True),        # nothing kept, 4..8 came and went (the log expired)
])
def test_the_one_dropped_rule(start, first_kept, first_type, dropped):
    from statelab.events import Bus

    events = [{"type": first_type}] if first_type else []
    assert Bus.dropped(start, first_kept, events) is dropped
