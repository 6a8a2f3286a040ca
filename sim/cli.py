"""The Hydra job: turn the composed config into a typed scenario, run it, write its directory.

This is the only module below the entry point that sees Hydra or OmegaConf objects.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.config import Config, ConfigError, validate
from sim.engine import run
from sim.output import write_run_dir

__all__ = ["run_job", "HEADLINE_KPIS", "format_headline"]

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


def to_scenario(cfg: DictConfig) -> Config:
    """The typed, validated scenario of a composed Hydra config."""
    scenario = OmegaConf.to_object(cfg)
    assert isinstance(scenario, Config)
    return validate(scenario)


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


def run_job(cfg: DictConfig) -> None:
    """Run the scenario of one Hydra job and write its run directory."""
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    try:
        scenario = to_scenario(cfg)
    except ConfigError as err:
        _remove_fresh_run_dir(run_dir)
        print(f"Error in config: {err}", file=sys.stderr)
        sys.exit(2)
    result = run(scenario)
    config_path = str(Path(hc.output_subdir) / "config.yaml") if hc.output_subdir else None
    write_run_dir(result, run_dir, config_path=config_path,
                  extra_record={"overrides": list(hc.overrides.task)})
    print(f"Run directory: {run_dir}")
    print(format_headline(result.summary))
