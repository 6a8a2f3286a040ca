"""Sweeps respect the user's time: no per-run plots unless asked, per-job output in the sweep's
log rather than across its progress bar, and progress as plain lines when there is no terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import sim
from sim.progress import TextProgress, progress_bar
from sim.scenario import with_plots_resolved

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["customers.initial=300", "market.potential=3000", "horizon.weeks=12"]


def run_sim(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIM_PROGRESS_SECONDS": "0"}
    proc = subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def test_sweep_without_a_terminal_prints_progress_lines_and_logs_each_run(tmp_path):
    sweep = tmp_path / "sweep"
    proc = run_sim(["--multirun", "loyalty=none,points", "seed=0,1", *SMALL, f"hydra.sweep.dir={sweep}",
                    "hydra.launcher.n_jobs=2"], tmp_path)
    assert "sweep: 4/4 runs (100%)" in proc.stderr and "\r" not in proc.stderr
    assert "npv_profit" not in proc.stdout and "Winning a customer" not in proc.stdout  # no per-job blocks
    log = (sweep / "sweep.log").read_text().splitlines()
    assert len(log) == 4 and all("npv_profit" in line and "seed=" in line for line in log)
    runs = [d for d in sweep.iterdir() if (d / "run.json").is_file()]
    assert len(runs) == 4 and not any((d / "plots").exists() for d in runs)  # plots off in a sweep
    again = run_sim(["--multirun", "loyalty=none,points", "seed=0,1", *SMALL, f"hydra.sweep.dir={sweep}"], tmp_path)
    assert "already complete" not in again.stdout
    assert sum("already complete" in line for line in (sweep / "sweep.log").read_text().splitlines()) == 4


def test_plots_are_on_in_a_sweep_when_asked_and_in_a_single_run_by_default(tmp_path):
    run_sim(["--multirun", "seed=0", *SMALL, "output.plots=true", f"hydra.sweep.dir={tmp_path / 'sweep'}"], tmp_path)
    (run_dir,) = [d for d in (tmp_path / "sweep").iterdir() if (d / "run.json").is_file()]
    assert (run_dir / "plots").is_dir()
    scenario = sim.compose(SMALL)
    assert scenario.output.plots is None
    assert with_plots_resolved(scenario, multirun=False).output.plots is True
    assert with_plots_resolved(scenario, multirun=True).output.plots is False


def test_single_run_without_a_terminal_prints_progress_lines(tmp_path):
    proc = run_sim([*SMALL, "output.plots=false", "hydra.run.dir=run"], tmp_path)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("simulating:")]
    assert lines and lines[-1].startswith("simulating: 12/12 weeks (100%)") and "\r" not in proc.stderr
    assert "elapsed" in lines[-1]


def test_text_progress_writes_at_its_interval_and_once_at_the_end():
    out = io.StringIO()
    bar = TextProgress(100, "work", "item", interval=3600, file=out)
    for _ in range(100):
        bar.update()
    bar.close()
    assert out.getvalue().splitlines() == [out.getvalue().splitlines()[-1]]
    assert out.getvalue().startswith("work: 100/100 items (100%), 0s elapsed")
    assert isinstance(progress_bar(10, "x", "run", file=io.StringIO()), TextProgress)  # not a terminal
