"""Configuration: the YAML tree matches the schema, and bad values are refused by name."""

from __future__ import annotations

import dataclasses

import pytest

from sim.config import Config, ConfigError, validate
from tests.conftest import compose_config, with_changes


def test_default_yaml_tree_equals_schema_defaults():
    """The default YAML files restate the schema defaults, so Python and CLI users agree."""
    assert dataclasses.asdict(compose_config()) == dataclasses.asdict(Config())


def test_group_options_change_their_group_only():
    base = dataclasses.asdict(compose_config())
    premium = dataclasses.asdict(compose_config(["pricing=premium", "service=premium"]))
    assert premium["pricing"]["list_price"] > base["pricing"]["list_price"]
    assert premium["service"]["quality"] > base["service"]["quality"]
    assert premium["market"] == base["market"] and premium["customers"] == base["customers"]


@pytest.mark.parametrize(
    "path, value, field, fragment",
    [
        ("customers.initial", -5, "customers.initial", ">= 0"),
        ("horizon.weeks", 0, "horizon.weeks", "[1, 5200]"),
        ("market.initially_aware", 1.5, "market.initially_aware", "[0.0, 1.0]"),
        ("pricing.list_price", -1.0, "pricing.list_price", "> 0.0"),
        ("pricing.discount", 1.0, "pricing.discount", "[0.0, 1.0)"),
        ("service.failure_prob", float("nan"), "service.failure_prob", "finite"),
        ("customers.loss_aversion", 0.5, "customers.loss_aversion", ">= 1.0"),
        ("loyalty.schemes", ["points", "bogus"], "loyalty.schemes[1]", "'points'"),
        ("customers.initial", 400_000, "customers.initial", "market.potential"),
    ],
)
def test_bad_values_name_field_value_and_rule(path, value, field, fragment):
    cfg = with_changes(Config(), **{path: value})
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    msg = str(info.value)
    assert info.value.field_path == field
    assert f"'{field}'" in msg and fragment in msg and "Got" in msg


def test_cross_field_rules():
    from sim.config import Campaign, PriceChange

    cfg = with_changes(Config(), **{"pricing.changes": [PriceChange(week=300, list_price=20.0)]})
    with pytest.raises(ConfigError, match=r"pricing.changes\[0\].week"):
        validate(cfg)
    cfg = with_changes(Config(), **{"acquisition.campaigns": [Campaign(start=10, end=5, budget_per_week=1.0)]})
    with pytest.raises(ConfigError, match=r"acquisition.campaigns\[0\].end"):
        validate(cfg)
    cfg = with_changes(Config(), **{"segments.platinum_share": 0.5, "segments.gold_share": 0.4,
                                    "segments.silver_share": 0.3})
    with pytest.raises(ConfigError, match="segments.silver_share"):
        validate(cfg)


def test_valid_config_passes_unchanged():
    cfg = Config()
    before = dataclasses.asdict(cfg)
    assert validate(cfg) is cfg
    assert dataclasses.asdict(cfg) == before


def test_competitor_rules():
    from sim.config import Competitor

    cfg = with_changes(Config(), **{"pricing.match_competitor": "ghost"})
    with pytest.raises(ConfigError, match="pricing.match_competitor"):
        validate(cfg)
    cfg = with_changes(Config(), **{"market.competitors": [Competitor(name="a"), Competitor(name="a")]})
    with pytest.raises(ConfigError, match="distinct names"):
        validate(cfg)
    cfg = with_changes(Config(), **{"market.competitors": [Competitor(name="a", price=-3.0)]})
    with pytest.raises(ConfigError, match=r"market.competitors\[0\].price"):
        validate(cfg)


def test_airline_experiment_composes():
    cfg = validate(compose_config(["experiment=airline_lcc"]))
    assert [c.name for c in cfg.market.competitors] == ["lcc"] and cfg.pricing.match_competitor == ""
    matched = validate(compose_config(["experiment=airline_lcc", "pricing.match_competitor=lcc"]))
    assert matched.pricing.match_competitor == "lcc"
