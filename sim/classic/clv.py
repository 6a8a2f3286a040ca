"""Customer lifetime value with constant retention (Gupta & Lehmann 2003).

Every customer of the cohort stays each period with the same probability ``r``; a customer who
stays earns the margin ``m`` at the end of the period. Discounted at ``i`` per period from
acquisition, a customer just acquired is worth ``m r / (1 + i - r)`` over an infinite horizon
(``mean_clv`` approaches it as the horizon grows; the tail after ``T`` periods is
``(r / (1 + i))^T`` of it). Ameritrade (Gupta, Lehmann & Stuart 2004): m = 200, r = 0.95,
i = 0.12 give 1,117.6. With ``classic.tenure_margin`` the margin can grow with tenure, the
mechanism behind Reichheld & Sasser's (1990) large gains from lower defection.
"""

from __future__ import annotations

import numpy as np

from sim.classic.contractual import ContractualSimulation

__all__ = ["CLVSimulation"]


class CLVSimulation(ContractualSimulation):
    """The agent model reduced to constant-retention CLV (``classic.model=clv``).

    Parameters
    ----------
    cfg : Config
        Uses ``classic.retention`` (per period) and what
        :class:`~sim.classic.contractual.ContractualSimulation` uses.
    """

    def _churn_probability(self, ids: np.ndarray) -> np.ndarray:
        return np.full(ids.size, 1.0 - self.cfg.classic.retention)
