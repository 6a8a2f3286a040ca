"""Compiled loops of the hot path, each bit for bit the same as a numpy reference.

The counter-based hash of the keyed streams (:mod:`sim.rng`), the Poisson inverse-CDF search
and the weekly bookkeeping of each customer's margin, cost and discounted value are integer
arithmetic and plain float additions and products (no fused multiply-add), and the hot path's
one transcendental function, the exponential, is :mod:`sim.mathfn`'s, made of the same, so a
compiled loop gives exactly the numbers of the vectorised numpy code while reading each row
once instead of once per operation. numba is optional: without it (or with
``SIM_NUMPY_KERNELS=1`` in the environment) the numpy references run, and the tests check that
the two agree exactly.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from sim.mathfn import EXP_CONSTANTS, LG, NDTRI_A, NDTRI_B, NDTRI_C, NDTRI_D, NDTRI_E, NDTRI_F, TINY

__all__ = [
    "AVAILABLE", "exp_into", "ndtri_into", "uniform_into", "poisson_search", "scatter_add", "book_week", "bincount", "census",
    "book_purchases", "book_seen", "decay_and_lapse", "rows_drawn", "advocates", "attachment_weights", "spread",
    "customer_state", "churn_draw", "poisson_bought", "per_row_charge", "spread_into", "sums_by_week",
    "encounter", "purchase_rate", "state_and_rate", "purchase_week", "basket_units", "service_draws",
]

_BLOCK = 2048  # rows hashed at a time where a draw is fused with a selection
# Row indices are cast to np.uint64 where they index: numba then drops the wraparound of a
# negative index from every gather and scatter, about half of a gathering loop's instructions.

try:  # pragma: no cover - exercised by whichever environment runs the tests
    if os.environ.get("SIM_NUMPY_KERNELS"):
        raise ImportError("numpy kernels requested")
    from numba import njit
except ImportError:  # pragma: no cover
    AVAILABLE = False
    exp_into = ndtri_into = uniform_into = poisson_search = _scatter_add = _book_week = _bincount = _bincount_weights = _census = None
    _book_purchases = _book_seen = _decay_and_lapse = _rows_drawn = _spread = None
else:
    AVAILABLE = True
    _GOLDEN = np.uint64(0x9E3779B97F4A7C15)
    _M1 = np.uint64(0xBF58476D1CE4E5B9)
    _M2 = np.uint64(0x94D049BB133111EB)
    # Shift counts as uint64: numba would turn uint64 >> int64 into float arithmetic.
    _S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
    _TO_UNIT = 2.0**-53
    _S52, _LOW52, _ZERO = np.uint64(52), np.uint64((1 << 52) - 1), np.uint64(0)
    _TWO52, _TWO52_BITS = 2.0**52, np.uint64(0x4330000000000000)  # 2**52 and its bit pattern
    _INV_LN2, _LN2_HI, _LN2_LO, _P1, _P2, _P3, _P4, _P5, _X_MIN, _X_MAX = EXP_CONSTANTS
    _EXP_BIAS, _EXP_SHIFT = np.int64(1023), np.int64(52)
    _MARGIN = 1.0 + 2.0**-30  # of the bounds that settle a draw without its exponential (see _unsettled)
    _NEAR_ONE = 2.0**-45  # below 1 - u: more than exp(-rate)'s rounding near 1 (see _bought_block)

    # Loops that inline _exp use numpy's error model: python's checks the divisor of every
    # division, and the branch stops the loop from vectorising.
    @njit(cache=True, nogil=True, inline="always", error_model="numpy")
    def _exp(x):  # pragma: no cover - compiled
        """sim.mathfn.exp of one value, by the same float operations."""
        x = min(max(x, _X_MIN), _X_MAX)
        kf = np.floor(x * _INV_LN2 + 0.5)
        hi = x - kf * _LN2_HI
        lo = kf * _LN2_LO
        r = hi - lo
        t = r * r
        c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
        y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
        k = np.int32(kf)  # int32: converts in vector registers (int64 would not)
        k1 = k >> np.int32(1)
        s1 = np.int64((np.int64(k1) + _EXP_BIAS) << _EXP_SHIFT).view(np.float64)
        s2 = np.int64((np.int64(k - k1) + _EXP_BIAS) << _EXP_SHIFT).view(np.float64)
        return y * s1 * s2

    @njit(cache=True, nogil=True, error_model="numpy")
    def exp_into(x, out):  # pragma: no cover - compiled
        """``out[i] = sim.mathfn.exp(x[i])``."""
        for i in range(x.size):
            out[i] = _exp(x[i])
        return out

    @njit(cache=True, nogil=True, inline="always", error_model="numpy")
    def _log(x):  # pragma: no cover - compiled
        """sim.mathfn.log_numpy of one positive normal number, by the same operations."""
        bits = np.float64(x).view(np.int64)
        hx = (bits >> 32) & 0x000FFFFF
        k = (bits >> 52) - 1023
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
        return dk * _LN2_HI - ((hfsq - (s * (hfsq + r) + dk * _LN2_LO)) - f)

    @njit(cache=True, nogil=True, inline="always", error_model="numpy")
    def _rational(x, a, b):  # pragma: no cover - compiled
        """sim.mathfn._rational: Horner's rule on 8 numerator and 7 denominator coefficients."""
        p = ((((((a[7] * x + a[6]) * x + a[5]) * x + a[4]) * x + a[3]) * x + a[2]) * x + a[1]) * x + a[0]
        q = ((((((b[6] * x + b[5]) * x + b[4]) * x + b[3]) * x + b[2]) * x + b[1]) * x + b[0]) * x + 1.0
        return p / q

    @njit(cache=True, nogil=True, error_model="numpy")
    def ndtri_into(u, out):  # pragma: no cover - compiled
        """``out[i] = sim.mathfn.ndtri(u[i])``: the central region for all, then the tails."""
        tails = np.empty(_BLOCK, dtype=np.int64)
        tu, tv = np.empty(_BLOCK), np.empty(_BLOCK)
        for lo in range(0, u.size, _BLOCK):
            hi = min(lo + _BLOCK, u.size)
            for i in range(lo, hi):  # vectorises: no branch, no logarithm
                q = u[i] - 0.5
                out[i] = q * _rational(0.180625 - q * q, NDTRI_A, NDTRI_B)
            m = 0
            for i in range(lo, hi):  # about 15% are in the tails, scattered: a branch-free list
                tails[m] = i
                m += abs(u[i] - 0.5) > 0.425
            for j in range(m):  # gathered, so that the tails' loop vectorises too
                tu[j] = u[np.uint64(tails[j])]
            for j in range(m):
                x = tu[j]
                q = x - 0.5
                # min(x, 1 - x) is x exactly when q < 0, and the tails' v is positive, so -v is
                # v with q's sign: no branch on the side of each tail (half the values each).
                r = np.sqrt(-_log(max(min(x, 1.0 - x), TINY)))
                near, far = _rational(r - 1.6, NDTRI_C, NDTRI_D), _rational(r - 5.0, NDTRI_E, NDTRI_F)
                v = near if r <= 5.0 else far
                tv[j] = np.copysign(v, q)
            for j in range(m):
                out[np.uint64(tails[j])] = tv[j]
        return out

    @njit(cache=True, nogil=True)
    def _unit(x, key):  # pragma: no cover - compiled
        z = np.uint64(x) * _GOLDEN + key
        z ^= z >> _S30
        z *= _M1
        z ^= z >> _S27
        z *= _M2
        z ^= z >> _S31
        # float64(b) for the 53-bit b, exactly, from bit patterns: AVX2 has no vector conversion
        # of 64-bit integers, so the compiler's takes each lane out and back in.
        b = z >> _S11
        u = np.uint64((b & _LOW52) | _TWO52_BITS).view(np.float64) - _TWO52  # the low 52 bits
        u += np.uint64((_ZERO - (b >> _S52)) & _TWO52_BITS).view(np.float64)  # + 2**52 if bit 52 is set
        u += 0.5
        return u * _TO_UNIT

    @njit(cache=True, nogil=True)
    def uniform_into(ids, key, out):  # pragma: no cover - compiled
        """``out[i]``: the uniform in (0, 1) of ``ids[i]`` under stream ``key`` (see sim.rng)."""
        for i in range(ids.size):
            out[i] = _unit(ids[i], key)
        return out

    @njit(cache=True, nogil=True)
    def _rows_drawn(state, code, ids, key, p):  # pragma: no cover - compiled
        # Room for every row, but only the pages written (the drawn rows) are ever touched, so
        # the resident cost is that of the result.
        out = np.empty(state.size + 1, dtype=np.int64)
        rows, cand, u = np.empty(_BLOCK, dtype=np.int64), np.empty(_BLOCK, dtype=ids.dtype), np.empty(_BLOCK)
        k = 0
        for lo in range(0, state.size, _BLOCK):
            hi = min(lo + _BLOCK, state.size)
            m = 0
            for r in range(lo, hi):
                # Branch-free: rows in the state are scattered, so a test per row would be
                # mispredicted half the time. Each row is written, and kept only if in the state.
                rows[m] = r
                m += state[r] == code
            for j in range(m):
                cand[j] = ids[np.uint64(rows[j])]
            uniform_into(cand[:m], key, u)  # only the rows in the state are hashed
            for j in range(m):
                out[k] = rows[j]
                k += u[j] < p
        return out[:k].copy()

    @njit(cache=True, nogil=True)
    def _attachment_weights(rows, attachment, slope, out):  # pragma: no cover - compiled
        one = np.float32(1.0)
        for i in range(rows.size):  # float32, as numpy computes 1.0 + slope * a for a float32 array
            out[i] = one + slope * attachment[np.uint64(rows[i])]

    @njit(cache=True, nogil=True)
    def _advocates(state, churned, satisfaction, high, low, alive, promoting):  # pragma: no cover - compiled
        k = kp = below = 0
        for r in range(state.size):  # branch-free, as in _rows_drawn
            here = state[r] != churned
            x = satisfaction[r]
            alive[k] = r
            k += here
            promoting[kp] = r
            kp += here & (x >= high)
            below += here & (x < low)
        return k, kp, below

    @njit(cache=True, nogil=True, inline="always")
    def _state_of(r, attachment, price_sensitivity, satisfaction, failures, relief, penalty):  # pragma: no cover
        """Row ``r``'s attachment, price sensitivity and effective satisfaction, as customer_state's numpy path."""
        a = np.float64(attachment[r])
        p = np.float64(price_sensitivity[r]) * (1.0 - relief * a)
        return a, p, np.float64(satisfaction[r]) - penalty * np.float64(failures[r])

    @njit(cache=True, nogil=True)
    def _customer_state(rows, attachment, price_sensitivity, satisfaction, failures, ident, relief, penalty,
                        attach, ps, sat_eff, ids):  # pragma: no cover - compiled
        for i in range(rows.size):  # the float operations of customer_state's numpy path, fused
            r = np.uint64(rows[i])
            attach[i], ps[i], sat_eff[i] = _state_of(r, attachment, price_sensitivity, satisfaction, failures,
                                                     relief, penalty)
            ids[i] = ident[r]

    @njit(cache=True, nogil=True, inline="always")
    def _unsettled(v, w, x):  # pragma: no cover - compiled
        """False where ``v >= w * exp(x)`` for certain (``w >= 0``), found without the exponential.

        exp(x) <= (1 - x/4)**-4 for x < 4 (as log(1 - t) <= -t), so ``v * (1 - x/4)**4 >= w``
        is enough; the margin of 2**-30 is many orders above the rounding of these operations
        and of sim.mathfn.exp's (within an ulp). Most keyed draws are thus settled by a bound,
        and the exponential is taken only for the few a bound cannot settle.
        """
        t = 1.0 - 0.25 * x
        t = t * t
        return (x >= 4.0) | (v * (t * t) < w * _MARGIN)

    @njit(cache=True, nogil=True, error_model="numpy")
    def _churn_block(ids, sat_eff, lapse, key, neutral, effect, base, by_lapsing, m1, m2, offset, out, k,
                     scratch, cand):  # pragma: no cover - compiled
        """One block of churn draws: appends to ``out`` from ``k`` the positions (``offset`` + j) of
        those who churn and returns the new ``k``. ``lapse`` flags the lapsing (0 or 1), ``by_lapsing``
        is ``[1, lapsing multiplier]``, ``m1``/``m2`` are the block's multipliers or empty;
        ``scratch`` has 4 rows of _BLOCK at least, ``cand`` (int64) _BLOCK."""
        m = ids.size
        u, x, b, p = scratch[0], scratch[1], scratch[2], scratch[3]
        # Each step a loop of its own: each vectorises, fused they would not.
        for j in range(m):
            u[j] = _unit(ids[j], key)
            x[j] = (sat_eff[j] - neutral) * -effect
        # The probability is at most b * exp(x), for b the base rate times the larger lapsing
        # multiplier and the multipliers m1, m2 (each min(., 1) only lowers it): a row with u
        # at or above that bound stays, and only the others (a few per cent) need the exponential.
        bmax = base * max(by_lapsing[0], by_lapsing[1])
        if m1.size or m2.size:
            for j in range(m):
                b[j] = bmax
            if m1.size:
                for j in range(m):
                    b[j] *= m1[j]
            if m2.size:
                for j in range(m):
                    b[j] *= m2[j]
            for j in range(m):
                p[j] = _unsettled(u[j], b[j], x[j])
        else:
            for j in range(m):
                p[j] = _unsettled(u[j], bmax, x[j])
        nc = 0
        for j in range(m):  # the list apart from the tests, which then vectorise
            cand[nc] = j  # branch-free, as in _rows_drawn
            nc += p[j] != 0.0
        for i in range(nc):
            p[i] = x[np.uint64(cand[i])]
        exp_into(p[:nc], p[:nc])
        for i in range(nc):  # the float operations of sim.behaviour.churn_probability
            j = np.uint64(cand[i])
            q = p[i] * base
            q = q * by_lapsing[np.uint64(lapse[j])]
            q = min(q, 1.0)
            if m1.size:
                q = min(q * m1[j], 1.0)
            if m2.size:
                q = min(q * m2[j], 1.0)
            out[k] = offset + j
            k += u[j] < q
        return k

    @njit(cache=True, nogil=True, error_model="numpy")
    def _churn_draw(at_risk, sat_eff, ids, key, neutral, effect, state, base, lapsing, lapsing_mult, m1, m2,
                    out):  # pragma: no cover - compiled
        k = 0
        scratch, cand = np.empty((4, _BLOCK)), np.empty(_BLOCK, dtype=np.int64)
        lapse = np.empty(_BLOCK, dtype=np.uint8)
        by_lapsing = np.array([1.0, lapsing_mult])
        for lo in range(0, at_risk.size, _BLOCK):
            hi = min(lo + _BLOCK, at_risk.size)
            for i in range(lo, hi):
                lapse[i - lo] = state[np.uint64(at_risk[i])] == lapsing
            k = _churn_block(ids[lo:hi], sat_eff[lo:hi], lapse, key, neutral, effect, base, by_lapsing,
                             m1[lo:hi] if m1.size else m1, m2[lo:hi] if m2.size else m2, lo, out, k, scratch, cand)
        return k

    @njit(cache=True, nogil=True)
    def _scaled_charge(buf, rows, weights, scale32, amounts):  # pragma: no cover - compiled
        for i in range(rows.size):
            r = np.uint64(rows[i])
            a = np.float64(scale32 * weights[r])  # a float32 product, as numpy makes it
            amounts[i] = a
            buf[r] += a

    @njit(cache=True, nogil=True)
    def _counted_charge(buf, rows, counts, scale, weights, amounts):  # pragma: no cover - compiled
        for i in range(rows.size):
            r = np.uint64(rows[i])
            a = (np.float64(counts[i]) * scale) * np.float64(weights[r])
            amounts[i] = a
            buf[r] += a

    @njit(cache=True, nogil=True)
    def _encounter(buyers, quality, failed, recovered, price_ratio, severity, gen_quality, generation,
                   quality_sensitivity, price_sensitivity, satisfaction, expectation, failures, attachment, p,
                   value_out):  # pragma: no cover - compiled
        neutral, ref_value, v_weight, d_weight, loss, memory, adaptation, recovery_t, growth, threshold = p
        keep = 1.0 - memory
        step = np.intp(price_ratio.size > 1)  # one price ratio for all, or one per buyer
        # Lookups and products by 0/1 flags instead of branches: the attachment's three ways
        # compiled to branches on t, which is scattered, and mispredicted them (~30% of the loop).
        # Each gives the numpy path's number exactly: x - 0.0, x + 0.0 and x * 1.0 are x.
        severity_if = np.array([0.0, severity])
        shrink_if = np.array([1.0, 1.0 - growth])
        for i in range(buyers.size):  # the float operations of Simulation._encounter_numpy, in its order
            r = np.uint64(buyers[i])
            fl = failed[i]
            q = quality[i] - severity_if[np.uint64(fl)]
            v = np.float64(quality_sensitivity[r] * np.float32(0.5)) * (gen_quality[np.uint64(generation[r])] + q)
            v -= np.float64(price_sensitivity[r]) * (price_ratio[i * step] - 1.0)
            value_out[i] = v
            s = np.float64(satisfaction[r])
            e = np.float64(expectation[r])
            surprise = v - e
            lossy = loss * surprise
            felt = surprise if surprise >= 0.0 else lossy
            t = neutral + v_weight * (v - ref_value) + d_weight * felt
            t = min(max(t, 0.0), 1.0)
            f = failures[r]
            t = recovery_t if recovered[i] & (f == 0) else t  # the recovery paradox: a first failure handled well
            satisfaction[r] = np.float32(keep * s + memory * t)
            expectation[r] = np.float32(e + adaptation * surprise)
            failures[r] = f + (fl & (f < 127))
            a = np.float64(attachment[r])
            grow = t > threshold
            fade = (t < neutral) & (t <= threshold)
            # a + growth * (1 - a) if it grows, a * (1 - growth) if it fades, else a
            attachment[r] = np.float32((a + growth * (1.0 - a) * grow) * shrink_if[np.uint64(fade)])

    @njit(cache=True, nogil=True, error_model="numpy")
    def _rate(rows, base, sat_eff, ps, nlp, effect, neutral, attach, ratio, extra, out):  # pragma: no cover
        xs, xp, es, ep = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK)
        for lo in range(0, rows.size, _BLOCK):
            hi = min(lo + _BLOCK, rows.size)
            m = hi - lo
            if nlp.size > 1:
                for i in range(lo, hi):
                    xs[i - lo] = effect * (sat_eff[i] - neutral)
                    xp[i - lo] = nlp[i] * ps[i]
            else:
                for i in range(lo, hi):
                    xs[i - lo] = effect * (sat_eff[i] - neutral)
                    xp[i - lo] = nlp[0] * ps[i]
            exp_into(xs[:m], es[:m])
            if nlp.size > 1 or nlp[0] != 0.0:
                exp_into(xp[:m], ep[:m])
            else:  # price at the reference: exp(0) is exactly 1
                ep[:m] = 1.0
            # sim.behaviour.purchase_rate's products, in its order
            if extra.size:
                for i in range(lo, hi):
                    out[i] = np.float64(base[np.uint64(rows[i])]) * es[i - lo] * ep[i - lo] * extra[i]
            else:
                for i in range(lo, hi):
                    out[i] = np.float64(base[np.uint64(rows[i])]) * es[i - lo] * ep[i - lo] * (1.0 + (ratio - 1.0) * attach[i])

    @njit(cache=True, nogil=True, error_model="numpy")
    def _state_rate_block(rows, attachment, price_sensitivity, satisfaction, failures, ident, base, relief, penalty,
                          nlp, effect, neutral, ratio, attach, ps, sat_eff, ids, rate, scratch):  # pragma: no cover
        """One block of _state_and_rate: the outputs are the block's slices, ``scratch`` is (4, _BLOCK)."""
        m = rows.size
        xs, xp, es, ep = scratch[0], scratch[1], scratch[2], scratch[3]
        for j in range(m):  # _customer_state and _rate's exponents: every gather in this one loop
            r = np.uint64(rows[j])
            a, p, x = _state_of(r, attachment, price_sensitivity, satisfaction, failures, relief, penalty)
            attach[j], ps[j], sat_eff[j] = a, p, x
            ids[j] = ident[r]
            rate[j] = np.float64(base[r])
            xs[j] = effect * (x - neutral)
            xp[j] = nlp * p
        exp_into(xs[:m], es[:m])
        if nlp == 0.0:  # price at the reference: the price multiplier exp(0) is exactly 1, a product that changes nothing
            for j in range(m):
                rate[j] = rate[j] * es[j] * (1.0 + (ratio - 1.0) * attach[j])
            return
        exp_into(xp[:m], ep[:m])
        for j in range(m):  # sim.behaviour.purchase_rate's products, in its order
            rate[j] = rate[j] * es[j] * ep[j] * (1.0 + (ratio - 1.0) * attach[j])

    @njit(cache=True, nogil=True, error_model="numpy")
    def _state_and_rate(rows, attachment, price_sensitivity, satisfaction, failures, ident, base, relief, penalty,
                        nlp, effect, neutral, ratio, attach, ps, sat_eff, ids, out):  # pragma: no cover - compiled
        scratch = np.empty((4, _BLOCK))
        for lo in range(0, rows.size, _BLOCK):
            hi = min(lo + _BLOCK, rows.size)
            _state_rate_block(rows[lo:hi], attachment, price_sensitivity, satisfaction, failures, ident, base, relief,
                              penalty, nlp, effect, neutral, ratio, attach[lo:hi], ps[lo:hi], sat_eff[lo:hi],
                              ids[lo:hi], out[lo:hi], scratch)

    @njit(cache=True, nogil=True, error_model="numpy")
    def _normals_into(ids, key, u, z):  # pragma: no cover - compiled
        """``z[:n]``: the normals of the ``n`` ``ids`` under stream ``key`` (sim.rng.Streams.normal); ``u`` is scratch."""
        n = ids.size
        uniform_into(ids, key, u)
        ndtri_into(u[:n], z[:n])

    @njit(cache=True, nogil=True, error_model="numpy")
    def _basket(ids, key, counts, buyers, basket_mean, sigma, half_var, units, gen_cost, generation,
                cogs):  # pragma: no cover - compiled
        u, z, x, e = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK)
        for lo in range(0, ids.size, _BLOCK):
            hi = min(lo + _BLOCK, ids.size)
            m = hi - lo
            _normals_into(ids[lo:hi], key, u, z)
            for j in range(m):
                x[j] = sigma * z[j] - half_var
            exp_into(x[:m], e[:m])
            for i in range(lo, hi):  # sim.behaviour.basket_units's products, in its order
                units[i] = np.float64(counts[i]) * np.float64(basket_mean[np.uint64(buyers[i])]) * e[i - lo]
            if cogs.size:  # units times the unit cost of each buyer's generation, as numpy multiplies them
                for i in range(lo, hi):
                    cogs[i] = units[i] * gen_cost[np.uint64(generation[np.uint64(buyers[i])])]

    @njit(cache=True, nogil=True, error_model="numpy")
    def _service_draws(ids, key_quality, key_failure, loc, scale, failure_prob, quality,
                       failed):  # pragma: no cover - compiled
        u, z = np.empty(_BLOCK), np.empty(_BLOCK)
        for lo in range(0, ids.size, _BLOCK):
            hi = min(lo + _BLOCK, ids.size)
            _normals_into(ids[lo:hi], key_quality, u, z)
            for i in range(lo, hi):  # the numpy path's operations: loc + scale * normal, uniform < p
                quality[i] = loc + scale * z[i - lo]
                failed[i] = _unit(ids[i], key_failure) < failure_prob

    @njit(cache=True, nogil=True, inline="always")
    def _select_bought(counts, offset, n_risk, out, k):  # pragma: no cover - compiled
        """Rows acquired this week (positions from ``n_risk`` on) buy at least once; appends the
        positions (``offset`` + j) with a purchase to ``out`` from ``k`` and returns the new ``k``."""
        for j in range(counts.size):
            c = counts[j]
            c = c if offset + j < n_risk or c > 0 else 1
            counts[j] = c
            out[k] = offset + j  # branch-free, as in _rows_drawn
            k += c > 0
        return k

    @njit(cache=True, nogil=True, error_model="numpy")
    def _bought_block(rows, attachment, price_sensitivity, satisfaction, failures, ident, base, relief, penalty, nlp,
                      effect, neutral, ratio, key, offset, n_risk, sat_eff, ids, counts, out, k, scratch, cand,
                      cnt):  # pragma: no cover - compiled
        """One block of _state_and_rate then _poisson_select_block, with the same numbers: the rows
        whose draw of 0 purchases a bound settles skip both exponentials. Writes the block's
        effective satisfaction, ids and counts, appends the positions with a purchase to ``out``
        from ``k`` and returns the new ``k``; ``scratch`` has 8 rows of _BLOCK, ``cand`` (int64) and
        ``cnt`` (as ``counts``) _BLOCK."""
        m = rows.size
        u, y, w, ep, xc, es, lam, pmf0 = (scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5],
                                          scratch[6], scratch[7])
        for j in range(m):  # every gather in this one loop
            r = np.uint64(rows[j])
            a = np.float64(attachment[r])
            x = np.float64(satisfaction[r]) - penalty * np.float64(failures[r])
            sat_eff[j] = x
            ids[j] = ident[r]
            y[j] = effect * (x - neutral)
            w[j] = np.float64(base[r]) * (1.0 + (ratio - 1.0) * a)  # the rate but for its exponentials
        if nlp != 0.0:  # else the price multiplier exp(0) is exactly 1, a product that changes nothing
            for j in range(m):
                r = np.uint64(rows[j])
                ep[j] = nlp * (np.float64(price_sensitivity[r]) * (1.0 - relief * np.float64(attachment[r])))
            exp_into(ep[:m], ep[:m])
            for j in range(m):
                w[j] *= ep[j]
        for j in range(m):
            u[j] = _unit(ids[j], key)
        # No purchase when u <= exp(-rate), which is at least 1 - rate: when 1 - u (less a margin
        # for the exponential's rounding near 1) is at least the rate, bounded by _unsettled.
        for j in range(m):
            xc[j] = _unsettled((1.0 - u[j]) - _NEAR_ONE, w[j], y[j])
        nc = 0
        for j in range(m):  # the list apart from the tests, which then vectorise
            cand[nc] = j  # branch-free, as in _rows_drawn
            nc += xc[j] != 0.0
        for j in range(m):
            counts[j] = 0
        for i in range(nc):
            xc[i] = y[np.uint64(cand[i])]
        exp_into(xc[:nc], es[:nc])
        if nlp != 0.0:
            for i in range(nc):  # sim.behaviour.purchase_rate's products, in its order
                j = np.uint64(cand[i])
                r = np.uint64(rows[j])
                lam[i] = np.float64(base[r]) * es[i] * ep[j] * (1.0 + (ratio - 1.0) * np.float64(attachment[r]))
        else:
            for i in range(nc):
                j = np.uint64(cand[i])
                r = np.uint64(rows[j])
                lam[i] = np.float64(base[r]) * es[i] * (1.0 + (ratio - 1.0) * np.float64(attachment[r]))
        for i in range(nc):
            xc[i] = -lam[i]
            es[i] = u[np.uint64(cand[i])]
        exp_into(xc[:nc], pmf0[:nc])
        poisson_search(es[:nc], lam[:nc], pmf0[:nc], cnt[:nc])
        for i in range(nc):
            counts[np.uint64(cand[i])] = cnt[i]
        return _select_bought(counts[:m], offset, n_risk, out, k)

    @njit(cache=True, nogil=True, error_model="numpy")
    def _purchase_week(rows, n_risk, attachment, price_sensitivity, satisfaction, failures, ident, base, relief,
                       penalty, nlp, effect, neutral, ratio, key, last_purchase_week, state, decay, threshold,
                       lapsing, active, churn_key, churn_effect, churn_base, lapsing_mult, bought, buyers, occasions,
                       buyer_ids, leaving):  # pragma: no cover - compiled
        sat_eff = np.empty(_BLOCK)
        ids = np.empty(_BLOCK, dtype=ident.dtype)
        counts, cnt = np.empty(_BLOCK, dtype=np.int32), np.empty(_BLOCK, dtype=np.int32)
        lapse = np.empty(_BLOCK, dtype=np.uint8)
        scratch, cand = np.empty((8, _BLOCK)), np.empty(_BLOCK, dtype=np.int64)
        by_lapsing, none = np.array([1.0, lapsing_mult]), np.empty(0)  # as in _churn_draw
        k = kc = 0
        for lo in range(0, rows.size, _BLOCK):
            hi = min(lo + _BLOCK, rows.size)
            m = hi - lo
            block = rows[lo:hi]
            # Purchases: the state and the rate (state_and_rate), the Poisson draw (poisson_bought).
            first = k
            k = _bought_block(block, attachment, price_sensitivity, satisfaction, failures, ident, base, relief,
                              penalty, nlp, effect, neutral, ratio, key, lo, n_risk, sat_eff[:m], ids[:m], counts[:m],
                              bought, k, scratch, cand, cnt)
            for q in range(first, k):  # the buyers' rows, counts and ids
                j = bought[q] - lo
                buyers[q] = block[np.uint64(j)]
                occasions[q] = counts[j]
                buyer_ids[q] = ids[np.uint64(j)]
            # Attachment fades; those without a purchase since the threshold week lapse (decay_and_lapse,
            # with this week's purchases booked).
            for j in range(m):
                r = np.uint64(block[j])
                attachment[r] *= decay
                lapsed = (counts[j] == 0) & (last_purchase_week[r] <= threshold)
                lapse[j] = lapsed
                state[r] = active + (lapsing - active) * lapsed  # arithmetic, not a branch: lapsing rows are scattered
            # Churn of the rows at risk, from the satisfaction read before this week's encounters (churn_draw).
            mr = max(min(hi, n_risk) - lo, 0)
            kc = _churn_block(ids[:mr], sat_eff[:mr], lapse, churn_key, neutral, churn_effect, churn_base, by_lapsing,
                              none, none, lo, leaving, kc, scratch, cand)
        return k, kc

    @njit(cache=True, nogil=True)
    def _spread(indptr, indices, sources, weights, out):  # pragma: no cover - compiled
        for k in range(sources.size):
            p = sources[k]
            w = np.float64(weights[k])
            for e in range(indptr[p], indptr[p + 1]):
                out[np.uint64(indices[e])] += w

    @njit(cache=True, nogil=True)
    def _poisson_tail(ui, li, pmf):  # pragma: no cover - compiled
        cdf = pmf
        k = 0
        while ui > cdf:
            k += 1
            pmf = pmf * li / k
            cdf += pmf
            if not pmf > 0.0:  # the tail mass underflowed
                break
        return k

    @njit(cache=True, nogil=True)
    def poisson_search(u, lam, pmf0, counts):  # pragma: no cover - compiled
        """Inverse-CDF Poisson counts: the smallest k with ``u <= P(K <= k)``.

        ``pmf0`` is ``exp(-lam)`` by :func:`sim.mathfn.exp`, so every float operation matches
        :meth:`sim.rng.Streams.poisson`'s vectorised search.
        """
        for i in range(u.size):
            # The first three steps without branches, so the loop vectorises: counts of 0, 1
            # or 2 are scattered, and a mispredicted exit per customer cost more than the
            # steps. ``go`` is whether the search is still on; a search still on after three
            # steps (-1) is done again in full below, by the same float operations.
            pmf, ui, li = pmf0[i], u[i], lam[i]
            cdf = pmf
            k = 0
            go = ui > cdf
            for j in range(1, 4):
                pmf = pmf * li / j
                cdf += pmf
                k += go
                go = go & (pmf > 0.0) & (ui > cdf)
            counts[i] = -1 if go else k
        for i in range(u.size):
            if counts[i] < 0:
                counts[i] = _poisson_tail(u[i], lam[i], pmf0[i])
        return counts

    @njit(cache=True, nogil=True, error_model="numpy")
    def _poisson_select_block(ids, key, lam, offset, n_risk, counts, out, k, scratch):  # pragma: no cover
        """One block of _poisson_bought: appends to ``out`` from ``k`` the positions (``offset`` + j)
        with a purchase and returns the new ``k``; ``scratch`` has 3 rows of _BLOCK at least."""
        m = ids.size
        u, x, pmf0 = scratch[0], scratch[1], scratch[2]
        for j in range(m):  # each step a loop of its own, as in _churn_draw
            u[j] = _unit(ids[j], key)
        for j in range(m):
            x[j] = -lam[j]
        exp_into(x[:m], pmf0[:m])
        poisson_search(u[:m], lam, pmf0[:m], counts)
        return _select_bought(counts[:m], offset, n_risk, out, k)

    @njit(cache=True, nogil=True, error_model="numpy")
    def _poisson_bought(ids, key, lam, n_risk, counts, out):  # pragma: no cover - compiled
        k = 0
        scratch = np.empty((3, _BLOCK))
        for lo in range(0, ids.size, _BLOCK):
            hi = min(lo + _BLOCK, ids.size)
            k = _poisson_select_block(ids[lo:hi], key, lam[lo:hi], lo, n_risk, counts[lo:hi], out, k, scratch)
        return k

    @njit(cache=True, nogil=True)
    def _scatter_add(buf, rows, amounts):  # pragma: no cover - compiled
        for i in range(rows.size):
            buf[np.uint64(rows[i])] += amounts[i]

    @njit(cache=True, nogil=True)
    def _spread_into(out, positions, values):  # pragma: no cover - compiled
        for i in range(positions.size):
            out[np.uint64(positions[i])] = values[i]

    @njit(cache=True, nogil=True)
    def _book_week(touched, margin, buf, gross_margin, cost_to_serve, clv_pv, acquired_week, discount_by_age,
                   week, by_week, extra_cost):  # pragma: no cover - compiled
        cur, acc = 0, 0.0
        for i in range(touched.size):
            r = np.uint64(touched[i])
            m = margin[i]
            cost = buf[r] + extra_cost
            c = m - cost
            gross_margin[r] += m
            cost_to_serve[r] += cost
            a = acquired_week[r]
            clv_pv[r] += c * discount_by_age[np.uint64(week - max(a, 0))]
            buf[r] = 0.0
            # by_week[a + 1] += c in row order, as np.bincount would sum, with the running sum
            # in a register while rows share an acquisition week (they come in runs): through
            # memory, each addition would wait for the last one's store.
            if i == 0 or a != cur:
                if i:
                    by_week[cur + 1] = acc
                cur = a
                acc = by_week[a + 1]
            acc += c
        if touched.size:
            by_week[cur + 1] = acc

    @njit(cache=True, nogil=True)
    def _bincount(idx, offset, out):  # pragma: no cover - compiled
        for i in range(idx.size):
            out[np.uint64(idx[i] + offset)] += 1

    @njit(cache=True, nogil=True)
    def _sums_by_week(rows, acquired_week, first, second, out_first, out_second):  # pragma: no cover - compiled
        for i in range(rows.size):  # in row order, as np.bincount sums
            b = np.uint64(acquired_week[np.uint64(rows[i])] + 1)
            out_first[b] += first[i]
            out_second[b] += second[i]

    @njit(cache=True, nogil=True)
    def _bincount_weights(idx, offset, weights, out):  # pragma: no cover - compiled
        for i in range(idx.size):  # in order, as np.bincount sums
            out[np.uint64(idx[i] + offset)] += weights[i]

    @njit(cache=True, nogil=True)
    def _census(state, churned, lapsing, member, satisfaction, acquired_week, by_week):  # pragma: no cover
        n = state.size
        active = n_lapsing = members = 0
        s0 = s1 = s2 = s3 = 0.0
        keep = np.array([0.0, 1.0])
        for lo in range(0, n, _BLOCK):  # _BLOCK is a multiple of 4: the lanes run on across blocks
            hi = min(lo + _BLOCK, n)
            # Branch-free counts (churned rows are scattered), so the loop vectorises; the rows
            # of a block most often share one acquisition week, found by its extremes.
            here_n = lapsing_n = members_n = 0
            a_min = a_max = acquired_week[lo]
            for r in range(lo, hi):
                s = state[r]
                here = s != churned
                here_n += here
                lapsing_n += s == lapsing
                members_n += member[r] & here
                a = acquired_week[r]
                a_min, a_max = min(a_min, a), max(a_max, a)
            active += here_n
            n_lapsing += lapsing_n
            members += members_n
            if a_min == a_max:
                by_week[a_min + 1] += here_n
            else:
                for r in range(lo, hi):
                    by_week[acquired_week[r] + 1] += state[r] != churned
            # Satisfaction summed in four lanes by row (see census): four chains of additions a
            # quarter as long as one. Churned rows add a product by 0 from a lookup (x * 0 + s is
            # s, for finite x): a test would compile to a branch per row, mispredicted.
            for r in range(lo, lo + ((hi - lo) & ~3), 4):
                s0 += np.float64(satisfaction[r]) * keep[np.uint64(state[r] != churned)]
                s1 += np.float64(satisfaction[r + 1]) * keep[np.uint64(state[r + 1] != churned)]
                s2 += np.float64(satisfaction[r + 2]) * keep[np.uint64(state[r + 2] != churned)]
                s3 += np.float64(satisfaction[r + 3]) * keep[np.uint64(state[r + 3] != churned)]
        n4 = n & ~3
        rest = n - n4  # rows n4, n4 + 1, ... are in lanes 0, 1, ...
        if rest > 0 and state[n4] != churned:
            s0 += np.float64(satisfaction[n4])
        if rest > 1 and state[n4 + 1] != churned:
            s1 += np.float64(satisfaction[n4 + 1])
        if rest > 2 and state[n4 + 2] != churned:
            s2 += np.float64(satisfaction[n4 + 2])
        return active, n_lapsing, members, (s0 + s1) + (s2 + s3)

    @njit(cache=True, nogil=True)
    def _book_purchases(buyers, paid, occasions, week, revenue, purchases, last_purchase_week):  # pragma: no cover
        for i in range(buyers.size):
            r = np.uint64(buyers[i])
            revenue[r] += paid[i]
            purchases[r] += occasions[i]
            last_purchase_week[r] = week

    @njit(cache=True, nogil=True)
    def _book_seen(buyers, occasions, ids, key, visibility, member, week, seen_purchases,
                   seen_week):  # pragma: no cover - compiled
        u = np.empty(_BLOCK)
        for lo in range(0, buyers.size, _BLOCK):
            hi = min(lo + _BLOCK, buyers.size)
            uniform_into(ids[lo:hi], key, u)  # a loop of its own vectorises, as in _rows_drawn
            for i in range(lo, hi):  # branch-free: whether a buyer is seen is a coin toss per buyer
                r = np.uint64(buyers[i])
                seen = member[r] | (u[i - lo] < visibility)
                seen_purchases[r] += occasions[i] * seen
                seen_week[r] += (week - seen_week[r]) * seen

    @njit(cache=True, nogil=True)
    def _decay_and_lapse(alive, attachment, factor, last_purchase_week, threshold, state, lapsing,
                         active):  # pragma: no cover
        for i in range(alive.size):
            r = np.uint64(alive[i])
            attachment[r] *= factor
            state[r] = active + (lapsing - active) * (last_purchase_week[r] <= threshold)  # branch-free


def rows_drawn(state: np.ndarray, code: int, ids: np.ndarray, key: int, p: float) -> np.ndarray | None:
    """Rows in state ``code`` whose uniform under stream ``key`` is below ``p``, ascending.

    One pass over the population instead of the list of every row in that state (millions of
    churned customers in a long run); None without numba, for the caller's numpy path.
    """
    if not AVAILABLE:
        return None
    return _rows_drawn(state, np.int8(code), ids, np.uint64(key), float(p))



def advocates(state: np.ndarray, churned: int, satisfaction: np.ndarray, high: float,
              low: float, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows not ``churned``; of them, those with satisfaction at least ``high`` and how many are below ``low``.

    One pass over the population; both row lists ascending. Thresholds are compared in the
    dtype of ``satisfaction``, as numpy compares an array with a Python float. ``out``, if
    given (int64, at least ``state.size + 1`` long), receives the first list, returned as its
    head: rows can then be appended in place after it.
    """
    if AVAILABLE and satisfaction.dtype == np.float32:
        # Room for every row, but only the pages written are touched (as in _rows_drawn): views,
        # not copies, so the week does not hold two lists of its customers at a time.
        alive = out if out is not None and out.size > state.size and out.dtype == np.int64 else \
            np.empty(state.size + 1, dtype=np.int64)
        promoting = np.empty(state.size + 1, dtype=np.int64)
        k, kp, below = _advocates(state, np.int8(churned), satisfaction, np.float32(high), np.float32(low), alive,
                                  promoting)
        return alive[:k], promoting[:kp], int(below)
    alive = np.flatnonzero(state != churned)
    sat = satisfaction[alive]
    return alive, alive[sat >= high], int(np.count_nonzero(sat < low))


def attachment_weights(rows: np.ndarray, attachment: np.ndarray, ratio: float) -> np.ndarray:
    """:func:`sim.behaviour.attachment_multiplier` of ``attachment[rows]`` (float32) in one pass."""
    if _compiled_rows(rows) and attachment.dtype == np.float32:
        out = np.empty(rows.size, dtype=np.float32)
        _attachment_weights(rows, attachment, np.float32(ratio - 1.0), out)
        return out
    from sim import behaviour as bh  # sim.behaviour imports nothing from here

    return bh.attachment_multiplier(attachment[rows], ratio)


def customer_state(pop, rows: np.ndarray, relief: float, penalty: float):
    """What this week's purchase and churn kernels read of ``rows``, gathered once.

    Returns
    -------
    attach, price_sensitivity, effective_satisfaction : ndarray of float64
        Attachment; price sensitivity after attachment's relief (``ps * (1 - relief * a)``);
        satisfaction less ``penalty`` per failure met.
    ids : ndarray
        The customers' ids.
    """
    if _compiled_rows(rows):
        n = rows.size
        attach, ps, sat_eff, ids = np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=pop.id.dtype)
        _customer_state(rows, pop.attachment, pop.price_sensitivity, pop.satisfaction, pop.failures, pop.id,
                        float(relief), float(penalty), attach, ps, sat_eff, ids)
        return attach, ps, sat_eff, ids
    attach = pop.attachment[rows].astype(np.float64)
    ps = pop.price_sensitivity[rows] * (1.0 - relief * attach)
    sat_eff = pop.satisfaction[rows] - penalty * pop.failures[rows]
    return attach, ps, sat_eff, pop.id[rows]


def churn_draw(pop, at_risk: np.ndarray, sat_eff: np.ndarray, key: int, neutral: float, effect: float, base: float,
               lapsing: int, lapsing_mult: float, m1: np.ndarray | None, m2: np.ndarray | None,
               ids: np.ndarray | None = None) -> np.ndarray | None:
    """Positions in ``at_risk`` of the customers who churn this week; None without numba.

    The probability is that of :func:`sim.behaviour.churn_probability` from the customers'
    satisfaction ``sat_eff`` (the first ``at_risk.size`` values are read), times the optional
    multipliers ``m1`` and ``m2`` (each capped at 1 as applied); a customer churns when its
    uniform under stream ``key`` is below it. One pass, block by block. ``ids``, if given, are
    ``pop.id`` of ``at_risk`` (or a longer array that starts with them), already gathered.
    """
    if not _compiled_rows(at_risk):
        return None
    def per_row(m):  # a multiplier may be one number for all
        if m is None:
            return np.empty(0)
        return np.ascontiguousarray(np.broadcast_to(np.asarray(m, dtype=np.float64), at_risk.shape))

    out = np.empty(at_risk.size + 1, dtype=np.int64)
    ids = pop.id[at_risk] if ids is None else ids[:at_risk.size]
    k = _churn_draw(at_risk, np.ascontiguousarray(sat_eff[:at_risk.size], dtype=np.float64), ids, np.uint64(key),
                    float(neutral), float(effect), pop.state, float(base), np.int8(lapsing), float(lapsing_mult),
                    per_row(m1), per_row(m2), out)
    return out[:k]


def poisson_bought(ids: np.ndarray, key: int, lam: np.ndarray, n_risk: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Purchase counts of ``ids`` (at least 1 from position ``n_risk`` on) and the positions with one.

    The counts are :meth:`sim.rng.Streams.poisson`'s with means ``lam`` under stream ``key``,
    drawn block by block in one pass. None without numba.
    """
    if not (AVAILABLE and ids.dtype.kind in "iu"):
        return None
    counts = np.empty(ids.size, dtype=np.int32)
    out = np.empty(ids.size + 1, dtype=np.int64)
    k = _poisson_bought(ids, np.uint64(key), np.ascontiguousarray(lam, dtype=np.float64), int(n_risk), counts, out)
    return counts, out[:k].copy()  # kept for the week: not the buffer of every row


def per_row_charge(buf: np.ndarray, rows: np.ndarray, weights: np.ndarray, scale: float,
                   counts: np.ndarray | None = None) -> np.ndarray:
    """Add each row's cost to ``buf[rows]`` and return the costs (float64, currency units).

    The cost of row ``r`` is ``scale * weights[r]`` for a float32 field ``weights`` (a float32
    product, as numpy multiplies a float32 array by a Python float), or with ``counts``
    ``counts * scale * weights[r]`` in float64. ``rows`` are distinct.
    """
    amounts = np.empty(rows.size)
    if _compiled_rows(rows) and weights.dtype == np.float32:
        if counts is None:
            _scaled_charge(buf, rows, weights, np.float32(scale), amounts)
        else:
            _counted_charge(buf, rows, counts, float(scale), weights, amounts)
        return amounts
    amounts[:] = scale * weights[rows] if counts is None else counts * scale * weights[rows]
    buf[rows] += amounts
    return amounts


def encounter(pop, buyers: np.ndarray, quality: np.ndarray, failed: np.ndarray, recovered: np.ndarray,
              price_ratio: np.ndarray, severity: float, gen_quality: np.ndarray, params: tuple) -> np.ndarray | None:
    """Service encounters of ``buyers`` in one pass; their experienced values, or None without numba.

    Applies the failure's ``severity`` to ``quality``, then :func:`sim.behaviour.experienced_value`,
    :func:`sim.behaviour.update_satisfaction` (with the recovery paradox), the failure count and
    :func:`sim.behaviour.update_attachment` to each buyer, with the same float operations, in place.
    ``price_ratio`` is one number for all buyers or one per buyer. ``params`` is ``(neutral, reference_value, value_weight, disconfirmation_weight, loss_aversion,
    memory, adaptation, recovery_transaction, attachment_growth, attachment_threshold)``.
    """
    if not _compiled_rows(buyers):
        return None
    value = np.empty(buyers.size)
    _encounter(buyers, np.ascontiguousarray(quality, dtype=np.float64), failed, recovered,
               np.ascontiguousarray(np.asarray(price_ratio, dtype=np.float64).reshape(-1)), float(severity),
               gen_quality, pop.generation, pop.quality_sensitivity, pop.price_sensitivity, pop.satisfaction,
               pop.expectation, pop.failures, pop.attachment, tuple(float(x) for x in params), value)
    return value


def purchase_rate(pop, rows: np.ndarray, sat_eff: np.ndarray, ps: np.ndarray, attach: np.ndarray,
                  price_ratio, neutral: float, effect: float, attachment_ratio: float,
                  extra: np.ndarray | None = None) -> np.ndarray:
    """Expected purchase occasions per week of ``rows`` (:func:`sim.behaviour.purchase_rate`).

    The rate is ``base * exp(effect * (sat_eff - neutral)) * price_ratio ** -ps`` times the
    attachment multiplier, or times ``extra`` when strategies add to it (``extra`` then holds
    the whole product, attachment multiplier included). One compiled pass (the exponentials are
    :func:`sim.mathfn.exp`); the numpy functions without numba.
    """
    from sim import behaviour as bh  # sim.behaviour imports nothing from here

    if not _compiled_rows(rows):
        mult = bh.attachment_multiplier(attach, attachment_ratio) if extra is None else extra
        return bh.purchase_rate(pop.purchase_rate[rows], sat_eff, bh.price_multiplier(price_ratio, ps), neutral,
                                effect, mult)
    n = rows.size
    out = np.empty(n)
    nlp = np.ascontiguousarray(-np.log(np.asarray(price_ratio, dtype=np.float64)).reshape(-1))
    _rate(rows, pop.purchase_rate, sat_eff, ps, nlp, float(effect), float(neutral), attach, float(attachment_ratio),
          np.empty(0) if extra is None else np.ascontiguousarray(np.broadcast_to(extra, (n,)), dtype=np.float64), out)
    return out


def state_and_rate(pop, rows: np.ndarray, relief: float, penalty: float, price_ratio: float, neutral: float,
                   effect: float, attachment_ratio: float):
    """:func:`customer_state` and :func:`purchase_rate` (with attachment's multiplier alone) in one pass.

    ``price_ratio`` is one number for all. Returns ``attach, price_sensitivity,
    effective_satisfaction, ids, rate``, or None without numba (the caller then calls the two).
    """
    if not _compiled_rows(rows):
        return None
    n = rows.size
    attach, ps, sat_eff, rate = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    ids = np.empty(n, dtype=pop.id.dtype)
    _state_and_rate(rows, pop.attachment, pop.price_sensitivity, pop.satisfaction, pop.failures, pop.id,
                    pop.purchase_rate, float(relief), float(penalty), float(-np.log(float(price_ratio))), float(effect),
                    float(neutral), float(attachment_ratio), attach, ps, sat_eff, ids, rate)
    return attach, ps, sat_eff, ids, rate


def basket_units(pop, buyers: np.ndarray, counts: np.ndarray, ids: np.ndarray, key: int,
                 sigma: float, gen_cost: np.ndarray | None = None):
    """Units bought by ``buyers`` (:func:`sim.behaviour.basket_units`) with their normals under stream ``key``.

    ``counts`` are the buyers' purchase occasions and ``ids`` their ids. The uniforms, normal
    quantiles, exponentials and products in one blocked pass; None without numba. With
    ``gen_cost`` (unit cost by product generation, currency units) the pass also returns the
    cost of goods, ``units * gen_cost[pop.generation[buyers]]``: ``(units, cogs)``.
    """
    if not _compiled_rows(buyers, ids) or pop.basket_mean.dtype != np.float32 or counts.dtype.kind != "i":
        return None
    units = np.empty(buyers.size)
    if gen_cost is None:
        cost, generation, cogs = np.empty(0), np.empty(0, dtype=np.int8), np.empty(0)
    else:
        cost, generation = np.ascontiguousarray(gen_cost, dtype=np.float64), pop.generation
        cogs = np.empty(buyers.size)
    _basket(ids, np.uint64(key), counts, buyers, pop.basket_mean, float(sigma), 0.5 * sigma * sigma, units,
            cost, generation, cogs)
    return units if gen_cost is None else (units, cogs)


def service_draws(ids: np.ndarray, key_quality: int, key_failure: int, loc: float, scale: float,
                  failure_prob: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Each buyer's service quality and whether the service failed, in one blocked pass.

    ``loc + scale * z`` with ``z`` the keyed normal of each id under stream ``key_quality``
    (:meth:`sim.rng.Streams.normal`), and whether the keyed uniform under ``key_failure`` is
    below ``failure_prob``, as the numpy path computes them. None without numba.
    """
    if not _compiled_rows(ids):
        return None
    quality, failed = np.empty(ids.size), np.empty(ids.size, dtype=np.bool_)
    _service_draws(ids, np.uint64(key_quality), np.uint64(key_failure), float(loc), float(scale), float(failure_prob),
                   quality, failed)
    return quality, failed


def purchase_week(pop, rows: np.ndarray, n_risk: int, key: int, relief: float, penalty: float, price_ratio: float,
                  neutral: float, effect: float, attachment_ratio: float, decay: np.float32, threshold: int,
                  lapsing: int, active: int, churn_key: int, churn_effect: float, churn_rate: float,
                  lapsing_mult: float):
    """A week of purchases, lapsing and churn of ``rows`` in one pass, when only attachment multiplies the rate.

    Per block of rows: :func:`state_and_rate` and :func:`poisson_bought` under stream ``key``
    (rows from position ``n_risk`` on buy at least once); then :func:`decay_and_lapse` as it
    acts once this week's purchases are booked (attachment times ``decay``; rows without a
    purchase that last bought at or before week ``threshold`` lapse, the others are active); then
    :func:`churn_draw` of the first ``n_risk`` rows under stream ``churn_key``, from the
    effective satisfaction read before this week's encounters, without further multipliers.
    Each row's state is thus read once a week.

    Returns
    -------
    tuple or None
        ``bought`` (positions in ``rows`` with a purchase) and the ``rows``, occasions (int32)
        and ids at those positions, then ``leaving`` (positions of those who churn). None
        without numba.
    """
    if not _compiled_rows(rows):
        return None
    n = rows.size
    bought, buyers = np.empty(n + 1, dtype=np.int64), np.empty(n + 1, dtype=rows.dtype)
    occasions, buyer_ids = np.empty(n + 1, dtype=np.int32), np.empty(n + 1, dtype=pop.id.dtype)
    leaving = np.empty(n + 1, dtype=np.int64)
    k, kc = _purchase_week(rows, int(n_risk), pop.attachment, pop.price_sensitivity, pop.satisfaction, pop.failures,
                           pop.id, pop.purchase_rate, float(relief), float(penalty),
                           float(-np.log(float(price_ratio))), float(effect), float(neutral), float(attachment_ratio),
                           np.uint64(key), pop.last_purchase_week, pop.state, np.float32(decay), int(threshold),
                           np.int8(lapsing), np.int8(active), np.uint64(churn_key), float(churn_effect),
                           float(churn_rate), float(lapsing_mult), bought, buyers, occasions, buyer_ids, leaving)
    # Copies: kept for the week, they should not hold buffers the size of every row.
    return bought[:k].copy(), buyers[:k].copy(), occasions[:k].copy(), buyer_ids[:k].copy(), leaving[:kc].copy()


def spread(indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``weights`` of the ``sources`` over each node's ties in a CSR graph (float64, length ``n``).

    Visits only the sources' ties (for word of mouth: the promoters'), in the order of
    ``sources`` and then of each source's ties, instead of every tie of the graph.
    """
    out = np.zeros(n)
    if AVAILABLE and sources.dtype.kind in "iu":
        _spread(indptr, indices, sources, weights, out)
        return out
    starts, counts = indptr[sources], indptr[np.asarray(sources) + 1] - indptr[sources]
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    ties = first + np.arange(int(counts.sum()))
    np.add.at(out, indices[ties], np.repeat(np.asarray(weights, dtype=np.float64), counts))  # in order
    return out


def _compiled_rows(*rows: np.ndarray) -> bool:
    return AVAILABLE and all(r.dtype.kind in "iu" for r in rows)


def book_purchases(pop, buyers: np.ndarray, paid: np.ndarray, occasions: np.ndarray, week: int) -> None:
    """Add this week's purchases to the buyers' revenue (currency units) and occasions; stamp the week."""
    if _compiled_rows(buyers):
        _book_purchases(buyers, paid, occasions.astype(pop.purchases.dtype, copy=False), week, pop.revenue,
                        pop.purchases, pop.last_purchase_week)
        return
    pop.revenue[buyers] += paid
    pop.purchases[buyers] += occasions
    pop.last_purchase_week[buyers] = week


def book_seen(pop, buyers: np.ndarray, occasions: np.ndarray, ids: np.ndarray, key: int, visibility: float,
              week: int, uniform: Callable[[], np.ndarray]) -> None:
    """Purchases the firm sees: every one of a member's, an anonymous buyer's when its uniform is below ``visibility``.

    The uniforms are those of the buyers' ``ids`` under stream ``key``: drawn in the compiled
    pass, or by ``uniform()`` (the same numbers, from :meth:`sim.rng.Streams.uniform`) on the
    numpy path.
    """
    if _compiled_rows(buyers, ids):
        _book_seen(buyers, occasions.astype(pop.seen_purchases.dtype, copy=False), ids, np.uint64(key),
                   float(visibility), pop.member, week, pop.seen_purchases, pop.seen_week)
        return
    seen = pop.member[buyers] | (uniform() < visibility)
    pop.seen_purchases[buyers[seen]] += occasions[seen]
    pop.seen_week[buyers[seen]] = week


def decay_and_lapse(pop, alive: np.ndarray, factor: np.float32, threshold: int, lapsing: int, active: int) -> None:
    """Attachment of ``alive`` decays by ``factor``; those who last bought at or before ``threshold`` lapse."""
    if _compiled_rows(alive):
        _decay_and_lapse(alive, pop.attachment, np.float32(factor), pop.last_purchase_week, threshold, pop.state,
                         np.int8(lapsing), np.int8(active))
        return
    pop.attachment[alive] *= np.float32(factor)
    pop.state[alive] = np.where(pop.last_purchase_week[alive] <= threshold, np.int8(lapsing), np.int8(active))


def census(pop, weeks: int) -> tuple[int, int, int, float, np.ndarray]:
    """One pass over the population at the end of a week.

    Returns customers not churned, of them lapsing and members, their mean satisfaction (summed
    in float64 in four lanes by row, each in row order, so that the sum is not one chain of
    dependent additions) and their counts by acquisition week + 1 (length ``weeks + 1``).
    """
    from sim.population import CHURNED, LAPSING  # the population module imports nothing from here

    if AVAILABLE:
        by_week = np.zeros(weeks + 1, dtype=np.int64)
        active, lapsing, members, sat = _census(pop.state, CHURNED, LAPSING, pop.member, pop.satisfaction,
                                                pop.acquired_week, by_week)
        return active, lapsing, members, sat / active if active else 0.0, by_week
    alive = np.flatnonzero(pop.state != CHURNED)
    # Summed in four lanes by row (row r in lane r % 4, each lane in row order), then (0 + 1) + (2 + 3).
    here = np.zeros(-(-pop.state.size // 4) * 4)
    here[alive] = pop.satisfaction[alive]
    lanes = np.cumsum(here.reshape(-1, 4), axis=0)[-1] if here.size else np.zeros(4)
    sat = float((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
    return (alive.size, int(np.count_nonzero(pop.state[alive] == LAPSING)), int(np.count_nonzero(pop.member[alive])),
            sat / alive.size if alive.size else 0.0,
            np.bincount(pop.acquired_week[alive] + 1, minlength=weeks + 1))


def bincount(idx: np.ndarray, minlength: int, weights: np.ndarray | None = None, offset: int = 0) -> np.ndarray:
    """``np.bincount(idx + offset, weights, minlength)`` without the shifted copy of ``idx``.

    Counts are int64, weighted sums float64 added in the order of ``idx`` (as numpy does).
    """
    if not AVAILABLE or idx.dtype.kind not in "iu":
        return np.bincount(np.asarray(idx) + offset, weights=weights, minlength=minlength)
    size = max(minlength, int(idx.max()) + offset + 1) if idx.size else minlength
    if weights is None:
        out = np.zeros(size, dtype=np.int64)
        _bincount(idx, offset, out)
    else:
        out = np.zeros(size)
        _bincount_weights(idx, offset, np.asarray(weights, dtype=np.float64), out)
    return out


def sums_by_week(rows: np.ndarray, acquired_week: np.ndarray, first: np.ndarray, second: np.ndarray,
                 size: int) -> tuple[np.ndarray, np.ndarray]:
    """Two per-row amounts of ``rows`` summed by their acquisition week + 1 (float64, length ``size``).

    ``np.bincount(acquired_week[rows] + 1, weights=...)`` of each, in one pass without the
    gathered weeks; every acquisition week + 1 is below ``size``.
    """
    if _compiled_rows(rows):
        out_first, out_second = np.zeros(size), np.zeros(size)
        _sums_by_week(rows, acquired_week, np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64),
                      out_first, out_second)
        return out_first, out_second
    weeks = acquired_week[rows].astype(np.intp) + 1
    return np.bincount(weeks, weights=first, minlength=size), np.bincount(weeks, weights=second, minlength=size)


def scatter_add(buf: np.ndarray, rows: np.ndarray, amounts: np.ndarray) -> None:
    """``buf[rows] += amounts`` for distinct ``rows`` (``amounts`` may be a broadcast scalar)."""
    if AVAILABLE and rows.dtype.kind in "iu":
        _scatter_add(buf, rows, amounts)
    else:
        buf[rows] += amounts


def spread_into(n: int, positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A float64 array of ``n`` zeros with ``values`` at ``positions`` (distinct): ``out[positions] = values``."""
    out = np.zeros(n)
    if AVAILABLE and positions.dtype.kind in "iu" and values.dtype == np.float64:
        _spread_into(out, positions, values)
    else:
        out[positions] = values
    return out


def book_week(touched: np.ndarray, margin: np.ndarray, buf: np.ndarray, pop, discount_by_age: np.ndarray,
              week: int, by_week: np.ndarray, extra_cost: float = 0.0) -> None:
    """Book one week of margin and cost into each customer's accounts; clear the cost buffer.

    Parameters
    ----------
    touched : ndarray of int
        Distinct rows that bought or bore a cost this week.
    margin : ndarray
        Gross margin of each touched row this week (currency units).
    buf : ndarray
        Cost of the week per population row (currency units); zeroed at ``touched``.
    pop : Population
        Its ``gross_margin``, ``cost_to_serve`` and ``clv_pv`` are updated in place.
    discount_by_age : ndarray
        Discount factor by weeks since acquisition.
    week : int
        The week booked.
    by_week : ndarray
        Contribution (margin less cost, currency units) by acquisition week + 1, added to in
        row order, so that booking the week in several calls sums as one call would.
    extra_cost : float
        A cost every touched row bears on top of ``buf`` (currency units), added as the last
        charge of the week would be: the allocation of fixed costs, without a pass of its own.
    """
    acquired = pop.acquired_week
    if _compiled_rows(touched):
        _book_week(touched, margin, buf, pop.gross_margin, pop.cost_to_serve, pop.clv_pv, acquired,
                   discount_by_age, week, by_week, float(extra_cost))
        return
    cost = buf[touched] + float(extra_cost)
    contribution = margin - cost
    pop.gross_margin[touched] += margin
    pop.cost_to_serve[touched] += cost
    touched_acq = acquired[touched]
    pop.clv_pv[touched] += contribution * discount_by_age[week - np.maximum(touched_acq, 0)]
    buf[touched] = 0.0
    np.add.at(by_week, touched_acq.astype(np.intp) + 1, contribution)  # unbuffered: in row order
