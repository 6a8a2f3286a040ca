"""What a run writes besides the weekly series and the summary."""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.fields import Checked, _p

__all__ = ["OutputConfig"]


@dataclass
class OutputConfig(Checked):
    """What a run writes.

    Attributes
    ----------
    transactions : bool
        Write ``transactions.parquet`` (one row per customer and week with a purchase).
    plots : bool or None
        Draw the standard plots into ``plots/``; None (the default) draws them for a single run
        and not for the runs of a sweep (``output.plots=true`` draws them there too).
    cohort_weeks : int
        Width of an acquisition cohort in weeks.
    start_date : str
        Calendar date of week 0, ``YYYY-MM-DD``: week ``w`` of the run is the 7 days from
        ``start_date + 7 w`` (the ``date`` column of ``transactions.parquet``).
    currency : str
        Symbol or code written with money amounts in the run's summary and its report (e.g.
        ``"$"``, ``"EUR "``); empty for plain currency units. It changes no number.
    allow_large : bool
        Run even when the estimated peak memory (:mod:`sim.footprint`, an upper bound) exceeds
        the memory available; changes no result.
    """

    transactions: bool = False
    plots: bool | None = None
    cohort_weeks: int = _p(13, ge=1)
    start_date: str = "2024-01-01"
    currency: str = ""
    allow_large: bool = False

