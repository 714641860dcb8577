"""Logins and new labs are rate-limited (Flask-Limiter); password checks are bounded."""

from __future__ import annotations

import threading

import pytest
import requests

from statelab.accounts import ChecksBusy, PasswordChecks

from .helpers import new_lab

LOGIN = {"username": "Tom", "password": "wrong"}


def _login(client, lab, path="/api/session/login", **extra):
    return client.post(path, json=LOGIN, headers={"X-Lab-Id": lab, **extra})


def test_logins_per_client_and_lab_get_a_json_429_with_retry_after(make_app):
    client = make_app(STATELAB_LOGIN_RATE="3/minute").test_client()
    lab = new_lab(client)
    assert [_login(client, lab).status_code for _ in range(3)] == [401, 401, 401]
    refused = _login(client, lab)
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "rate_limited" and body["status"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert body["retry_after"] == int(refused.headers["Retry-After"])


def test_the_login_limit_is_shared_by_every_login_route_of_a_lab(make_app):
    client = make_app(STATELAB_LOGIN_RATE="3/minute").test_client()
    lab = new_lab(client)
    _login(client, lab, "/api/cookie/login")
    _login(client, lab, "/api/server-session/login")
    client.post("/login", data=LOGIN, headers={"X-Lab-Id": lab})
    assert _login(client, lab).status_code == 429
    tutorial = client.post("/login", data=LOGIN, headers={"X-Lab-Id": lab})
    assert tutorial.status_code == 429 and tutorial.get_json()["error"] == "rate_limited"


def test_another_lab_or_client_has_its_own_count(make_app):
    client = make_app(STATELAB_LOGIN_RATE="2/minute").test_client()
    lab, other = new_lab(client), new_lab(client)
    for _ in range(2):
        _login(client, lab)
    assert _login(client, lab).status_code == 429
    assert _login(client, other).status_code == 401
    elsewhere = client.post("/api/session/login", json=LOGIN, headers={"X-Lab-Id": lab},
                            environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert elsewhere.status_code == 401


def test_forwarded_addresses_are_ignored_unless_behind_a_trusted_proxy(make_app):
    """Without STATELAB_TRUSTED_PROXIES a client cannot pick its own bucket by sending
    X-Forwarded-For; with it, the address the proxy forwards is the client's."""
    client = make_app(STATELAB_LOGIN_RATE="2/minute").test_client()
    lab = new_lab(client)
    statuses = [_login(client, lab, **{"X-Forwarded-For": f"10.0.0.{n}"}).status_code
                for n in range(3)]
    assert statuses == [401, 401, 429]
    proxied = make_app(STATELAB_LOGIN_RATE="2/minute", STATELAB_TRUSTED_PROXIES=1)
    client = proxied.test_client()
    lab = new_lab(client)
    statuses = [_login(client, lab, **{"X-Forwarded-For": f"10.0.0.{n}"}).status_code
                for n in range(3)]
    assert statuses == [401, 401, 401]


def test_lab_creation_per_client_is_limited(make_app):
    client = make_app(STATELAB_LAB_RATE="4/minute").test_client()
    statuses = [client.post("/api/labs").status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 201, 429]


def test_display_names_per_client_address_and_lab_are_limited(make_app):
    """Each PUT /api/me with a made-up client id kept a name (pushing a real one out)
    and put a person on every page; one address is now held to STATELAB_NAME_RATE."""
    client = make_app(STATELAB_NAME_RATE="3/minute").test_client()
    lab, other_lab = new_lab(client), new_lab(client)

    def name(lab_id, n, address="10.0.0.1"):
        return client.put("/api/me", json={"name": f"bot {n}"}, environ_base={
            "REMOTE_ADDR": address}, headers={"X-Lab-Id": lab_id, "X-Client-Id": f"bot-{n:04d}"})

    assert [name(lab, n).status_code for n in range(4)] == [200, 200, 200, 429]
    refused = name(lab, 9)
    assert refused.get_json()["error"] == "rate_limited" and "Retry-After" in refused.headers
    store = client.application.extensions["statelab"].store
    assert store.client_name(lab, "bot-0009") is None  # refused: nothing stored
    assert store.client_name(lab, "bot-0000") == "bot 0"  # nothing already stored is lost
    assert name(other_lab, 10).status_code == 200  # another lab counts apart
    assert name(lab, 11, address="10.0.0.2").status_code == 200  # and another address


def test_the_name_rate_lets_a_class_behind_one_address_name_itself(make_app):
    """The default is above a class of 30 naming itself at once from one NAT address."""
    client = make_app().test_client()
    lab = new_lab(client)
    statuses = {client.put("/api/me", json={"name": f"student {n}"}, headers={
        "X-Lab-Id": lab, "X-Client-Id": f"student-{n}"}).status_code for n in range(30)}
    assert statuses == {200}


def test_workers_on_one_redis_count_together(make_app, redis_url, redis_client):
    """Two apps (two worker processes, as gunicorn -w 2 would run) share the counter."""
    overrides = {"STATELAB_REDIS_URL": redis_url, "STATELAB_LOGIN_RATE": "2/minute"}
    first = make_app(**overrides).test_client()
    second = make_app(**overrides).test_client()
    lab = new_lab(first)
    assert _login(first, lab).status_code == 401
    assert _login(second, lab).status_code == 401
    assert _login(first, lab).status_code == 429
    assert redis_client.keys("LIMITS:LIMITER/statelab:limits/*")


def test_the_limiter_adds_no_hook_to_the_timeline(lab_client):
    lab_client.login("session")
    functions = [s["function"] or "" for s in lab_client.last_trace()["steps"]]
    assert not [f for f in functions if "limiter" in f.lower()]


def test_password_checks_wait_for_a_slot_then_give_up():
    checks = PasswordChecks(slots=1, wait=0.01)
    started = threading.Event()
    results = []

    def slow_check():
        started.set()
        results.append(checks.check("Tom", "123"))  # a real scrypt: ~100 ms

    worker = threading.Thread(target=slow_check)
    worker.start()
    started.wait()
    with pytest.raises(ChecksBusy):
        for _ in range(50):  # until the other check holds the slot
            checks.check("Tom", "no")
    worker.join()
    assert results == [True]
    assert checks.check("Tom", "123") is True  # the slot was given back


def test_saturated_password_checks_answer_a_json_503(make_app, live_server_for):
    base = live_server_for(make_app(STATELAB_PASSWORD_CHECKS=1, STATELAB_PASSWORD_WAIT=0.0))
    labs = [requests.post(f"{base}/api/labs", timeout=5).json()["id"] for _ in range(6)]
    answers = []
    start = threading.Barrier(len(labs))

    def login(lab):
        start.wait()
        answers.append(requests.post(f"{base}/api/session/login", json=LOGIN,
                                     headers={"X-Lab-Id": lab}, timeout=10))

    threads = [threading.Thread(target=login, args=(lab,)) for lab in labs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {401, 503} and 503 in statuses and 401 in statuses
    busy = next(a for a in answers if a.status_code == 503)
    assert busy.json()["error"] == "busy" and busy.headers["Retry-After"] == "1"


def test_a_full_server_refuses_a_new_lab_instead_of_evicting_a_recent_one(make_app):
    client = make_app(STATELAB_MAX_LABS=2, STATELAB_LAB_KEEP_SECONDS=300).test_client()
    kept = [new_lab(client), new_lab(client)]
    refused = client.post("/api/labs")
    assert refused.status_code == 503
    assert refused.get_json()["error"] == "labs_full"
    assert 1 <= int(refused.headers["Retry-After"]) <= 300
    for lab in kept:
        assert client.get("/api/state", headers={"X-Lab-Id": lab}).status_code == 200


def test_naming_labs_that_do_not_exist_shares_one_login_count(make_app):
    """The count is the resolved lab's: ``?lab=`` strings the server does not know all
    count as "no lab", so inventing lab names buys no more password checks."""
    client = make_app(STATELAB_LOGIN_RATE="2/minute").test_client()
    answers = [client.post(f"/login?lab=made-up-{n}", data=LOGIN).status_code
               for n in range(3)]
    assert answers[2] == 429, answers


def test_one_address_has_a_login_cap_across_labs(make_app):
    """STATELAB_LOGIN_ADDRESS_RATE: many real labs from one address still meet one cap;
    another address is not counted with it."""
    client = make_app(STATELAB_LOGIN_RATE="5/minute",
                      STATELAB_LOGIN_ADDRESS_RATE="4/minute").test_client()
    labs = [new_lab(client) for _ in range(5)]
    answers = [_login(client, lab).status_code for lab in labs]
    assert answers == [401, 401, 401, 401, 429]
    body = _login(client, labs[0]).get_json()
    assert body["error"] == "rate_limited" and "address" in body["message"]
    elsewhere = client.post("/api/session/login", json=LOGIN, headers={"X-Lab-Id": labs[0]},
                            environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert elsewhere.status_code == 401


def test_gunicorn_workers_share_the_password_checks(make_app):
    """STATELAB_PASSWORD_CHECKS bounds the server's scrypt checks (32 MiB each), not
    each worker's: deploy/gunicorn.conf.py splits them among its workers, one each at
    least (two workers with two each could hold 128 MiB of scrypt at once)."""
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    from statelab import secret_keys

    conf = runpy.run_path(str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"))
    apps = {workers: make_app(STATELAB_PASSWORD_CHECKS=2) for workers in (1, 2, 3)}
    try:
        for workers, app in apps.items():
            conf["post_worker_init"](SimpleNamespace(
                wsgi=app, log=SimpleNamespace(info=lambda *args: None),
                cfg=SimpleNamespace(workers=workers, worker_connections=1000, threads=1,
                                    worker_class_str="gevent")))
    finally:
        secret_keys.fit_workers(1)
    assert {w: app.extensions["statelab"].passwords.slots for w, app in apps.items()} == \
        {1: 2, 2: 1, 3: 1}
