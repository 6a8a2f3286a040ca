"""The Hydra job: turn the composed config into a typed scenario, run it, write its directory.

This is the only module below the entry point that sees Hydra or OmegaConf objects. In a sweep
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

from omegaconf import DictConfig, OmegaConf

from sim.config import Config, validate
from sim.errors import ArgumentError, ConfigError
from sim.runner import run
from sim.output import COMPLETION_FILE, is_complete, write_run_dir

__all__ = ["run_job", "to_scenario", "HEADLINE_KPIS", "format_headline", "ArgumentError", "has_complete_run"]

HEADLINE_KPIS = ("profit", "npv_profit", "customers_acquired", "cac", "retention_rate_annual", "mean_clv")
_HYDRA_ARTIFACTS = {".hydra", "sim.log"}




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
    """Delete half-written files a killed job left behind (``sim.output`` temporaries)."""
    for p in run_dir.glob(".*.tmp"):
        p.unlink(missing_ok=True)
    for p in run_dir.glob(".plots.*"):
        shutil.rmtree(p, ignore_errors=True)


def _check_known_keys(node: Any, schema: Any, prefix: str = "") -> None:
    """Refuse keys the schema does not have (``+customers.typo=1``, ``+_target_=...``).

    Nothing in a scenario is ever instantiated from a class path; an unknown key would only be
    ignored silently, so it is an error.
    """
    if not dataclasses.is_dataclass(schema):
        return
    known = {f.name: f for f in dataclasses.fields(schema)}
    for key in node.keys() if isinstance(node, DictConfig) else ():
        path = f"{prefix}{key}"
        if key not in known:
            raise ConfigError(path, OmegaConf.select(node, str(key), throw_on_missing=False),
                              "absent: it is not a parameter (known here: " + ", ".join(sorted(known)) + ")")
        child = getattr(schema, str(key))
        value = node[key]
        if isinstance(value, DictConfig):
            _check_known_keys(value, child, path + ".")


def to_scenario(cfg: DictConfig) -> Config:
    """The typed, validated scenario of a composed Hydra config."""
    _check_known_keys(cfg, Config())
    scenario = OmegaConf.to_object(cfg)
    assert isinstance(scenario, Config)
    return validate(scenario)


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


def format_headline(summary: dict) -> str:
    """A small aligned table of the headline KPIs."""
    lines = []
    for k in HEADLINE_KPIS:
        v = summary[k]
        if v is None:
            text = "n/a"
        elif k == "retention_rate_annual":
            text = f"{v:.1%}"
        elif isinstance(v, int):
            text = f"{v:,}"
        else:
            text = f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}"
        lines.append(f"  {k:<24}{text:>18}")
    return "\n".join(lines)


def _run_with_progress(scenario: Config, show: bool):
    """Run ``scenario``, with a weekly progress bar and ETA on a terminal."""
    if not show:
        return run(scenario)
    from tqdm import tqdm

    with tqdm(total=scenario.horizon.weeks, unit="week", desc="simulating", leave=False) as bar:
        return run(scenario, on_week=lambda _week: bar.update(1))


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
    if hc.mode == RunMode.MULTIRUN:
        if has_complete_run(run_dir, scenario):
            print(f"Run directory: {run_dir} (already complete, not run again)")
            return
        _remove_stale_temporaries(run_dir)
        # The job number orders the results table as the sweep was defined (first = baseline).
        extra["job_num"] = int(hc.job.num)
    result = _run_with_progress(scenario, show=hc.mode != RunMode.MULTIRUN and sys.stderr.isatty())
    config_path = str(Path(hc.output_subdir) / "config.yaml") if hc.output_subdir else None
    write_run_dir(result, run_dir, config_path=config_path, extra_record=extra)
    print(f"Run directory: {run_dir}")
    print(format_headline(result.summary))
