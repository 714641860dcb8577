"""Does a crack stall the gevent worker's other greenlets? Side by side, in-process.

Under ``gevent.monkey.patch_all()`` (as gunicorn's gevent worker runs), two greenlets
each crack a cookie no wordlist key signs (all 1,943 candidates), three times, while a
third greenlet sleeps 1 ms in a loop, as a request waiting on I/O does. Printed: how
often it woke and the gaps between wake-ups, with the crack run ``inline`` (in the
greenlet: ``time.sleep(0)`` is gevent's) or in a crack ``process``
(``secret_keys.crack``, what ``POST /api/lab/secret/crack`` does: the greenlet waits on
the process's pipe).

    .venv/bin/python bench/crack_loop.py inline
    .venv/bin/python bench/crack_loop.py process
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

from statelab import create_app, secret_keys  # noqa: E402

COOKIE = "e30.x.y"  # signed by no candidate: every one is tried


def inline_crack(app):
    """The crack in this greenlet, handing over every 32 candidates."""
    for tried, candidate in enumerate(secret_keys.wordlist(), 1):
        secret_keys._verifies(app, candidate, COOKIE)
        if tried % 32 == 0:
            time.sleep(0)


def main(mode: str) -> None:
    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="statelab-crack-"),
                      "SECRET_KEY": "statelab-bench-fixed-secret-key", "STATELAB_TRACING": False})
    gaps, done = [], False

    def ticker():
        last = time.perf_counter()
        while not done:
            gevent.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    def cracker():
        for _ in range(3):
            if mode == "process":
                secret_keys.crack(app, COOKIE)
            else:
                inline_crack(app)
    tick = gevent.spawn(ticker)
    gevent.joinall([gevent.spawn(cracker) for _ in range(2)])
    done = True
    tick.join()
    ms = [gap * 1000 for gap in gaps]
    print(f"{mode}: {len(ms)} wake-ups, median gap {statistics.median(ms):.1f} ms, "
          f"p95 {statistics.quantiles(ms, n=20)[18]:.1f} ms, max {max(ms):.1f} ms, "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "process")
