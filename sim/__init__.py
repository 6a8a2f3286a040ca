"""customer-sim: an agent-based customer-lifecycle simulator for acquisition vs retention decisions.

Typical use::

    from sim import Config, run
    result = run(Config())          # the default scenario
    result.summary["npv_profit"]    # KPIs as in DESIGN.md
"""

from sim.config import Config, ConfigError, validate
from sim.engine import Simulation, run
from sim.record import KPI_NAMES, RunResult

__all__ = ["Config", "ConfigError", "validate", "Simulation", "run", "RunResult", "KPI_NAMES"]
__version__ = "0.1.0"
