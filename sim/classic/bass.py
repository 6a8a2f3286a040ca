"""Bass (1969) diffusion: prospects adopt through innovation and through imitation of adopters.

Every prospect who has not adopted faces the same hazard ``p + q F(t)`` per year, where ``F`` is
the share of the market potential that has adopted (initial customers count as adopters). The
agent model's market already turns a common hazard into a slice of prospects sorted by their
exponential thresholds (:class:`~sim.market.Market`), so a week of adoption costs the number of
adopters, not the number of prospects, and every prospect adopts at the same cumulative hazard
whatever ``p`` and ``q`` are (common random numbers).

Weekly steps and the continuous curve. Holding ``F`` at its value at the start of the week, the
hazard of the week would be ``(p + q F) / 52``; its expectation then follows the discrete
recursion and lags the continuous F(t) (by up to 0.0033 for room air conditioners, p = 0.0104,
q = 0.4186; Bass 1969). Here the hazard of the week is that same rate integrated over the
week along the Bass path that starts from the realised ``F``, which has the closed form of
:func:`week_hazard`. The expected share at the end of every week is then exactly F(t) (up to
O(1 / potential) from the noise), so weekly steps are compared with the continuous curve.

Each adoption is one sale of one unit at the current price (list price less the standing
discount) with ``product.unit_cost`` as cost of goods. Adopters never churn or buy again.
Extra weekly columns: ``adoptions`` and ``cumulative_adopters`` (initial customers included).
"""

from __future__ import annotations

import numpy as np

from sim.classic.base import ClassicSimulation
from sim.config import Config

__all__ = ["BassSimulation", "week_hazard", "share_sd", "WEEKS_PER_YEAR"]

WEEKS_PER_YEAR = 52


def _ratio_and_decay(p_week: float, q_week: float) -> tuple[float, float]:
    return q_week / p_week, float(np.exp(-(p_week + q_week)))


def week_hazard(share: np.ndarray | float, p_week: float, q_week: float) -> np.ndarray | float:
    """Integrated Bass hazard over one week that starts with adopted share ``share``.

    Along the Bass path, ``e = (1 - F) / (1 + rho F)`` (with ``rho = q / p``) decays by
    ``exp(-(p + q))`` per unit of time, so the hazard over one step is
    ``H = (p + q) + ln(1 + rho e_1) - ln(1 + rho e_0)``; a prospect adopts in the week with
    probability ``1 - exp(-H)``. For ``q = 0`` this is ``p``.

    Parameters
    ----------
    share : float or ndarray
        Adopted share of the market potential at the start of the week, in [0, 1].
    p_week, q_week : float
        Coefficients of innovation and imitation per week (per year / 52).

    Returns
    -------
    float or ndarray
        Cumulative hazard of the week (dimensionless).
    """
    rho, decay = _ratio_and_decay(p_week, q_week)
    e0 = (1.0 - share) / (1.0 + rho * share)
    return (p_week + q_week) + np.log1p(rho * e0 * decay) - np.log1p(rho * e0)


def share_sd(weeks: int, p: float, q: float, potential: int) -> np.ndarray:
    """Monte-Carlo standard deviation of the simulated adopted share at the end of each week.

    Linear-noise approximation of the weekly process started with nobody adopted: given the
    share ``F_k``, the adopters of week k are binomial among the ``potential (1 - F_k)``
    prospects with probability ``pi_k = 1 - exp(-H(F_k))``, and a deviation is carried into the
    next week with the slope ``G'(F_k)`` of the one-week Bass map. So
    ``V_{k+1} = G'(F_k)^2 V_k + (1 - F_k) pi_k (1 - pi_k)`` along the expected path and the
    standard deviation is ``sqrt(V / potential)``. Imitation amplifies early luck, so this is
    larger than the binomial ``sqrt(F (1 - F) / potential)`` (about 3.5 times at the peak for
    room air conditioners).

    Parameters
    ----------
    weeks : int
        Number of weeks.
    p, q : float
        Coefficients of innovation and imitation, per year.
    potential : int
        Market potential (people).

    Returns
    -------
    ndarray
        Length ``weeks``: standard deviation of the adopted share at the end of weeks
        0 .. weeks - 1 (dimensionless).
    """
    p_week, q_week = p / WEEKS_PER_YEAR, q / WEEKS_PER_YEAR
    rho, decay = _ratio_and_decay(p_week, q_week)
    variance = np.zeros(weeks + 1)
    share = 0.0
    for k in range(weeks):  # a recursion in time, not over customers
        e0 = (1.0 - share) / (1.0 + rho * share)
        e1 = e0 * decay
        adopt = -np.expm1(-week_hazard(share, p_week, q_week))
        slope = decay * (1.0 + rho) ** 2 / ((1.0 + rho * e1) ** 2 * (1.0 + rho * share) ** 2)
        variance[k + 1] = slope**2 * variance[k] + (1.0 - share) * adopt * (1.0 - adopt)
        share = (1.0 - e1) / (1.0 + rho * e1)
    return np.sqrt(variance[1:] / potential)


class BassSimulation(ClassicSimulation):
    """The agent model reduced to Bass diffusion (``classic.model=bass``).

    Parameters
    ----------
    cfg : Config
        Uses ``classic.p`` and ``classic.q`` (per year), ``market.potential`` (Bass ``m``),
        ``customers.initial`` (adopters at launch), the price and ``product.unit_cost``.
        Prospects already aware at week 0 (``market.initially_aware``) adopt in week 0.
    """

    def __init__(self, cfg: Config):
        super().__init__(cfg)
        self._p_week = cfg.classic.p / WEEKS_PER_YEAR
        self._q_week = cfg.classic.q / WEEKS_PER_YEAR

    def step(self) -> None:
        """Expose prospects to the week's Bass hazard; everyone it reaches adopts and buys once."""
        cfg, week, pop, market, lev = self.cfg, self.week, self.pop, self.market, self.levers
        alive_before = np.arange(pop.n)
        market.expose(week_hazard(pop.n / market.potential, self._p_week, self._q_week))
        ids = market.aware_pool.copy()
        rows = pop.add(
            ids,
            acquired_week=week,
            satisfaction=cfg.customers.satisfaction_neutral,
            expectation=cfg.customers.reference_value,
            last_purchase_week=week,
        )
        market.convert(ids)
        new_rows = np.arange(rows.start, rows.stop)
        paid = np.full(ids.size, lev.price_paid)
        margin = self._sell(new_rows, paid, 1, 1.0, cogs=cfg.product.unit_cost,
                            discounts=lev.list_price * lev.discount * ids.size)
        # The weekly series' ``adoptions`` and ``cumulative_adopters`` are the new customers and pop.n.
        self._record(alive=np.concatenate([alive_before, new_rows]), new_rows=new_rows, buyers=new_rows,
                     paid=paid, margin=margin, occasions=1)
