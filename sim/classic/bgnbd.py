"""BG/NBD purchasing (Fader, Hardie & Lee 2005) with Gamma-Gamma spend (Fader & Hardie 2013).

Each customer of the cohort makes a first purchase at time 0, then buys as a Poisson process
with her own rate ``lambda ~ Gamma(r, alpha)`` per week and, right after each repeat purchase,
drops out for good with her own probability ``p ~ Beta(a, b)``. Each purchase is worth
``z ~ Gamma(spend_p, nu)`` with her own ``nu ~ Gamma(spend_q, spend_gamma)`` (rates, so her mean
spend is ``spend_p / nu``). Traits are drawn once from the keyed trait stream.

BG/NBD is a continuous-time model: the likelihood uses the exact time of the last repeat
purchase. Rounding purchase times to weeks would bias a fit, so purchases happen at exact times
within the weekly clock: each customer carries the time of her next purchase, and a week
handles, round by round, every customer whose next purchase falls before the week ends (a loop
over purchase rounds, vectorized over customers). Inter-purchase times are exponential draws
keyed by (week, customer, round).

With ``output.transactions=true`` the exported log has one row per customer and week with a
purchase, as in the agent model, plus a column ``time``: the exact time of that customer's last
purchase in the week, in weeks since the start of week 0. :func:`summarize_log` turns it into the
(x, t_x, T) and spend summaries that :func:`sim.analysis.clv.fit_bgnbd` and
:func:`sim.analysis.clv.fit_gamma_gamma` take. Spend is revenue with no cost of goods.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.classic.base import TRAITS, ClassicSimulation
from sim.config import Config
from sim.engine.record import Recorder

__all__ = ["BGNBDSimulation", "TimedRecorder", "summarize_log"]


class TimedRecorder(Recorder):
    """A recorder whose transactions also keep the exact time of each customer-week's last purchase."""

    def __init__(self, cfg: Config, weeks: int, rivals: list[str] | tuple = ()):
        super().__init__(cfg, weeks, rivals)
        self._times: list[np.ndarray] = []

    def record_week(self, w, pop, rec, lv, purchase_time: np.ndarray | None = None) -> None:
        """Observe the week as :meth:`Recorder.record_week` does; ``purchase_time`` is per buyer."""
        super().record_week(w, pop, rec, lv)
        if self.keep_transactions and rec.buyers.size:
            self._times.append(purchase_time.copy())

    def transactions(self) -> pd.DataFrame | None:
        table = super().transactions()
        if table is not None:
            table["time"] = np.concatenate(self._times) if self._times else np.empty(0)
        return table


def summarize_log(transactions: pd.DataFrame, weeks: float) -> pd.DataFrame:
    """Per-customer BG/NBD and spend summary of a simulated transaction log.

    Every customer's first purchase is at time 0, so the repeat purchases are all but one, the
    last repeat purchase is at the largest ``time`` and the observation length is the run.

    Parameters
    ----------
    transactions : DataFrame
        ``transactions.parquet`` of a ``classic.model=bgnbd`` run (with its ``time`` column).
    weeks : float
        Length of the run, weeks (``horizon.weeks``).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``x`` (repeat purchases), ``t_x`` (weeks from the first to
        the last repeat purchase, 0 if none), ``T`` (weeks observed), ``purchases`` (all
        purchases) and ``mean_spend`` (mean value of all purchases, currency units). Every
        purchase's value has the same Gamma-Gamma distribution, so ``(purchases, mean_spend)``
        is what :func:`~sim.analysis.clv.fit_gamma_gamma` takes.
    """
    by_customer = transactions.groupby("customer_id")
    purchases = by_customer["occasions"].sum()
    x = purchases - 1
    summary = pd.DataFrame({
        "x": x,
        "t_x": by_customer["time"].max().where(x > 0, 0.0),
        "T": float(weeks),
        "purchases": purchases,
        "mean_spend": by_customer["amount"].sum() / purchases,
    })
    return summary


class BGNBDSimulation(ClassicSimulation):
    """The agent model reduced to BG/NBD purchasing with Gamma-Gamma spend (``classic.model=bgnbd``).

    Parameters
    ----------
    cfg : Config
        Uses ``customers.initial`` (cohort size), ``classic.r`` and ``classic.alpha`` (purchase
        rates, per week), ``classic.a`` and ``classic.b`` (drop-out), ``classic.spend_p``,
        ``classic.spend_q`` and ``classic.spend_gamma`` (spend), and
        ``market.discount_log_rate_weekly`` for ``mean_clv_to_horizon``.

    Notes
    -----
    Subclasses may override :meth:`_init_agents` to start customers from another state (the
    calibration engine starts them from their posterior given a purchase history).
    """

    def __init__(self, cfg: Config):
        super().__init__(cfg)
        self.recorder = self._recorder(TimedRecorder)
        # Discounting of mean_clv_to_horizon as in the agent model.
        self._discount_per_week = cfg.market.discount_log_rate_weekly
        self._init_agents(self.pop.id)
        self.pop.purchase_rate[:] = self._rate

    def _init_agents(self, ids: np.ndarray) -> None:
        """Draw each customer's traits; everyone makes a first purchase at time 0.

        Sets, per row: ``_rate`` (purchases per week), ``_drop`` (drop-out probability after a
        repeat purchase), ``_spend_rate`` (``nu``, per currency unit), ``_next`` (time of the
        next purchase, weeks), ``_bought`` (whether the next purchase is a repeat purchase) and
        ``_gone`` (rows to record as churned in week 0, whose ``_next`` must be infinite: none
        here).
        """
        c = self.cfg.classic
        self._rate = self.streams.gamma(TRAITS, -1, ids, c.r, 1.0 / c.alpha, draw=0)
        self._drop = self.streams.beta(TRAITS, -1, ids, c.a, c.b, draw=1)
        self._spend_rate = self.streams.gamma(TRAITS, -1, ids, c.spend_q, 1.0 / c.spend_gamma, draw=2)
        self._next = np.zeros(ids.size)
        self._bought = np.zeros(ids.size, dtype=bool)
        self._gone = self._none

    def step(self) -> None:
        """Play every purchase that falls in this week, in time order per customer."""
        week, pop, streams = self.week, self.pop, self.streams
        spend_p = self.cfg.classic.spend_p
        alive = self._alive()
        end = week + 1.0
        occasions = np.zeros(alive.size, dtype=np.int64)
        spent = np.zeros(alive.size)
        last = np.zeros(alive.size)
        dropped = []
        due = np.flatnonzero(self._next[alive] < end)  # positions in ``alive``
        draw = 0
        while due.size:  # one pass per purchase round of the week, over all customers due
            rows = alive[due]
            ids = pop.id[rows]
            when = self._next[rows]
            occasions[due] += 1
            spent[due] += streams.gamma("basket", week, ids, spend_p, 1.0 / self._spend_rate[rows], draw=draw)
            last[due] = when
            drops = self._bought[rows] & (streams.uniform("churn", week, ids, draw=draw) < self._drop[rows])
            self._bought[rows] = True
            dropped.append(rows[drops])
            stay, rows, ids, when = due[~drops], rows[~drops], ids[~drops], when[~drops]
            with np.errstate(divide="ignore"):  # a zero rate never buys again: next purchase at infinity
                self._next[rows] = when + streams.exponential("purchase", week, ids, draw=draw) / self._rate[rows]
            due = stay[self._next[rows] < end]
            draw += 1
        churned = np.concatenate([self._gone if week == 0 else self._none, *dropped])
        self._churn(churned)
        bought = occasions > 0
        buyers = alive[bought]
        margin = self._sell(buyers, spent[bought], occasions[bought], np.exp(-self._discount_per_week * week))
        self._record(alive=alive, churned=churned, buyers=buyers, paid=spent[bought], margin=margin,
                     occasions=occasions[bought], purchase_time=last[bought])
