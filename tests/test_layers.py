"""The package's layering: light modules stay light, and no module imports a higher layer.

Reading results, statistics and tables must not load the engine, its compiled loops (numba) or
SimPy; the layer order is the one of the package's structure (entry points on top, the config,
errors, files and results at the bottom).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numba", "simpy", "sim.engine", "sim.compiled")

# Top to bottom; a module may import its own layer or lower ones.
LAYERS = (
    ("sim.__main__", "sim.cli", "sim.calibrate", "sim.optimize", "sim.sensitivity", "sim.rundir", "sim.study"),
    ("sim.sweep", "sim.scenario"),
    ("sim.report",),
    ("sim.calibration",),
    ("sim.runner",),
    ("sim.classic",),
    ("sim.analysis",),
)


def _layer(module: str) -> int:
    """Index of ``module``'s layer (0 on top); ``len(LAYERS)`` for the engine and everything below it."""
    for i, names in enumerate(LAYERS):
        if any(module == n or module.startswith(n + ".") for n in names):
            return i
    return len(LAYERS)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every ``sim`` module ``path`` imports, at the top, in functions or under TYPE_CHECKING."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "sim")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "sim":
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)  # submodules (or names) imported
    return out


@pytest.mark.parametrize("module", ["sim", "sim.analysis.collect", "sim.analysis.stats", "sim.report.table"])
def test_light_modules_do_not_load_the_engine(module):
    code = f"import json, sys, {module}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_the_package_names_load_on_first_use():
    import sim

    assert sim.run.__module__ == "sim.runner" and sim.Simulation.__module__ == "sim.engine.simulation"
    assert set(sim.__all__) <= set(dir(sim)) and sim.__version__
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018


def test_no_upper_module_imports_a_higher_layer():
    upward = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        module = _module_name(path)
        if module == "sim" or _layer(module) == len(LAYERS):
            continue
        for target in _imports(path):
            if target == "sim" or _layer(target) < _layer(module):
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_no_import_cycle_among_the_upper_modules():
    modules = {_module_name(p): p for p in sorted((ROOT / "sim").rglob("*.py"))}
    upper = {m for m in modules if m != "sim" and _layer(m) < len(LAYERS)}
    graph = {m: {t for t in _imports(modules[m]) if t in upper and t != m} for m in upper}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return path[path.index(module):] + [module]
        if module in done:
            return None
        for target in sorted(graph[module]):
            cycle = visit(target, [*path, module])
            if cycle:
                return cycle
        done.add(module)
        return None

    assert [c for c in (visit(m, []) for m in sorted(upper)) if c] == []
