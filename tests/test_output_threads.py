"""The tracer's stdout/stderr tees come and go with traced requests; prints in other
threads must never see one freed under them (print() holds ``sys.stdout`` as a borrowed
reference in CPython 3.11: a freed tee was a segmentation fault of the dev server)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import os, sys, threading
    from contextvars import ContextVar
    from statelab_trace.output import Capture

    capture = Capture(ContextVar("trace", default=None))
    sys.stdout = open(os.devnull, "w")

    def traced():
        for _ in range(100000):
            capture.enter()
            print("in a request")
            capture.leave()

    def untraced():
        for _ in range(100000):
            print("a" * 200, "b" * 200, "c")

    threads = [threading.Thread(target=f) for f in (traced, traced, untraced, untraced)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sys.__stdout__.write("survived")
""")


def test_prints_in_other_threads_survive_tees_coming_and_going():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "survived"
