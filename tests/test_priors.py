"""Assumptions with priors: every behavioural parameter has a prior range and its source, the rest a kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import pytest

from sim.config import Config
from sim.config.doc import parameter_table
from sim.config.fields import _p
from sim.config.priors import (
    DEFAULT_OUTSIDE_PRIOR,
    KINDS,
    NOT_ASSUMED,
    inert,
    list_fields,
    priors,
    scalar_fields,
    select,
)
from sim.config.ranges import check_value
from sim.errors import ConfigError

PRIORS = {p.key: p for p in priors()}
FIELDS = {key: f for key, f, _ in [*scalar_fields(), *list_fields()]}
SCALAR_PRIORS = sorted(k for k, p in PRIORS.items() if not p.is_list)
LIST_PRIORS = sorted(k for k, p in PRIORS.items() if p.is_list)


def test_every_numeric_parameter_is_an_assumption_with_a_prior_or_of_a_named_kind():
    unclassified = sorted(set(FIELDS) - set(PRIORS) - set(NOT_ASSUMED))
    assert not unclassified, f"give these a prior (behavioural) or a kind in sim/config/priors.py: {unclassified}"
    assert not set(PRIORS) & set(NOT_ASSUMED)
    assert set(NOT_ASSUMED) <= set(FIELDS), "NOT_ASSUMED names parameters that do not exist"
    assert set(NOT_ASSUMED.values()) <= set(KINDS)


@pytest.mark.parametrize("key", [
    "customers.price_sensitivity_mean", "customers.loss_aversion", "customers.attachment_purchase_ratio",
    "customers.recovery_gain", "customers.churn_satisfaction_effect", "customers.satisfaction_memory",
    "market.word_of_mouth", "acquisition.winback_success_prob", "acquisition.reach_max",
    "loyalty.points.goal_gradient", "loyalty.tiers.demotion_churn_multiplier", "loyalty.enrolment_prob",
])
def test_responses_of_customers_are_assumptions(key):
    assert key in PRIORS


@pytest.mark.parametrize("key", ["pricing.list_price", "acquisition.media_budget_per_week", "product.unit_cost",
                                 "customers.initial", "market.potential", "customers.churn_rate"])
def test_decisions_costs_sizes_and_fitted_values_are_not(key):
    assert key not in PRIORS and key in NOT_ASSUMED


@pytest.mark.parametrize("key", SCALAR_PRIORS)
def test_prior_is_a_range_within_the_allowed_values_with_a_source(key):
    p, rule = PRIORS[key], dict(FIELDS[key].metadata["rule"])
    assert p.low < p.high
    for bound in (p.low, p.high):
        check_value(key, int(bound) if p.integer else bound, rule)  # raises if the prior leaves the allowed range
    assert len(p.source) > 10
    # A range without a published one says so.
    assert re.search(r"\b(19|20)\d\d\b", p.source) or "modelling choice, wide prior" in p.source


@pytest.mark.parametrize("key", LIST_PRIORS)
def test_list_prior_is_two_ladders_of_the_lists_length_within_the_allowed_values(key):
    """A list's prior is one position between a low and a high list (a tier ladder stays a ladder)."""
    p, rule = PRIORS[key], dict(FIELDS[key].metadata["rule"])
    assert len(p.low) == len(p.high) == len(p.default) and p.low != p.high
    for ladder in (p.low, p.high, p.at(0.5)):
        check_value(key, list(ladder), rule)
    assert p.at(0.0) == list(p.low) and p.at(1.0) == list(p.high)
    assert re.search(r"\b(19|20)\d\d\b", p.source)


@pytest.mark.parametrize("key", ["loyalty.tiers.purchase_multipliers", "loyalty.tiers.churn_multipliers"])
def test_responses_to_tier_status_are_assumptions(key):
    assert PRIORS[key].is_list


@pytest.mark.parametrize("key", sorted(PRIORS))
def test_default_lies_inside_its_prior_unless_listed_as_outside(key):
    p = PRIORS[key]
    assert p.contains_default != (key in DEFAULT_OUTSIDE_PRIOR), (
        f"{key}: default {p.default} vs prior {p.low}..{p.high}; DEFAULT_OUTSIDE_PRIOR lists only defaults outside")


def test_generated_reference_prints_each_prior_and_each_kind():
    rows = {r.split("|")[1].strip(" `"): r.split("|")[4].strip() for r in parameter_table().splitlines()
            if r.startswith("| `")}
    for key, p in PRIORS.items():
        assert rows[key].startswith(p.range_text()), key
    for key, kind in NOT_ASSUMED.items():
        assert rows[key] == f"({kind})", key


def test_prior_is_field_metadata_and_leaves_the_rule_alone():
    @dataclass
    class Toy:
        x: float = _p(0.1, ge=0.0, prior=(0.02, 0.3), source="a source")
        y: float = _p(1.0, gt=0.0)

    x, y = fields(Toy)
    assert x.metadata == {"rule": {"ge": 0.0}, "source": "a source", "prior": (0.02, 0.3)}
    assert "prior" not in y.metadata and Toy().x == 0.1


def test_select_by_group_part_or_name():
    assert {p.key for p in select(["loyalty.points"])} == {k for k in PRIORS if k.startswith("loyalty.points.")}
    assert [p.key for p in select(["market.word_of_mouth"])] == ["market.word_of_mouth"]
    assert len(select()) == len(PRIORS)
    with pytest.raises(KeyError, match="customers.nonsense"):
        select(["customers", "customers.nonsense"])


def test_inert_priors_of_a_scenario():
    cfg = Config()
    assert inert("loyalty.points.goal_gradient", cfg) == "no loyalty programme"
    assert inert("market.network_degree", cfg) == "network=full"
    assert inert("customers.loss_aversion", cfg) is None
    assert inert("market.innovation", cfg) is None
    closed = Config()
    closed.market.potential = closed.customers.initial
    assert inert("market.innovation", closed) == "no prospects"
    cfg.loyalty.schemes = ["coalition"]
    assert inert("loyalty.points.goal_gradient", cfg) is None  # the coalition runs the points currency
    assert inert("loyalty.tiers.demotion_churn_multiplier", cfg) == "no tiers scheme"


def test_config_error_names_field_value_and_allowed():
    with pytest.raises(ConfigError, match=r"'customers.loss_aversion' parameter must be a number >= 1.0"):
        check_value("customers.loss_aversion", 0.5, FIELDS["customers.loss_aversion"].metadata["rule"])
