"""Big buffers go back to the system when freed (glibc's malloc; elsewhere nothing).

glibc serves a request over its mmap threshold (128 KiB) with a mapping of its own,
returned at ``free``, but raises the threshold to the size of each such block freed,
up to 32 MiB. A request of 90 headers of 60,000 characters (5.4 MB, which Werkzeug's
server accepts) raises it past 5 MB, and every later buffer of that size comes from the
heap, which keeps it: measured on ``make run``, 12 such requests over 4 connections
left the server at 195 MiB, 57 MiB with the threshold fixed (tests/test_class_limits.py).
Setting it fixes it: glibc then never moves it.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
THRESHOLD = 128 * 1024  # glibc's default, kept fixed


def return_big_buffers() -> bool:
    """Fix glibc's mmap threshold for this process (and those it forks): True when set."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc: another malloc, left alone
        return False
    return mallopt(M_MMAP_THRESHOLD, THRESHOLD) == 1
