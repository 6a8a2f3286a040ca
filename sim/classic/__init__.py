"""The classical textbook models as reductions of the agent model (``experiment=classic_*``).

Each engine is a :class:`~sim.engine.Simulation` whose weekly step is the textbook behaviour;
:func:`sim.runner.simulation_class` picks one from :data:`MODELS` by ``classic.model``.
"""

from __future__ import annotations

from sim.classic.base import ClassicSimulation
from sim.classic.bass import BassSimulation
from sim.classic.bgnbd import BGNBDSimulation
from sim.classic.clv import CLVSimulation
from sim.classic.markov import MarkovSimulation
from sim.classic.sbg import SBGSimulation
from sim.engine import Simulation

__all__ = [
    "MODELS",
    "ClassicSimulation",
    "BassSimulation",
    "SBGSimulation",
    "BGNBDSimulation",
    "CLVSimulation",
    "MarkovSimulation",
]

#: Engine of each classical model, by its ``classic.model`` name.
MODELS: dict[str, type[Simulation]] = {
    "bass": BassSimulation,
    "sbg": SBGSimulation,
    "bgnbd": BGNBDSimulation,
    "clv": CLVSimulation,
    "markov": MarkovSimulation,
}
