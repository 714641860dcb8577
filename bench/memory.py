"""Worst-case memory per lab on `make run` (python -m statelab, the embedded default).

Starts the server with a throwaway instance folder, then fills LABS labs to every cap
with the largest values the server keeps: a full comment list (200 comments of 500
characters by a 64-character author), then a full hook log (STATELAB_LAB_EVENTS events,
or STATELAB_LAB_BYTES of what they keep) of requests that keep the most each: the
comment list (a 120 KB answer, kept to its cap) asked with a query, Cookie header, user
agent and 16 more headers all past their caps, and a signed session (the lab signs with
the tutorial's key, so anyone can forge one) bigger than a session step keeps. It reads
the server's resident memory (VmRSS) before and after, and prints the cost per lab and
the projection for STATELAB_MAX_LABS.

    .venv/bin/python bench/memory.py            # LABS=20 by default
    LABS=200 .venv/bin/python bench/memory.py   # the full default cap (slow)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from statelab.secret_keys import TUTORIAL_KEY

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers import free_port  # noqa: E402  (one copy, shared with the tests)

LABS = int(os.environ.get("LABS", "20"))
MAX_LABS = 200
EVENTS = 2000
COMMENTS = 200
BIG = 12_000  # past every cap (tracing.py: 8192 for the Cookie header, less for the rest)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def forged_session() -> str:
    """A session cookie signed with the tutorial's key, compressed to a few hundred
    bytes, that renders past what a session step keeps (jsonable.MAX_SESSION_KEPT)."""
    iface = SecureCookieSessionInterface()
    serializer = URLSafeTimedSerializer(TUTORIAL_KEY, salt="cookie-session",
                                        serializer=iface.serializer,
                                        signer_kwargs={"key_derivation": "hmac",
                                                       "digest_method": iface.digest_method})
    return serializer.dumps({f"k{i}": "s" * 1000 for i in range(12)})


def fill(base: str, http: requests.Session) -> int:
    """One lab to its caps; answer the number of requests it took. The log is filled
    last, and only, with the requests that keep the most per event."""
    lab = http.post(f"{base}/api/labs", timeout=10).json()["id"]
    http.put(f"{base}/api/lab/secret", headers={"X-Lab-Id": lab}, json={"key": "tutorial"},
             timeout=10)
    author = "A" * 64
    headers = {"X-Lab-Id": lab, "User-Agent": "u" * BIG, "X-Client-Id": "memory-bench",
               "Cookie": f"session={forged_session()}; username={author}; "
                         f"filler={'c' * BIG}",
               **{f"X-Pad-{i}": "p" * 2000 for i in range(16)}}
    biggest = f"{base}/api/comments?{'q' * BIG}"

    def events() -> int:
        return http.get(f"{base}/api/labs/current", headers={"X-Lab-Id": lab},
                        timeout=10).json()["events"]

    # Events per request, counted while the log is far from full (a count is traced too).
    for _ in range(COMMENTS):
        http.post(f"{base}/api/cookie/comment", headers=headers, json={"text": "t" * 500},
                  timeout=10)
    first = events()
    counting = events() - first
    http.get(biggest, headers=headers, timeout=10)
    per_request = events() - first - 2 * counting
    needed = -(-EVENTS // per_request)
    for _ in range(needed):
        http.get(biggest, headers=headers, timeout=10)
    return COMMENTS + 2 + needed


def measure(labs: int = LABS) -> list[float]:
    """MB of resident memory each of ``labs`` labs, filled one after the other, added."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "PORT": str(port), "STATELAB_INSTANCE_PATH": instance,
               "STATELAB_LAB_RATE": "100000/minute"}
        server = subprocess.Popen([sys.executable, "-m", "statelab"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(base)
            http = requests.Session()
            fill(base, http)  # one lab first: imports, caches and first-request costs
            rss = [rss_mb(server.pid)]
            for _ in range(labs):
                fill(base, http)
                rss.append(rss_mb(server.pid))
        finally:
            server.terminate()
            server.wait(timeout=10)
    return [after - before for before, after in zip(rss, rss[1:])]


def wait_ready(base: str) -> None:
    for _ in range(100):
        try:
            requests.get(f"{base}/api/health", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)


def main() -> None:
    started = time.time()
    per_lab = measure(LABS)
    mean = sum(per_lab) / len(per_lab)
    print(f"{LABS} labs filled in {time.time() - started:.0f} s")
    print(f"MB per lab: median {statistics.median(per_lab):.2f} "
          f"({min(per_lab):.2f}-{max(per_lab):.2f}), mean {mean:.2f}; "
          f"{MAX_LABS} labs: about {mean * MAX_LABS:.0f} MB more than an empty server")


if __name__ == "__main__":
    main()
