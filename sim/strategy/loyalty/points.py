"""Points scheme: members earn points with spend and redeem them for rewards.

Points are whole numbers so that ``issued = redeemed + expired + outstanding`` holds exactly.
A member holding at least ``threshold`` points redeems, with ``redemption_prob`` per week, every
full block of points for rewards costing the firm ``reward_value`` each. Points lapse after
``expiry_weeks`` without earning, which is where breakage comes from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import CHURNED
from sim.strategy.loyalty.base import SchemeBase

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import PointsConfig
    from sim.engine import Simulation

__all__ = ["PointsScheme"]


class PointsScheme(SchemeBase):
    """Earn-and-burn points.

    Parameters
    ----------
    params : PointsConfig
        Earn rate (points per currency unit), threshold, reward value (currency units),
        redemption probability per week, expiry (weeks) and purchase uplift.
    """

    name = "points"

    def __init__(self, params: "PointsConfig"):
        self.params = params

    def purchase_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray:
        return np.where(sim.pop.member[rows], 1.0 + self.params.purchase_uplift, 1.0)

    def on_purchases(self, sim: "Simulation", rows: np.ndarray, paid: np.ndarray) -> None:
        pop = sim.pop
        members = pop.member[rows]
        earners = rows[members]
        earned = np.floor(paid[members] * self.params.earn_rate).astype(np.int64)
        pop.points[earners] += earned
        pop.points_active_week[earners] = sim.week
        sim.ledger.post_points(sim.week, "issued", int(earned.sum()))

    def end_of_week(self, sim: "Simulation") -> None:
        pop, p, week = sim.pop, self.params, sim.week
        holders = np.flatnonzero(pop.points > 0)
        if holders.size == 0:
            return
        expired = holders[week - pop.points_active_week[holders] >= p.expiry_weeks]
        if expired.size:
            sim.ledger.post_points(week, "expired", int(pop.points[expired].sum()))
            pop.points[expired] = 0
        # Only current customers redeem; churned holders keep their points until they expire.
        eligible = holders[(pop.points[holders] >= p.threshold) & (pop.state[holders] != CHURNED)]
        if eligible.size == 0:
            return
        redeem = sim.streams.uniform("loyalty", week, pop.id[eligible], draw=1) < p.redemption_prob
        redeemers = eligible[redeem]
        if redeemers.size == 0:
            return
        rewards = pop.points[redeemers] // p.threshold
        used = rewards * p.threshold
        pop.points[redeemers] -= used
        sim.ledger.post_points(week, "redeemed", int(used.sum()))
        sim.charge(redeemers, rewards * p.reward_value, "reward_cost")

    def liability(self, sim: "Simulation") -> float:
        """Outstanding points valued at expected redemption cost (currency units)."""
        p = self.params
        return float(sim.pop.points.sum()) * p.reward_value / p.threshold * p.expected_redemption
