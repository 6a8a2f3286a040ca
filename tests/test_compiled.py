"""The compiled stream loops give exactly the numbers of the vectorised numpy reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import compiled, mathfn
from sim.rng import Streams

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32])
def test_compiled_uniforms_equal_numpy_bit_for_bit(dtype):
    s = Streams(12345)
    ids = np.r_[0, 1, 2**31 - 1, np.random.default_rng(0).integers(0, 2**31 - 1, 50_000)].astype(dtype)
    for purpose, week, draw in [("purchase", -1, 0), ("churn", 0, 1), ("service", 5199, 7)]:
        fast = s.uniform(purpose, week, ids, draw=draw)
        ref = s._uniform_numpy(purpose, week, ids, draw=draw)
        assert fast.dtype == ref.dtype == np.float64
        assert np.array_equal(fast.view(np.uint64), ref.view(np.uint64))
        assert fast.min() > 0.0 and fast.max() < 1.0


def test_compiled_poisson_equals_numpy_search_bit_for_bit():
    rng = np.random.default_rng(3)
    lam = np.r_[0.0, 1e-300, 1e-12, rng.gamma(0.5, 0.7, 100_000), rng.uniform(0, 700, 2_000), 800.0, 1e5, 745.0]
    ids = np.arange(lam.size, dtype=np.int32)
    s = Streams(9)
    fast = s.poisson("purchase", 4, ids, lam)
    u = s._uniform_numpy("purchase", 4, ids)
    ref = Streams._poisson_search_numpy(u, lam, mathfn.exp_numpy(-lam), np.zeros(lam.size, dtype=np.int32))
    assert np.array_equal(fast, ref)
    assert fast[0] == 0 and fast[-1] > 600  # a mean of 745 still counts up (no early stop)


def test_poisson_with_a_scalar_mean_matches_its_moments():
    """Broadcast scalar means take the compiled path too; mean and variance equal lambda."""
    counts = Streams(2).poisson("purchase", 0, np.arange(400_000), 2.5)
    # Standard errors: sqrt(2.5 / n) = 0.0025 for the mean, about 0.0066 for the variance.
    assert abs(counts.mean() - 2.5) < 0.01 and abs(counts.var() - 2.5) < 0.03


def _tables(result):
    return {"timeseries": result.timeseries, "cohorts": result.cohorts, "customers": result.customers,
            "transactions": result.transactions}


@pytest.mark.parametrize("overrides", [
    ["loyalty=hybrid", "retention=targeted", "seed=3"],
    ["experiment=airline_lcc", "pricing.match_competitor=lcc", "horizon.weeks=60", "seed=4"],
    ["loyalty=gamified", "acquisition=aggressive", "seed=5"],
    ["market.network=small_world", "service.support_contact_rate=0.2", "market.review_weight=0.5", "seed=6"],
])
def test_compiled_and_numpy_paths_run_the_same_scenario_bit_for_bit(overrides, monkeypatch):
    """Every compiled loop on the hot path against its numpy reference, through whole runs."""
    from benchmarks.scenario import compose_config
    from sim import run

    cfg = compose_config(["customers.initial=3000", "market.potential=12000", "horizon.weeks=52",
                          "output.plots=false", "output.transactions=true", *overrides])
    fast = run(cfg)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    ref = run(cfg)
    for name, table in _tables(fast).items():
        pd.testing.assert_frame_equal(table, _tables(ref)[name], check_exact=True)
    same = {k: v for k, v in fast.summary.items() if k != "wall_seconds"}
    assert same == {k: v for k, v in ref.summary.items() if k != "wall_seconds"}


@pytest.mark.parametrize("ratio", [3.0, 2.7, 0.3])
def test_attachment_weights_equal_the_float32_multiplier(monkeypatch, ratio):
    """Promoters' word-of-mouth weights: numpy's float32 ``1 + (ratio - 1) * a``, and so its sums."""
    from sim import behaviour as bh

    rng = np.random.default_rng(2)
    attachment = rng.random(50_000).astype(np.float32)
    rows = np.sort(rng.choice(attachment.size, 20_000, replace=False))
    fast = compiled.attachment_weights(rows, attachment, ratio)
    ref = bh.attachment_multiplier(attachment[rows], ratio)
    assert fast.dtype == ref.dtype == np.float32 and np.array_equal(fast, ref)
    assert fast[5:17_003].sum() == ref[5:17_003].copy().sum()
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    assert np.array_equal(compiled.attachment_weights(rows, attachment, ratio), ref)


def test_sums_by_week_equal_two_numpy_bincounts(monkeypatch):
    """Revenue and margin by acquisition week + 1: the bincounts' sums, added in row order."""
    rng = np.random.default_rng(8)
    acquired = rng.integers(-1, 50, 30_000).astype(np.int16)
    rows = np.sort(rng.choice(acquired.size, 9_000, replace=False))
    first, second = rng.normal(size=rows.size), rng.lognormal(size=rows.size)
    fast = compiled.sums_by_week(rows, acquired, first, second, 51)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    ref = compiled.sums_by_week(rows, acquired, first, second, 51)
    weeks = acquired[rows].astype(np.int64) + 1
    for got, numpy_ref, w in zip(fast, ref, (first, second)):
        assert got.shape == (51,) and np.array_equal(got, numpy_ref)
        assert np.array_equal(got, np.bincount(weeks, weights=w, minlength=51))


def test_bincount_matches_numpy_including_the_offset():
    rng = np.random.default_rng(0)
    idx = rng.integers(-1, 300, 10_000).astype(np.int16)
    w = rng.normal(size=idx.size)
    assert np.array_equal(compiled.bincount(idx, 301, offset=1), np.bincount(idx.astype(np.int64) + 1, minlength=301))
    fast = compiled.bincount(idx, 301, w, offset=1)
    assert np.array_equal(fast, np.bincount(idx.astype(np.int64) + 1, weights=w, minlength=301))
    assert compiled.bincount(idx[:0], 5).tolist() == [0] * 5


def test_word_of_mouth_from_promoters_ties_equals_the_full_product(monkeypatch):
    """Exposure summed over the promoters' ties alone is the mat-vec over every tie (to rounding),
    and the compiled loop and its numpy reference add in the same order (bit for bit)."""
    from sim.behaviour import contact_exposure, network_exposure
    from sim.network import contact_network, mean_degree

    adj = contact_network("scale_free", 20_000, 10, np.random.default_rng(1))
    rng = np.random.default_rng(2)
    promoters = np.sort(rng.choice(20_000, 3_000, replace=False))
    weight = rng.uniform(1, 3, promoters.size).astype(np.float32)
    dense = np.zeros(20_000, dtype=np.float32)
    dense[promoters] = weight
    k = mean_degree(adj)
    fast = contact_exposure(adj, promoters, weight, k)
    np.testing.assert_allclose(fast, network_exposure(adj, dense, k), rtol=1e-5)
    assert fast.max() > 0 and np.count_nonzero(fast) > 3_000
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    assert np.array_equal(contact_exposure(adj, promoters, weight, k), fast)


@pytest.mark.parametrize("p", [0.0, 1e-6, 0.02, 0.5, 1.0])
def test_rows_drawn_equals_the_list_of_rows_and_their_uniforms(p):
    """Win-back targets drawn in one pass are the churned rows whose keyed uniform is below p."""
    s, rng = Streams(3), np.random.default_rng(0)
    state = rng.choice(np.array([2, 3, 4], dtype=np.int8), 200_000)
    ids = rng.permutation(200_000).astype(np.int32)
    lost = np.flatnonzero(state == 4)
    ref = lost[s._uniform_numpy("winback", 7, ids[lost]) < p]
    assert np.array_equal(compiled.rows_drawn(state, 4, ids, s.key("winback", 7, 0), p), ref)


def test_advocates_equal_numpy_masks_at_float32_thresholds(monkeypatch):
    """Customers not churned, and satisfaction next to each threshold classed as numpy's float32
    comparison classes it."""
    from sim.population import ACTIVE, CHURNED, LAPSING

    rng = np.random.default_rng(5)
    sat = rng.random(100_000).astype(np.float32)
    state = rng.choice(np.array([ACTIVE, LAPSING, CHURNED], dtype=np.int8), sat.size, p=[0.5, 0.2, 0.3])
    for t in (0.6, 0.4):  # the float32 neighbours of each threshold, and the threshold itself
        f = np.float32(t)
        sat[:3] = [np.nextafter(f, np.float32(0)), f, np.nextafter(f, np.float32(1))]
        sat[3:6] = sat[:3]
        state[:3], state[3:6] = ACTIVE, LAPSING
        alive, fast, below = compiled.advocates(state, CHURNED, sat, 0.6, 0.4)
        assert np.array_equal(alive, np.flatnonzero(state != CHURNED))
        assert np.array_equal(fast, alive[sat[alive] >= 0.6])
        assert below == np.count_nonzero(sat[alive] < 0.4) > 0
        monkeypatch.setattr(compiled, "AVAILABLE", False)
        ref = compiled.advocates(state, CHURNED, sat, 0.6, 0.4)
        monkeypatch.setattr(compiled, "AVAILABLE", True)
        assert np.array_equal(alive, ref[0]) and np.array_equal(fast, ref[1]) and below == ref[2]
        assert ref[0].dtype == alive.dtype == np.int64
        # Into a buffer of the caller's: its head, the same rows.
        out = np.full(state.size + 9, -7, dtype=np.int64)
        head, fast2, below2 = compiled.advocates(state, CHURNED, sat, 0.6, 0.4, out)
        assert np.shares_memory(head, out) and np.array_equal(head, alive) and np.array_equal(fast2, fast)
        assert below2 == below and np.all(out[alive.size + 1:] == -7)


def test_week_rows_extend_in_place_when_the_buffer_has_room(small_config):
    """The week's customers: last week's survivors (the head of the engine's row buffer) and the
    new rows after them, written in place; a list elsewhere, or without room, is copied."""
    from sim.engine import Simulation

    sim = Simulation(small_config)
    sim._rows_buf = np.arange(10, dtype=np.int64) * 3
    head, new = sim._rows_buf[:4], np.array([100, 101], dtype=np.int64)
    rows = sim._extended(head, new)
    assert np.shares_memory(rows, sim._rows_buf) and rows.tolist() == [0, 3, 6, 9, 100, 101]
    elsewhere = np.array([1, 2], dtype=np.int64)
    copied = sim._extended(elsewhere, new)
    assert not np.shares_memory(copied, sim._rows_buf) and copied.tolist() == [1, 2, 100, 101]
    no_room = sim._extended(sim._rows_buf[:9], new)
    assert not np.shares_memory(no_room, sim._rows_buf) and no_room.tolist()[-3:] == [24, 100, 101]


def test_fused_purchase_and_churn_draws_equal_their_numpy_references(monkeypatch):
    """Counts with the newest rows buying at least once, and churn with lapsing and multipliers."""
    from sim import behaviour as bh
    from sim.population import ACTIVE, LAPSING

    class Pop:  # only what the kernels read
        pass

    rng, s = np.random.default_rng(11), Streams(4)
    n, n_risk = 50_000, 45_000
    pop = Pop()
    pop.id = rng.permutation(n).astype(np.int32)
    pop.state = rng.choice(np.array([ACTIVE, LAPSING], dtype=np.int8), n)
    rows = np.arange(n, dtype=np.int64)
    rate = rng.gamma(0.8, 0.4, n)
    counts, bought = compiled.poisson_bought(pop.id, s.key("purchase", 3), rate, n_risk)
    monkeypatch.setattr(compiled, "AVAILABLE", False)  # the references in numpy from here on
    ref = s.poisson("purchase", 3, pop.id, rate)
    assert np.array_equal(counts[:n_risk], ref[:n_risk])
    assert np.array_equal(counts[n_risk:], np.maximum(ref[n_risk:], 1))
    assert np.array_equal(bought, np.flatnonzero(counts > 0)) and (ref[n_risk:] == 0).any()

    sat = rng.uniform(0.0, 1.0, n)  # the kernel reads the first n_risk
    for m1, m2 in ((None, None), (1.7, None), (rng.uniform(0.5, 3.0, n_risk), rng.uniform(1.0, 40.0, n_risk))):
        monkeypatch.setattr(compiled, "AVAILABLE", True)
        leaving = compiled.churn_draw(pop, rows[:n_risk], sat, s.key("churn", 3), 0.6, 4.0, 0.05, LAPSING, 3.0, m1, m2)
        monkeypatch.setattr(compiled, "AVAILABLE", False)
        p = bh.churn_probability(sat[:n_risk], pop.state[:n_risk] == LAPSING, 0.05, 0.6, 4.0, 3.0)
        if m1 is not None:
            p = np.minimum(p * m1, 1.0)
        if m2 is not None:
            p = np.minimum(p * m2, 1.0)
        assert np.array_equal(leaving, np.flatnonzero(s.uniform("churn", 3, pop.id[:n_risk]) < p))
        assert 0 < leaving.size < n_risk


def test_per_row_charge_equals_numpy_products_and_scatter(monkeypatch):
    """Costs are the float32 product numpy makes (or float64 with counts), added to each row once."""
    rng = np.random.default_rng(8)
    weights = rng.lognormal(0.0, 1.5, 30_000).astype(np.float32)
    rows = np.sort(rng.choice(30_000, 9_000, replace=False))
    counts = rng.integers(1, 4, rows.size).astype(np.int32)
    for scale, cnt in ((0.35, None), (1.3, counts)):
        buf = rng.random(30_000)
        ref_buf = buf.copy()
        ref = scale * weights[rows] if cnt is None else cnt * scale * weights[rows]
        ref_buf[rows] += ref
        out = compiled.per_row_charge(buf, rows, weights, scale, cnt)
        assert np.array_equal(out, np.asarray(ref, dtype=np.float64)) and np.array_equal(buf, ref_buf)
        monkeypatch.setattr(compiled, "AVAILABLE", False)
        slow_buf = ref_buf - 0.0
        slow_buf[rows] -= ref
        assert np.array_equal(compiled.per_row_charge(slow_buf, rows, weights, scale, cnt), out)
        monkeypatch.setattr(compiled, "AVAILABLE", True)


def test_purchase_rate_equals_the_behaviour_kernels(monkeypatch):
    """Compiled rates are the numpy kernels' products, for one price or one per customer, with or
    without strategies' multipliers."""
    from sim import behaviour as bh

    class Pop:
        pass

    rng = np.random.default_rng(12)
    pop, n = Pop(), 40_000
    pop.purchase_rate = rng.gamma(1.5, 0.2, n).astype(np.float32)
    rows = np.sort(rng.choice(n, 25_000, replace=False))
    sat, ps, attach = rng.random(rows.size), rng.uniform(0, 3, rows.size), rng.random(rows.size)
    for price_ratio in (np.asarray(1.15), np.asarray(1.0), rng.uniform(0.7, 1.3, rows.size)):
        for extra in (None, bh.attachment_multiplier(attach, 3.0) * rng.uniform(1.0, 1.5, rows.size)):
            mult = bh.attachment_multiplier(attach, 3.0) if extra is None else extra
            monkeypatch.setattr(compiled, "AVAILABLE", False)
            ref = bh.purchase_rate(pop.purchase_rate[rows], sat, bh.price_multiplier(price_ratio, ps), 0.6, 1.5, mult)
            monkeypatch.setattr(compiled, "AVAILABLE", True)
            fast = compiled.purchase_rate(pop, rows, sat, ps, attach, price_ratio, 0.6, 1.5, 3.0, extra)
            assert np.array_equal(fast, ref)


def _state_population(rng: np.random.Generator, n: int):
    """What the purchase kernels read of a population of ``n`` rows, drawn from ``rng``."""
    class Pop:
        pass

    pop = Pop()
    pop.purchase_rate = rng.gamma(1.5, 0.2, n).astype(np.float32)
    pop.attachment = rng.random(n).astype(np.float32)
    pop.price_sensitivity = rng.uniform(0, 3, n).astype(np.float32)
    pop.satisfaction = rng.random(n).astype(np.float32)
    pop.failures = rng.integers(0, 5, n).astype(np.int8)
    pop.id = rng.permutation(n).astype(np.int32)
    return pop


@pytest.mark.parametrize("ratio", [1.15, 1.0])  # 1.0: the price at the reference, whose multiplier is skipped
def test_state_and_rate_equals_customer_state_then_purchase_rate(monkeypatch, ratio):
    """The fused pass gives the gathered state and the rate of the two numpy steps, bit for bit."""
    from sim import behaviour as bh

    rng = np.random.default_rng(21)
    pop, n = _state_population(rng, 30_000), 30_000
    rows = np.sort(rng.choice(n, 21_000, replace=False))
    fast = compiled.state_and_rate(pop, rows, 0.4, 0.05, np.float64(ratio), 0.6, 1.5, 3.0)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    attach, ps, sat, ids = compiled.customer_state(pop, rows, 0.4, 0.05)
    rate = bh.purchase_rate(pop.purchase_rate[rows], sat, bh.price_multiplier(np.float64(ratio), ps), 0.6, 1.5,
                            bh.attachment_multiplier(attach, 3.0))
    assert compiled.state_and_rate(pop, rows, 0.4, 0.05, ratio, 0.6, 1.5, 3.0) is None
    for got, ref in zip(fast, (attach, ps, sat, ids, rate)):
        assert got.dtype == ref.dtype and np.array_equal(got, ref)


def test_book_week_adds_the_extra_cost_as_the_last_charge(monkeypatch):
    """Booking with ``extra_cost`` equals adding it to every touched row's buffer first."""
    class Pop:
        pass

    rng = np.random.default_rng(5)
    n, weeks, week = 5_000, 30, 12
    def population():
        pop = Pop()
        pop.gross_margin, pop.cost_to_serve, pop.clv_pv = rng.random(n), rng.random(n), rng.random(n)
        pop.acquired_week = rng.integers(-1, week + 1, n).astype(np.int16)
        return pop
    touched = np.sort(rng.choice(n, 3_000, replace=False))
    margin, buf, disc = rng.normal(size=touched.size), rng.random(n), 0.99 ** np.arange(weeks + 1)
    state = rng.bit_generator.state
    results = []
    for fused, available in ((True, True), (False, True), (True, False)):
        rng.bit_generator.state = state
        pop, b, by_week = population(), buf.copy(), np.zeros(weeks + 1)
        monkeypatch.setattr(compiled, "AVAILABLE", available)
        if not fused:
            b[touched] += 0.37
        compiled.book_week(touched, margin, b, pop, disc, week, by_week, 0.37 if fused else 0.0)
        results.append((pop.gross_margin, pop.cost_to_serve, pop.clv_pv, b, by_week))
    for other in results[1:]:
        assert all(np.array_equal(x, y) for x, y in zip(results[0], other))
    assert np.all(results[0][3][touched] == 0.0)


def test_basket_units_equal_the_behaviour_kernel_on_numpy_normals(monkeypatch):
    """Fused baskets: the keyed normals, the log-normal shock and the products of the numpy path."""
    from sim import behaviour as bh

    class Pop:
        pass

    rng, s = np.random.default_rng(13), Streams(8)
    pop, n = Pop(), 40_000
    pop.basket_mean = rng.lognormal(0.5, 0.6, n).astype(np.float32)
    ids = rng.permutation(n).astype(np.int32)
    buyers = np.sort(rng.choice(n, 15_000, replace=False))
    counts = rng.integers(1, 6, buyers.size).astype(np.int32)
    fast = compiled.basket_units(pop, buyers, counts, ids[buyers], s.key("basket", 7), 0.45)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    ref = bh.basket_units(counts, pop.basket_mean[buyers], 0.45, s.normal("basket", 7, ids[buyers]))
    assert compiled.basket_units(pop, buyers, counts, ids[buyers], s.key("basket", 7), 0.45) is None
    assert np.array_equal(fast, ref)
    # With the unit cost of each buyer's product generation: the cost of goods of the numpy path too.
    pop.generation = rng.integers(0, 3, n).astype(np.int8)
    gen_cost = np.array([2.0, 1.7, 1.35])
    monkeypatch.setattr(compiled, "AVAILABLE", True)
    units, cogs = compiled.basket_units(pop, buyers, counts, ids[buyers], s.key("basket", 7), 0.45, gen_cost)
    assert np.array_equal(units, ref) and np.array_equal(cogs, ref * gen_cost[pop.generation[buyers]])
    assert np.allclose(cogs / units, gen_cost[pop.generation[buyers]]) and (cogs != units * 2.0).any()
    # A mean-one shock: the mean basket per occasion is the customers' mean (sd of the ratio about 0.004).
    assert abs((ref / counts).sum() / pop.basket_mean[buyers].astype(np.float64).sum() - 1.0) < 0.02


def test_book_seen_equals_numpy_with_the_keyed_uniforms(monkeypatch):
    """What the firm sees: members always, anonymous buyers by their keyed uniform; compiled = numpy."""
    class Pop:
        pass

    rng, s = np.random.default_rng(4), Streams(2)
    n, week, visibility = 20_000, 12, 0.35
    buyers = np.sort(rng.choice(n, 7_000, replace=False))
    occasions = rng.integers(1, 4, buyers.size).astype(np.int32)
    ids = rng.permutation(n).astype(np.int32)[buyers]
    results = []
    for available in (True, False):
        pop = Pop()
        pop.member = np.random.default_rng(9).random(n) < 0.3
        pop.seen_purchases, pop.seen_week = np.full(n, 5, dtype=np.int32), np.full(n, -1, dtype=np.int16)
        monkeypatch.setattr(compiled, "AVAILABLE", available)
        compiled.book_seen(pop, buyers, occasions, ids, s.key("observe", week), visibility, week,
                           lambda: s.uniform("observe", week, ids))
        results.append((pop.seen_purchases, pop.seen_week))
    assert all(np.array_equal(a, b) for a, b in zip(*results))
    seen = results[1][1][buyers] == week
    member = np.random.default_rng(9).random(n)[buyers] < 0.3
    assert seen[member].all() and abs(seen[~member].mean() - visibility) < 0.03  # binomial sd 0.007
    assert np.array_equal(results[1][0][buyers], np.where(seen, 5 + occasions, 5))


def test_service_draws_equal_the_keyed_normal_and_uniform(monkeypatch):
    """Fused service draws: ``loc + scale * normal`` and ``uniform < p`` of the numpy path, bit for bit."""
    s = Streams(31)
    ids = np.random.default_rng(3).permutation(60_000)[:25_000].astype(np.int32)
    fast = compiled.service_draws(ids, s.key("service", 9, 0), s.key("service", 9, 1), 0.7, 0.15, 0.08)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    quality = 0.7 + 0.15 * s.normal("service", 9, ids, draw=0)
    failed = s.uniform("service", 9, ids, draw=1) < 0.08
    assert compiled.service_draws(ids, 1, 2, 0.7, 0.15, 0.08) is None
    assert fast[0].dtype == np.float64 and np.array_equal(fast[0], quality)
    assert fast[1].dtype == np.bool_ and np.array_equal(fast[1], failed)
    assert abs(failed.mean() - 0.08) < 0.006  # binomial sd 0.0017


@pytest.mark.parametrize("ratio", [1.15, 1.0])
def test_purchase_week_equals_the_numpy_steps(monkeypatch, ratio):
    """One pass: the numpy path's buyers and counts (newest rows at least 1), then its attachment decay
    and lapsing once the purchases are booked, then its churners, from the satisfaction before."""
    from sim import behaviour as bh
    from sim.population import ACTIVE, LAPSING

    rng, s = np.random.default_rng(23), Streams(6)
    pop, n = _state_population(rng, 30_000), 30_000
    week, lapse_weeks, decay = 40, 8, np.float32(0.98)
    pop.last_purchase_week = rng.integers(week - 20, week, n).astype(np.int16)
    pop.state = np.where(rng.random(n) < 0.5, LAPSING, ACTIVE).astype(np.int8)
    rows = np.sort(rng.choice(n, 21_000, replace=False))
    n_risk = 18_000
    before = {k: getattr(pop, k).copy() for k in ("attachment", "state")}
    churn = (s.key("churn", week), 2.0, 0.02, 3.0)  # key, satisfaction effect, base rate, lapsing multiplier
    fast = compiled.purchase_week(pop, rows, n_risk, s.key("purchase", week), 0.4, 0.05, ratio, 0.6, 1.5, 3.0,
                                  decay, week - lapse_weeks, LAPSING, ACTIVE, *churn)
    fast_state = {k: getattr(pop, k).copy() for k in ("attachment", "state")}
    for k, v in before.items():
        setattr(pop, k, v)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    assert compiled.purchase_week(pop, rows, n_risk, 1, 0.4, 0.05, ratio, 0.6, 1.5, 3.0, decay, 0, LAPSING, ACTIVE,
                                  *churn) is None
    attach, ps, sat, ids = compiled.customer_state(pop, rows, 0.4, 0.05)
    rate = bh.purchase_rate(pop.purchase_rate[rows], sat, bh.price_multiplier(np.float64(ratio), ps), 0.6, 1.5,
                            bh.attachment_multiplier(attach, 3.0))
    count = s.poisson("purchase", week, ids, rate)
    assert (count[n_risk:] == 0).any()
    count[n_risk:] = np.maximum(count[n_risk:], 1)
    bought = np.flatnonzero(count > 0)
    pop.last_purchase_week[rows[bought]] = week
    compiled.decay_and_lapse(pop, rows, decay, week - lapse_weeks, LAPSING, ACTIVE)
    p = bh.churn_probability(sat[:n_risk], pop.state[rows[:n_risk]] == LAPSING, 0.02, 0.6, 2.0, 3.0)
    leaving = np.flatnonzero(s.uniform("churn", week, ids[:n_risk]) < p)
    assert 0 < leaving.size < n_risk and (pop.state[rows] == LAPSING).any()
    for got, ref in zip(fast, (bought, rows[bought], count[bought], ids[bought], leaving)):
        assert got.dtype == ref.dtype and np.array_equal(got, ref)
    for k in fast_state:
        assert np.array_equal(fast_state[k], getattr(pop, k))


def test_census_equals_numpy_counts_and_lane_sums(monkeypatch):
    """End-of-week census: counts exact, satisfaction summed in the same four lanes, by cohort."""
    from sim.population import ACTIVE, CHURNED, LAPSING

    class Pop:
        pass

    rng = np.random.default_rng(17)
    for n, cohorts in ((0, True), (1, True), (5, True), (50_003, True), (9_001, False)):
        pop = Pop()
        pop.state = rng.choice(np.array([ACTIVE, LAPSING, CHURNED], dtype=np.int8), n, p=[0.6, 0.15, 0.25])
        pop.member = rng.random(n) < 0.4
        pop.satisfaction = rng.random(n).astype(np.float32)
        pop.acquired_week = rng.integers(-1, 40, n).astype(np.int16)
        if cohorts:  # rows come in cohorts (blocks of one week and blocks of several); else mixed
            pop.acquired_week.sort()
        monkeypatch.setattr(compiled, "AVAILABLE", True)
        fast = compiled.census(pop, 41)
        monkeypatch.setattr(compiled, "AVAILABLE", False)
        ref = compiled.census(pop, 41)
        assert fast[:4] == ref[:4] and np.array_equal(fast[4], ref[4])
        here = pop.state != CHURNED
        assert fast[0] == here.sum() and fast[4].sum() == here.sum()
        if here.any():
            assert abs(fast[3] - pop.satisfaction[here].astype(np.float64).mean()) < 1e-12


def test_spread_into_puts_values_at_positions_and_zeros_elsewhere(monkeypatch):
    rng = np.random.default_rng(31)
    positions = np.sort(rng.choice(1_000, 240, replace=False))
    values = rng.normal(size=positions.size)
    values[:3] = [-0.0, 0.0, -1.5]  # a signed zero is put as it is
    fast = compiled.spread_into(1_000, positions, values)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    ref = compiled.spread_into(1_000, positions, values)
    assert fast.dtype == ref.dtype == np.float64 and np.array_equal(fast, ref)
    assert np.array_equal(np.signbit(fast), np.signbit(ref)) and np.signbit(fast[positions[0]])
    assert np.count_nonzero(fast) == positions.size - 2 and np.all(fast[np.setdiff1d(np.arange(1_000), positions)] == 0)


@pytest.mark.skipif(not compiled.AVAILABLE, reason="the bound lives in the compiled loops")
def test_the_bound_that_settles_draws_never_settles_a_wrong_one():
    """Where the bound says ``v >= w * exp(x)``, it holds with sim.mathfn.exp, near the bound too;
    and it settles most draws of the default scale (else it would save nothing)."""
    rng = np.random.default_rng(41)
    n = 20_000
    x = np.concatenate([rng.uniform(-60.0, 6.0, n), rng.uniform(-0.01, 0.01, n), rng.uniform(3.9, 4.1, n)])
    w = np.concatenate([rng.uniform(0.0, 3.0, n), rng.uniform(0.0, 0.01, n), rng.uniform(0.0, 1e-3, n)])
    exact = w * mathfn.exp(x)
    # v at the exact product, just above it (in ulps and in relative terms) and at random
    v = np.concatenate([exact, np.nextafter(exact, np.inf), exact * (1.0 + 1e-12), rng.random(exact.size)])
    x, w, exact = np.tile(x, 4), np.tile(w, 4), np.tile(exact, 4)
    open_ = np.array([compiled._unsettled(a, b, c) for a, b, c in zip(v, w, x)])
    assert np.all(v[~open_] >= exact[~open_])
    assert np.all(open_[x >= 4.0]) and (~open_[-v.size // 4:]).mean() > 0.5  # of the random v
    # Just above the product the margin of 2**-30 keeps them open; well above it, they are settled.
    near = np.isclose(v, exact, rtol=1e-9, atol=0.0) & (exact > 0)
    assert np.all(open_[near])
    assert not compiled._unsettled(0.5, 0.1, 0.0) and compiled._unsettled(0.1, 0.5, 0.0)


@pytest.mark.parametrize("effect, base, lapsing", [(9.0, 0.3, 3.0), (0.5, 0.9, 1.5), (4.0, 1e-9, 1.0)])
def test_churn_draws_settled_by_the_bound_equal_numpy_at_extremes(monkeypatch, effect, base, lapsing):
    """Strong satisfaction effects (exponents past 4, where the bound gives up), probabilities at
    the cap of 1 and nearly 0: the compiled churn draws are numpy's, bit for bit."""
    from sim import behaviour as bh
    from sim.population import ACTIVE, LAPSING

    class Pop:
        pass

    rng, s = np.random.default_rng(43), Streams(12)
    n = 30_000
    pop = Pop()
    pop.id = rng.permutation(n).astype(np.int32)
    pop.state = rng.choice(np.array([ACTIVE, LAPSING], dtype=np.int8), n)
    rows = np.arange(n, dtype=np.int64)
    sat = rng.uniform(-0.5, 1.5, n)
    fast = compiled.churn_draw(pop, rows, sat, s.key("churn", 5), 0.6, effect, base, LAPSING, lapsing, None, None)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    p = bh.churn_probability(sat, pop.state == LAPSING, base, 0.6, effect, lapsing)
    ref = np.flatnonzero(s.uniform("churn", 5, pop.id) < p)
    assert np.array_equal(fast, ref)
    if base > 0.1:
        assert (p == 1.0).any() and 0 < ref.size < n
