"""Robustness over the priors in a sweep's report: read a study's ``robustness.json`` and say it.

A sweep's confidence intervals show simulation noise only: every run has the same assumptions.
``python -m sim.sensitivity --priors --compare A B --out SWEEP/robustness`` (``--strategy`` for
more) runs the same strategies over the priors of the behavioural assumptions and writes ``robustness.json``
(:mod:`sim.analysis.robustness`). The report reads it from the study given with
``--sensitivity DIR``, else beside the sweep (``SWEEP/robustness.json`` or
``SWEEP/robustness/robustness.json``), and adds its statement to the deck's takeaway: "Robust
over the priors (holds in N of M)" or "Not robust ...: the verdict hangs on X, Y".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.analysis.robustness import ROBUSTNESS_JSON, statement
from sim.errors import ArgumentError
from sim.report.style import short_label

__all__ = ["ROBUSTNESS_PLACES", "robustness_dir", "find_robustness", "load_robustness", "robustness_takeaway"]

#: Where a sweep's robustness study is looked for, relative to the sweep directory.
ROBUSTNESS_PLACES = (ROBUSTNESS_JSON, f"robustness/{ROBUSTNESS_JSON}")
_KEYS = ("statement", "best", "points", "best_holds", "robust", "strategies", "hangs_on")
_WRITTEN = "written by python -m sim.sensitivity --priors with two or more strategies"
_WHAT = f"a directory {_WRITTEN}"


def robustness_dir(sensitivity: str | Path | None) -> Path | None:
    """``sensitivity`` when that study directory holds a robustness record, else None."""
    return Path(sensitivity) if sensitivity is not None and (Path(sensitivity) / ROBUSTNESS_JSON).is_file() else None


def find_robustness(sweep_dir: Path, given: str | Path | None = None) -> dict[str, Any] | None:
    """The robustness record of a sweep: from the study ``given``, else beside the sweep, else None.

    Raises
    ------
    ArgumentError
        When the record found is not one a study over the priors writes (naming ``--sensitivity``
        for a study given, ``PATH`` for one beside the sweep).
    """
    if given is not None:
        return load_robustness(Path(given) / ROBUSTNESS_JSON, ("--sensitivity", str(given), _WHAT))
    for place in ROBUSTNESS_PLACES:
        if (sweep_dir / place).is_file():
            return load_robustness(sweep_dir / place, ("PATH", str(sweep_dir), f"a sweep whose {place} was {_WRITTEN}"))
    return None


def load_robustness(path: Path, error: tuple[str, str, str]) -> dict[str, Any]:
    """Read and check ``robustness.json``; ``error`` is the argument, value and words of the refusal."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict) or any(k not in info for k in _KEYS):
        raise ArgumentError(*error)
    return info


def robustness_takeaway(sentence: str, info: dict[str, Any] | None, winner: str) -> str:
    """The takeaway: the verdict with its simulation-noise interval, then its robustness over the priors.

    When the study over the priors found another best strategy at the scenario's own values
    than the sweep (other seeds, other sizes), the sentence says which strategies it compared.
    """
    if info is None:
        return sentence
    best = _sweep_label(info["best"])
    text = f"{sentence} {statement({**info, 'best': short_label(best)})}"
    if set(best.split(", ")) != set(winner.split(", ")):
        text += (" (The study over the priors compared " + "; ".join(short_label(_sweep_label(s)) for s in
                 info["strategies"]) + f" and found {short_label(best)} best at the scenario's own values.)")
    return text


def _sweep_label(study_label: str) -> str:
    """A study's strategy label (overrides joined by spaces) as a sweep labels scenarios (joined by ', ')."""
    return ", ".join(study_label.split())
