"""Distinct purchase histories with their counts: the speed trick of the customer-base fits, in one place.

The likelihoods of BG/NBD, Pareto/NBD and the covariate BG/NBD depend on a customer only through
her history ``(x, t_x, T)`` (and her covariate), and their costly terms through less still:
log-gamma, beta and digamma functions through ``x`` alone, BG/NBD's logarithms through ``T`` alone
or ``t_x`` alone, Pareto/NBD's hypergeometric functions through ``(x, t_x)`` or ``(x, T)``. A log
dated by days has few distinct values of each (``t_x`` and ``T`` are whole days over 7), so the
fits work on the distinct histories with their counts, where the total log-likelihood is the
count-weighted sum, exactly, and compute each costly term once per distinct value of what it
depends on (:class:`Levels`), then gather it.

Measured on a synthetic log of 5 M lines (832 k customers, 39 calibration weeks:
``python -m benchmarks --only calibrate``, docs/performance.md): 192 k distinct histories, 71
values of x, 266 of T, 7,905 (x, t) pairs; the BG/NBD fit from 44 s to 1 s (with its exact
gradient), Pareto/NBD from 334 s to 10 s. Histories with continuous times (a simulated log) are
all distinct: the fits then do what they did before, at the cost of one sort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Levels", "Histories", "levels", "distinct_histories"]


@dataclass(frozen=True)
class Levels:
    """The distinct values of an array and where each element's value sits among them.

    Attributes
    ----------
    values : ndarray
        Distinct values, sorted (for several arrays: a tuple of arrays, one per array).
    index : ndarray of intp
        ``values[index]`` is the original array.
    """

    values: np.ndarray | tuple[np.ndarray, ...]
    index: np.ndarray


def levels(*arrays: np.ndarray) -> Levels:
    """Distinct values of one array, or distinct tuples of several arrays of one length."""
    if len(arrays) == 1:
        values, index = np.unique(arrays[0], return_inverse=True)
        return Levels(values, index.ravel())
    starts, order, group = _groups(arrays)
    return Levels(tuple(a[order][starts] for a in arrays), group)


def _groups(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (in sorted order) where each distinct tuple starts, the sort, and each row's group."""
    order = np.lexsort(tuple(arrays)[::-1])
    new = np.zeros(order.size, dtype=bool)
    new[:1] = True
    for a in arrays:
        s = a[order]
        new[1:] |= s[1:] != s[:-1]
    starts = np.flatnonzero(new)
    group = np.empty(order.size, dtype=np.intp)
    group[order] = np.cumsum(new) - 1
    return starts, order, group


@dataclass(frozen=True)
class Histories:
    """Distinct purchase histories, their counts, and the levels of their parts.

    Attributes
    ----------
    x, t_x, T : ndarray
        Repeat purchases, time of the last and time observed of each distinct history.
    covariates : tuple of ndarray
        Further columns that told histories apart (e.g. the covariate ``z``), per distinct row.
    counts : ndarray of float
        Customers with each history (the weights of the log-likelihood).
    inverse : ndarray of intp
        Each original customer's row: ``x[inverse]`` is the original ``x``.
    """

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    covariates: tuple[np.ndarray, ...]
    counts: np.ndarray
    inverse: np.ndarray

    @property
    def customers(self) -> float:
        """Customers in all: the sum of the counts."""
        return float(self.counts.sum())


def distinct_histories(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *covariates: np.ndarray,
                       counts: np.ndarray | None = None) -> Histories:
    """Merge identical rows of ``(x, t_x, T, *covariates)``, adding up their counts.

    Parameters
    ----------
    x, t_x, T : ndarray
        One entry per customer (or per group of customers, with ``counts``).
    *covariates : ndarray
        Further columns rows must share to be merged.
    counts : ndarray, optional
        Customers each row stands for (positive); 1 each by default.

    Returns
    -------
    Histories
        The distinct rows in sorted order, with their summed counts.
    """
    columns = [np.ascontiguousarray(c, dtype=np.float64).ravel() for c in (x, t_x, T, *covariates)]
    weights = np.ones(columns[0].size) if counts is None else np.asarray(counts, dtype=np.float64).ravel()
    starts, order, group = _groups(columns)
    summed = np.bincount(group, weights=weights, minlength=starts.size)
    distinct = [c[order][starts] for c in columns]
    return Histories(distinct[0], distinct[1], distinct[2], tuple(distinct[3:]), summed, group)
