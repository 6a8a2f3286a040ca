"""Chance events over arrays: :func:`sim.behaviour.events.happens` for each uniform."""

from __future__ import annotations

import numpy as np

from sim.behaviour.events import happens
from sim.jit import njit

__all__ = ["happened", "happened_each"]


@njit(cache=True, nogil=True)
def _happened(u, p, out):  # pragma: no cover - compiled
    for i in range(u.size):
        out[i] = happens(u[i], p)


def happened(u: np.ndarray, probability: float) -> np.ndarray:
    """Whether the event of ``probability`` happens for each uniform of ``u`` (bool)."""
    out = np.empty(u.size, dtype=np.bool_)
    _happened(np.ascontiguousarray(u, dtype=np.float64), float(probability), out)
    return out


@njit(cache=True, nogil=True)
def _happened_each(u, p, out):  # pragma: no cover - compiled
    for i in range(u.size):
        out[i] = happens(u[i], p[i])


def happened_each(u: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Whether each event happens, for its uniform ``u[i]`` and its probability ``probabilities[i]`` (bool)."""
    out = np.empty(u.size, dtype=np.bool_)
    _happened_each(np.ascontiguousarray(u, dtype=np.float64), np.ascontiguousarray(probabilities, dtype=np.float64),
                   out)
    return out
