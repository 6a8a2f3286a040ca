"""Writing a run directory: tables, summary, plots and the reproducibility record.

Every file is written to a temporary name in the same directory and moved into place with
``os.replace``, so a reader never sees half a file. ``run.json`` is written last: a run directory
is complete exactly when its ``run.json`` exists.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

from sim.record import KPI_NAMES, RunResult

__all__ = ["write_run_dir", "is_complete", "atomic_write", "package_version", "git_revision", "COMPLETION_FILE"]

COMPLETION_FILE = "run.json"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` and move the result to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; output files are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def package_version() -> str:
    """Installed version of the package (or 'unknown' when run from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customer-sim")
    except PackageNotFoundError:
        return "unknown"


def git_revision() -> str | None:
    """Git commit of the source tree, with '-dirty' when it has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def is_complete(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a fully written run."""
    return (Path(run_dir) / COMPLETION_FILE).is_file()


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
    # Contract KPIs first, in their documented order; then any extra KPIs of the run.
    summary = {k: result.summary[k] for k in KPI_NAMES}
    summary.update({k: v for k, v in result.summary.items() if k not in summary})
    _write_text(run_dir / "summary.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")
    tables = {"timeseries": result.timeseries, "cohorts": result.cohorts, "customers": result.customers}
    if result.segments is not None:
        tables["segments"] = result.segments
    if result.transactions is not None:
        tables["transactions"] = result.transactions
    for name, df in tables.items():
        atomic_write(run_dir / f"{name}.parquet", lambda p, df=df: df.to_parquet(p, index=False))
    if result.config.output.plots:
        from sim.report.plots import save_run_plots

        staging = Path(tempfile.mkdtemp(prefix=".plots.", dir=run_dir))
        try:
            save_run_plots(result, staging)
            os.chmod(staging, 0o777 & ~_umask())
            shutil.rmtree(run_dir / "plots", ignore_errors=True)
            os.replace(staging, run_dir / "plots")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
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
    _write_text(run_dir / COMPLETION_FILE, json.dumps(record, indent=2, default=str) + "\n")
    return run_dir
