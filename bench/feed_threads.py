#!/usr/bin/env python3
"""One lab's feed (fanout.py) fanned out to viewer threads, as `make run` serves them:
a thread per viewer, each writing its deliveries to its own socket, no HTTP.

    .venv/bin/python bench/feed_threads.py [VIEWERS] [SECONDS] [BACKEND_DIR]

500 viewers by default; events are published as 20 requests/s of 5 events each (the
last an ``end``, 2 ms apart), for 8 s. Prints how late each ``end`` reached each viewer
(p50/p95/p99, ms) and how many arrived. BACKEND_DIR (a checkout's ``backend/``) measures
another version of fanout.py; run two alternately to compare them on a busy machine.
"""

from __future__ import annotations

import json
import selectors
import socket
import sys
import threading
import os
import time
from pathlib import Path

VIEWERS = int(sys.argv[1]) if len(sys.argv) > 1 else 500
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
if len(sys.argv) > 3:
    sys.path.insert(0, sys.argv[3])

sys.path.append(str(Path(__file__).resolve().parents[1]))
from bench.report import fmt_load  # noqa: E402
from statelab.events import MemoryBus  # noqa: E402
from statelab.fanout import Feeds  # noqa: E402

RATE, EVENTS_A_REQUEST, LAB = 20, 5, "bench-lab"


def viewer(feeds: Feeds, bus: MemoryBus, out: socket.socket, late: list, lock) -> None:
    bus.subscribe(LAB)
    feed = feeds.join(LAB)
    last = 0
    while (delivery := feed.next_after(last)) is not None:
        if not delivery.frames:
            continue
        out.sendall(delivery.bytes_for(None))
        now = time.time()
        ends = [now - json.loads(f.others.split(b"data: ", 1)[1])["time"]
                for f in delivery.frames if f.kind == "end"]
        with lock:
            late.extend(ends)
        last = delivery.frames[-1].number


def drain(sockets: list[socket.socket]) -> None:
    """Read every viewer's socket, as its browser would."""
    selector = selectors.DefaultSelector()
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            try:
                key.fileobj.recv(1 << 16)
            except BlockingIOError:
                pass


def publish(bus: MemoryBus) -> int:
    """RATE requests a second for SECONDS; answers how many were published."""
    start, sent = time.monotonic(), 0
    while time.monotonic() - start < SECONDS:
        time.sleep(max(0.0, start + sent / RATE - time.monotonic()))
        for kind in ["step"] * (EVENTS_A_REQUEST - 1) + ["end"]:
            bus.publish(LAB, {"type": kind, "trace": f"t{sent}", "time": time.time()})
            time.sleep(0.002)
        sent += 1
    return sent


def main() -> None:
    load = os.getloadavg()
    bus = MemoryBus(capacity=2000, max_subscribers=VIEWERS + 1)
    feeds = Feeds(bus, heartbeat=5.0)
    pairs = [socket.socketpair() for _ in range(VIEWERS)]
    late: list[float] = []
    lock = threading.Lock()
    threading.Thread(target=drain, args=([b for _, b in pairs],), daemon=True).start()
    for out, _ in pairs:
        threading.Thread(target=viewer, args=(feeds, bus, out, late, lock),
                         daemon=True).start()
    while bus.subscribers(LAB) < VIEWERS:
        time.sleep(0.05)
    sent = publish(bus)
    deadline = time.monotonic() + 5
    while len(late) < sent * VIEWERS and time.monotonic() < deadline:
        time.sleep(0.05)
    with lock:
        values = sorted(late)
    rank = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
    print(f"{VIEWERS} viewer threads, {sent} requests: {len(values)}/{sent * VIEWERS} "
          f"delivered; p50 {rank(0.5):.0f} ms, p95 {rank(0.95):.0f} ms, "
          f"p99 {rank(0.99):.0f} ms; load average before {fmt_load(load)}, "
          f"after {fmt_load(os.getloadavg())}")


if __name__ == "__main__":
    main()
