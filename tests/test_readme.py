"""The README's examples run as written: its Python block, and every command of its Examples and
scenario-library blocks (at a small size: fewer customers, weeks, seeds and trials); its sample
output is what a run prints. ``make run`` and ``make test`` are ``python -m sim`` and this suite."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Small enough for seconds per run, long enough for the scheduled interventions (weeks 52 and 80).
SMALL = ["customers.initial=300", "market.potential=3000", "horizon.weeks=90", "output.plots=false"]
STAMP = "outputs/2026-11-23/19-02-11"  # the run directory the README's examples read


def blocks(lang: str) -> list[str]:
    """The README's fenced code blocks of language ``lang`` ('' for plain blocks)."""
    return [m.group(2) for m in re.finditer(r"```(\w*)\n(.*?)```", README, re.S) if m.group(1) == lang]


def commands(block: str) -> list[list[str]]:
    """The commands of a bash block as argument lists (continuations joined, comments dropped)."""
    return [shlex.split(line, comments=True) for line in block.replace("\\\n", " ").splitlines()
            if shlex.split(line, comments=True)]


def shrink(argv: list[str], library: Path) -> list[str]:
    """A README command at test size, run by this interpreter, with the scenario library in ``library``."""
    argv = [a.replace("file:///srv/acme/scenarios", f"file://{library}") for a in argv]
    module, args = argv[2], argv[3:]
    if module == "sim" and any(a.startswith("firm=") for a in args):  # the firm fixes its own customers
        return [sys.executable, "-m", module, *args, "horizon.weeks=8", "output.plots=false"]
    if module == "sim":
        multirun = "--multirun" in args
        args = [a for a in args if not a.startswith("seed=")] + SMALL
        args += ["seed=range(2)", "hydra.launcher.n_jobs=2"] if multirun else []
    elif module == "sim.optimize":
        args += ["--trials", "2", "--replications", "1", "--no-progress", "--out", "out/optimize", *SMALL]
    elif module == "sim.sensitivity":
        args += ["--trajectories", "2", "--no-progress", "--out", "out/sensitivity", *SMALL]
    elif module == "sim.calibrate":
        args += ["--replications", "4"]
    return [sys.executable, "-m", module, *args]


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """The README's firm scenario library: two experiment files with business names."""
    root = tmp_path_factory.mktemp("acme")
    (root / "experiment").mkdir()
    for name, label, price in (("premium_push", "Premium push", 27.5), ("price_cut", "Price cut (10 %)", 22.5)):
        (root / "experiment" / f"{name}.yaml").write_text(
            f"# @package _global_\nlabel: {label}\npricing:\n  list_price: {price}\n", encoding="utf-8")
    return root


def test_the_readme_blocks_are_the_ones_this_test_runs():
    bash = blocks("bash")
    assert len(bash) == 3 and bash[0].startswith("make run")
    assert [c[:3] for c in commands(bash[1])][-4:] == [["python", "-m", "sim.optimize"],
                                                       ["python", "-m", "sim.sensitivity"],
                                                       ["python", "-m", "sim.calibrate"],
                                                       ["python", "-m", "sim"]]
    assert len(blocks("python")) == 1


@pytest.mark.slow  # about two minutes: three sweeps, their reports, an optimisation, a sensitivity study
@pytest.mark.parametrize("block", [1, 2], ids=["examples", "scenario_library"])
def test_every_readme_command_runs(block, library, tmp_path):
    for argv in commands(blocks("bash")[block]):
        proc = subprocess.run(shrink(argv, library), cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{shlex.join(argv)}\n{proc.stderr[-3000:]}"
        assert "Traceback" not in proc.stderr, shlex.join(argv)
    if block == 2:  # the library's labels reach the report's table
        assert "Price cut (10 %)" in proc.stdout and "Premium push" in proc.stdout


def test_readme_python_block_runs_and_reads_back_a_run(tmp_path, monkeypatch):
    run_dir = tmp_path / STAMP
    proc = subprocess.run([sys.executable, "-m", "sim", *SMALL, f"hydra.run.dir={run_dir}"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(blocks("python")[0], "README.md", "exec"), namespace)
    assert namespace["scenario"].customers.initial == 5000 and namespace["scenario"].loyalty.schemes == ["points"]
    assert namespace["result"].summary["customers_initial"] == 5000
    assert namespace["done"].summary["customers_initial"] == 300 and namespace["done"].config.horizon.weeks == 90


def test_readme_sample_output_is_what_the_default_scenario_prints(tmp_path):
    """The README's sample is the default scenario's output (its numbers exactly, where the numerical
    libraries are those the regression fingerprints were recorded with)."""
    from tests.regression import golden

    sample = next(b for b in blocks("") if b.startswith("Run directory:"))
    proc = subprocess.run([sys.executable, "-m", "sim", "output.plots=false", "hydra.run.dir=run"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout.splitlines()[1:]  # after the run directory's line

    def shape(lines: list[str]) -> list[str]:
        # Numbers and the alignment that depends on their widths set aside.
        return [" ".join(re.sub(r"-?\d[\d,]*(\.\d+)?%?", "N", line).split()) for line in lines]

    assert shape(printed) == shape(sample.splitlines()[1:])
    recorded = json.loads(golden.GOLDEN.read_text())["versions"]
    if golden.versions() == recorded:
        assert printed == sample.splitlines()[1:]
