"""Launchers and extras: a missing optional package names the extra that installs it, the Ray
launcher composes for a running cluster, and Ctrl-C ends a long command with one line on resuming."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from sim.config import register_configs
from sim.errors import ArgumentError, MissingExtraError
from sim.sensitivity import main as sensitivity_main
from sim.sweep import CONFIG_DIR, absolute_sweep_dir, check_launcher
from tests.conftest import interruptible


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


RAY = _installed("hydra_plugins.hydra_ray_launcher")


def test_sensitivity_without_salib_names_the_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "SALib", None)  # import SALib now raises ImportError
    assert sensitivity_main(["--out", str(tmp_path / "s")]) == 2
    assert capsys.readouterr().err == ("Error: python -m sim.sensitivity needs the optional package 'SALib', which "
                                       "is not installed: pip install 'customer-sim[sensitivity]'\n")


@pytest.mark.parametrize(("launcher", "extra"), [("slurm", "cluster"), ("submitit_local", "cluster"),
                                                 ("ray_cluster", "ray")])
def test_a_cluster_launcher_without_its_plugin_names_the_extra(monkeypatch, launcher, extra):
    for module in ("hydra_plugins.hydra_submitit_launcher", "hydra_plugins.hydra_ray_launcher"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingExtraError, match=rf"^hydra/launcher={launcher} needs .* pip install "
                                                rf"'customer-sim\[{extra}\]'$"):
        check_launcher(["--multirun", f"hydra/launcher={launcher}", "seed=0,1"])
    check_launcher(["--multirun", "hydra/launcher=joblib", "seed=0,1"])  # built in: nothing to check


def test_a_relative_sweep_dir_on_ray_is_taken_from_the_current_directory(tmp_path):
    sweep = ["--multirun", "hydra/launcher=ray_cluster", "seed=0,1"]
    assert absolute_sweep_dir([*sweep, "hydra.sweep.dir=multirun/a"], tmp_path) == [
        *sweep, f"hydra.sweep.dir={tmp_path / 'multirun' / 'a'}"]
    assert absolute_sweep_dir([*sweep, "hydra.sweep.dir=/shared/a"], tmp_path) == [*sweep, "hydra.sweep.dir=/shared/a"]
    # A Ray worker runs in a directory of its own: the relative default would scatter the runs.
    with pytest.raises(ArgumentError, match=r"^The 'hydra.sweep.dir' override must be given with "
                                            r"hydra/launcher=ray_cluster, "):
        absolute_sweep_dir(sweep, tmp_path)
    local = ["--multirun", "seed=0,1", "hydra.sweep.dir=multirun/a"]
    assert absolute_sweep_dir(local, tmp_path) == local  # other launchers: as given
    assert absolute_sweep_dir(["hydra/launcher=ray_cluster", "seed=0"], tmp_path) == ["hydra/launcher=ray_cluster",
                                                                                        "seed=0"]  # no sweep


@pytest.mark.skipif(RAY, reason="the ray extra is installed here")
def test_the_ray_launcher_without_the_extra_is_one_line_and_exit_status_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "--multirun", "hydra/launcher=ray_cluster", "seed=0,1",
                           f"hydra.sweep.dir={tmp_path / 'sweep'}"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == ("Error in config: hydra/launcher=ray_cluster needs the optional package "
                           "'hydra_ray_launcher', which is not installed: pip install 'customer-sim[ray]'\n")
    assert not (tmp_path / "sweep").exists()


@pytest.mark.skipif(not RAY, reason="needs the ray extra (pip install -e '.[ray]')")
def test_ray_cluster_launcher_joins_a_running_cluster_without_sizing_its_object_store():
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["hydra/launcher=ray_cluster"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("RayLauncher")
    assert launcher.ray.init.address == "auto"
    # Ray refuses an object store size when joining a running cluster.
    assert "object_store_memory" in launcher.ray.init and launcher.ray.init.object_store_memory is None
    assert launcher.ray.remote.num_cpus == 1


def _interrupt(args: list[str], cwd: Path, ready: Path) -> subprocess.CompletedProcess:
    """Run ``python -m sim ARGS``, press Ctrl-C once ``ready`` exists, and return what it printed."""
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_ctrl_c_in_a_sweep_ends_with_one_line_on_how_to_resume(tmp_path):
    sweep = tmp_path / "sweep"
    proc = _interrupt(["--multirun", "seed=range(6)", "customers.initial=20000", "horizon.weeks=520",
                       f"hydra.sweep.dir={sweep}", "hydra.launcher.n_jobs=1"], tmp_path, sweep / "multirun.yaml")
    assert proc.returncode == 130, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    last = proc.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("Interrupted") and "the same command" in last and "resume" in last


@pytest.mark.slow
@pytest.mark.skipif(not RAY, reason="needs the ray extra (pip install -e '.[ray]')")
def test_a_sweep_on_a_local_ray_head_gives_the_joblib_table(tmp_path):
    """Start a Ray head (only this test's: --block, stopped with it), sweep on it, compare with joblib.

    The head runs in a directory of its own, and so do its workers: the sweep's relative directory
    is still the one beside the command.
    """
    import socket

    import pandas as pd

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Ray's own command, by this interpreter: a `ray` on PATH may be missing (venv not activated) or another's.
    (tmp_path / "head").mkdir()
    head = subprocess.Popen([sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block",
                             f"--port={port}", "--num-cpus=2", "--include-dashboard=false"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path / "head")
    sweep = ["--multirun", "loyalty=none,points", "seed=0,1", "customers.initial=300", "market.potential=1500",
             "horizon.weeks=26"]
    try:
        time.sleep(10)  # the head's processes start
        ray_dir = tmp_path / "ray"
        on_ray = subprocess.run([sys.executable, "-m", "sim", *sweep, "hydra/launcher=ray_cluster",
                                 f"hydra.launcher.ray.init.address=127.0.0.1:{port}", "hydra.sweep.dir=ray"],
                                capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    finally:
        head.terminate()
        head.wait(timeout=60)
    local = subprocess.run([sys.executable, "-m", "sim", *sweep, f"hydra.sweep.dir={tmp_path / 'local'}"],
                           capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert local.returncode == 0, local.stderr[-3000:]
    a, b = (pd.read_parquet(d / "results.parquet").drop(columns="wall_seconds") for d in (ray_dir, tmp_path / "local"))
    assert len(a) == 4
    pd.testing.assert_frame_equal(a, b)
