"""Running a scenario: the engine for its model, and the paired run without a loyalty programme.

This sits above the engine and the classical models, so that the engine never looks up the
models built on it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.classic import MODELS
from sim.classic.presets import configure
from sim.config import Config, LoyaltyConfig
from sim.engine import KnownCustomers, Simulation
from sim.errors import ConfigError
from sim.footprint import check_fits
from sim.results import RunResult
from sim.scenario import FIRM_CUSTOMERS

__all__ = ["run", "simulation_class", "known_customers", "FIRM_COLUMNS"]

#: Columns of a calibrated firm's customers.parquet, in the order of :class:`KnownCustomers`.
FIRM_COLUMNS = ("p_alive", "rate_shape", "rate_rate", "dropout_shape", "dropout_rate", "weeks_since_purchase",
                "spend_per_purchase")


def known_customers(cfg: Config) -> KnownCustomers | None:
    """The calibrated firm's customers of ``cfg.firm`` (None without a firm), checked against the scenario.

    Raises
    ------
    ConfigError
        When the file is missing or damaged, or the scenario does not fit it (number of
        customers, dropout as a Gamma hazard).
    """
    if not cfg.firm:
        return None
    import pandas as pd

    path = Path(cfg.firm) / FIRM_CUSTOMERS
    try:
        frame = pd.read_parquet(path, columns=list(FIRM_COLUMNS))
    except Exception as err:  # missing file, damaged Parquet or missing columns: all one message
        raise ConfigError("firm", cfg.firm, f"a calibrated firm's directory whose {FIRM_CUSTOMERS} has the columns "
                          f"{', '.join(FIRM_COLUMNS)} ({type(err).__name__}: {str(err).splitlines()[0]})") from None
    arrays = [frame[c].to_numpy(dtype=np.float64) for c in FIRM_COLUMNS]
    if not all(np.isfinite(a).all() for a in arrays):
        raise ConfigError("firm", cfg.firm, f"a calibrated firm whose {FIRM_CUSTOMERS} has finite values only")
    if len(frame) != cfg.customers.initial:
        raise ConfigError("customers.initial", cfg.customers.initial,
                          f"{len(frame)}, the number of customers of firm {cfg.firm!r}")
    if cfg.customers.churn_propensity != "gamma_hazard":
        raise ConfigError("customers.churn_propensity", cfg.customers.churn_propensity,
                          f"'gamma_hazard' with firm {cfg.firm!r} (its customers' dropout is a weekly hazard)")
    return KnownCustomers(*arrays)


def simulation_class(cfg: Config) -> type[Simulation]:
    """The engine for ``cfg``: the agent model, or a classical model not yet a preset of it."""
    return MODELS.get(cfg.classic.model, Simulation)


def run(cfg: Config, on_week: Callable[[int], None] | None = None) -> RunResult:
    """Validate ``cfg``, run it, and return the :class:`~sim.results.RunResult`.

    With a loyalty programme and ``loyalty.paired_baseline`` (the default), the same scenario is
    also run without the programme; the same seed gives both runs the same customers and the
    same luck, so ``profit - baseline profit`` is the programme's incremental profit with little
    noise. ``loyalty_net_roi`` is that increment over the programme's net cost: a net ROI,
    ``(incremental margin - programme cost) / programme cost``, since the increment is net of the
    cost (the points liability at the horizon included, expensed as points were earned).

    Raises
    ------
    ConfigError
        If the scenario's estimated peak memory exceeds the memory available
        (:func:`sim.footprint.check_fits`; ``output.allow_large`` overrides).
    """
    cfg = configure(cfg)  # a classical model's preset, if it has one
    check_fits(cfg)
    known = known_customers(cfg)
    cls = simulation_class(cfg)
    result = (Simulation(cfg, known) if known is not None else cls(cfg)).run(on_week)
    if cfg.loyalty.schemes and cfg.loyalty.paired_baseline:
        base_cfg = dataclasses.replace(cfg, loyalty=LoyaltyConfig(),
                                       output=dataclasses.replace(cfg.output, transactions=False))
        base = Simulation(base_cfg, known).run().summary
        incremental = result.summary["profit"] - base["profit"]
        cost = result.summary["loyalty_cost"]
        result.summary["loyalty_incremental_profit"] = incremental
        result.summary["loyalty_incremental_npv"] = result.summary["npv_profit"] - base["npv_profit"]
        roi = incremental / cost if cost > 0 else None
        # A cost of a few cents' fractions makes the ratio overflow: null, like no cost at all.
        result.summary["loyalty_net_roi"] = roi if roi is not None and math.isfinite(roi) else None
    return result
