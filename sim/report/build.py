"""The report of a run or a sweep directory: charts as PNG and SVG, one PDF of them all, and a deck.

:func:`build_report` tells a run directory (it holds ``run.json``) from a sweep directory (it
holds run directories), chooses the charts, computes each chart's headline and the takeaway,
and writes into ``PATH/report/`` (or ``out``)::

    charts/NN_<chart>.png, .svg   one file per chart, numbered in deck order
    charts.pdf                    every chart, one per page
    deck.pptx                     16:9 deck: title, executive summary, one chart per slide, appendix
    report.json                   what was written: kind, takeaway, slide titles and chart files

Charts that need data the run does not record are left out: loyalty tiers appear only when the
weekly series has per-tier member columns ``tier_<name>`` (and tier moves when the summary has
``tier_migration_<a>_to_<b>`` KPIs), the product lifecycle only with ``adoptions`` and
``product_stage``, a sensitivity tornado only when a ``python -m sim.sensitivity`` output
directory is given.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from sim.errors import ArgumentError
from sim.io import COMPLETION_FILE, atomic_write, is_complete, package_version
from sim.report import messages as msg
from sim.report.compare import (
    plot_paired_differences,
    plot_spend_and_profit,
    plot_strategy_comparison,
    plot_tornado,
    spend_and_profit,
)
from sim.report.deck import Deck, write_deck
from sim.report.plots import (
    funnel_stages,
    plot_acquisition_vs_retention,
    plot_cohort_retention,
    plot_funnel,
    plot_lifecycle_states,
    plot_profit_by_category,
    run_footnote,
    scenario_label,
)
from sim.report.product import PRODUCT_COLUMNS, plot_product_lifecycle
from sim.report.style import (
    deck_figure,
    deck_style,
    footnote,
    footnote_text,
    format_kpi,
    short_label,
)
from sim.report.tiers import migration_from_kpis, plot_tier_members, plot_tier_migration, tier_members
from sim.report.value import plot_value_pyramid, plot_whale_curve, segment_table

__all__ = [
    "DECISION_KPI",
    "KEY_ASSUMPTIONS",
    "REPORT_DIR",
    "RUN_TABLES",
    "Chart",
    "RunData",
    "detect",
    "load_run",
    "render_charts",
    "build_report",
]

#: The KPI that decides which strategy wins.
DECISION_KPI = "npv_profit"
#: Default output folder inside the run or sweep directory.
REPORT_DIR = "report"
#: Tables a run directory must hold for its charts.
RUN_TABLES = ("timeseries", "cohorts", "customers")
#: Config values listed as assumptions in the appendix: dotted key and what it means.
KEY_ASSUMPTIONS = (
    ("market.potential", "Market size (people)"),
    ("customers.initial", "Customers at week 0"),
    ("horizon.weeks", "Horizon (weeks)"),
    ("market.discount_rate_annual", "Discount rate per year"),
    ("market.word_of_mouth", "Word of mouth per promoter-week"),
    ("customers.conversion_rate", "Conversion of aware prospects per week"),
    ("customers.churn_rate", "Base churn per week"),
    ("customers.purchase_rate_mean", "Purchases per customer-week"),
    ("pricing.list_price", "List price"),
    ("pricing.discount", "Standing discount"),
    ("product.unit_cost", "Unit cost"),
    ("product.fixed_cost_per_week", "Fixed cost per week"),
    ("service.quality", "Service quality (0-1)"),
    ("service.failure_prob", "Service failure probability"),
    ("acquisition.media_budget_per_week", "Media budget per week"),
    ("acquisition.offer_cost", "Sign-up offer per new customer"),
    ("acquisition.winback_share", "Win-back offers per week (share of lapsed)"),
    ("loyalty.schemes", "Loyalty schemes"),
)
# Executive-summary table of a sweep: column heading and KPI; the first gets its interval.
_SWEEP_COLUMNS = (("NPV profit (95% CI)", DECISION_KPI), ("Profit", "profit"),
                  ("Customers acquired", "customers_acquired"), ("Annual retention", "retention_rate_annual"),
                  ("CLV/CAC", "ltv_to_cac"))
_MAX_TABLE_ROWS = 10


@dataclass
class Chart:
    """One chart of the report.

    Attributes
    ----------
    name : str
        File stem (``'funnel'``).
    headline : str
        The message, used as the slide title.
    draw : callable
        ``draw(ax)`` draws the chart on a deck-sized Axes.
    footnote : str
        Scenario, seeds and version, written under the chart.
    """

    name: str
    headline: str
    draw: Callable[[Any], Any]
    footnote: str


@dataclass
class RunData:
    """The files of one complete run directory."""

    path: Path
    summary: dict[str, Any]
    record: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def config(self) -> dict[str, Any]:
        """The resolved config recorded in ``run.json`` (empty if it was not recorded)."""
        return self.record.get("config") or {}


def _bad_path(path: Path, allowed: str) -> ArgumentError:
    return ArgumentError("PATH", str(path), allowed)


def detect(path: str | Path) -> str:
    """``'run'`` or ``'sweep'``: what kind of directory ``path`` is.

    Raises
    ------
    ArgumentError
        If ``path`` is missing, an unfinished run (no ``run.json``), or holds no complete run.
    """
    from sim.analysis.collect import find_runs

    path = Path(path)
    if not path.is_dir():
        raise _bad_path(path, "an existing run or sweep directory")
    if is_complete(path):
        return "run"
    complete, incomplete = find_runs(path)
    if complete:
        return "sweep"
    if (path / ".hydra").is_dir() or (path / "summary.json").is_file():
        raise _bad_path(path, f"a complete run directory, but it has no {COMPLETION_FILE}: the run has not "
                              f"finished or was killed")
    if incomplete:
        raise _bad_path(path, f"a sweep directory with at least one finished run, but none of its {len(incomplete)} "
                              f"run(s) has {COMPLETION_FILE} yet")
    raise _bad_path(path, f"a run directory (with {COMPLETION_FILE}) or a sweep directory holding run directories")


def load_run(run_dir: str | Path, tables: Sequence[str] = RUN_TABLES) -> RunData:
    """Read a complete run directory: ``summary.json``, ``run.json`` and the parquet ``tables``.

    Raises
    ------
    ArgumentError
        If a file is missing or unreadable.
    """
    run_dir = Path(run_dir)
    names = ["summary.json", COMPLETION_FILE, *(f"{t}.parquet" for t in tables)]
    missing = [n for n in names if not (run_dir / n).is_file()]
    if missing:
        raise _bad_path(run_dir, f"a complete run directory with {', '.join(names)}; missing: {', '.join(missing)}")
    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        record = json.loads((run_dir / COMPLETION_FILE).read_text(encoding="utf-8"))
        data = {t: pd.read_parquet(run_dir / f"{t}.parquet") for t in tables}
    except (OSError, ValueError) as err:
        raise _bad_path(run_dir, f"a run directory with readable files ({err})") from None
    return RunData(run_dir, summary, record, data)


# -- content ---------------------------------------------------------------------------------
def _lookup(config: dict[str, Any], key: str) -> Any:
    value: Any = config
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "none"
    return str(value)


def _assumptions(config: dict[str, Any], varies: dict[str, list[Any]] | None = None) -> list[tuple[str, str]]:
    """Key config values; swept values are listed as such."""
    varies = varies or {}
    out = [(f"{meaning} ({key})", _format_value(_lookup(config, key)))
           for key, meaning in KEY_ASSUMPTIONS if key not in varies and _lookup(config, key) is not None]
    out += [(f"Swept ({key})", ", ".join(_format_value(v) for v in values)) for key, values in varies.items()]
    return out


def _git(record: dict[str, Any]) -> str:
    return record.get("git_revision") or "not recorded (not a git checkout)"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _run_charts(run: RunData, *, overview: bool = True, prefix: str = "") -> list[Chart]:
    """Charts of one run; ``overview`` adds the lifecycle and spend charts (left out in a sweep)."""
    ts, cohorts, customers = (run.tables[t] for t in RUN_TABLES)
    note = run_footnote(run.config, version=run.record.get("package_version"), git=run.record.get("git_revision"))
    charts = []
    potential = _lookup(run.config, "market.potential")
    if potential:
        stages = funnel_stages(ts, customers, int(potential))
        charts.append(Chart("funnel", msg.headline_funnel(stages), lambda ax: plot_funnel(stages, ax), note))
    if overview:
        charts.append(Chart("lifecycle_states", msg.headline_lifecycle_states(ts),
                            lambda ax: plot_lifecycle_states(ts, ax), note))
    charts.append(Chart("profit_by_category", msg.headline_profit_by_category(ts),
                        lambda ax: plot_profit_by_category(ts, ax), note))
    if overview:
        charts.append(Chart("acquisition_vs_retention", msg.headline_acquisition_vs_retention(run.summary),
                            lambda ax: plot_acquisition_vs_retention(run.summary, ax), note))
    charts.append(Chart("cohort_retention", msg.headline_cohort_retention(cohorts),
                        lambda ax: plot_cohort_retention(cohorts, ax), note))
    contribution = customers["contribution"].to_numpy()
    if contribution.size:
        segments = segment_table(customers)
        charts += [Chart("whale_curve", msg.headline_whale_curve(contribution),
                         lambda ax: plot_whale_curve(contribution, ax), note),
                   Chart("value_pyramid", msg.headline_value_pyramid(segments),
                         lambda ax: plot_value_pyramid(segments, ax), note)]
    names = _lookup(run.config, "loyalty.tiers.names")
    members = tier_members(ts, names)
    if members is not None:
        charts.append(Chart("tier_members", msg.headline_tier_members(members),
                            lambda ax: plot_tier_members(members, ax), note))
        moves = migration_from_kpis(run.summary, list(members.columns))
        if moves is not None:
            charts.append(Chart("tier_migration", msg.headline_tier_migration(moves),
                                lambda ax: plot_tier_migration(moves, ax), note))
    if all(c in ts.columns for c in PRODUCT_COLUMNS):
        charts.append(Chart("product_lifecycle", msg.headline_product_lifecycle(ts),
                            lambda ax: plot_product_lifecycle(ts, ax), note))
    for chart in charts:
        chart.headline = prefix + chart.headline
    return charts


def _tornado_charts(sensitivity_dir: Path) -> list[Chart]:
    """One tornado per target of a ``python -m sim.sensitivity`` output directory."""
    indices_file, summary_file = sensitivity_dir / "indices.csv", sensitivity_dir / "summary.json"
    if not (indices_file.is_file() and summary_file.is_file()):
        raise ArgumentError("--sensitivity", str(sensitivity_dir),
                            "a directory written by python -m sim.sensitivity (with indices.csv and summary.json)")
    indices = pd.read_csv(indices_file)
    info = json.loads(summary_file.read_text(encoding="utf-8"))

    study = f"sensitivity ({info.get('method', 'morris')}, {info.get('design_points', '?')} design points)"
    note = footnote_text(study, seeds=info.get("seeds", [0]), version=package_version())
    return [Chart(f"tornado_{i + 1}", msg.headline_tornado(indices, target),
                  lambda ax, t=target: plot_tornado(indices, t, ax), note)
            for i, target in enumerate(dict.fromkeys(indices["target"]))]


def _run_deck(run: RunData) -> tuple[Deck, list[Chart]]:
    config, record = run.config, run.record
    weeks = _lookup(config, "horizon.weeks")
    initial = _lookup(config, "customers.initial")
    scale = ", ".join(p for p in (f"{initial:,} initial customers" if initial is not None else "",
                                   f"{weeks:,} weeks" if weeks is not None else "") if p)
    deck = Deck(
        title="Customer lifecycle simulation: results of one scenario",
        subtitle="\n".join(p for p in (scenario_label(config), scale, f"seed {record.get('seed')}",
                                       f"{run.path}  |  customer-sim {record.get('package_version', '?')}  |  {_now()}")
                           if p),
        takeaway=msg.run_takeaway(run.summary, weeks),
        highlights=[(label, value) for label, _, value in msg.run_highlights(run.summary)],
        assumptions=_assumptions(config),
        reproducibility=[
            ("Seed", str(record.get("seed"))),
            ("Package version", str(record.get("package_version", "not recorded"))),
            ("Git revision", _git(record)),
            ("Overrides", " ".join(record.get("overrides") or []) or "none"),
            ("Resolved config", str(record.get("config_path") or f"{COMPLETION_FILE} (config)")),
            ("Run directory", str(run.path)),
            ("Engine wall time", f"{record.get('wall_seconds', float('nan')):.1f} s"),
            ("Rerun", " ".join(["python -m sim", *(record.get("overrides") or []), "hydra.run.dir=DIR"])),
        ],
    )
    return deck, _run_charts(run)


def _seeds_override(seeds: Sequence[int]) -> str:
    s = sorted(set(int(x) for x in seeds))
    if s == list(range(s[0], s[-1] + 1)) and len(s) > 2:
        return f"seed='range({s[0]},{s[-1] + 1})'" if s[0] else f"seed='range({s[-1] + 1})'"
    return "seed=" + ",".join(map(str, s))


def _sweep_command(results: pd.DataFrame, sweep_dir: Path) -> str:
    """The multirun command that reproduces the sweep, from its parameter columns and seeds."""
    from sim.analysis.collect import parameter_columns

    parts = []
    for col in parameter_columns(results):
        values = list(dict.fromkeys(results[col].dropna().tolist()))
        parts.append(f"{col}={','.join(str(v) for v in values)}")
    parts.append(_seeds_override(results["seed"]))
    return f"python -m sim --multirun {' '.join(parts)} hydra.sweep.dir={sweep_dir}"


def _sweep_table(results: pd.DataFrame, by: list[str], level: float, order: list[str]) -> pd.DataFrame:
    """Executive-summary table: one row per scenario (best first), formatted means."""
    from sim.analysis.stats import summarize

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
    from sim.analysis.stats import scenario_labels
    from sim.report.table import comparison_table

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
        charts += _run_charts(winner, overview=False,
                              prefix=f"{short_label(verdict.winner)} (seed {winner.record.get('seed')}): ")
    return charts


def _sweep_deck(sweep_dir: Path, results: pd.DataFrame, base: str, level: float) -> tuple[Deck, list[Chart]]:
    from sim.analysis.collect import parameter_columns
    from sim.analysis.stats import scenario_columns, scenario_labels

    by = scenario_columns(results)
    labels = scenario_labels(results, by)
    scenarios = list(dict.fromkeys(labels))
    seeds = sorted(results["seed"].unique())
    verdict = msg.compare_strategies(results, DECISION_KPI, by=by, level=level)
    first = load_run(sweep_dir / results["job"].iloc[0], tables=())
    constant = {c: results[c].iloc[0] for c in parameter_columns(results) if c not in by}
    scale = {k: constant.get(k, _lookup(first.config, k)) for k in ("customers.initial", "horizon.weeks")}
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
        title=f"Strategy comparison: {sweep_dir.name}",
        subtitle="\n".join([f"{len(scenarios)} strategies x {len(seeds)} seeds, paired by seed (common random numbers)",
                            ", ".join(short_label(s) for s in scenarios[:6]) + (" ..." if len(scenarios) > 6 else ""),
                            f"{sweep_dir}  |  customer-sim {', '.join(versions)}  |  {_now()}"]),
        takeaway=verdict.sentence(),
        table=summary_table,
        assumptions=_assumptions(first.config, {c: list(dict.fromkeys(results[c].tolist())) for c in by}),
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
    return deck, _sweep_charts(sweep_dir, results, by, base, verdict, note)


def _records(sweep_dir: Path, results: pd.DataFrame, key: str) -> list[Any]:
    out = []
    for job in results["job"]:
        record = json.loads((sweep_dir / job / COMPLETION_FILE).read_text(encoding="utf-8"))
        out.append(record.get(key) or "not recorded")
    return out


# -- output ----------------------------------------------------------------------------------
def render_charts(charts: Sequence[Chart], out_dir: str | Path, currency: str = "") -> list[Path]:
    """Draw ``charts`` as ``charts/NN_name.png`` and ``.svg`` and into ``charts.pdf`` in ``out_dir``.

    Returns
    -------
    list of Path
        The PNG files, in order.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    out_dir = Path(out_dir)
    chart_dir = out_dir / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    for old in list(chart_dir.glob("*.png")) + list(chart_dir.glob("*.svg")):
        old.unlink()  # a previous report may have had other charts
    pngs = []
    with deck_style(currency), PdfPages(out_dir / "charts.pdf", metadata={"Creator": "customer-sim"}) as pdf:
        for i, chart in enumerate(charts, start=1):
            fig, ax = deck_figure()
            chart.draw(ax)
            footnote(fig, chart.footnote)
            stem = chart_dir / f"{i:02d}_{chart.name}"
            fig.savefig(stem.with_suffix(".png"))
            fig.savefig(stem.with_suffix(".svg"))
            pdf.savefig(fig)
            plt.close(fig)
            pngs.append(stem.with_suffix(".png"))
    return pngs


def _content(path: Path, kind: str, baseline: str | None, level: float) -> tuple[Deck, list[Chart]]:
    """The deck content and charts of a run or a sweep directory."""
    from sim.analysis.collect import collect
    from sim.analysis.stats import resolve_baseline, scenario_columns, scenario_labels

    if kind == "run":
        return _run_deck(load_run(path))
    results = collect(path)
    by = scenario_columns(results)
    try:
        base = resolve_baseline(results, baseline, by)
    except ValueError:
        options = ", ".join(repr(s) for s in dict.fromkeys(scenario_labels(results, by)))
        raise ArgumentError("--baseline", baseline, f"exactly one scenario of the sweep: one of {options}") from None
    return _sweep_deck(path, results, base, level)


def build_report(path: str | Path, out: str | Path | None = None, *, baseline: str | None = None,
                 level: float = 0.95, currency: str = "", sensitivity: str | Path | None = None) -> Path:
    """Write the charts, the PDF and the deck of a run or sweep directory.

    Parameters
    ----------
    path : path
        A complete run directory or a sweep directory.
    out : path, optional
        Output folder; default ``path/report``.
    baseline : str, optional
        Baseline scenario of the paired differences (a sweep); default its first scenario.
    level : float
        Confidence level of every interval.
    currency : str
        Prefix of money amounts (e.g. ``"$"``); default none.
    sensitivity : path, optional
        A ``python -m sim.sensitivity`` output directory: adds one tornado chart per target.

    Returns
    -------
    Path
        The output folder.

    Raises
    ------
    ArgumentError
        For a path that is neither a complete run nor a sweep, a run without its tables, an
        unknown baseline or a bad sensitivity directory.
    """
    path = Path(path)
    kind = detect(path)
    with deck_style(currency):  # headlines are written in the deck's currency too
        deck, charts = _content(path, kind, baseline, level)
        if sensitivity is not None:
            charts += _tornado_charts(Path(sensitivity))
    out_dir = Path(out) if out is not None else path / REPORT_DIR
    pngs = render_charts(charts, out_dir, currency)
    deck.charts = [(c.headline, p) for c, p in zip(charts, pngs)]
    atomic_write(out_dir / "deck.pptx", lambda p: write_deck(deck, p))
    manifest = {
        "kind": kind,
        "source": str(path),
        "title": deck.title,
        "takeaway": deck.takeaway,
        "charts": [{"headline": c.headline, "png": f"charts/{p.name}", "svg": f"charts/{p.with_suffix('.svg').name}"}
                   for c, p in zip(charts, pngs)],
        "pdf": "charts.pdf",
        "deck": "deck.pptx",
    }
    atomic_write(out_dir / "report.json", lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n"))
    return out_dir
