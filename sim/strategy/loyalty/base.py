"""The loyalty-scheme protocol and the programme that runs the active schemes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine import Simulation

__all__ = ["LoyaltyScheme", "LoyaltyProgramme"]


class LoyaltyScheme(Protocol):
    """What a scheme must provide. ``rows`` index population rows; all work is vectorized."""

    name: str

    def purchase_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        """Multiplier on the purchase rate of customers ``rows`` this week (1 = no effect)."""

    def on_purchases(self, sim: "Simulation", rows: np.ndarray, paid: np.ndarray) -> None:
        """React to purchases: customers ``rows`` paid ``paid`` (currency units) this week."""

    def end_of_week(self, sim: "Simulation") -> None:
        """Redemptions, expiry and other weekly bookkeeping; costs go through ``sim.charge``."""


class LoyaltyProgramme:
    """Membership, programme costs, and the active schemes.

    Parameters
    ----------
    schemes : list of LoyaltyScheme
        Schemes in force (empty: no programme).
    enrolment_prob : float
        Probability that a customer joins when acquired (or at week 0).
    fixed_cost_per_week : float
        Running cost per week (currency units).
    cost_per_member_week : float
        Cost per member per week (currency units).
    """

    def __init__(self, schemes, enrolment_prob, fixed_cost_per_week, cost_per_member_week):
        self.schemes = list(schemes)
        self.enrolment_prob = enrolment_prob
        self.fixed_cost_per_week = fixed_cost_per_week
        self.cost_per_member_week = cost_per_member_week

    @property
    def active(self) -> bool:
        return bool(self.schemes)

    def enrol(self, sim: "Simulation", rows: np.ndarray | slice) -> None:
        """Offer membership to new customers ``rows``; each joins with ``enrolment_prob``."""
        if not self.active:
            return
        ids = sim.pop.id[rows]
        joins = sim.streams.uniform("loyalty", -1, ids, draw=0) < self.enrolment_prob
        sim.pop.member[rows] = joins

    def purchase_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        mult: np.ndarray | float = 1.0
        for scheme in self.schemes:
            mult = mult * scheme.purchase_multiplier(sim, rows)
        return mult

    def on_purchases(self, sim: "Simulation", rows: np.ndarray, paid: np.ndarray) -> None:
        for scheme in self.schemes:
            scheme.on_purchases(sim, rows, paid)

    def end_of_week(self, sim: "Simulation", alive: np.ndarray) -> None:
        """Programme costs for the week, then each scheme's weekly bookkeeping."""
        if not self.active:
            return
        sim.charge(None, self.fixed_cost_per_week, "programme_cost")
        members = alive[sim.pop.member[alive]]
        if members.size and self.cost_per_member_week > 0:
            sim.charge(members, np.full(members.size, self.cost_per_member_week), "programme_cost")
        for scheme in self.schemes:
            scheme.end_of_week(sim)
