"""A class on one server: one address cannot take every stream; the teacher keeps a
live slot in a full lab and sees how many viewers poll the log instead."""

from __future__ import annotations


import http.client
import runpy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .helpers import new_lab, owner_headers, raw_status, start_make_run
from .servers import ROOT

ONE, OTHER = {"REMOTE_ADDR": "10.0.0.1"}, {"REMOTE_ADDR": "10.0.0.2"}


def _stream(client, lab, environ=ONE, headers=None):
    return client.get(f"/api/hooks/stream?lab={lab}", buffered=False, environ_base=environ,
                      headers=headers or {})


def test_one_address_cannot_take_every_stream(make_app):
    client = make_app(STATELAB_MAX_STREAMS=6, STATELAB_STREAMS_PER_ADDRESS=2).test_client()
    labs = [new_lab(client) for _ in range(3)]
    held = [_stream(client, labs[n]) for n in range(2)]
    try:
        assert [s.status_code for s in held] == [200, 200]
        refused = _stream(client, labs[2])
        assert refused.status_code == 429
        body = refused.get_json()
        assert body["error"] == "too_many_streams_from_address" and body["streams"] == 2
        assert "Retry-After" in refused.headers
        other = _stream(client, labs[2], OTHER)
        assert other.status_code == 200
        other.close()
    finally:
        for answer in held:
            answer.close()
    assert _stream(client, labs[2]).status_code == 200  # given back on close


def test_the_per_address_cap_is_half_the_streams_by_default(make_app):
    app = make_app(STATELAB_MAX_STREAMS=8)
    assert app.extensions["statelab"].streams.per_address == 4


def test_the_owner_keeps_a_live_slot_in_a_full_lab(make_app):
    """Participants fill the lab's STATELAB_MAX_VIEWERS; the teacher's stream still
    opens, in a slot kept for the owner."""
    client = make_app(STATELAB_MAX_VIEWERS=2).test_client()
    lab = new_lab(client)
    students = [_stream(client, lab, {"REMOTE_ADDR": f"10.0.1.{n}"}) for n in range(3)]
    try:
        assert [s.status_code for s in students] == [200, 200, 429]
        assert students[2].get_json()["error"] == "lab_full"
        teacher = _stream(client, lab, headers=owner_headers(lab))
        assert teacher.status_code == 200
        teacher.close()
    finally:
        for answer in students:
            answer.close()


def test_the_lab_tells_how_many_viewers_poll_its_log(make_app):
    """A page refused a stream reads the log every 2 s: GET /api/labs/current counts
    the distinct clients that read it (with ``after``) in the last POLL_WINDOW seconds."""
    client = make_app().test_client()
    lab = new_lab(client)

    def read(client_id, after="1"):
        query = f"?after={after}" if after else ""
        return client.get(f"/api/hooks{query}", headers={"X-Lab-Id": lab,
                                                         "X-Client-Id": client_id})
    assert client.get("/api/labs/current", headers={"X-Lab-Id": lab}).get_json()["polling"] == 0
    for reader in ("student-0001", "student-0002", "student-0001"):
        assert read(reader).status_code == 200
    read("teacher-0001", after=None)  # a page's first read is no poll
    info = client.get("/api/labs/current", headers={"X-Lab-Id": lab}).get_json()
    assert info["polling"] == 2 and info["subscribers"] == 0


def test_what_a_lab_keeps_of_a_request_is_bounded_whatever_its_headers(lab_client, app):
    """One client's requests with 90 headers of 60,000 characters: the lab's log keeps
    a bounded amount of each, when it records it (not only when it is read)."""
    import json

    big = {f"X-Big-{n}": "h" * 60_000 for n in range(90)}
    for _ in range(3):
        lab_client.get("/api/state", headers=big)
    kept = app.extensions["statelab"].bus.read(lab_client.lab).events
    requests = [e for e in kept if e["type"] == "request" and e.get("path") == "/api/state"]
    assert len(requests) == 3
    assert all(len(json.dumps(event)) < 64 * 1024 for event in requests)


def _deployment_config():
    from gunicorn.config import Config

    cfg, settings = Config(), runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    for name, value in settings.items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg


def test_the_deployment_parses_requests_with_gunicorns_c_parser():
    """gunicorn's own parser copies and searches the whole head on every 8 KB read: a
    client sending 90 headers of 60,000 characters held the gevent worker for ~90 ms a
    request until gunicorn refused it, ~3 ms with gunicorn_h1c (bench/README.md)."""
    from gunicorn.http import message

    assert message._check_fast_parser(_deployment_config()) is True


def test_the_deployment_reads_at_most_262_kb_of_headers():
    """Each read of a head copies what came before: the work grows with the square of
    what gunicorn reads before refusing it (its default, 100 lines of 8190 bytes: 819 KB)."""
    cfg = _deployment_config()
    assert cfg.limit_request_fields * (cfg.limit_request_field_size + 2) <= 262_144


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def _state_with_headers(port: int, lab: str, size: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/api/state", headers={"X-Lab-Id": lab, **{
            f"X-Big-{n}": "h" * size for n in range(90)}})
        return conn.getresponse().status
    finally:
        conn.close()


def test_make_run_refuses_huge_headers_and_keeps_no_memory_for_them(tmp_path):
    """12 requests of 90 headers of 60,000 characters (5.4 MB each), 4 connections at
    once: make run answers each 431 once it has read 256 KiB of header lines
    (devserver.MAX_HEAD_BYTES), and its memory stays where it was."""
    proc, port = start_make_run(tmp_path / "instance")
    try:
        lab = requests.post(f"http://127.0.0.1:{port}/api/labs", timeout=30).json()["id"]
        assert _state_with_headers(port, lab, 10) == 200  # the server's first use
        rest = _rss_mib(proc.pid)
        big = (f"GET /api/state HTTP/1.1\r\nHost: x\r\nX-Lab-Id: {lab}\r\n".encode()
               + b"".join(b"X-Big-%d: " % n + b"h" * 60_000 + b"\r\n" for n in range(90))
               + b"\r\n")
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: raw_status(port, big), range(12)))
        assert answers == [431] * 12
        assert _rss_mib(proc.pid) - rest < 40
        assert _state_with_headers(port, lab, 10) == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
