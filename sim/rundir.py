"""Writing a run directory: tables, summary, plots and the reproducibility record; one run per directory.

Every file is written to a temporary name in the same directory and moved into place with
``os.replace`` (:func:`sim.io.atomic_write`), so a reader never sees half a file. ``run.json`` is
written last: a run directory is complete exactly when its ``run.json`` exists.

A directory holds one run. A run claims its directory before Hydra writes anything there
(:func:`claim_run_dir`): the directory must be new or empty, and the claim holds its lock
(:class:`sim.io.DirLock`) until the run ends, so no other run can write into it meanwhile. A
run that fails, is interrupted or finds the disk full leaves nothing behind
(:meth:`RunDirClaim.discard`).

This sits with the commands, above the report layer, because a run directory holds the run's
charts (:func:`sim.report.plots.save_run_plots`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ArgumentError
from sim.io import (
    COMPLETION_FILE,
    FIRM_FILE,
    LOCK_FILE,
    DirBusyError,
    DirLock,
    atomic_write,
    current_umask,
    finite_json,
    git_revision,
    package_version,
    write_text,
)
from sim.results import KPI_NAMES, TABLE_INFO, RunResult, write_table

__all__ = ["write_run_dir", "claim_run_dir", "RunDirClaim", "clear_outputs", "OUTPUT_FILES", "HYDRA_FILES"]

#: What a run writes into its directory (``run.json`` last), besides Hydra's own files.
OUTPUT_FILES = ("summary.json", "timeseries.parquet", "cohorts.parquet", "customers.parquet", "segments.parquet",
                "transactions.parquet", FIRM_FILE, "plots", COMPLETION_FILE)
#: What Hydra writes into a run directory before the run starts: its config record and log.
HYDRA_FILES = (".hydra", "sim.log", LOCK_FILE)


def clear_outputs(run_dir: Path) -> None:
    """Delete the outputs and half-written temporaries of an unfinished run from ``run_dir``.

    ``run.json`` goes first, so the directory never looks complete while it is being cleared.
    """
    for name in (COMPLETION_FILE, *OUTPUT_FILES):
        p = run_dir / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    for p in run_dir.glob(".*.tmp"):
        p.unlink(missing_ok=True)
    for p in run_dir.glob(".plots.*"):
        shutil.rmtree(p, ignore_errors=True)


@dataclass
class RunDirClaim:
    """A run directory claimed by this process: new or empty when claimed, and locked.

    Attributes
    ----------
    path : Path
        The directory (absolute).
    created : list of Path
        The directories the claim created, outermost first (removed again by :meth:`discard`).
    lock : DirLock
        The lock held until :meth:`keep` or :meth:`discard`.
    """

    path: Path
    created: list[Path]
    lock: DirLock

    def keep(self) -> None:
        """The run is complete: release the directory."""
        self.lock.release()

    def discard(self) -> None:
        """The run did not complete: remove what it wrote and the directories the claim created."""
        if self.path.is_dir():
            for p in self.path.iterdir():  # empty when claimed: everything here is this run's
                if p.name == LOCK_FILE:
                    continue
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
        self.lock.release()
        _remove_dirs(self.created)


def _make_dirs(path: Path, created: list[Path]) -> None:
    """Create ``path`` and its missing parents, appending those created to ``created``, outermost first."""
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        created.append(d)


def _remove_dirs(created: list[Path]) -> None:
    """Remove directories created by a claim, innermost first, while they are empty."""
    for d in reversed(created):
        try:
            d.rmdir()
        except FileNotFoundError:
            continue
        except OSError:
            return  # another process put something there meanwhile: keep it


def claim_run_dir(run_dir: str | os.PathLike, name: str = "hydra.run.dir") -> RunDirClaim:
    """Claim a new or empty directory for one run: create it if needed and lock it.

    Parameters
    ----------
    run_dir : path
        The run directory, as the command line gives it.
    name : str
        The override or argument that chose it, for messages.

    Raises
    ------
    ArgumentError
        If the path is empty, cannot be created or written, names a file, is locked by another
        run, or holds anything (another run's outputs, or other files).
    """
    text = str(run_dir)
    if not text.strip():
        raise ArgumentError(name, text, "a non-empty path (an empty one would write the run into the "
                            "current directory)", kind="override")
    path = Path(os.path.abspath(text))
    created: list[Path] = []
    try:
        _make_dirs(path, created)
        if not path.is_dir():
            raise NotADirectoryError(20, "it names a file")
        lock = DirLock(path)
    except DirBusyError:
        _remove_dirs(created)
        raise ArgumentError(name, text, "a directory no other run is writing into (another run holds its lock)",
                            kind="override") from None
    except OSError as err:
        _remove_dirs(created)
        reason = err.strerror or str(err)
        raise ArgumentError(name, text, f"a directory that can be created and written ({reason})",
                            kind="override") from None
    entries = sorted(p.name for p in path.iterdir() if p.name != LOCK_FILE)
    if entries:
        lock.release()
        shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
        what = "the outputs of another run" if COMPLETION_FILE in entries or ".hydra" in entries else "other files"
        raise ArgumentError(name, text, f"a new or empty directory; this one holds {what} ({shown}): choose "
                            "another directory, or remove it first", kind="override")
    return RunDirClaim(path, created, lock)


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
    if "firm" in result.extra:  # a calibrated firm: its fit travels with the run, for the report
        write_text(run_dir / FIRM_FILE, json.dumps(finite_json(result.extra["firm"])[0], indent=2) + "\n")
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
