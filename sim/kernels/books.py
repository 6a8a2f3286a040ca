"""Book-keeping kernels: each customer's cost of the week, and the weekly booking of her accounts.

Costs borne by customers are posted to the ledger (by :class:`sim.engine.books.Books`) and added
to a per-row buffer of the week; at the end of the week :func:`book_week` moves each row's margin
and cost into her lifetime accounts and discounted value and clears the buffer. Sums are in row
order, as numpy's ``bincount`` and ``add.at`` sum, so booking a week in several calls sums as
one call would.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit

__all__ = ["scatter_add", "per_row_charge", "spread_into", "book_week"]


@njit(cache=True, nogil=True)
def _scatter_add(buf, rows, amounts):  # pragma: no cover - compiled
    for i in range(rows.size):
        buf[np.uint64(rows[i])] += amounts[i]


def scatter_add(buf: np.ndarray, rows: np.ndarray, amounts: np.ndarray) -> None:
    """``buf[rows] += amounts`` for distinct ``rows`` (``amounts`` may be a broadcast scalar)."""
    _scatter_add(buf, rows, amounts)


@njit(cache=True, nogil=True)
def _scaled_charge(buf, rows, weights, scale32, amounts):  # pragma: no cover - compiled
    for i in range(rows.size):
        r = np.uint64(rows[i])
        a = np.float64(scale32 * weights[r])  # a float32 product, as numpy multiplies a float32 field
        amounts[i] = a
        buf[r] += a


@njit(cache=True, nogil=True)
def _counted_charge(buf, rows, counts, scale, weights, amounts):  # pragma: no cover - compiled
    for i in range(rows.size):
        r = np.uint64(rows[i])
        a = (np.float64(counts[i]) * scale) * np.float64(weights[r])
        amounts[i] = a
        buf[r] += a


def per_row_charge(buf: np.ndarray, rows: np.ndarray, weights: np.ndarray, scale: float,
                   counts: np.ndarray | None = None) -> np.ndarray:
    """Add each row's cost to ``buf[rows]`` and return the costs (float64, currency units).

    The cost of row ``r`` is ``scale * weights[r]`` for a float32 field ``weights`` (a float32
    product), or with ``counts`` ``counts * scale * weights[r]`` in float64. ``rows`` are distinct.
    """
    amounts = np.empty(rows.size)
    if counts is None:
        _scaled_charge(buf, rows, weights, np.float32(scale), amounts)
    else:
        _counted_charge(buf, rows, counts, float(scale), weights, amounts)
    return amounts


@njit(cache=True, nogil=True)
def _spread_into(out, positions, values):  # pragma: no cover - compiled
    for i in range(positions.size):
        out[np.uint64(positions[i])] = values[i]


def spread_into(n: int, positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A float64 array of ``n`` zeros with ``values`` at ``positions`` (distinct)."""
    out = np.zeros(n)
    _spread_into(out, positions, values)
    return out


@njit(cache=True, nogil=True)
def _book_week(touched, margin, buf, gross_margin, cost_to_serve, clv_pv, acquired_week, discount_by_age,
               week, by_week, extra_cost):  # pragma: no cover - compiled
    cur, acc = 0, 0.0
    for i in range(touched.size):
        r = np.uint64(touched[i])
        m = margin[i]
        cost = buf[r] + extra_cost
        c = m - cost
        gross_margin[r] += m
        cost_to_serve[r] += cost
        a = acquired_week[r]
        clv_pv[r] += c * discount_by_age[np.uint64(week - max(a, 0))]
        buf[r] = 0.0
        # by_week[a + 1] += c in row order, as np.bincount would sum, with the running sum in a
        # register while rows share an acquisition week (they come in runs): through memory,
        # each addition would wait for the last one's store.
        if i == 0 or a != cur:
            if i:
                by_week[cur + 1] = acc
            cur = a
            acc = by_week[a + 1]
        acc += c
    if touched.size:
        by_week[cur + 1] = acc


def book_week(touched: np.ndarray, margin: np.ndarray, buf: np.ndarray, pop, discount_by_age: np.ndarray,
              week: int, by_week: np.ndarray, extra_cost: float = 0.0) -> None:
    """Book one week of margin and cost into each customer's accounts; clear the cost buffer.

    Parameters
    ----------
    touched : ndarray of int
        Distinct rows that bought or bore a cost this week.
    margin : ndarray
        Gross margin of each touched row this week (currency units).
    buf : ndarray
        Cost of the week per population row (currency units); zeroed at ``touched``.
    pop : Population
        Its ``gross_margin``, ``cost_to_serve`` and ``clv_pv`` are updated in place.
    discount_by_age : ndarray
        Discount factor by weeks since acquisition.
    week : int
        The week booked.
    by_week : ndarray
        Contribution (margin less cost, currency units) by acquisition week + 1, added to in
        row order.
    extra_cost : float
        A cost every touched row bears on top of ``buf`` (currency units), added as the last
        charge of the week would be: the allocation of fixed costs, without a pass of its own.
    """
    _book_week(touched, margin, buf, pop.gross_margin, pop.cost_to_serve, pop.clv_pv, pop.acquired_week,
               discount_by_age, week, by_week, float(extra_cost))
