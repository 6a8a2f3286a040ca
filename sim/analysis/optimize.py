"""Strategy optimisation, the computation: the search space and the report of a study.

A :class:`Param` is one searched config value; :func:`parse_param` reads it from its
``--param`` text. :func:`study_report` turns an Optuna study into its best trial and the sweep
that reproduces it. Running the study (composing scenarios, Optuna storage, the command line)
is :mod:`sim.optimize`.

Search-space syntax (``--param``, repeatable):

* ``KEY=float:LOW:HIGH`` a real number in [LOW, HIGH]; ``KEY=float:LOW:HIGH:log`` on a log scale;
* ``KEY=int:LOW:HIGH`` an integer in [LOW, HIGH]; ``KEY=int:LOW:HIGH:STEP`` on a grid;
* ``KEY=choice:A,B,C`` one of the listed values, e.g. a config group ``loyalty=choice:none,points``.

``KEY`` is any config key of ``python -m sim`` (e.g. ``acquisition.media_budget_per_week``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ArgumentError
from sim.io import DISK_FULL

__all__ = ["Param", "PARAM_SYNTAX", "parse_param", "override_text", "study_settings", "study_report",
           "storage_failure", "completed_trials"]

PARAM_SYNTAX = "KEY=float:LOW:HIGH[:log], KEY=int:LOW:HIGH[:STEP] or KEY=choice:A,B,... with LOW < HIGH"


@dataclass(frozen=True)
class Param:
    """One searched parameter.

    Attributes
    ----------
    key : str
        Config key as on the command line, e.g. ``pricing.list_price`` or ``loyalty``.
    kind : str
        ``'float'``, ``'int'`` or ``'choice'``.
    low, high : float
        Bounds (inclusive) for ``float`` and ``int``.
    log : bool
        Sample a float on a log scale.
    step : int
        Grid step of an ``int`` (1 for every integer).
    choices : tuple of str
        Values of a ``choice``, as override text.
    """

    key: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    step: int = 1
    choices: tuple[str, ...] = ()

    def spec(self) -> str:
        """The canonical ``--param`` text of this parameter."""
        if self.kind == "choice":
            return f"{self.key}=choice:{','.join(self.choices)}"
        if self.kind == "int":
            return f"{self.key}=int:{int(self.low)}:{int(self.high)}" + (f":{self.step}" if self.step != 1 else "")
        return f"{self.key}=float:{self.low!r}:{self.high!r}" + (":log" if self.log else "")

    def extremes(self) -> list[Any]:
        """The values that bound the search space (checked against the config before any run)."""
        return list(self.choices) if self.kind == "choice" else [self.low, self.high]

    def suggest(self, trial: Any) -> Any:
        """Ask an Optuna trial for a value of this parameter."""
        if self.kind == "float":
            return trial.suggest_float(self.key, self.low, self.high, log=self.log)
        if self.kind == "int":
            return trial.suggest_int(self.key, int(self.low), int(self.high), step=self.step)
        return trial.suggest_categorical(self.key, list(self.choices))


def parse_param(text: str) -> Param:
    """Parse one ``--param`` value (see the module docstring for the syntax).

    Raises
    ------
    ArgumentError
        Naming ``--param``, the text and the syntax.
    """
    bad = ArgumentError("--param", text, PARAM_SYNTAX)
    key, sep, spec = text.partition("=")
    kind, _, rest = spec.partition(":")
    key = key.strip()
    if not sep or not key or kind not in ("float", "int", "choice") or not rest:
        raise bad
    if kind == "choice":
        choices = tuple(c.strip() for c in rest.split(","))
        if not all(choices) or len(set(choices)) != len(choices):
            raise bad
        return Param(key, kind, choices=choices)
    parts = rest.split(":")
    try:
        if kind == "float":
            if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
                raise bad
            low, high, log = float(parts[0]), float(parts[1]), len(parts) == 3
            if not (math.isfinite(low) and math.isfinite(high) and low < high) or (log and low <= 0):
                raise bad
            return Param(key, kind, low=low, high=high, log=log)
        if len(parts) not in (2, 3):
            raise bad
        low_i, high_i = int(parts[0]), int(parts[1])
        step = int(parts[2]) if len(parts) == 3 else 1
        if low_i >= high_i or step < 1:
            raise bad
        return Param(key, kind, low=low_i, high=high_i, step=step)
    except ValueError:
        raise bad from None


def override_text(key: str, value: Any) -> str:
    """The command-line override setting ``key`` to ``value`` (floats in full precision)."""
    return f"{key}={value!r}" if isinstance(value, float) else f"{key}={value}"


def study_settings(params: Sequence[Param], overrides: Sequence[str], kpi: str, seeds: Sequence[int],
                   direction: str) -> dict[str, Any]:
    """The settings that define a study, stored with it: a resumed study must have the same.

    Parameters
    ----------
    params : sequence of Param
        The search space.
    overrides : sequence of str
        Overrides of the base scenario.
    kpi : str
        KPI optimised.
    seeds : sequence of int
        Seeds of the replications of every trial.
    direction : str
        ``'maximize'`` or ``'minimize'``.
    """
    return {"params": [p.spec() for p in params], "overrides": list(overrides), "kpi": kpi,
            "seeds": list(seeds), "direction": direction}


def study_report(study: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """The best trial of a study: value, half-width, parameters and the sweep that reproduces it.

    Parameters
    ----------
    study : optuna.Study
        The study; only its complete trials count.
    settings : dict
        Its settings (:func:`study_settings`).

    Returns
    -------
    dict
        The settings, ``study`` and ``complete_trials``; with a complete trial also
        ``best_trial``, ``best_value`` and ``best_half_width`` (KPI units), ``best_params`` and
        ``reproduce`` (the ``python -m sim --multirun`` command of the best trial's runs).
    """
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    report: dict[str, Any] = {"study": study.study_name, "complete_trials": len(complete), **settings}
    if complete:
        best = study.best_trial
        seeds = settings["seeds"]
        chosen = [override_text(k, v) for k, v in best.params.items()]
        report.update(
            best_trial=best.number, best_value=best.value, best_half_width=best.user_attrs.get("half_width"),
            best_params=best.params,
            reproduce="python -m sim --multirun " + " ".join([*settings["overrides"], *chosen,
                                                               f"seed='range({len(seeds)})'"]),
        )
    return report


def storage_failure(err: Exception, storage: str | None, dropped: bool) -> tuple[int, str] | None:
    """Exit status and one-line message of a study's storage that cannot be opened (2) or a full disk (1).

    Parameters
    ----------
    err : Exception
        What stopped the study.
    storage : str or None
        The ``--storage`` URL given, None for the default SQLite file.
    dropped : bool
        Whether the study's new folder is removed (no trial finished), for the message.

    Returns
    -------
    tuple of (int, str) or None
        None when ``err`` is neither.
    """
    kept = "nothing was kept" if dropped else "finished trials are kept"
    if isinstance(err, OSError) and err.errno in DISK_FULL:
        return 1, f"cannot write the study: {os.strerror(err.errno)}; {kept}."
    if type(err).__name__ != "OperationalError":  # SQLAlchemy's, for a database that fails
        return None
    reason = str(getattr(err, "orig", err) or err).splitlines()[0]
    if storage is not None and "disk" not in reason:
        return 2, str(ArgumentError("--storage", storage, f"a database that can be opened ({reason})"))
    return 1, f"cannot write the study's database: {reason}; {kept}."


def completed_trials(database: Path) -> int:
    """Complete trials in an Optuna SQLite file (0 when it is missing or unreadable)."""
    import sqlite3

    if not database.is_file():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0])
    except sqlite3.Error:
        return 0
