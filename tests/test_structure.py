"""The package's structure, checked: no import cycles, and modules and functions of a readable size.

Limits (docs/architecture.md): no module over 400 lines; no function over 60 lines; no function
with more than 8 parameters except the compiled loops, which take every array they touch (the
Python functions in front of them group parameters into small records). The layer order is an
import-linter contract (``pyproject.toml``), run with ruff by ``make test``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("sim", "benchmarks")
MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_PARAMETERS = 400, 60, 8


def _sources():
    for folder in CHECKED:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _compiled(node: ast.FunctionDef) -> bool:
    """Whether ``node`` is compiled by numba (``@njit(...)`` or a rule decorator made from it)."""
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if getattr(target, "id", "") in ("njit", "_rule"):
            return True
    return False


def _parameters(node: ast.FunctionDef) -> int:
    a = node.args
    names = [*a.posonlyargs, *a.args, *a.kwonlyargs]
    n = len(names) + bool(a.vararg) + bool(a.kwarg)
    return n - (names[:1] != [] and names[0].arg in ("self", "cls"))


def test_modules_and_functions_stay_small():
    over = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        if text.count("\n") > MAX_MODULE_LINES:
            over.append(f"{where}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                over.append(f"{where}:{node.lineno} {node.name}: {length} lines")
            if _parameters(node) > MAX_PARAMETERS and not _compiled(node):
                over.append(f"{where}:{node.lineno} {node.name}: {_parameters(node)} parameters")
    assert over == []


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("sim", include_external_packages=False)


def test_no_import_cycles(graph):
    """No module imports, directly or through others, a module that imports it (imports inside
    functions and under TYPE_CHECKING count)."""
    cycles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module and graph.chain_exists(importer=imported, imported=module):
                cycles.add(tuple(sorted((module, imported))))
    # A package's __init__ importing its own modules, which import their siblings through it, is
    # not a cycle of design; everything else is.
    cycles = {c for c in cycles if not any(c[i] == c[1 - i].rsplit(".", 1)[0] for i in (0, 1))}
    assert sorted(cycles) == []
