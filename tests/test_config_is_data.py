"""Configs are data: no config or override makes ``python -m sim`` instantiate, import or write anything the
project does not ship (issue 21, point 1), and no scenario value reads the environment.

The attacks are the ones the probes found (a callback whose ``_target_`` is ``pathlib.Path.write_text`` or
``builtins.open``, given in a YAML file through ``--config-dir/--config-name`` or as a ``+hydra.callbacks``
override) and their variants in the launcher, the sweeper, the scenario, logging and the job's environment.
Each must end with exit 2, one line naming the key, its value and what is allowed, no file written and no run
directory. The in-process tests check :func:`sim.safeconfig.check_config_is_data` on every shipped option.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.errors import ConfigError
from sim.safeconfig import ALLOWED_TARGETS, check_config_is_data, check_scenario_resolvers

SMALL = ["customers.initial=50", "market.potential=300", "horizon.weeks=3", "output.plots=false"]


def run_sim(args: list[str], cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env=env)


def assert_refused(proc: subprocess.CompletedProcess, needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error in config: "), proc.stderr
    assert needle in lines[0], proc.stderr


def _callback_yaml(target: str, victim: Path) -> str:
    args = {"pathlib.Path.write_text": f"      self: {victim}\n      data: pwned\n",
            "builtins.open": f"      file: {victim}\n      mode: w\n"}[target]
    return ("defaults:\n  - config\n  - _self_\n\nhydra:\n  callbacks:\n    evil:\n"
            f"      _target_: {target}\n" + args)


@pytest.mark.parametrize("target", ["pathlib.Path.write_text", "builtins.open"])
def test_shared_scenario_file_with_a_writing_callback_is_refused_and_writes_nothing(tmp_path, target):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "scenario.yaml").write_text(_callback_yaml(target, victim))
    proc = run_sim(["--config-dir", str(shared), "--config-name", "scenario", *SMALL, "hydra.run.dir=out/run"],
                   tmp_path)
    assert_refused(proc, "'hydra.callbacks.evil._target_' parameter must be one of 'sim.sweep.SweepCallback'")
    assert target in proc.stderr
    assert victim.read_text() == "precious"  # neither written nor truncated
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "overrides, key",
    [
        (["+hydra.callbacks.evil._target_=pathlib.Path.write_text", "+hydra.callbacks.evil.self={victim}",
          "+hydra.callbacks.evil.data=pwned"], "hydra.callbacks.evil._target_"),
        (["hydra.callbacks.sweep._target_=builtins.open", "+hydra.callbacks.sweep.file={victim}",
          "+hydra.callbacks.sweep.mode=w"], "hydra.callbacks.sweep._target_"),
        (["hydra.launcher._target_=builtins.open", "+hydra.launcher.file={victim}"], "hydra.launcher._target_"),
        (["hydra.sweeper._target_=os.system"], "hydra.sweeper._target_"),
        (["+hydra.job_logging.handlers.evil.class=logging.handlers.SocketHandler"],
         "hydra.job_logging.handlers.evil.class"),
        (["+hydra.job.env_set.LD_PRELOAD=/tmp/evil.so"], "hydra.job.env_set"),
        (["hydra.output_subdir=/tmp"], "hydra.output_subdir"),
        (["hydra.job.name=../../escape"], "hydra.job.name"),
    ],
)
def test_code_in_hydra_settings_is_refused_before_anything_runs(tmp_path, overrides, key):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    args = [o.replace("{victim}", str(victim)) for o in overrides]
    proc = run_sim([*SMALL, *args, "hydra.run.dir=out/run"], tmp_path)
    assert_refused(proc, f"'{key}' parameter must be")
    assert victim.read_text() == "precious"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "section, key",
    [
        ("hydra:\n  job_logging:\n    handlers:\n      file:\n        filename: {victim}\n",
         "hydra.job_logging.handlers.file.filename"),
        ("hydra:\n  job_logging:\n    formatters:\n      evil:\n        (): os.system\n",
         "hydra.job_logging.formatters.evil.()"),
        ("hydra:\n  hydra_logging:\n    handlers:\n      evil:\n        class: logging.FileHandler\n"
         "        filename: {victim}\n", "hydra.hydra_logging.handlers.evil.filename"),
        ("hydra:\n  sweeper:\n    _target_: builtins.exec\n", "hydra.sweeper._target_"),
        ("market:\n  evil:\n    _target_: builtins.open\n    file: {victim}\n", "market.evil"),
        ("hydra:\n  searchpath:\n    - pkg://os\n", "hydra.searchpath[0]"),
    ],
)
def test_code_in_a_shared_scenario_file_is_refused(tmp_path, section, key):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "scenario.yaml").write_text("defaults:\n  - config\n  - _self_\n\n" + section.format(victim=victim))
    proc = run_sim(["--config-dir", str(shared), "--config-name", "scenario", *SMALL, "hydra.run.dir=out/run"],
                   tmp_path)
    assert_refused(proc, f"'{key}' parameter must be")
    assert victim.read_text() == "precious"
    assert not (tmp_path / "out").exists()


def test_a_sweep_with_a_writing_callback_is_refused_before_any_job(tmp_path):
    victim = tmp_path / "victim.txt"
    proc = run_sim(["--multirun", *SMALL, "seed=0,1", "+hydra.callbacks.evil._target_=pathlib.Path.touch",
                    f"+hydra.callbacks.evil.self={victim}", "hydra.sweep.dir=sweep"], tmp_path)
    assert_refused(proc, "'hydra.callbacks.evil._target_'")
    assert not victim.exists() and not (tmp_path / "sweep").exists()


@pytest.mark.parametrize(
    "override, env",
    [
        ("pricing.list_price=${oc.env:HOME}", {}),
        ("pricing.list_price=${oc.env:SIM_TEST_UNSET_VARIABLE}", {}),
        ("pricing.list_price=${oc.env:SIM_TEST_SECRET,20}", {"SIM_TEST_SECRET": "31.5"}),
        ("seed=${now:%s}", {}),
        ("+customers.note=${hydra:runtime.cwd}", {}),
    ],
)
def test_scenario_reading_the_environment_is_refused_and_no_value_is_recorded(tmp_path, override, env):
    proc = run_sim([*SMALL, override, "hydra.run.dir=out/run"], tmp_path, env)
    key = override.split("=", 1)[0].lstrip("+")
    assert_refused(proc, f"'{key}' parameter must be a value, or an interpolation of other scenario values")
    assert "31.5" not in proc.stderr and str(Path.home()) not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_interpolation_key_is_one_line_and_leaves_no_run_dir(tmp_path):
    proc = run_sim([*SMALL, "pricing.list_price=${nope.price}", "hydra.run.dir=out/run"], tmp_path)
    assert_refused(proc, "'pricing.list_price' parameter must be an interpolation of an existing scenario value")
    assert not (tmp_path / "out").exists()


def test_an_interpolation_of_another_scenario_value_still_runs(tmp_path):
    proc = run_sim([*SMALL, "market.potential=${customers.initial}", "customers.initial=300",
                    "hydra.run.dir=out/run", "output.plots=false"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "run" / "run.json").is_file()


# ------------------------------------------------------------------------------------------------ in process


def _composed(overrides: list[str], multirun: bool = False):
    from hydra._internal.utils import get_args_parser

    from sim.config import register_configs
    from sim.preflight import _compose, _hydra_for

    register_configs()
    args = get_args_parser().parse_args((["--multirun"] if multirun else []) + overrides)
    from hydra.core.global_hydra import GlobalHydra

    try:
        return _compose(_hydra_for(args), args)[0]
    finally:
        GlobalHydra.instance().clear()


@pytest.mark.parametrize("launcher", [None, "hydra/launcher=slurm", "hydra/launcher=submitit_local",
                                      "hydra/launcher=submitit_slurm", "hydra/launcher=basic"])
def test_every_shipped_launcher_passes(launcher):
    from sim.preflight import _shipped_setup

    cfg = _composed(["seed=0,1"] + ([launcher] if launcher else []), multirun=True)
    check_config_is_data(cfg, _shipped_setup())  # does not raise
    target = cfg.hydra.launcher._target_
    assert target in ALLOWED_TARGETS["hydra.launcher"]


def test_a_target_anywhere_in_the_scenario_is_refused():
    cfg = OmegaConf.create({"market": {"competitors": [{"name": "a", "x": {"_target_": "os.system"}}]}})
    with pytest.raises(ConfigError) as info:
        check_config_is_data(cfg)
    assert info.value.field_path == "market.competitors[0].x._target_"
    assert "absent" in info.value.allowed


def test_resolvers_are_checked_without_resolving_anything(monkeypatch):
    calls = []
    OmegaConf.register_new_resolver("sim_test_spy", lambda: calls.append(1) or 1, replace=True)
    cfg = OmegaConf.create({"seed": "${sim_test_spy:}", "hydra": {"x": "${oc.env:HOME}"}})
    with pytest.raises(ConfigError) as info:
        check_scenario_resolvers(cfg)
    assert info.value.field_path == "seed" and calls == []
    # The hydra section may read its runtime (run directories use ${now:...}).
    check_scenario_resolvers(OmegaConf.create({"seed": 1, "hydra": {"run": {"dir": "${now:%H}"}}}))
