"""Labs, comments, settings and first-request marks, on both backends."""

from __future__ import annotations

import time

import pytest

from statelab.store import (DEFAULT_SETTINGS, MAX_COMMENTS, CreatorFull, LabsFull, MemoryStore,
                            RedisStore, UnknownLab)


@pytest.fixture(params=["memory", "redis"])
def make_store(request):
    def build(max_labs=200, keep_seconds=0, per_creator=20):
        if request.param == "memory":
            return MemoryStore(max_labs, keep_seconds=keep_seconds, per_creator=per_creator)
        return RedisStore(request.getfixturevalue("redis_client"), max_labs,
                          keep_seconds=keep_seconds, per_creator=per_creator)
    return build


def test_labs_are_capped_oldest_idle_evicted(make_store):
    store = make_store(max_labs=2)
    assert store.create_lab("a") == [] and store.create_lab("b") == []
    store.touch("a")  # b is now the least recently used
    assert store.create_lab("c") == ["b"]
    assert store.exists("a") and store.exists("c") and not store.exists("b")
    assert store.touch("b") is False


def test_busy_labs_are_not_evicted(make_store):
    store = make_store(max_labs=2)
    store.create_lab("a")
    store.create_lab("b")
    assert store.create_lab("c", busy=lambda lab: lab == "a") == ["b"]


def test_a_lab_used_recently_is_never_evicted(make_store):
    """A flood of new labs cannot push out a lab in use (1,000 POST /api/labs took
    0.9 s): the cap holds, and the new lab is refused instead."""
    store = make_store(max_labs=2, keep_seconds=60)
    store.create_lab("a")
    store.create_lab("b")
    with pytest.raises(LabsFull) as full:
        store.create_lab("c")
    assert 0 < full.value.retry_after <= 60
    assert store.exists("a") and store.exists("b") and not store.exists("c")


def test_an_address_at_its_cap_is_refused_and_loses_nothing(make_store):
    """Labs used within the keep time are never evicted, not even the creator's own: a
    class behind one NAT address would lose acknowledged comments. The address is
    refused instead, and the rest of the server stays open to everyone else."""
    store = make_store(max_labs=5, keep_seconds=60, per_creator=2)
    store.create_lab("a1", creator="10.0.0.1")
    store.create_lab("a2", creator="10.0.0.1")
    store.add_comment("a2", {"text": "kept"})
    with pytest.raises(CreatorFull) as full:
        store.create_lab("a3", creator="10.0.0.1")
    assert full.value.labs == 2 and 0 < full.value.retry_after <= 60
    for n in range(3):
        assert store.create_lab(f"b{n}", creator=f"10.0.0.{2 + n}") == []
    assert [store.exists(lab) for lab in ("a1", "a2", "a3", "b0", "b1", "b2")] == \
        [True, True, False, True, True, True]
    assert [c["text"] for c in store.comments("a2")] == ["kept"]


def test_an_addresss_watched_labs_count_past_the_keep_time(make_store):
    """A watched lab is never evicted, so it counts toward its address's cap however
    long ago it was last used: else one address kept any number of labs by watching them."""
    store = make_store(max_labs=5, keep_seconds=0, per_creator=1)
    store.create_lab("a1", creator="10.0.0.1")
    with pytest.raises(CreatorFull):
        store.create_lab("a2", busy=lambda lab: lab == "a1", creator="10.0.0.1")
    assert store.create_lab("a2", creator="10.0.0.1") == []  # a1 unwatched: not counted


def test_an_addresss_watched_labs_are_kept_and_it_is_told_so(make_store):
    store = make_store(max_labs=5, keep_seconds=60, per_creator=2)
    store.create_lab("a1", creator="10.0.0.1")
    store.create_lab("a2", creator="10.0.0.1")
    with pytest.raises(CreatorFull) as full:
        store.create_lab("a3", busy=lambda lab: True, creator="10.0.0.1")
    assert full.value.labs == 2 and 0 < full.value.retry_after <= 60
    assert store.exists("a1") and store.exists("a2") and not store.exists("a3")


def test_a_refused_address_costs_one_watch_check(make_store):
    """Whether a lab is watched is a Redis round trip: an address at its cap that asks
    again and again (bench/class_limits.py: 700 times in 20 s) costs one each time, not
    one per lab it keeps."""
    store = make_store(max_labs=10, keep_seconds=60, per_creator=4)
    for n in range(4):
        store.create_lab(f"a{n}", creator="10.0.0.1")
    asked = []
    with pytest.raises(CreatorFull) as full:
        store.create_lab("a9", busy=lambda lab: asked.append(lab) or False, creator="10.0.0.1")
    assert full.value.labs == 4 and 0 < full.value.retry_after <= 60
    assert asked == ["a0"]  # the first made lapses first


def test_an_addresss_idle_labs_do_not_count_against_it(make_store):
    store = make_store(max_labs=5, keep_seconds=0.3, per_creator=1)
    store.create_lab("a1", creator="10.0.0.1")
    time.sleep(0.4)
    assert store.create_lab("a2", creator="10.0.0.1") == []  # a1 idle: not counted


def test_a_lab_idle_past_the_keep_time_is_evicted(make_store):
    store = make_store(max_labs=2, keep_seconds=0.3)
    store.create_lab("a")
    store.create_lab("b")
    time.sleep(0.4)
    store.touch("b")
    assert store.create_lab("c") == ["a"]
    with pytest.raises(LabsFull):
        store.create_lab("d")  # b and c are recent


def test_when_every_lab_is_watched_a_new_one_is_refused(make_store):
    store = make_store(max_labs=1)
    store.create_lab("a")
    with pytest.raises(LabsFull):
        store.create_lab("b", busy=lambda lab: True)


def test_comments_are_bounded_and_numbered(make_store):
    store = make_store()
    store.create_lab("a")
    for n in range(MAX_COMMENTS + 5):
        store.add_comment("a", {"text": str(n)})
    comments = store.comments("a")
    assert len(comments) == MAX_COMMENTS
    assert comments[-1] == {"id": MAX_COMMENTS + 5, "text": str(MAX_COMMENTS + 4)}


def test_settings_and_first_request(make_store):
    store = make_store()
    store.create_lab("a")
    assert store.settings("a") == DEFAULT_SETTINGS
    assert store.update_settings("a", {"short_circuit": True})["short_circuit"] is True
    assert store.settings("a")["custom_error_handlers"] is True
    assert store.first_request("a") is True
    assert store.first_request("a") is False
    store.rearm_first_request("a")
    assert store.first_request("a") is True
    assert store.first_request("a") is False


def test_a_visit_counts_the_first_request_only_when_asked_and_reads_the_name(make_store):
    store = make_store()
    store.create_lab("a")
    store.set_client_name("a", "client-1", "Ann")
    assert store.visit("gone", True, "client-1") is None
    assert store.visit("a", False, "client-1")[:2] == (False, "Ann")  # a stream: not counted
    assert store.visit("a", True, "client-2")[:2] == (True, None)
    assert store.visit("a", True)[:2] == (False, None)
    store.rearm_first_request("a")
    assert store.visit("a", True, "client-1")[:2] == (True, "Ann")


def test_a_visit_reads_the_labs_settings_and_signing_keys(make_store):
    """What the lab middleware hands the request (context.lab_settings, signing_keys)."""
    store = make_store()
    store.create_lab("a")
    visit = store.visit("a")
    assert (visit.settings, visit.keys) == (DEFAULT_SETTINGS, None)
    store.update_settings("a", {"short_circuit": True})
    keys = {"signing": {"source": "lab", "key": "k2"}, "fallbacks": []}
    store.set_keys("a", keys)
    visit = store.visit("a", True, "client-1")
    assert visit.settings == {**DEFAULT_SETTINGS, "short_circuit": True}
    assert visit.keys == keys
    assert visit.settings == store.settings("a") and visit.keys == store.keys("a")


def test_signing_keys_per_lab_gone_with_the_lab(make_store):
    store = make_store(max_labs=1)
    store.create_lab("a")
    assert store.keys("a") is None
    keys = {"signing": {"source": "tutorial", "key": "k"}, "fallbacks": []}
    store.set_keys("a", keys)
    assert store.keys("a") == keys
    store.set_keys("a", None)
    assert store.keys("a") is None
    store.set_keys("a", keys)
    store.create_lab("b")  # evicts "a"
    assert store.keys("a") is None


def test_writes_for_an_evicted_lab_fail_and_store_nothing(make_store):
    # A request still running when its lab is evicted may try to write once more.
    store = make_store(max_labs=1)
    store.create_lab("gone")
    store.create_lab("new")  # evicts "gone"
    assert store.first_request("gone") is False
    with pytest.raises(UnknownLab):
        store.add_comment("gone", {"text": "late"})
    with pytest.raises(UnknownLab):
        store.update_settings("gone", {"short_circuit": True})
    with pytest.raises(UnknownLab):
        store.set_keys("gone", None)
    with pytest.raises(UnknownLab):
        store.rearm_first_request("gone")
    assert store.comments("gone") == [] and store.settings("gone") == DEFAULT_SETTINGS


def test_a_late_count_for_an_evicted_lab_leaves_no_key_that_never_expires(redis_client):
    store = RedisStore(redis_client, max_labs=1, keep_seconds=0)
    store.create_lab("gone")
    store.create_lab("new")
    store.first_request("gone")
    leftovers = redis_client.keys("statelab:*:gone")
    assert leftovers, "the late count did land"
    assert all(0 < redis_client.ttl(key) <= store.idle_ttl for key in leftovers)


def test_both_stores_keep_the_declared_contract():
    from statelab.store import Store

    assert issubclass(MemoryStore, Store) and issubclass(RedisStore, Store)
    assert (MemoryStore.kind, RedisStore.kind) == ("memory", "redis")
    with pytest.raises(TypeError):  # a backend that leaves out part of the contract
        type("Partial", (Store,), {"touch": lambda self, lab: True})()


def test_past_the_name_bound_only_the_oldest_names_go(make_store, monkeypatch):
    """A new name pushes out the oldest one, never every name: deleting the whole hash
    would let 1001 names set with made-up client ids remove the class's."""
    from statelab.store import base

    monkeypatch.setattr(base, "MAX_NAMES", 3)
    store = make_store()
    store.create_lab("N" * 22)
    for n in range(5):
        store.set_client_name("N" * 22, f"client-{n}", f"name {n}")
    store.set_client_name("N" * 22, "client-2", "name 2 again")  # used again: newest
    store.set_client_name("N" * 22, "client-5", "name 5")
    assert [store.client_name("N" * 22, f"client-{n}") for n in range(6)] == [
        None, None, "name 2 again", None, "name 4", "name 5"]


def test_a_touch_racing_an_eviction_never_brings_back_a_lab_without_its_hash(redis_client,
                                                                             redis_url,
                                                                             monkeypatch):
    """Another worker evicts the lab right after touch's first Redis command: the lab
    is gone, not indexed again without its hash (created 0, no creator), which nothing
    would ever make again."""
    import redis

    store = RedisStore(redis_client, max_labs=10)
    store.create_lab("raced", creator="10.0.0.1")
    other_connection = redis.Redis.from_url(redis_url)
    # Another worker's store: full at one lab, it evicts the idle "raced" to make one.
    other_worker = RedisStore(other_connection, max_labs=1, keep_seconds=0)
    real = redis_client.execute_command
    evicted = []

    def then_evict(*args, **options):
        answer = real(*args, **options)
        if not evicted:
            evicted.append(args[0])
            assert other_worker.create_lab("newer") == ["raced"]
        return answer

    monkeypatch.setattr(redis_client, "execute_command", then_evict)
    store.touch("raced")
    monkeypatch.undo()
    other_connection.close()
    assert evicted, "the eviction did land during touch"
    assert not store.exists("raced") and store.created("raced") == 0
    assert store.touch("raced") is False and not store.exists("raced")
