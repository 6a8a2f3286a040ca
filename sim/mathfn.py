"""The hot path's numerics: exponential, logarithm, normal and Poisson quantiles, compiled once.

Each function is a compiled scalar (numba) made of IEEE additions, products, divisions,
``sqrt``, ``floor`` and exact scalings by powers of two only. Each of those is correctly
rounded wherever it runs, so a run gives the same bits on any machine, and the scalars inline
and vectorise inside the loops that call them (about 2 ns for an exponential against the C
library's 5). The array loops below (:func:`exp_into`, :func:`ndtri_into`,
:func:`poisson_search`) and the Python helpers (:func:`exp_array`, :func:`ndtri_array`) are
built from the same scalars. Independent numpy formulations live in the tests as oracles.

* :func:`exp` is fdlibm's ``e_exp.c`` (Sun Microsystems, 1993; freely distributable): with
  ``x = k ln 2 + r`` and ``|r| <= ln(2) / 2``, a rational approximation of ``exp(r)`` from a
  degree-5 Remez polynomial in ``r**2``, then ``2**k``; within one unit in the last place.
* :func:`log` is fdlibm's ``e_log.c`` (``x = 2**k (1 + f)``, a polynomial in
  ``(f / (2 + f))**2``), for positive normal numbers.
* :func:`ndtri` is Wichura's AS 241 (PPND16, Applied Statistics 37, 1988, 477-484): rational
  functions of degree 7 in three regions, accurate to about 1e-16, a logarithm in the tails only.
* :func:`poisson_search` is the inverse-CDF Poisson count: the smallest ``k`` with
  ``u <= P(K <= k)``.
* :func:`undecided` bounds ``w * exp(x)`` without the exponential, so that most keyed draws
  are decided before an exponential is taken.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit

__all__ = [
    "exp", "log", "ndtri", "exp_into", "ndtri_into", "exp_array", "ndtri_array", "poisson_search",
    "poisson_head", "poisson_tail", "undecided", "EXP_CONSTANTS", "LOG_CONSTANTS", "NDTRI_CONSTANTS", "BLOCK",
]

#: Rows handled at a time where a loop is split into steps that each vectorise.
BLOCK = 2048

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
_EXP_BIAS, _EXP_SHIFT = np.int64(1023), np.int64(52)

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

_MARGIN = 1.0 + 2.0**-30  # of the bound in undecided


# Loops that inline exp use numpy's error model: python's checks the divisor of every division,
# and the branch stops the loop from vectorising.
@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def exp(x):  # pragma: no cover - compiled
    """``e ** x`` of one float64, within one unit in the last place (fdlibm's algorithm)."""
    x = min(max(x, X_MIN), X_MAX)
    kf = np.floor(x * INV_LN2 + 0.5)
    hi = x - kf * LN2_HI
    lo = kf * LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))))
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    k = np.int32(kf)  # int32: converts in vector registers (int64 would not)
    k1 = k >> np.int32(1)
    # Times 2**k in two exact halves, so that 2**k itself need not be a normal number.
    s1 = np.int64((np.int64(k1) + _EXP_BIAS) << _EXP_SHIFT).view(np.float64)
    s2 = np.int64((np.int64(k - k1) + _EXP_BIAS) << _EXP_SHIFT).view(np.float64)
    return y * s1 * s2


@njit(cache=True, nogil=True, error_model="numpy")
def exp_into(x, out):  # pragma: no cover - compiled
    """``out[i] = exp(x[i])`` for float64 arrays; returns ``out``."""
    for i in range(x.size):
        out[i] = exp(x[i])
    return out


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def log(x):  # pragma: no cover - compiled
    """Natural logarithm of one positive normal float64 (fdlibm's algorithm).

    Zero, subnormals, negative numbers, inf and NaN are outside its domain (the normal
    quantile never asks for them).
    """
    bits = np.float64(x).view(np.int64)
    hx = (bits >> 32) & 0x000FFFFF  # the high word of the mantissa
    k = (bits >> 52) - 1023
    # Scale into [sqrt(2)/2, sqrt(2)): i is 0x100000 when the mantissa is at least sqrt(2) - 1.
    i = (hx + 0x95F64) & 0x100000
    k += i >> 20
    m = (bits & 0x000FFFFFFFFFFFFF) | ((i ^ 0x3FF00000) << 32)
    f = np.int64(m).view(np.float64) - 1.0
    dk = np.float64(k)
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (LG[1] + w * (LG[3] + w * LG[5]))
    t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _rational(x, a, b):  # pragma: no cover - compiled
    """Horner's rule on 8 numerator and 7 denominator coefficients (the latter with a constant 1)."""
    p = ((((((a[7] * x + a[6]) * x + a[5]) * x + a[4]) * x + a[3]) * x + a[2]) * x + a[1]) * x + a[0]
    q = ((((((b[6] * x + b[5]) * x + b[4]) * x + b[3]) * x + b[2]) * x + b[1]) * x + b[0]) * x + 1.0
    return p / q


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _ndtri_central(u):  # pragma: no cover - compiled
    """AS 241's central region, ``|u - 0.5| <= 0.425`` (any ``u`` gives a finite number)."""
    q = u - 0.5
    return q * _rational(NDTRI_CONST1 - q * q, NDTRI_A, NDTRI_B)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _ndtri_tail(u):  # pragma: no cover - compiled
    """AS 241's tails, ``|u - 0.5| > 0.425``."""
    q = u - 0.5
    # min(u, 1 - u) is u exactly when q < 0, and the tails' v is positive, so -v is v with q's
    # sign: no branch on the side of each tail (half the values each).
    r = np.sqrt(-log(max(min(u, 1.0 - u), TINY)))
    near, far = _rational(r - NDTRI_CONST2, NDTRI_C, NDTRI_D), _rational(r - NDTRI_SPLIT2, NDTRI_E, NDTRI_F)
    v = near if r <= NDTRI_SPLIT2 else far
    return np.copysign(v, q)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def ndtri(u):  # pragma: no cover - compiled
    """Standard normal quantile of one probability in (0, 1) (AS 241).

    A keyed uniform is 1.0 with probability 2**-53 (its rounding); 0 and 1 give about -37.5
    and 37.5, not infinities.
    """
    return _ndtri_tail(u) if abs(u - 0.5) > NDTRI_SPLIT1 else _ndtri_central(u)


@njit(cache=True, nogil=True, error_model="numpy")
def ndtri_into(u, out):  # pragma: no cover - compiled
    """``out[i] = ndtri(u[i])``: the central region for all, then the tails; returns ``out``."""
    tails = np.empty(BLOCK, dtype=np.int64)
    tu, tv = np.empty(BLOCK), np.empty(BLOCK)
    for lo in range(0, u.size, BLOCK):
        hi = min(lo + BLOCK, u.size)
        for i in range(lo, hi):  # vectorises: no branch, no logarithm
            out[i] = _ndtri_central(u[i])
        m = 0
        for i in range(lo, hi):  # about 15% are in the tails, scattered: a branch-free list
            tails[m] = i
            m += abs(u[i] - 0.5) > NDTRI_SPLIT1
        for j in range(m):  # gathered, so that the tails' loop vectorises too
            tu[j] = u[np.uint64(tails[j])]
        for j in range(m):
            tv[j] = _ndtri_tail(tu[j])
        for j in range(m):
            out[np.uint64(tails[j])] = tv[j]
    return out


def exp_array(x) -> np.ndarray | float:
    """:func:`exp` elementwise of an array (or a float for a scalar), keeping its shape."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        return float(exp(float(x)))
    flat = np.ascontiguousarray(x).reshape(-1)
    return exp_into(flat, np.empty(flat.size)).reshape(x.shape)


def ndtri_array(u) -> np.ndarray:
    """:func:`ndtri` elementwise of an array, keeping its shape."""
    u = np.asarray(u, dtype=np.float64)
    flat = np.ascontiguousarray(u).reshape(-1)
    return ndtri_into(flat, np.empty(flat.size)).reshape(u.shape)


@njit(cache=True, nogil=True, inline="always")
def poisson_head(u, lam, pmf0):  # pragma: no cover - compiled
    """The Poisson count of uniform ``u`` for mean ``lam`` if it is at most 3, else -1.

    ``pmf0`` is ``exp(-lam)``. Without branches, so that a loop of it vectorises: counts of 0,
    1 or 2 are scattered, and a mispredicted exit per customer cost more than the steps. ``go``
    is whether the search is still on; a search still on after three steps is finished by
    :func:`poisson_tail`, by the same float operations.
    """
    pmf, cdf, k = pmf0, pmf0, 0
    go = u > cdf
    for j in range(1, 4):
        pmf = pmf * lam / j
        cdf += pmf
        k += go
        go = go & (pmf > 0.0) & (u > cdf)
    return -1 if go else k


@njit(cache=True, nogil=True)
def poisson_tail(u, lam, pmf0):  # pragma: no cover - compiled
    """The Poisson count of uniform ``u`` for mean ``lam``, searched step by step from 0."""
    pmf = pmf0
    cdf = pmf
    k = 0
    while u > cdf:
        k += 1
        pmf = pmf * lam / k
        cdf += pmf
        if not pmf > 0.0:  # the tail mass underflowed
            break
    return k


@njit(cache=True, nogil=True)
def poisson_search(u, lam, pmf0, counts):  # pragma: no cover - compiled
    """Inverse-CDF Poisson counts: ``counts[i]``, the smallest k with ``u[i] <= P(K <= k)``.

    ``pmf0`` is ``exp(-lam)`` by :func:`exp`. Returns ``counts``.
    """
    for i in range(u.size):
        counts[i] = poisson_head(u[i], lam[i], pmf0[i])
    for i in range(u.size):
        if counts[i] < 0:
            counts[i] = poisson_tail(u[i], lam[i], pmf0[i])
    return counts


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def undecided(v, w, x):  # pragma: no cover - compiled
    """False where ``v >= w * exp(x)`` for certain (``w >= 0``), found without the exponential.

    exp(x) <= (1 - x/4)**-4 for x < 4 (as log(1 - t) <= -t), so ``v * (1 - x/4)**4 >= w`` is
    enough; the margin of 2**-30 is many orders above the rounding of these operations and of
    :func:`exp`'s (within an ulp). True means the bound cannot decide: take the exponential.
    """
    t = 1.0 - 0.25 * x
    t = t * t
    return (x >= 4.0) | (v * (t * t) < w * _MARGIN)
