"""Phases 7 and 8 of the week: win-back offers to lost customers, retention offers to those at risk.

The firm cannot see who has left a non-contractual relationship, only when it last saw each
customer buy. Win-back offers go each week to a share (keyed ``winback`` stream, draw 0) of the
customers it has not seen buy for ``winback_after_weeks``; those still active take no notice,
and a churned one returns (draw 1) with :func:`sim.behaviour.acquisition.winback_probability`,
active again and remembering her satisfaction and expectations. Retention offers go, within the
week's budget, to the current customers whose churn risk, as the firm sees it from the visits it
observes, is at least ``retention.min_risk``, highest ``risk x observed visit rate`` first, none
twice within the cooldown.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.churn import rows_drawn, rows_drawn_up_to
from sim.kernels.offers import churn_risks, give_offers, winback_returns
from sim.population import ACTIVE, CHURNED, LAPSING, saturating_increment

__all__ = ["Offers"]


class Offers:
    """Win-back and retention offers.

    Parameters
    ----------
    cfg : Config
        The scenario (acquisition's win-back, retention, customers' norms).
    pop : Population
        The customers.
    streams : Streams
        The run's keyed streams (``winback``).
    books : Books
        The books (offer costs).
    """

    def __init__(self, cfg, pop, streams, books):
        self.a, self.r, self.c = cfg.acquisition, cfg.retention, cfg.customers
        self.pop, self.streams, self.books = pop, streams, books

    def winback_targets(self, week: int) -> np.ndarray | None:
        """Customers sent a win-back offer this week: a share of those the firm has not seen buy
        for ``winback_after_weeks``, whether or not they have left; with subscriptions, of those
        who cancelled, which a contractual firm sees (drawn before this week's purchases)."""
        if self.a.winback_share <= 0:
            return None
        pop = self.pop
        if self.c.billing_period_weeks:  # a subscription firm sees who cancelled
            return rows_drawn(pop.state, CHURNED, pop.id, self.streams.key("winback", week, 0), self.a.winback_share)
        return rows_drawn_up_to(pop.seen_week, week - self.a.winback_after_weeks, pop.id,
                                self.streams.key("winback", week, 0), self.a.winback_share)

    def win_back(self, week: int, targeted: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Offers to ``targeted`` customers; return the rows won back and the rows targeted."""
        a, c, pop = self.a, self.c, self.pop
        none = np.empty(0, dtype=np.int64)
        if targeted is None or targeted.size == 0:
            return none, none
        self.books.charge(targeted, a.winback_offer_cost, "winback_offers")
        gone = targeted[pop.state[targeted] == CHURNED]  # the active take no notice
        u = self.streams.uniform("winback", week, pop.id[gone], draw=1)
        won_back = gone[winback_returns(pop, gone, u, week, (a.winback_success_prob, a.winback_decay_weeks),
                                        (c.satisfaction_neutral, c.churn_satisfaction_effect))]
        pop.state[won_back] = ACTIVE
        saturating_increment(pop.won_back_count, won_back)
        # She answered the offer, so the firm knows she is back; she keeps her memories. A returning
        # subscriber starts a new billing cycle: her first fee falls due next week.
        period = c.billing_period_weeks
        pop.last_purchase_week[won_back] = week - period if period else week
        pop.seen_week[won_back] = week
        return won_back, targeted

    def retain(self, week: int, alive: np.ndarray) -> tuple[int, int]:
        """Send this week's retention offers; return (offers sent, offers to customers who were lapsing)."""
        r, pop = self.r, self.pop
        n_offers = int(r.budget_per_week // r.offer_cost)
        if n_offers == 0 or alive.size == 0:
            return 0, 0
        cand = alive[(pop.state[alive] != CHURNED) & (week - pop.offer_week[alive] >= r.cooldown_weeks)]
        tenure = week - pop.acquired_week[cand]  # the initial base counts from its acquisition at week -1
        seen = pop.seen_purchases[cand].astype(np.float64)
        risk = churn_risks(seen, tenure, week - pop.seen_week[cand], pop.complaints[cand], (r.prior_churn, 1.0))
        keep = risk >= r.min_risk
        cand, score = cand[keep], (risk * (seen + 1.0) / (tenure + 2.0))[keep]
        if cand.size > n_offers:
            cand = cand[_top(score, n_offers)]
        if cand.size == 0:
            return 0, 0
        self.books.charge(cand, r.offer_cost, "retention_offers")
        give_offers(pop, cand, r.satisfaction_gain, week)
        return int(cand.size), int(np.count_nonzero(pop.state[cand] == LAPSING))


def _top(score: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` highest scores, in increasing order; ties at the cut go to the
    first positions.

    Many scores tie (the risk score is a function of a few small integers). ``argpartition``
    breaks ties as its selection algorithm happens to, and numpy selects differently with and
    without AVX-512, so the customers offered would depend on the machine; the value at the cut
    is the same everywhere, and the positions follow from it.
    """
    cut = np.partition(score, score.size - n)[score.size - n]  # the n-th highest score
    above = np.flatnonzero(score > cut)
    return np.sort(np.concatenate([above, np.flatnonzero(score == cut)[: n - above.size]]))
