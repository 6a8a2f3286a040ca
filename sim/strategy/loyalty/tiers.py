"""Tier scheme: members qualify for status tiers by their spend, and can lose them again.

Every ``review_weeks`` each member moves to the highest tier whose threshold their spend over
the last ``window_weeks`` reaches: promotion, demotion, or no change. Spend is kept in one
bucket per review period (``window_weeks / review_weeks`` buckets per customer), so a rolling
window costs a few bytes per customer and a calendar window (``window_weeks == review_weeks``)
is the one-bucket case. At launch there is no history: the first reviews see a part window.

Tiers carry benefits (discount, service upgrade at a cost per member-week, bonus points earn
when a points currency runs alongside) and status (purchase and churn multipliers). Demotion
hurts more than promotion helps (Wagner, Hennig-Thurau & Rudolph 2009): the one-off loss of
attachment and satisfaction is larger than the gain of a promotion, and a member below the
best tier they ever held carries a churn-hazard penalty for as long as they stay below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.strategy.loyalty.base import SchemeBase, category, current_members
from sim.strategy.loyalty.registry import register_scheme

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import TiersConfig
    from sim.strategy.context import RunContext

__all__ = ["TiersScheme"]


@register_scheme
class TiersScheme(SchemeBase):
    """Status tiers with qualification, benefits, promotion and demotion.

    Parameters
    ----------
    params : TiersConfig
        Tier names, spend thresholds (currency units), window and review period (weeks), and
        per-tier benefits; see :class:`~sim.config.TiersConfig`.
    """

    name = "tiers"
    fields = {"tier": (np.int8, 0), "tier_peak": (np.int8, 0)}  # current tier (0 = base), best ever held
    categories = (category("tier_benefits"),)
    tallies = ("promotions", "demotions")

    def columns(self) -> tuple[str, ...]:
        return (*(f"tier_{name}" for name in self.params.names), *self.tallies)

    def __init__(self, params: TiersConfig):
        self.params = params
        n = len(params.names)
        self._thresholds = np.asarray(params.thresholds, dtype=np.float64)
        self._discount = np.asarray(params.discounts, dtype=np.float64)
        self._service = np.asarray(params.service_bonuses, dtype=np.float64)
        self._service_cost = np.asarray(params.service_costs, dtype=np.float64)
        self._earn = np.asarray(params.earn_multipliers, dtype=np.float64)
        self._purchase = np.asarray(params.purchase_multipliers, dtype=np.float64)
        self._churn = np.asarray(params.churn_multipliers, dtype=np.float64)
        self._buckets = params.window_weeks // params.review_weeks
        self._spend = np.zeros((self._buckets, 0), dtype=np.float32)  # spend per review period and row
        self._moves = np.zeros((n, n), dtype=np.int64)  # migrations, from tier (rows) to tier (columns)

    # -- benefits ----------------------------------------------------------------------------
    def _by_tier(self, ctx: RunContext, rows: np.ndarray, values: np.ndarray, neutral: float) -> np.ndarray:
        pop = ctx.pop
        return np.where(pop.member[rows], values[pop.tier[rows]], neutral)

    def price_factor(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        return self._by_tier(ctx, rows, 1.0 - self._discount, 1.0)

    def service_bonus(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        return self._by_tier(ctx, rows, self._service, 0.0)

    def purchase_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        return self._by_tier(ctx, rows, self._purchase, 1.0)

    def earn_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        return self._earn[ctx.pop.tier[rows]]

    def churn_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        pop = ctx.pop
        tier = pop.tier[rows]
        resentment = np.where(tier < pop.tier_peak[rows], self.params.demotion_churn_multiplier, 1.0)
        return np.where(pop.member[rows], self._churn[tier] * resentment, 1.0)

    # -- qualification -----------------------------------------------------------------------
    def _bucket(self, week: int) -> int:
        return (week // self.params.review_weeks) % self._buckets

    def on_purchases(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None:
        n = ctx.pop.n
        if self._spend.shape[1] < n:  # grow with the population, doubling
            grown = np.zeros((self._buckets, max(n, 2 * self._spend.shape[1])), dtype=np.float32)
            grown[:, : self._spend.shape[1]] = self._spend
            self._spend = grown
        members = ctx.pop.member[rows]
        self._spend[self._bucket(ctx.week), rows[members]] += paid[members].astype(np.float32)

    def qualifying_spend(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        """Spend of ``rows`` in the current qualification window (currency units)."""
        held = rows[rows < self._spend.shape[1]]
        out = np.zeros(rows.size)
        out[rows < self._spend.shape[1]] = self._spend[:, held].sum(axis=0, dtype=np.float64)
        return out

    def end_of_week(self, ctx: RunContext) -> None:
        members = current_members(ctx)
        tier = ctx.pop.tier[members]
        upgraded = tier > 0
        if upgraded.any():
            ctx.charge(members[upgraded], self._service_cost[tier[upgraded]], "tier_benefits")
        if (ctx.week + 1) % self.params.review_weeks == 0:
            self.review(ctx, members)
            if self._spend.shape[1]:
                self._spend[self._bucket(ctx.week + 1)] = 0.0  # the oldest period leaves the window

    def review(self, ctx: RunContext, rows: np.ndarray) -> None:
        """Move members ``rows`` to the tier their qualifying spend earns, with its effects."""
        pop, p = ctx.pop, self.params
        old = pop.tier[rows].astype(np.int64)
        new = np.searchsorted(self._thresholds, self.qualifying_spend(ctx, rows), side="right")
        n = self._moves.shape[0]
        self._moves += np.bincount(old * n + new, minlength=n * n).reshape(n, n)
        up, down = rows[new > old], rows[new < old]
        att, sat = pop.attachment, pop.satisfaction
        att[up] += np.float32(p.promotion_attachment_gain) * (1.0 - att[up])
        sat[up] = np.minimum(sat[up] + np.float32(p.promotion_satisfaction_gain), 1.0)
        att[down] *= np.float32(1.0 - p.demotion_attachment_loss)
        sat[down] = np.maximum(sat[down] - np.float32(p.demotion_satisfaction_loss), 0.0)
        pop.tier[rows] = new
        pop.tier_peak[rows] = np.maximum(pop.tier_peak[rows], new)
        self.tally(ctx, "promotions", float(up.size))
        self.tally(ctx, "demotions", float(down.size))

    # -- outputs -----------------------------------------------------------------------------
    def migration(self) -> pd.DataFrame:
        """Members moved at reviews so far: rows the tier before, columns the tier after."""
        names = list(self.params.names)
        return pd.DataFrame(self._moves, index=pd.Index(names, name="from"), columns=pd.Index(names, name="to"))

    def _counts(self, ctx: RunContext) -> np.ndarray:
        members = current_members(ctx)
        return np.bincount(ctx.pop.tier[members], minlength=len(self.params.names))

    def weekly(self, ctx: RunContext) -> dict[str, float]:
        """``tier_<name>``: current members per tier; ``promotions``/``demotions`` at reviews."""
        out = {f"tier_{name}": float(c) for name, c in zip(self.params.names, self._counts(ctx))}
        out.update(super().weekly(ctx))
        return out

    def kpis(self, ctx: RunContext) -> dict[str, Any]:
        """Members per tier at the end, promotions and demotions, and the migration matrix.

        ``tier_migration_<a>_to_<b>`` counts members moved from tier ``a`` to tier ``b`` over
        all reviews; ``tier_demoted_members_end`` counts members below their best tier.
        """
        pop, names = ctx.pop, self.params.names
        members = current_members(ctx)
        out: dict[str, Any] = {f"tier_{name}_members_end": int(c) for name, c in zip(names, self._counts(ctx))}
        up = int(np.triu(self._moves, 1).sum())
        down = int(np.tril(self._moves, -1).sum())
        out.update({"tier_promotions": up, "tier_demotions": down,
                    "tier_demoted_members_end": int(np.count_nonzero(pop.tier[members] < pop.tier_peak[members]))})
        out.update({f"tier_migration_{a}_to_{b}": int(self._moves[i, j])
                    for i, a in enumerate(names) for j, b in enumerate(names) if i != j})
        return out
