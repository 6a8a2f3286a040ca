"""Each compiled kernel, and the rules it applies, gives exactly the numbers of its numpy oracle."""

from __future__ import annotations

import numpy as np
import pytest

from sim import mathfn
from sim.behaviour.satisfaction import EncounterParams
from sim.kernels import books, census, churn, purchases, returns, service
from sim.kernels.purchase_week import LapseParams, WeekKeys, purchase_week
from sim.population import ACTIVE, CHURNED, LAPSING
from sim.rng import Streams
from tests.oracles import kernels as ok
from tests.oracles import numerics as on
from tests.oracles import rules as orules


class Pop:
    """Only what the kernels read of a population."""


def _state_population(rng: np.random.Generator, n: int) -> Pop:
    """What the purchase kernels read of a population of ``n`` rows, drawn from ``rng``."""
    pop = Pop()
    pop.purchase_rate = rng.gamma(1.5, 0.2, n).astype(np.float32)
    pop.attachment = rng.random(n).astype(np.float32)
    pop.price_sensitivity = rng.uniform(0, 3, n).astype(np.float32)
    pop.satisfaction = rng.random(n).astype(np.float32)
    pop.failures = rng.integers(0, 5, n).astype(np.int8)
    pop.id = rng.permutation(n).astype(np.int32)
    return pop


def _params(relief=0.4, penalty=0.05, neutral=0.6, effect=1.5, ratio=3.0) -> purchases.PurchaseParams:
    return purchases.PurchaseParams(relief, penalty, neutral, effect, ratio - 1.0)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32])
def test_uniforms_equal_numpy_bit_for_bit(dtype):
    s = Streams(12345)
    ids = np.r_[0, 1, 2**31 - 1, np.random.default_rng(0).integers(0, 2**31 - 1, 50_000)].astype(dtype)
    for purpose, week, draw in [("purchase", -1, 0), ("churn", 0, 1), ("service", 5199, 7)]:
        fast = s.uniform(purpose, week, ids, draw=draw)
        ref = on.uniform(s, purpose, week, ids, draw=draw)
        assert fast.dtype == ref.dtype == np.float64
        assert np.array_equal(fast.view(np.uint64), ref.view(np.uint64))
        assert fast.min() > 0.0 and fast.max() < 1.0


def test_poisson_equals_numpy_search_bit_for_bit():
    rng = np.random.default_rng(3)
    lam = np.r_[0.0, 1e-300, 1e-12, rng.gamma(0.5, 0.7, 100_000), rng.uniform(0, 700, 2_000), 800.0, 1e5, 745.0]
    ids = np.arange(lam.size, dtype=np.int32)
    s = Streams(9)
    fast = s.poisson("purchase", 4, ids, lam)
    assert np.array_equal(fast, on.poisson(s, "purchase", 4, ids, lam))
    assert fast[0] == 0 and fast[-1] > 600  # a mean of 745 still counts up (no early stop)


def test_poisson_with_a_scalar_mean_matches_its_moments():
    """Mean and variance equal lambda."""
    counts = Streams(2).poisson("purchase", 0, np.arange(400_000), 2.5)
    # Standard errors: sqrt(2.5 / n) = 0.0025 for the mean, about 0.0066 for the variance.
    assert abs(counts.mean() - 2.5) < 0.01 and abs(counts.var() - 2.5) < 0.03


@pytest.mark.parametrize("ratio", [3.0, 2.7, 0.3])
def test_attachment_weights_equal_the_float32_multiplier(ratio):
    """Promoters' word-of-mouth weights: numpy's float32 ``1 + (ratio - 1) * a``, and so its sums."""
    rng = np.random.default_rng(2)
    attachment = rng.random(50_000).astype(np.float32)
    rows = np.sort(rng.choice(attachment.size, 20_000, replace=False))
    fast = census.attachment_weights(rows, attachment, ratio)
    ref = orules.attachment_multiplier(attachment[rows], ratio)
    assert fast.dtype == ref.dtype == np.float32 and np.array_equal(fast, ref)
    assert fast[5:17_003].sum() == ref[5:17_003].copy().sum()


def test_attachment_multipliers_equal_the_float64_multiplier():
    attach = np.random.default_rng(3).random(10_000)
    assert np.array_equal(purchases.attachment_multipliers(attach, 2.0), orules.attachment_multiplier(attach, 3.0))


def test_sums_by_week_equal_two_numpy_bincounts():
    """Revenue and margin by acquisition week + 1: the bincounts' sums, added in row order."""
    rng = np.random.default_rng(8)
    acquired = rng.integers(-1, 50, 30_000).astype(np.int16)
    rows = np.sort(rng.choice(acquired.size, 9_000, replace=False))
    first, second = rng.normal(size=rows.size), rng.lognormal(size=rows.size)
    fast = census.sums_by_week(rows, acquired, (first, second), 51)
    weeks = acquired[rows].astype(np.int64) + 1
    for got, w in zip(fast, (first, second)):
        assert got.shape == (51,) and np.array_equal(got, np.bincount(weeks, weights=w, minlength=51))


def test_bincount_matches_numpy_including_the_offset():
    rng = np.random.default_rng(0)
    idx = rng.integers(-1, 300, 10_000).astype(np.int16)
    w = rng.normal(size=idx.size)
    assert np.array_equal(census.bincount(idx, 301, offset=1), np.bincount(idx.astype(np.int64) + 1, minlength=301))
    fast = census.bincount(idx, 301, w, offset=1)
    assert np.array_equal(fast, np.bincount(idx.astype(np.int64) + 1, weights=w, minlength=301))
    assert census.bincount(idx[:0], 5).tolist() == [0] * 5


def test_word_of_mouth_from_promoters_ties_equals_the_full_product():
    """Exposure summed over the promoters' ties alone is the mat-vec over every tie (to rounding),
    and is added in the order of the promoters and their ties (as numpy's unbuffered add.at)."""
    from sim.network import contact_exposure, contact_network, mean_degree, network_exposure

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
    starts, counts = adj.indptr[promoters], adj.indptr[promoters + 1] - adj.indptr[promoters]
    ties = np.concatenate([np.arange(a, a + c) for a, c in zip(starts, counts)])
    ref = np.zeros(20_000)
    np.add.at(ref, adj.indices[ties], np.repeat(weight.astype(np.float64), counts))
    assert np.array_equal(fast, ref / k)


@pytest.mark.parametrize("p", [0.0, 1e-6, 0.02, 0.5, 1.0])
def test_rows_drawn_equals_the_list_of_rows_and_their_uniforms(p):
    """Win-back targets drawn in one pass are the churned rows whose keyed uniform is below p."""
    s, rng = Streams(3), np.random.default_rng(0)
    state = rng.choice(np.array([2, 3, 4], dtype=np.int8), 200_000)
    ids = rng.permutation(200_000).astype(np.int32)
    lost = np.flatnonzero(state == 4)
    ref = lost[on.uniform(s, "winback", 7, ids[lost]) < p]
    assert np.array_equal(churn.rows_drawn(state, 4, ids, s.key("winback", 7, 0), p), ref)


def test_advocates_equal_numpy_masks_at_float32_thresholds():
    """Customers not churned, and satisfaction next to each threshold classed as numpy's float32
    comparison classes it."""
    rng = np.random.default_rng(5)
    sat = rng.random(100_000).astype(np.float32)
    state = rng.choice(np.array([ACTIVE, LAPSING, CHURNED], dtype=np.int8), sat.size, p=[0.5, 0.2, 0.3])
    for t in (0.6, 0.4):  # the float32 neighbours of each threshold, and the threshold itself
        f = np.float32(t)
        sat[:3] = [np.nextafter(f, np.float32(0)), f, np.nextafter(f, np.float32(1))]
        sat[3:6] = sat[:3]
        state[:3], state[3:6] = ACTIVE, LAPSING
        alive, fast, below = census.advocates(state, CHURNED, sat, (0.6, 0.4))
        ref = ok.advocates(state, CHURNED, sat, 0.6, 0.4)
        assert np.array_equal(alive, ref[0]) and np.array_equal(fast, ref[1]) and below == ref[2] > 0
        assert alive.dtype == np.int64
        # Into a buffer of the caller's: its head, the same rows.
        out = np.full(state.size + 9, -7, dtype=np.int64)
        head, fast2, below2 = census.advocates(state, CHURNED, sat, (0.6, 0.4), out)
        assert np.shares_memory(head, out) and np.array_equal(head, alive) and np.array_equal(fast2, fast)
        assert below2 == below and np.all(out[alive.size + 1:] == -7)


def test_week_rows_extend_in_place_when_the_buffer_has_room():
    """The week's customers: last week's survivors (the head of the row buffer) and the new rows
    after them, written in place; a list elsewhere, or without room, is copied."""
    from sim.engine.awareness import RowBuffer

    rows = RowBuffer()
    buf = rows.fresh(9)
    buf[:10] = np.arange(10) * 3
    head, new = buf[:4], np.array([100, 101], dtype=np.int64)
    out = rows.extended(head, new)
    assert np.shares_memory(out, buf) and out.tolist() == [0, 3, 6, 9, 100, 101]
    copied = rows.extended(np.array([1, 2], dtype=np.int64), new)
    assert not np.shares_memory(copied, buf) and copied.tolist() == [1, 2, 100, 101]
    no_room = rows.extended(buf[:9], new)
    assert not np.shares_memory(no_room, buf) and no_room.tolist()[-3:] == [24, 100, 101]


def test_purchase_and_churn_draws_equal_their_numpy_oracles():
    """Counts with the newest rows buying at least once, and churn with lapsing and multipliers."""
    rng, s = np.random.default_rng(11), Streams(4)
    n, n_risk = 50_000, 45_000
    pop = Pop()
    pop.id = rng.permutation(n).astype(np.int32)
    pop.state = rng.choice(np.array([ACTIVE, LAPSING], dtype=np.int8), n)
    rows = np.arange(n, dtype=np.int64)
    rate = rng.gamma(0.8, 0.4, n)
    counts, bought = purchases.poisson_bought(pop.id, s.key("purchase", 3), rate, n_risk)
    ref = on.poisson(s, "purchase", 3, pop.id, rate)
    assert np.array_equal(counts[:n_risk], ref[:n_risk])
    assert np.array_equal(counts[n_risk:], np.maximum(ref[n_risk:], 1))
    assert np.array_equal(bought, np.flatnonzero(counts > 0)) and (ref[n_risk:] == 0).any()

    sat = rng.uniform(0.0, 1.0, n)  # the kernel reads the first n_risk
    params = churn.ChurnParams(0.6, 4.0, 0.05, 3.0)
    for m1, m2 in ((None, None), (1.7, None), (rng.uniform(0.5, 3.0, n_risk), rng.uniform(1.0, 40.0, n_risk))):
        leaving = churn.churn_draw(pop, rows[:n_risk], sat, pop.id, s.key("churn", 3), params, LAPSING, (m1, m2))
        p = orules.churn_probability(sat[:n_risk], pop.state[:n_risk] == LAPSING, 0.05, 0.6, 4.0, 3.0)
        if m1 is not None:
            p = np.minimum(p * m1, 1.0)
        if m2 is not None:
            p = np.minimum(p * m2, 1.0)
        assert np.array_equal(leaving, np.flatnonzero(on.uniform(s, "churn", 3, pop.id[:n_risk]) < p))
        assert 0 < leaving.size < n_risk


def test_dropout_at_purchase_equals_its_numpy_oracle():
    """Leaving at a purchase: the churn rule's probability (satisfaction, multipliers, never
    lapsing) per repeat purchase, the newest rows' first purchase not a repeat; each row's
    occasions become min(k, J) and those with J <= k leave."""
    rng, s = np.random.default_rng(12), Streams(5)
    n, n_risk = 50_000, 45_000
    ids = rng.permutation(n).astype(np.int32)
    counts = rng.poisson(1.5, n).astype(np.int32)
    counts[n_risk:] = np.maximum(counts[n_risk:], 1)
    sat = rng.uniform(0.0, 1.0, n)
    params = churn.ChurnParams(0.6, 4.0, 0.05, 3.0)
    new = (np.arange(n) >= n_risk).astype(np.int64)
    for ms in ((), (rng.uniform(0.5, 30.0, n), None, 2.0)):
        got = counts.copy()
        leaving = churn.dropout_at_purchase(ids, got, sat, s.key("churn", 3), params, n_risk, ms)
        p = orules.churn_probability(sat, np.zeros(n, dtype=bool), 0.05, 0.6, 4.0, 3.0)
        for m in ms:
            p = p if m is None else np.minimum(p * m, 1.0)
        made, leaves = orules.purchases_before_dropout(on.uniform(s, "churn", 3, ids), p, counts - new)
        assert np.array_equal(got, np.where(counts - new > 0, made + new, counts))
        assert np.array_equal(leaving, np.flatnonzero(leaves))
        assert leaving.size and (got < counts).any() and (p >= 1.0).any() == bool(ms)


def test_per_row_charge_equals_numpy_products_and_scatter():
    """Costs are the float32 product numpy makes (or float64 with counts), added to each row once."""
    rng = np.random.default_rng(8)
    weights = rng.lognormal(0.0, 1.5, 30_000).astype(np.float32)
    rows = np.sort(rng.choice(30_000, 9_000, replace=False))
    counts = rng.integers(1, 4, rows.size).astype(np.int32)
    for scale, cnt in ((0.35, None), (1.3, counts)):
        buf = rng.random(30_000)
        ref_buf = buf.copy()
        out = books.per_row_charge(buf, rows, weights, scale, cnt)
        ref = ok.per_row_charge(ref_buf, rows, weights, scale, cnt)
        assert np.array_equal(out, ref) and np.array_equal(buf, ref_buf)


def test_purchase_rate_equals_the_rules_in_numpy():
    """Compiled rates are the numpy rules' products, for one price or one per customer, with or
    without strategies' multipliers."""
    rng = np.random.default_rng(12)
    pop, n = Pop(), 40_000
    pop.purchase_rate = rng.gamma(1.5, 0.2, n).astype(np.float32)
    rows = np.sort(rng.choice(n, 25_000, replace=False))
    sat, ps, attach = rng.random(rows.size), rng.uniform(0, 3, rows.size), rng.random(rows.size)
    for price_ratio in (np.asarray(1.15), np.asarray(1.0), rng.uniform(0.7, 1.3, rows.size)):
        for extra in (None, orules.attachment_multiplier(attach, 3.0) * rng.uniform(1.0, 1.5, rows.size)):
            ref = ok.purchase_rate(pop, rows, (sat, ps, attach), price_ratio, 0.6, 1.5, 3.0, extra)
            fast = purchases.purchase_rate(pop, rows, (sat, ps, attach), price_ratio, _params(), extra)
            assert np.array_equal(fast, ref)


@pytest.mark.parametrize("ratio", [1.15, 1.0])  # 1.0: the price at the reference, whose multiplier is skipped
def test_state_and_rate_equals_customer_state_then_purchase_rate(ratio):
    """The fused pass gives the gathered state and the rate of the two numpy steps, bit for bit."""
    rng = np.random.default_rng(21)
    pop, n = _state_population(rng, 30_000), 30_000
    rows = np.sort(rng.choice(n, 21_000, replace=False))
    fast = purchases.state_and_rate(pop, rows, np.float64(ratio), _params())
    attach, ps, sat, ids = ok.customer_state(pop, rows, 0.4, 0.05)
    rate = ok.purchase_rate(pop, rows, (sat, ps, attach), np.float64(ratio), 0.6, 1.5, 3.0)
    for got, ref in zip(fast, (attach, ps, sat, ids, rate)):
        assert got.dtype == ref.dtype and np.array_equal(got, ref)
    for got, ref in zip(purchases.customer_state(pop, rows, _params()), (attach, ps, sat, ids)):
        assert got.dtype == ref.dtype and np.array_equal(got, ref)


def test_book_week_equals_numpy_and_adds_the_extra_cost_as_the_last_charge():
    """Booking with ``extra_cost`` equals adding it to every touched row's buffer first; compiled = numpy."""
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
    for fused, book in ((True, books.book_week), (False, books.book_week), (True, ok.book_week)):
        rng.bit_generator.state = state
        pop, b, by_week = population(), buf.copy(), np.zeros(weeks + 1)
        if not fused:
            b[touched] += 0.37
        book(touched, margin, b, pop, disc, week, by_week, 0.37 if fused else 0.0)
        results.append((pop.gross_margin, pop.cost_to_serve, pop.clv_pv, b, by_week))
    for other in results[1:]:
        assert all(np.array_equal(x, y) for x, y in zip(results[0], other))
    assert np.all(results[0][3][touched] == 0.0)


def test_basket_units_equal_the_rule_on_numpy_normals():
    """Baskets: the keyed normals, the log-normal shock and the products of the numpy rule, and
    the cost of goods of each buyer's product generation."""
    rng, s = np.random.default_rng(13), Streams(8)
    pop, n = Pop(), 40_000
    pop.basket_mean = rng.lognormal(0.5, 0.6, n).astype(np.float32)
    pop.generation = rng.integers(0, 3, n).astype(np.int8)
    ids = rng.permutation(n).astype(np.int32)
    buyers = np.sort(rng.choice(n, 15_000, replace=False))
    counts = rng.integers(1, 6, buyers.size).astype(np.int32)
    gen_cost = np.array([2.0, 1.7, 1.35])
    units, cogs = purchases.basket_units(pop, buyers, counts, ids[buyers], s.key("basket", 7), 0.45, gen_cost)
    ref = orules.basket_units(counts, pop.basket_mean[buyers], 0.45, on.normal(s, "basket", 7, ids[buyers]))
    assert np.array_equal(units, ref) and np.array_equal(cogs, ref * gen_cost[pop.generation[buyers]])
    # A mean-one shock: the mean basket per occasion is the customers' mean (sd of the ratio about 0.004).
    assert abs((ref / counts).sum() / pop.basket_mean[buyers].astype(np.float64).sum() - 1.0) < 0.02


def test_book_seen_equals_numpy_with_the_keyed_uniforms():
    """What the firm sees: members always, anonymous buyers by their keyed uniform; compiled = numpy."""
    rng, s = np.random.default_rng(4), Streams(2)
    n, week, visibility = 20_000, 12, 0.35
    buyers = np.sort(rng.choice(n, 7_000, replace=False))
    occasions = rng.integers(1, 4, buyers.size).astype(np.int32)
    ids = rng.permutation(n).astype(np.int32)[buyers]
    results = []
    for compiled in (True, False):
        pop = Pop()
        pop.member = np.random.default_rng(9).random(n) < 0.3
        pop.seen_purchases, pop.seen_week = np.full(n, 5, dtype=np.int32), np.full(n, -1, dtype=np.int16)
        if compiled:
            purchases.book_seen(pop, buyers, occasions, ids, s.key("observe", week), visibility, week)
        else:
            ok.book_seen(pop, buyers, occasions, on.uniform(s, "observe", week, ids), visibility, week)
        results.append((pop.seen_purchases, pop.seen_week))
    assert all(np.array_equal(a, b) for a, b in zip(*results))
    seen = results[1][1][buyers] == week
    member = np.random.default_rng(9).random(n)[buyers] < 0.3
    assert seen[member].all() and abs(seen[~member].mean() - visibility) < 0.03  # binomial sd 0.007
    assert np.array_equal(results[1][0][buyers], np.where(seen, 5 + occasions, 5))


@pytest.mark.parametrize("habit", [0.0, 0.25, 1.0, 2.0])
def test_returns_equal_numpy_with_the_keyed_uniforms(habit):
    """Which orders come back: the first-order probability grown by the orders placed, against
    each buyer's keyed uniform; compiled (most draws settled by bounds; none above a habit of 1)
    = numpy, and customers who never return never do."""
    rng, s = np.random.default_rng(6), Streams(3)
    n, week = 20_000, 30
    pop = Pop()
    pop.return_propensity = np.where(rng.random(n) < 0.2, 0.0, rng.beta(0.3, 1.2, n)).astype(np.float32)
    pop.return_propensity[:5] = 1.0  # returns everything
    pop.purchases = rng.integers(0, 300, n).astype(np.int32)
    buyers = np.sort(rng.choice(n, 8_000, replace=False))
    buyers[:5] = np.arange(5)
    occasions = rng.integers(1, 4, buyers.size).astype(np.int32)
    ids = rng.permutation(n).astype(np.int32)[buyers]
    compiled = returns.returned(pop, buyers, ids, occasions, s.key("returns", week), habit)
    oracle = ok.returned(pop, buyers, occasions, on.uniform(s, "returns", week, ids), habit)
    assert np.array_equal(compiled, oracle)
    assert compiled[:5].all() and not compiled[pop.return_propensity[buyers] == 0].any()
    first = orules.return_probability(np.array([0.25]), np.array([1.0]), 0.25)
    tenth = orules.return_probability(np.array([0.25]), np.array([10.0]), 0.25)
    assert first[0] == pytest.approx(0.25) and tenth[0] == pytest.approx(0.37, abs=0.01)  # El Kihal et al. (2026)


def test_service_draws_equal_the_keyed_normal_and_uniform():
    """Service draws: ``level + spread * normal`` and ``uniform < p`` in numpy, bit for bit."""
    s = Streams(31)
    ids = np.random.default_rng(3).permutation(60_000)[:25_000].astype(np.int32)
    quality, failed = service.service_draws(ids, (s.key("service", 9, 0), s.key("service", 9, 1)), 0.7, 0.15, 0.08)
    assert quality.dtype == np.float64 and np.array_equal(quality, 0.7 + 0.15 * on.normal(s, "service", 9, ids, 0))
    ref_failed = on.uniform(s, "service", 9, ids, draw=1) < 0.08
    assert failed.dtype == np.bool_ and np.array_equal(failed, ref_failed)
    assert abs(failed.mean() - 0.08) < 0.006  # binomial sd 0.0017


def _encounter_population(rng, n):
    pop = _state_population(rng, n)
    pop.quality_sensitivity = rng.uniform(0.2, 2.0, n).astype(np.float32)
    pop.expectation = rng.uniform(0.3, 1.0, n).astype(np.float32)
    pop.generation = rng.integers(0, 2, n).astype(np.int8)
    pop.failures = rng.choice(np.array([0, 0, 1, 3, 126, 127], dtype=np.int8), n)
    return pop


@pytest.mark.parametrize("per_buyer_price", [False, True])
def test_encounter_equals_the_numpy_rules(per_buyer_price):
    """The service encounter: value, satisfaction with loss aversion and the recovery paradox,
    expectation, failures (capped at 127) and attachment, as the numpy rules give them."""
    rng = np.random.default_rng(19)
    n = 20_000
    pop, ref = _encounter_population(rng, n), None
    c = {"neutral": 0.6, "reference_value": 0.65, "value_weight": 0.8, "disconfirmation_weight": 0.5,
         "loss_aversion": 2.0, "memory": 0.2, "adaptation": 0.1, "recovery_transaction": 0.9,
         "attachment_growth": 0.05, "attachment_threshold": 0.7}
    buyers = np.sort(rng.choice(n, 8_000, replace=False))
    quality = rng.normal(0.6, 0.2, buyers.size)
    failed = rng.random(buyers.size) < 0.2
    recovered = failed & (rng.random(buyers.size) < 0.5)
    ratio = rng.uniform(0.8, 1.2, buyers.size) if per_buyer_price else np.float64(1.1)
    gen_quality = np.array([0.7, 0.8])
    ref = _encounter_population(np.random.default_rng(19), n)
    params = (0.5, EncounterParams(*c.values()))
    value = service.encounter(pop, buyers, (quality, failed, recovered), ratio, gen_quality, params)
    ref_value = ok.encounter(ref, buyers, quality, failed, recovered, ratio, 0.5, gen_quality, c)
    assert np.array_equal(value, ref_value)
    for field in ("satisfaction", "expectation", "failures", "attachment"):
        assert np.array_equal(getattr(pop, field), getattr(ref, field)), field
    assert (pop.failures[buyers[failed]] == 127).any() and pop.failures.max() == 127


@pytest.mark.parametrize("ratio", [1.15, 1.0])
def test_purchase_week_equals_the_numpy_steps(ratio):
    """One pass: the numpy steps' buyers and counts (newest rows at least 1), then their attachment
    decay and lapsing once the purchases are booked, then their churners, from the satisfaction before."""
    rng, s = np.random.default_rng(23), Streams(6)
    pop, n = _state_population(rng, 30_000), 30_000
    week, lapse_weeks, decay = 40, 8, np.float32(0.98)
    pop.last_purchase_week = rng.integers(week - 20, week, n).astype(np.int16)
    pop.state = np.where(rng.random(n) < 0.5, LAPSING, ACTIVE).astype(np.int8)
    rows = np.sort(rng.choice(n, 21_000, replace=False))
    n_risk = 18_000
    before = {k: getattr(pop, k).copy() for k in ("attachment", "state")}
    keys = WeekKeys(s.key("purchase", week), s.key("churn", week))
    params = (_params(), churn.ChurnParams(0.6, 2.0, 0.02, 3.0),
              LapseParams(decay, week - lapse_weeks, LAPSING, ACTIVE))
    fast = purchase_week(pop, rows, n_risk, ratio, keys, params)
    fast_state = {k: getattr(pop, k).copy() for k in ("attachment", "state")}
    for k, v in before.items():
        setattr(pop, k, v)
    attach, ps, sat, ids = ok.customer_state(pop, rows, 0.4, 0.05)
    rate = ok.purchase_rate(pop, rows, (sat, ps, attach), np.float64(ratio), 0.6, 1.5, 3.0)
    count = on.poisson(s, "purchase", week, ids, rate)
    assert (count[n_risk:] == 0).any()
    count[n_risk:] = np.maximum(count[n_risk:], 1)
    bought = np.flatnonzero(count > 0)
    pop.last_purchase_week[rows[bought]] = week
    ok.decay_and_lapse(pop, rows, decay, week - lapse_weeks, LAPSING, ACTIVE)
    p = orules.churn_probability(sat[:n_risk], pop.state[rows[:n_risk]] == LAPSING, 0.02, 0.6, 2.0, 3.0)
    leaving = np.flatnonzero(on.uniform(s, "churn", week, ids[:n_risk]) < p)
    assert 0 < leaving.size < n_risk and (pop.state[rows] == LAPSING).any()
    for got, ref in zip(fast, (bought, rows[bought], count[bought], ids[bought], leaving)):
        assert got.dtype == ref.dtype and np.array_equal(got, ref)
    for k in fast_state:
        assert np.array_equal(fast_state[k], getattr(pop, k))


def test_census_equals_numpy_counts_and_lane_sums():
    """End-of-week census: counts exact, satisfaction summed in the same four lanes, by cohort."""
    rng = np.random.default_rng(17)
    for n, cohorts in ((0, True), (1, True), (5, True), (50_003, True), (9_001, False)):
        pop = Pop()
        pop.state = rng.choice(np.array([ACTIVE, LAPSING, CHURNED], dtype=np.int8), n, p=[0.6, 0.15, 0.25])
        pop.member = rng.random(n) < 0.4
        pop.satisfaction = rng.random(n).astype(np.float32)
        pop.acquired_week = rng.integers(-1, 40, n).astype(np.int16)
        if cohorts:  # rows come in cohorts (blocks of one week and blocks of several); else mixed
            pop.acquired_week.sort()
        fast = census.census(pop, 41, (CHURNED, LAPSING))
        ref = ok.census(pop, 41, CHURNED, LAPSING)
        assert fast[:4] == ref[:4] and np.array_equal(fast[4], ref[4])
        here = pop.state != CHURNED
        assert fast[0] == here.sum() and fast[4].sum() == here.sum()
        if here.any():
            assert abs(fast[3] - pop.satisfaction[here].astype(np.float64).mean()) < 1e-12


def test_spread_into_puts_values_at_positions_and_zeros_elsewhere():
    rng = np.random.default_rng(31)
    positions = np.sort(rng.choice(1_000, 240, replace=False))
    values = rng.normal(size=positions.size)
    values[:3] = [-0.0, 0.0, -1.5]  # a signed zero is put as it is
    fast = books.spread_into(1_000, positions, values)
    ref = np.zeros(1_000)
    ref[positions] = values
    assert fast.dtype == np.float64 and np.array_equal(fast, ref)
    assert np.array_equal(np.signbit(fast), np.signbit(ref)) and np.signbit(fast[positions[0]])


def test_the_bound_that_settles_draws_never_settles_a_wrong_one():
    """Where the bound says ``v >= w * exp(x)``, it holds with sim.mathfn.exp, near the bound too;
    and it settles most draws of the default scale (else it would save nothing)."""
    rng = np.random.default_rng(41)
    n = 20_000
    x = np.concatenate([rng.uniform(-60.0, 6.0, n), rng.uniform(-0.01, 0.01, n), rng.uniform(3.9, 4.1, n)])
    w = np.concatenate([rng.uniform(0.0, 3.0, n), rng.uniform(0.0, 0.01, n), rng.uniform(0.0, 1e-3, n)])
    exact = w * mathfn.exp_array(x)
    # v at the exact product, just above it (in ulps and in relative terms) and at random
    v = np.concatenate([exact, np.nextafter(exact, np.inf), exact * (1.0 + 1e-12), rng.random(exact.size)])
    x, w, exact = np.tile(x, 4), np.tile(w, 4), np.tile(exact, 4)
    open_ = np.array([mathfn.undecided(a, b, c) for a, b, c in zip(v, w, x)])
    assert np.all(v[~open_] >= exact[~open_])
    assert np.all(open_[x >= 4.0]) and (~open_[-v.size // 4:]).mean() > 0.5  # of the random v
    # Just above the product the margin of 2**-30 keeps them open; well above it, they are settled.
    near = np.isclose(v, exact, rtol=1e-9, atol=0.0) & (exact > 0)
    assert np.all(open_[near])
    assert not mathfn.undecided(0.5, 0.1, 0.0) and mathfn.undecided(0.1, 0.5, 0.0)


@pytest.mark.parametrize("effect, base, lapsing", [(9.0, 0.3, 3.0), (0.5, 0.9, 1.5), (4.0, 1e-9, 1.0)])
def test_churn_draws_settled_by_the_bound_equal_numpy_at_extremes(effect, base, lapsing):
    """Strong satisfaction effects (exponents past 4, where the bound gives up), probabilities at
    the cap of 1 and nearly 0: the compiled churn draws are numpy's, bit for bit."""
    rng, s = np.random.default_rng(43), Streams(12)
    n = 30_000
    pop = Pop()
    pop.id = rng.permutation(n).astype(np.int32)
    pop.state = rng.choice(np.array([ACTIVE, LAPSING], dtype=np.int8), n)
    rows = np.arange(n, dtype=np.int64)
    sat = rng.uniform(-0.5, 1.5, n)
    params = churn.ChurnParams(0.6, effect, base, lapsing)
    fast = churn.churn_draw(pop, rows, sat, pop.id, s.key("churn", 5), params, LAPSING)
    p = orules.churn_probability(sat, pop.state == LAPSING, base, 0.6, effect, lapsing)
    ref = np.flatnonzero(on.uniform(s, "churn", 5, pop.id) < p)
    assert np.array_equal(fast, ref)
    if base > 0.1:
        assert (p == 1.0).any() and 0 < ref.size < n


def test_decay_and_lapse_equals_numpy():
    rng = np.random.default_rng(47)
    n = 10_000
    pops = []
    for _ in range(2):
        pop = Pop()
        pop.attachment = np.random.default_rng(1).random(n).astype(np.float32)
        pop.last_purchase_week = np.random.default_rng(2).integers(0, 30, n).astype(np.int16)
        pop.state = np.full(n, ACTIVE, dtype=np.int8)
        pops.append(pop)
    alive = np.sort(rng.choice(n, 6_000, replace=False))
    churn.decay_and_lapse(pops[0], alive, np.float32(0.995), 20, (LAPSING, ACTIVE))
    ok.decay_and_lapse(pops[1], alive, np.float32(0.995), 20, LAPSING, ACTIVE)
    assert np.array_equal(pops[0].attachment, pops[1].attachment) and np.array_equal(pops[0].state, pops[1].state)
    assert (pops[0].state == LAPSING).any()


def test_firm_shares_and_destinations_equal_the_numpy_logit():
    """Choice shares of the firm and each rival (customers and prospects), and where churners go."""
    from sim.kernels.choice import Offer, firm_shares

    class Rivals:
        def __init__(self, quality, prices):
            self.quality, self.prices = quality, prices

        def active(self, week):
            return np.flatnonzero(self.quality > 0)

    rng = np.random.default_rng(53)
    n, week = 20_000, 3
    rivals = Rivals(np.array([0.5, 0.75, 0.62]), rng.uniform(18, 32, (3, 10)))
    qs, ps = rng.uniform(0, 2, n), rng.uniform(0, 3, n)
    for firm_quality, ratio, inertia in ((rng.uniform(0.5, 0.8, n), rng.uniform(0.8, 1.2, n), 1.0),
                                         (np.float64(0.65), np.float64(1.05), 0.0)):
        ref_firm, ref_rivals = orules.firm_share(rivals, week, firm_quality, ratio, qs, ps, 25.0, 6.0, inertia)
        offer = Offer(np.asarray(firm_quality), np.asarray(ratio) - 1.0, rivals.quality,
                      rivals.prices[:, week] / 25.0 - 1.0, 6.0, inertia)
        firm, rival = firm_shares(qs, ps, offer)
        assert np.array_equal(firm, ref_firm) and np.array_equal(rival, ref_rivals)
    u = rng.random(n)
    active = np.array([0, 1, 2])
    assert np.array_equal(churn.destinations(u, firm, rival, active), orules.churn_destination(u, firm, rival, active))


def test_churn_risks_equal_the_numpy_score():
    from sim.kernels.offers import churn_risks

    rng = np.random.default_rng(59)
    seen, tenure = rng.integers(0, 60, 5_000).astype(np.float64), rng.integers(0, 100, 5_000).astype(np.int16)
    recency, complaints = rng.integers(-3, 60, 5_000).astype(np.int16), rng.integers(0, 5, 5_000).astype(np.int8)
    fast = churn_risks(seen, tenure, recency, complaints, (0.01, 1.0))
    assert np.array_equal(fast, orules.churn_risk(seen, tenure, recency, complaints, 0.01))


@pytest.mark.parametrize("expect, rivals", [(False, False), (True, True)])
def test_conversion_equals_the_numpy_rules(expect, rivals):
    from sim.kernels.acquisition import ConversionTerms, conversion_probabilities

    rng = np.random.default_rng(61)
    n = 8_000
    ps, referred = rng.uniform(0, 3, n), rng.random(n) < 0.3
    share = rng.uniform(0.2, 1.0, n) if rivals else None
    ratio = 1.1
    terms = ConversionTerms(0.008, float(-np.log(ratio)), 0.97, 1.5, 0.9, expect, 0.66, 0.1, 0.65, 2.0)
    p, e = conversion_probabilities(ps, referred, share, terms)
    ref_p, ref_e = ok.conversion(ps, referred, share, terms, ratio)
    assert np.array_equal(p, ref_p) and (e is None) == (ref_e is None)
    if expect:
        assert np.array_equal(e, ref_e)
