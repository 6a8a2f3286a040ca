"""The books: every cash flow and every loyalty point of a run, by category and week.

Money and points move only through :class:`Ledger`. Each cash category belongs to one KPI group,
so the identity ``profit = gross_margin - acquisition_spend - retention_spend - other_costs``
holds by construction, and points obey ``issued = redeemed + expired + outstanding`` at every
week. Amounts are posted as non-negative magnitudes; the category decides the sign.

Each posting also records who bore it: the part borne by customers of the initial base (the
retained base, acquired before week 0) and the part borne by customers acquired during the run
("new" customers); the rest is the firm's as a whole (media, fixed programme costs). So a cost
is booked by who the customer is, not by the kind of spend: a win-back offer to a churned new
customer is a cost of the new customers.

The points liability is expensed as points are earned, at their expected redemption cost
(``points_accrued``), and released as they are redeemed or expire (``points_released``): over a
run the two net to the liability still outstanding at the horizon, so profit never counts
unredeemed points as a gain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Ledger", "CATEGORIES", "Category", "GROUPS", "POINT_FLOWS", "KEEPING", "WHO"]


@dataclass(frozen=True)
class Category:
    """A cash-flow category: its sign in profit and the KPI group it rolls up to."""

    name: str
    sign: int
    group: str  # gross_margin | acquisition | retention | other
    loyalty: bool = False
    # Known to reports but in a run's ledger only when a strategy declares it (its columns and
    # sums then appear only in runs that book it).
    declared: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category("sales", +1, "gross_margin"),
    Category("discounts", -1, "gross_margin"),
    Category("cogs", -1, "gross_margin"),
    Category("acquisition_media", -1, "acquisition"),
    Category("acquisition_offers", -1, "acquisition"),
    Category("referral_rewards", -1, "acquisition"),
    Category("winback_offers", -1, "retention"),
    Category("retention_offers", -1, "retention"),
    Category("reward_cost", -1, "retention", loyalty=True),
    Category("loyalty_discounts", -1, "retention", loyalty=True),
    Category("programme_cost", -1, "retention", loyalty=True),
    Category("partner_funding", +1, "retention", loyalty=True),
    Category("charity", -1, "retention", loyalty=True),
    Category("tier_benefits", -1, "retention", loyalty=True),  # tier service upgrades
    Category("game_rewards", -1, "retention", loyalty=True),  # challenge and instant-win rewards
    Category("prepaid_bonus", -1, "retention", loyalty=True),  # bonus part of prepaid credit spent
    Category("partner_fees", -1, "retention", loyalty=True),  # coalition fee paid by the firm
    # Points liability, expensed at earning at the expected redemption cost and released as the
    # points are redeemed (the reward's cash cost is then booked as reward_cost) or expire.
    Category("points_accrued", -1, "retention", loyalty=True, declared=True),
    Category("points_released", +1, "retention", loyalty=True, declared=True),
    # Prepaid credit float: cash received for packs, and its release as the credit is spent (the
    # engine books that spending as sales). Members' own money held, not a programme cost.
    Category("prepaid_received", +1, "retention"),
    Category("prepaid_released", -1, "retention"),
    # Product returns (customers.return_propensity_mean > 0): the refund of what the customer
    # paid, the cost of goods that goes back to stock, and taking the goods back (a cost to serve).
    Category("refunds", -1, "gross_margin", declared=True),
    Category("returned_goods", +1, "gross_margin", declared=True),
    Category("return_handling", -1, "other", declared=True),
    Category("service_cost", -1, "other"),
    Category("complaint_handling", -1, "other"),
    Category("fixed_costs", -1, "other"),
    Category("product_costs", -1, "other"),
)
POINT_FLOWS = ("issued", "redeemed", "expired")
#: KPI groups of the cash categories.
GROUPS = ("gross_margin", "acquisition", "retention", "other")
#: Categories outside the retention group that belong to the cost of keeping customers: serving
#: them (the retention group is the rest of it).
KEEPING = ("service_cost", "complaint_handling", "return_handling")
#: Who bears a posting: customers of the initial base, or customers acquired during the run.
WHO = ("base", "new")


class Ledger:
    """Weekly cash flows by category and loyalty-point flows.

    Parameters
    ----------
    weeks : int
        Length of the run in weeks.
    extra : tuple of Category
        Categories beyond :data:`CATEGORIES` that strategies of the run declare (a loyalty
        scheme's ``categories``), and built-in ones marked ``declared`` that they book; each
        belongs to a KPI group, so the identities still hold.
    """

    def __init__(self, weeks: int, extra: tuple[Category, ...] = ()):
        self.weeks = weeks
        categories = {c.name: c for c in CATEGORIES if not c.declared}
        for c in extra:  # several strategies may declare one category, alike
            if categories.setdefault(c.name, c) != c:
                raise ValueError(f"Ledger category {c.name!r} is declared twice, differently: "
                                 f"{categories[c.name]} and {c}.")
        self.categories = tuple(categories.values())
        if any(c.group not in GROUPS or c.sign not in (-1, 1) for c in self.categories):
            raise ValueError(f"A ledger category has a sign of +1 or -1 and a group among {GROUPS}.")
        self._index = {c.name: i for i, c in enumerate(self.categories)}
        self._signs = np.array([c.sign for c in self.categories], dtype=np.float64)
        self._cash = np.zeros((weeks, len(self.categories)), dtype=np.float64)
        self._points = np.zeros((weeks, len(POINT_FLOWS)), dtype=np.int64)
        # Magnitudes borne by the initial base and by new customers, per category (WHO order).
        self._borne = np.zeros((len(WHO), len(self.categories)), dtype=np.float64)

    def post(self, week: int, category: str, amount: float, borne: tuple[float, float] | None = None) -> None:
        """Record ``amount`` (currency units, >= 0) in ``category`` for ``week``.

        Parameters
        ----------
        week : int
            Week of the run.
        category : str
            A declared category.
        amount : float
            Magnitude (currency units, >= 0).
        borne : (float, float), optional
            The parts of ``amount`` borne by customers of the initial base and by new customers
            (currency units); None for a flow of the firm as a whole.
        """
        amount = float(amount)
        if not amount >= 0.0:
            raise ValueError(f"Ledger amounts are magnitudes: {category} got {amount} in week {week}.")
        index = self._index.get(category)
        if index is None:
            raise KeyError(f"Ledger category {category!r} is not declared; declare it with the strategy that books it.")
        self._cash[week, index] += amount
        if borne is not None:
            self._borne[:, index] += borne

    def post_points(self, week: int, flow: str, points: int) -> None:
        """Record ``points`` (>= 0) issued, redeemed or expired in ``week``."""
        points = int(points)
        if points < 0:
            raise ValueError(f"Point flows are magnitudes: {flow} got {points} in week {week}.")
        self._points[week, POINT_FLOWS.index(flow)] += points

    def magnitudes(self) -> dict[str, np.ndarray]:
        """Weekly magnitude per category (currency units, >= 0)."""
        return {c.name: self._cash[:, i].copy() for i, c in enumerate(self.categories)}

    def weekly_profit(self) -> np.ndarray:
        """Signed sum of all flows per week (currency units)."""
        return self._cash @ self._signs

    def group_total(self, group: str) -> float:
        """Total of a KPI group as a positive cost (or, for gross margin, the margin)."""
        idx = [i for i, c in enumerate(self.categories) if c.group == group]
        total = float((self._cash[:, idx] @ self._signs[idx]).sum())
        return total if group == "gross_margin" else 0.0 - total  # 0.0 - x: no "-0.0" for empty groups

    def weekly_group(self, group: str) -> np.ndarray:
        """Weekly KPI-group series with the same sign convention as :meth:`group_total`."""
        idx = [i for i, c in enumerate(self.categories) if c.group == group]
        series = self._cash[:, idx] @ self._signs[idx]
        return series if group == "gross_margin" else -series

    def loyalty_cost(self) -> float:
        """Net cost of the loyalty programme (currency units; partner funding offsets it)."""
        idx = [i for i, c in enumerate(self.categories) if c.loyalty]
        return 0.0 - float((self._cash[:, idx] @ self._signs[idx]).sum())

    def borne(self, who: str, categories: tuple[str, ...] | None = None) -> float:
        """Signed cost borne by ``who`` (``"base"`` or ``"new"``) in ``categories`` (all by default).

        Costs count positive and positive flows (e.g. ``points_released``) negative, as in
        :meth:`group_total` (currency units).
        """
        idx = [i for i, c in enumerate(self.categories) if categories is None or c.name in categories]
        return 0.0 - float(self._borne[WHO.index(who), idx] @ self._signs[idx])

    def keeping_cost(self) -> float:
        """Cost of keeping customers: the retention group plus :data:`KEEPING` (currency units)."""
        return self.group_total("retention") + sum(self.total(c) for c in KEEPING if c in self._index)

    def keeping_categories(self) -> tuple[str, ...]:
        """Names of the categories of :meth:`keeping_cost`."""
        return tuple(c.name for c in self.categories if c.group == "retention" or c.name in KEEPING)

    def total(self, category: str) -> float:
        """Total magnitude of one category (currency units)."""
        return float(self._cash[:, self._index[category]].sum())

    def points(self) -> dict[str, np.ndarray]:
        """Weekly point flows and the outstanding balance at the end of each week."""
        out = {f"points_{f}": self._points[:, i].copy() for i, f in enumerate(POINT_FLOWS)}
        out["points_outstanding"] = np.cumsum(
            self._points[:, 0] - self._points[:, 1] - self._points[:, 2]
        )
        return out
