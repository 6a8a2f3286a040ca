"""What a report reads: run and sweep directories, the charts it draws, and the assumptions it lists.

A run directory is complete when it holds ``run.json``; a sweep directory holds run
directories. :class:`Chart` is one chart of the report (file name, headline, how to draw it,
footnote); :class:`RunData` the files of one run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.collect import find_runs
from sim.errors import ArgumentError
from sim.io import COMPLETION_FILE, FIRM_FILE, is_complete

__all__ = ["KEY_ASSUMPTIONS", "RUN_TABLES", "Chart", "RunData", "detect", "load_run", "lookup", "format_value",
           "assumptions", "git_text", "now_text"]

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
    """The files of one complete run directory (``firm``: its ``firm.json``, a calibrated firm's fit,
    None for other runs)."""

    path: Path
    summary: dict[str, Any]
    record: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    firm: dict[str, Any] | None = None

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
        firm = json.loads((run_dir / FIRM_FILE).read_text(encoding="utf-8")) if (run_dir / FIRM_FILE).is_file() \
            else None
    except (OSError, ValueError) as err:
        raise _bad_path(run_dir, f"a run directory with readable files ({err})") from None
    return RunData(run_dir, summary, record, data, firm)


def lookup(config: dict[str, Any], key: str) -> Any:
    """The value at dotted ``key`` of a resolved config dict; None where it has none."""
    value: Any = config
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def format_value(value: Any) -> str:
    """A config value as the appendix shows it: yes/no, thousands separators, lists joined."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "none"
    return str(value)


def assumptions(config: dict[str, Any], varies: dict[str, list[Any]] | None = None) -> list[tuple[str, str]]:
    """Key config values; swept values are listed as such."""
    varies = varies or {}
    out = [(f"{meaning} ({key})", format_value(lookup(config, key)))
           for key, meaning in KEY_ASSUMPTIONS if key not in varies and lookup(config, key) is not None]
    out += [(f"Swept ({key})", ", ".join(format_value(v) for v in values)) for key, values in varies.items()]
    return out


def git_text(record: dict[str, Any]) -> str:
    """The git revision of a run record, or why there is none."""
    return record.get("git_revision") or "not recorded (not a git checkout)"


def now_text() -> str:
    """The current time in UTC, to the minute, as the title slide shows it."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
