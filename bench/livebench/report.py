"""How a run is printed: one row per class, the page's cost, the noise, the last line."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from bench.livebench.settings import (
    ACTIONS, CLIENT_CPU_LIMIT, DRAIN_SECONDS, NOISE_CPU_LIMIT, RATE, SECONDS, SETUPS,
    STUDENTS, UNCAPPED, VIEWER_PROCESSES, WORKER_ARGS)


@dataclass
class Result:
    setup: str
    viewers: int
    labs: int
    outcomes: dict
    drive: dict
    seen: dict
    server_cpu: float
    others_cpu: float
    notes: list = field(default_factory=list)

    @property
    def connected(self) -> int:
        return self.outcomes.get("connected", 0)

    def percentile(self, q: float) -> float:
        """Over every (viewer, end event) pair; a missing delivery counts as infinite."""
        values = sorted(self.seen["latencies"])
        total = len(values) + self.seen["missing"]
        if not total:
            return math.nan
        rank = max(0, math.ceil(q / 100 * total) - 1)
        return values[rank] * 1000 if rank < len(values) else math.inf


def merge_seen(parts: list[dict]) -> dict:
    """The viewer processes' summaries as one; ``cpu`` is the busiest process's (the
    one that may hold its viewers back), ``cpu_total`` all of theirs."""
    return {"latencies": [x for part in parts for x in part["latencies"]],
            **{key: sum(part[key] for part in parts)
               for key in ("missing", "gaps", "reconnects", "late")},
            "cpu": max(part["cpu"] for part in parts),
            "cpu_total": sum(part["cpu"] for part in parts)}


def setup_name(setup: str) -> str:
    if setup == "embedded":
        return "embedded (python -m statelab, Werkzeug threaded)"
    return f"redis (gunicorn {' '.join(WORKER_ARGS)})"


def ms(value: float) -> str:
    if math.isinf(value):
        return f">{DRAIN_SECONDS * 1000}"
    return "-" if math.isnan(value) else f"{value:.0f}"


def p99(seconds: list[float]) -> float:
    """In ms; NaN for none."""
    if not seconds:
        return math.nan
    return sorted(seconds)[max(0, math.ceil(0.99 * len(seconds)) - 1)] * 1000


def print_row(r: Result) -> None:
    answered = sum(r.drive["answered"].values())
    refused = r.outcomes.get("refused (429)", 0)
    other = {k: n for k, n in r.outcomes.items() if k not in ("connected", "refused (429)")}
    delivered = len(r.seen["latencies"])
    expected = delivered + r.seen["missing"]
    print(f"{r.setup:<8} {r.viewers:>4}/{r.labs:<3} {r.connected:>5}/{r.viewers:<4} "
          f"{refused:>4} {ms(r.percentile(50)):>6} {ms(r.percentile(95)):>6} "
          f"{ms(r.percentile(99)):>6} {delivered:>7}/{expected:<7} "
          f"{answered:>4}/{r.drive['sent']:<4} {ms(p99(r.drive['latencies'])):>6} "
          f"{ms(p99(r.drive['logins'])):>6} "
          f"{r.seen['cpu'] * 100:>4.0f}% {r.drive['cpu'] * 100:>4.0f}% "
          f"{r.server_cpu * 100:>4.0f}% {r.others_cpu * 100:>5.0f}%", flush=True)
    for name, n in other.items():
        print(f"         {n} viewer(s): {name}"
              + (" (no answer within 10 s)" if name == "pending" else ""), flush=True)
    for status, n in r.drive["bad"].items():
        print(f"         {n} request(s) answered HTTP {status}", flush=True)
    if r.seen["gaps"]:
        print(f"         {r.seen['gaps']} gap message(s): events pushed out before sent",
              flush=True)
    if r.seen["late"]:
        print(f"         {r.seen['late']} viewer(s) connected only after the driver "
              "started (not measured)", flush=True)
    if r.seen["reconnects"]:
        print(f"         {r.seen['reconnects']} reconnection(s): streams the server ended",
              flush=True)
    for note in r.notes:
        print(f"         {note}", flush=True)


def print_header() -> None:
    print(f"statelab live viewers: {RATE:.0f} requests/s for {SECONDS:.0f} s per class "
          f"from {STUDENTS} students (one login in {len(ACTIONS)}, comments, state), "
          f"{' '.join(f'{k}={v}' for k, v in UNCAPPED.items())}; latency = request end "
          f"-> viewer, in ms; >{DRAIN_SECONDS * 1000} = not received {DRAIN_SECONDS} s "
          f"after the driver stopped", flush=True)
    for setup in SETUPS:
        print(f"  {setup}: {setup_name(setup)}", flush=True)
    print(f"CPUs: {os.cpu_count()}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; columns: reqp99/login = p99 of "
          f"the driver's other requests and of its logins (scrypt), in ms; view/drive/"
          f"server/others = CPU used by the busiest of {VIEWER_PROCESSES} viewer processes, "
          f"the driver, the server (with redis-server) and everything else on the "
          f"machine (% of one CPU)", flush=True)
    print(f"\n{'setup':<8} {'viewers':>8} {'connected':>10} {'429':>4} {'p50':>6} "
          f"{'p95':>6} {'p99':>6} {'delivered':>15} {'answered':>9} {'reqp99':>6} "
          f"{'login':>6} {'view':>5} {'drive':>5} {'server':>5} {'others':>6}", flush=True)


def print_page(page: dict) -> None:
    print(f"\npage cost (embedded, chromium): {page['events']} events in "
          f"{page['seconds']:.1f} s ({page['requests']} requests), page caught up "
          f"{page['lag_ms']:.0f} ms after the last; longest main-thread task "
          f"{page['longest_task_ms']:.0f} ms; tasks over 50 ms: {page['long_tasks']} "
          f"(total {page['long_total_ms']:.0f} ms); the page shows "
          f"{page['rows']!r}", flush=True)


def print_noise(results: list[Result], load_before: tuple) -> None:
    """Say when the figures cannot be trusted: a busy machine, or a busy client."""
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}  after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    # Not the load average during the run: a threaded server's own 500 threads count
    # in it. What other processes used is measured per class instead.
    others = max(r.others_cpu for r in results)
    if load_before[0] > 1.0 or others > NOISE_CPU_LIMIT:
        print(f"WARNING: noisy run (load average {load_before[0]:.1f} before; other "
              f"processes used up to {others * 100:.0f}% of a CPU during a class): they "
              f"competed with the server; rerun on a quiet machine to trust the "
              f"latencies.", flush=True)
    busy = [r for r in results if max(r.seen["cpu"], r.drive["cpu"]) > CLIENT_CPU_LIMIT]
    for r in busy:
        print(f"WARNING: {r.setup} {r.viewers}/{r.labs}: the client used "
              f"{max(r.seen['cpu'], r.drive['cpu']) * 100:.0f}% of a CPU; it may be what "
              f"limited the run.", flush=True)


def print_last(results: list[Result]) -> None:
    big = [r for r in results if r.viewers == 500 and r.labs == 1]
    if not big:
        print("no 500-viewer class was measured", flush=True)
        return
    best = min(big, key=lambda r: (r.connected < r.viewers, r.percentile(99)))
    print(f"p99 at 500 viewers of one lab, best setup measured ({best.setup}, "
          f"{best.connected}/500 connected): {ms(best.percentile(99))} ms", flush=True)
