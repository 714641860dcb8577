"""A class on real servers: many viewers of one lab on the README's deployment
(gunicorn gevent workers and Redis), and restarts that keep the class together."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import requests

from .helpers import OWNERS, free_port
from .servers import ROOT, Gunicorn, RedisServer, new_lab, stop, wait_for_port

VIEWERS = 150  # above redis-py 8's default pool of 100 connections per client


async def _viewer(port: int, lab: str, trace_wanted: asyncio.Event, found: dict) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/hooks/stream?lab={lab} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    status = (await reader.readline()).split()[1].decode()
    found["answered"] += 1
    if found["answered"] == VIEWERS:
        found["all answered"].set()
    try:
        if status == "200":
            await trace_wanted.wait()
            while b"event: end" not in (line := await reader.readline()):
                assert line, "the stream ended"
            found["ends"] += 1
    finally:
        writer.close()
    return status


async def _class(port: int, lab: str, seconds: float) -> tuple[list[str], int]:
    wanted = asyncio.Event()
    found = {"ends": 0, "answered": 0, "all answered": asyncio.Event()}
    tasks = [asyncio.create_task(_viewer(port, lab, wanted, found)) for _ in range(VIEWERS)]
    # Every viewer answered: the 200s hold their streams open, all at once.
    await asyncio.wait_for(found["all answered"].wait(), seconds)
    wanted.set()
    await asyncio.to_thread(requests.get, f"http://127.0.0.1:{port}/api/comments",
                            headers={"X-Lab-Id": lab}, timeout=10)
    done = await asyncio.wait_for(asyncio.gather(*tasks), seconds)
    return done, found["ends"]


def test_a_class_of_viewers_on_two_gevent_workers_and_redis(tmp_path):
    redis = RedisServer(tmp_path, "--save", "", "--appendonly", "no")
    app = Gunicorn(tmp_path, {"STATELAB_REDIS_URL": redis.url}, ("-w", "2"))
    try:
        lab = new_lab(app.base)
        statuses, ends = asyncio.run(_class(app.port, lab, 30))
        assert statuses == ["200"] * VIEWERS  # no 503 from an exhausted Redis pool
        assert ends == VIEWERS  # every viewer got the request's end event
        assert "Traceback" not in app.errors()
    finally:
        app.stop()
        redis.stop()


def test_with_redis_a_restart_of_the_app_loses_nothing(tmp_path):
    redis = RedisServer(tmp_path, "--save", "", "--appendonly", "no")
    env = {"STATELAB_REDIS_URL": redis.url}
    app = None
    try:
        app = Gunicorn(tmp_path, env, ("-w", "2"))
        lab = new_lab(app.base)
        headers = {"X-Lab-Id": lab, "X-Lab-Owner": OWNERS[lab]}
        requests.put(f"{app.base}/api/lab/settings", json={"short_circuit": True},
                     headers=headers, timeout=5)
        before = requests.get(f"{app.base}/api/hooks", headers=headers, timeout=5).json()
        app.stop()
        app = Gunicorn(tmp_path, env, ("-w", "2"))
        after = requests.get(f"{app.base}/api/hooks", headers=headers, timeout=5)
        assert after.headers.get("X-Lab-Recreated") is None
        assert after.json()["events"][:len(before["events"])] == before["events"]
        settings = requests.get(f"{app.base}/api/lab/settings", headers=headers, timeout=5)
        assert settings.json()["short_circuit"] is True
        owned = requests.get(f"{app.base}/api/labs/current", headers=headers, timeout=5)
        assert owned.json()["owner"] is True
    finally:
        if app is not None:
            app.stop()  # a failed check must not leave the restarted server running
        redis.stop()


class Embedded:
    """``python -m statelab`` (what ``make run`` runs) on a fixed port."""

    def __init__(self, folder, port: int) -> None:
        env = {**os.environ, "PORT": str(port), "STATELAB_SECRET_KEY": "test-secret-of-the-lab-tests",
               "STATELAB_INSTANCE_PATH": str(folder / "instance")}
        self.proc = subprocess.Popen([sys.executable, "-m", "statelab"], env=env, cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port, self.proc)


def test_after_a_restart_of_the_embedded_default_the_class_finds_its_lab(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = Embedded(tmp_path, port)
    try:
        body = requests.post(f"{base}/api/labs", timeout=5).json()
        lab, token = body["id"], body["owner_token"]
        for _ in range(3):
            requests.get(f"{base}/api/comments", headers={"X-Lab-Id": lab}, timeout=5)
        last = requests.get(f"{base}/api/hooks", headers={"X-Lab-Id": lab},
                            timeout=5).json()["last_id"]
        stop(server.proc)
        server = Embedded(tmp_path, port)
        # An EventSource reconnecting names the lab and its last event id.
        stream = requests.get(f"{base}/api/hooks/stream?lab={lab}", stream=True, timeout=30,
                              headers={"Last-Event-ID": last})
        assert stream.status_code == 200
        assert stream.headers["X-Lab-Recreated"] == "true"
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 1000"  # EventSource tries again within a second
        told = [next(lines) for _ in range(6)]
        assert "event: reset" in told  # the log begins again: the page resumes from 0
        stream.close()
        # The owner comes back first with the token: the lab is theirs again.
        owner = {"X-Lab-Id": lab, "X-Lab-Owner": token}
        assert requests.put(f"{base}/api/lab/settings", json={"short_circuit": True},
                            headers=owner, timeout=5).status_code == 200
        student = {"X-Lab-Id": lab, "X-Lab-Owner": "s" * 43}
        assert requests.delete(f"{base}/api/hooks", headers=student,
                               timeout=5).status_code == 403
    finally:
        stop(server.proc)


def test_scrypt_runs_off_the_gevent_loop():
    # A greenlet ticks every 5 ms while a login's scrypt check (~100 ms) runs. On the
    # loop itself the check would block every greenlet: no tick between its start and
    # its end, however fast or slow the machine.
    script = """
from gevent import monkey; monkey.patch_all()
import gevent
from statelab.accounts import PasswordChecks
ticks, stop = [0], []
def tick():
    while not stop:
        gevent.sleep(0.005)
        ticks[0] += 1
ticker = gevent.spawn(tick)
gevent.sleep(0.05)
before = ticks[0]
assert PasswordChecks(2, 2).check("Tom", "123")
during = ticks[0] - before
stop.append(1); ticker.join()
print(during)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    print(f"the loop ticked {out.stdout.strip()} times during a scrypt check")
    assert int(out.stdout) > 0
