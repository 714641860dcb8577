"""The two distributions this checkout builds: ``statelab-trace`` (tracer/, the tracer
and its page, needing Flask only) and ``statelab`` (the playground, needing it).

A wheel install of the playground serves its page: both wheels are built from a copy of
the checkout and installed (no dependencies) into a fresh virtualenv that borrows the
dev virtualenv's installed dependencies through a ``.pth`` line, then
``flask --app statelab run`` runs from an empty folder. The tracer alone is installed
with its dependencies, as pip resolves them, into a fresh virtualenv of its own.
About 20 s.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import json
import re
import venv
from pathlib import Path

import pytest
import requests

from .helpers import free_port

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, **kwargs) -> str:
    # Builds and installs: minutes on a busy machine, bounded all the same.
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=600,
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
    """What the wheels are built from, copied: a build writes build/ beside its source."""
    folder.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "instance")
    for part in ("pyproject.toml", "setup.py"):
        shutil.copy2(ROOT / part, folder / part)
    for part in ("backend", "frontend", "tracer"):
        shutil.copytree(ROOT / part, folder / part, ignore=ignore)
    return folder


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """Built as `pip install ./tracer .` builds: in isolation, with the build-system
    requirements each pyproject.toml names (from pip's cache, or the package index)."""
    folder = tmp_path_factory.mktemp("build")
    wheels = folder / "wheels"
    source = source_copy(folder / "source")
    run(sys.executable, "-m", "pip", "wheel", str(source / "tracer"), str(source),
        "--no-deps", "-q", "-w", str(wheels))
    return {w.name.split("-")[0]: w for w in wheels.glob("*.whl")}


def flask_and_its_dependencies() -> set[str]:
    """Flask's own requirements, all the way down, as this venv's metadata says."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    names, todo = set(), ["flask"]
    while todo:
        name = todo.pop()
        if name in names:
            continue
        names.add(name)
        for line in requires(name) or ():
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name.lower().replace("_", "-"))
    return names


PLAYGROUND_ONLY = ("statelab", "redis", "gevent", "flask_limiter", "flask_session",
                   "flask_compress", "flask_cors", "cachelib", "gunicorn")


def imported(python: str, cwd: Path) -> set[str]:
    """The top-level modules `import statelab_trace` imports (python -X importtime)."""
    err = subprocess.run([python, "-X", "importtime", "-c", "import statelab_trace"],
                         check=True, capture_output=True, text=True, cwd=cwd).stderr
    return {m.group(1).split(".")[0]
            for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", err, re.M)}


def test_the_tracer_alone_installs_flask_only_and_imports_nothing_of_the_playground(
        tmp_path, wheels):
    python = tmp_path / "alone" / "bin" / "python"
    venv.create(tmp_path / "alone", with_pip=False)
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
        str(wheels["statelab_trace"]))
    listed = json.loads(run(sys.executable, "-m", "pip", "--python", str(python), "list",
                            "--format", "json"))
    names = {p["name"].lower().replace("_", "-") for p in listed}
    assert names == flask_and_its_dependencies() | {"statelab-trace"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The installed tracer, and the checkout's beside the whole playground's dependencies.
    for interpreter in (str(python), sys.executable):
        modules = imported(interpreter, elsewhere)
        assert "statelab_trace" in modules and "flask" in modules
        assert not modules & set(PLAYGROUND_ONLY), (interpreter, modules & set(PLAYGROUND_ONLY))
    page = run(str(python), "-c", "from statelab_trace.page import page_folder as f; "
               "import os; print(sorted(os.listdir(f())))", cwd=elsewhere)
    assert "trace.html" in page and "waterfall.js" in page and "index.html" not in page


def test_make_run_installs_no_test_tools():
    """`make run`'s virtualenv: the tracer and the playground, no extra; `make test`
    adds the `test` extra."""
    printed = run("make", "-n", "-B", "-C", str(ROOT), ".venv/.installed",
                  ".venv/.test-installed")
    installs = re.findall(r"pip install -q (-e .*)", printed)
    assert installs[0].strip() == "-e ./tracer -e .", printed
    assert installs[1].strip() == "-e ./tracer -e '.[test]'", printed


def test_the_playground_needs_no_test_tool_to_run(tmp_path):
    """What `pip install ./tracer .` resolves to (pip's dry run, nothing installed)."""
    source = source_copy(tmp_path / "source")
    report = json.loads(run(sys.executable, "-m", "pip", "install", "--dry-run", "-q",
                            "--ignore-installed", "--report", "-",
                            str(source / "tracer"), str(source)))
    names = {item["metadata"]["name"].lower() for item in report["install"]}
    assert {"statelab", "statelab-trace", "flask", "flask-session"} <= names
    assert not names & {"pytest", "schemathesis", "hypothesis", "requests-mock"}, names


def test_a_wheel_install_serves_the_page(tmp_path, wheels):
    python = fresh_venv(tmp_path / "venv")
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
        str(wheels["statelab"]), str(wheels["statelab_trace"]))
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
