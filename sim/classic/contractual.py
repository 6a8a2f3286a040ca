"""Contractual retention: a cohort renews or leaves once per period, and pays a margin per renewal.

The textbook setting of the sBG and constant-retention CLV models: the ``customers.initial``
customers of week 0 are one cohort; at the end of each period of ``classic.period_weeks`` weeks
every customer still active churns with her own probability ``theta`` (drawn once, at birth, by
the subclass) or renews and pays the period's margin. Margins are discounted per period at
``classic.discount_rate`` as seen from week 0, so ``mean_clv`` is the value of a customer just
acquired: ``sum_t m_t S(t) / (1 + i)^t``, the margin of a period earned at its end if survived,
no acquisition cost (Gupta & Lehmann 2003).
"""

from __future__ import annotations

import numpy as np

from sim.classic.base import ClassicSimulation
from sim.config import Config

__all__ = ["ContractualSimulation", "lifetime_value_moments", "tenure_margins"]


def tenure_margins(margin: float, tenure_margin: list[float], periods: int) -> np.ndarray:
    """Margin earned at the end of periods 1 .. ``periods`` of a customer's tenure.

    Parameters
    ----------
    margin : float
        Base margin per period, currency units.
    tenure_margin : list of float
        Multipliers for periods 1, 2, ...; the last holds for later periods; empty: flat.
    periods : int
        Number of periods.

    Returns
    -------
    ndarray
        Length ``periods``, currency units per period.
    """
    factors = np.ones(periods)
    if tenure_margin:
        steps = np.asarray(tenure_margin, dtype=np.float64)
        factors = steps[np.minimum(np.arange(periods), steps.size - 1)]
    return margin * factors


def lifetime_value_moments(survival: np.ndarray, margins: np.ndarray, discount_rate: float) -> tuple[float, float]:
    """Mean and standard deviation of one customer's discounted value over a finite horizon.

    A customer who survives exactly ``l`` of the ``T`` periods is worth
    ``C_l = sum_{t <= l} m_t / (1 + i)^t``; she does so with probability ``S(l) - S(l + 1)``
    (``S(T)`` for surviving them all). These are exact for a cohort whose customers are
    independent, so ``sd / sqrt(n)`` is the Monte-Carlo standard error of a cohort's
    ``mean_clv``.

    Parameters
    ----------
    survival : ndarray
        S(1) .. S(T): probability of being active after each period.
    margins : ndarray
        m_1 .. m_T, currency units.
    discount_rate : float
        Discount rate per period.

    Returns
    -------
    mean, sd : float
        Currency units.
    """
    survival = np.asarray(survival, dtype=np.float64)
    periods = survival.size
    value_if = np.r_[0.0, np.cumsum(margins * (1.0 + discount_rate) ** -np.arange(1, periods + 1))]
    alive = np.r_[1.0, survival]
    prob = np.r_[alive[:-1] - alive[1:], alive[-1]]
    mean = float(prob @ value_if)
    return mean, float(np.sqrt(max(prob @ value_if**2 - mean**2, 0.0)))


class ContractualSimulation(ClassicSimulation):
    """A cohort that renews or churns once per period (base of the sBG and CLV engines).

    Parameters
    ----------
    cfg : Config
        Uses ``customers.initial`` (cohort size), ``classic.period_weeks``, ``classic.margin``,
        ``classic.tenure_margin`` and ``classic.discount_rate``.

    Notes
    -----
    Subclasses define :meth:`_churn_probability`.
    """

    def __init__(self, cfg: Config):
        super().__init__(cfg)
        c = cfg.classic
        self._period = c.period_weeks
        periods = self.weeks // self._period
        self._margins = tenure_margins(c.margin, c.tenure_margin, periods)
        self._present_value = (1.0 + c.discount_rate) ** -np.arange(1, periods + 1, dtype=np.float64)
        self._theta = self._churn_probability(self.pop.id)

    def _churn_probability(self, ids: np.ndarray) -> np.ndarray:
        """Churn probability per period of customers ``ids`` (fixed for life)."""
        raise NotImplementedError

    def step(self) -> None:
        """At the end of a period each active customer churns with her probability or renews."""
        week, pop = self.week, self.pop
        alive = self._alive()
        if (week + 1) % self._period:
            self._record(alive=alive)
            return
        t = (week + 1) // self._period
        leaving = self.streams.uniform("churn", week, pop.id[alive]) < self._theta[alive]
        churned, renewing = alive[leaving], alive[~leaving]
        self._churn(churned)
        paid = np.full(renewing.size, self._margins[t - 1])
        margin = self._sell(renewing, paid, 1, self._present_value[t - 1])
        self._record(alive=alive, churned=churned, buyers=renewing, paid=paid, margin=margin, occasions=1)
