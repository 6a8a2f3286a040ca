"""Compiled loops behind the keyed streams (:mod:`sim.rng`), bit for bit the same as numpy's.

The counter-based hash and the Poisson inverse-CDF search are integer arithmetic and one
float multiply-add chain per element, so a compiled loop gives exactly the numbers of the
vectorised numpy code in :mod:`sim.rng` while reading each id once instead of once per
operation. numba is optional: without it (or with ``SIM_NUMPY_STREAMS=1`` in the environment)
the numpy code runs, and the tests check the two agree exactly.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["AVAILABLE", "uniform_into", "poisson_search"]

try:  # pragma: no cover - exercised by whichever environment runs the tests
    if os.environ.get("SIM_NUMPY_STREAMS"):
        raise ImportError("numpy streams requested")
    from numba import njit
except ImportError:  # pragma: no cover
    AVAILABLE = False
    uniform_into = poisson_search = None
else:
    AVAILABLE = True
    _GOLDEN = np.uint64(0x9E3779B97F4A7C15)
    _M1 = np.uint64(0xBF58476D1CE4E5B9)
    _M2 = np.uint64(0x94D049BB133111EB)
    # Shift counts as uint64: numba would turn uint64 >> int64 into float arithmetic.
    _S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
    _TO_UNIT = 2.0**-53

    @njit(cache=True, nogil=True)
    def uniform_into(ids, key, out):  # pragma: no cover - compiled
        """``out[i]``: the uniform in (0, 1) of ``ids[i]`` under stream ``key`` (see sim.rng)."""
        for i in range(ids.size):
            z = np.uint64(ids[i]) * _GOLDEN + key
            z ^= z >> _S30
            z *= _M1
            z ^= z >> _S27
            z *= _M2
            z ^= z >> _S31
            u = np.float64(z >> _S11)
            u += 0.5
            out[i] = u * _TO_UNIT
        return out

    @njit(cache=True, nogil=True)
    def poisson_search(u, lam, pmf0, counts):  # pragma: no cover - compiled
        """Inverse-CDF Poisson counts: the smallest k with ``u <= P(K <= k)``.

        ``pmf0`` is ``exp(-lam)`` computed by numpy, so every float operation matches
        :meth:`sim.rng.Streams.poisson`'s vectorised search.
        """
        for i in range(u.size):
            pmf = pmf0[i]
            cdf = pmf
            k = 0
            ui, li = u[i], lam[i]
            while ui > cdf:
                k += 1
                pmf = pmf * li / k
                cdf += pmf
                if not pmf > 0.0:  # the tail mass underflowed
                    break
            counts[i] = k
        return counts
