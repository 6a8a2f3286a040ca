"""The Hydra job: turn the composed config into a typed scenario, run it, write its directory.

The composed config becomes a scenario in :mod:`sim.scenario`; this module reads Hydra's
runtime (run directory, overrides, mode) and writes the run directory (:mod:`sim.rundir`). In a sweep
(``--multirun``) a job whose directory already holds a complete run of the same scenario is not
run again, so a sweep restarted with the same command (same ``hydra.sweep.dir``) resumes. The
command line was checked before Hydra started (:mod:`sim.preflight`); a single run's directory
was claimed there, and a sweep job claims its own here.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.config import Config
from sim.errors import ConfigError
from sim.footprint import check_fits, notice
from sim.io import COMPLETION_FILE, DirBusyError, DirLock, is_complete
from sim.progress import progress_bar
from sim.report.headline import HEADLINE_KPIS, format_headline, headline_answer
from sim.rundir import HYDRA_FILES, clear_outputs, write_run_dir
from sim.runner import run
from sim.scenario import to_scenario, with_plots_resolved

__all__ = ["run_job", "to_scenario", "HEADLINE_KPIS", "format_headline", "has_complete_run", "SWEEP_LOG",
           "with_plots_resolved", "log_finished_job"]

#: The sweep's log: one line per finished job (in the sweep directory).
SWEEP_LOG = "sweep.log"


def _remove_fresh_run_dir(run_dir: Path) -> None:
    """Remove what Hydra created for a job that did not complete, and nothing else.

    Only a directory holding nothing but Hydra's own files (and the job's lock) is removed. The
    folders above a single run's directory are the claim's to remove (:mod:`sim.preflight`).
    """
    if run_dir.is_dir() and all(p.name in HYDRA_FILES for p in run_dir.iterdir()):
        shutil.rmtree(run_dir, ignore_errors=True)


def _discard(run_dir: Path) -> None:
    """A job that did not complete leaves nothing: its outputs, then Hydra's files, are removed."""
    clear_outputs(run_dir)
    _remove_fresh_run_dir(run_dir)


def has_complete_run(run_dir: Path, scenario: Config) -> bool:
    """Whether ``run_dir`` holds a complete run of exactly ``scenario``.

    A directory counts only when its ``run.json`` exists (it is written last) and records the
    same resolved scenario, so a changed config is run again rather than silently reused.
    """
    if not is_complete(run_dir):
        return False
    try:
        record = json.loads((run_dir / COMPLETION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = json.loads(json.dumps(dataclasses.asdict(scenario), default=str))
    return record.get("config") == wanted


def _run_with_progress(scenario: Config, show: bool):
    """Run ``scenario``, with a weekly progress bar and ETA (plain lines at intervals without a terminal)."""
    if not show:
        return run(scenario)
    with progress_bar(scenario.horizon.weeks, "simulating", "week") as bar:
        return run(scenario, on_week=lambda _week: bar.update(1))


def log_finished_job(sweep_dir: Path, run_dir: Path, summary: dict[str, Any] | None) -> None:
    """One line per finished job in ``SWEEP_DIR/sweep.log``, so that nothing breaks the sweep's progress bar."""
    from datetime import datetime

    when = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    what = ("already complete, not run again" if summary is None else
            f"npv_profit {summary['npv_profit']:,.0f}, profit {summary['profit']:,.0f}, "
            f"{summary['wall_seconds']:.1f} s")
    sweep_dir, run_dir = sweep_dir.resolve(), run_dir.resolve()
    line = f"{when}  {run_dir.relative_to(sweep_dir) if run_dir.is_relative_to(sweep_dir) else run_dir}: {what}\n"
    sweep_dir.mkdir(parents=True, exist_ok=True)
    with open(sweep_dir / SWEEP_LOG, "a", encoding="utf-8") as log:  # one short append: whole lines
        log.write(line)


def _exit(message: str, status: int) -> None:
    print(message, file=sys.stderr)
    sys.exit(status)


def _lock_job_dir(run_dir: Path) -> DirLock:
    """A sweep job locks its directory: two jobs (or sweeps) never write one directory at once."""
    try:
        return DirLock(run_dir)
    except DirBusyError:
        _exit(f"Error in config: The 'hydra.sweep.dir' override must be a sweep directory no other sweep is "
              f"writing into; the job directory {str(run_dir)!r} is being written by another run. "
              f"Got {str(run_dir.parent)!r} instead.", 2)
        raise  # not reached


def _prepare_job_dir(run_dir: Path, scenario: Config) -> bool:
    """Whether a sweep job has to run: False when its directory already holds this very run.

    A directory holding a finished run of another scenario is refused (it is another run's
    output); one holding an unfinished run is cleared, and the job runs from scratch.
    """
    if has_complete_run(run_dir, scenario):
        return False
    if is_complete(run_dir):
        _exit(f"Error in config: The 'hydra.sweep.dir' override must be a new sweep directory, or one of the same "
              f"sweep to resume it; the job directory {str(run_dir)!r} holds a finished run of another scenario. "
              f"Got {str(run_dir.parent)!r} instead.", 2)
    clear_outputs(run_dir)
    return True


def run_job(cfg: DictConfig) -> None:
    """Run the scenario of one Hydra job and write its run directory.

    In a sweep, a job already completed with the same scenario is skipped (resume); a job left
    incomplete by a killed sweep is run again from scratch; a job whose directory holds a
    finished run of another scenario is refused. A job that fails, is interrupted or cannot
    write its files leaves no outputs behind.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    lock = _lock_job_dir(run_dir) if multirun else None
    try:
        _run_job(cfg, hc, run_dir, multirun)
    except ConfigError as err:
        _discard(run_dir)
        _exit(f"Error in config: {err}", 2)
    except KeyboardInterrupt:
        _discard(run_dir)
        raise
    finally:
        if lock is not None:
            lock.release()


def _run_job(cfg: DictConfig, hc: Any, run_dir: Path, multirun: bool) -> None:
    scenario = to_scenario(cfg)
    estimate = check_fits(scenario)
    extra: dict[str, Any] = {"overrides": list(hc.overrides.task)}
    scenario = with_plots_resolved(scenario, multirun)
    if multirun:
        if not _prepare_job_dir(run_dir, scenario):
            log_finished_job(Path(hc.sweep.dir), run_dir, None)
            return
        # The job number orders the results table as the sweep was defined (first = baseline).
        extra["job_num"] = int(hc.job.num)
    elif (note := notice(estimate)) is not None:
        print(note, file=sys.stderr)
    result = _run_with_progress(scenario, show=not multirun)
    config_path = str(Path(hc.output_subdir) / "config.yaml") if hc.output_subdir else None
    try:
        write_run_dir(result, run_dir, config_path=config_path, extra_record=extra)
    except OSError as err:
        _discard(run_dir)
        where = f" ({err.filename})" if err.filename else ""
        reason = os.strerror(err.errno) if err.errno else str(err)
        _exit(f"Error: cannot write the run directory {str(run_dir)!r}: {reason}{where}. "
              "Nothing of the run was kept.", 1)
    if multirun:  # the sweep's progress bar reports it; its numbers go to the sweep's log
        log_finished_job(Path(hc.sweep.dir), run_dir, result.summary)
        return
    print(f"Run directory: {run_dir}")
    print(format_headline(result.summary))
    print("\n" + "\n".join(headline_answer(result.summary, scenario.output.currency)))
    if (note := _firm_cost_note(scenario, result.extra.get("firm"))) is not None:
        print(note)


def _firm_cost_note(scenario: Config, firm: dict[str, Any] | None) -> str | None:
    """For a calibrated firm, the costs its log does not show that this run left at the default
    firm's amounts (nonzero), so that nobody reads a profit built on another firm's costs as theirs."""
    if not firm:
        return None
    default = Config()
    kept = []
    for key in firm.get("record", {}).get("unknown_costs", []):
        group, name = key.split(".", 1)
        now, was = (getattr(getattr(c, group), name, None) for c in (scenario, default))
        if now and now == was:
            kept.append(f"{key}={now:g}")
    if not kept:
        return None
    return ("Costs a transaction log does not show are still the default firm's (currency units): "
            + ", ".join(kept) + ". Set your own on the command line or in the firm's scenario.yaml.")
