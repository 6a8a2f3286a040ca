"""customer-sim: an agent-based customer-lifecycle simulator for acquisition vs retention decisions.

Typical use::

    import sim
    scenario = sim.compose(["loyalty=points", "pricing=premium"])   # as python -m sim composes it
    result = sim.run(scenario)
    result.summary["npv_profit"]    # KPIs as in the README
    again = sim.load_run("outputs/2026-11-23/19-02-11")              # a finished run directory

The names below are imported on first use, so that importing a light module of the package
(reading results, statistics, tables) does not load the engine and its compiled loops.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

if sys.argv[:1] == ["-m"]:  # Python sets this while it loads the package to run ``python -m sim...``
    from sim import interrupts

    interrupts.hold()  # Ctrl-C during the imports: one line, no traceback; each command releases it

__all__ = ["Config", "ConfigError", "validate", "compose", "Simulation", "run", "RunResult", "load_run", "KPI_NAMES"]
__version__ = "0.1.0"

# Public name -> the module that defines it (and its name there, when it differs).
_EXPORTS = {
    "Config": "sim.config",
    "ConfigError": "sim.errors",
    "validate": "sim.config",
    "compose": "sim.scenario:compose_scenario",
    "Simulation": "sim.engine",
    "run": "sim.runner",
    "RunResult": "sim.results",
    "load_run": "sim.results",
    "KPI_NAMES": "sim.results",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module, _, attribute = _EXPORTS[name].partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
