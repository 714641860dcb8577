"""The repository holds sources only: what `make` builds (the virtualenvs, node_modules)
is never tracked, not even as a symlink a worktree made to another checkout's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILT = (".venv", ".venv-httpbin", "node_modules")


def tracked() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.splitlines()


def test_nothing_make_builds_is_tracked_and_no_symlink_is():
    entries = [line.split(maxsplit=3) for line in tracked()]
    assert [path for mode, *_, path in entries if mode == "120000"] == []
    assert [path for *_, path in entries if path.split("/")[0] in BUILT] == []


def test_gitignore_ignores_what_make_builds_as_a_folder_or_a_link():
    for name in BUILT:
        ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", name], cwd=ROOT)
        assert ignored.returncode == 0, name
