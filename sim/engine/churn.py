"""Phases 5 and 6 of the week: lapsing and churn.

No purchase for ``customers.lapse_weeks`` weeks means lapsing; a purchase makes a customer active
again. Then each customer who was one before this week may churn (:mod:`sim.behaviour.churn`),
more when lapsing, less when satisfied, more when rivals take her purchases, less under a
loyalty scheme's switching costs; a churner switches to a rival or leaves the category.
"""

from __future__ import annotations

import numpy as np

from sim.engine.week import Block, PurchaseDraw
from sim.kernels.churn import ChurnParams, churn_draw, decay_and_lapse, destinations
from sim.kernels.offers import offer_reliefs
from sim.population import ACTIVE, CHURNED, LAPSING, saturating_increment

__all__ = ["Churn", "relieves", "offer_relief", "churn_multipliers"]


def relieves(r) -> bool:
    """Whether retention offers (``retention`` config ``r``) lower their receivers' churn directly."""
    return bool(r.churn_relief and r.budget_per_week)


def offer_relief(r, pop, week: int, rows: np.ndarray) -> np.ndarray | None:
    """Churn multipliers of customers ``rows`` this week from retention offers (``retention``
    config ``r``; :func:`sim.behaviour.churn.offer_relief`), or None when offers carry no relief."""
    if not relieves(r):
        return None
    return offer_reliefs(pop, rows, week, r.churn_relief, r.relief_weeks)


def churn_multipliers(cfg, pop, strategy, week: int, rows: np.ndarray, share: np.ndarray | None) -> tuple:
    """The multipliers of the churn probability of customers ``rows`` this week, in the order
    they are applied (None where one does not act): the loyalty programme's switching costs,
    the purchases lost to rivals (``share``, the firm's choice share of each row, None without
    rivals), her own propensity and a retention offer's relief.

    ``strategy`` is ``(programme, ctx)``: the loyalty programme and the context its hooks get.
    """
    c, (prog, ctx) = cfg.customers, strategy
    return (prog.churn_multiplier(ctx, rows) if prog.active else None,
            None if share is None else 1.0 + c.competitor_churn_effect * (1.0 - share),
            pop.churn_propensity[rows] if c.churn_propensity != "none" else None,
            offer_relief(cfg.retention, pop, week, rows))


class Churn:
    """Lapsing and churn of this week's customers.

    Parameters
    ----------
    cfg : Config
        The scenario (customers).
    pop : Population
        The customers.
    streams : Streams
        The run's keyed streams (``churn``).
    strategy : tuple
        ``(programme, ctx, active_rivals)``: the loyalty programme, the context its hooks get, and
        a function of the week giving the indices of the rivals in the market.
    """

    def __init__(self, cfg, pop, streams, strategy):
        self.cfg, self.c, self.r, self.pop, self.streams = cfg, cfg.customers, cfg.retention, pop, streams
        self.programme, self.ctx, self.active_rivals = strategy
        self.params = ChurnParams.from_config(cfg.customers)

    def lapse(self, week: int, b: Block) -> None:
        """Attachment fades for everyone; those without a purchase for ``lapse_weeks`` are lapsing.

        A subscriber pays at every renewal or leaves, so is never lapsing between renewals.
        Needs this week's purchases booked.
        """
        c = self.c
        quiet = max(c.lapse_weeks, c.billing_period_weeks)
        decay_and_lapse(self.pop, b.rows, np.float32(1.0 - c.attachment_decay), week - quiet, (LAPSING, ACTIVE))

    def run(self, week: int, b: Block, d: PurchaseDraw) -> np.ndarray:
        """Churn of the block's customers at risk (not new this week, unless they leave at a
        purchase: ``d.leaving`` then holds positions among all the block's rows); returns the
        churners' rows."""
        pop, n_risk = self.pop, b.n_risk
        at_risk = b.rows[:n_risk]
        leaving = d.leaving
        if leaving is None:  # else drawn with the purchases
            share = None if d.rival_share is None else d.share[:n_risk]
            leaving = churn_draw(pop, at_risk, d.sat_eff, d.ids, self.streams.key("churn", week), self.params,
                                 LAPSING, churn_multipliers(self.cfg, pop, (self.programme, self.ctx), week, at_risk,
                                                            share))
        churned = b.rows[leaving]
        pop.state[churned] = CHURNED
        saturating_increment(pop.churn_count, churned)
        pop.churn_to[churned] = self._destination(week, churned, d, leaving)
        return churned

    def _destination(self, week: int, churned: np.ndarray, d: PurchaseDraw, leaving: np.ndarray) -> np.ndarray:
        """Where churners go: 0 leaves the category, k + 1 switches to active rival k (``churn`` stream, draw 1)."""
        if d.rival_share is None or churned.size == 0:
            return np.zeros(churned.size, dtype=np.int8)
        u = self.streams.uniform("churn", week, self.pop.id[churned], draw=1)
        # ``leaving`` are positions among the block's customers at risk, the first of its rows.
        return destinations(u, d.share[leaving], d.rival_share[:, leaving], self.active_rivals(week))
