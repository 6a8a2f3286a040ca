"""Competitors: the rivals of a scenario, their quality, advertising, entry and prices week by week.

The customer's choice between them and the firm is a rule of :mod:`sim.behaviour.choice`, applied
by :mod:`sim.kernels.choice`. With no rival in the market the firm's share is exactly 1, so the
model without competitors is the special case ``market.competitors = []``.
"""

from __future__ import annotations

import numpy as np

from sim.config import Competitor

__all__ = ["Competition"]


class Competition:
    """The rivals of a scenario, with their prices week by week.

    Parameters
    ----------
    competitors : list of Competitor
        The rivals (may be empty).
    weeks : int
        Length of the run.
    """

    def __init__(self, competitors: list[Competitor], weeks: int):
        self.names = [c.name for c in competitors]
        k = len(competitors)
        self.quality = np.array([(c.product_quality + c.service_quality) / 2 for c in competitors], dtype=np.float64)
        self.advertising = np.array([c.advertising_per_week for c in competitors], dtype=np.float64)
        self.entry = np.array([c.entry_week for c in competitors], dtype=np.int64)
        # Price of each rival in each week, scheduled changes applied.
        self.prices = np.empty((k, weeks))
        for i, comp in enumerate(competitors):
            self.prices[i] = comp.price
            for change in sorted(comp.price_changes, key=lambda ch: ch.week):
                self.prices[i, change.week:] = change.list_price

    def __len__(self) -> int:
        return len(self.names)

    def active(self, week: int) -> np.ndarray:
        """Indices of rivals in the market in ``week``."""
        return np.flatnonzero(self.entry <= week)

    def price(self, name: str, week: int) -> float | None:
        """Price of rival ``name`` in ``week`` (None before it enters)."""
        i = self.names.index(name)
        if week < 0 or self.entry[i] > week:
            return None
        return float(self.prices[i, week])

    def share_of_voice(self, week: int, budget: float) -> float:
        """The firm's share of all advertising this week (1 when nobody advertises)."""
        rivals = float(self.advertising[self.active(week)].sum())
        total = budget + rivals
        return budget / total if total > 0 else 1.0
