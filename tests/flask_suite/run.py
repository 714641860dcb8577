#!/usr/bin/env python3
"""Flask's own test suite, for the installed Flask, without and with the tracer.

Downloads Flask's sdist (the installed version) into ``.cache/flask-suite/``, with the
pytest its lock file names (put first on ``PYTHONPATH``, so the project's own pytest is
untouched), runs the suite twice, side by side: plainly, and with ``StateLabTrace`` on
every app it builds (``trace_every_app.py``). Fails when a test that passes without the tracer does
not pass with it. Prints the pass counts and the CPU time of both runs.

    .venv/bin/python tests/flask_suite/run.py      (or: make test-flask-suite)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE.parents[1] / ".cache" / "flask-suite"


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True)


def prepare() -> tuple[Path, Path]:
    """The unpacked sdist and the directory with its pytest."""
    flask_version = version("flask")
    source = CACHE / f"flask-{flask_version}"
    if not (source / "tests").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        _pip("download", "--no-binary", ":all:", "--no-deps", f"flask=={flask_version}",
             "-d", str(CACHE))
        with tarfile.open(CACHE / f"flask-{flask_version}.tar.gz") as sdist:
            sdist.extractall(CACHE, filter="data")
    lock = (source / "uv.lock").read_text()
    pins = re.findall(r'name = "pytest"\nversion = "([^"]+)"', lock)
    pytest_version = pins[-1] if pins else version("pytest")
    pylib = CACHE / f"pytest-{pytest_version}"
    if not (pylib / "pytest").is_dir():
        _pip("install", "--no-deps", "--target", str(pylib), f"pytest=={pytest_version}",
             "python-dotenv")
    return source, pylib


def start(source: Path, pylib: Path, traced: bool) -> tuple[subprocess.Popen, Path]:
    """One run of the suite, started; its JUnit report's path."""
    report = CACHE / f"report-{'traced' if traced else 'plain'}.xml"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(pylib), str(HERE)])}
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            f"--junitxml={report}", "tests"]
    if traced:
        args[3:3] = ["-p", "trace_every_app"]
    return subprocess.Popen(args, cwd=source, env=env, stdout=subprocess.DEVNULL), report


def finish(run: tuple[subprocess.Popen, Path]) -> tuple[dict[str, str], float]:
    """Each test's outcome (passed, failed, error, skipped) and the run's CPU seconds."""
    process, report = run
    _, status, usage = os.wait4(process.pid, 0)  # reaped here, with its own rusage
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[name] = next((k for k in ("failure", "error", "skipped") if k in kinds),
                              "passed")
    return outcomes, cpu


def main() -> int:
    source, pylib = prepare()
    # Side by side (each is one process): the CPU time is each run's own.
    runs = [start(source, pylib, traced) for traced in (False, True)]
    (plain, plain_cpu), (traced, traced_cpu) = map(finish, runs)
    count = lambda outcomes: sum(v == "passed" for v in outcomes.values())  # noqa: E731
    print(f"Flask {version('flask')} test suite: without the tracer {count(plain)} passed "
          f"of {len(plain)}, with it {count(traced)} passed of {len(traced)}; CPU "
          f"{plain_cpu:.1f} s vs {traced_cpu:.1f} s (x{traced_cpu / plain_cpu:.2f})")
    broken = sorted(name for name, outcome in plain.items()
                    if outcome == "passed" and traced.get(name) != "passed")
    for name in broken:
        print(f"passes without the tracer, not with it: {name}")
    return 1 if broken or not plain else 0


if __name__ == "__main__":
    sys.exit(main())
