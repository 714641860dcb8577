"""The secret key lab: per-lab signing keys, cracked, forged, rotated.

Signing is Flask's own (itsdangerous, salt cookie-session); only the keys differ per lab.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import signal
import time
from pathlib import Path

import pytest
import requests
from itsdangerous import URLSafeTimedSerializer
from flask.sessions import SecureCookieSessionInterface

from statelab import crack_process, secret_keys

from .helpers import LabClient, new_lab
from .servers import Gunicorn, command_line, descendants

TUTORIAL = "1234567890abcdefg"


def session_cookie(client) -> str:
    return client.client.get_cookie("session").value


def server_user(client):
    return client.get("/api/state").get_json()["mechanisms"]["session"]["user"]


def flask_serializer(key: str) -> URLSafeTimedSerializer:
    """What a plain Flask app with SECRET_KEY=key signs with (independent of the lab)."""
    iface = SecureCookieSessionInterface()
    return URLSafeTimedSerializer(key, salt="cookie-session", serializer=iface.serializer,
                                  signer_kwargs={"key_derivation": "hmac",
                                                 "digest_method": iface.digest_method})


def test_wordlist_is_shipped_and_holds_the_tutorial_key_not_first():
    words = secret_keys.wordlist()
    assert len(words) >= 1000 and len(set(words)) == len(words)
    assert TUTORIAL in words and words.index(TUTORIAL) > 0


def test_the_lab_signs_with_the_tutorials_key(lab_client):
    body = lab_client.put("/api/lab/secret", json={"key": "tutorial"}).get_json()
    assert body["signing"] == {"source": "tutorial", "key": TUTORIAL,
                               "fingerprint": secret_keys.fingerprint(TUTORIAL)}
    lab_client.login("session", "Tom")
    assert flask_serializer(TUTORIAL).loads(session_cookie(lab_client)) == {"username": "Tom"}


def test_by_default_the_instance_key_signs_and_is_never_shown(app, lab_client):
    body = lab_client.get("/api/lab/secret").get_json()
    assert body["signing"]["source"] == "instance" and body["signing"]["key"] is None
    lab_client.login("session", "Tom")
    assert flask_serializer(app.secret_key).loads(session_cookie(lab_client))["username"] == "Tom"
    lab_client.post("/api/lab/secret/rotate", json={"keep_fallback": True})
    for path in ("/api/lab/secret", "/api/state", "/api/lab/settings"):
        assert app.secret_key not in lab_client.get(path).get_data(as_text=True)


def test_crack_the_labs_own_cookie(lab_client):
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.login("session", "Tom")
    result = lab_client.post("/api/lab/secret/crack").get_json()
    assert result["found"] is True and result["key"] == TUTORIAL
    assert result["stopped"] == "found"
    assert result["tried"] == secret_keys.wordlist().index(TUTORIAL) + 1
    assert result["candidates"] == len(secret_keys.wordlist())
    # The wall time it took: at niceness 19 on busy cores it may pass the limit, which
    # counts CPU time ("stopped" above says the limit was not reached).
    assert result["seconds"] > 0


def test_a_generated_key_is_not_in_the_wordlist(lab_client, monkeypatch):
    # Time enough for the whole list on a loaded machine: the test is about the list.
    monkeypatch.setattr(secret_keys, "crack", functools.partial(secret_keys.crack, seconds=60))
    lab_client.put("/api/lab/secret", json={"key": "generated"})
    lab_client.login("session", "Tom")
    result = lab_client.post("/api/lab/secret/crack").get_json()
    assert result == {**result, "found": False, "key": None, "stopped": "exhausted",
                      "tried": len(secret_keys.wordlist())}


def test_crack_stops_at_its_time_limit(app, lab_client):
    lab_client.login("session", "Tom")
    with app.test_request_context():
        result = secret_keys.crack(app, session_cookie(lab_client), seconds=0.0)
    assert result["stopped"] == "time_limit" and result["tried"] == secret_keys.CHECK_EVERY


def test_crack_needs_a_cookie(lab_client):
    response = lab_client.post("/api/lab/secret/crack")
    assert response.status_code == 400 and response.get_json()["error"] == "no_cookie"
    response = lab_client.post("/api/lab/secret/crack", json={"cookie": "x" * 5000})
    assert response.status_code == 400 and response.get_json()["field"] == "cookie"


def test_cracks_at_once_are_bounded(lab_client):
    lab_client.login("session", "Tom")
    held = [secret_keys.cracking.acquire(blocking=False)
            for _ in range(secret_keys.CRACKS_AT_ONCE)]
    try:
        assert all(held)
        response = lab_client.post("/api/lab/secret/crack")
        assert response.status_code == 429 and response.get_json()["error"] == "busy"
        assert response.headers["Retry-After"] == "1"
    finally:
        for _ in held:
            secret_keys.cracking.release()
    assert lab_client.post("/api/lab/secret/crack").status_code == 200


def test_forge_with_the_cracked_key_and_flask_accepts_it(lab_client):
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.login("session", "Tom")
    key = lab_client.post("/api/lab/secret/crack").get_json()["key"]
    response = lab_client.post("/api/lab/secret/forge",
                               json={"key": key, "username": "Liu Bei", "set": True})
    assert response.get_json()["set"] is True
    assert session_cookie(lab_client) == response.get_json()["value"]
    assert server_user(lab_client) == "Liu Bei"
    assert lab_client.post("/api/session/comment", json={"text": "hi"}).get_json()["msg"] == \
        "Comment succeeded:Liu Bei"


def test_a_forgery_with_the_wrong_key_is_rejected(lab_client):
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.post("/api/lab/secret/forge", json={"key": "guess", "username": "Liu Bei",
                                                   "set": True})
    state = lab_client.get("/api/state").get_json()["mechanisms"]["session"]
    assert state["user"] is None and state["decoded"]["problem"] == "bad_signature"
    assert state["verified_by"] is None


@pytest.mark.parametrize("keep, accepted", [(True, True), (False, False)])
def test_rotation_with_and_without_fallbacks(lab_client, keep, accepted):
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.login("session", "Tom")
    old = session_cookie(lab_client)
    body = lab_client.post("/api/lab/secret/rotate", json={"keep_fallback": keep}).get_json()
    assert body["signing"]["source"] == "generated" and body["signing"]["key"] is None
    assert [k["source"] for k in body["fallbacks"]] == (["tutorial"] if keep else [])
    lab_client.put("/api/cookies/session", json={"value": old})
    state = lab_client.get("/api/state").get_json()["mechanisms"]["session"]
    assert (state["user"] == "Tom") is accepted
    if accepted:
        assert state["verified_by"] == {"role": "fallback",
                                        "fingerprint": secret_keys.fingerprint(TUTORIAL)}


def test_the_newest_key_signs_fallbacks_only_verify(lab_client):
    """GHSA-4grg-w6v8-c28g: Flask 3.1.0 signed with the last fallback; 3.1.1+ with SECRET_KEY."""
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    body = lab_client.post("/api/lab/secret/rotate", json={"keep_fallback": True}).get_json()
    lab_client.login("session", "Tom")
    state = lab_client.get("/api/state").get_json()["mechanisms"]["session"]
    assert state["verified_by"] == {"role": "signing",
                                    "fingerprint": body["signing"]["fingerprint"]}
    with pytest.raises(Exception):
        flask_serializer(TUTORIAL).loads(session_cookie(lab_client))


def test_fallbacks_are_bounded(lab_client):
    for _ in range(secret_keys.MAX_FALLBACKS + 2):
        body = lab_client.post("/api/lab/secret/rotate", json={"keep_fallback": True}).get_json()
    assert len(body["fallbacks"]) == secret_keys.MAX_FALLBACKS


def test_keys_are_per_lab(app, lab_client):
    other = LabClient(app.test_client(), new_lab(app.test_client()))
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    assert other.get("/api/lab/secret").get_json()["signing"]["source"] == "instance"
    other.login("session", "Tom")
    assert flask_serializer(app.secret_key).loads(session_cookie(other))["username"] == "Tom"


def test_bad_secret_input(lab_client):
    for body in ({"key": "mine"}, {"key": 1}, {}):
        assert lab_client.put("/api/lab/secret", json=body).status_code == 400
    assert lab_client.post("/api/lab/secret/rotate", json={"keep_fallback": "yes"}).status_code == 400
    assert lab_client.post("/api/lab/secret/forge", json={"key": "", "username": "x"}).status_code == 400
    assert lab_client.post("/api/lab/secret/forge", json={"key": "k"}).status_code == 400
    assert lab_client.get("/api/lab/secret").get_json()["signing"]["source"] == "instance"


def test_keys_survive_on_redis(make_app, redis_url, redis_client):
    app = make_app(STATELAB_REDIS_URL=redis_url)
    client = LabClient(app.test_client(), new_lab(app.test_client()))
    client.put("/api/lab/secret", json={"key": "tutorial"})
    client.post("/api/lab/secret/rotate", json={"keep_fallback": True})
    other_worker = LabClient(make_app(STATELAB_REDIS_URL=redis_url).test_client(), client.lab)
    body = other_worker.get("/api/lab/secret").get_json()
    assert [k["source"] for k in body["fallbacks"]] == ["tutorial"]


def test_crack_and_forge_over_real_http(live_lab):
    base = live_lab.base
    live_lab.put(f"{base}/api/lab/secret", json={"key": "tutorial"}, timeout=5)
    live_lab.post(f"{base}/api/session/login", json={"username": "Tom", "password": "123"},
                  timeout=5)
    cracked = live_lab.post(f"{base}/api/lab/secret/crack", timeout=10).json()
    assert cracked["key"] == TUTORIAL
    forged = live_lab.post(f"{base}/api/lab/secret/forge", timeout=5, json={
        "key": cracked["key"], "username": "Liu Bei", "set": True})
    assert "HttpOnly" in forged.headers["Set-Cookie"]
    assert live_lab.cookies["session"] == forged.json()["value"]
    state = live_lab.get(f"{base}/api/state", timeout=5).json()["mechanisms"]["session"]
    assert state["user"] == "Liu Bei" and state["verified_by"]["role"] == "signing"
    live_lab.post(f"{base}/api/lab/secret/rotate", json={"keep_fallback": False}, timeout=5)
    state = live_lab.get(f"{base}/api/state", timeout=5).json()["mechanisms"]["session"]
    assert state["user"] is None and state["decoded"]["problem"] == "bad_signature"


@pytest.mark.parametrize("key, why", [("changeme", "wordlist"), ("short-but-new", "short"),
                                      (TUTORIAL, "wordlist")])
def test_a_weak_instance_key_is_refused_at_startup(tmp_path, key, why):
    from statelab import create_app
    from statelab.config import WeakSecretKey

    with pytest.raises(WeakSecretKey) as refused:
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": key})
    message = str(refused.value)
    assert "STATELAB_SECRET_KEY" in message and key not in message
    assert ("wordlist" in message) if why == "wordlist" else ("at least" in message)


def test_crack_never_reports_the_instance_key(app, lab_client):
    """Even when the instance key is a wordlist word (the startup check refuses one; here
    it is set after), the crack finds nothing under it: no oracle for the instance key."""
    app.secret_key = app.config["SECRET_KEY"] = "changeme"
    lab_client.login("session", "Tom")
    result = lab_client.post("/api/lab/secret/crack").get_json()
    assert result["found"] is False and result["key"] is None
    assert "changeme" not in json.dumps(result)


def test_cracks_are_rate_limited_per_address_across_labs(make_app):
    """Each crack is up to 2 s of CPU: one address gets STATELAB_CRACK_RATE of them,
    whichever labs it names; another address has its own."""
    from .helpers import owner_headers

    client = make_app(STATELAB_CRACK_RATE="2/minute").test_client()

    def crack(lab, address="10.0.0.1"):
        return client.post("/api/lab/secret/crack", json={"cookie": "e30.x.y"},
                           headers={"X-Lab-Id": lab, **owner_headers(lab)},
                           environ_base={"REMOTE_ADDR": address})
    first, second = new_lab(client), new_lab(client)
    assert [crack(first).status_code, crack(second).status_code] == [200, 200]
    refused = crack(first)
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
    assert crack(second, "10.0.0.2").status_code == 200


def test_an_expired_cookie_names_the_fallback_that_signed_it(lab_client):
    """A cookie signed by a fallback key, older than PERMANENT_SESSION_LIFETIME: Flask
    refuses it for its age, not its signature, and the state says which key signed it."""
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.post("/api/lab/secret/rotate", json={"keep_fallback": True})
    old = flask_serializer(TUTORIAL)
    lifetime = 31 * 24 * 3600 + 60  # Flask's default PERMANENT_SESSION_LIFETIME, and a minute
    old.signer = functools.partial(_signed_at, time.time() - lifetime)
    lab_client.put("/api/cookies/session", json={"value": old.dumps({"username": "Tom"})})
    state = lab_client.get("/api/state").get_json()["mechanisms"]["session"]
    assert state["user"] is None
    assert state["decoded"]["problem"] == "expired"
    assert state["decoded"]["signature_valid"] is False
    assert state["verified_by"] == {"role": "fallback",
                                    "fingerprint": secret_keys.fingerprint(TUTORIAL)}


def _signed_at(when: float, *args, **kwargs):
    from itsdangerous import TimestampSigner

    signer = TimestampSigner(*args, **kwargs)
    signer.get_timestamp = lambda: int(when)
    return signer


def test_a_crack_runs_in_a_worker_process(lab_client, monkeypatch):
    """A crack is pure Python for up to 2 s: in a thread of the server it would hold the
    GIL against every other request. It runs in another process: the crack function is
    never called in this one, and the crack process's pid is not the server's."""
    def not_here(*args, **kwargs):
        raise AssertionError("a crack ran in the server's process")
    monkeypatch.setattr(crack_process, "crack", not_here)
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.login("session", "Tom")
    response = lab_client.post("/api/lab/secret/crack")
    assert response.status_code == 200 and response.get_json()["key"] == TUTORIAL
    assert secret_keys.cracker.pids() and os.getpid() not in secret_keys.cracker.pids()


def test_a_crack_process_runs_at_the_lowest_cpu_priority(lab_client):
    """A crack keeps a core busy for up to 2 s. On a two-core server, one client's cracks
    took that core from the processes that answer the class. A crack process runs at
    niceness 19: it gets the CPU the server's other work leaves."""
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.login("session", "Tom")
    assert lab_client.post("/api/lab/secret/crack").status_code == 200
    pids = secret_keys.cracker.pids()
    assert pids and [os.getpriority(os.PRIO_PROCESS, pid) for pid in pids] == [19] * len(pids)


def test_a_crack_waiting_for_the_cpu_still_finds_the_key(monkeypatch):
    """At niceness 19 a crack on busy cores waits for the CPU while the wall clock runs
    on. Its time limit counts the CPU time it used, so the lesson's answer does not
    depend on how busy the server is: with the wall clock jumping 10 s at each reading,
    the crack still tries its way to the tutorial's key (line 872)."""
    wall = itertools.count(step=10.0)
    monkeypatch.setattr(crack_process.time, "perf_counter", lambda: next(wall))
    iface = SecureCookieSessionInterface()
    answer = crack_process.crack({
        "cookie": flask_serializer(TUTORIAL).dumps({"user": "Tom"}),
        "seconds": secret_keys.CRACK_SECONDS, "wordlist": str(secret_keys.WORDLIST),
        "instance_digest": "00" * 32, "max_candidates": secret_keys.MAX_CANDIDATES,
        "check_every": secret_keys.CHECK_EVERY, "salt": iface.salt,
        "key_derivation": iface.key_derivation, "digest_method": "sha1"})
    assert answer["stopped"] == "found" and answer["key"] == TUTORIAL
    assert answer["tried"] == 872


def test_a_crack_on_the_gevent_deployment(tmp_path):
    """The worker processes start and answer under gunicorn's gevent worker."""
    server = Gunicorn(tmp_path)
    try:
        with requests.Session() as client:
            lab = client.post(f"{server.base}/api/labs", timeout=30).json()
            client.headers.update({"X-Lab-Id": lab["id"], "X-Lab-Owner": lab["owner_token"]})
            client.put(f"{server.base}/api/lab/secret", json={"key": "tutorial"}, timeout=30)
            client.post(f"{server.base}/api/session/login", timeout=30,
                        json={"username": "Tom", "password": "123"})
            cracked = client.post(f"{server.base}/api/lab/secret/crack", timeout=90)
            assert cracked.status_code == 200 and cracked.json()["key"] == TUTORIAL
            assert client.get(f"{server.base}/api/health", timeout=30).status_code == 200
    finally:
        server.stop()


def test_gunicorn_workers_share_the_crack_processes():
    """Each crack process holds ~33 MiB: two gunicorn workers with two each took the
    gevent deployment past 300 MiB (bench/class_limits.py). deploy/gunicorn.conf.py
    splits CRACKS_AT_ONCE among the workers, one each at least."""
    import runpy
    from types import SimpleNamespace

    conf = runpy.run_path(str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"))
    worker = SimpleNamespace(wsgi=SimpleNamespace(), cfg=SimpleNamespace(workers=2))
    try:
        conf["post_worker_init"](worker)
        assert secret_keys.cracker.workers == 1
        assert secret_keys.cracking.acquire(blocking=False)
        assert not secret_keys.cracking.acquire(blocking=False)  # one crack at once here
        secret_keys.cracking.release()
    finally:
        secret_keys.fit_workers(1)
    assert secret_keys.cracker.workers == secret_keys.CRACKS_AT_ONCE


def _crack_as_tom(client, base: str):
    lab = client.post(f"{base}/api/labs", timeout=30).json()
    client.headers.update({"X-Lab-Id": lab["id"], "X-Lab-Owner": lab["owner_token"]})
    client.put(f"{base}/api/lab/secret", json={"key": "tutorial"}, timeout=30)
    client.post(f"{base}/api/session/login", json={"username": "Tom", "password": "123"},
                timeout=30)
    return client.post(f"{base}/api/lab/secret/crack", timeout=90)


def test_a_crack_outlives_a_signal_to_the_servers_process_group(tmp_path):
    """systemd's stop signals every process of the server at once (a terminal's Ctrl-C
    its whole process group); gunicorn's workers then finish their requests in
    progress, a crack among them. The crack processes ignore SIGTERM and SIGINT: after
    both reached them, a crack still answers (it answered 503 crack_failed when its
    process had died of them), and they leave with the server."""
    server = Gunicorn(tmp_path)
    try:
        with requests.Session() as client:
            assert _crack_as_tom(client, server.base).status_code == 200
            helpers = [pid for pid in descendants(server.proc.pid)
                       if "gunicorn" not in command_line(pid)]
            assert helpers
            for pid in helpers:
                os.kill(pid, signal.SIGTERM)
                os.kill(pid, signal.SIGINT)
            cracked = client.post(f"{server.base}/api/lab/secret/crack", timeout=90)
            assert cracked.status_code == 200, cracked.text
            assert cracked.json()["key"] == TUTORIAL
    finally:
        server.stop()
    deadline = time.monotonic() + 15
    while any(command_line(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)  # polls a condition: each process's end
    assert not any(command_line(pid) for pid in helpers)


def test_a_crack_whose_process_dies_says_so_and_the_next_one_starts_anew(
        lab_client, monkeypatch, tmp_path):
    dies = tmp_path / "dies.py"
    dies.write_text("raise SystemExit(3)\n")
    shipped = secret_keys.CRACK_PROCESS
    monkeypatch.setattr(secret_keys, "cracker", secret_keys.Cracker())
    monkeypatch.setattr(secret_keys, "CRACK_PROCESS", dies)
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.login("session", "Tom")
    failed = lab_client.post("/api/lab/secret/crack")
    assert failed.status_code == 503 and failed.get_json()["error"] == "crack_failed"
    assert failed.headers["Retry-After"] == "1"
    monkeypatch.setattr(secret_keys, "CRACK_PROCESS", shipped)
    cracked = lab_client.post("/api/lab/secret/crack")
    assert cracked.status_code == 200 and cracked.get_json()["key"] == TUTORIAL
    secret_keys.cracker.close()


def test_a_crack_process_that_cannot_start_says_so(lab_client, monkeypatch, tmp_path):
    """No process could be started (no interpreter, no fork, no file descriptors): the
    same JSON 503 crack_failed with Retry-After, not a 500."""
    monkeypatch.setattr(secret_keys, "cracker", secret_keys.Cracker())
    monkeypatch.setattr(secret_keys.sys, "executable", str(tmp_path / "no-python"))
    lab_client.put("/api/lab/secret", json={"key": "tutorial"})
    lab_client.login("session", "Tom")
    failed = lab_client.post("/api/lab/secret/crack")
    assert failed.status_code == 503 and failed.get_json()["error"] == "crack_failed"
    assert failed.headers["Retry-After"] == "1"


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_the_crack_processes_hold_little_memory(tmp_path):
    """On the gevent deployment with two workers, everything a crack adds to the server
    (the crack processes and any helper process of theirs) stays under 25 MiB a process:
    a process importing the app held 51 MiB, and multiprocessing's resource tracker 13
    more, which took the README's deployment past 300 MiB under bench/class_limits.py."""
    server = Gunicorn(tmp_path, env={"GUNICORN_WORKERS": "2"})
    try:
        with requests.Session() as client:
            for _ in range(4):  # whichever worker answers starts its crack process
                assert _crack_as_tom(client, server.base).status_code == 200
            added = {pid: _rss_mib(pid) for pid in descendants(server.proc.pid)
                     if "gunicorn" not in command_line(pid)}
    finally:
        server.stop()
    assert added and max(added.values()) < 25, added
