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
numbers needed for the same purpose, customer and week. :func:`unit` is the uniform of one id
under one stream key, a compiled scalar that loops call directly; :class:`Streams` gives whole
arrays. Market-level numbers that belong to no customer use ``generator(purpose, week)``, a numpy
Generator seeded from the same key.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy import special

from sim import mathfn
from sim.jit import njit

__all__ = ["Streams", "normalize_seed", "unit", "uniform_into", "normals_into"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
# Shift counts as uint64: numba would turn uint64 >> int64 into float arithmetic.
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0**-53
_S52, _LOW52, _ZERO = np.uint64(52), np.uint64((1 << 52) - 1), np.uint64(0)
_TWO52, _TWO52_BITS = 2.0**52, np.uint64(0x4330000000000000)  # 2**52 and its bit pattern


@njit(cache=True, nogil=True)
def unit(x, key):  # pragma: no cover - compiled
    """The uniform in (0, 1) of id ``x`` under stream ``key``: SplitMix64 of ``x * golden + key``.

    The top 53 bits of the hash, plus one half, times 2**-53.
    """
    z = np.uint64(x) * _GOLDEN + key
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    # float64(b) for the 53-bit b, exactly, from bit patterns: AVX2 has no vector conversion of
    # 64-bit integers, so the compiler's takes each lane out and back in.
    b = z >> _S11
    u = np.uint64((b & _LOW52) | _TWO52_BITS).view(np.float64) - _TWO52  # the low 52 bits
    u += np.uint64((_ZERO - (b >> _S52)) & _TWO52_BITS).view(np.float64)  # + 2**52 if bit 52 is set
    u += 0.5
    return u * _TO_UNIT


@njit(cache=True, nogil=True)
def uniform_into(ids, key, out):  # pragma: no cover - compiled
    """``out[i]``: the uniform of ``ids[i]`` under stream ``key``; returns ``out``."""
    for i in range(ids.size):
        out[i] = unit(ids[i], key)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def normals_into(ids, key, u, z):  # pragma: no cover - compiled
    """``z[:n]``: the standard normals of the ``n`` ``ids`` under stream ``key``; ``u`` is scratch."""
    n = ids.size
    uniform_into(ids, key, u)
    mathfn.ndtri_into(u[:n], z[:n])


def _mix64_scalar(x: int) -> int:
    """SplitMix64 finaliser of a Python integer (for stream keys)."""
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

    def uniform(self, purpose: str, week: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """Uniforms in the open interval (0, 1), one per id (a 1-d integer array)."""
        ids = np.asarray(ids)
        return uniform_into(ids, np.uint64(self.key(purpose, week, draw)), np.empty(ids.size))

    def normal(self, purpose: str, week: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """Standard normals by inverse CDF (:func:`sim.mathfn.ndtri`), one per id."""
        return mathfn.ndtri_array(self.uniform(purpose, week, ids, draw))

    def exponential(self, purpose: str, week: int, ids: np.ndarray, draw: int = 0) -> np.ndarray:
        """Unit-rate exponentials by inverse CDF, one per id."""
        return -np.log(self.uniform(purpose, week, ids, draw))

    def gamma(self, purpose: str, week: int, ids: np.ndarray, shape: float, scale: float, draw: int = 0) -> np.ndarray:
        """Gamma(shape, scale) by inverse CDF, one per id (used for traits drawn once at birth)."""
        return special.gammaincinv(shape, self.uniform(purpose, week, ids, draw)) * scale

    def beta(self, purpose: str, week: int, ids: np.ndarray, a: float, b: float, draw: int = 0) -> np.ndarray:
        """Beta(a, b) by inverse CDF, one per id (used for traits drawn once at birth)."""
        return special.betaincinv(a, b, self.uniform(purpose, week, ids, draw))

    def poisson(self, purpose: str, week: int, ids: np.ndarray, lam: np.ndarray | float, draw: int = 0) -> np.ndarray:
        """Poisson counts (int32) with means ``lam`` by inverse CDF (:func:`sim.mathfn.poisson_search`), one per id."""
        u = self.uniform(purpose, week, ids, draw)
        lam = np.ascontiguousarray(np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape))
        pmf0 = mathfn.exp_into(-lam, np.empty(lam.size))
        return mathfn.poisson_search(u, lam, pmf0, np.zeros(u.shape, dtype=np.int32))

    def generator(self, purpose: str, week: int, draw: int = 0) -> np.random.Generator:
        """A numpy Generator for market-level numbers that belong to no customer."""
        return np.random.Generator(np.random.PCG64(self.key(purpose, week, draw)))
