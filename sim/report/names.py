"""Business names of scenarios and the title of a report.

A scenario is identified by its overrides (``loyalty=hybrid, pricing=premium``). A strategist
names it in the scenario itself (``label: Points at premium prices`` in an experiment file, or
``label='...'`` on the command line: every run records it) or when reporting
(``python -m sim.report DIR --label 'loyalty=points:Points programme'``, which wins). Inside
:func:`scenario_names`, :func:`sim.report.style.short_label` writes a named scenario by its
name, so the table, every chart and the deck use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import pandas as pd

from sim.errors import ArgumentError
from sim.io import COMPLETION_FILE

__all__ = ["LABEL_SYNTAX", "scenario_names", "scenario_name", "parse_labels", "resolve_names", "title_of"]

#: The form of ``--label``.
LABEL_SYNTAX = "SCENARIO:NAME, e.g. 'loyalty=points,pricing=premium:Points at premium prices'"

_names: ContextVar[Mapping[str, str] | None] = ContextVar("scenario_names", default=None)


@contextmanager
def scenario_names(names: Mapping[str, str]) -> Iterator[None]:
    """Within the block, scenarios of ``names`` (scenario label -> business name) are written by name."""
    token = _names.set(dict(names))
    try:
        yield
    finally:
        _names.reset(token)


def scenario_name(label: str) -> str | None:
    """The business name of scenario ``label`` in the current :func:`scenario_names`, if any."""
    return (_names.get() or {}).get(label)


def parse_labels(items: Sequence[str] | None) -> dict[str, str]:
    """``--label`` arguments as scenario -> name.

    Raises
    ------
    ArgumentError
        For an item without ``:`` or with an empty side.
    """
    out = {}
    for item in items or ():
        scenario, sep, name = item.partition(":")
        if not sep or not scenario.strip() or not name.strip():
            raise ArgumentError("--label", item, LABEL_SYNTAX)
        out[scenario.strip()] = name.strip()
    return out


def _recorded(path: Path, jobs: Sequence[str]) -> list[str]:
    """The ``label`` each run recorded in its config (empty when none)."""
    out = []
    for job in jobs:
        try:
            record = json.loads((path / job / COMPLETION_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        out.append(str((record.get("config") or {}).get("label") or ""))
    return out


def resolve_names(path: Path, results: pd.DataFrame, by: Sequence[str],
                  given: Mapping[str, str] | None = None) -> dict[str, str]:
    """Scenario label -> business name, from the runs' own labels and the ``--label`` arguments.

    A scenario takes its runs' recorded label when they all share one; ``given`` wins. Names that
    two scenarios would share get the scenario's overrides in brackets, so no two read alike.

    Raises
    ------
    ArgumentError
        If a ``--label`` scenario matches no single scenario of the sweep.
    """
    from sim.analysis.stats import resolve_baseline, scenario_labels  # scipy: only when a report is built

    labels = scenario_labels(results, by)
    names: dict[str, str] = {}
    recorded = pd.Series(_recorded(path, list(results["job"])), index=results.index)
    for scenario, values in recorded.groupby(labels, sort=False):
        if values.nunique() == 1 and values.iloc[0]:
            names[str(scenario)] = values.iloc[0]
    for wanted, name in (given or {}).items():
        try:
            names[resolve_baseline(results, wanted, by)] = name
        except ValueError:
            options = ", ".join(repr(s) for s in dict.fromkeys(labels))
            raise ArgumentError("--label", f"{wanted}:{name}", f"{LABEL_SYNTAX}, naming one scenario of the sweep: "
                                f"one of {options}") from None
    taken = pd.Series(list(names.values())).value_counts()
    return {s: (f"{n} ({s})" if taken[n] > 1 else n) for s, n in names.items()}


def title_of(results: pd.DataFrame, path: Path) -> str:
    """The default title of a sweep's report: its experiment's name when it has one, else its folder."""
    if "experiment" in results.columns and results["experiment"].nunique() == 1:
        return f"Strategy comparison: {results['experiment'].iloc[0]}"
    return f"Strategy comparison: {path.name}"
