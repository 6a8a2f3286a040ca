"""The report of a sweep directory: strategies compared, paired by seed, and the winner's charts."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.collect import parameter_columns
from sim.analysis.stats import scenario_columns, scenario_labels, summarize
from sim.io import COMPLETION_FILE
from sim.report import messages as msg
from sim.report.compare import (
    plot_paired_differences,
    plot_spend_and_profit,
    plot_strategy_comparison,
    spend_and_profit,
)
from sim.report.deck import Deck
from sim.report.firm import firm_parameter_lines
from sim.report.headline import headline_answer
from sim.report.names import title_of
from sim.report.robustness import robustness_takeaway
from sim.report.run_deck import run_charts
from sim.report.source import RUN_TABLES, Chart, assumptions, load_run, lookup, now_text
from sim.report.style import currency_symbol, footnote_text, format_kpi, short_label
from sim.report.table import comparison_table

__all__ = ["DECISION_KPI", "sweep_deck"]

#: The KPI that decides which strategy wins.
DECISION_KPI = "npv_profit"
# Executive-summary table of a sweep: column heading and KPI; the first gets its interval.
_SWEEP_COLUMNS = (("NPV profit (95% CI)", DECISION_KPI), ("Profit", "profit"),
                  ("Customers acquired", "customers_acquired"), ("Annual retention", "retention_rate_annual"),
                  ("CLV/CAC", "ltv_to_cac"))
_MAX_TABLE_ROWS = 10


def _seeds_override(seeds: Sequence[int]) -> str:
    """The shortest ``seed=`` sweep override of ``seeds``: a range when they are consecutive."""
    s = sorted({int(x) for x in seeds})
    if s == list(range(s[0], s[-1] + 1)) and len(s) > 2:
        return f"seed='range({s[0]},{s[-1] + 1})'" if s[0] else f"seed='range({s[-1] + 1})'"
    return "seed=" + ",".join(map(str, s))


def _sweep_command(results: pd.DataFrame, sweep_dir: Path) -> str:
    """The multirun command that reproduces the sweep, from its parameter columns and seeds."""
    parts = []
    for col in parameter_columns(results):
        values = list(dict.fromkeys(results[col].dropna().tolist()))
        parts.append(f"{col}={','.join(str(v) for v in values)}")
    parts.append(_seeds_override(results["seed"]))
    return f"python -m sim --multirun {' '.join(parts)} hydra.sweep.dir={sweep_dir}"


def _sweep_table(results: pd.DataFrame, by: list[str], level: float, order: list[str]) -> pd.DataFrame:
    """Executive-summary table: one row per scenario (best first), formatted means."""
    cells: dict[str, dict[str, str]] = {s: {} for s in order}
    for heading, kpi in _SWEEP_COLUMNS:
        s = summarize(results, kpi, by=by, level=level).set_index("scenario")
        for scenario in order:
            row = s.loc[scenario]
            text = format_kpi(row["mean"], kpi)
            if kpi == DECISION_KPI and not math.isnan(row["ci_low"]):
                text += f" [{format_kpi(row['ci_low'], kpi)}, {format_kpi(row['ci_high'], kpi)}]"
            cells[scenario][heading] = text
    table = pd.DataFrame.from_dict(cells, orient="index")
    table.insert(0, "Strategy", [short_label(s) for s in order])
    return table.reset_index(drop=True)


def _sweep_charts(sweep_dir: Path, results: pd.DataFrame, by: list[str], base: str, verdict: msg.Verdict,
                  note: str) -> list[Chart]:
    """Comparison charts of a sweep, then the charts of one run of the winning strategy."""
    table = comparison_table(results, [DECISION_KPI], baseline=base, by=by, level=verdict.level)
    charts = [Chart("strategy_comparison", msg.headline_strategy_comparison(table, DECISION_KPI),
                    lambda ax: plot_strategy_comparison(table, DECISION_KPI, ax), note)]
    if verdict.runner_up is not None:
        charts.append(Chart("paired_differences", msg.headline_paired_differences(table, DECISION_KPI),
                            lambda ax: plot_paired_differences(table, DECISION_KPI, ax), note))
    spend = spend_and_profit(results, by)
    charts.append(Chart("spend_and_profit", msg.headline_spend_and_profit(spend),
                        lambda ax: plot_spend_and_profit(spend, ax), note))
    # The winner's lowest seed stands for the winning strategy in the charts of one run.
    winner_runs = results[scenario_labels(results, by) == verdict.winner].sort_values("seed")
    winner_dir = sweep_dir / winner_runs["job"].iloc[0]
    if all((winner_dir / f"{t}.parquet").is_file() for t in RUN_TABLES):
        winner = load_run(winner_dir)
        charts += run_charts(winner, overview=False,
                              prefix=f"{short_label(verdict.winner)} (seed {winner.record.get('seed')}): ")
    return charts


def _listing(scenarios: Sequence[str], most: int = 8) -> str:
    """Scenarios numbered and separated so that none runs into the next."""
    shown = "; ".join(f"({i}) {short_label(s)}" for i, s in enumerate(scenarios[:most], start=1))
    return shown + (f"; and {len(scenarios) - most} more" if len(scenarios) > most else "")


def sweep_deck(sweep_dir: Path, results: pd.DataFrame, base: str, level: float,
               title: str | None = None, robustness: dict[str, Any] | None = None) -> tuple[Deck, list[Chart]]:
    """The deck content (title, takeaway, summary table, appendix) and the charts of a sweep.

    ``title`` defaults to "Strategy comparison:" and the experiment's name (or the folder's);
    ``robustness``, a study over the priors (:mod:`sim.report.robustness`), adds to the takeaway
    whether the verdict holds over them.
    """
    by = scenario_columns(results)
    labels = scenario_labels(results, by)
    scenarios = list(dict.fromkeys(labels))
    seeds = sorted(results["seed"].unique())
    verdict = msg.compare_strategies(results, DECISION_KPI, by=by, level=level)
    first = load_run(sweep_dir / results["job"].iloc[0], tables=())
    constant = {c: results[c].iloc[0] for c in parameter_columns(results) if c not in by}
    scale = {k: constant.get(k, lookup(first.config, k)) for k in ("customers.initial", "horizon.weeks")}
    note = footnote_text(f"sweep {sweep_dir.name}: {len(scenarios)} strategies, paired by seed", seeds=seeds,
                         version=first.record.get("package_version"), git=first.record.get("git_revision"),
                         customers=None if "customers.initial" in by else scale["customers.initial"],
                         weeks=None if "horizon.weeks" in by else scale["horizon.weeks"])
    means = results[DECISION_KPI].groupby(labels, sort=False).mean()
    order = list(means.sort_values(ascending=False, kind="stable").index)
    summary_table = _sweep_table(results, by, level, order[:_MAX_TABLE_ROWS])
    if len(order) > _MAX_TABLE_ROWS:
        summary_table.loc[len(summary_table)] = [f"... and {len(order) - _MAX_TABLE_ROWS} more",
                                                 *[""] * (summary_table.shape[1] - 1)]
    versions = sorted({str(v) for v in _records(sweep_dir, results, "package_version")})
    revisions = sorted({str(v) for v in _records(sweep_dir, results, "git_revision")})
    deck = Deck(
        title=title or title_of(results, sweep_dir),
        subtitle="\n".join([f"{len(scenarios)} strategies x {len(seeds)} seeds, paired by seed (common random numbers)",
                            _listing(scenarios),
                            f"{sweep_dir}  |  customer-sim {', '.join(versions)}  |  {now_text()}"]),
        takeaway=robustness_takeaway(verdict.sentence(), robustness, verdict.winner),
        answer=_winner_answer(results, labels, verdict.winner),
        table=summary_table,
        assumptions=assumptions(first.config, {c: list(dict.fromkeys(results[c].tolist())) for c in by}),
        reproducibility=[
            ("Runs", f"{len(results)} complete"),
            ("Seeds", ", ".join(map(str, seeds))),
            ("Baseline of the differences", short_label(base)),
            ("Confidence level", f"{level:.0%} (t distribution over seeds)"),
            ("Package version", ", ".join(versions)),
            ("Git revision", ", ".join(revisions)),
            ("Results table", str(sweep_dir / "results.parquet")),
            ("Rerun", _sweep_command(results, sweep_dir)),
        ],
    )
    deck.firm_fitted, deck.firm_assumed = firm_parameter_lines(first.firm, first.config, one_run=False)
    return deck, _sweep_charts(sweep_dir, results, by, base, verdict, note)


def _winner_answer(results: pd.DataFrame, labels: pd.Series, winner: str) -> list[str]:
    """The plain-words answer for the winning strategy, from its mean KPIs over its seeds."""
    runs = results[labels == winner]
    means = {k: (None if math.isnan(v) else v) for k, v in runs.select_dtypes("number").mean().items()}
    lead = f"For {short_label(winner)}, the winning strategy (means of {len(runs)} seeds): "
    sentences = headline_answer(means, currency_symbol())
    return [lead + sentences[0][0].lower() + sentences[0][1:], *sentences[1:]]


def _records(sweep_dir: Path, results: pd.DataFrame, key: str) -> list[Any]:
    """``key`` of every run's ``run.json``, in the order of ``results``."""
    out = []
    for job in results["job"]:
        record = json.loads((sweep_dir / job / COMPLETION_FILE).read_text(encoding="utf-8"))
        out.append(record.get(key) or "not recorded")
    return out
