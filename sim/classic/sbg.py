"""Shifted-beta-geometric retention (Fader & Hardie 2007, "How to project customer retention").

Each customer of the cohort has a churn probability per period ``theta ~ Beta(alpha, beta)``,
drawn once from the keyed trait stream and never changed; at the end of every period she churns
with that probability. The share of the cohort still active after ``t`` periods then follows
``S(t) = B(alpha, beta + t) / B(alpha, beta)``, and the aggregate retention rate
``S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)`` rises with the cohort's age
although no customer changes: the high-churn customers leave first. With a margin per period
``mean_clv`` is the sBG customer value ``sum_t m_t S(t) / (1 + i)^t``.
"""

from __future__ import annotations

import numpy as np

from sim.classic.base import TRAITS
from sim.classic.contractual import ContractualSimulation

__all__ = ["SBGSimulation"]


class SBGSimulation(ContractualSimulation):
    """The agent model reduced to the sBG model (``classic.model=sbg``).

    Parameters
    ----------
    cfg : Config
        Uses ``classic.alpha`` and ``classic.beta`` (Beta shapes of the churn probability per
        period) and what :class:`~sim.classic.contractual.ContractualSimulation` uses.
    """

    def _churn_probability(self, ids: np.ndarray) -> np.ndarray:
        c = self.cfg.classic
        return self.streams.beta(TRAITS, -1, ids, c.alpha, c.beta, draw=0)
