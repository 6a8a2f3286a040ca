"""The Hydra job: turn the composed config into a typed scenario, run it, write its directory.

The composed config becomes a scenario in :mod:`sim.scenario`; this module reads Hydra's
runtime (run directory, overrides, mode) and writes the run directory (:mod:`sim.rundir`). In a sweep
(``--multirun``) a job whose directory already holds a complete run of the same scenario is not
run again, so a sweep restarted with the same command (same ``hydra.sweep.dir``) resumes.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.config import Config
from sim.errors import ConfigError
from sim.io import COMPLETION_FILE, is_complete
from sim.progress import progress_bar
from sim.report.headline import HEADLINE_KPIS, format_headline, headline_answer
from sim.rundir import write_run_dir
from sim.runner import run
from sim.scenario import to_scenario

__all__ = ["run_job", "to_scenario", "HEADLINE_KPIS", "format_headline", "has_complete_run", "SWEEP_LOG",
           "with_plots_resolved", "log_finished_job"]

_HYDRA_ARTIFACTS = {".hydra", "sim.log"}
#: The sweep's log: one line per finished job (in the sweep directory).
SWEEP_LOG = "sweep.log"


def _remove_fresh_run_dir(run_dir: Path) -> None:
    """Remove what Hydra created for a job that failed validation, and nothing else.

    Only a directory holding nothing but Hydra's own files is removed; then empty parents up to
    the working directory (Hydra's dated folders).
    """
    if not run_dir.is_dir() or any(p.name not in _HYDRA_ARTIFACTS for p in run_dir.iterdir()):
        return
    shutil.rmtree(run_dir)
    cwd = Path.cwd().resolve()
    parent = run_dir.resolve().parent
    while parent != cwd and cwd in parent.parents and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _remove_stale_temporaries(run_dir: Path) -> None:
    """Delete half-written files a killed job left behind (:mod:`sim.rundir` temporaries)."""
    for p in run_dir.glob(".*.tmp"):
        p.unlink(missing_ok=True)
    for p in run_dir.glob(".plots.*"):
        shutil.rmtree(p, ignore_errors=True)


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


def with_plots_resolved(scenario: Config, multirun: bool) -> Config:
    """``output.plots`` None means: plots for a single run, none for the runs of a sweep."""
    if scenario.output.plots is not None:
        return scenario
    return dataclasses.replace(scenario, output=dataclasses.replace(scenario.output, plots=not multirun))


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


def run_job(cfg: DictConfig) -> None:
    """Run the scenario of one Hydra job and write its run directory.

    In a sweep, a job already completed with the same scenario is skipped (resume); a job left
    incomplete by a killed sweep is run again from scratch.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    try:
        scenario = to_scenario(cfg)
    except ConfigError as err:
        _remove_fresh_run_dir(run_dir)
        print(f"Error in config: {err}", file=sys.stderr)
        sys.exit(2)
    extra: dict[str, Any] = {"overrides": list(hc.overrides.task)}
    multirun = hc.mode == RunMode.MULTIRUN
    scenario = with_plots_resolved(scenario, multirun)
    if multirun:
        if has_complete_run(run_dir, scenario):
            log_finished_job(Path(hc.sweep.dir), run_dir, None)
            return
        _remove_stale_temporaries(run_dir)
        # The job number orders the results table as the sweep was defined (first = baseline).
        extra["job_num"] = int(hc.job.num)
    result = _run_with_progress(scenario, show=not multirun)
    config_path = str(Path(hc.output_subdir) / "config.yaml") if hc.output_subdir else None
    write_run_dir(result, run_dir, config_path=config_path, extra_record=extra)
    if multirun:  # the sweep's progress bar reports it; its numbers go to the sweep's log
        log_finished_job(Path(hc.sweep.dir), run_dir, result.summary)
        return
    print(f"Run directory: {run_dir}")
    print(format_headline(result.summary))
    print("\n" + "\n".join(headline_answer(result.summary, scenario.output.currency)))
