"""Loyalty schemes are an open registry: a scheme declares what it adds to a run, in one place.

The stamp card below is written and registered by this test alone, as a contributor would add a
scheme in a module of its own: its settings, a population field, a ledger category, a draw of
the loyalty stream and a weekly column, declared on the class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sim import run
from sim.config import PLUGIN_CONFIGS, ConfigError
from sim.config.fields import _p
from sim.ledger import Category
from sim.strategy.loyalty import SCHEMES, PointsScheme, SchemeBase, register_scheme
from sim.strategy.loyalty.base import current_members
from tests.conftest import SMALL, compose_config


@dataclass
class StampsConfig:
    """A stamp card: a stamp per week with a purchase, a reward at a full card.

    Attributes
    ----------
    stamps_per_reward : int
        Stamps on a full card.
    reward_value : float
        Cost of the reward to the firm (currency units).
    collect_prob : float
        Probability per week that a member with a full card collects the reward.
    """

    stamps_per_reward: int = _p(6, ge=1, le=100)
    reward_value: float = _p(3.0, ge=0.0)
    collect_prob: float = _p(0.7, ge=0.0, le=1.0)


class StampCard(SchemeBase):
    name = "stamps_test"
    config = StampsConfig
    fields = {"stamps": (np.int8, 0)}
    categories = (Category("stamp_rewards", -1, "retention", loyalty=True),)
    draws = (40,)
    tallies = ("stamp_rewards_given",)

    def __init__(self, params: StampsConfig):
        self.params = params

    def on_purchases(self, ctx, rows, paid):
        members = rows[ctx.pop.member[rows]]
        ctx.pop.stamps[members] = np.minimum(ctx.pop.stamps[members] + 1, self.params.stamps_per_reward)

    def purchase_multiplier(self, ctx, rows):
        progress = ctx.pop.stamps[rows] / self.params.stamps_per_reward
        return np.where(ctx.pop.member[rows], 1.0 + 0.05 * progress, 1.0)

    def end_of_week(self, ctx):
        p, pop = self.params, ctx.pop
        members = current_members(ctx)
        full = members[pop.stamps[members] >= p.stamps_per_reward]
        collect = full[ctx.streams.uniform("loyalty", ctx.week, pop.id[full], draw=40) < p.collect_prob]
        if collect.size:
            ctx.charge(collect, p.reward_value, "stamp_rewards")
            pop.stamps[collect] = 0
        self.tally(ctx, "stamp_rewards_given", float(collect.size))


@pytest.fixture
def stamp_card():
    register_scheme(StampCard)
    yield StampCard
    SCHEMES.pop(StampCard.name, None)
    PLUGIN_CONFIGS.pop(StampCard.name, None)


def test_a_scheme_registered_from_outside_runs_with_its_declarations(stamp_card):
    cfg = compose_config([*SMALL, "loyalty.schemes=[stamps_test]", "loyalty.name=stamps", "loyalty.enrolment_prob=0.8",
                          "+loyalty.plugins.stamps_test.stamps_per_reward=4", "loyalty.paired_baseline=false"])
    r = run(cfg)
    ts, s = r.timeseries, r.summary
    given = ts["stamp_rewards_given"].to_numpy()
    assert given.sum() > 100
    # Its ledger category, its weekly column and its KPI, consistent with each other.
    assert np.allclose(ts["stamp_rewards"].to_numpy(), 3.0 * given)
    assert s["loyalty_stamp_rewards"] == pytest.approx(3.0 * given.sum())
    assert s["loyalty_cost"] == pytest.approx(s["loyalty_stamp_rewards"] + ts["programme_cost"].sum())
    # The books still balance, with the new category in its group.
    assert s["profit"] == pytest.approx(s["gross_margin"] - s["acquisition_spend"] - s["retention_spend"]
                                        - s["other_costs"], rel=1e-12)
    assert ts["retention_spend"].sum() == pytest.approx(s["retention_spend"])


def test_a_registered_scheme_settings_are_checked_like_any_field(stamp_card):
    base = [*SMALL, "loyalty.schemes=[stamps_test]"]
    with pytest.raises(ConfigError, match=r"'loyalty.plugins.stamps_test.stamps_per_reward' parameter must be"):
        run(compose_config([*base, "+loyalty.plugins.stamps_test.stamps_per_reward=0"]))
    with pytest.raises(ConfigError, match=r"'loyalty.plugins.stamps_test.colour' parameter must be absent"):
        run(compose_config([*base, "+loyalty.plugins.stamps_test.colour=red"]))
    with pytest.raises(ConfigError,
                       match=r"'loyalty.plugins.nosuch' parameter must be settings of a registered scheme"):
        run(compose_config([*SMALL, "+loyalty.plugins.nosuch.x=1"]))


def test_unregistered_names_are_refused_and_registered_ones_accepted(stamp_card):
    with pytest.raises(ConfigError, match=r"'loyalty.schemes\[0\]' parameter must be one of .*'stamps_test'"):
        run(compose_config([*SMALL, "loyalty.schemes=[stamp]"]))


def test_clashing_declarations_are_refused():
    class Greedy(SchemeBase):
        name = "greedy_test"
        config = StampsConfig
        draws = (15,)  # the points scheme's

    class Confused(SchemeBase):
        name = "confused_test"
        config = StampsConfig
        fields = {"points_rewards": (np.float64, 0.0)}  # the points scheme keeps it as int16

    class Bare(SchemeBase):
        name = "bare_test"  # no settings' dataclass

    with pytest.raises(ValueError, match="draws"):
        register_scheme(Greedy)
    with pytest.raises(ValueError, match="points_rewards"):
        register_scheme(Confused)
    with pytest.raises(ValueError, match="config"):
        register_scheme(Bare)
    with pytest.raises(ValueError, match="taken"):
        register_scheme(PointsScheme)
    assert not {"greedy_test", "confused_test", "bare_test"} & set(SCHEMES)


@pytest.mark.parametrize("name", ["points", "tiers", "gamified", "coalition", "charity"])
def test_built_in_schemes_report_the_columns_they_declare(name):
    from sim.engine import Simulation

    cfg = compose_config([*SMALL, f"loyalty={name}", "horizon.weeks=30", "loyalty.paired_baseline=false"])
    sim = Simulation(cfg)
    r = sim.run()
    prog = sim.programme
    declared = prog.columns()
    assert tuple(prog.weekly(sim.ctx)) == declared
    assert set(declared) <= set(r.timeseries.columns)
    booked = {c.name for c in prog.categories()}
    assert {c.name for c in sim.ledger.categories} >= booked
    for scheme in prog.schemes:
        assert all(f in sim.pop._a or f in sim.pop._optional for f in scheme.fields)
