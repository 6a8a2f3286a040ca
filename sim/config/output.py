"""What a run writes besides the weekly series and the summary."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.fields import _p

__all__ = ["OutputConfig"]


@dataclass
class OutputConfig:
    """What a run writes.

    Attributes
    ----------
    transactions : bool
        Write ``transactions.parquet`` (one row per customer and week with a purchase).
    plots : bool
        Draw the standard plots into ``plots/``.
    cohort_weeks : int
        Width of an acquisition cohort in weeks.
    allow_large : bool
        Run even when the estimated peak memory (:mod:`sim.footprint`, an upper bound) exceeds
        the memory available; changes no result.
    """

    transactions: bool = False
    plots: bool = True
    cohort_weeks: int = _p(13, ge=1)
    allow_large: bool = False

