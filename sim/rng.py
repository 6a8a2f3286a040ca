"""Keyed random streams: the luck of a customer is addressed, not consumed.

Every random number in a run is a pure function of ``(seed, purpose, week, draw, customer id)``:
a SplitMix64 finaliser (Steele, Lea & Flood 2014) hashes the key into 64 random bits. So

* the same customer meets the same luck for a purpose in two scenarios that differ only in
  strategy (common random numbers), whatever order customers were acquired in and whatever
  other random numbers the scenarios used;
* a new purpose or an extra draw never shifts the numbers of existing ones;
* no generator state is carried between weeks, so a run can be split, resumed or parallelised
  without changing a single number.

``purpose`` is a short name ("purchase", "churn", ...); ``draw`` tells apart several independent
numbers needed for the same purpose, customer and week. Market-level numbers that belong to no
customer use ``generator(purpose, week)``, a numpy Generator seeded from the same key.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy import special

from sim import compiled, mathfn

__all__ = ["Streams", "normalize_seed"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53


def _mix64_inplace(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser applied in place to a uint64 array (a bijection on 64-bit words)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _mix64_scalar(x: int) -> int:
    mask = (1 << 64) - 1
    x &= mask
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & mask
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & mask
    return x ^ (x >> 31)


def normalize_seed(seed: int | np.integer | None) -> int:
    """Turn any seed-like input into a non-negative 63-bit integer, once, at the top of a run."""
    if seed is None:
        return 0
    value = int(seed)
    if value < 0:
        raise ValueError(f"The 'seed' parameter must be a non-negative integer. Got {value} instead.")
    return value & ((1 << 63) - 1)


class Streams:
    """Counter-based random numbers keyed by purpose, week, draw and customer id.

    Parameters
    ----------
    seed : int
        The run's root seed.
    """

    def __init__(self, seed: int):
        self.seed = normalize_seed(seed)
        self._root = _mix64_scalar(self.seed ^ 0x5851F42D4C957F2D)

    def key(self, purpose: str, week: int, draw: int = 0) -> int:
        """The 64-bit key of one (purpose, week, draw) stream."""
        k = _mix64_scalar(self._root ^ zlib.crc32(purpose.encode()))
        k = _mix64_scalar(k + (int(week) + 1) * 0x9E3779B97F4A7C15)
        return _mix64_scalar(k + (int(draw) + 1) * 0xD1B54A32D192ED03)

    def bits(self, purpose: str, week: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """64 random bits per id as a uint64 array (one fresh array, same length as ``ids``)."""
        z = np.asarray(ids).astype(np.uint64, copy=True)
        z *= _GOLDEN
        z += np.uint64(self.key(purpose, week, draw))
        return _mix64_inplace(z)

    def uniform(self, purpose: str, week: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """Uniforms in the open interval (0, 1), one per id."""
        ids = np.asarray(ids)
        if compiled.AVAILABLE and ids.ndim == 1 and ids.dtype.kind in "iu":
            return compiled.uniform_into(ids, np.uint64(self.key(purpose, week, draw)), np.empty(ids.size))
        return self._uniform_numpy(purpose, week, ids, draw)

    def _uniform_numpy(self, purpose: str, week: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """:meth:`uniform` in vectorised numpy (the reference the compiled loop must match)."""
        z = self.bits(purpose, week, ids, draw)
        z >>= _S11
        u = z.astype(np.float64)
        u += 0.5
        u *= _TO_UNIT
        return u

    def normal(self, purpose: str, week: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """Standard normals by inverse CDF (:func:`sim.mathfn.ndtri`), one per id."""
        return mathfn.ndtri(self.uniform(purpose, week, ids, draw))

    def exponential(self, purpose: str, week: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """Unit-rate exponentials by inverse CDF, one per id."""
        return -np.log(self.uniform(purpose, week, ids, draw))

    def gamma(self, purpose: str, week: int, ids: np.ndarray, shape: float, scale: float, draw: int = 0) -> np.ndarray:
        """Gamma(shape, scale) by inverse CDF, one per id (used for traits drawn once at birth)."""
        return special.gammaincinv(shape, self.uniform(purpose, week, ids, draw)) * scale

    def beta(self, purpose: str, week: int, ids: np.ndarray, a: float, b: float, draw: int = 0) -> np.ndarray:
        """Beta(a, b) by inverse CDF, one per id (used for traits drawn once at birth)."""
        return special.betaincinv(a, b, self.uniform(purpose, week, ids, draw))

    def poisson(self, purpose: str, week: int, ids: np.ndarray, lam: np.ndarray, draw: int = 0) -> np.ndarray:
        """Poisson counts with means ``lam`` by inverse CDF, one per id.

        The loop runs over count values, not customers: each pass handles every customer whose
        count is still undecided, so it ends after about ``max(lam) + 10 sqrt(max(lam))`` passes.
        """
        u = self.uniform(purpose, week, ids, draw)
        lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
        counts = np.zeros(u.shape, dtype=np.int32)
        if compiled.AVAILABLE and u.ndim == 1:
            lam = np.ascontiguousarray(lam)
            return compiled.poisson_search(u, lam, compiled.exp_into(-lam, np.empty(lam.size)), counts)
        return self._poisson_search_numpy(u, lam, mathfn.exp_numpy(-lam), counts)

    @staticmethod
    def _poisson_search_numpy(u: np.ndarray, lam: np.ndarray, pmf: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The inverse-CDF search of :meth:`poisson` in vectorised numpy (the reference)."""
        cdf = pmf.copy()
        open_ = np.flatnonzero(u > cdf)
        k = 0
        while open_.size:
            k += 1
            pmf_o = pmf[open_] * lam[open_] / k
            pmf[open_] = pmf_o
            cdf[open_] += pmf_o
            counts[open_] = k
            still = u[open_] > cdf[open_]
            # Guard against rounding when the remaining tail mass underflows.
            still &= pmf_o > 0.0
            open_ = open_[still]
        return counts

    def generator(self, purpose: str, week: int, draw: int = 0) -> np.random.Generator:
        """A numpy Generator for market-level numbers that belong to no customer."""
        return np.random.Generator(np.random.PCG64(self.key(purpose, week, draw)))
