"""The viewers (their own process): bare asyncio connections reading the stream as
EventSource does, stamping when each ``end`` event arrives."""

from __future__ import annotations

import asyncio
import json
import resource
import signal
import time

from bench.livebench.settings import CONNECT_SECONDS, DRAIN_SECONDS, HOST, RETRY_SECONDS


END = b"event: end\ndata: "
ID = b"\n\nid: "
GAP = b"event: gap\n"


class _Stream(asyncio.Protocol):
    """One stream connection: the status line and headers, then the body to the viewer
    as it is read (chunked framing removed), stamped with the moment it was read.
    As little work a message as it can: 500 viewers at 20 requests/s are ~170,000
    messages/s for one process to read."""

    def __init__(self, viewer: "Viewer", loop) -> None:
        self.viewer = viewer
        self.head = b""
        self.status = loop.create_future()
        self.closed = loop.create_future()
        self.chunked = False
        self.pending = b""  # an unfinished chunk-size line
        self.left = 0  # bytes of the current chunk still to come
        self.trail = 0  # bytes of the CRLF after it still to skip

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.status.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end].lower(), self.head[end + 4:]
            self.chunked = b"transfer-encoding: chunked" in head
            self.status.set_result(int(head.split(b" ", 2)[1]))
            self.viewer.buffer = b""
        self.viewer.feed(self.dechunk(data) if self.chunked else data, now)

    def dechunk(self, data: bytes) -> bytes:
        buf, self.pending = self.pending + data, b""
        out, pos, end = [], 0, len(buf)
        while pos < end:
            if self.left:
                take = min(self.left, end - pos)
                out.append(buf[pos:pos + take])
                pos += take
                self.left -= take
                self.trail = 0 if self.left else 2
            elif self.trail:
                skip = min(self.trail, end - pos)
                pos += skip
                self.trail -= skip
            else:
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    self.pending = buf[pos:]
                    break
                self.left = int(buf[pos:eol].split(b";", 1)[0], 16)
                pos = eol + 2
                if not self.left:  # the last chunk: the server ended the stream
                    break
        return b"".join(out)

    def connection_lost(self, exc) -> None:
        if not self.status.done():
            self.status.set_exception(ConnectionError("closed before an answer"))
        if not self.closed.done():  # a cancelled run has stopped waiting for it
            self.closed.set_result(None)


class Viewer:
    """One SSE reader that reconnects as EventSource does (after the stream's
    ``retry: 1000``, sending Last-Event-ID); keeps, per ``end`` event, how late it came."""

    def __init__(self, lab: str, since: float) -> None:
        self.lab = lab
        self.since = since  # the students' logins before it are not measured
        self.outcome = "pending"
        self.latency: dict[str, float] = {}
        self.last_id: str | None = None
        self.gaps = 0
        self.reconnects = 0
        self.buffer = b""

    async def follow(self, port: int, answered: asyncio.Event) -> None:
        """The first answer decides whether this viewer counts as connected; a stream
        that ends later is reopened until the run is over."""
        self.outcome = await self._open(port, answered)
        while self.outcome == "connected":
            await asyncio.sleep(RETRY_SECONDS)
            self.reconnects += 1
            await self._open(port, None)

    async def _open(self, port: int, answered: asyncio.Event | None) -> str:
        loop = asyncio.get_running_loop()
        stream = _Stream(self, loop)
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(lambda: stream, HOST, port), CONNECT_SECONDS)
            transport.write(self._request())
            status = await stream.status
        except (OSError, asyncio.TimeoutError, ValueError) as exc:
            return f"error: {type(exc).__name__}"
        finally:
            if answered:
                answered.set()
        if status != 200:
            transport.close()
            return "refused (429)" if status == 429 else f"HTTP {status}"
        self.outcome = "connected"
        try:
            await stream.closed
        finally:
            transport.close()
        return "connected"

    def _request(self) -> bytes:
        """What EventSource sends (HTTP/1.1), resuming after the last event seen."""
        resume = f"Last-Event-ID: {self.last_id}\r\n" if self.last_id else ""
        return (f"GET /api/hooks/stream?lab={self.lab} HTTP/1.1\r\nHost: {HOST}\r\n"
                f"Accept: text/event-stream\r\nCache-Control: no-cache\r\n{resume}\r\n"
                ).encode()

    def feed(self, chunk: bytes, now: float) -> None:
        """Bytes read at ``now``; a message split across reads is kept until it ends."""
        self.buffer += chunk
        cut = self.buffer.rfind(b"\n\n")
        if cut >= 0:
            self._messages(b"\n\n" + self.buffer[:cut], now)
            self.buffer = self.buffer[cut + 2:]

    def _messages(self, block: bytes, now: float) -> None:
        """Complete messages, each after a blank line; only ``end`` events are decoded."""
        self.gaps += block.count(GAP)
        last = block.rfind(ID)
        if last >= 0:
            self.last_id = block[last + len(ID):block.index(b"\n", last + len(ID))].decode()
        at = block.find(END)
        while at >= 0:
            start = at + len(END)
            stop = block.find(b"\n", start)
            stop = len(block) if stop < 0 else stop
            event = json.loads(block[start:stop])
            # A replay after a reconnect never makes an event look earlier than it came.
            if event["time"] >= self.since:
                self.latency.setdefault(event["trace"], now - event["time"])
            at = block.find(END, stop)


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _viewers(conn, base: str, labs: list[str], since: float) -> None:
    loop = asyncio.get_running_loop()
    viewers = [Viewer(lab, since) for lab in labs]
    port = int(base.rsplit(":", 1)[1])
    flags = [asyncio.Event() for _ in viewers]
    tasks = [asyncio.create_task(v.follow(port, f)) for v, f in zip(viewers, flags)]
    try:
        await asyncio.wait_for(asyncio.gather(*(f.wait() for f in flags)),
                               CONNECT_SECONDS)
    except asyncio.TimeoutError:
        pass
    counts: dict[str, int] = {}
    for v in viewers:
        counts[v.outcome] = counts.get(v.outcome, 0) + 1
    # Measured: the viewers connected when the driver starts. One that connects
    # later is reported apart.
    counted = [v for v in viewers if v.outcome == "connected"]
    conn.send(counts)
    cpu0, wall0 = cpu_now(), time.monotonic()
    expected = await loop.run_in_executor(None, conn.recv)
    await _drain(counted, expected)
    cpu, wall = cpu_now() - cpu0, time.monotonic() - wall0
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    summary = _viewer_summary(counted, expected, cpu / wall)
    summary["late"] = sum(v.outcome == "connected" for v in viewers) - len(counted)
    conn.send(summary)


async def _drain(viewers: list[Viewer], answered: dict[str, int]) -> None:
    """Wait (at most DRAIN_SECONDS) until every live viewer has every end event."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        want = _expected(viewers, answered)
        if all(len(v.latency) >= want[v.lab] for v in viewers):
            return
        await asyncio.sleep(0.05)


def _expected(viewers: list[Viewer], answered: dict[str, int]) -> dict[str, int]:
    """Requests that ended in each lab: every one the driver got an answer to, and any
    other that a viewer saw end (one that answered after the driver gave up)."""
    seen: dict[str, set] = {}
    for v in viewers:
        seen.setdefault(v.lab, set()).update(v.latency)
    return {lab: max(len(traces), answered.get(lab, 0)) for lab, traces in seen.items()}


def _viewer_summary(viewers: list[Viewer], answered: dict[str, int], cpu: float) -> dict:
    want = _expected(viewers, answered)
    latencies, missing = [], 0
    for v in viewers:
        latencies.extend(v.latency.values())
        missing += max(0, want[v.lab] - len(v.latency))
    return {"latencies": latencies, "missing": missing,
            "gaps": sum(v.gaps for v in viewers),
            "reconnects": sum(v.reconnects for v in viewers),
            "cpu": cpu}


def viewers_process(conn, base: str, labs: list[str], since: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_viewers(conn, base, labs, since))
