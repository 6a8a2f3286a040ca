"""What the charts say: headlines and takeaways computed from the numbers.

A slide's headline states its message ("loyalty=points wins on NPV profit by 120k"), not its
topic ("NPV profit by strategy"). Every function here takes the same plain data as the chart it
describes and returns one sentence; numbers are written in the deck's formats
(:mod:`sim.report.style`), so the text matches the charts and the tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.stats import paired_differences, scenario_columns, summarize
from sim.ledger import CATEGORIES
from sim.report.plots import formed_cohorts
from sim.report.style import format_count, format_kpi, format_money, format_ratio, format_share, kpi_label, short_label
from sim.report.value import whale_peak

__all__ = [
    "NOISE_ONLY",
    "Verdict",
    "compare_strategies",
    "RUN_HIGHLIGHTS",
    "run_takeaway",
    "run_highlights",
    "headline_strategy_comparison",
    "headline_paired_differences",
    "headline_spend_and_profit",
    "headline_funnel",
    "headline_lifecycle_states",
    "headline_profit_by_category",
    "headline_acquisition_vs_retention",
    "headline_cohort_retention",
    "headline_whale_curve",
    "headline_value_pyramid",
    "headline_tier_members",
    "headline_tier_migration",
    "headline_product_lifecycle",
    "headline_tornado",
]


def _signed(value: float, kpi: str) -> str:
    return ("+" if value > 0 else "") + format_kpi(value, kpi)


def _interval(lo: float, hi: float, kpi: str, level: float) -> str:
    return f"{level:.0%} CI {format_kpi(lo, kpi)} to {format_kpi(hi, kpi)}"


#: What an interval over seeds shows: the luck of the draw, not the uncertainty of the assumptions.
NOISE_ONLY = "simulation noise only, assumptions fixed"


@dataclass(frozen=True)
class Verdict:
    """Which strategy wins on a KPI, and by how much against the runner-up (paired by seed).

    Attributes
    ----------
    kpi : str
        The deciding KPI.
    winner, runner_up : str
        Scenario labels: highest and second-highest mean (``runner_up`` None with one scenario).
    winner_mean, winner_ci_low, winner_ci_high : float
        The winner's mean KPI and its confidence interval over replications.
    diff, ci_low, ci_high : float
        Mean paired difference winner - runner-up and its confidence interval (NaN with one
        scenario or fewer than two common seeds).
    n_pairs : int
        Seeds the two share (the replications of the winner with one scenario).
    level : float
        Confidence level.
    """

    kpi: str
    winner: str
    winner_mean: float
    winner_ci_low: float
    winner_ci_high: float
    runner_up: str | None
    diff: float
    ci_low: float
    ci_high: float
    n_pairs: int
    level: float

    @property
    def significant(self) -> bool:
        """Whether the paired interval excludes zero."""
        return bool(self.ci_low > 0 or self.ci_high < 0)

    def sentence(self) -> str:
        """The takeaway in one sentence."""
        k, name = self.kpi, kpi_label(self.kpi)
        winner = short_label(self.winner)
        if self.runner_up is None:
            ci = _interval(self.winner_ci_low, self.winner_ci_high, k, self.level)
            return (f"All {self.n_pairs} runs are one scenario ({winner}): "
                    f"{name} {format_kpi(self.winner_mean, k)} ({ci}).")
        runner = short_label(self.runner_up)
        if math.isnan(self.ci_low):
            return (f"{winner} has the highest {name}, {format_kpi(self.winner_mean, k)}, "
                    f"{format_kpi(self.diff, k)} more than {runner}; with {self.n_pairs} paired seed(s) there is no "
                    f"confidence interval yet: run more seeds.")
        ci = _interval(self.ci_low, self.ci_high, k, self.level)
        if self.significant:
            return (f"{winner} wins on {name}: {format_kpi(self.diff, k)} more than the runner-up {runner} "
                    f"({ci}, paired over {self.n_pairs} seeds; {NOISE_ONLY}).")
        return (f"{winner} has the highest {name}, but its lead of {format_kpi(self.diff, k)} over {runner} "
                f"is not significant ({ci}, paired over {self.n_pairs} seeds; {NOISE_ONLY}).")


def compare_strategies(results: pd.DataFrame, kpi: str = "npv_profit", *, by: Sequence[str] | None = None,
                       level: float = 0.95) -> Verdict:
    """The winner on ``kpi`` and its paired difference from the runner-up.

    Parameters
    ----------
    results : DataFrame
        Results table of a sweep (one row per run).
    kpi : str
        Deciding KPI (higher is better).
    by : sequence of str, optional
        Scenario columns; default those that vary.
    level : float
        Confidence level.
    """
    by = list(scenario_columns(results) if by is None else by)
    s = summarize(results, kpi, by=by, level=level).sort_values("mean", ascending=False, kind="stable")
    top = s.iloc[0]
    if len(s) == 1:
        return Verdict(kpi, top["scenario"], top["mean"], top["ci_low"], top["ci_high"], None, math.nan, math.nan,
                       math.nan, int(top["n"]), level)
    runner = s.iloc[1]["scenario"]
    d = paired_differences(results, kpi, baseline=runner, by=by, level=level).set_index("scenario").loc[top["scenario"]]
    return Verdict(kpi, top["scenario"], top["mean"], top["ci_low"], top["ci_high"], runner, float(d["diff"]),
                   float(d["ci_low"]), float(d["ci_high"]), int(d["n_pairs"]), level)


#: Executive-summary lines of one run: label and KPI.
RUN_HIGHLIGHTS = (
    ("Profit", "profit"),
    ("NPV profit", "npv_profit"),
    ("Customers acquired", "customers_acquired"),
    ("CAC", "cac"),
    ("CLV/CAC", "ltv_to_cac"),
    ("Annual retention", "retention_rate_annual"),
    ("Profitable customers", "share_profitable_customers"),
    ("Profit from the retained base", "profit_from_retained"),
    ("Profit from new customers", "profit_from_new"),
)


def run_highlights(summary: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The headline numbers of one run: ``(label, KPI name, formatted value)`` per line."""
    return [(label, kpi, format_kpi(summary.get(kpi), kpi)) for label, kpi in RUN_HIGHLIGHTS]


def run_takeaway(summary: Mapping[str, Any], weeks: int | None = None) -> str:
    """One sentence on one run: profit, CLV/CAC, retention and the share of profitable customers."""
    span = f" over {weeks:,} weeks" if weeks else ""
    ratio = summary.get("ltv_to_cac")
    value = ("nobody was acquired" if not summary.get("customers_acquired") else
             f"new customers return {format_ratio(ratio)} their acquisition cost (CLV/CAC)" if ratio is not None
             else "acquisition was free")
    profit = summary["profit"]
    result = f"makes {format_money(profit)} profit" if profit >= 0 else f"loses {format_money(-profit)}"
    return (f"The scenario {result}{span} (NPV {format_money(summary['npv_profit'])}): {value}, "
            f"{format_share(summary['retention_rate_annual'])} of customers stay each year and "
            f"{format_share(summary['share_profitable_customers'], 0)} of customers are profitable.")


# -- one headline per chart ------------------------------------------------------------------
def headline_strategy_comparison(table: pd.DataFrame, kpi: str = "npv_profit") -> str:
    """Which scenario has the highest mean, with its interval."""
    d = table[table["kpi"] == kpi] if "kpi" in table.columns else table
    best = d.loc[d["mean"].idxmax()]
    level = table.attrs.get("level", 0.95)
    return (f"{short_label(best['scenario'])} has the highest {kpi_label(kpi)}: {format_kpi(best['mean'], kpi)} "
            f"on average ({_interval(best['ci_low'], best['ci_high'], kpi, level)})")


def headline_paired_differences(table: pd.DataFrame, kpi: str = "npv_profit") -> str:
    """How the scenarios differ from the baseline, paired by seed, and which differences are real."""
    d = table[table["kpi"] == kpi] if "kpi" in table.columns else table
    level = table.attrs.get("level", 0.95)
    base = short_label(d.loc[d["is_baseline"], "scenario"].iloc[0])
    others = d[~d["is_baseline"]]
    best = others.loc[others["diff"].idxmax()]
    significant = int(((others["diff_ci_low"] > 0) | (others["diff_ci_high"] < 0)).sum())
    verdict = ("significant" if best["diff_ci_low"] > 0 or best["diff_ci_high"] < 0 else "not significant")
    lead = (f"{significant} of {len(others)} strategies differ significantly from {base}; " if len(others) > 1 else "")
    return (f"{lead}{short_label(best['scenario'])} vs {base}: {_signed(best['diff'], kpi)} {kpi_label(kpi)} "
            f"({_interval(best['diff_ci_low'], best['diff_ci_high'], kpi, level)}, {verdict})")


def headline_spend_and_profit(spend: pd.DataFrame) -> str:
    """Where the most profitable strategy earns its profit and what it spends."""
    total = spend["profit_from_new"] + spend["profit_from_retained"]
    best = total.idxmax()
    row = spend.loc[best]
    return (f"{short_label(best)} makes the most profit: {format_money(row['profit_from_retained'])} from the "
            f"retained base after {format_money(row['cost_to_keep_base'])} of keeping cost and "
            f"{format_money(row['profit_from_new'])} from new customers after "
            f"{format_money(row['acquisition_spend'])} of acquisition spend and "
            f"{format_money(row['cost_to_keep_new'])} of keeping cost")


def headline_funnel(stages: pd.Series) -> str:
    """Conversion at each step of the funnel."""
    reach, aware, acquired, retained = (float(v) for v in stages.to_numpy()[:4])

    def ratio(a: float, b: float) -> float:
        return a / b if b else math.nan

    return (f"{format_share(ratio(aware, reach), 0)} of the market became aware and "
            f"{format_share(ratio(acquired, aware))} of them bought; "
            f"{format_share(ratio(retained, acquired), 0)} of the {format_count(acquired)} new customers are still "
            f"customers")


def headline_lifecycle_states(timeseries: pd.DataFrame) -> str:
    """How the active base changed and how many were lost."""
    start, end = int(timeseries["active"].iloc[0]), int(timeseries["active"].iloc[-1])
    lost = int((timeseries["churned"] - timeseries["won_back"]).sum())
    verb = "grew" if end > start else "fell" if end < start else "stayed"
    change = f"from {format_count(start)} to {format_count(end)}" if verb != "stayed" else f"at {format_count(end)}"
    return (f"Customers {verb} {change} in {len(timeseries):,} weeks, "
            f"while {format_count(lost)} churned (net of win-backs)")


def headline_profit_by_category(timeseries: pd.DataFrame) -> str:
    """Margin against costs, and the largest cost."""
    margin = float(timeseries["gross_margin"].sum())
    profit = float(timeseries["profit"].sum())
    costs = {c.name: float(timeseries[c.name].sum()) for c in CATEGORIES
             if c.group != "gross_margin" and c.sign < 0 and c.name in timeseries.columns}
    largest = max(costs, key=costs.get)
    what = f"the largest cost is {largest.replace('_', ' ')} ({format_money(costs[largest])})"
    if profit >= 0:
        return f"Gross margin of {format_money(margin)} leaves {format_money(profit)} profit after costs; {what}"
    return f"Costs exceed gross margin of {format_money(margin)}: a loss of {format_money(-profit)}; {what}"


def headline_acquisition_vs_retention(summary: Mapping[str, Any]) -> str:
    """Profit from each side of the business against what it costs, booked by who the customer is.

    The cost of keeping a side is ``cost_to_keep_base`` or ``cost_to_keep_new`` (retention and
    win-back offers, loyalty costs, service and complaints of those customers); each profit is net
    of the costs named beside it.
    """
    return (f"The retained base earns {format_money(summary['profit_from_retained'])} after "
            f"{format_money(summary['cost_to_keep_base'])} of keeping cost; new customers earn "
            f"{format_money(summary['profit_from_new'])} after {format_money(summary['acquisition_spend'])} "
            f"of acquisition spend and {format_money(summary['cost_to_keep_new'])} of keeping cost")


def headline_cohort_retention(cohorts: pd.DataFrame, age: int = 52) -> str:
    """Share of new customers still customers a year (or as long as observed) after their cohort formed."""
    formed, _ = formed_cohorts(cohorts)
    base = cohorts[cohorts["initial_base"] & (cohorts["cohort_size"] > 0)]
    if formed.empty:
        return "No new cohort is complete yet: the horizon is shorter than one cohort"
    # A year, or the oldest age observed when the horizon is shorter (the x axis of the chart).
    age = min(age, int(formed["age_weeks"].max()))
    at = formed[formed["age_weeks"] == age]
    new_share = at["active"].sum() / at["cohort_size"].sum()
    text = (f"{format_share(new_share, 0)} of new customers are still customers "
            f"{age:,} weeks after their cohort's first week")
    b = base[base["age_weeks"] == age]
    if len(b):
        share = b["active"].iloc[0] / b["cohort_size"].iloc[0]
        text += f" (initial base after {age:,} weeks: {format_share(share, 0)})"
    return text


def headline_whale_curve(contribution) -> str:
    """How concentrated profit is, and what the unprofitable tail gives away."""
    c = np.asarray(contribution, dtype=float)
    total = c.sum()
    if total <= 0:
        return (f"Customers lose {format_money(-total)} in total: only {format_share((c > 0).mean(), 0)} "
                f"of them are profitable")
    px, py = whale_peak(c)
    text = f"The most profitable {format_share(px, 0)} of customers earn {format_share(py, 0)} of total profit"
    if py > 1.005:
        text += f"; the other {format_share(1 - px, 0)} give {format_share(py - 1, 0)} of it away"
    return text


def headline_value_pyramid(segments: pd.DataFrame) -> str:
    """What the top segment earns and what the lead segment costs."""
    top = segments.iloc[0]
    lead = segments.loc["lead"] if "lead" in segments.index else None
    if segments["profit"].sum() <= 0 or np.isnan(top["share_profit"]):
        text = f"{segments.index[0].capitalize()} customers earn {format_money(top['profit'])}"
    else:
        text = (f"{segments.index[0].capitalize()} customers, {format_share(top['share_customers'], 0)} of the base, "
                f"earn {format_share(top['share_profit'], 0)} of profit")
    if lead is not None and lead["customers"] > 0:
        text += (f"; {format_count(lead['customers'])} lead customers lose {format_money(-lead['profit'])}"
                 if lead["profit"] < 0 else f"; {format_count(lead['customers'])} lead customers break even")
    return text


def headline_tier_members(members: pd.DataFrame) -> str:
    """The top tier's size at the end, and how membership changed."""
    top = members.columns[-1]
    start, end = float(members.iloc[0].sum()), float(members.iloc[-1].sum())
    share = members[top].iloc[-1] / end if end else math.nan
    if end == start:
        change = f"held at {format_count(end)}"
    else:
        change = f"{'grew' if end > start else 'fell'} from {format_count(start)} to {format_count(end)}"
    return (f"Membership {change}; "
            f"{format_share(share, 0)} of members are in the top tier, {top}")


def headline_tier_migration(matrix: pd.DataFrame) -> str:
    """Moves up and down between tiers (tiers in order, lowest first), and who stayed if recorded."""
    counts = matrix.to_numpy(dtype=float)
    up, down = np.nansum(np.triu(counts, 1)), np.nansum(np.tril(counts, -1))
    if np.isnan(np.diag(counts)).all():
        off = np.where(np.eye(len(counts), dtype=bool), -1.0, np.nan_to_num(counts, nan=-1.0))
        i, j = np.unravel_index(int(off.argmax()), off.shape)
        return (f"{format_count(up)} promotions and {format_count(down)} demotions at tier reviews; the most frequent "
                f"move is {matrix.index[i]} to {matrix.columns[j]} ({format_count(counts[i, j])})")
    total = np.nansum(counts)

    def share(x: float) -> str:
        return format_share(x / total if total else math.nan, 0)

    return (f"{share(np.nansum(np.diag(counts)))} of members stayed in their tier, {share(up)} moved up and "
            f"{share(down)} moved down")


def headline_product_lifecycle(timeseries: pd.DataFrame) -> str:
    """When adoptions peaked and in which stage."""
    i = int(timeseries["adoptions"].to_numpy().argmax())
    row = timeseries.iloc[i]
    return (f"Adoptions peaked at {format_count(row['adoptions'])} per week in week {int(row['week']):,}, "
            f"in the {row['product_stage']} stage")


def headline_tornado(indices: pd.DataFrame, target: str) -> str:
    """Which assumption moves the target most, and how far ahead of the next it is."""
    d = indices[indices["target"] == target]
    value = "mu_star" if "mu_star" in d.columns and d["mu_star"].notna().any() else "ST"
    d = d.sort_values(value, ascending=False)
    first = d.iloc[0]
    amount = (f"{format_money(first[value])} over its range" if value == "mu_star"
              else f"{format_share(first[value], 0)} of the variance")
    text = f"{first['factor']} moves {target} most: {amount}"
    if len(d) > 1 and d.iloc[1][value] > 0:
        text += f", {first[value] / d.iloc[1][value]:.1f} times the next factor ({d.iloc[1]['factor']})"
    return text
