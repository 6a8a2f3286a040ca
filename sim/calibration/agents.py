"""Agents that carry their purchase histories: the engine started from each customer's posterior.

Each customer of a real log enters the engine at the end of the calibration period with what
her history (x repeat purchases, the last at t_x, observed for T weeks, covariate z) says about
her, drawn from the keyed streams:

* still active with probability P(alive | x, t_x, T) (else she is recorded as churned in week 0:
  her drop-out happened, unobserved, during calibration);
* purchase rate from its posterior given that she is active, Gamma(r + x, alpha_i + T) with
  ``alpha_i = alpha exp(-beta z)``; the next purchase after an exponential wait (memoryless);
* drop-out probability from its posterior after x repeat purchases without dropping out,
  Beta(a, b + x);
* spend rate from its Gamma-Gamma posterior after n valued repeat purchases totalling s,
  Gamma(q + p n, gamma + s).

From there the weekly clock runs the same BG/NBD + Gamma-Gamma behaviour as
``classic.model=bgnbd``, so the weeks after calibration are a simulation of the same customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calibration.fit import CovariateBGNBDFit, covariate_prob_alive
from sim.classic.base import TRAITS
from sim.classic.bgnbd import BGNBDSimulation
from sim.config import Config

__all__ = ["Histories", "CalibratedSimulation"]


@dataclass(frozen=True)
class Histories:
    """Calibration-period histories, one entry per customer (engine id = position).

    Attributes
    ----------
    x : ndarray
        Repeat purchases in the calibration period.
    t_x : ndarray
        Weeks from the first purchase to the last repeat purchase (0 if x = 0).
    T : ndarray
        Weeks from the first purchase to the end of calibration.
    z : ndarray
        Covariate of the purchase rate (centred log of 1 + first purchase amount).
    spend_n : ndarray
        Repeat purchases with a positive amount.
    spend_total : ndarray
        Their total amount, currency units.
    """

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    z: np.ndarray
    spend_n: np.ndarray
    spend_total: np.ndarray


class CalibratedSimulation(BGNBDSimulation):
    """BG/NBD agents started from their posteriors given their histories.

    Parameters
    ----------
    cfg : Config
        A ``classic.model=bgnbd`` scenario with ``customers.initial`` equal to the number of
        histories; ``horizon.weeks`` is the forecast period. Its ``classic.spend_*`` are the
        Gamma-Gamma parameters.
    histories : Histories
        What each customer did in the calibration period.
    fit : CovariateBGNBDFit
        The purchase model (plain BG/NBD when its ``beta`` is 0).
    """

    def __init__(self, cfg: Config, histories: Histories, fit: CovariateBGNBDFit):
        self._histories = histories
        self._fit = fit
        super().__init__(cfg)

    def _init_agents(self, ids: np.ndarray) -> None:
        """Draw each customer's state from her posterior (see the module docstring)."""
        h, fit, c, streams = self._histories, self._fit, self.cfg.classic, self.streams
        alive = streams.uniform("calibration", -1, ids, draw=0) < covariate_prob_alive(fit, h.x, h.t_x, h.T, h.z)
        self._rate = streams.gamma(TRAITS, -1, ids, fit.r + h.x, 1.0 / (fit.alphas(h.z) + h.T), draw=0)
        self._drop = streams.beta(TRAITS, -1, ids, fit.a, fit.b + h.x, draw=1)
        self._spend_rate = streams.gamma(TRAITS, -1, ids, c.spend_q + c.spend_p * h.spend_n,
                                         1.0 / (c.spend_gamma + h.spend_total), draw=2)
        with np.errstate(divide="ignore"):  # a zero rate never buys: next purchase at infinity
            wait = streams.exponential("purchase", -1, ids) / self._rate
        self._next = np.where(alive, wait, np.inf)
        self._bought = np.ones(ids.size, dtype=bool)  # every purchase from here on is a repeat
        self._gone = np.flatnonzero(~alive)
