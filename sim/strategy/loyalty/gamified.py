"""Game-based scheme: challenges, random instant wins, and prepaid credit packs with a bonus.

* **Challenges.** Each period of ``challenge_weeks`` a member who buys in ``challenge_target``
  different weeks wins a reward; progress restarts with the next period.
* **Instant wins.** Each week with a purchase wins a reward with ``instant_win_prob``
  (a variable-ratio reward).
* **Engagement.** Every member has a game affinity in [0, 1] (Beta, drawn once at enrolment
  from the keyed ``loyalty`` stream, draw 10, so a person has the same affinity in every
  scenario). The purchase rate rises by ``engagement_uplift * affinity * novelty``, where the
  novelty halves every ``novelty_half_life_weeks`` after enrolment down to ``novelty_floor``.
* **Credit packs.** A member with no credit left who buys this week buys a pack with
  probability ``pack_uptake * affinity`` (draw 12): they pay ``pack_price`` now and get
  ``pack_price * (1 + pack_bonus)`` of credit, which pays for their next purchases.

Accounting of credit packs (cash basis, like the rest of the ledger): the cash is booked when
the pack is sold (``prepaid_received``, a positive flow); when credit pays for a purchase the
engine books that purchase as a sale, so the cash part of the credit spent is released
(``prepaid_released``) and the bonus part is the programme's cost (``prepaid_bonus``). Profit
therefore counts each pack's cash once, when received; ``liability`` is the cash received for
credit not yet spent (a contract liability: ``prepaid_received - prepaid_released``). See
docs/loyalty.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.strategy.loyalty.base import SchemeBase, category
from sim.strategy.loyalty.registry import register_scheme

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import GamifiedConfig
    from sim.strategy.context import RunContext

__all__ = ["GamifiedScheme"]


@register_scheme
class GamifiedScheme(SchemeBase):
    """Challenges, instant wins, engagement that wears off, and prepaid credit packs.

    Parameters
    ----------
    params : GamifiedConfig
        Challenge period (weeks), target (weeks with a purchase) and reward (currency units),
        instant-win probability and value, engagement uplift and novelty decay, affinity
        distribution, and credit-pack price, bonus and uptake.
    """

    name = "gamified"
    fields = {
        "game_affinity": (np.float32, 0.0),  # in [0, 1], drawn at enrolment
        "game_progress": (np.int8, 0),  # purchase occasions in the current challenge
        "credit": (np.float64, 0.0),  # prepaid credit (currency units of goods)
    }
    categories = (category("game_rewards"), category("prepaid_bonus"), category("prepaid_received"),
                  category("prepaid_released"))
    draws = (10, 11, 12)  # affinity at enrolment; instant wins; pack purchases
    tallies = ("challenges_won", "instant_wins", "packs_sold", "credit_spent")

    def columns(self) -> tuple[str, ...]:
        return (*self.tallies, "prepaid_liability")

    def __init__(self, params: GamifiedConfig):
        self.params = params

    def novelty(self, weeks_member: np.ndarray) -> np.ndarray:
        """Share of the launch engagement left after ``weeks_member`` weeks of membership."""
        p = self.params
        return p.novelty_floor + (1.0 - p.novelty_floor) * np.exp2(-weeks_member / p.novelty_half_life_weeks)

    def on_enrol(self, ctx: RunContext, rows: np.ndarray) -> None:
        p = self.params
        ctx.pop.game_affinity[rows] = ctx.streams.beta("loyalty", -1, ctx.pop.id[rows], p.affinity_a, p.affinity_b,
                                                       draw=10)

    def purchase_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        pop = ctx.pop
        weeks = np.maximum(ctx.week - pop.member_since[rows], 0)
        lift = 1.0 + self.params.engagement_uplift * pop.game_affinity[rows] * self.novelty(weeks)
        return np.where(pop.member[rows], lift, 1.0)

    def on_purchases(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None:
        pop, p, week = ctx.pop, self.params, ctx.week
        members = pop.member[rows]
        rows, paid = rows[members], paid[members]
        if rows.size == 0:
            return
        ids = pop.id[rows]
        # Challenge: one step per week with a purchase; the step that reaches the target wins.
        progress = np.minimum(pop.game_progress[rows].astype(np.int16) + 1, p.challenge_target)
        won = rows[(progress == p.challenge_target) & (pop.game_progress[rows] < p.challenge_target)]
        pop.game_progress[rows] = progress
        wins = rows[ctx.streams.uniform("loyalty", week, ids, draw=11) < p.instant_win_prob]
        if won.size:
            ctx.charge(won, p.challenge_reward, "game_rewards")
        if wins.size:
            ctx.charge(wins, p.instant_win_value, "game_rewards")
        self.tally(ctx, "challenges_won", float(won.size))
        self.tally(ctx, "instant_wins", float(wins.size))
        self._spend_credit(ctx, rows, paid)
        # Top-up at the till: members whose credit is used up may buy the next pack.
        empty = pop.credit[rows] <= 0.0
        u = ctx.streams.uniform("loyalty", week, ids, draw=12)
        buyers = rows[empty & (u < p.pack_uptake * pop.game_affinity[rows])]
        if buyers.size:
            pop.credit[buyers] += p.pack_price * (1.0 + p.pack_bonus)
            ctx.post("prepaid_received", p.pack_price * buyers.size)
            self.tally(ctx, "packs_sold", float(buyers.size))

    def _spend_credit(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None:
        """Credit pays first; release its cash part and book its bonus part as a cost."""
        pop, p = ctx.pop, self.params
        has = pop.credit[rows] > 0.0
        if not has.any():
            return
        rows, paid = rows[has], paid[has]
        spent = np.minimum(pop.credit[rows], paid)
        pop.credit[rows] -= spent
        cash = spent / (1.0 + p.pack_bonus)
        ctx.post("prepaid_released", float(cash.sum()))
        if p.pack_bonus > 0:
            ctx.charge(rows, spent - cash, "prepaid_bonus")
        self.tally(ctx, "credit_spent", float(spent.sum()))

    def end_of_week(self, ctx: RunContext) -> None:
        if (ctx.week + 1) % self.params.challenge_weeks == 0:
            ctx.pop.game_progress[:] = 0

    def liability(self, ctx: RunContext) -> float:
        """Cash received for credit not yet spent (currency units)."""
        return float(ctx.pop.credit.sum()) / (1.0 + self.params.pack_bonus)

    def weekly(self, ctx: RunContext) -> dict[str, float]:
        out = super().weekly(ctx)
        out["prepaid_liability"] = self.liability(ctx)
        return out

    def kpis(self, ctx: RunContext) -> dict[str, Any]:
        """Challenges won, instant wins, packs sold, credit spent, liability and mean affinity."""
        out = super().kpis(ctx)
        members = ctx.pop.member
        out["prepaid_liability"] = self.liability(ctx)
        out["game_affinity_mean"] = float(ctx.pop.game_affinity[members].mean()) if members.any() else None
        return out
