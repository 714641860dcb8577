#!/usr/bin/env python3
"""A stand-in for wrk where Debian's wrk is not installed (``BENCH_LOADER=python``):
the few wrk options bench/throughput.py uses, and wrk's summary lines, so the bench
reads either. Loopback only; asyncio, one process, a connection per request when the
server closes it (gunicorn's sync worker does, as with wrk).

    python bench/pyload.py -t1 -c8 -d3s --latency -H 'X-Lab-Id: ...' http://127.0.0.1:PORT/path
"""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import urlsplit


async def one(host: str, port: int, request: bytes) -> int:
    """One request on its own connection; answers the status code."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        status = int((await reader.readline()).split()[1])
        await reader.read()  # Connection: close: the answer ends with the connection
        return status
    finally:
        writer.close()


async def connection(host: str, port: int, request: bytes, until: float,
                     counts: dict) -> None:
    while time.monotonic() < until:
        try:
            status = await one(host, port, request)
        except (OSError, ValueError, IndexError):
            counts["errors"] += 1
            continue
        counts["done"] += 1
        if not 200 <= status < 400:
            counts["bad"] += 1


async def run(url: str, headers: list[str], connections: int, seconds: float) -> dict:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "::1", "localhost"):
        raise SystemExit("pyload: loopback only")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close",
             *headers, "", ""]
    request = "\r\n".join(lines).encode("latin-1")
    counts = {"done": 0, "bad": 0, "errors": 0}
    start = time.monotonic()
    until = start + seconds
    await asyncio.gather(*(connection(parts.hostname, parts.port, request, until, counts)
                           for _ in range(connections)))
    counts["seconds"] = time.monotonic() - start
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-t", dest="threads", default="1")
    parser.add_argument("-c", dest="connections", type=int, default=8)
    parser.add_argument("-d", dest="duration", default="3s")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("-H", dest="headers", action="append", default=[])
    parser.add_argument("url")
    args = parser.parse_args()
    counts = asyncio.run(run(args.url, args.headers, args.connections,
                             float(args.duration.rstrip("s"))))
    print(f"  {counts['done']} requests in {counts['seconds']:.2f}s")
    if counts["bad"]:
        print(f"  Non-2xx or 3xx responses: {counts['bad']}")
    if counts["errors"]:
        print(f"  Socket errors: connect {counts['errors']}, read 0, write 0, timeout 0")
    print(f"Requests/sec: {counts['done'] / counts['seconds']:.2f}")


if __name__ == "__main__":
    main()
