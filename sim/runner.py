"""Running a scenario: the engine for its model, and the paired run without a loyalty programme.

This sits above the engine and the classical models, so that the engine never looks up the
models built on it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from sim.classic import MODELS
from sim.config import Config, LoyaltyConfig
from sim.engine import Simulation
from sim.footprint import check_fits
from sim.results import RunResult

__all__ = ["run", "simulation_class"]


def simulation_class(cfg: Config) -> type[Simulation]:
    """The engine for ``cfg``: the full agent model, or its reduction to a classical model."""
    if cfg.classic.model == "none":
        return Simulation
    return MODELS[cfg.classic.model]


def run(cfg: Config, on_week: Callable[[int], None] | None = None) -> RunResult:
    """Validate ``cfg``, run it, and return the :class:`~sim.results.RunResult`.

    With a loyalty programme and ``loyalty.paired_baseline`` (the default), the same scenario is
    also run without the programme; the same seed gives both runs the same customers and the
    same luck, so ``profit - baseline profit`` is the programme's incremental profit with little
    noise. ``loyalty_roi`` is that increment over the programme's net cost.

    Raises
    ------
    ConfigError
        If the scenario's estimated peak memory exceeds the memory available
        (:func:`sim.footprint.check_fits`; ``output.allow_large`` overrides).
    """
    check_fits(cfg)
    result = simulation_class(cfg)(cfg).run(on_week)
    if cfg.loyalty.schemes and cfg.loyalty.paired_baseline:
        base_cfg = dataclasses.replace(cfg, loyalty=LoyaltyConfig(),
                                       output=dataclasses.replace(cfg.output, transactions=False))
        base = Simulation(base_cfg).run().summary
        incremental = result.summary["profit"] - base["profit"]
        cost = result.summary["loyalty_cost"]
        result.summary["loyalty_incremental_profit"] = incremental
        result.summary["loyalty_incremental_npv"] = result.summary["npv_profit"] - base["npv_profit"]
        roi = incremental / cost if cost > 0 else None
        # A cost of a few cents' fractions makes the ratio overflow: null, like no cost at all.
        result.summary["loyalty_roi"] = roi if roi is not None and math.isfinite(roi) else None
    return result
