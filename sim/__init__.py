"""customer-sim: an agent-based customer-lifecycle simulator for acquisition vs retention decisions.

Typical use::

    from sim import Config, run
    result = run(Config())          # the default scenario
    result.summary["npv_profit"]    # KPIs as in DESIGN.md
"""

from sim.config import Config, ConfigError, validate
from sim.engine import Simulation
from sim.results import KPI_NAMES, RunResult
from sim.runner import run

__all__ = ["Config", "ConfigError", "validate", "Simulation", "run", "RunResult", "KPI_NAMES"]
__version__ = "0.1.0"
