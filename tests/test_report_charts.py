"""Deck style and standard charts: number formats, each chart drawn at deck size with no
overlapping or clipped labels, and headlines that state the numbers the charts show."""

from __future__ import annotations

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.transforms import Bbox

from sim.report import messages as msg
from sim.report.compare import (
    SPEND_AND_PROFIT,
    plot_paired_differences,
    plot_spend_and_profit,
    plot_strategy_comparison,
    plot_tornado,
    spend_and_profit,
)
from sim.report.plots import (
    funnel_stages,
    plot_acquisition_vs_retention,
    plot_cohort_retention,
    plot_funnel,
    plot_lifecycle_states,
    plot_profit_by_category,
    save_run_plots,
)
from sim.report.product import plot_product_lifecycle, stage_spans
from sim.report.style import (
    FIGURE_SIZE,
    CompactFormatter,
    deck_figure,
    deck_style,
    footnote,
    footnote_text,
    format_money,
    short_label,
)
from sim.report.table import comparison_table
from sim.report.tiers import migration_from_kpis, plot_tier_members, plot_tier_migration, tier_members, tier_migration
from sim.report.value import plot_value_pyramid, plot_whale_curve, segment_table, whale_peak
from sim.runner import run
from sim.sweep import compose_scenario

SMALL = ["customers.initial=2000", "market.potential=20000", "horizon.weeks=104", "output.plots=false"]
# Long scenario labels, as an acquisition-vs-retention sweep produces.
MEDIA, WINBACK = "acquisition.media_budget_per_week", "acquisition.winback_share"


# -- the layout check ------------------------------------------------------------------------
def _visible_texts(fig):
    """Every drawn, non-empty text of ``fig``: tick labels inside the view, titles, labels,
    annotations, legend entries and figure texts."""
    texts = list(fig.texts)
    for ax in fig.axes:
        for axis, (lo, hi) in ((ax.xaxis, sorted(ax.get_xlim())), (ax.yaxis, sorted(ax.get_ylim()))):
            tol = 1e-9 * max(1.0, hi - lo)
            texts += [t.label1 for t, loc in zip(axis.get_major_ticks(), axis.get_majorticklocs())
                      if lo - tol <= loc <= hi + tol]
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        if ax.get_legend() is not None:
            texts += [*ax.get_legend().get_texts(), ax.get_legend().get_title()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def layout_problems(fig) -> list[str]:
    """Overlapping texts, texts cut off by the figure edge, and legends on top of the plot area."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _visible_texts(fig)]
    problems = []
    for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
        both = Bbox.intersection(ba, bb)
        if both is not None and both.width * both.height > 2.0:  # square pixels
            problems.append(f"{a!r} overlaps {b!r}")
    width, height = fig.bbox.width, fig.bbox.height
    for text, box in boxes:
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            problems.append(f"{text!r} is cut off by the figure edge")
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and Bbox.intersection(legend.get_window_extent(renderer),
                                                    ax.get_window_extent(renderer)) is not None:
            problems.append(f"the legend of {ax.get_title()!r} covers the plot area")
    return problems


def draw(plot, *args, **kwargs):
    """Draw one chart at deck size with a long footnote; return its figure and Axes."""
    with deck_style():
        fig, ax = deck_figure()
        out = plot(*args, ax=ax, **kwargs)
        footnote(fig, footnote_text("loyalty=points, pricing=premium, service=premium, acquisition=aggressive",
                                    seeds=range(10), version="0.1.0", git="0123456789abcdef-dirty",
                                    customers=20_000, weeks=260))
        problems = layout_problems(fig)
    plt.close(fig)
    assert out is ax
    assert not problems, problems
    return fig, ax


# -- data ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def result():
    """A small run of the default scenario (2,000 customers, 104 weeks)."""
    return run(compose_scenario(SMALL))


def sweep_results(labels=("none", "points"), seeds=5, shift=(0.0, 30_000.0)) -> pd.DataFrame:
    """A results table with common noise per seed: the second scenario adds ``shift``."""
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 50_000, seeds)
    rows = []
    for label, add in zip(labels, shift):
        for s in range(seeds):
            rows.append({"job": f"{label}{s}", MEDIA: label, "seed": s,
                         "npv_profit": 1_000_000 + add + noise[s] + rng.normal(0, 2_000),
                         "acquisition_spend": 200_000.0, "retention_spend": 50_000.0 + add / 10,
                         "cost_to_keep_new": 80_000.0 + add / 20, "cost_to_keep_base": 120_000.0,
                         "profit_from_new": 300_000 + add, "profit_from_retained": 700_000.0 + noise[s]})
    return pd.DataFrame(rows)


def synthetic_tiers(weeks: int = 104) -> pd.DataFrame:
    w = np.arange(weeks)
    return pd.DataFrame({"week": w, "tier_benefits": 10.0 * w, "tier_base": 5000 - 5.0 * w,
                         "tier_silver": 8.0 * w, "tier_gold": 2.0 * w})


def synthetic_product(weeks: int = 156) -> pd.DataFrame:
    w = np.arange(weeks)
    adoptions = 3000 * np.exp(-((w - 40) / 25.0) ** 2)
    stage = np.select([w < 20, w < 50, w < 110], ["introduction", "growth", "maturity"], "decline")
    return pd.DataFrame({"week": w, "adoptions": adoptions, "product_stage": stage})


# -- style -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (12.5, "12.50"), (976.46, "976"), (4373.2, "4,373"), (12_345, "12.3k"), (999_600, "1.00m"),
    (72_216_383, "72.2m"), (-794_656, "-795k"), (None, "n/a"), (math.nan, "n/a"),
])
def test_money_is_written_with_separators_below_ten_thousand_and_three_digits_above(value, text):
    assert format_money(value) == text


def test_currency_symbol_comes_from_the_deck_style():
    with deck_style(currency="$"):
        assert format_money(-1_234_567) == "-$1.23m"
        assert CompactFormatter(money=True).format_ticks([-250_000, 0, 1_250_000]) == ["-$250k", "$0", "$1.25m"]
    assert format_money(5.0) == "5.00"


def test_tick_labels_are_exact_and_one_style_per_axis():
    f = CompactFormatter()
    assert f.format_ticks([0, 2500, 5000, 7500]) == ["0", "2,500", "5,000", "7,500"]
    assert f.format_ticks([0, 250_000, 1_250_000]) == ["0", "250k", "1.25m"]  # not a rounded "1.2m"
    assert f.format_ticks([0, 5_000, 10_000]) == ["0", "5k", "10k"]
    assert f.format_ticks([0.0, 0.2, 0.4]) == ["0", "0.2", "0.4"]


def test_short_labels_and_footnote():
    assert short_label(f"{MEDIA}=10000.0, {WINBACK}=0.14") == "media_budget_per_week=10,000, winback_share=0.14"
    assert short_label("loyalty=points, seed=3", "\n") == "loyalty=points\nseed=3"
    note = footnote_text("loyalty=none", seeds=[0, 1, 2, 3], version="0.1.0", git="bb677442233db-dirty",
                         customers=20_000, weeks=260)
    assert note == "loyalty=none  |  20,000 initial customers, 260 weeks  |  4 seeds (0-3)  |  " \
                   "customer-sim 0.1.0 (git bb67744-dirty)"
    assert footnote_text("x", seeds=[3, 7]).endswith("2 seeds (3, 7)")


def test_the_package_hands_on_its_curated_names():
    import sim.report

    assert all(getattr(sim.report, name) is not None for name in sim.report.__all__)
    with pytest.raises(AttributeError, match="no attribute 'plot_everything'"):
        _ = sim.report.plot_everything


def test_deck_figure_is_the_chart_area_of_a_16_9_slide():
    with deck_style():
        fig, _ = deck_figure()
    assert tuple(fig.get_size_inches()) == pytest.approx(FIGURE_SIZE)
    plt.close(fig)


# -- charts of one run -----------------------------------------------------------------------
def test_run_charts_render_at_deck_size_without_overlaps(result):
    draw(plot_lifecycle_states, result.timeseries)
    _, ax = draw(plot_profit_by_category, result.timeseries)
    assert ax.get_ylabel() == "currency units per 2 weeks"  # 104 weeks in at most 70 bars
    draw(plot_acquisition_vs_retention, result.summary)
    _, ax = draw(plot_cohort_retention, result.cohorts)
    first = ax.get_lines()[0]
    assert first.get_xdata()[0] == 12 and first.get_ydata()[0] > 0.9  # from the week the cohort is complete


def test_funnel_counts_the_stages_of_a_run(result):
    potential = 20_000
    stages = funnel_stages(result.timeseries, result.customers, potential)
    new = ~result.customers["initial_base"]
    assert list(stages.index) == ["reach", "aware", "acquired", "retained"]
    assert stages["reach"] == potential - 2000
    assert stages["acquired"] == result.summary["customers_acquired"] == new.sum()
    assert stages["retained"] == (new & (result.customers["state"] != "churned")).sum()
    assert stages["reach"] >= stages["aware"] >= stages["acquired"] >= stages["retained"]
    draw(plot_funnel, stages)
    headline = msg.headline_funnel(stages)
    assert f"{stages['aware'] / stages['reach']:.0%} of the market became aware" in headline
    assert f"{stages['acquired']:,} new customers" in headline


def test_whale_curve_and_pyramid_show_who_earns_the_profit(result):
    contribution = result.customers["contribution"].to_numpy()
    draw(plot_whale_curve, contribution)
    draw(plot_whale_curve, -np.abs(contribution))  # total loss: drawn in currency units
    px, py = whale_peak(np.array([5.0, 3.0, 2.0, -2.0]))
    assert (px, py) == (0.75, pytest.approx(10 / 8))
    assert msg.headline_whale_curve([5.0, 3.0, 2.0, -2.0]) == (
        "The most profitable 75% of customers earn 125% of total profit; the other 25% give 25% of it away")
    segments = segment_table(result.customers)
    assert list(segments.index) == ["platinum", "gold", "silver", "bronze", "lead"]
    assert segments["customers"].sum() == len(result.customers)
    assert segments["profit"].sum() == pytest.approx(contribution.sum())
    draw(plot_value_pyramid, segments)


def test_save_run_plots_writes_the_four_run_charts(result, tmp_path):
    paths = save_run_plots(result, tmp_path)
    assert [p.name for p in paths] == ["lifecycle_states.png", "profit_by_category.png", "cohort_retention.png",
                                       "acquisition_vs_retention.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)


# -- tiers and product lifecycle (synthetic: the engine may not record them) -------------------
def test_tier_members_are_read_from_tier_columns_but_not_ledger_categories():
    members = tier_members(synthetic_tiers())
    assert list(members.columns) == ["base", "silver", "gold"]  # tier_benefits is a ledger category
    assert tier_members(synthetic_tiers(), ["base", "gold"]).columns.tolist() == ["base", "gold"]
    assert tier_members(pd.DataFrame({"week": [0], "tier_benefits": [1.0]})) is None
    draw(plot_tier_members, members)
    assert msg.headline_tier_members(members) == (
        "Membership grew from 5,000 to 5,515; 4% of members are in the top tier, gold")


def test_tier_migration_matrices_and_their_headlines():
    before = ["base", "base", "silver", "gold", "silver"]
    after = ["silver", "base", "silver", "silver", "base"]
    matrix = tier_migration(before, after, ["base", "silver", "gold"])
    assert matrix.loc["base", "silver"] == 1 and matrix.loc["gold", "silver"] == 1 and matrix.to_numpy().sum() == 5
    draw(plot_tier_migration, matrix)
    assert msg.headline_tier_migration(matrix) == "40% of members stayed in their tier, 20% moved up and 40% moved down"
    moves = migration_from_kpis({"tier_migration_base_to_silver": 70, "tier_migration_silver_to_base": 20,
                                 "tier_migration_silver_to_gold": 10}, ["base", "silver", "gold"])
    assert np.isnan(np.diag(moves.to_numpy())).all() and moves.loc["gold", "base"] == 0
    draw(plot_tier_migration, moves)
    assert msg.headline_tier_migration(moves) == (
        "80 promotions and 20 demotions at tier reviews; the most frequent move is base to silver (70)")
    assert migration_from_kpis({"profit": 1.0}, ["base"]) is None


def test_product_lifecycle_shades_each_stage():
    ts = synthetic_product()
    spans = stage_spans(ts)
    assert spans.to_dict("list") == {"stage": ["introduction", "growth", "maturity", "decline"],
                                     "start": [0, 20, 50, 110], "end": [20, 50, 110, 156]}
    _, ax = draw(plot_product_lifecycle, ts)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["introduction", "growth", "maturity", "decline",
                                                                   "adoptions"]
    assert msg.headline_product_lifecycle(ts) == "Adoptions peaked at 3,000 per week in week 40, in the growth stage"
    # Stages as the engine records them: a categorical keeps each stage's colour whichever are reached.
    stages = ["development", "introduction", "growth", "maturity", "decline"]
    late = ts[ts["week"] >= 50].assign(product_stage=lambda d: pd.Categorical(d["product_stage"], categories=stages))
    _, ax = draw(plot_product_lifecycle, late)
    _, full = draw(plot_product_lifecycle, ts.assign(product_stage=pd.Categorical(ts["product_stage"], stages)))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["maturity", "decline", "adoptions"]
    assert ax.patches[0].get_facecolor() == full.patches[2].get_facecolor()  # maturity in both
    with pytest.raises(KeyError, match="Missing: product_stage"):
        plot_product_lifecycle(ts.drop(columns="product_stage"))


# -- charts across strategies ----------------------------------------------------------------
def test_strategy_charts_render_with_long_labels_without_overlaps():
    results = pd.concat([sweep_results(("10000.0", "5000.0")).assign(**{WINBACK: 0.02}),
                         sweep_results(("10000.0", "5000.0"), shift=(-20_000.0, 10_000.0)).assign(
                             **{WINBACK: 0.14}, job=lambda d: d["job"] + "w")], ignore_index=True)
    results = results[["job", MEDIA, WINBACK, "seed", *results.columns[3:-1]]]
    table = comparison_table(results, ["npv_profit"])
    _, ax = draw(plot_strategy_comparison, table)
    assert ax.get_yticklabels()[0].get_text() == "media_budget_per_week=10,000\nwinback_share=0.02"
    draw(plot_paired_differences, table)
    spend = spend_and_profit(results)
    assert spend.shape == (4, len(SPEND_AND_PROFIT))
    draw(plot_spend_and_profit, spend)


def test_strategy_headlines_state_the_winner_and_the_paired_difference():
    results = sweep_results()
    table = comparison_table(results, ["npv_profit"])
    points = table.set_index("scenario").loc[f"{MEDIA}=points"]
    assert msg.headline_strategy_comparison(table) == (
        f"media_budget_per_week=points has the highest NPV profit: {format_money(points['mean'])} on average "
        f"(95% CI {format_money(points['ci_low'])} to {format_money(points['ci_high'])})")
    assert msg.headline_paired_differences(table).startswith(
        f"media_budget_per_week=points vs media_budget_per_week=none: +{format_money(points['diff'])} NPV profit")
    assert msg.headline_paired_differences(table).endswith(", significant)")
    verdict = msg.compare_strategies(results)
    assert verdict.winner == f"{MEDIA}=points" and verdict.runner_up == f"{MEDIA}=none"
    assert verdict.diff == pytest.approx(points["diff"]) and verdict.significant
    assert verdict.sentence().startswith("media_budget_per_week=points wins on NPV profit: ")
    # Luck that does not cancel: the lead is within the noise.
    noisy = results.assign(npv_profit=results["npv_profit"] + np.random.default_rng(5).normal(0, 200_000, 10))
    v = msg.compare_strategies(noisy)
    assert not v.significant and "is not significant (95% CI" in v.sentence()
    one = msg.compare_strategies(results[results[MEDIA] == "none"])
    assert one.runner_up is None and one.sentence().startswith("All 5 runs are one scenario")


def test_tornado_reuses_the_sensitivity_chart():
    indices = pd.DataFrame({"target": "npv_profit", "factor": ["customers.churn_rate", "market.word_of_mouth", "x"],
                            "mu": [-3e6, 1e6, 0.0], "mu_star": [3e6, 1e6, 1e5], "mu_star_conf": [2e5, 1e5, 1e4],
                            "sigma": [1e5, 1e5, 0.0]})
    _, ax = draw(plot_tornado, indices)
    assert ax.get_yticklabels()[-1].get_text() == "customers.churn_rate"  # largest on top
    assert msg.headline_tornado(indices, "npv_profit") == (
        "customers.churn_rate moves npv_profit most: 3.00m over its range, 3.0 times the next factor "
        "(market.word_of_mouth)")


def test_tornado_of_a_study_over_all_priors_shows_the_largest_factors_legibly():
    from sim.config.priors import priors
    from sim.report.compare import TORNADO_FACTORS

    keys = [p.key for p in priors()]
    effect = np.arange(len(keys), dtype=float) + 1.0
    indices = pd.DataFrame({"target": "npv_profit: B - A", "factor": keys, "mu": effect, "mu_star": effect,
                            "mu_star_conf": effect / 10, "sigma": effect / 5})
    _, ax = draw(plot_tornado, indices)  # no overlapping or clipped text with every prior in the study
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert shown == keys[-TORNADO_FACTORS:]
    assert ax.get_ylabel() == f"the {TORNADO_FACTORS} largest of {len(keys)} factors"
