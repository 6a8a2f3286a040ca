"""The hot path's exponential and normal quantile, written so numpy and a compiled loop give the same bits.

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

Normal draws are inverse-CDF transforms of the keyed uniforms, so the normal quantile is on the
hot path too (two per purchase). :func:`ndtri` is Wichura's algorithm AS 241 (PPND16, Applied
Statistics 37, 1988, 477-484): rational functions of degree 7 in three regions, accurate to
about 1e-16, with a logarithm in the tails only. The logarithm is fdlibm's ``e_log.c``
(``x = 2**k (1 + f)``, a polynomial in ``(f / (2 + f))**2``), for the positive normal
numbers it is given here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exp", "exp_numpy", "ndtri", "ndtri_numpy", "log_numpy", "EXP_CONSTANTS", "LOG_CONSTANTS", "NDTRI_CONSTANTS"]

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

# fdlibm e_log.c
LG = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01,
      1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01)
LOG_CONSTANTS = (LN2_HI, LN2_LO) + LG

# AS 241: numerators from the constant term up, denominators from the first-order term up.
NDTRI_A = (3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3, 1.3731693765509461125e4,
           4.5921953931549871457e4, 6.7265770927008700853e4, 3.3430575583588128105e4, 2.5090809287301226727e3)
NDTRI_B = (4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3, 2.1213794301586595867e4,
           3.9307895800092710610e4, 2.8729085735721942674e4, 5.2264952788528545610e3)
NDTRI_C = (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
           1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4)
NDTRI_D = (2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1, 1.48103976427480074590e-1,
           1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9)
NDTRI_E = (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
           2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7)
NDTRI_F = (5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2, 7.86869131145613259100e-4,
           1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15)
NDTRI_SPLIT1, NDTRI_SPLIT2, NDTRI_CONST1, NDTRI_CONST2 = 0.425, 5.0, 0.180625, 1.6
TINY = 2.0**-1022  # the tail probability's floor: log's domain (u of exactly 0 or 1 gives about -/+37.5)
NDTRI_CONSTANTS = NDTRI_A + NDTRI_B + NDTRI_C + NDTRI_D + NDTRI_E + NDTRI_F


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
    return _elementwise(x, "exp_into", exp_numpy)


def _elementwise(x, kernel: str, reference):
    """``kernel`` of :mod:`sim.compiled` over an array when numba is there, else ``reference``."""
    from sim import compiled  # sim.compiled reads this module's constants

    x = np.asarray(x, dtype=np.float64)
    if compiled.AVAILABLE and x.ndim:
        flat = np.ascontiguousarray(x).reshape(-1)
        return getattr(compiled, kernel)(flat, np.empty(flat.size)).reshape(x.shape)
    return reference(x)


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


def ndtri(u):
    """Standard normal quantile of probabilities in (0, 1) (AS 241).

    The compiled loop :func:`sim.compiled.ndtri_into` when numba is there, else
    :func:`ndtri_numpy`: the same numbers either way.
    """
    return _elementwise(u, "ndtri_into", ndtri_numpy)


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
