"""The driver (its own process): students logged in beforehand, then requests on a
fixed schedule."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter

from bench.common import BenchError
from bench.livebench.settings import (
    ACTIONS, MECHANISMS, RATE, REQUEST_TIMEOUT, SECONDS, STUDENTS)
from bench.livebench.viewers import cpu_now


class Student:
    """One browser: its own cookies and client id, logged in by one mechanism."""

    def __init__(self, number: int, session) -> None:
        self.number = number
        self.session = session
        self.mechanism = MECHANISMS[number % len(MECHANISMS)]
        self.step = number  # students start at different points of the mix

    def next_request(self) -> tuple[str, str, dict | None]:
        """``(method, path, body)``; a login's path ends in ``/login``."""
        action = ACTIONS[self.step % len(ACTIONS)]
        self.step += 1
        if action == "login":
            # Another mechanism than the one it comments with: a comment still in
            # flight is never caught by its own re-login replacing the session.
            other = MECHANISMS[(self.number + 1) % len(MECHANISMS)]
            return "POST", f"/api/{other}/login", {"username": "Tom", "password": "123"}
        if action == "comment":
            return "POST", f"/api/{self.mechanism}/comment", {"text": f"bench {self.step}"}
        return "GET", "/api/state", None


async def _send(student: Student, base: str, lab: str, request: tuple, results: list) -> None:
    import aiohttp
    method, path, body = request
    began = time.monotonic()
    try:
        async with student.session.request(method, base + path, json=body,
                                           headers={"X-Lab-Id": lab}) as resp:
            await resp.read()
            results.append((lab, path, resp.status, time.monotonic() - began))
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        results.append((lab, path, None, time.monotonic() - began))


async def _drive(conn, base: str, labs: list[str]) -> dict:
    """Log the students in (before the viewers connect; not measured), say so, wait for
    the go, then send RATE requests/s on a fixed schedule, whether or not earlier ones
    were answered: a slow server does not slow the class down."""
    import aiohttp
    loop = asyncio.get_running_loop()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with contextlib.AsyncExitStack() as stack:
        students = []
        for number in range(STUDENTS):
            session = await stack.enter_async_context(aiohttp.ClientSession(
                # unsafe: keep cookies set by a bare IP (127.0.0.1)
                cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout,
                headers={"X-Client-Id": f"bench-{number:04d}"}, trust_env=False))
            students.append(Student(number, session))
        setup: list = []
        for i, student in enumerate(students):
            login = ("POST", f"/api/{student.mechanism}/login",
                     {"username": "Tom", "password": "123"})
            await _send(student, base, labs[i % len(labs)], login, setup)
        if any(status != 200 for _, _, status, _ in setup):
            raise BenchError(f"the students could not log in: {setup}")
        conn.send(time.time())
        await loop.run_in_executor(None, conn.recv)
        results: list = []
        tasks = []
        cpu0, start = cpu_now(), time.monotonic()
        for k in range(int(SECONDS * RATE)):
            await asyncio.sleep(max(0.0, start + k / RATE - time.monotonic()))
            student = students[k % len(students)]
            tasks.append(asyncio.create_task(
                _send(student, base, labs[k % len(labs)], student.next_request(), results)))
        await asyncio.gather(*tasks)
        wall = time.monotonic() - start
    answered: dict[str, int] = {}
    for lab, _, status, _ in results:
        if status is not None:
            answered[lab] = answered.get(lab, 0) + 1
    return {"sent": len(results), "answered": answered,
            "latencies": [t for _, path, status, t in results
                          if status is not None and not path.endswith("/login")],
            "logins": [t for _, path, status, t in results
                       if status is not None and path.endswith("/login")],
            "bad": Counter(status for _, _, status, _ in results
                           if status is not None and status >= 400),
            "cpu": (cpu_now() - cpu0) / wall}


def driver_process(conn, base: str, labs: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(asyncio.run(_drive(conn, base, labs)))
    except BenchError as exc:
        conn.send(exc)
