"""Points scheme: members earn points with spend and redeem them for rewards.

Points are whole numbers so that ``issued = redeemed + expired + outstanding`` holds exactly.
A member holding at least ``threshold`` points redeems, with ``redemption_prob`` per week, every
full block of points for rewards costing the firm ``reward_value`` each. Points lapse after
``expiry_weeks`` without earning, which is where breakage comes from: members who churn or stop
buying with a part-filled card never redeem it.

Members buy faster as their balance nears the threshold and pause after a reward, pulling
purchases forward rather than adding them (goal gradient and post-reward reset, Kivetz,
Urminsky & Zheng 2006); head-start points at enrolment start them part-way (endowed progress,
Nunes & Dreze 2006).

Accounting: points are expensed as they are earned, at their expected redemption cost
(``reward_value / threshold x expected_redemption`` a point, ``points_accrued``, borne by the
earner), and that provision is released as points are redeemed (the reward's cash cost is then
booked as ``reward_cost``) or expire (``points_released``). So the liability outstanding at the
horizon is a cost of the run, not a hidden gain, and over a points' life the member's cost is the
cash of her rewards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.population import CHURNED
from sim.strategy.loyalty.base import SchemeBase, category
from sim.strategy.loyalty.registry import register_scheme

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import PointsConfig
    from sim.strategy.context import RunContext

__all__ = ["PointsScheme"]


@register_scheme
class PointsScheme(SchemeBase):
    """Earn-and-burn points.

    Parameters
    ----------
    params : PointsConfig
        Earn rate (points per currency unit), threshold (points), reward value (currency
        units), redemption probability per week, expiry (weeks), purchase uplift, goal
        gradient, head-start points and the expected redemption share of the liability.

    Attributes
    ----------
    funding_share : float
        Share of every reward's cost paid by partners (set by a coalition; 0 without one).
    """

    name = "points"
    fields = {
        "points_active_week": (np.int16, -1),  # last week points were earned
        "points_rewards": (np.int16, 0),  # rewards redeemed with points
    }
    categories = (category("reward_cost"), category("partner_funding"), category("points_accrued"),
                  category("points_released"))
    draws = (1, 15)  # redemption each week; whether a member ever redeems
    tallies = ("rewards",)

    def columns(self) -> tuple[str, ...]:
        return (*self.tallies, "points_liability")

    def __init__(self, params: PointsConfig):
        self.params = params
        self.funding_share = 0.0
        self.expired_of_redeemers = 0  # points of redeeming members that expired (for breakage)

    def redeemer(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` ever redeems (``loyalty`` stream, week -1, draw 15)."""
        return ctx.streams.uniform("loyalty", -1, ctx.pop.id[rows], draw=15) < self.params.redeemer_share

    def progress(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        """How far each of ``rows`` is towards the next reward, in [0, 1]."""
        return np.minimum(ctx.pop.points[rows] / self.params.threshold, 1.0)

    def purchase_multiplier(self, ctx: RunContext, rows: np.ndarray) -> np.ndarray:
        """``(1 + purchase_uplift) x (1 + goal_gradient x (progress - 1/2))`` for members who redeem.

        The goal gradient is centred on a half-full card: it pulls purchases forward before a
        reward and pauses them after it (Kivetz, Urminsky & Zheng 2006), rather than adding
        purchases; over a card filled at a steady pace the pull and the pause about cancel, and
        any lasting lift is ``purchase_uplift``'s.
        """
        p = self.params
        pull = np.where(self.redeemer(ctx, rows), p.goal_gradient * (self.progress(ctx, rows) - 0.5), 0.0)
        return np.where(ctx.pop.member[rows], (1.0 + p.purchase_uplift) * (1.0 + pull), 1.0)

    def issue(self, ctx: RunContext, rows: np.ndarray, points: np.ndarray) -> None:
        """Credit whole ``points`` to members ``rows`` (each row at most once); earning keeps them alive."""
        pop = ctx.pop
        pop.points[rows] += points
        pop.points_active_week[rows] = ctx.week
        ctx.post_points("issued", int(points.sum()))
        ctx.charge(rows, points * self.point_provision, "points_accrued")

    @property
    def point_provision(self) -> float:
        """Expected redemption cost of one point (currency units): the provision made as it is earned."""
        p = self.params
        return p.reward_value / p.threshold * p.expected_redemption

    def on_enrol(self, ctx: RunContext, rows: np.ndarray) -> None:
        if self.params.endowed_points:
            self.issue(ctx, rows, np.full(rows.size, self.params.endowed_points, dtype=np.int64))

    def on_purchases(self, ctx: RunContext, rows: np.ndarray, paid: np.ndarray) -> None:
        members = ctx.pop.member[rows]
        earners = rows[members]
        if earners.size == 0:
            return
        rate = self.params.earn_rate * np.asarray(self.programme.earn_multiplier(ctx, earners), dtype=np.float64)
        self.issue(ctx, earners, np.floor(paid[members] * rate).astype(np.int64))

    def end_of_week(self, ctx: RunContext) -> None:
        pop, p, week = ctx.pop, self.params, ctx.week
        holders = np.flatnonzero(pop.points > 0)
        if holders.size == 0:
            return
        expired = holders[week - pop.points_active_week[holders] >= p.expiry_weeks]
        if expired.size:
            ctx.post_points("expired", int(pop.points[expired].sum()))
            self.expired_of_redeemers += int(pop.points[expired[self.redeemer(ctx, expired)]].sum())
            ctx.credit(expired, pop.points[expired] * self.point_provision, "points_released")
            pop.points[expired] = 0
        # Only current customers redeem; churned holders keep their points until they expire.
        eligible = holders[(pop.points[holders] >= p.threshold) & (pop.state[holders] != CHURNED)]
        if eligible.size == 0:
            return
        redeem = self.redeemer(ctx, eligible) & (
            ctx.streams.uniform("loyalty", week, pop.id[eligible], draw=1) < p.redemption_prob)
        redeemers = eligible[redeem]
        if redeemers.size == 0:
            return
        rewards = pop.points[redeemers] // p.threshold
        used = rewards * p.threshold
        pop.points[redeemers] -= used
        pop.points_rewards[redeemers] += rewards.astype(np.int16)
        ctx.post_points("redeemed", int(used.sum()))
        ctx.credit(redeemers, used * self.point_provision, "points_released")
        cost = rewards * p.reward_value
        ctx.charge(redeemers, cost, "reward_cost")
        if self.funding_share > 0:
            ctx.post("partner_funding", self.funding_share * float(cost.sum()))
        self.tally(ctx, "rewards", float(rewards.sum()))

    def liability(self, ctx: RunContext) -> float:
        """Outstanding points valued at expected redemption cost (currency units): what the
        ``points_accrued`` less ``points_released`` of the run come to."""
        return float(ctx.pop.points.sum()) * self.point_provision

    def kpis(self, ctx: RunContext) -> dict[str, Any]:
        """Redemption and breakage rates, and the share of members who earned a reward.

        ``points_redemption_rate`` is redeemed over issued points. ``points_breakage_ultimate`` is
        the share of issued points that will never be redeemed: expired points plus the
        outstanding points projected to expire,

            (expired + O_lost + O_redeemers x (1 - q)) / issued,

        where ``O_lost`` are the points held by churned customers or by members who never redeem
        (by the scheme's rules they can only expire), ``O_redeemers`` those held by current
        redeeming members, and ``q = redeemed / (redeemed + expired of redeeming members)`` the
        share of redeeming members' settled points that were redeemed in the run.
        ``points_breakage_settled`` is expired over settled (redeemed + expired) points only: it
        leaves out the points still outstanding, so it understates breakage on any horizon.
        """
        led = ctx.ledger.points()
        issued, redeemed, expired = (int(led[f"points_{f}"].sum()) for f in ("issued", "redeemed", "expired"))
        pop = ctx.pop
        members = pop.member
        holders = np.flatnonzero(pop.points > 0)
        live = self.redeemer(ctx, holders) & (pop.state[holders] != CHURNED)
        held_live, held_lost = int(pop.points[holders[live]].sum()), int(pop.points[holders[~live]].sum())
        settled_by_redeemers = redeemed + self.expired_of_redeemers
        q = redeemed / settled_by_redeemers if settled_by_redeemers else 0.0  # no history: nothing redeemed
        out = super().kpis(ctx)
        out.update({
            "points_redemption_rate": redeemed / issued if issued else None,
            "points_breakage_ultimate": (expired + held_lost + held_live * (1.0 - q)) / issued if issued else None,
            "points_breakage_settled": expired / (redeemed + expired) if redeemed + expired else None,
            "members_rewarded_share": float((pop.points_rewards[members] > 0).mean()) if members.any() else None,
        })
        return out

    def weekly(self, ctx: RunContext) -> dict[str, float]:
        out = super().weekly(ctx)
        out["points_liability"] = self.liability(ctx)
        return out
