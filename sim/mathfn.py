"""The exponential of the hot path, written so numpy and a compiled loop give the same bits.

numpy's ``exp`` and a compiled loop's may come from different libraries (glibc's on one
machine, numpy's own SIMD code on another), and it cannot be inlined into a compiled loop, so
on the hot path every exponential was a pass of its own at about 5 ns a value. This one is
made of IEEE additions, products, one division, ``floor`` and exact scalings by powers of two
only: each is correctly rounded wherever it runs, so the vectorised numpy function below and
:func:`sim.compiled` 's scalar copy agree bit for bit, and the compiled copy inlines and
vectorises inside the loops that need it.

The algorithm and its coefficients are those of fdlibm's ``e_exp.c`` (Sun Microsystems, 1993;
freely distributable): with ``x = k ln 2 + r`` and ``|r| <= ln(2) / 2``, a rational
approximation of ``exp(r)`` from a degree-5 Remez polynomial in ``r**2``, then ``2**k``. Its
error is below one unit in the last place; the tests compare it with the C library's.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exp", "exp_numpy", "EXP_CONSTANTS"]

INV_LN2 = 1.44269504088896338700e00
LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits: k * LN2_HI is exact for |k| < 2**20
LN2_LO = 1.90821492927058770002e-10  # the rest of ln 2
P1 = 1.66666666666666019037e-01
P2 = -2.77777777770155933842e-03
P3 = 6.61375632143793436117e-05
P4 = -1.65339022054652515390e-06
P5 = 4.13813679705723846039e-08
# Beyond these, exp is 0 (below the smallest subnormal) or overflows to inf.
X_MIN = -745.2
X_MAX = 709.8

EXP_CONSTANTS = (INV_LN2, LN2_HI, LN2_LO, P1, P2, P3, P4, P5, X_MIN, X_MAX)


def exp(x):
    """``e ** x`` elementwise (float64), within one unit in the last place.

    The compiled loop :func:`sim.compiled.exp_into` for arrays when numba is there, else
    :func:`exp_numpy`: the same numbers either way.

    Parameters
    ----------
    x : array_like or float
        Exponents.

    Returns
    -------
    ndarray or float
        A float for a scalar ``x``, else an array of ``x`` 's shape.
    """
    from sim import compiled  # sim.compiled reads this module's constants

    x = np.asarray(x, dtype=np.float64)
    if compiled.AVAILABLE and x.ndim:
        flat = np.ascontiguousarray(x).reshape(-1)
        return compiled.exp_into(flat, np.empty(flat.size)).reshape(x.shape)
    return exp_numpy(x)


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
