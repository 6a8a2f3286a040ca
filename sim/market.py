"""The market: every person who could ever buy, and how they come to know the firm.

People have fixed ids ``0 .. potential - 1``; ids below ``customers.initial`` are the firm's
customers at week 0, the rest are prospects. Under full mixing every unaware prospect faces the
same awareness hazard, so each prospect is given a fixed exponential threshold at birth and
becomes aware when the cumulative hazard passes it. Sorting the thresholds once turns a week of
awareness into a slice of that order (no work for those still unaware), and the same person
becomes aware at the same exposure in every scenario: common random numbers for awareness.

Aware prospects consider the firm for a while: each week they may buy (conversion) or stop
considering it (they are then lost to the firm for the rest of the run).
"""

from __future__ import annotations

import numpy as np

from sim.rng import Streams

__all__ = ["Market", "UNAWARE", "AWARE", "CUSTOMER", "LOST"]

UNAWARE, AWARE, CUSTOMER, LOST = 0, 1, 2, 3


class Market:
    """Prospects' awareness and the pool of aware prospects not yet customers.

    Parameters
    ----------
    potential : int
        People in the market, initial customers included.
    initial_customers : int
        People who are customers at week 0 (ids ``0 .. initial_customers - 1``).
    initially_aware : float
        Share of prospects aware at week 0.
    streams : Streams
        The run's keyed random streams.
    """

    def __init__(self, potential: int, initial_customers: int, initially_aware: float, streams: Streams):
        self.potential = int(potential)
        self.status = np.zeros(self.potential, dtype=np.int8)
        self.referred = np.zeros(self.potential, dtype=np.bool_)  # became aware by word of mouth
        self.status[:initial_customers] = CUSTOMER
        prospects = np.arange(initial_customers, self.potential, dtype=np.int64)
        thresholds = streams.exponential("awareness", -1, prospects)
        order = np.argsort(thresholds, kind="stable")
        self._order = prospects[order]
        self._thresholds = thresholds[order]
        self._cursor = 0
        self.cumulative_hazard = 0.0
        self.aware_pool = np.empty(0, dtype=np.int64)
        self.expose(-np.log1p(-min(initially_aware, 1.0 - 1e-15)))

    def expose(self, hazard: float, word_of_mouth_share: float = 0.0, streams: Streams | None = None,
               week: int = 0) -> np.ndarray:
        """Add ``hazard`` of awareness; return the ids of prospects who became aware.

        A share ``word_of_mouth_share`` of the hazard comes from customers' word of mouth; each
        newly aware prospect is marked as referred with that probability (keyed ``referral``
        stream), so referrals can be rewarded and convert better.
        """
        self.cumulative_hazard += hazard
        end = int(np.searchsorted(self._thresholds, self.cumulative_hazard, side="right"))
        fresh = self._order[self._cursor : end]
        self._cursor = end
        fresh = fresh[self.status[fresh] == UNAWARE]
        self.status[fresh] = AWARE
        if word_of_mouth_share > 0 and fresh.size and streams is not None:
            self.referred[fresh] = streams.uniform("referral", week, fresh) < word_of_mouth_share
        if fresh.size:
            self.aware_pool = np.concatenate([self.aware_pool, fresh])
        return fresh

    def convert(self, ids: np.ndarray) -> None:
        """Mark aware prospects ``ids`` as customers and drop them from the pool."""
        self.status[ids] = CUSTOMER
        self._prune()

    def lose(self, ids: np.ndarray) -> None:
        """Aware prospects ``ids`` stop considering the firm."""
        self.status[ids] = LOST
        self._prune()

    def _prune(self) -> None:
        self.aware_pool = self.aware_pool[self.status[self.aware_pool] == AWARE]

    @property
    def lost(self) -> int:
        """Prospects who were aware but stopped considering the firm."""
        return int(np.count_nonzero(self.status == LOST))

    @property
    def unaware(self) -> int:
        """Prospects who have not heard of the firm."""
        return self._order.size - self._cursor

    @property
    def aware(self) -> int:
        """Aware prospects who are not (yet) customers."""
        return self.aware_pool.size
