"""The Python API is the command line's: ``sim.compose`` gives the scenario ``python -m sim`` runs,
``sim.load_run`` reads a finished run back, and config objects refuse typos and wrong types
when set, with the command line's one-line message."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.config import Config, ConfigError, HorizonConfig

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["customers.initial=400", "market.potential=4000", "horizon.weeks=30", "output.plots=false"]
OVERRIDES = ["loyalty=points", "pricing=premium", *SMALL, "output.transactions=true", "seed=2"]


def cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("api")
    proc = cli([*OVERRIDES, "hydra.run.dir=run"], tmp)
    assert proc.returncode == 0, proc.stderr
    return tmp / "run"


def test_python_route_and_cli_route_give_identical_outputs(cli_run):
    result = sim.run(sim.compose(OVERRIDES))
    loaded = sim.load_run(cli_run)
    assert {k: v for k, v in result.summary.items() if k != "wall_seconds"} == \
        {k: v for k, v in loaded.summary.items() if k != "wall_seconds"}
    for name in ("timeseries", "cohorts", "customers", "segments", "transactions"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(loaded, name), check_exact=True, obj=name)
    assert loaded.config == result.config
    assert loaded.extra["record"]["overrides"] == OVERRIDES


def test_compose_is_the_scenario_of_the_command_line(cli_run):
    """The points programme comes with its setup, fixed and per-member costs from configs/loyalty/points.yaml."""
    recorded = json.loads((cli_run / "run.json").read_text())["config"]
    composed = sim.compose(OVERRIDES)
    assert json.loads(json.dumps(dataclasses.asdict(composed), default=str)) == recorded
    by_hand = Config()
    by_hand.loyalty.name, by_hand.loyalty.schemes = "points", ["points"]
    assert composed.loyalty.fixed_cost_per_week > 0 and composed.loyalty != by_hand.loyalty


def test_load_run_refuses_an_unfinished_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="run.json"):
        sim.load_run(tmp_path)


def test_unknown_attribute_is_refused_with_the_cli_message(tmp_path):
    proc = cli(["+horizon.week=52", "hydra.run.dir=bad"], tmp_path)
    cli_line = proc.stderr.strip().splitlines()[0].removeprefix("Error in config: ")
    cfg = sim.compose([])
    with pytest.raises(ConfigError) as info:
        cfg.horizon.week = 52
    assert str(info.value) == cli_line
    with pytest.raises(ConfigError, match=r"'loyalty.points.earn_rat' parameter must be absent"):
        cfg.loyalty.points.earn_rat = 2.0


@pytest.mark.parametrize("make, fragment", [
    (lambda: Config(horizon={"weeks": 52}), "'horizon' parameter must be a HorizonConfig"),
    (lambda: setattr(Config().horizon, "weeks", "52"), "'horizon.weeks' parameter must be an integer. Got '52'"),
    (lambda: setattr(Config().loyalty, "schemes", "points"), "'loyalty.schemes' parameter must be a list"),
    (lambda: setattr(Config().output, "transactions", 1), "'output.transactions' parameter must be true or false"),
    (lambda: setattr(Config(), "seed", 1.5), "'seed' parameter must be an integer"),
])
def test_wrong_types_are_refused_when_set(make, fragment):
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        make()


def test_right_types_are_accepted_and_paths_follow_the_tree():
    cfg = Config(horizon=HorizonConfig(weeks=52))
    cfg.pricing.list_price = 30  # an integer is a number
    cfg.customers.initial = 1000
    assert cfg.horizon.weeks == 52 and sim.validate(cfg) is cfg
    moved = dataclasses.replace(cfg, seed=3)
    with pytest.raises(ConfigError, match="'horizon.week' parameter"):
        moved.horizon.week = 1
