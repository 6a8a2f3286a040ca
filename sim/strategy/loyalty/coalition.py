"""Partner coalition: the programme's points can be earned at partner firms too.

The coalition shares the points currency of the points scheme (``loyalty.points``): with
``points`` in the same programme it adds partners to that scheme; alone it runs that currency
itself (the same earning, goal gradient, redemption and expiry), so a hybrid of the two has one
balance, one liability and no double earning.

* **Partner earning.** A fixed share of members (``partner_share``, keyed by id, draw 13) also
  shop at partners and earn Poisson(``partner_points_per_week``) points there each week
  (draw 14). Partner points fill cards faster (goal gradient, fewer part-filled cards) and keep
  balances from expiring; partner shoppers also buy a little more (``partner_engagement``).
* **Partner funding.** Partners pay ``funding_share`` of every reward (``partner_funding``, a
  positive flow that offsets loyalty cost).
* **Partner fee.** The firm pays the coalition ``fee_per_member_week`` (``partner_fees``).
* **Partner discounts.** A member whose spend with the firm within a period of
  ``unlock_period_weeks`` reaches ``unlock_spend`` unlocks partner discounts (funded by the
  partners) for the next period, and meanwhile buys more and churns less.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.strategy.loyalty.base import SchemeBase, category, current_members
from sim.strategy.loyalty.points import PointsScheme
from sim.strategy.loyalty.registry import register_scheme

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import CoalitionConfig, PointsConfig
    from sim.strategy.context import RunContext
    from sim.strategy.loyalty.base import LoyaltyProgramme

__all__ = ["CoalitionScheme"]


@register_scheme
class CoalitionScheme(SchemeBase):
    """Partners that issue the programme's points, fund rewards and unlock discounts.

    Parameters
    ----------
    params : CoalitionConfig
        Partner share, partner points per week, funding share, fee (currency units per member
        and week), engagement, and the spend (currency units) and period (weeks) that unlock
        partner discounts with their purchase and churn multipliers.
    points : PointsConfig
        The points currency, used when no points scheme runs alongside.
    """

    name = "coalition"
    # Its own fields, and those of the points currency it runs when no points scheme does.
    fields = {
        "partner_spend": (np.float32, 0.0),  # spend in the current unlock period
        "partner_unlocked": (np.bool_, False),  # partner discounts unlocked this period
        **PointsScheme.fields,
    }
    categories = (category("partner_fees"), *PointsScheme.categories)
    draws = (13, 14)  # who shops at partners; partner points each week (the currency's are the points scheme's)
    tallies = ("partner_points",)

    def columns(self) -> tuple[str, ...]:
        own = self._own.columns() if self._own is not None else ()
        return (*own, *self.tallies, "partner_unlocked")

    def __init__(self, params: CoalitionConfig, points: PointsConfig):
        self.params = params
        self.points = points
        self._own: PointsScheme | None = None  # the currency when the coalition runs it itself
        self._currency: PointsScheme | None = None

    @classmethod
    def from_config(cls, cfg) -> CoalitionScheme:
        return cls(cfg.coalition, cfg.points)

    def bind(self, programme: LoyaltyProgramme) -> None:
        """Use the points scheme of the programme as the currency, or run one of our own."""
        super().bind(programme)
        sibling = programme.get("points")
        self._own = None if sibling is not None else PointsScheme(self.points)
        if self._own is not None:
            self._own.bind(programme)
        self._currency = sibling if sibling is not None else self._own
        self._currency.funding_share = self.params.funding_share

    def _partner_shopper(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        return ctx.streams.uniform("loyalty", -1, ctx.pop.id[rows], draw=13) < self.params.partner_share

    # -- hooks -------------------------------------------------------------------------------
    def on_enrol(self, ctx: RunContext, rows: np.ndarray) -> None:
        if self._own is not None:
            self._own.on_enrol(ctx, rows)

    def purchase_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        p, pop = self.params, ctx.pop
        lift = np.where(self._partner_shopper(ctx, rows), 1.0 + p.partner_engagement, 1.0)
        lift = lift * np.where(pop.partner_unlocked[rows], p.unlocked_purchase_multiplier, 1.0)
        if self._own is not None:
            lift = lift * self._own.purchase_multiplier(ctx, rows)
        return np.where(pop.member[rows], lift, 1.0)

    def churn_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        pop = ctx.pop
        return np.where(pop.member[rows] & pop.partner_unlocked[rows], self.params.unlocked_churn_multiplier, 1.0)

    def on_purchases(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None:
        members = ctx.pop.member[rows]
        ctx.pop.partner_spend[rows[members]] += paid[members].astype(np.float32)
        if self._own is not None:
            self._own.on_purchases(ctx, rows, paid)

    def end_of_week(self, ctx: RunContext) -> None:
        p, pop, week = self.params, ctx.pop, ctx.week
        if self._own is not None:
            self._own.end_of_week(ctx)
        members = current_members(ctx)
        if members.size and p.fee_per_member_week > 0:
            ctx.charge(members, p.fee_per_member_week, "partner_fees")
        shoppers = members[self._partner_shopper(ctx, members)]
        if shoppers.size and p.partner_points_per_week > 0:
            earned = ctx.streams.poisson("loyalty", week, pop.id[shoppers], p.partner_points_per_week, draw=14)
            earners = earned > 0
            self._currency.issue(ctx, shoppers[earners], earned[earners].astype(np.int64))
            self.tally(ctx, "partner_points", float(earned.sum()))
        if (week + 1) % p.unlock_period_weeks == 0:
            pop.partner_unlocked[:] = pop.member & (pop.partner_spend >= p.unlock_spend)
            pop.partner_spend[:] = 0.0

    def liability(self, ctx: RunContext) -> float:
        return self._own.liability(ctx) if self._own is not None else 0.0

    def weekly(self, ctx: RunContext) -> dict[str, float]:
        out = self._own.weekly(ctx) if self._own is not None else {}
        out.update(super().weekly(ctx))
        out["partner_unlocked"] = float(np.count_nonzero(ctx.pop.partner_unlocked[current_members(ctx)]))
        return out

    def kpis(self, ctx: RunContext) -> dict[str, Any]:
        """Partner points issued, members with partner discounts unlocked, partner funding share."""
        out = self._own.kpis(ctx) if self._own is not None else {}
        out.update(super().kpis(ctx))
        out["partner_unlocked"] = int(np.count_nonzero(ctx.pop.partner_unlocked[current_members(ctx)]))
        reward = ctx.ledger.total("reward_cost")
        out["partner_funding_share_of_rewards"] = ctx.ledger.total("partner_funding") / reward if reward > 0 else None
        return out
