"""Charts and decks: a deck style, standard charts as free functions, and report builders.

* :mod:`sim.report.style` - figure size, fonts, palette, number formats, footnotes.
* Charts, each ``plot_x(data, ..., ax=None) -> Axes``: one run (:mod:`~sim.report.plots`),
  customer value (:mod:`~sim.report.value`), loyalty tiers (:mod:`~sim.report.tiers`), product
  lifecycle (:mod:`~sim.report.product`), strategies across a sweep (:mod:`~sim.report.compare`).
* :mod:`sim.report.messages` - the headline of each chart and the takeaway, computed.
* :mod:`sim.report.table` - the comparison table of a sweep; :mod:`sim.report.headline` - the
  headline KPIs of a run as text.
* :mod:`sim.report.build` and :mod:`sim.report.deck` - PNG, SVG, PDF and the 16:9 deck
  (``python -m sim.report PATH``), from what :mod:`sim.report.source` reads and the deck
  content of :mod:`sim.report.run_deck` or :mod:`sim.report.sweep_deck`.

The names below are imported on first use, so that a run drawing its plots
(:func:`save_run_plots`) does not load the statistics and deck machinery.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "build_report": "build",
    "plot_indices": "compare",
    "plot_paired_differences": "compare",
    "plot_spend_and_profit": "compare",
    "plot_strategy_comparison": "compare",
    "plot_tornado": "compare",
    "spend_and_profit": "compare",
    "Verdict": "messages",
    "compare_strategies": "messages",
    "funnel_stages": "plots",
    "plot_acquisition_vs_retention": "plots",
    "plot_cohort_retention": "plots",
    "plot_funnel": "plots",
    "plot_lifecycle_states": "plots",
    "plot_profit_by_category": "plots",
    "save_run_plots": "plots",
    "plot_product_lifecycle": "product",
    "deck_figure": "style",
    "deck_style": "style",
    "footnote": "style",
    "footnote_text": "style",
    "comparison_table": "table",
    "format_table": "table",
    "migration_from_kpis": "tiers",
    "plot_tier_members": "tiers",
    "plot_tier_migration": "tiers",
    "tier_members": "tiers",
    "tier_migration": "tiers",
    "plot_value_pyramid": "value",
    "plot_whale_curve": "value",
    "segment_table": "value",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim.report' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sim.report.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return __all__
