"""The classical textbook models, reached by configuration (``experiment=classic_*``).

``bass``, ``sbg``, ``clv``, ``paretonbd``, ``bgnbd`` and ``markov`` are presets of the agent
engine (:mod:`sim.classic.presets`): ordinary engine fields, no weekly step of their own; their
closed forms, the oracles the tests compare the engine with, are in :mod:`sim.analysis.clv` and
:mod:`sim.classic.contractual`/:mod:`sim.classic.markov`.
"""

from __future__ import annotations

from sim.classic.presets import PRESETS, configure

__all__ = ["PRESETS", "configure"]
