"""The hot path's exponential: the C library's to one unit in the last place, the same bits compiled."""

from __future__ import annotations

import numpy as np
import pytest

from sim import compiled, mathfn


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between positive finite floats."""
    return np.abs(a.view(np.int64) - b.view(np.int64))


@pytest.mark.parametrize("low, high", [(-1.0, 1.0), (-30.0, 10.0), (-708.0, 709.0), (-1e-9, 1e-9)])
def test_exp_is_within_one_ulp_of_the_c_library(low, high):
    x = np.random.default_rng(0).uniform(low, high, 400_000)
    ref = np.exp(x)
    ours = mathfn.exp_numpy(x)
    assert _ulps(ours, ref).max() <= 1
    # Not a copy of the C library's either: the two round differently now and then.
    assert 0.0 <= np.mean(ours != ref) < 0.2


def test_exp_edges_zero_subnormals_and_overflow():
    x = np.array([0.0, -0.0, 1.0, -1.0, 709.78, 709.79, 800.0, -708.5, -745.13, -745.2, -800.0, -np.inf, np.inf])
    with np.errstate(over="ignore"):
        ref = np.exp(x)
    ours = mathfn.exp_numpy(x)
    assert ours[0] == ours[1] == 1.0
    assert np.array_equal(np.isinf(ours), np.isinf(ref)) and np.array_equal(ours == 0.0, ref == 0.0)
    sub = (ref > 0) & (ref < np.finfo(float).tiny)  # subnormal results: one subnormal step at most
    assert sub.any() and np.all(np.abs(ours[sub] - ref[sub]) <= np.finfo(float).smallest_subnormal)
    normal = np.isfinite(ref) & (ref >= np.finfo(float).tiny)
    assert _ulps(ours[normal], ref[normal]).max() <= 1


def test_exp_keeps_shapes_and_gives_floats_for_scalars():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    assert mathfn.exp(x).shape == (3, 4) and np.array_equal(mathfn.exp(x), mathfn.exp_numpy(x))
    assert isinstance(mathfn.exp(0.5), float) and mathfn.exp(0.5) == mathfn.exp_numpy(np.array([0.5]))[0]
    assert mathfn.exp(np.float32(2.0)) == mathfn.exp(2.0)


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
def test_compiled_exp_equals_numpy_bit_for_bit():
    rng = np.random.default_rng(1)
    x = np.r_[rng.uniform(-746, 711, 300_000), rng.uniform(-2, 2, 300_000), rng.normal(0, 1e-6, 10_000),
              0.0, -0.0, 709.78, 709.79, -745.13, -745.2, 1e308, -1e308]
    with np.errstate(over="ignore"):
        ours = mathfn.exp_numpy(x)
    fast = compiled.exp_into(x, np.empty(x.size))
    assert np.array_equal(fast.view(np.uint64), ours.view(np.uint64))
