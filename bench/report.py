"""How the benchmarks print a figure: a median with its spread, and the load average."""

from __future__ import annotations

import statistics


def spread(values: list[float], digits: int = 1) -> str:
    """``median (min-max)``."""
    return (f"{statistics.median(values):.{digits}f} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def fmt_load(load: tuple) -> str:
    return " ".join(f"{x:.2f}" for x in load)
