"""The hot path's numerics: the C library's to one unit in the last place; the compiled scalars
are the numpy oracles' bits."""

from __future__ import annotations

import numpy as np
import pytest

from sim import mathfn
from tests.oracles.numerics import exp_numpy, log_numpy, ndtri_numpy


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between positive finite floats."""
    return np.abs(a.view(np.int64) - b.view(np.int64))


@pytest.mark.parametrize("low, high", [(-1.0, 1.0), (-30.0, 10.0), (-708.0, 709.0), (-1e-9, 1e-9)])
def test_exp_is_within_one_ulp_of_the_c_library(low, high):
    x = np.random.default_rng(0).uniform(low, high, 400_000)
    ref = np.exp(x)
    ours = exp_numpy(x)
    assert _ulps(ours, ref).max() <= 1
    # Not a copy of the C library's either: the two round differently now and then.
    assert 0.0 <= np.mean(ours != ref) < 0.2


def test_exp_edges_zero_subnormals_and_overflow():
    x = np.array([0.0, -0.0, 1.0, -1.0, 709.78, 709.79, 800.0, -708.5, -745.13, -745.2, -800.0, -np.inf, np.inf])
    with np.errstate(over="ignore"):
        ref = np.exp(x)
    ours = exp_numpy(x)
    assert ours[0] == ours[1] == 1.0
    assert np.array_equal(np.isinf(ours), np.isinf(ref)) and np.array_equal(ours == 0.0, ref == 0.0)
    sub = (ref > 0) & (ref < np.finfo(float).tiny)  # subnormal results: one subnormal step at most
    assert sub.any() and np.all(np.abs(ours[sub] - ref[sub]) <= np.finfo(float).smallest_subnormal)
    normal = np.isfinite(ref) & (ref >= np.finfo(float).tiny)
    assert _ulps(ours[normal], ref[normal]).max() <= 1


def test_exp_keeps_shapes_and_gives_floats_for_scalars():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    assert mathfn.exp_array(x).shape == (3, 4) and np.array_equal(mathfn.exp_array(x), exp_numpy(x))
    assert isinstance(mathfn.exp_array(0.5), float) and mathfn.exp_array(0.5) == exp_numpy(np.array([0.5]))[0]
    assert mathfn.exp_array(np.float32(2.0)) == mathfn.exp_array(2.0) == mathfn.exp(2.0)


def test_compiled_exp_equals_numpy_bit_for_bit():
    rng = np.random.default_rng(1)
    x = np.r_[rng.uniform(-746, 711, 300_000), rng.uniform(-2, 2, 300_000), rng.normal(0, 1e-6, 10_000),
              0.0, -0.0, 709.78, 709.79, -745.13, -745.2, 1e308, -1e308]
    with np.errstate(over="ignore"):
        ours = exp_numpy(x)
    fast = mathfn.exp_into(x, np.empty(x.size))
    assert np.array_equal(fast.view(np.uint64), ours.view(np.uint64))


def test_log_is_within_one_ulp_of_the_c_library_on_positive_normals():
    rng = np.random.default_rng(2)
    x = np.r_[2.0 ** rng.uniform(-1022, 1023, 300_000), rng.uniform(0.5, 2.0, 300_000), 1.0, 2.0, 0.5,
              np.finfo(float).tiny, np.finfo(float).max]
    ref = np.log(x)
    ours = log_numpy(x)
    assert ours[x == 1.0][0] == 0.0
    nz = ref != 0.0
    assert np.max(np.abs(ours[nz] - ref[nz]) / np.abs(ref[nz])) <= np.finfo(float).eps


def test_ndtri_matches_scipy_to_a_few_ulps_and_is_odd():
    """AS 241 against scipy's cephes ndtri, over the keyed uniforms' range and the region edges."""
    from scipy import special

    rng = np.random.default_rng(3)
    u = np.r_[(rng.integers(0, 2**53, 400_000) + 0.5) * 2.0**-53, 2.0**-54, 1e-300, 1e-10, 0.075, 0.925,
              0.5 - 1e-12, 0.5, 1 - 2.0**-53, np.nextafter(0.075, 0), np.exp(-25.0)]
    ours, ref = ndtri_numpy(u), special.ndtri(u)
    big = np.abs(ref) > 1e-3
    assert np.max(np.abs(ours[big] - ref[big]) / np.abs(ref[big])) < 4e-15
    assert np.max(np.abs(ours[~big] - ref[~big])) < 1e-18
    assert ndtri_numpy(np.array([0.5]))[0] == 0.0
    dyadic = np.arange(1, 2**19) / 2.0**20  # 1 - u is exact: the quantile is exactly odd
    assert np.array_equal(ndtri_numpy(dyadic), -ndtri_numpy(1.0 - dyadic))
    assert np.all(np.diff(ndtri_numpy(dyadic)) > 0)
    # The probabilities a keyed uniform can round to give finite, large values, not infinities.
    edge = ndtri_numpy(np.array([0.0, 1.0]))
    assert np.all(np.isfinite(edge)) and edge[0] == -edge[1] and edge[1] > 37.0


def test_compiled_ndtri_equals_numpy_bit_for_bit():
    rng = np.random.default_rng(4)
    u = np.r_[(rng.integers(0, 2**53, 300_000) + 0.5) * 2.0**-53, rng.uniform(0.0, 0.08, 5_000),
              rng.uniform(0.92, 1.0, 5_000), 0.0, 1.0, 0.5, 0.075, 0.925, 2.0**-54, np.exp(-25.0), 1e-300]
    fast = mathfn.ndtri_into(u, np.empty(u.size))
    assert np.array_equal(fast.view(np.uint64), ndtri_numpy(u).view(np.uint64))
    assert np.array_equal(mathfn.ndtri_array(u.reshape(-1, 4)), fast.reshape(-1, 4))
    # The scalar (one region or the other by a branch) gives the blocked loop's numbers.
    some = u[::97]
    assert np.array_equal(np.array([mathfn.ndtri(x) for x in some]), fast[::97])


def test_compiled_log_equals_numpy_bit_for_bit():
    rng = np.random.default_rng(5)
    x = np.r_[2.0 ** rng.uniform(-1022, 1023, 20_000), rng.uniform(0.5, 2.0, 20_000), 1.0, 2.0, np.finfo(float).tiny]
    fast = np.array([mathfn.log(v) for v in x])
    assert np.array_equal(fast.view(np.uint64), log_numpy(x).view(np.uint64))
