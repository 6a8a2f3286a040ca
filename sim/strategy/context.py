"""What a strategy plugin sees of a run: the narrow context the engine hands to loyalty schemes and the support desk.

A plugin never holds the engine. It gets a :class:`RunContext`: the week, the customers, the
keyed streams, the books (money and points move only through :meth:`RunContext.charge`,
:meth:`RunContext.post` and :meth:`RunContext.post_points`) and the few engine facts a service
encounter needs. Random numbers come from the keyed streams by purpose, week, draw and id.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.population import Population
from sim.rng import Streams

__all__ = ["RunContext"]


class RunContext:
    """The run as a plugin sees it.

    Parameters
    ----------
    weeks : int
        Length of the run in weeks.
    pop : Population
        The customers (plugins read and write their own fields and the fields of the behaviour
        they change, e.g. satisfaction).
    streams : Streams
        The run's keyed random streams.
    books : object
        The books of the run: ``charge(rows, amounts, category)`` and its ``ledger``
        (:class:`sim.engine.books.Books`).
    service_bonus : Callable
        ``service_bonus(rows)``: the service quality added for customers ``rows`` by loyalty
        benefits and segment treatments (0-1 scale).
    generation_quality : ndarray
        Quality of each product generation (0-1 scale).
    failure_prob : Callable
        ``failure_prob() -> float``: the probability this week that a service encounter fails.

    Attributes
    ----------
    week : int
        The week being simulated (set by the engine).
    """

    def __init__(self, weeks: int, pop: Population, streams: Streams, books,
                 service_bonus: Callable[[np.ndarray], np.ndarray | float],
                 generation_quality: np.ndarray, failure_prob: Callable[[], float]):
        self.weeks = weeks
        self.pop = pop
        self.streams = streams
        self._books = books
        self._service_bonus = service_bonus
        self.generation_quality = generation_quality
        self._failure_prob = failure_prob
        self.week = 0

    @property
    def ledger(self):
        """The run's ledger, to read totals (:meth:`~sim.ledger.Ledger.total`, ``points()``)."""
        return self._books.ledger

    def charge(self, rows: np.ndarray | None, amounts: np.ndarray | float, category: str) -> None:
        """Book a cost this week, borne by customers ``rows`` (or by the firm when None); currency units."""
        self._books.charge(rows, amounts, category)

    def credit(self, rows: np.ndarray, amounts: np.ndarray | float, category: str) -> None:
        """Book a positive flow this week that lowers customers ``rows``' cost (e.g. a released
        points provision); currency units >= 0 per row."""
        self._books.credit(rows, amounts, category)

    def post(self, category: str, amount: float) -> None:
        """Book a flow of the firm as a whole this week (e.g. partner funding received), currency units >= 0."""
        self._books.ledger.post(self.week, category, amount)

    def post_points(self, flow: str, points: int) -> None:
        """Book loyalty points ``issued``, ``redeemed`` or ``expired`` this week."""
        self._books.ledger.post_points(self.week, flow, points)

    def service_bonus(self, rows: np.ndarray) -> np.ndarray | float:
        """Service quality added for customers ``rows`` by loyalty benefits and segment treatments."""
        return self._service_bonus(rows)

    def product_quality(self, rows: np.ndarray) -> np.ndarray:
        """Quality of the product generation each of customers ``rows`` has (0-1 scale)."""
        return self.generation_quality[self.pop.generation[rows]]

    @property
    def failure_prob(self) -> float:
        """Probability this week that a service encounter fails."""
        return self._failure_prob()
