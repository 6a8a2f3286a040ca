"""Bad input at the door: invalid scenarios fuzzed in process against ``sim.config.validate``, and a few
malformed command lines through ``python -m sim``.

Every invalid value must be refused with a :class:`ConfigError` that names the field path, the value and
what is allowed ("The 'x.y' parameter must be ... Got ... instead."); on the command line, with a non-zero
exit, a short message without a traceback, and no run directory left behind.
"""

from __future__ import annotations

import copy
import math
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import Campaign, Competitor, Config, ConfigError, Outage, PriceChange, Promotion, Treatment, validate

NAN, INF = float("nan"), float("inf")
_BASE = Config()


def _set(cfg: Config, path: str, value) -> None:
    obj = cfg
    *parents, leaf = path.split(".")
    for p in parents:
        obj = getattr(obj, p)
    setattr(obj, leaf, value)


not_finite = st.sampled_from([NAN, INF, -INF])
# Values outside [0, 1] (and not finite) for probabilities.
bad_prob = st.one_of(st.floats(1.0, 1e9, exclude_min=True), st.floats(-1e9, 0.0, exclude_max=True), not_finite)
negative_int = st.integers(-10**9, -1)
negative_float = st.one_of(st.floats(-1e9, 0.0, exclude_max=True), not_finite)
nonpositive_float = st.one_of(st.floats(-1e9, 0.0), not_finite)
discount_ge_1 = st.one_of(st.floats(1.0, 1e6), st.floats(-1e6, 0.0, exclude_max=True), not_finite)

# (field path, strategy of invalid values) for single fields with a declared range.
FIELD_CASES = [
    ("seed", negative_int),
    ("horizon.weeks", st.one_of(st.integers(-10**6, 0), st.integers(5201, 10**9))),
    ("market.potential", st.integers(-10**6, 0)),
    ("customers.initial", negative_int),
    ("customers.lapse_weeks", st.integers(-100, 0)),
    ("customers.purchase_rate_mean",
     st.one_of(st.floats(-1e6, 0.0, exclude_max=True), st.floats(50.0, 1e9, exclude_min=True), not_finite)),
    ("customers.loss_aversion", st.one_of(st.floats(-1e6, 1.0, exclude_max=True), not_finite)),
    ("product.launch_week", negative_int),
    ("product.unit_cost", negative_float),
    ("product.initial_stage",
     st.text(max_size=12).filter(lambda s: s not in ("introduction", "growth", "maturity", "decline"))),
    ("pricing.list_price", nonpositive_float),
    ("pricing.discount", discount_ge_1),
    ("pricing.new_customer_discount", discount_ge_1),
    ("pricing.match_lag_weeks", negative_int),
    ("acquisition.media_budget_per_week", negative_float),
    ("acquisition.reach_half_budget", nonpositive_float),
    ("retention.offer_cost", nonpositive_float),
    ("retention.cooldown_weeks", st.integers(-100, 0)),
    ("segments.review_weeks", st.integers(-100, 0)),
    ("output.cohort_weeks", st.integers(-100, 0)),
    ("loyalty.points.threshold", st.integers(-1000, 0)),
    ("loyalty.points.expiry_weeks", st.integers(-1000, 0)),
    ("loyalty.points.earn_rate",
     st.one_of(st.floats(-1e6, 0.0, exclude_max=True), st.floats(1000.0, 1e9, exclude_min=True), not_finite)),
    ("loyalty.tiers.demotion_churn_multiplier",
     st.one_of(st.floats(-1e6, 1.0, exclude_max=True), st.floats(10.0, 1e6, exclude_min=True))),
    ("loyalty.gamified.challenge_weeks", st.one_of(st.integers(-100, 0), st.integers(521, 10**6))),
    ("loyalty.gamified.pack_price", nonpositive_float),
    ("loyalty.charity.donation_share", st.one_of(st.floats(0.5, 1e6, exclude_min=True), negative_float)),
    ("loyalty.coalition.unlock_period_weeks", st.integers(-100, 0)),
] + [(path, bad_prob) for path in (
    "market.initially_aware", "market.consideration_exit", "customers.conversion_rate", "customers.churn_rate",
    "customers.complaint_propensity", "service.failure_prob", "service.complaint_handling_quality",
    "acquisition.winback_share", "acquisition.winback_success_prob", "acquisition.reach_max", "loyalty.enrolment_prob",
    "retention.min_risk", "retention.prior_churn", "segments.platinum_share", "loyalty.points.redemption_prob",
    "loyalty.gamified.instant_win_prob", "loyalty.coalition.partner_share", "loyalty.coalition.funding_share",
    "product.quality", "service.quality")]


def _assert_clear(err: ConfigError, path: str, value) -> None:
    msg = str(err)
    assert err.field_path == path, msg
    assert msg.startswith(f"The '{path}' parameter must be "), msg
    assert msg.endswith(" instead."), msg
    assert f"Got {value!r} instead." in msg, msg
    allowed = err.allowed
    assert allowed and allowed in msg


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_out_of_range_field_is_refused_naming_path_value_and_rule(data):
    path, values = data.draw(st.sampled_from(FIELD_CASES), label="field")
    value = data.draw(values, label="value")
    cfg = copy.deepcopy(_BASE)
    _set(cfg, path, value)
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    _assert_clear(info.value, path, value)
    if isinstance(value, float) and not math.isfinite(value):
        assert "finite" in info.value.allowed


def _cross_field(data) -> tuple[Config, str, object]:
    """An invalid scenario built from rules across fields or in lists: (config, path, offending value)."""
    cfg = copy.deepcopy(_BASE)
    kind = data.draw(st.sampled_from([
        "needs_len", "needs_item", "needs_sum", "tier_thresholds", "tier_list_len", "tier_names", "tier_window",
        "treatment_segment", "match_competitor", "outage_window", "campaign_window", "promotion_window",
        "scheme_name", "scheme_repeat", "initial_gt_potential", "launch_after_horizon", "price_change_after_horizon",
        "competitor_names", "competitor_price", "segment_shares"]), label="rule")
    weeks = cfg.horizon.weeks
    if kind == "needs_len":
        n = data.draw(st.integers(0, 8).filter(lambda k: k != 4))
        value = [1.0 / n] * n if n else []
        cfg.customers.needs_shares = value
        return cfg, "customers.needs_shares", value
    if kind == "needs_item":
        i = data.draw(st.integers(0, 3))
        bad = data.draw(bad_prob)
        cfg.customers.needs_shares[i] = bad
        return cfg, f"customers.needs_shares[{i}]", bad
    if kind == "needs_sum":
        value = [data.draw(st.floats(0, 1)) for _ in range(4)]
        if abs(sum(value) - 1.0) <= 1e-6:
            value[0] = (value[0] + 0.5) % 1.0
            if abs(sum(value) - 1.0) <= 1e-6:
                value = [0.0, 0.0, 0.0, 0.0]
        cfg.customers.needs_shares = value
        return cfg, "customers.needs_shares", value
    t = cfg.loyalty.tiers
    if kind == "tier_thresholds":
        a = data.draw(st.floats(1, 1e5))
        value = [a, data.draw(st.floats(0.001, a))]  # not strictly increasing
        t.thresholds = value
        return cfg, "loyalty.tiers.thresholds", value
    if kind == "tier_list_len":
        name = data.draw(st.sampled_from(["discounts", "service_bonuses", "service_costs", "earn_multipliers",
                                          "purchase_multipliers", "churn_multipliers"]))
        n = data.draw(st.integers(0, 6).filter(lambda k: k != 3))
        value = [0.0 if name in ("discounts", "service_bonuses", "service_costs") else 1.0] * n
        setattr(t, name, value)
        return cfg, f"loyalty.tiers.{name}", value
    if kind == "tier_names":
        value = data.draw(st.sampled_from([["base", "gold"], ["a", "a", "b"], ["base", "silver", "1gold"], []]))
        t.names = value
        return cfg, "loyalty.tiers.names", value
    if kind == "tier_window":
        t.review_weeks = data.draw(st.integers(2, 20))
        t.window_weeks = t.review_weeks * data.draw(st.integers(1, 5)) + data.draw(st.integers(1, t.review_weeks - 1))
        return cfg, "loyalty.tiers.window_weeks", t.window_weeks
    if kind == "treatment_segment":
        value = data.draw(st.text(max_size=10).filter(
            lambda s: s not in ("platinum", "gold", "silver", "bronze", "lead")))
        cfg.segments.treatments = [Treatment(segment="gold"), Treatment(segment=value)]
        return cfg, "segments.treatments[1].segment", value
    if kind == "match_competitor":
        names = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True))
        cfg.market.competitors = [Competitor(name=n) for n in names]
        value = data.draw(st.text(min_size=1, max_size=8).filter(lambda s: s not in names))
        cfg.pricing.match_competitor = value
        return cfg, "pricing.match_competitor", value
    if kind in ("outage_window", "campaign_window", "promotion_window"):
        start = data.draw(st.integers(1, 100))
        end = data.draw(st.integers(1, start))
        make, group = {"outage_window": (Outage, "service.outages"),
                       "campaign_window": (Campaign, "acquisition.campaigns"),
                       "promotion_window": (Promotion, "pricing.promotions")}[kind]
        _set(cfg, group, [make(start=0, end=5), make(start=start, end=end)])
        return cfg, f"{group}[1].end", end
    if kind == "scheme_name":
        value = data.draw(st.text(max_size=10).filter(
            lambda s: s not in ("points", "tiers", "gamified", "coalition", "charity")))
        cfg.loyalty.schemes = ["points", value]
        return cfg, "loyalty.schemes[1]", value
    if kind == "scheme_repeat":
        s = data.draw(st.sampled_from(["points", "tiers", "gamified", "coalition", "charity"]))
        cfg.loyalty.schemes = [s, s]
        return cfg, "loyalty.schemes", [s, s]
    if kind == "initial_gt_potential":
        cfg.market.potential = data.draw(st.integers(1, 10**6))
        cfg.customers.initial = cfg.market.potential + data.draw(st.integers(1, 10**6))
        return cfg, "customers.initial", cfg.customers.initial
    if kind == "launch_after_horizon":
        cfg.product.launch_week = weeks + data.draw(st.integers(0, 1000))
        return cfg, "product.launch_week", cfg.product.launch_week
    if kind == "price_change_after_horizon":
        w = weeks + data.draw(st.integers(0, 1000))
        cfg.pricing.changes = [PriceChange(week=1, list_price=20.0), PriceChange(week=w, list_price=20.0)]
        return cfg, "pricing.changes[1].week", w
    if kind == "competitor_names":
        value = ["rival", "rival"]
        cfg.market.competitors = [Competitor(), Competitor()]
        return cfg, "market.competitors", value
    if kind == "competitor_price":
        value = data.draw(nonpositive_float)
        cfg.market.competitors = [Competitor(name="a"), Competitor(name="b", price=value)]
        return cfg, "market.competitors[1].price", value
    # segment_shares: platinum + gold + silver > 1, each in [0, 1]
    cfg.segments.platinum_share = data.draw(st.floats(0.2, 1.0))
    cfg.segments.gold_share = data.draw(st.floats(0.2, 1.0))
    cfg.segments.silver_share = data.draw(
        st.floats(max(0.0, 1.01 - cfg.segments.platinum_share - cfg.segments.gold_share), 1.0))
    return cfg, "segments.silver_share", cfg.segments.silver_share


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_broken_cross_field_and_list_rules_are_refused_naming_path_value_and_rule(data):
    cfg, path, value = _cross_field(data)
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    _assert_clear(info.value, path, value)


@pytest.mark.parametrize("path, value",
                         [("horizon.weeks", "10"), ("customers.initial", None), ("pricing.discount", "0.1")])
def test_value_of_the_wrong_type_in_process_is_a_config_error(path, value):
    _assert_refused_when_set_and_by_validate(path, value)


@pytest.mark.parametrize("path, value", [("horizon.weeks", 1.5), ("customers.initial", 10.5)])
def test_non_integer_for_an_integer_field_in_process_is_a_config_error(path, value):
    _assert_refused_when_set_and_by_validate(path, value)


def _assert_refused_when_set_and_by_validate(path: str, value) -> None:
    """Config objects refuse a wrong type when it is set; one that got in anyway, validate refuses."""
    cfg = copy.deepcopy(_BASE)
    with pytest.raises(ConfigError) as info:
        _set(cfg, path, value)
    _assert_clear(info.value, path, value)
    *parents, leaf = path.split(".")
    obj = cfg
    for p in parents:
        obj = getattr(obj, p)
    object.__setattr__(obj, leaf, value)  # around the check, as a hand-made pickle or copy could
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    _assert_clear(info.value, path, value)


# ------------------------------------------------------------------------------------------------ CLI fuzz

SMALL = ["customers.initial=50", "market.potential=300", "horizon.weeks=3", "output.plots=false"]


@pytest.mark.parametrize(
    "override, needle",
    [
        ("customers.initial=abc", "customers.initial"),            # wrong type
        ("horizon.weeks=1.5", "horizon.weeks"),                    # float for an integer
        ("horizon.weeks=", "horizon.weeks"),                       # empty value
        ("+foo=1", "'foo' parameter must be absent"),              # unknown key
        ("pricing=nosuch", "'pricing' override must be one of"),   # unknown group option
        ("customers.needs_shares=[]", "'customers.needs_shares'"),  # empty list where not allowed
        ("loyalty.tiers.thresholds=[]", "'loyalty.tiers.thresholds'"),
        ("customers.initial==3", "customers.initial==3"),          # malformed override syntax
        ("pricing.changes=[{week:}]", "no viable alternative"),
        ("loyalty.schemes=[bogus]", "'loyalty.schemes[0]'"),
        ("pricing.match_competitor=ghost", "'pricing.match_competitor'"),
        ("service.outages=[{start:5,end:2}]", "'service.outages[0].end'"),
    ],
)
def test_malformed_command_line_exits_nonzero_with_a_short_message_and_no_run_dir(tmp_path, override, needle):
    env = {**os.environ}
    env.pop("HYDRA_FULL_ERROR", None)
    proc = subprocess.run([sys.executable, "-m", "sim", *SMALL, override, f"hydra.run.dir={tmp_path / 'out' / 'run'}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode != 0
    assert needle in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 8, proc.stderr  # Hydra's own messages take up to 7 lines
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "multirun").exists()
