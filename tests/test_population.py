"""Population and market state."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market import AWARE, CUSTOMER, LOST, Market, Waiting
from sim.population import ACTIVE, Population
from sim.rng import Streams


def test_population_grows_without_losing_rows():
    pop = Population(capacity=4)
    pop.add(np.arange(3), revenue=1.5)
    rows = pop.add(np.arange(10, 20), satisfaction=0.7)
    assert len(pop) == 13 and rows == slice(3, 13)
    assert np.array_equal(pop.id, np.r_[0:3, 10:20])
    assert np.all(pop.revenue[:3] == 1.5) and np.all(pop.revenue[3:] == 0.0)
    assert np.all(pop.state == ACTIVE)
    pop.revenue[0] += 1.0  # views write through
    assert pop.revenue[0] == 2.5


def test_awareness_is_monotone_and_same_people_first():
    """Common random numbers: the same prospects become aware first whatever the exposure path."""
    a = Market(10_000, 1_000, 0.0, Streams(5))
    b = Market(10_000, 1_000, 0.0, Streams(5))
    first_a = a.expose(0.1)
    first_b = np.concatenate([b.expose(0.04), b.expose(0.06)])
    assert set(first_a) == set(first_b)
    assert np.all(first_a >= 1_000)  # initial customers are never prospects
    share = first_a.size / 9_000
    assert abs(share - (1 - np.exp(-0.1))) < 0.02
    more = a.expose(0.5)
    assert np.intersect1d(first_a, more).size == 0 and np.all(a.status[more] == AWARE)


def test_conversion_and_loss_leave_the_pool():
    m = Market(1_000, 0, 0.5, Streams(1))
    pool = m.aware_pool.copy()
    m.convert(pool[:10])
    m.lose(pool[10:20])
    assert np.all(m.status[pool[:10]] == CUSTOMER) and np.all(m.status[pool[10:20]] == LOST)
    assert m.aware == pool.size - 20 and m.lost == 10
    # Both in one call: the same statuses, pool and pool columns.
    both = Market(1_000, 0, 0.5, Streams(1))
    both.convert(pool[:10], lost=pool[10:20])
    assert np.array_equal(both.status, m.status) and np.array_equal(both.aware_pool, m.aware_pool)
    assert all(np.array_equal(both.pool_data[k], m.pool_data[k]) for k in m.pool_data)
    # With the flags of who stays, known to the caller: the same, without reading the statuses.
    flagged = Market(1_000, 0, 0.5, Streams(1))
    keep = np.ones(pool.size, dtype=bool)
    keep[:20] = False
    flagged.convert(pool[:10], lost=pool[10:20], keep=keep)
    assert np.array_equal(flagged.status, m.status) and np.array_equal(flagged.aware_pool, m.aware_pool)
    assert all(np.array_equal(flagged.pool_data[k], m.pool_data[k]) for k in m.pool_data)
    lone = Market(1_000, 0, 0.5, Streams(1))
    lone.lose(pool[5:9], keep=~np.isin(pool, pool[5:9]))
    assert lone.aware == pool.size - 4 and lone.lost == 4 and not np.isin(pool[5:9], lone.aware_pool).any()


def _waiting_list_as_scanned(arrivals, releases):
    """What a plain list of the waiting, scanned at each release, lets go: the reference for :class:`Waiting`."""
    ids, keys, out = np.empty(0, dtype=np.int32), np.empty(0), []
    for (new_ids, new_keys), up_to in zip(arrivals, releases):
        ids, keys = np.concatenate([ids, new_ids]), np.concatenate([keys, new_keys])
        due = keys <= up_to
        out.append(ids[due])
        ids, keys = ids[~due], keys[~due]
    return out, ids.size


@pytest.mark.parametrize(("integer_keys", "max_rank"), [(True, None), (False, None), (True, 20_000)])
def test_waiting_lets_go_those_due_in_order_of_arrival(integer_keys, max_rank):
    """Whatever the runs it keeps, merges and copies, and when ranks of arrival are renumbered, the
    waiting list lets go exactly whom a scan of everyone waiting would, in the same order (the
    order prospects join the pool), ties included."""
    rng = np.random.default_rng(3)
    arrivals, releases = [], []
    for week in range(120):
        n = int(rng.choice([0, 1, 50, 400, 3000]))
        ids = rng.integers(0, 10**6, n).astype(np.int32)
        if integer_keys:  # weeks to reconsider: many ties
            keys, up_to = (week + rng.integers(1, 30, n)).astype(np.int32), week + int(rng.integers(0, 3))
        else:  # thresholds on a cumulative hazard
            keys, up_to = 0.05 * week + rng.exponential(1.0, n), 0.05 * week + 0.02
        arrivals.append((ids, keys))
        releases.append(up_to)
    expected, left = _waiting_list_as_scanned(arrivals, releases)
    waiting = Waiting(np.int32 if integer_keys else np.float64)
    if max_rank:
        waiting.MAX_RANK = max_rank  # renumbered every few weeks
    for (ids, keys), up_to, want in zip(arrivals, releases, expected):
        waiting.add(ids, keys)
        got = waiting.release(up_to)
        assert got.dtype == np.int32 and np.array_equal(got, want)
    assert waiting.size == left > 0


def test_the_lost_come_back_unaware_and_aware_again():
    """An open market: prospects who stopped considering the firm are back among the unaware after
    a while and hear of it again; with reconsideration 0 they stay lost."""
    for reconsider in (0.0, 0.2):
        m = Market(20_000, 0, 0.5, Streams(2), reconsider=reconsider)
        lost = m.aware_pool.copy()
        m.lose(lost, week=0)
        for week in range(1, 40):
            m.expose(0.05, week=week)
        back = np.isin(m.aware_pool, lost)
        if reconsider == 0:
            assert m.lost == lost.size and not back.any()
        else:
            assert m.lost < lost.size * 0.01  # (1 - 0.2)**39: none left waiting
            assert back.any() and m.unaware + m.aware + m.lost == 20_000
