"""A wheel install serves the page: its files ship inside the package.

Builds the wheel from this checkout, installs it (no dependencies) into a fresh
virtualenv that borrows the dev virtualenv's installed dependencies through a ``.pth``
line (so nothing is downloaded), then runs ``flask --app statelab run`` from an empty
folder and fetches the page and a module. About 10 s.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import requests

from .helpers import free_port

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, **kwargs) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60,
                          **kwargs).stdout


def fresh_venv(folder: Path) -> Path:
    venv.create(folder, with_pip=False)
    python = folder / "bin" / "python"
    site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
                .strip())
    # The dependencies (Flask, Flask-Session, ...) from the dev virtualenv; its
    # editable statelab is a .pth hook there, which a plain path line does not run.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python


def source_copy(folder: Path) -> Path:
    """What the wheel is built from, copied: a build writes build/ beside its source."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "instance")
    for part in ("pyproject.toml", "setup.py"):
        shutil.copy2(ROOT / part, folder / part)
    for part in ("backend", "frontend"):
        shutil.copytree(ROOT / part, folder / part, ignore=ignore)
    return folder


def test_a_wheel_install_serves_the_page(tmp_path):
    wheels = tmp_path / "wheels"
    source = source_copy(tmp_path)
    # Built as `pip install .` builds: in isolation, with the build-system requirements
    # pyproject.toml names (from pip's cache, or the package index).
    run(sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
        "-q", "-w", str(wheels))
    (wheel,) = wheels.glob("statelab-*.whl")
    python = fresh_venv(tmp_path / "venv")
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
        str(wheel))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(str(python), "-c", "import statelab.config as c; print(c.frontend_folder())",
                cwd=elsewhere).strip()
    assert where.startswith(str(tmp_path / "venv")), where  # the installed copy, not ours
    assert not (Path(where) / "tests").exists()  # the page's tests stay out of the wheel

    port = free_port()
    env = {**os.environ, "STATELAB_INSTANCE_PATH": str(tmp_path / "instance")}
    server = subprocess.Popen(
        [str(python), "-m", "flask", "--app", "statelab", "run", "--port", str(port)],
        cwd=elsewhere, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                page = requests.get(f"{base}/", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the installed app did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and "<title>Flask State Lab</title>" in page.text
        module = requests.get(f"{base}/static/main.js", timeout=5)
        assert module.status_code == 200 and "javascript" in module.headers["Content-Type"]
        assert "import" in module.text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
