"""Numpy oracles of :mod:`sim.mathfn` and :mod:`sim.rng`: exp, log, the normal quantile, the Poisson
search and the keyed uniforms, vectorised, with the same float operations as the compiled scalars."""

from __future__ import annotations

import numpy as np

from sim.mathfn import (
    INV_LN2,
    LG,
    LN2_HI,
    LN2_LO,
    NDTRI_A,
    NDTRI_B,
    NDTRI_C,
    NDTRI_CONST1,
    NDTRI_CONST2,
    NDTRI_D,
    NDTRI_E,
    NDTRI_F,
    NDTRI_SPLIT1,
    NDTRI_SPLIT2,
    P1,
    P2,
    P3,
    P4,
    P5,
    TINY,
    X_MAX,
    X_MIN,
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))


def uniform(streams, purpose: str, week: int, ids, draw: int = 0) -> np.ndarray:
    """The keyed uniforms of :meth:`sim.rng.Streams.uniform`: SplitMix64 in numpy uint64 arithmetic."""
    z = np.asarray(ids).astype(np.uint64, copy=True)
    z *= _GOLDEN
    z += np.uint64(streams.key(purpose, week, draw))
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    z >>= _S11
    u = z.astype(np.float64)
    u += 0.5
    u *= 2.0**-53
    return u


def normal(streams, purpose: str, week: int, ids, draw: int = 0) -> np.ndarray:
    """The keyed normals of :meth:`sim.rng.Streams.normal`."""
    return ndtri_numpy(uniform(streams, purpose, week, ids, draw))


def poisson_search(u: np.ndarray, lam: np.ndarray, pmf: np.ndarray) -> np.ndarray:
    """The inverse-CDF Poisson search, vectorised over customers, one pass per count value."""
    counts = np.zeros(u.shape, dtype=np.int32)
    pmf = pmf.copy()
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
        still &= pmf_o > 0.0  # the remaining tail mass underflowed
        open_ = open_[still]
    return counts


def poisson(streams, purpose: str, week: int, ids, lam, draw: int = 0) -> np.ndarray:
    """Poisson counts of :meth:`sim.rng.Streams.poisson`."""
    u = uniform(streams, purpose, week, ids, draw)
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
    return poisson_search(u, lam, exp_numpy(-lam))


def exp_numpy(x):
    """:func:`exp` in vectorised numpy (the reference the compiled loop must match).

    Parameters
    ----------
    x : array_like or float
        Exponents. NaN is not expected (it is clipped into range like any other value).

    Returns
    -------
    ndarray or float
        A float for a scalar ``x``, else an array of ``x`` 's shape.
    """
    x = np.asarray(x, dtype=np.float64)
    scalar = x.ndim == 0
    x = np.clip(x.reshape(1) if scalar else x, X_MIN, X_MAX)
    kf = x * INV_LN2
    kf += 0.5
    np.floor(kf, out=kf)
    hi = kf * LN2_HI
    np.subtract(x, hi, out=hi)
    lo = kf * LN2_LO
    r = hi - lo
    t = r * r
    c = t * P5
    for p in (P4, P3, P2, P1):
        c += p
        c *= t
    np.subtract(r, c, out=c)
    # y = 1 - ((lo - r c / (2 - c)) - hi)
    r *= c
    c -= 2.0
    np.negative(c, out=c)
    r /= c
    np.subtract(lo, r, out=lo)
    lo -= hi
    np.subtract(1.0, lo, out=lo)
    # Times 2**k in two exact halves, so that 2**k itself need not be a normal number.
    k = kf.astype(np.int64)
    k1 = k >> 1
    k -= k1
    k1 += 1023
    k1 <<= 52
    k += 1023
    k <<= 52
    lo *= k1.view(np.float64)
    with np.errstate(over="ignore"):  # beyond X_MAX: inf, as the C library gives
        lo *= k.view(np.float64)
    return float(lo[0]) if scalar else lo


def log_numpy(x: np.ndarray) -> np.ndarray:
    """Natural logarithm of positive normal float64 numbers (fdlibm's), in vectorised numpy.

    Zero, subnormals, negative numbers, inf and NaN are outside its domain (the normal
    quantile never asks for them).
    """
    x = np.asarray(x, dtype=np.float64)
    bits = x.view(np.int64)
    hx = (bits >> 32) & 0x000FFFFF  # the high word of the mantissa
    k = (bits >> 52) - 1023
    # Scale into [sqrt(2)/2, sqrt(2)): i is 0x100000 when the mantissa is at least sqrt(2) - 1.
    i = (hx + 0x95F64) & 0x100000
    k += i >> 20
    m = (bits & 0x000FFFFFFFFFFFFF) | ((i ^ 0x3FF00000) << 32)
    f = m.view(np.float64) - 1.0
    dk = k.astype(np.float64)
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (LG[1] + w * (LG[3] + w * LG[5]))
    t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)


def _rational(x: np.ndarray, num: tuple, den: tuple) -> np.ndarray:
    """``num(x) / den(x)`` by Horner's rule, ``den`` with a constant term of 1."""
    p = np.full_like(x, num[-1])
    for a in num[-2::-1]:
        p *= x
        p += a
    q = np.full_like(x, den[-1])
    for b in den[-2::-1]:
        q *= x
        q += b
    q *= x
    q += 1.0
    return p / q


def ndtri_numpy(u):
    """:func:`ndtri` in vectorised numpy (the reference the compiled loop must match).

    Parameters
    ----------
    u : array_like
        Probabilities strictly between 0 and 1. A keyed uniform is 1.0 with probability 2**-53
        (its rounding); 0 and 1 give about -37.5 and 37.5, not infinities.

    Returns
    -------
    ndarray
        ``Phi^-1(u)``, of ``u`` 's shape.
    """
    u = np.asarray(u, dtype=np.float64)
    q = u - 0.5
    out = q * _rational(NDTRI_CONST1 - q * q, NDTRI_A, NDTRI_B)
    tail = np.flatnonzero(np.abs(q.reshape(-1)) > NDTRI_SPLIT1)
    if tail.size:
        qt = q.reshape(-1)[tail]
        ut = u.reshape(-1)[tail]
        r = np.sqrt(-log_numpy(np.maximum(np.where(qt < 0.0, ut, 1.0 - ut), TINY)))
        val = np.where(r <= NDTRI_SPLIT2, _rational(r - NDTRI_CONST2, NDTRI_C, NDTRI_D),
                       _rational(r - NDTRI_SPLIT2, NDTRI_E, NDTRI_F))
        out.reshape(-1)[tail] = np.where(qt < 0.0, -val, val)
    return out
