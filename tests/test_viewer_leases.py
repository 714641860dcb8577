"""On Redis each worker's viewers of a lab count under a short lease that the worker's
feed renews while it lives: viewers of a worker that died (SIGTERM, a crash) stop
counting within seconds, so a restart leaves no lab full of ghosts, and no two workers
let in more viewers than the cap between them."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from statelab.context import current
from statelab.events import TooManySubscribers

from .helpers import new_lab, owner_headers
from .servers import Gunicorn, RedisServer
from .servers import new_lab as new_lab_at

HEARTBEAT = 0.5  # seconds; the lease is a few of them (events/redis.py)


def worker(make_app, redis_url, max_viewers=3, heartbeat=HEARTBEAT):
    """An app as one gunicorn worker runs it, on the shared Redis."""
    return make_app(STATELAB_REDIS_URL=redis_url, STATELAB_MAX_VIEWERS=max_viewers,
                    STATELAB_HEARTBEAT_SECONDS=heartbeat)


def stream_status(client, lab: str) -> tuple[int, dict | None]:
    answer = client.get(f"/api/hooks/stream?lab={lab}", buffered=False)
    body = None if answer.status_code == 200 else answer.get_json()
    answer.close()
    return answer.status_code, body


def test_a_dead_workers_viewers_stop_counting_within_its_lease(make_app, redis_url,
                                                               redis_client):
    dead, alive = worker(make_app, redis_url), worker(make_app, redis_url)
    lab = new_lab(alive.test_client())
    for _ in range(3):  # counted in, then never renewed nor counted out: it died
        current(dead).bus.subscribe(lab)
    died = time.monotonic()
    status, body = stream_status(alive.test_client(), lab)
    assert (status, body["error"], body["viewers"]) == (429, "lab_full", 3)
    # The class's pages retry; a refused attempt must not keep the dead viewers counted.
    while (status := stream_status(alive.test_client(), lab)[0]) == 429:
        assert time.monotonic() - died < 60, "the dead viewers still count"  # bounds the wait
        time.sleep(0.1)
    freed = time.monotonic() - died
    print(f"a dead worker's viewers stopped counting after {freed:.2f} s")
    assert status == 200 and freed >= current(alive).bus.viewer_lease * 0.9


def test_a_live_workers_viewers_keep_counting_past_the_lease(make_app, redis_url,
                                                             redis_client, live_server_for):
    # A longer lease (3 s) than elsewhere here: a follower stalled past it on a loaded
    # machine would let its viewers lapse, which is not what this test is about.
    holder = worker(make_app, redis_url, heartbeat=1.0)
    other = worker(make_app, redis_url, heartbeat=1.0)
    base = live_server_for(holder)
    lab = new_lab(other.test_client())
    # The last place is the owner's (api/hooks.py): the third stream is its.
    streams = [requests.get(f"{base}/api/hooks/stream?lab={lab}", stream=True, timeout=10,
                            headers=owner_headers(lab) if n == 2 else None)
               for n in range(3)]
    try:
        assert [s.status_code for s in streams] == [200] * 3
        ends = time.monotonic() + 3 * current(holder).bus.viewer_lease
        while time.monotonic() < ends:  # its feed renews the lease while it follows
            assert stream_status(other.test_client(), lab)[0] == 429
            time.sleep(0.2)
        assert current(other).bus.subscribers(lab) == 3
    finally:
        for stream in streams:
            stream.close()


def test_two_workers_subscribing_at_once_never_pass_the_cap(make_app, redis_url,
                                                            redis_client):
    buses = [current(worker(make_app, redis_url, max_viewers=5)).bus for _ in range(2)]
    lab, start, admitted = "raced-lab", threading.Barrier(8), []

    def subscribe_many(bus):
        start.wait()
        for _ in range(5):
            try:
                bus.subscribe(lab)
                admitted.append(bus)
            except TooManySubscribers:
                pass
    threads = [threading.Thread(target=subscribe_many, args=(buses[n % 2],))
               for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(admitted) == 5 and buses[0].subscribers(lab) == buses[1].subscribers(lab) == 5
    for bus in admitted:
        bus.unsubscribe(lab)
    assert buses[0].subscribers(lab) == 0


def test_a_refused_viewer_does_not_renew_the_lease(make_app, redis_url, redis_client):
    bus = current(worker(make_app, redis_url, max_viewers=1)).bus
    bus.subscribe("full-lab")
    with pytest.raises(TooManySubscribers):
        bus.subscribe("full-lab")
    # No renewal: the one viewer counted in is gone a lease later, refused or not.
    ends = time.monotonic() + 3 * bus.viewer_lease
    while bus.subscribers("full-lab"):
        assert time.monotonic() < ends
        with pytest.raises(TooManySubscribers):
            bus.subscribe("full-lab")
        time.sleep(0.1)


def test_after_sigterm_a_restarted_deployment_is_not_full_of_ghosts(tmp_path):
    """Gunicorn on Redis, a cap of 3, three streams open, SIGTERM, start again: the
    first stream gets in, not 429 lab_full (viewers=3) for the dead viewers."""
    redis = RedisServer(tmp_path, "--save", "", "--appendonly", "no")
    env = {"STATELAB_REDIS_URL": redis.url, "STATELAB_MAX_VIEWERS": "3"}
    server = Gunicorn(tmp_path, env)
    streams = []
    try:
        lab = new_lab_at(server.base)
        streams = [requests.get(f"{server.base}/api/hooks/stream?lab={lab}", stream=True,
                                timeout=10, headers=owner_headers(lab) if n == 2 else None)
                   for n in range(3)]  # the last place is the owner's (api/hooks.py)
        assert [s.status_code for s in streams] == [200] * 3
        server.stop()
        stopped = time.monotonic()
        server = Gunicorn(tmp_path, env)
        while (answer := requests.get(f"{server.base}/api/hooks/stream?lab={lab}",
                                      stream=True, timeout=10)).status_code == 429:
            answer.close()
            assert time.monotonic() - stopped < 60, "the dead worker's viewers still count"
            time.sleep(0.5)
        answer.close()
        back = time.monotonic() - stopped
        print(f"after SIGTERM the lab took viewers again {back:.1f} s later")
        assert answer.status_code == 200
        assert "Traceback" not in server.errors()
    finally:
        for stream in streams:
            stream.close()
        server.stop()
        redis.stop()


def test_a_viewer_that_could_not_be_counted_out_stops_counting_within_its_lease(
        make_app, redis_url, redis_client, monkeypatch):
    """Redis was unreachable when the viewer left (api/hooks.py logs it): it is no
    longer renewed, so it stops counting a lease later."""
    import redis

    bus = current(worker(make_app, redis_url)).bus
    bus.subscribe("outage-lab")
    bus.subscribe("outage-lab")

    def down(*args):
        raise redis.ConnectionError("Redis is down")
    monkeypatch.setattr(bus.client, "zrem", down)
    with pytest.raises(redis.ConnectionError):
        bus.unsubscribe("outage-lab")
    monkeypatch.undo()
    left = time.monotonic()
    while bus.subscribers("outage-lab") == 2:
        bus.renew("outage-lab")  # the lab's feed still follows for the other viewer
        assert time.monotonic() - left < 60, "still counted"  # bounds the wait
        time.sleep(0.1)
    assert bus.subscribers("outage-lab") == 1


def renew_until(bus, lab: str, done) -> None:
    """Renew as the lab's follower does until ``done()``: renew runs its script at most
    each quarter lease, so the first calls may do nothing."""
    deadline = time.monotonic() + bus.viewer_lease
    while not done():
        assert time.monotonic() < deadline, "not done after renewing for a lease"
        bus.renew(lab)
        time.sleep(0.02)


def test_a_viewer_counted_out_while_its_lease_is_renewed_is_no_ghost(make_app, redis_url,
                                                                     redis_client):
    """renew copies the members, then runs its script; an unsubscribe whose ZREM lands
    in between must not be undone by the script (a ghost counting toward lab_full)."""
    bus = current(worker(make_app, redis_url)).bus
    lab = new_lab(worker(make_app, redis_url).test_client())
    bus.subscribe(lab)
    bus.subscribe(lab)
    real_renew, raced = bus._renew, []

    def unsubscribe_first(*args, **kwargs):
        if not raced:
            raced.append(True)
            bus.unsubscribe(lab)  # lands after the copy, before the script
        return real_renew(*args, **kwargs)

    bus._renew = unsubscribe_first  # the script; only a hook there lands in the race
    renew_until(bus, lab, lambda: raced)
    assert bus.subscribers(lab) == 1
    bus.unsubscribe(lab)
    assert bus.subscribers(lab) == 0


def test_a_held_viewer_whose_lease_lapsed_counts_again_when_renewed(make_app, redis_url,
                                                                    redis_client):
    """A worker too busy to renew in time lets its viewer's lease lapse, and another
    viewer's subscribe drops it; the viewer still watches, so the next renew counts it
    again (else the lab could hold more viewers than the cap)."""
    bus = current(worker(make_app, redis_url)).bus
    other = current(worker(make_app, redis_url)).bus
    lab = new_lab(worker(make_app, redis_url).test_client())
    bus.subscribe(lab)
    lapsed = time.monotonic() + 3 * bus.viewer_lease
    while bus.subscribers(lab):  # not renewed: its lease ends
        assert time.monotonic() < lapsed
        time.sleep(0.05)
    other.subscribe(lab)  # drops the lapsed lease
    assert bus.subscribers(lab) == 1
    renew_until(bus, lab, lambda: bus.subscribers(lab) == 2)
    bus.unsubscribe(lab)
    other.unsubscribe(lab)
