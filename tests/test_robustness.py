"""Robustness over the priors: a verdict that flips inside a prior is not robust and names the prior;
one that does not flip is robust; the command and the report say so, and bad input gets one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.analysis.robustness import robustness_markdown, verdict_robustness
from sim.analysis.sensitivity import Factor, prior_factors, sample_design
from sim.config import Config
from sim.errors import ArgumentError
from sim.report.robustness import find_robustness, robustness_takeaway
from sim.sensitivity import main

SMALL = ["customers.initial=200", "market.potential=1000", "horizon.weeks=13", "output.plots=false"]
AB = [Factor("a", 0.0, 1.0), Factor("b", 0.0, 1.0), Factor("c", 0.0, 1.0)]


def design(n: int = 6):
    return sample_design(AB, "morris", n=n, levels=4, seed=3)


def test_a_verdict_that_flips_inside_a_prior_is_not_robust_and_names_that_prior():
    X = design()
    # B beats A while a > 0.3: at the reference (a = 0.5) B wins, over the prior of a it does not.
    Y = np.vstack([np.zeros(len(X)), X[:, 0] - 0.3 + 0.01 * X[:, 1]])
    info = verdict_robustness(AB, X, Y, np.array([0.0, 0.2]), ["A", "B"])
    assert info["best"] == "B" and info["runner_up"] == "A" and not info["robust"]
    assert info["best_holds"] == int(np.sum(X[:, 0] > 0.3)) < len(X)
    assert info["hangs_on"] == ["a"]  # b moves the gap by 1/100 of a, c not at all
    assert info["statement"] == (f"Not robust over the priors (holds in {info['best_holds']} of {len(X)}): B is best "
                                 "at the scenario's own values, but the verdict hangs on a.")


def test_a_verdict_that_holds_over_every_prior_is_robust():
    X = design()
    Y = np.vstack([X[:, 0] + X[:, 1], 2.5 + 0.5 * X[:, 0] + 0.1 * X[:, 2]])
    info = verdict_robustness(AB, X, Y, np.array([1.0, 2.75]), ["A", "B"])
    assert info["robust"] and info["best_holds"] == info["points"] == len(X)
    assert info["statement"] == (f"Robust over the priors (holds in {len(X)} of {len(X)}): B is best at every "
                                 "sample of the assumptions.")
    assert info["importance"][0]["factor"] == "b"  # the gap B - A is 2.5 - 0.5 a - b + 0.1 c


def test_sobol_design_names_the_prior_by_its_total_index():
    X = sample_design(AB, "sobol", n=64, seed=1)
    Y = np.vstack([np.zeros(len(X)), 0.6 - X[:, 2]])  # B wins while c < 0.6
    info = verdict_robustness(AB, X, Y, np.array([0.0, 0.1]), ["A", "B"], design=("sobol", 4, 1))
    assert not info["robust"] and info["hangs_on"] == ["c"] and info["method"] == "sobol"
    assert "(ST, npv_profit units as a share of variance)" in robustness_markdown(info)


def test_three_strategies_count_the_best_and_the_whole_ranking():
    X = design()
    a = X[:, 0]
    Y = np.vstack([np.ones(len(X)), 2 + a, 2.5 * np.ones(len(X))])  # C > B unless a > 0.5; both beat A
    info = verdict_robustness(AB, X, Y, np.array([1.0, 2.4, 2.5]), ["A", "B", "C"])
    assert info["best"] == "C" and info["runner_up"] == "B" == info["challenger"]
    assert info["best_holds"] == info["ranking_holds"] == int(np.sum(a < 0.5))
    assert [p["against"] for p in info["pairs"]] == ["B", "A"] and info["pairs"][1]["share"] == 1.0
    assert "| B | " in robustness_markdown(info, {"market.network_degree": "network=full"})


def test_prior_factors_leave_out_inert_and_held_priors():
    points = Config()
    points.loyalty.schemes = ["points"]
    held = Config()
    held.customers.loss_aversion = 3.0
    factors, skipped = prior_factors(["customers", "loyalty.points", "market.network_degree"], [held, points])
    keys = [f.key for f in factors]
    assert "loyalty.points.goal_gradient" in keys and "customers.price_sensitivity_mean" in keys
    assert skipped["customers.loss_aversion"] == "held at the scenario's value 2.0, 3.0"
    assert skipped["market.network_degree"] == "network=full"
    lapse = next(f for f in factors if f.key == "customers.lapse_weeks")
    assert lapse.spec() == "customers.lapse_weeks=4:26"  # whole numbers for an integer parameter
    with pytest.raises(ArgumentError, match=r"The '--priors' argument must be names of behavioural parameters"):
        prior_factors(["customers.nonsense"], [points])
    with pytest.raises(ArgumentError, match=r"all are inert or held: loyalty.points.redemption_prob \(no loyalty"):
        prior_factors(["loyalty.points"], [Config()])


def test_a_list_prior_moves_its_whole_ladder_between_the_low_and_the_high_list():
    """The tier ladders are one factor each: position 0.5 sets every element half way, the held
    value is compared as a list, and the scenario receives a valid list."""
    from omegaconf import OmegaConf

    from sim.scenario import compose_config
    from sim.sensitivity import _set_factors

    tiers = Config()
    tiers.loyalty.schemes = ["tiers"]
    factors, skipped = prior_factors(["loyalty.tiers"], [tiers])
    ladder = next(f for f in factors if f.key == "loyalty.tiers.churn_multipliers")
    assert (ladder.low, ladder.high) == (0.0, 1.0) and ladder.range_text() == "[1, 1, 1] to [1, 0.85, 0.7]"
    cfg = _set_factors(compose_config(["loyalty=tiers"]), [ladder], np.array([0.5]))
    assert OmegaConf.to_container(cfg.loyalty.tiers.churn_multipliers) == pytest.approx([1.0, 0.925, 0.85])
    held = Config()
    held.loyalty.schemes = ["tiers"]
    held.loyalty.tiers.purchase_multipliers = [1.0, 1.2, 1.4]
    _, skipped = prior_factors(["loyalty.tiers"], [held])
    assert skipped["loyalty.tiers.purchase_multipliers"].startswith("held at the scenario's value")


@pytest.mark.parametrize("argv, message", [
    (["--priors", "customers.nonsense"], "The '--priors' argument must be names of behavioural parameters"),
    (["--priors", "--strategy", "loyalty=none"], "The '--strategy' argument must be two or more strategies"),
    (["--priors", "market.word_of_mouth", "--factor", "market.word_of_mouth=-1:0.1", "--compare", "loyalty=none",
      "loyalty=points"], "The '--factor' argument must be a range within the allowed values of 'market.word_of_mouth'"),
])
def test_bad_input_gets_one_line_and_exit_2(argv, message, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path / "s"), "--no-progress", *SMALL]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: " + message) and err.count("\n") == 1
    assert not (tmp_path / "s").exists()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("robustness")
    assert main(["--priors", "loyalty.points", "--compare", "loyalty=none", "loyalty=points", "--out", str(out),
                 "--no-progress", *SMALL]) == 0
    return out


def test_study_over_named_priors_writes_its_robustness(study, capsys):
    info = json.loads((study / "robustness.json").read_text())
    summary = json.loads((study / "summary.json").read_text())
    assert [f.split("=")[0] for f in info["factors"]] == ["loyalty.points.redemption_prob",
                                                          "loyalty.points.redeemer_share",
                                                          "loyalty.points.purchase_uplift",
                                                          "loyalty.points.goal_gradient"]
    # Default r = 2 over the priors: 2 x (4 + 1) design points and the reference, for two strategies.
    assert info["points"] == 10 and summary["runs"] == (10 + 1) * 2 == info["runs"]
    assert set(info["reference"]) == {"loyalty=none", "loyalty=points"} and info["best"] in info["reference"]
    assert summary["robustness"] == info["statement"]
    assert info["statement"].startswith("Robust over the priors" if info["robust"] else "Not robust over the priors")
    assert (study / "robustness.md").read_text().startswith("# Robustness of the verdict over the priors\n\n"
                                                            + info["statement"])


def test_report_takeaway_carries_the_robustness(study, tmp_path):
    (tmp_path / "robustness").mkdir()
    (tmp_path / "robustness" / "robustness.json").write_text((study / "robustness.json").read_text())
    info = find_robustness(tmp_path)
    winner = info["best"]
    text = robustness_takeaway("X wins (95% CI 1 to 2; simulation noise only, assumptions fixed).", info, winner)
    assert text.endswith(info["statement"]) and "simulation noise only" in text
    other = robustness_takeaway("Y wins.", info, "loyalty=tiers")
    assert "The study over the priors compared loyalty=none; loyalty=points" in other
    assert find_robustness(tmp_path / "nowhere") is None
    with pytest.raises(ArgumentError, match="The '--sensitivity' argument must be a directory written by"):
        find_robustness(tmp_path, tmp_path)
    (tmp_path / "robustness" / "robustness.json").write_text("[]")
    with pytest.raises(ArgumentError, match="The 'PATH' argument must be a sweep whose robustness/robustness.json"):
        find_robustness(tmp_path)


@pytest.mark.parametrize("setup_cost, robust", [(1000, False), (20000, True)])
def test_engine_verdict_flips_inside_a_range_only_when_the_gap_is_small_enough(setup_cost, robust, tmp_path):
    """Points with no running costs against none: a programme's purchase uplift of up to 2/3 (the
    grid levels two trajectories reach) is worth several thousand here, so a set-up cost of 1,000
    is recovered inside the range and one of 20,000 is not."""
    points = (f"loyalty=points loyalty.setup_cost={setup_cost} loyalty.fixed_cost_per_week=0 "
              "loyalty.cost_per_member_week=0")
    assert main(["--priors", "customers.loss_aversion", "--factor", "loyalty.points.purchase_uplift=0:1",
                 "--compare", "loyalty=none", points, "--out", str(tmp_path), "--no-progress", *SMALL]) == 0
    info = json.loads((tmp_path / "robustness.json").read_text())
    assert info["best"] == "loyalty=none" and info["robust"] == robust  # no uplift at the reference
    assert info["importance"][0]["factor"] == "loyalty.points.purchase_uplift"
    if not robust:
        assert info["hangs_on"] == ["loyalty.points.purchase_uplift"] and 0 < info["best_holds"] < info["points"]
        assert info["statement"].endswith("the verdict hangs on loyalty.points.purchase_uplift.")


def test_a_factor_given_replaces_the_prior_of_its_key_and_others_are_added():
    from sim.sensitivity import study_factors

    given = [Factor("market.word_of_mouth", 0.05, 0.3), Factor("customers.churn_rate", 0.0025, 0.01)]
    factors, skipped = study_factors(["market.word_of_mouth", "customers.loss_aversion"], given,
                                     [["loyalty=none"], ["loyalty=points"]], SMALL)
    assert [f.spec() for f in factors] == ["market.word_of_mouth=0.05:0.3", "customers.loss_aversion=1.5:2.5",
                                           "customers.churn_rate=0.0025:0.01"]
    assert skipped == {}
    assert study_factors(None, given, [[]], SMALL) == (given, {})


def test_the_verdict_hangs_on_what_moves_the_gap_to_the_strategy_that_overtakes_the_best():
    X = design()
    a, b = X[:, 0], X[:, 1]
    # B is runner-up at the reference and never overtakes A, but its gap moves with b; C overtakes A when a > 0.5.
    Y = np.vstack([np.full(len(X), 2.0), 1.0 + 0.9 * b, 1.5 + a])
    info = verdict_robustness(AB, X, Y, np.array([2.0, 1.9, 1.5]), ["A", "B", "C"])
    assert info["runner_up"] == "B" and info["challenger"] == "C" and not info["robust"]
    assert info["hangs_on"] == ["a"]
