"""No function in backend/ longer than 60 lines (Python) or in frontend/ longer than 80
(JavaScript, read by acorn, tests/js_function_lengths.mjs), unless ALLOWED says why.
A long function is a sign that it holds more than one concern: split it, or name the
reason here."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMITS = {"py": 60, "js": 80}
# "path:qualified name" of a function allowed past its limit -> why. Empty: none is.
ALLOWED: dict[str, str] = {}


def python_functions(path: Path):
    """(qualified name, first line, lines) of each function and method, nested ones too."""
    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                yield name, child.lineno, child.end_lineno - child.lineno + 1
                yield from walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, prefix + child.name + ".")
            else:
                yield from walk(child, prefix)
    yield from walk(ast.parse(path.read_text(), str(path)), "")


def js_functions(paths: list[Path]) -> dict[str, list[dict]]:
    node, acorn = shutil.which("node"), ROOT / "node_modules" / "acorn"
    if node is None or not acorn.is_dir():
        pytest.fail("the JavaScript check needs node and acorn: run `make node`")
    out = subprocess.run([node, "tests/js_function_lengths.mjs",
                          *(str(path.relative_to(ROOT)) for path in paths)], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return json.loads(out)


def too_long(found, limit: int) -> list[str]:
    return [f"{where}: {lines} lines (limit {limit})" for where, lines in found
            if lines > limit and where.split(" ")[0] not in ALLOWED]


def test_no_python_function_is_over_60_lines():
    found = [(f"{path.relative_to(ROOT)}:{name} line {line}", lines)
             for path in sorted((ROOT / "backend").rglob("*.py"))
             for name, line, lines in python_functions(path)]
    assert found, "no Python function read"
    assert too_long(found, LIMITS["py"]) == []


def test_no_javascript_function_is_over_80_lines():
    paths = sorted((ROOT / "frontend").rglob("*.js"))
    found = [(f"{file}:{f['name']} line {f['line']}", f["lines"])
             for file, functions in js_functions(paths).items() for f in functions]
    assert found, "no JavaScript function read"
    assert too_long(found, LIMITS["js"]) == []


def test_every_allowed_exception_names_a_function_and_says_why():
    for where, why in ALLOWED.items():
        assert ":" in where and why.strip(), where
