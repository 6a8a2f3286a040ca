"""Writing a run directory: tables, summary, plots and the reproducibility record.

Every file is written to a temporary name in the same directory and moved into place with
``os.replace`` (:func:`sim.io.atomic_write`), so a reader never sees half a file. ``run.json`` is
written last: a run directory is complete exactly when its ``run.json`` exists.

This sits with the commands, above the report layer, because a run directory holds the run's
charts (:func:`sim.report.plots.save_run_plots`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sim.io import COMPLETION_FILE, atomic_write, current_umask, git_revision, package_version, write_text
from sim.results import KPI_NAMES, TABLE_INFO, RunResult, write_table

__all__ = ["write_run_dir"]


def _write_tables(result: RunResult, run_dir: Path) -> None:
    """``summary.json`` (contract KPIs first, in their documented order) and the Parquet tables."""
    summary = {k: result.summary[k] for k in KPI_NAMES}
    summary.update({k: v for k, v in result.summary.items() if k not in summary})
    write_text(run_dir / "summary.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")
    tables = {"timeseries": result.timeseries, "cohorts": result.cohorts, "customers": result.customers}
    if result.segments is not None:
        tables["segments"] = result.segments
    if result.transactions is not None:
        tables["transactions"] = result.transactions
    for name, df in tables.items():
        atomic_write(run_dir / f"{name}.parquet", lambda p, df=df, name=name: write_table(df, p, TABLE_INFO.get(name)))


def _write_plots(result: RunResult, run_dir: Path) -> None:
    """Draw the plots in a hidden staging folder and move it to ``plots/`` in one step."""
    # Imported here so that a run without plots does not load matplotlib.
    from sim.report.plots import save_run_plots

    staging = Path(tempfile.mkdtemp(prefix=".plots.", dir=run_dir))
    try:
        save_run_plots(result, staging)
        os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes 0700; plots/ is an ordinary folder
        shutil.rmtree(run_dir / "plots", ignore_errors=True)
        os.replace(staging, run_dir / "plots")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_run_dir(result: RunResult, run_dir: Path, *, config_path: str | None = None,
                  extra_record: dict[str, Any] | None = None) -> Path:
    """Write every contract file of a run into ``run_dir`` and return it.

    Parameters
    ----------
    result : RunResult
        The run.
    run_dir : Path
        Target directory (created if missing; Hydra's ``.hydra/`` in it is left alone).
    config_path : str, optional
        Where the resolved config was saved (Hydra's ``.hydra/config.yaml``), for ``run.json``.
    extra_record : dict, optional
        More fields for ``run.json`` (e.g. the Hydra overrides).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / COMPLETION_FILE).unlink(missing_ok=True)
    _write_tables(result, run_dir)
    if result.config.output.plots is not False:  # None: a single run's default, plots on
        _write_plots(result, run_dir)
    record = {
        "seed": result.config.seed,
        "package_version": package_version(),
        "git_revision": git_revision(),
        "config_path": config_path,
        "config": dataclasses.asdict(result.config),
        "wall_seconds": result.summary["wall_seconds"],
        "complete": True,
    }
    record.update(extra_record or {})
    write_text(run_dir / COMPLETION_FILE, json.dumps(record, indent=2, default=str) + "\n")
    return run_dir
