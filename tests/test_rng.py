"""Keyed random streams: uniform, independent, and addressed by (purpose, week, draw, id)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.rng import Streams, normalize_seed


def test_uniforms_are_uniform_and_open_interval():
    u = Streams(7).uniform("purchase", 3, np.arange(200_000))
    assert 0.0 < u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_value_depends_on_key_not_on_array_position():
    s = Streams(11)
    ids = np.arange(1000)
    full = s.uniform("churn", 5, ids)
    subset = ids[::-7]
    assert np.array_equal(s.uniform("churn", 5, subset), full[subset])


@pytest.mark.parametrize("other", [("churn", 5, 0, 11), ("purchase", 5, 0, 11), ("churn", 6, 0, 11),
                                   ("churn", 5, 1, 11), ("churn", 5, 0, 12)])
def test_each_key_component_gives_an_independent_stream(other):
    ids = np.arange(100_000)
    purpose, week, draw, seed = other
    a = Streams(11).uniform("churn", 5, ids, draw=0)
    b = Streams(seed).uniform(purpose, week, ids, draw=draw)
    if other == ("churn", 5, 0, 11):
        assert np.array_equal(a, b)
    else:
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.02  # 0.02 is over 6 standard errors at n = 1e5


def test_poisson_and_gamma_moments():
    s = Streams(3)
    ids = np.arange(400_000)
    lam = np.where(ids % 2 == 0, 0.3, 4.0)
    k = s.poisson("purchase", 1, ids, lam)
    for value in (0.3, 4.0):
        sel = k[lam == value]
        se = np.sqrt(value / sel.size)
        assert abs(sel.mean() - value) < 5 * se
        assert abs(sel.var() / value - 1) < 0.03
    g = s.gamma("traits", -1, ids, 2.0, 0.5)
    assert abs(g.mean() - 1.0) < 0.01 and abs(g.var() - 0.5) < 0.01


def test_seed_normalisation():
    assert normalize_seed(None) == 0 and normalize_seed(np.int64(5)) == 5
    with pytest.raises(ValueError, match="seed"):
        normalize_seed(-1)
