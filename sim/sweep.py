"""Running many scenarios: sweep job directories, resume, progress, and in-process batches.

There are two ways to run many scenarios.

* A Hydra sweep, ``python -m sim --multirun loyalty=none,points seed='range(10)'``. Each job's
  directory is named after its overrides (:func:`job_dir_name`, the ``sim.job_dir`` resolver
  behind ``hydra.sweep.subdir``), not after its job number, so a sweep restarted with the same
  ``hydra.sweep.dir`` finds every finished job again whatever order the launcher runs them in
  (:func:`sim.cli.run_job` then skips it). :class:`SweepCallback` shows a progress bar while the
  sweep runs and writes the results table when it ends.
* In-process batches, for optimisation and sensitivity analysis: :func:`compose_scenario` (from
  :mod:`sim.scenario`) builds a validated scenario from overrides exactly as the command line
  does, and :func:`run_scenarios` runs a list of scenarios on joblib workers and returns their
  KPIs.

Runs are pure functions of their config, so neither the launcher nor the number of workers
changes any result (only ``wall_seconds``).
"""

from __future__ import annotations

import hashlib
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.config import Config
from sim.io import is_complete
from sim.progress import progress_bar
from sim.scenario import CONFIG_DIR, check_group_overrides, compose_config, compose_scenario

__all__ = [
    "CONFIG_DIR",
    "SUBDIR_INTERPOLATION",
    "job_dir_name",
    "expected_jobs",
    "SweepCallback",
    "check_group_overrides",
    "compose_config",
    "compose_scenario",
    "run_scenarios",
]

#: ``hydra.sweep.subdir`` in ``configs/config.yaml``: a job directory named after its overrides.
SUBDIR_INTERPOLATION = "${sim.job_dir:${hydra.overrides.task}}"

_MAX_NAME = 200  # bytes; file systems allow 255 per path component
_UNSAFE = re.compile(r"[^A-Za-z0-9._,=+@-]")
_BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"


def job_dir_name(overrides: Iterable[str]) -> str:
    """The directory name of the sweep job with these overrides.

    Overrides are sorted by key (``seed`` last, so replications sit together), joined with
    commas, and characters that are unsafe in a file name are replaced by ``_``. If anything was
    replaced, or the name is too long, a short hash of the exact overrides is appended, so
    distinct jobs never share a directory. The name depends only on the set of overrides: not
    on the job number, the launcher, or the order given on the command line.

    Parameters
    ----------
    overrides : iterable of str
        The job's task overrides, e.g. ``["loyalty=points", "seed=3"]``.

    Returns
    -------
    str
        E.g. ``"loyalty=points,seed=3"``; ``"default"`` for a job without overrides.
    """
    items = sorted(str(o) for o in overrides)
    if not items:
        return "default"
    items.sort(key=lambda o: o.split("=", 1)[0].lstrip("+~") == "seed")
    exact = ",".join(items)
    safe = _UNSAFE.sub("_", exact)
    if safe != exact or len(safe.encode()) > _MAX_NAME:
        digest = hashlib.sha1(exact.encode()).hexdigest()[:12]
        safe = f"{safe[: _MAX_NAME - len(digest) - 1]}-{digest}"
    return safe


def _job_dir_resolver(overrides: ListConfig | Sequence[str]) -> str:
    return job_dir_name(list(overrides))


# Registered on import: Hydra resolves ``hydra.sweep.subdir`` inside each job's process, and the
# job's callbacks (this module's SweepCallback) are unpickled there first.
OmegaConf.register_new_resolver("sim.job_dir", _job_dir_resolver, replace=True)


def expected_jobs(config: DictConfig) -> list[list[str]] | None:
    """The task overrides of every job Hydra's basic sweeper will launch for ``config``.

    Mirrors :meth:`BasicSweeper.sweep`: ``hydra.sweeper.params`` first, then the command-line
    overrides. Returns None for other sweepers and for sweeps it cannot expand without the
    config loader (``glob``).
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    if OmegaConf.select(config, "hydra.sweeper._target_") != _BASIC_SWEEPER:
        return None
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    args = [f"{k}={v}" for k, v in params.items()] + list(config.hydra.overrides.task)
    try:
        overrides = OverridesParser.create().parse_overrides(args)
        batches = BasicSweeper.split_arguments(overrides, None)
    except (HydraException, ValueError):
        return None
    return [list(job) for batch in batches for job in batch]


class _Progress:
    """A tqdm bar with ETA counting complete run directories, polled from a daemon thread."""

    def __init__(self, run_dirs: list[Path], poll_seconds: float):
        self._pending = [d for d in run_dirs if not is_complete(d)]
        done = len(run_dirs) - len(self._pending)
        # Shown after a second, below the launcher's own lines; plain lines without a terminal.
        self._bar = progress_bar(len(run_dirs), "sweep", "run", initial=done, delay=1.0)
        self._poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sim-sweep-progress", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        pending = [d for d in self._pending if not is_complete(d)]
        if len(pending) != len(self._pending):
            self._bar.update(len(self._pending) - len(pending))
            self._pending = pending

    def _loop(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            self._poll()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()
        self._bar.close()


class SweepCallback(Callback):
    """Progress bar during a sweep and the results table after it (``hydra.callbacks.sweep``).

    Parameters
    ----------
    progress : bool
        Show a progress bar with ETA, counting finished run directories (jobs finished before a
        restart count as done from the start).
    collect : bool
        Write ``results.parquet`` in the sweep directory when the sweep ends.
    poll_seconds : float
        How often the bar looks for finished runs (seconds).
    """

    def __init__(self, progress: bool = True, collect: bool = True, poll_seconds: float = 0.5):
        self.progress = progress
        self.collect = collect
        self.poll_seconds = poll_seconds
        self._bar: _Progress | None = None

    # The callback travels to every job process with Hydra's context; the bar stays home.
    def __getstate__(self) -> dict[str, Any]:
        return {"progress": self.progress, "collect": self.collect, "poll_seconds": self.poll_seconds}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Start the progress bar when the job directories are predictable."""
        if not self.progress:
            return
        subdir = OmegaConf.to_container(config.hydra.sweep, resolve=False).get("subdir")
        jobs = expected_jobs(config) if subdir == SUBDIR_INTERPOLATION else None
        if jobs:
            sweep_dir = Path(str(config.hydra.sweep.dir))
            self._bar = _Progress([sweep_dir / job_dir_name(j) for j in jobs], self.poll_seconds)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Close the bar and write ``results.parquet``."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if not self.collect:
            return
        from sim.analysis.collect import RESULTS_FILE, collect

        sweep_dir = Path(str(config.hydra.sweep.dir))
        table = collect(sweep_dir)
        print(f"Results table: {sweep_dir / RESULTS_FILE} ({len(table)} runs). "
              f"Compare scenarios with: python -m sim.report {sweep_dir}")


def _summary(scenario: Config) -> dict[str, Any]:
    from sim.runner import run

    return run(scenario).summary


def run_scenarios(scenarios: Sequence[Config], *, n_jobs: int = 1, desc: str | None = None,
                  progress: bool = True) -> list[dict[str, Any]]:
    """Run scenarios (in parallel on ``n_jobs`` joblib workers) and return their KPI dicts.

    Only the summaries travel back from the workers, so memory stays small. The results are in
    the order of ``scenarios`` and do not depend on ``n_jobs``.

    Parameters
    ----------
    scenarios : sequence of Config
        Validated scenarios.
    n_jobs : int
        Worker processes (``-1``: one per core; ``1``: run in this process).
    desc : str, optional
        Label of the progress bar.
    progress : bool
        Show a progress bar with ETA.
    """
    from joblib import Parallel, delayed
    from tqdm import tqdm

    out: list[dict[str, Any]] = []
    with tqdm(total=len(scenarios), desc=desc, unit="run", file=sys.stderr, disable=not progress,
              mininterval=1.0, dynamic_ncols=True) as bar:
        if n_jobs == 1:
            for s in scenarios:
                out.append(_summary(s))
                bar.update()
        else:
            for summary in Parallel(n_jobs=n_jobs, return_as="generator")(delayed(_summary)(s) for s in scenarios):
                out.append(summary)
                bar.update()
    return out


def run_named_experiment(name: str, kpis: Sequence[str], argv: Sequence[str], baseline: str | None = None,
                         derive=None, sweep_dir: Path | None = None, compare=None, out: Path | None = None) -> Path:
    """Run (or resume) the sweep of ``experiment=name`` under ``multirun/<name>`` and print its table.

    Parameters
    ----------
    name : str
        The experiment file in ``configs/experiment/``.
    kpis : sequence of str
        KPI columns of the comparison table.
    argv : sequence of str
        Extra overrides for the sweep (e.g. ``hydra.launcher.n_jobs=4``).
    baseline : str, optional
        The scenario the others are compared with (default: the first of the sweep).
    derive : callable, optional
        Adds derived columns to the results table before the comparison.
    sweep_dir : Path, optional
        Where the sweep runs (default ``multirun/<name>`` in the project).
    compare : tuple of two str, or callable, optional
        Two strategies as override lists (``"loyalty=none"``, ``"loyalty=points"``), or a function
        of the results table that names them (e.g. the two best cells): after the sweep, whether
        the better of the two stays better over the priors of the behavioural
        assumptions (``python -m sim.sensitivity --priors --compare A B``, Morris, written to
        ``<sweep dir>/robustness/``, where ``python -m sim.report`` finds it). Skipped when that
        study is already there.
    out : Path, optional
        A folder (the experiment's own) that receives ``table.md`` and, with ``compare``,
        ``robustness.md``: what the README quotes.

    Returns
    -------
    Path
        The sweep directory, holding ``results.parquet`` and ``comparison.csv``.
    """
    import subprocess

    from sim.analysis.collect import collect
    from sim.report.table import comparison_table, format_table

    root = CONFIG_DIR.parent
    sweep_dir = Path(sweep_dir) if sweep_dir is not None else root / "multirun" / name
    subprocess.run([sys.executable, "-m", "sim", "--multirun", f"experiment={name}", f"hydra.sweep.dir={sweep_dir}",
                    *argv], cwd=root, check=True)
    results = collect(sweep_dir)
    if derive is not None:
        results = derive(results)
    table = comparison_table(results, kpis, baseline=baseline) if baseline else comparison_table(results, kpis)
    table.to_csv(sweep_dir / "comparison.csv", index=False)
    text = format_table(table)
    print(text)
    robustness = None if compare is None else _robustness(
        compare(results) if callable(compare) else compare, argv, sweep_dir / "robustness")
    if robustness is not None:
        print("\n" + robustness)
    if out is not None:
        (out / "table.md").write_text("```\n" + text.strip() + "\n```\n", encoding="utf-8")
        if robustness is not None:
            (out / "robustness.md").write_text(robustness, encoding="utf-8")
    return sweep_dir


def _robustness(compare: Sequence[str], argv: Sequence[str], where: Path) -> str:
    """``robustness.md`` of the study over the priors of ``compare`` (run into ``where`` unless there)."""
    import subprocess

    from sim.analysis.robustness import ROBUSTNESS_MD

    if not (where / ROBUSTNESS_MD).is_file():
        # The sweep's own overrides (not Hydra's settings) are the study's base scenario.
        base = [a for a in argv if not a.startswith(("hydra.", "hydra/", "seed="))]
        subprocess.run([sys.executable, "-m", "sim.sensitivity", *base, "--priors", "--compare", *compare,
                        "--out", str(where), "--jobs", "-1", "--no-progress"], cwd=CONFIG_DIR.parent, check=True)
    return (where / ROBUSTNESS_MD).read_text(encoding="utf-8")


#: Launchers (``hydra/launcher=NAME``) that come from an optional extra: the plugin each needs.
LAUNCHER_PLUGINS = {
    "slurm": "hydra_plugins.hydra_submitit_launcher",
    "submitit_slurm": "hydra_plugins.hydra_submitit_launcher",
    "submitit_local": "hydra_plugins.hydra_submitit_launcher",
    "ray_cluster": "hydra_plugins.hydra_ray_launcher",
    "ray": "hydra_plugins.hydra_ray_launcher",
    "ray_aws": "hydra_plugins.hydra_ray_launcher",
}


def check_launcher(overrides: Iterable[str]) -> None:
    """Check that the plugin of a cluster launcher chosen among ``overrides`` is installed.

    Raises
    ------
    sim.errors.MissingExtraError
        Naming the extra that installs it (``cluster`` or ``ray``), instead of Hydra's "could not
        find hydra/launcher/...".
    """
    from sim.errors import require

    for item in overrides:
        key, _, value = item.partition("=")
        if key.lstrip("+~") == "hydra/launcher" and value in LAUNCHER_PLUGINS:
            require(LAUNCHER_PLUGINS[value], f"hydra/launcher={value}")


#: Launchers whose jobs run on Ray workers, each in a directory of its own.
RAY_LAUNCHERS = ("ray_cluster", "ray", "ray_aws")


def absolute_sweep_dir(args: Sequence[str], cwd: Path) -> list[str]:
    """The command line ``args`` with a relative ``hydra.sweep.dir`` made absolute on a Ray launcher.

    A Ray worker runs its job in a directory of its own (where its node was started, or on another
    machine) and Hydra places the job's directory relative to that: with a relative sweep directory
    the runs would land there and the sweep's results table would stay empty. So, on a Ray launcher,
    a relative ``hydra.sweep.dir`` is taken relative to ``cwd`` (where the command was given), as the
    joblib launcher takes it. Other launchers' arguments are returned as they are.

    Raises
    ------
    sim.errors.ArgumentError
        If a sweep (``--multirun``) on a Ray launcher gives no ``hydra.sweep.dir`` (the default,
        ``multirun/DATE/TIME``, and an experiment's are relative).
    """
    from sim.errors import ArgumentError

    args = list(args)
    launcher = next((v for k, _, v in (a.partition("=") for a in args)
                     if k.lstrip("+~") == "hydra/launcher" and v in RAY_LAUNCHERS), None)
    if launcher is None:
        return args
    given = False
    for i, item in enumerate(args):
        key, _, value = item.partition("=")
        if key.lstrip("+") != "hydra.sweep.dir":
            continue
        given = True
        if value and not value.startswith(("$", "'", '"')):  # an interpolation or a quoted value stays as given
            args[i] = f"{key}={cwd / Path(value).expanduser()}"  # an absolute one stays itself
    if not given and any(a in ("-m", "--multirun") for a in args):
        raise ArgumentError("hydra.sweep.dir", None, f"given with hydra/launcher={launcher}, as a directory every Ray "
                            "worker can write to (a relative one is taken from the current directory)",
                            kind="override")
    return args
