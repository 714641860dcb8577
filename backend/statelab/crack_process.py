"""A crack process: tries the wordlist's candidates on a cookie, one job at a time.

Run as a script, ``python -I crack_process.py ITSDANGEROUS_FOLDER`` (secret_keys.Cracker
starts it), so it imports neither this package nor Flask: the standard library and
itsdangerous only, about 17 MiB where a process importing the app holds 50. It reads one JSON job a line
on stdin and writes one JSON answer a line on stdout; it leaves when stdin closes (its
server process ended, however). It ignores SIGTERM and SIGINT: systemd's stop and a
terminal's Ctrl-C signal a server's whole process group, and gunicorn's workers then
finish their requests in progress, a crack among them. It runs at the lowest CPU
priority (niceness 19, LOWEST_PRIORITY): a crack keeps a core busy for up to
its time limit, and the server's processes, which answer the whole class, come first.

A job: ``cookie``, ``seconds`` (its time limit, in CPU seconds), ``instance_digest``
(hex SHA-256 of the instance key, a candidate never answered), ``wordlist``, ``max_candidates``,
``check_every`` and how Flask's session interface signs (``salt``, ``key_derivation``,
``digest_method``): each candidate is checked by itsdangerous's ``TimestampSigner``
built with those, the signer of the serializer Flask's ``get_signing_serializer`` makes.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from functools import lru_cache

if __name__ == "__main__" and len(sys.argv) > 1:  # where the server found itsdangerous
    sys.path.insert(0, sys.argv[1])

from itsdangerous import BadSignature, TimestampSigner  # noqa: E402


@lru_cache(maxsize=4)
def candidates(path: str, limit: int) -> tuple[str, ...]:
    """The wordlist's candidates, one a line, the first ``limit``."""
    with open(path, encoding="utf-8") as lines:
        words = (line.rstrip("\n") for line in lines)
        return tuple(w for w, _ in zip((w for w in words if w), range(limit)))


def crack(job: dict) -> dict:
    words = candidates(job["wordlist"], job["max_candidates"])
    digest_method = getattr(hashlib, job["digest_method"])
    instance = bytes.fromhex(job["instance_digest"])
    value, seconds, every = job["cookie"], job["seconds"], job["check_every"]
    # The time limit counts this process's CPU time: at LOWEST_PRIORITY on busy cores
    # the wall clock runs on while it waits, and the answer would depend on the load.
    start, cpu_start = time.perf_counter(), time.process_time()
    found, stopped, tried = None, "exhausted", 0
    for tried, candidate in enumerate(words, 1):
        if hashlib.sha256(candidate.encode()).digest() != instance and _verifies(
                TimestampSigner(candidate, salt=job["salt"], digest_method=digest_method,
                                key_derivation=job["key_derivation"]), value):
            found, stopped = candidate, "found"
            break
        if tried % every == 0 and time.process_time() - cpu_start > seconds:
            stopped = "time_limit"
            break
    return {"found": found is not None, "key": found, "tried": tried,
            "candidates": len(words), "seconds": round(time.perf_counter() - start, 4),
            "stopped": stopped}


def _verifies(signer: TimestampSigner, value: str) -> bool:
    try:
        signer.unsign(value)
    except BadSignature:
        return False
    return True


# A crack's niceness: the lowest, so the server's processes, which answer everyone, come
# first when the cores are busy. On an idle machine it runs as fast as ever.
LOWEST_PRIORITY = 19


def to_lowest_priority() -> None:
    """Give this process LOWEST_PRIORITY; where that is not allowed (a sandbox), it keeps
    its own."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, LOWEST_PRIORITY)
    except OSError:
        pass


def main() -> None:
    to_lowest_priority()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for line in sys.stdin:
        try:
            answer = crack(json.loads(line))
        except Exception as error:  # a bad job: say so, and take the next one
            answer = {"error": f"{type(error).__name__}: {error}"}
        try:
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # the server is gone: leave without flushing again
            os._exit(0)


if __name__ == "__main__":
    main()
