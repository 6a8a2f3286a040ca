"""The classical textbook models, reached by configuration (``experiment=classic_*``).

``sbg``, ``clv``, ``paretonbd``, ``bgnbd`` and ``markov`` are presets of the agent engine
(:mod:`sim.classic.presets`): ordinary engine fields, no weekly step of their own. ``bass``
still has a weekly step of its own in :data:`MODELS`, which :func:`sim.runner.simulation_class`
picks by ``classic.model``.
"""

from __future__ import annotations

from sim.classic.base import ClassicSimulation
from sim.classic.bass import BassSimulation
from sim.engine import Simulation

__all__ = [
    "MODELS",
    "ClassicSimulation",
    "BassSimulation",
]

#: Engine of each classical model with a weekly step of its own, by its ``classic.model`` name.
MODELS: dict[str, type[Simulation]] = {
    "bass": BassSimulation,
}
