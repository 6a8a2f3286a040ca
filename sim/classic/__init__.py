"""The classical textbook models, reached by configuration (``experiment=classic_*``).

``sbg``, ``clv``, ``paretonbd``, ``markov`` and ``bass`` are presets of the agent engine
(:mod:`sim.classic.presets`): ordinary engine fields, no weekly step of their own; their closed
forms are in :mod:`sim.analysis.clv`. ``bgnbd`` still has a weekly step of its own in
:data:`MODELS`, which :func:`sim.runner.simulation_class` picks by ``classic.model``.
"""

from __future__ import annotations

from sim.classic.base import ClassicSimulation
from sim.classic.bgnbd import BGNBDSimulation
from sim.engine import Simulation

__all__ = [
    "MODELS",
    "ClassicSimulation",
    "BGNBDSimulation",
]

#: Engine of each classical model with a weekly step of its own, by its ``classic.model`` name.
MODELS: dict[str, type[Simulation]] = {
    "bgnbd": BGNBDSimulation,
}
