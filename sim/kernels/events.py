"""Chance events over arrays: :func:`sim.behaviour.events.happens` for each uniform."""

from __future__ import annotations

import numpy as np

from sim.behaviour.events import happens
from sim.jit import njit

__all__ = ["happened"]


@njit(cache=True, nogil=True)
def _happened(u, p, out):  # pragma: no cover - compiled
    for i in range(u.size):
        out[i] = happens(u[i], p)


@njit(cache=True, nogil=True)
def _happened_each(u, p, out):  # pragma: no cover - compiled
    for i in range(u.size):
        out[i] = happens(u[i], p[i])


def happened(u: np.ndarray, probability: float | np.ndarray) -> np.ndarray:
    """Whether the event of ``probability`` happens for each uniform of ``u`` (bool).

    ``probability`` is one probability for all, or one per uniform (an array of ``u``'s size).
    """
    out = np.empty(u.size, dtype=np.bool_)
    u = np.ascontiguousarray(u, dtype=np.float64)
    if np.ndim(probability):
        _happened_each(u, np.ascontiguousarray(probability, dtype=np.float64), out)
    else:
        _happened(u, float(probability), out)
    return out

