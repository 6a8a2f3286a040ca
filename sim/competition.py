"""Competitors and the customer's choice between them and the firm.

Each purchase occasion is a multinomial-logit choice among the firm and the rivals in the market
(McFadden 1974). A customer's utility of a firm is ``choice_sensitivity`` times the customer value
it offers (quality minus price, as in :func:`sim.behaviour.experienced_value`), plus
``switching_inertia`` for the firm the customer already buys from. The firm keeps the share

    P_firm = 1 / (1 + sum_k exp(V_k - V_firm))

of a customer's occasions. With no rival in the market the share is exactly 1, so the model
without competitors is the special case ``market.competitors = []``.
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

    def firm_share(
        self,
        week: int,
        firm_quality: float,
        firm_price_ratio: np.ndarray | float,
        quality_sensitivity: np.ndarray,
        price_sensitivity: np.ndarray,
        reference_price: float,
        choice_sensitivity: float,
        inertia: float,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Choice probability of the firm, and of each active rival, per customer.

        Parameters
        ----------
        firm_quality : float
            Mean of the firm's product and service quality (0-1 scale).
        firm_price_ratio : float or ndarray
            The firm's price paid over the reference price, per customer or for all.
        quality_sensitivity, price_sensitivity : ndarray
            The customers' sensitivities.
        inertia : float
            Utility bonus of the firm (switching inertia of its own customers; 0 for prospects).

        Returns
        -------
        firm : ndarray
            The firm's share of each customer's purchase occasions.
        rivals : ndarray of shape (n_active, n_customers) or None
            Each active rival's share (None when no rival is active).
        """
        act = self.active(week)
        if act.size == 0:
            return np.ones(np.shape(quality_sensitivity)), None
        firm_u = choice_sensitivity * (quality_sensitivity * firm_quality
                                       - price_sensitivity * (np.asarray(firm_price_ratio) - 1.0)) + inertia
        rival_u = choice_sensitivity * (
            quality_sensitivity[None, :] * self.quality[act, None]
            - price_sensitivity[None, :] * (self.prices[act, week, None] / reference_price - 1.0)
        )
        top = np.maximum(firm_u, rival_u.max(axis=0))  # subtract the maximum for a stable softmax
        e_firm = np.exp(firm_u - top)
        e_rivals = np.exp(rival_u - top)
        total = e_firm + e_rivals.sum(axis=0)
        return e_firm / total, e_rivals / total
