"""Replication statistics: interval coverage, replications needed, and what pairing by seed buys."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sim.analysis.stats import (
    paired_differences,
    replications_needed,
    resolve_baseline,
    scenario_columns,
    summarize,
    t_interval,
    variance_reduction,
)
from sim.runner import run
from sim.sweep import compose_scenario

SMALL = ["customers.initial=300", "market.potential=1500", "horizon.weeks=26", "output.plots=false"]


def test_t_interval_covers_the_true_mean_at_the_nominal_rate():
    rng = np.random.default_rng(20240611)
    samples = rng.normal(10.0, 3.0, size=(4000, 5))
    hits = 0
    for x in samples:
        mean, hw, _, n = t_interval(x)
        hits += abs(mean - 10.0) <= hw
    assert n == 5
    assert 0.94 <= hits / len(samples) <= 0.96  # binomial sd of the coverage is 0.0034


def test_t_interval_matches_scipy_and_handles_tiny_samples():
    x = [3.0, 5.0, 4.0, 8.0]
    mean, hw, sd, n = t_interval(x, level=0.9)
    lo, hi = sps.t.interval(0.9, 3, loc=np.mean(x), scale=sps.sem(x))
    assert (mean, n) == (5.0, 4) and math.isclose(mean - hw, lo) and math.isclose(mean + hw, hi)
    assert math.isnan(t_interval([1.0])[1]) and t_interval([])[3] == 0


def test_replications_needed_is_the_smallest_n_meeting_the_target():
    for sd, h in [(1.0, 0.5), (10.0, 1.0), (3.0, 2.9)]:
        n = replications_needed(sd, h)
        assert sps.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= h
        assert n == 2 or sps.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) > h
    assert 385 <= replications_needed(10.0, 1.0) <= 390  # (1.96 * 10 / 1)^2 = 384.2 plus the t correction
    assert replications_needed(0.0, 1.0) == 2
    with pytest.raises(ValueError, match="'half_width'.*0"):
        replications_needed(1.0, 0.0)


def _table(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    seeds = np.arange(a.size)
    return pd.DataFrame({"job": [f"j{i}" for i in range(2 * a.size)],
                         "loyalty": ["none"] * a.size + ["points"] * a.size, "horizon.weeks": 26,
                         "seed": np.concatenate([seeds, seeds]), "npv_profit": np.concatenate([a, b])})


def test_pairing_removes_the_shared_luck_of_correlated_replications():
    rng = np.random.default_rng(7)
    luck = rng.normal(0.0, 10.0, 3000)  # shared by both scenarios (common random numbers)
    a = 100.0 + luck + rng.normal(0.0, 1.0, luck.size)
    b = 102.0 + luck + rng.normal(0.0, 1.0, luck.size)
    # var(a) + var(b) = 2 * 101, var(a - b) = 2: pairing needs 101 times fewer replications.
    assert 90 < variance_reduction(a, b) < 112
    d = paired_differences(_table(a, b), "npv_profit").iloc[0]
    assert d["scenario"] == "loyalty=points" and d["baseline"] == "loyalty=none" and d["n_pairs"] == 3000
    assert abs(d["diff"] - 2.0) < 3 * d["half_width"] / 1.96
    assert 8 < d["unpaired_half_width"] / d["half_width"] < 12  # sqrt(101)
    assert d["p_value"] < 1e-6 and d["n_to_resolve"] < 10


def test_independent_replications_gain_nothing_from_pairing():
    rng = np.random.default_rng(8)
    a, b = rng.normal(0, 1, 4000), rng.normal(0, 1, 4000)
    assert 0.9 < variance_reduction(a, b) < 1.1


def test_summarize_groups_by_the_varying_parameters_in_table_order():
    t = _table(np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 8.0]))
    assert scenario_columns(t) == ["loyalty"]
    s = summarize(t, "npv_profit", target_half_width=1.0)
    assert list(s["scenario"]) == ["loyalty=none", "loyalty=points"]
    assert list(s["n"]) == [3, 3] and list(s["mean"]) == [2.0, 6.0]
    assert math.isclose(s["ci_high"][0] - 2.0, sps.t.ppf(0.975, 2) * 1.0 / math.sqrt(3))
    assert s["n_needed"][0] == replications_needed(1.0, 1.0)


def test_baseline_can_be_named_and_a_wrong_name_lists_the_scenarios():
    t = _table(np.array([1.0, 2.0]), np.array([3.0, 5.0]))
    assert resolve_baseline(t, {"loyalty": "points"}, ["loyalty"]) == "loyalty=points"
    assert resolve_baseline(t, "loyalty=points", ["loyalty"]) == "loyalty=points"
    d = paired_differences(t, "npv_profit", baseline="loyalty=points").iloc[0]
    assert (d["scenario"], d["diff"]) == ("loyalty=none", -2.5)
    with pytest.raises(ValueError, match="'baseline'.*'loyalty=none', 'loyalty=points'.*tiers"):
        resolve_baseline(t, "loyalty=tiers", ["loyalty"])


def test_common_random_numbers_make_paired_loyalty_comparisons_far_tighter():
    seeds = range(6)
    rows = []
    for loyalty in ("none", "points"):
        base = compose_scenario([*SMALL, f"loyalty={loyalty}"])
        for s in seeds:
            rows.append({"loyalty": loyalty, "seed": s,
                         "npv_profit": run(dataclasses.replace(base, seed=s)).summary["npv_profit"]})
    results = pd.DataFrame(rows)
    d = paired_differences(results, "npv_profit", baseline="loyalty=none").iloc[0]
    none = results.loc[results["loyalty"] == "none", "npv_profit"].to_numpy()
    points = results.loc[results["loyalty"] == "points", "npv_profit"].to_numpy()
    assert d["variance_reduction"] == pytest.approx(variance_reduction(points, none))
    assert d["variance_reduction"] > 10
    assert d["half_width"] < d["unpaired_half_width"] / 3


def test_a_constant_paired_difference_is_an_infinite_variance_reduction():
    """A strategy that only adds a fixed cost differs from its baseline by a constant: rounding
    noise in the difference must not show as a finite (absurdly large) reduction."""
    from sim.analysis.stats import variance_reduction

    a = np.array([45688.123, 47181.5, 48675.25, 46000.0])
    assert variance_reduction(a, a - 726.14) == float("inf")
    assert variance_reduction(a, a[::-1]) < 10
