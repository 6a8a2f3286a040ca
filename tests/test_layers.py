"""Light modules stay light: reading results, statistics and tables does not load the engine.

The layer order itself is an import-linter contract (``pyproject.toml``, run by ``make test``);
cycles and sizes are checked by ``tests/test_structure.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numba", "simpy", "sim.engine", "sim.compiled")

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
