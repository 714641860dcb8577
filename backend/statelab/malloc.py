"""Big buffers go back to the system when freed (glibc's malloc; elsewhere nothing).

glibc serves a request over its mmap threshold (128 KiB) with a mapping of its own,
returned at ``free``, but raises the threshold to the size of each such block freed,
up to 32 MiB: after one big buffer freed (a whole lab's hook log read at once, say),
every later buffer of up to that size comes from the heap, which keeps it. Measured on
Werkzeug's server reading heads of any size (make run stops at 256 KiB, devserver.py):
12 requests of 5.4 MB of headers over 4 connections left it at 195 MiB, 57 MiB with
the threshold fixed. Setting it fixes it: glibc then never moves it.
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
