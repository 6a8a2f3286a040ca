"""Regenerate the example charts of ``docs/reporting.md`` (about two minutes on two cores).

    python docs/charts/regenerate.py [WORKDIR]

Runs the default scenario with the tier programme (20,000 customers, 260 weeks), a small loyalty
sweep at the default size (none, points, tiers x seeds 0-2), and a small Morris sensitivity
study, builds their reports with ``python -m sim.report``, and copies one PNG per chart here,
scaled to 100 dots per inch.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
SMALL_MARKET = ["customers.initial=2000", "market.potential=30000", "horizon.weeks=104",
                "product.fixed_cost_per_week=2000", "acquisition.media_budget_per_week=1200",
                "acquisition.reach_half_budget=2000", "output.plots=false"]


def sh(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, *args], cwd=cwd, check=True)


def save_small(png: Path, name: str) -> None:
    """Save ``png`` here as ``<name>.png`` at 100 dpi (charts are drawn at 150)."""
    image = Image.open(png)
    image.resize((image.width * 2 // 3, image.height * 2 // 3), Image.LANCZOS).save(HERE / f"{name}.png", optimize=True)


def copy_charts(report: Path, names: set[str] | None = None) -> None:
    """Copy the charts of a report here, named after the chart (``03_tornado_1.png`` -> ``tornado.png``)."""
    for chart in json.loads((report / "report.json").read_text())["charts"]:
        png = report / chart["png"]
        name = png.stem.split("_", 1)[1].removesuffix("_1")
        if names is None or name in names:
            save_small(png, name)
            print(f"docs/charts/{name}.png: {chart['headline']}")


def main(work: Path) -> None:
    run_dir, sweep_dir, sens_dir = work / "run", work / "loyalty_shootout", work / "sensitivity"
    sh("-m", "sim", "loyalty=tiers", "output.plots=false", f"hydra.run.dir={run_dir}", cwd=work)
    sh("-m", "sim", "--multirun", "loyalty=none,points,tiers", "seed=range(3)", "output.plots=false",
       f"hydra.sweep.dir={sweep_dir}", "hydra.launcher.n_jobs=2", cwd=work)
    sh("-m", "sim.sensitivity", "--trajectories", "4", "--jobs", "2", "--no-progress", "--out", str(sens_dir),
       *SMALL_MARKET, cwd=work)
    sh("-m", "sim.report", str(run_dir), cwd=work)
    sh("-m", "sim.report", str(sweep_dir), "--sensitivity", str(sens_dir), cwd=work)
    copy_charts(run_dir / "report")
    copy_charts(sweep_dir / "report", {"strategy_comparison", "paired_differences", "spend_and_profit", "tornado"})


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="charts-")))
