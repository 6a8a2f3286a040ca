"""Plumbing of the validation studies (``experiments/classic_*``, ``experiments/retention_economics``).

A study composes the real Hydra configs with its overrides (as ``python -m sim`` does), runs
them, writes each run directory, and saves its comparison table as CSV and Markdown. It runs
scenarios and writes run directories, so it sits with the commands, above the models it runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.config import Config, register_configs, validate
from sim.results import RunResult
from sim.rundir import write_run_dir
from sim.runner import run
from sim.scenario import CONFIG_DIR

__all__ = ["CONFIG_DIR", "compose_scenario", "simulate", "markdown_table", "write_table", "study_arguments"]

def compose_scenario(overrides: list[str]) -> Config:
    """The validated scenario that ``python -m sim OVERRIDES`` would run."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides))
    return validate(OmegaConf.to_object(cfg))


def simulate(overrides: list[str], run_dir: Path | None = None) -> RunResult:
    """Run the scenario of ``overrides``; write its run directory to ``run_dir`` when given (no plots)."""
    result = run(compose_scenario([*overrides, "output.plots=false"]))
    if run_dir is not None:
        write_run_dir(result, Path(run_dir), extra_record={"overrides": list(overrides)})
    return result


def markdown_table(table: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub Markdown table; floats with ``digits`` significant digits."""

    def cell(value) -> str:
        if isinstance(value, float) and value != value:  # NaN: no value
            return ""
        if isinstance(value, float):
            return f"{value:.{digits}g}"
        return str(value)

    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * table.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def write_table(table: pd.DataFrame, out_dir: Path, name: str, digits: int = 4) -> Path:
    """Write ``name.csv`` and ``name.md`` into ``out_dir``; return the Markdown path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_dir / f"{name}.csv", index=False)
    path = out_dir / f"{name}.md"
    path.write_text(markdown_table(table, digits), encoding="utf-8")
    return path


def study_arguments(doc: str, default_out: Path) -> argparse.Namespace:
    """Command line of a study: ``--out`` (tables and figure) and ``--runs`` (run directories)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out, help=f"tables and figure (default {default_out})")
    parser.add_argument("--runs", type=Path, default=Path("outputs") / default_out.name,
                        help="where the run directories go (default outputs/<study>)")
    return parser.parse_args()
