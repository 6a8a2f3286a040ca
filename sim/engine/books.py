"""The week's books: costs charged to the ledger and to the customers who bear them.

Money moves only through the :class:`~sim.ledger.Ledger`. A cost a customer bears (service,
offers, rewards, programme membership) is posted to its ledger category and added to that
customer's cost of the week; :meth:`Books.close_week` then moves each customer's margin and cost
of the week into her lifetime accounts and discounted value.

Every cost borne by customers is also booked in the ledger by who bore it (the initial base or
customers acquired during the run, :data:`sim.ledger.WHO`), so that the costs of keeping new
customers (their win-back offers, say) are never counted as the retained base's.
"""

from __future__ import annotations

import numpy as np

from sim.kernels import books as kb
from sim.ledger import Ledger

__all__ = ["Books"]


class Books:
    """The ledger of a run and the per-customer cost buffer of the current week.

    Parameters
    ----------
    ledger : Ledger
        The run's ledger.
    pop : Population
        The customers (their accounts are booked at the end of each week).
    discount_log_rate : float
        Continuous discount rate per week of customers' discounted value
        (``MarketConfig.discount_log_rate_weekly``).
    n_initial : int
        Customers of the initial base. They are the first ``n_initial`` rows: they are added
        before anyone else, and rows are never reordered.
    """

    def __init__(self, ledger: Ledger, pop, discount_log_rate: float, n_initial: int):
        self.ledger = ledger
        self.pop = pop
        self.n_initial = int(n_initial)
        self.week = 0
        # Discount factor of a week's contribution by weeks since acquisition, received at the end of
        # the week (as npv_profit discounts): the week of acquisition is discounted one week.
        self._discount_by_age = np.exp(-discount_log_rate * np.arange(1, ledger.weeks + 2))
        # Per-row cost of the current week; rows are zeroed once the week is booked.
        self._cost_buf = np.zeros(pop._cap)
        # Rows credited this week that may be outside the week's customers (points expiring on a
        # churned customer's card): booked at the close of the week.
        self._credited: list[np.ndarray] = []

    def _borne(self, rows: np.ndarray, amounts: np.ndarray) -> tuple[float, float]:
        """The parts of ``amounts`` borne by the initial base and by new customers (currency units).

        The base's rows come first, so a row's number tells who she is. Ascending ``rows`` (the
        usual case) split into two slices, which numpy sums as it would the masked copies.
        """
        if rows.size < 2 or not (rows[1:] < rows[:-1]).any():
            k = int(np.searchsorted(rows, self.n_initial))
            return float(amounts[:k].sum()), float(amounts[k:].sum())
        new = rows >= self.n_initial
        return float(amounts[~new].sum()), float(amounts[new].sum())

    def post(self, category: str, amount: float) -> None:
        """Post a flow of the firm as a whole this week (currency units, >= 0)."""
        self.ledger.post(self.week, category, float(amount))

    def charge(self, rows: np.ndarray | None, amounts: np.ndarray | float, category: str) -> None:
        """Post a cost to the ledger and, when ``rows`` is given, to those customers' cost of the week.

        Parameters
        ----------
        rows : ndarray of int or None
            Population rows bearing the cost (each at most once), or None for a cost of the
            firm as a whole. Only this week's customers and win-back targets may bear costs.
        amounts : ndarray or float
            Cost per row, or the total when ``rows`` is None (currency units).
        category : str
            Ledger category.
        """
        if rows is None:
            self.ledger.post(self.week, category, float(amounts))
            return
        amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float64), rows.shape)
        self.ledger.post(self.week, category, float(amounts.sum()), self._borne(rows, amounts))
        self.ensure_capacity()
        kb.scatter_add(self._cost_buf, rows, amounts)

    def credit(self, rows: np.ndarray, amounts: np.ndarray | float, category: str) -> None:
        """Post a positive flow (a category of sign +1) that lowers customers ``rows``' cost of the week.

        Unlike :meth:`charge`, ``rows`` may include customers who are not this week's (a churned
        customer's points expiring): they are booked at the close of the week.

        Parameters
        ----------
        rows : ndarray of int
            Distinct population rows.
        amounts : ndarray or float
            Amount per row (currency units, >= 0).
        category : str
            Ledger category of sign +1 (e.g. ``points_released``).
        """
        amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float64), rows.shape)
        self.ledger.post(self.week, category, float(amounts.sum()), self._borne(rows, amounts))
        self.ensure_capacity()
        kb.scatter_add(self._cost_buf, rows, -amounts)
        self._credited.append(rows)

    def charge_per_row(self, rows: np.ndarray, unit_cost: float, weights: np.ndarray, category: str,
                       counts: np.ndarray | None = None) -> None:
        """:meth:`charge` of ``unit_cost * weights[rows]`` (times ``counts`` if given) in one pass.

        ``weights`` is a float32 field of the population (e.g. ``service_demand``), all rows;
        ``rows`` are distinct; ``counts`` units per row (e.g. purchase occasions).
        """
        self.ensure_capacity()
        amounts = kb.per_row_charge(self._cost_buf, rows, weights, unit_cost, counts)
        self.ledger.post(self.week, category, float(amounts.sum()), self._borne(rows, amounts))

    def ensure_capacity(self) -> None:
        """Grow the cost buffer with the population."""
        if self._cost_buf.size < self.pop.n:
            size = self.pop._cap
            self._cost_buf = np.concatenate([self._cost_buf, np.zeros(size - self._cost_buf.size)])

    def close_week(self, parts: list, targeted: np.ndarray, fixed_cost: float, weeks: int) -> np.ndarray:
        """Allocate the week's fixed cost over its customers and book everyone's week.

        ``parts`` are the week's blocks of customers (each with its rows and the margins of its
        buyers); ``targeted`` are win-back targets outside them, who bore a cost. The fixed cost
        is spread equally over the week's customers, as the last charge of the week (or booked
        to the firm when it has none). Customers credited this week outside ``parts`` and
        ``targeted`` are booked last. Returns the week's contribution (margin less cost,
        currency units) by acquisition week + 1.
        """
        week, pop = self.week, self.pop
        n = sum(p.rows.size for p in parts)
        fixed_share = 0.0
        if n:
            fixed_share = fixed_cost / n
            n_new = sum(int(np.count_nonzero(p.rows >= self.n_initial)) for p in parts)
            self.ledger.post(week, "fixed_costs", float(np.broadcast_to(np.float64(fixed_share), (n,)).sum()),
                             (fixed_share * (n - n_new), fixed_share * n_new))
        else:
            self.charge(None, fixed_cost, "fixed_costs")
        self.ensure_capacity()
        by_week = np.zeros(weeks + 1)
        for p in parts:
            margin = kb.spread_into(p.rows.size, p.bought, p.margin)
            kb.book_week(p.rows, margin, self._cost_buf, pop, self._discount_by_age, week, by_week, fixed_share)
        if targeted.size:
            kb.book_week(targeted, np.zeros(targeted.size), self._cost_buf, pop, self._discount_by_age, week, by_week)
        if self._credited:  # whoever is credited and not booked yet still has an amount in the buffer
            rows = np.unique(np.concatenate(self._credited))
            rows = rows[self._cost_buf[rows] != 0.0]
            self._credited = []
            kb.book_week(rows, np.zeros(rows.size), self._cost_buf, pop, self._discount_by_age, week, by_week)
        return by_week

    def free(self) -> None:
        """Release the weekly buffer once the books are closed."""
        self._cost_buf = np.zeros(0)
