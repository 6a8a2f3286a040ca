"""Word of mouth over a contact network: the graphs, the exposure kernel, and diffusion on them.

Graph checks use a few thousand people; diffusion checks run a market of 40,000 people and 200
initial customers for a year with word of mouth as the only way to hear of the firm (no media,
nobody aware at the start), so the shape of the network is what the adoption curves show. Fixed
seeds; the differences asserted are several times the run-to-run noise of these curves (seeds 0-4
move cumulative adoptions by a few per cent, the effects asserted are 20 % and more).
"""

from __future__ import annotations

import dataclasses
import tracemalloc

import numpy as np
import pytest
from scipy import sparse

from sim import Config, run
from sim.behaviour import awareness_hazard
from sim.config import ConfigError, validate
from sim.engine import Simulation
from sim.network import (
    NETWORKS,
    clustering_coefficient,
    contact_network,
    mean_degree,
    network_exposure,
    random_graph,
    scale_free_graph,
    small_world_graph,
)
from tests.conftest import with_changes

N = 4000


def _graph(kind: str, n: int = N, degree: float = 10.0, seed: int = 7, **kw) -> sparse.csr_array:
    return contact_network(kind, n, degree, np.random.default_rng(seed), **kw)


@pytest.mark.parametrize("kind", ["random", "small_world", "scale_free"])
def test_graphs_are_symmetric_without_self_ties_and_have_the_asked_mean_degree(kind):
    adj = _graph(kind)
    assert adj.shape == (N, N) and adj.indices.dtype == np.int32 and adj.indptr.dtype == np.int32
    assert (adj != adj.T).nnz == 0
    assert adj.diagonal().sum() == 0
    assert adj.max() == 1  # no tie twice
    assert mean_degree(adj) == pytest.approx(10.0, abs=1e-9)


def test_every_generator_returns_distinct_ordered_ties():
    rng = np.random.default_rng(1)
    for u, v in (random_graph(500, 6, rng), small_world_graph(500, 6, 0.3, rng), scale_free_graph(500, 6, 2.5, rng)):
        assert (u < v).all()
        assert np.unique(u.astype(np.int64) * 500 + v).size == u.size == 1500


def test_small_world_is_clustered_and_random_is_not():
    """Watts & Strogatz (1998): the ring lattice with k = 5 a side has C = 3(k-1)/(2(2k-1)) = 2/3; with
    rewiring p, C is about C(0)(1-p)^3; a random graph of the same degree has C about degree / n."""
    lattice = clustering_coefficient(_graph("small_world", rewire=0.0))
    small = clustering_coefficient(_graph("small_world", rewire=0.1))
    rand = clustering_coefficient(_graph("random"))
    assert lattice == pytest.approx(2 / 3, abs=1e-9)
    assert small == pytest.approx(2 / 3 * 0.9**3, abs=0.02)  # measured 0.491 (theory 0.486)
    assert rand < 0.01 < 0.4 < small  # measured 0.0023
    assert clustering_coefficient(_graph("small_world", rewire=1.0)) < 0.01


def test_scale_free_has_hubs_and_a_power_law_tail():
    adj = _graph("scale_free", n=100_000, exponent=2.5)
    deg = np.diff(adj.indptr)
    rand = np.diff(_graph("random", n=100_000).indptr)
    assert deg.max() > 30 * rand.max()  # measured 1,028 against 26
    tail = deg[deg >= 20]
    gamma = 1 + tail.size / np.log(tail / 19.5).sum()  # maximum-likelihood tail exponent (Clauset et al. 2009)
    assert gamma == pytest.approx(2.5, abs=0.15)  # measured 2.53


def test_hub_seeding_puts_the_best_connected_people_first():
    adj = _graph("scale_free", seeding="hubs")
    deg = np.diff(adj.indptr)
    assert (np.diff(deg) <= 0).all()  # ids in order of falling degree
    assert deg[:200].mean() > 5 * deg[200:].mean()  # measured 60.0 against 7.4


def test_same_stream_same_graph_other_stream_other_graph():
    a, b, c = _graph("small_world", seed=3), _graph("small_world", seed=3), _graph("small_world", seed=4)
    assert (a != b).nnz == 0 and (a != c).nnz > 0


def test_exposure_on_the_complete_graph_is_the_full_mixing_formula():
    n = 300
    complete = sparse.csr_array(np.ones((n, n), dtype=np.float32) - np.eye(n, dtype=np.float32))
    weight = np.zeros(n, dtype=np.float32)
    weight[:40] = 1.0
    weight[:10] = 3.0  # attached promoters count more
    exposure = network_exposure(complete, weight, mean_degree(complete))
    # A prospect hears every promoter: word_of_mouth x P / (n - 1), Bass's q P / n up to n / (n - 1).
    q = 0.08
    assert q * exposure[40:] == pytest.approx(np.full(n - 40, q * weight.sum() / (n - 1)), rel=1e-6)
    assert q * exposure[-1] * (n - 1) / n == pytest.approx(awareness_hazard(0.0, q, float(weight.sum()), n), rel=1e-6)


def test_exposure_counts_only_promoting_contacts_per_mean_degree():
    # A path 0 - 1 - 2 - 3 (mean degree 1.5); promoters 0 (weight 1) and 3 (weight 2).
    u, v = np.array([0, 1, 2]), np.array([1, 2, 3])
    adj = sparse.csr_array((np.ones(6, dtype=np.float32), (np.r_[u, v], np.r_[v, u])), shape=(4, 4))
    exposure = network_exposure(adj, np.array([1.0, 0.0, 0.0, 2.0], dtype=np.float32), mean_degree(adj))
    assert exposure == pytest.approx([0.0, 1 / 1.5, 2 / 1.5, 0.0])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["random", "small_world", "scale_free"])
def test_a_million_people_fit_well_under_a_gigabyte(kind):
    tracemalloc.start()
    try:
        adj = _graph(kind, n=1_000_000, degree=10.0, seeding="hubs" if kind == "scale_free" else "random")
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert mean_degree(adj) == pytest.approx(10.0)
    assert adj.data.nbytes + adj.indices.nbytes + adj.indptr.nbytes < 90e6  # 84 MB
    assert peak < 300e6  # measured about 175 MB while building


# ---------------------------------------------------------------------------------------------- config

@pytest.mark.parametrize("path, value, fragment", [
    ("market.network", "ring", "one of 'full', 'random', 'small_world', 'scale_free'"),
    ("market.network_degree", 0.0, "> 0.0"),
    ("market.network_degree", -3.0, "> 0.0"),
    ("market.network_rewire", 1.5, "[0.0, 1.0]"),
    ("market.network_rewire", -0.1, "[0.0, 1.0]"),
    ("market.network_exponent", 2.0, "(2.0, 10.0]"),
    ("market.network_seeding", "celebrities", "one of 'random', 'hubs'"),
])
def test_bad_network_values_name_field_value_and_rule(path, value, fragment):
    cfg = with_changes(Config(), **{path: value, "market.network": "random" if path != "market.network" else value})
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    msg = str(info.value)
    assert info.value.field_path == path
    assert msg.startswith(f"The '{path}' parameter must be ") and fragment in msg and f"Got {value!r} instead." in msg


def test_network_degree_must_be_below_the_market_potential():
    cfg = with_changes(Config(), **{"market.network": "small_world", "market.potential": 50, "customers.initial": 10,
                                    "market.network_degree": 50.0})
    with pytest.raises(ConfigError,
                       match=r"The 'market.network_degree' parameter must be a number in \(0, market.potential\)"):
        validate(cfg)
    validate(with_changes(cfg, **{"market.network": "full"}))  # no graph, no rule
    validate(with_changes(cfg, **{"market.network_degree": 49.0}))


def test_classic_models_need_full_mixing():
    from tests.conftest import compose_config

    cfg = compose_config(["experiment=classic_bass", "market.network=random"])
    with pytest.raises(ConfigError, match="'market.network' parameter must be 'full' with classic.model='bass'"):
        validate(cfg)


# ---------------------------------------------------------------------------------------------- diffusion

def diffusion_config(**changes) -> Config:
    """40,000 people, 200 customers, a year in which only word of mouth spreads the news."""
    cfg = Config()
    cfg.customers.initial, cfg.market.potential, cfg.horizon.weeks, cfg.output.plots = 200, 40_000, 52, False
    cfg.acquisition.media_budget_per_week = 0.0
    cfg.market.initially_aware = 0.0
    cfg.market.word_of_mouth = 0.5
    cfg.market.consideration_exit = 0.0
    cfg.market.detractor_effect = 0.0
    cfg.customers.conversion_rate = 0.3
    return with_changes(cfg, **changes)


def adoptions(**changes) -> np.ndarray:
    """Cumulative customers acquired by the end of each week."""
    return run(diffusion_config(**changes)).timeseries["new"].cumsum().to_numpy()


@pytest.fixture(scope="module")
def full_mixing() -> np.ndarray:
    return adoptions()


@pytest.fixture(scope="module")
def random_10() -> np.ndarray:
    return adoptions(**{"market.network": "random"})


def test_dense_random_graph_diffuses_like_full_mixing(full_mixing, random_10):
    """With 200 contacts each, hearing a share F of promoters is almost the Bass hazard q F; what is
    left is the finite-degree effect (a newcomer's contacts include the one who told them)."""
    dense = adoptions(**{"market.network": "random", "market.network_degree": 200.0})
    # Measured, weeks 13 / 26 / 51: full mixing 3,199 / 21,511 / 39,725; degree 200: 3,008 / 20,399 /
    # 39,692 (seeds 0-3: 1-6 % behind at week 26); degree 10: 2,394 / 12,189 / 36,370.
    for week in (13, 26, 51):
        assert dense[week] == pytest.approx(full_mixing[week], rel=0.1)
    assert np.abs(dense - full_mixing).max() < 0.05 * full_mixing[-1]  # measured 0.030
    assert np.abs(random_10 - full_mixing).max() > 0.3 * full_mixing[-1]  # the sparse graph is not close


def test_clustered_small_world_diffuses_more_slowly_than_a_random_graph(random_10):
    """In a clustered lattice the news keeps reaching people who already heard it (Watts & Strogatz 1998;
    Goldenberg, Libai & Muller 2001: clustered ties slow the spread)."""
    lattice = adoptions(**{"market.network": "small_world", "market.network_rewire": 0.01})
    rewired = adoptions(**{"market.network": "small_world", "market.network_rewire": 0.1})
    # Measured at week 51: 5,513 (rewire 0.01) < 13,557 (0.1) < 36,370 (random), same degree 10.
    assert lattice[-1] < 0.5 * rewired[-1] and rewired[-1] < 0.5 * random_10[-1]
    assert lattice[26] < 0.5 * random_10[26]


def test_scale_free_with_seeded_hubs_spreads_faster_early_than_random(random_10):
    """Hubs hear early and tell many (Pastor-Satorras & Vespignani 2001); seeding the hubs
    (the firm's first customers are the best connected) speeds the start further (Hinz et al. 2011)."""
    scale_free = adoptions(**{"market.network": "scale_free"})
    hubs = adoptions(**{"market.network": "scale_free", "market.network_seeding": "hubs"})
    # Measured at week 8: random 1,010; scale-free 4,740; scale-free with seeded hubs 14,385.
    assert scale_free[8] > 3 * random_10[8]
    assert hubs[8] > 2 * scale_free[8] and hubs[13] > 1.5 * scale_free[13]


def test_network_runs_are_bit_identical_for_the_same_seed_and_graph():
    cfg = diffusion_config(**{"market.network": "scale_free", "horizon.weeks": 20, "market.potential": 10_000})
    a, b = run(cfg), run(cfg)
    cols = [c for c in a.timeseries.columns if c != "wall_seconds"]
    assert a.timeseries[cols].equals(b.timeseries[cols]) and a.customers.equals(b.customers)
    other = run(with_changes(cfg, **{"market.network_draw": 1}))
    assert not other.timeseries["new"].equals(a.timeseries["new"])


def test_network_keeps_the_awareness_thresholds_of_full_mixing():
    """Common random numbers: a person needs the same exposure to become aware whatever the network."""
    cfg = diffusion_config(**{"market.potential": 5000, "market.initially_aware": 0.3})
    full, net = Simulation(cfg), Simulation(with_changes(cfg, **{"market.network": "random"}))
    assert full.market.network is None and net.market.network is not None
    # With no word of mouth yet, the same people are aware at week 0.
    assert np.array_equal(np.sort(full.market.aware_pool), np.sort(net.market.aware_pool))
    assert full.market.unaware == net.market.unaware


def test_referrals_under_a_network_come_from_word_of_mouth():
    quiet = run(diffusion_config(**{"market.network": "random", "market.word_of_mouth": 0.0,
                                    "market.initially_aware": 0.2, "horizon.weeks": 10}))
    talk = run(diffusion_config(**{"market.network": "random", "horizon.weeks": 10}))
    assert quiet.timeseries["referrals"].sum() == 0 < talk.timeseries["referrals"].sum()
    # Only word of mouth reaches anyone in the talking market, so every newcomer was referred.
    assert talk.timeseries["referrals"].sum() == talk.timeseries["new"].sum()


def test_every_network_keeps_the_run_identities():
    from tests.test_engine import check_identities

    for kind in NETWORKS:
        cfg = with_changes(Config(), **{"customers.initial": 500, "market.potential": 5000, "horizon.weeks": 30,
                                        "output.plots": False, "market.network": kind})
        check_identities(run(cfg))


def test_default_config_builds_no_graph():
    cfg = Config()
    assert cfg.market.network == "full"
    small = with_changes(cfg, **{"customers.initial": 100, "market.potential": 1000, "horizon.weeks": 2})
    assert Simulation(small).market.network is None
    assert dataclasses.asdict(cfg)["market"]["network_degree"] == 10.0
