"""The report of one run directory: its charts and the deck content around them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.errors import ArgumentError
from sim.io import COMPLETION_FILE, package_version
from sim.report import messages as msg
from sim.report.compare import plot_tornado
from sim.report.deck import Deck
from sim.report.firm import firm_parameter_lines
from sim.report.headline import headline_answer
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
from sim.report.source import RUN_TABLES, Chart, RunData, assumptions, git_text, lookup, now_text
from sim.report.style import currency_symbol, footnote_text
from sim.report.tiers import migration_from_kpis, plot_tier_members, plot_tier_migration, tier_members
from sim.report.value import plot_value_pyramid, plot_whale_curve, segment_table

__all__ = ["run_charts", "run_deck", "tornado_charts"]


def run_charts(run: RunData, *, overview: bool = True, prefix: str = "") -> list[Chart]:
    """Charts of one run; ``overview`` adds the lifecycle and spend charts (left out in a sweep)."""
    ts, cohorts, customers = (run.tables[t] for t in RUN_TABLES)
    note = run_footnote(run.config, version=run.record.get("package_version"), git=run.record.get("git_revision"))
    charts = []
    potential = lookup(run.config, "market.potential")
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
    names = lookup(run.config, "loyalty.tiers.names")
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


def run_deck(run: RunData, title: str | None = None) -> tuple[Deck, list[Chart]]:
    """The deck content (title, takeaway, highlights, appendix) and the charts of one run.

    ``title`` defaults to the scenario's ``label`` when it has one.
    """
    config, record = run.config, run.record
    fitted, assumed = firm_parameter_lines(run.firm, config)
    weeks = lookup(config, "horizon.weeks")
    initial = lookup(config, "customers.initial")
    scale = ", ".join(p for p in (f"{initial:,} initial customers" if initial is not None else "",
                                   f"{weeks:,} weeks" if weeks is not None else "") if p)
    deck = Deck(
        title=title or (f"Customer lifecycle simulation: {label}" if (label := lookup(config, "label")) else
                        "Customer lifecycle simulation: results of one scenario"),
        subtitle="\n".join(p for p in (label or "", scenario_label(config), scale, f"seed {record.get('seed')}",
                                       f"{run.path}  |  customer-sim {record.get('package_version', '?')}  |  "
                                       f"{now_text()}")
                           if p),
        takeaway=msg.run_takeaway(run.summary, weeks),
        answer=headline_answer(run.summary, currency_symbol()),
        highlights=[(label, value) for label, _, value in msg.run_highlights(run.summary)],
        assumptions=assumptions(config),
        reproducibility=[
            ("Seed", str(record.get("seed"))),
            ("Package version", str(record.get("package_version", "not recorded"))),
            ("Git revision", git_text(record)),
            ("Overrides", " ".join(record.get("overrides") or []) or "none"),
            ("Resolved config", str(record.get("config_path") or f"{COMPLETION_FILE} (config)")),
            ("Run directory", str(run.path)),
            ("Engine wall time", f"{record.get('wall_seconds', float('nan')):.1f} s"),
            ("Rerun", " ".join(["python -m sim", *(record.get("overrides") or []), "hydra.run.dir=DIR"])),
        ],
        firm_fitted=fitted, firm_assumed=assumed,
    )
    return deck, run_charts(run)


def tornado_charts(sensitivity_dir: Path) -> list[Chart]:
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
