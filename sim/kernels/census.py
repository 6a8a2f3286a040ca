"""Counting kernels: who is a customer, a promoter, a detractor; sums by acquisition week.

One pass over the population each, branch-free where the rows they pick are scattered (a test
per row would compile to a mispredicted branch).
"""

from __future__ import annotations

import numpy as np

from sim.behaviour.purchase import attachment_multiplier
from sim.jit import njit
from sim.mathfn import BLOCK

__all__ = ["census", "advocates", "attachment_weights", "bincount", "sums_by_week"]


@njit(cache=True, nogil=True)
def _census(state, churned, lapsing, member, satisfaction, acquired_week, by_week):  # pragma: no cover
    n = state.size
    active = n_lapsing = members = 0
    s0 = s1 = s2 = s3 = 0.0
    keep = np.array([0.0, 1.0])
    for lo in range(0, n, BLOCK):  # BLOCK is a multiple of 4: the lanes run on across blocks
        hi = min(lo + BLOCK, n)
        # Branch-free counts (churned rows are scattered), so the loop vectorises; the rows of a
        # block most often share one acquisition week, found by its extremes.
        here_n = lapsing_n = members_n = 0
        a_min = a_max = acquired_week[lo]
        for r in range(lo, hi):
            s = state[r]
            here = s != churned
            here_n += here
            lapsing_n += s == lapsing
            members_n += member[r] & here
            a = acquired_week[r]
            a_min, a_max = min(a_min, a), max(a_max, a)
        active += here_n
        n_lapsing += lapsing_n
        members += members_n
        if a_min == a_max:
            by_week[a_min + 1] += here_n
        else:
            for r in range(lo, hi):
                by_week[acquired_week[r] + 1] += state[r] != churned
        # Satisfaction summed in four lanes by row: four chains of additions a quarter as long
        # as one. Churned rows add a product by 0 from a lookup (x * 0 + s is s, for finite x).
        for r in range(lo, lo + ((hi - lo) & ~3), 4):
            s0 += np.float64(satisfaction[r]) * keep[np.uint64(state[r] != churned)]
            s1 += np.float64(satisfaction[r + 1]) * keep[np.uint64(state[r + 1] != churned)]
            s2 += np.float64(satisfaction[r + 2]) * keep[np.uint64(state[r + 2] != churned)]
            s3 += np.float64(satisfaction[r + 3]) * keep[np.uint64(state[r + 3] != churned)]
    n4 = n & ~3
    rest = n - n4  # rows n4, n4 + 1, ... are in lanes 0, 1, ...
    if rest > 0 and state[n4] != churned:
        s0 += np.float64(satisfaction[n4])
    if rest > 1 and state[n4 + 1] != churned:
        s1 += np.float64(satisfaction[n4 + 1])
    if rest > 2 and state[n4 + 2] != churned:
        s2 += np.float64(satisfaction[n4 + 2])
    return active, n_lapsing, members, (s0 + s1) + (s2 + s3)


def census(pop, weeks: int, codes: tuple[int, int]) -> tuple[int, int, int, float, np.ndarray]:
    """One pass over the population at the end of a week.

    ``codes`` are the state codes of churned and lapsing customers. Returns customers not
    churned, of them lapsing and members, their mean satisfaction (summed in float64 in four
    lanes by row, each in row order, then ``(0 + 1) + (2 + 3)``) and their counts by
    acquisition week + 1 (length ``weeks + 1``).
    """
    churned, lapsing = codes
    by_week = np.zeros(weeks + 1, dtype=np.int64)
    active, n_lapsing, members, sat = _census(pop.state, churned, lapsing, pop.member, pop.satisfaction,
                                              pop.acquired_week, by_week)
    return active, n_lapsing, members, sat / active if active else 0.0, by_week


@njit(cache=True, nogil=True)
def _advocates(state, churned, satisfaction, high, low, alive, promoting):  # pragma: no cover - compiled
    k = kp = below = 0
    for r in range(state.size):  # branch-free: every row is written, kept when it qualifies
        here = state[r] != churned
        x = satisfaction[r]
        alive[k] = r
        k += here
        promoting[kp] = r
        kp += here & (x >= high)
        below += here & (x < low)
    return k, kp, below


def advocates(state: np.ndarray, churned: int, satisfaction: np.ndarray, thresholds: tuple[float, float],
              out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows not ``churned``; of them, those with satisfaction at least ``thresholds[0]`` (promoters)
    and how many are below ``thresholds[1]`` (detractors).

    One pass over the population; both row lists ascending. Thresholds are compared in float32,
    the dtype of ``satisfaction``. ``out``, if given (int64, at least ``state.size + 1`` long),
    receives the first list, returned as its head: rows can then be appended in place after it.
    """
    high, low = thresholds
    # Room for every row, but only the pages written are touched: views, not copies, so the week
    # does not hold two lists of its customers at a time.
    alive = out if out is not None and out.size > state.size and out.dtype == np.int64 else \
        np.empty(state.size + 1, dtype=np.int64)
    promoting = np.empty(state.size + 1, dtype=np.int64)
    k, kp, below = _advocates(state, np.int8(churned), satisfaction, np.float32(high), np.float32(low), alive,
                              promoting)
    return alive[:k], promoting[:kp], int(below)


@njit(cache=True, nogil=True)
def _attachment_weights(rows, attachment, slope, out):  # pragma: no cover - compiled
    for i in range(rows.size):  # a float32 product, as the weights are kept
        out[i] = attachment_multiplier(attachment[np.uint64(rows[i])], slope)


def attachment_weights(rows: np.ndarray, attachment: np.ndarray, ratio: float) -> np.ndarray:
    """Attachment's multiplier (advocacy ``ratio``) of ``attachment[rows]``, as float32 weights."""
    out = np.empty(rows.size, dtype=np.float32)
    _attachment_weights(rows, attachment, np.float32(ratio - 1.0), out)
    return out


@njit(cache=True, nogil=True)
def _bincount(idx, offset, out):  # pragma: no cover - compiled
    for i in range(idx.size):
        out[np.uint64(idx[i] + offset)] += 1


@njit(cache=True, nogil=True)
def _bincount_weights(idx, offset, weights, out):  # pragma: no cover - compiled
    for i in range(idx.size):  # in order, as np.bincount sums
        out[np.uint64(idx[i] + offset)] += weights[i]


def bincount(idx: np.ndarray, minlength: int, weights: np.ndarray | None = None, offset: int = 0) -> np.ndarray:
    """``np.bincount(idx + offset, weights, minlength)`` of integer ``idx`` without the shifted copy.

    Counts are int64, weighted sums float64 added in the order of ``idx``.
    """
    size = max(minlength, int(idx.max()) + offset + 1) if idx.size else minlength
    if weights is None:
        out = np.zeros(size, dtype=np.int64)
        _bincount(idx, offset, out)
    else:
        out = np.zeros(size)
        _bincount_weights(idx, offset, np.asarray(weights, dtype=np.float64), out)
    return out


@njit(cache=True, nogil=True)
def _sums_by_week(rows, acquired_week, first, second, out_first, out_second):  # pragma: no cover - compiled
    for i in range(rows.size):  # in row order, as np.bincount sums
        b = np.uint64(acquired_week[np.uint64(rows[i])] + 1)
        out_first[b] += first[i]
        out_second[b] += second[i]


def sums_by_week(rows: np.ndarray, acquired_week: np.ndarray, amounts: tuple[np.ndarray, np.ndarray],
                 size: int) -> tuple[np.ndarray, np.ndarray]:
    """Two per-row ``amounts`` of ``rows`` summed by their acquisition week + 1 (float64, length ``size``)."""
    first, second = amounts
    out_first, out_second = np.zeros(size), np.zeros(size)
    _sums_by_week(rows, acquired_week, np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64),
                  out_first, out_second)
    return out_first, out_second
