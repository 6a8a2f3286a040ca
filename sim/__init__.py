"""customer-sim: an agent-based customer-lifecycle simulator for acquisition vs retention decisions.

Typical use::

    from sim import Config, run
    result = run(Config())          # the default scenario
    result.summary["npv_profit"]    # KPIs as in the README

The names below are imported on first use, so that importing a light module of the package
(reading results, statistics, tables) does not load the engine and its compiled loops.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Config", "ConfigError", "validate", "Simulation", "run", "RunResult", "KPI_NAMES"]
__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "Config": "sim.config",
    "ConfigError": "sim.errors",
    "validate": "sim.config",
    "Simulation": "sim.engine",
    "run": "sim.runner",
    "RunResult": "sim.results",
    "KPI_NAMES": "sim.results",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
