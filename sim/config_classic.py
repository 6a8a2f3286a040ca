"""Parameters of the classical textbook models (``experiment=classic_*``).

With ``classic.model`` other than ``none`` the engine runs the agent model reduced to that
textbook model (see ``sim/classic/``); its parameters live here under ``classic.*``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.params import _p

__all__ = ["CLASSIC_MODELS", "ClassicConfig"]

CLASSIC_MODELS = ("none",)


@dataclass
class ClassicConfig:
    """Parameters of the classical textbook models (``experiment=classic_*``)."""

    model: str = _p("none", choices=CLASSIC_MODELS)
