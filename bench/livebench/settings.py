"""What bench/live.py's parts share: its settings (from the environment) and limits."""

from __future__ import annotations

import os
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SECRET = "statelab-bench-fixed-secret-key"
WORKER_ARGS = os.environ.get("BENCH_LIVE_WORKER_ARGS",
                             "-c deploy/gunicorn.conf.py -w 2").split()
SETUPS = os.environ.get("BENCH_LIVE_SETUPS", "embedded,redis").split(",")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
RATE = float(os.environ.get("BENCH_RATE", "20"))
# viewers/labs: one class in one lab, and the same number spread over 50 labs.
# BENCH_LIVE_PAGE=0 skips the page's cost (when only the server side is measured).
PAGE = os.environ.get("BENCH_LIVE_PAGE", "1") != "0"
CLASSES = [tuple(int(n) for n in pair.split("/")) for pair in
           os.environ.get("BENCH_LIVE_CLASSES", "1/1,100/1,500/1,500/50").split(",")]
# Caps above every class, so a cap is never what refuses a viewer or a student's login
# here: viewers per lab, streams per worker, logins per address and labs kept per
# address (the 50 labs come from one address; an app without a setting ignores it).
MAX_VIEWERS = 1000
UNCAPPED = {"STATELAB_MAX_VIEWERS": str(MAX_VIEWERS), "STATELAB_MAX_STREAMS": str(MAX_VIEWERS),
            "STATELAB_LOGIN_RATE": "100000/minute", "STATELAB_LABS_PER_ADDRESS": "100"}
CONNECT_SECONDS = 10
# The viewers are split over this many processes (each an asyncio loop), as a class's
# browsers are many processes: measured, one process reading 500 streams used ~60% of a
# CPU, and the time its loop took to reach a socket counted as the server's latency.
VIEWER_PROCESSES = int(os.environ.get("BENCH_VIEWER_PROCESSES", "2"))
DRAIN_SECONDS = 5
RETRY_SECONDS = 1.0  # the stream's own ``retry: 1000``
REQUEST_TIMEOUT = 5
# The mix: one scrypt login in ten requests (a student logging in again), comments and
# state reads. Each student logs in once before the viewers connect (not measured).
# Students, each with its own cookies, taking turns: at 20 requests/s each sends one
# every 0.5 s (to the labs in turn when there are several).
STUDENTS = 10
ACTIONS = ["login"] + ["comment", "state"] * 4 + ["comment"]
MECHANISMS = ("cookie", "session", "server-session")
# A client process above this share of one CPU may be what holds the viewers back.
CLIENT_CPU_LIMIT = 0.8
# Other processes using more than this share of one CPU make a class noisy.
NOISE_CPU_LIMIT = 0.25
PAGE_EVENTS = 5000
PAGE_SECONDS = 120
PER_CLASS_SECONDS = 6 + CONNECT_SECONDS + SECONDS + DRAIN_SECONDS + 10
DEADLINE_SECONDS = int(len(SETUPS) * len(CLASSES) * PER_CLASS_SECONDS + PAGE_SECONDS + 30)


# A traceback's last line: "redis.exceptions.TimeoutError: Timeout reading from socket".
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*")
