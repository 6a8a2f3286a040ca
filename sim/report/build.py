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
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt

from sim.analysis.collect import collect, find_runs
from sim.analysis.stats import resolve_baseline, scenario_columns, scenario_labels
from sim.errors import ArgumentError
from sim.io import atomic_write
from sim.report.deck import Deck, write_deck
from sim.report.names import resolve_names, scenario_names
from sim.report.robustness import find_robustness, robustness_dir
from sim.report.run_deck import run_deck, tornado_charts
from sim.report.source import KEY_ASSUMPTIONS, RUN_TABLES, Chart, RunData, detect, load_run, lookup
from sim.report.style import deck_figure, deck_style, footnote
from sim.report.sweep_deck import DECISION_KPI, sweep_deck

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

#: Default output folder inside the run or sweep directory.
REPORT_DIR = "report"


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


def _recorded_currency(path: Path, kind: str) -> str:
    """``output.currency`` of the run (or of a sweep's first finished run); empty if not recorded."""
    runs = [path] if kind == "run" else find_runs(path)[0][:1]
    config = load_run(runs[0], tables=()).config if runs else {}
    return str(lookup(config, "output.currency") or "")


def _content(path: Path, kind: str, baseline: str | None, level: float,
             title: str | None, robustness: str | Path | None = None) -> tuple[Deck, list[Chart]]:
    """The deck content and charts of a run or a sweep directory."""
    if kind == "run":
        return run_deck(load_run(path), title)
    results = collect(path)
    by = scenario_columns(results)
    try:
        base = resolve_baseline(results, baseline, by)
    except ValueError:
        options = ", ".join(repr(s) for s in dict.fromkeys(scenario_labels(results, by)))
        raise ArgumentError("--baseline", baseline, f"exactly one scenario of the sweep: one of {options}") from None
    return sweep_deck(path, results, base, level, title, find_robustness(path, robustness))


def _names(path: Path, kind: str, labels: dict[str, str] | None) -> dict[str, str]:
    """Business names of a sweep's scenarios (none for a run: its deck names it in the title)."""
    if kind == "run":
        return {}
    results = collect(path, write=False)
    return resolve_names(path, results, scenario_columns(results), labels)


def build_report(path: str | Path, out: str | Path | None = None, *, baseline: str | None = None,
                 level: float = 0.95, currency: str = "", sensitivity: str | Path | None = None,
                 title: str | None = None, labels: dict[str, str] | None = None) -> Path:
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
        Prefix of money amounts (e.g. ``"$"``); default the run's ``output.currency``, if set.
    sensitivity : path, optional
        A ``python -m sim.sensitivity`` output directory: a tornado chart per target, and its
        ``robustness.json`` (else the sweep's own) joins the takeaway (:mod:`sim.report.robustness`).
    title : str, optional
        Title of the deck; default the run's label, or the sweep's experiment (or folder) name.
    labels : dict, optional
        Business names of scenarios (scenario -> name, see :mod:`sim.report.names`), over those
        the runs recorded.

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
    currency = currency or _recorded_currency(path, kind)
    with deck_style(currency), scenario_names(_names(path, kind, labels)):  # headlines in the deck's words too
        deck, charts = _content(path, kind, baseline, level, title, robustness_dir(sensitivity))
        if sensitivity is not None:
            charts += tornado_charts(Path(sensitivity))
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
