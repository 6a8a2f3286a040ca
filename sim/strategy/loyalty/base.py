"""The loyalty-scheme protocol and the programme that runs the active schemes.

A scheme changes behaviour only through these hooks, each vectorized over population ``rows``:

==================== ====================================================================
hook                 effect
==================== ====================================================================
purchase_multiplier  multiplier on the purchase rate (goal gradient, status, engagement)
price_factor         multiplier on the price a member pays (tier discounts); the engine
                     books the difference as ``loyalty_discounts``
service_bonus        added to experienced service quality (tier upgrades), 0-1 scale
churn_multiplier     multiplier on the churn probability (switching costs, status)
on_purchases         react to purchases (earn points, progress, donations)
end_of_week          redemptions, expiry, tier reviews; costs go through ``sim.charge``
liability            value of what the firm still owes members (currency units)
kpis                 extra summary KPIs of the scheme
weekly               extra timeseries columns of the scheme for the week just simulated
==================== ====================================================================

:class:`SchemeBase` gives the neutral version of every hook, so a scheme overrides only what it
changes. Money moves only through ``sim.charge`` / ``sim.ledger``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine import Simulation

__all__ = ["LoyaltyScheme", "SchemeBase", "LoyaltyProgramme"]


class LoyaltyScheme(Protocol):
    """What a scheme must provide (see the module docstring for the meaning of each hook)."""

    name: str

    def purchase_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float: ...

    def price_factor(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float: ...

    def service_bonus(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float: ...

    def churn_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float: ...

    def on_purchases(self, sim: "Simulation", rows: np.ndarray, paid: np.ndarray) -> None: ...

    def end_of_week(self, sim: "Simulation") -> None: ...

    def liability(self, sim: "Simulation") -> float: ...

    def kpis(self, sim: "Simulation") -> dict[str, Any]: ...

    def weekly(self, sim: "Simulation") -> dict[str, float]: ...


class SchemeBase:
    """Neutral hooks: a scheme derived from this changes nothing it does not override."""

    name = "base"

    def purchase_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        return 1.0

    def price_factor(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        return 1.0

    def service_bonus(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        return 0.0

    def churn_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        return 1.0

    def on_purchases(self, sim: "Simulation", rows: np.ndarray, paid: np.ndarray) -> None:
        return None

    def end_of_week(self, sim: "Simulation") -> None:
        return None

    def liability(self, sim: "Simulation") -> float:
        return 0.0

    def kpis(self, sim: "Simulation") -> dict[str, Any]:
        return {}

    def weekly(self, sim: "Simulation") -> dict[str, float]:
        return {}


class LoyaltyProgramme:
    """Membership, programme costs, and the active schemes (several at once make a hybrid).

    Parameters
    ----------
    schemes : list of LoyaltyScheme
        Schemes in force (empty: no programme).
    enrolment_prob : float
        Probability that a customer joins when acquired (or at week 0).
    signup_offer_cost : float
        Welcome offer per new member (currency units).
    fixed_cost_per_week : float
        Running cost per week (currency units).
    cost_per_member_week : float
        Cost per member per week (currency units).
    """

    def __init__(self, schemes, enrolment_prob, signup_offer_cost, fixed_cost_per_week, cost_per_member_week):
        self.schemes = list(schemes)
        self.enrolment_prob = enrolment_prob
        self.signup_offer_cost = signup_offer_cost
        self.fixed_cost_per_week = fixed_cost_per_week
        self.cost_per_member_week = cost_per_member_week

    @property
    def active(self) -> bool:
        return bool(self.schemes)

    def enrol(self, sim: "Simulation", rows: slice) -> None:
        """Offer membership to new customers ``rows``; each joins with ``enrolment_prob``."""
        if not self.active:
            return
        ids = sim.pop.id[rows]
        joins = sim.streams.uniform("loyalty", -1, ids, draw=0) < self.enrolment_prob
        sim.pop.member[rows] = joins
        if self.signup_offer_cost > 0 and joins.any():
            members = np.arange(rows.start, rows.stop)[joins]
            sim.charge(members, self.signup_offer_cost, "programme_cost")

    def _combine(self, hook: str, sim: "Simulation", rows: np.ndarray, start: float, op) -> np.ndarray | float:
        out: np.ndarray | float = start
        for scheme in self.schemes:
            out = op(out, getattr(scheme, hook)(sim, rows))
        return out

    def purchase_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        return self._combine("purchase_multiplier", sim, rows, 1.0, np.multiply)

    def price_factor(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        return self._combine("price_factor", sim, rows, 1.0, np.multiply)

    def service_bonus(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        return self._combine("service_bonus", sim, rows, 0.0, np.add)

    def churn_multiplier(self, sim: "Simulation", rows: np.ndarray) -> np.ndarray | float:
        return self._combine("churn_multiplier", sim, rows, 1.0, np.multiply)

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
            sim.charge(members, self.cost_per_member_week, "programme_cost")
        for scheme in self.schemes:
            scheme.end_of_week(sim)

    def liability(self, sim: "Simulation") -> float:
        """What the firm still owes members at the end (currency units)."""
        return float(sum(scheme.liability(sim) for scheme in self.schemes))

    def kpis(self, sim: "Simulation") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for scheme in self.schemes:
            out.update(scheme.kpis(sim))
        return out

    def weekly(self, sim: "Simulation") -> dict[str, float]:
        out: dict[str, float] = {}
        for scheme in self.schemes:
            out.update(scheme.weekly(sim))
        return out
