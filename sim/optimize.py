"""``python -m sim.optimize``: search strategy parameters for the best mean KPI with Optuna.

Each trial sets the searched parameters, runs the scenario with the same ``R`` seeds as every
other trial (common random numbers, so trials differ by strategy and not by luck), and scores
the mean KPI over those replications. Trials live in an Optuna storage (SQLite in the output
directory by default), so an interrupted study resumes where it stopped, and several worker
processes (on one or many machines) can share one study through any database URL.

Command line (see :func:`build_parser`)::

    python -m sim.optimize --param pricing.list_price=float:15:40 \\
        --param loyalty.points.earn_rate=float:0:3 --param service.quality=float:0.4:0.9 \\
        --trials 50 --replications 5 --out optimize/price_loyalty loyalty=points

The search space, the study report and the ``--param`` syntax are :mod:`sim.analysis.optimize`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim import interrupts
from sim.analysis import optimize as study_tools
from sim.analysis.optimize import PARAM_SYNTAX, Param, override_text, parse_param, study_report, study_settings
from sim.analysis.stats import t_interval
from sim.errors import ArgumentError, ConfigError, MissingExtraError, require
from sim.io import atomic_write
from sim.results import KPI_NAMES
from sim.scenario import check_range_value, compose_config, compose_scenario, to_scenario
from sim.sweep import run_scenarios

__all__ = ["Param", "PARAM_SYNTAX", "OptimizeOptions", "parse_param", "optimize", "study_report", "build_parser",
           "main", "rerun_stale_trials"]

STORAGE_FILE = "optuna.db"


@dataclass(frozen=True)
class OptimizeOptions:
    """How a study is run: its base scenario, size, objective, storage and workers.

    Attributes
    ----------
    overrides : sequence of str
        Overrides of the base scenario, as for ``python -m sim``.
    n_trials : int
        Complete trials the study should hold in total (trials already in storage count).
    replications : int
        Runs per trial, with seeds ``0 .. replications - 1`` in every trial.
    kpi : str
        KPI to optimise (mean over the replications).
    direction : str
        ``'maximize'`` or ``'minimize'``.
    out_dir : path
        Where ``optuna.db`` (default storage), ``trials.parquet`` and ``best.json`` are written.
    storage : str, optional
        Any database URL Optuna accepts (e.g. ``postgresql://...`` for many workers); default
        ``sqlite:///OUT_DIR/optuna.db``.
    study_name : str
        Name of the study in the storage; a stored study with other settings is refused.
    sampler : str
        ``'tpe'`` or ``'random'``.
    sampler_seed : int
        Seed of the sampler (give each worker of a shared study its own).
    n_jobs : int
        Worker processes for the replications of a trial.
    progress : bool
        Show a progress bar over trials.
    """

    overrides: Sequence[str] = ()
    n_trials: int = 20
    replications: int = 3
    kpi: str = "npv_profit"
    direction: str = "maximize"
    out_dir: str | Path = "optimize/study"
    storage: str | None = None
    study_name: str = "study"
    sampler: str = "tpe"
    sampler_seed: int = 0
    n_jobs: int = 1
    progress: bool = True


def _check_options(params: Sequence[Param], options: OptimizeOptions) -> None:
    """Refuse an unknown KPI, an empty or repeated search space and sizes below one."""
    if options.kpi not in KPI_NAMES:
        raise ArgumentError("--kpi", options.kpi, "one of " + ", ".join(KPI_NAMES))
    if options.n_trials < 1:
        raise ArgumentError("--trials", options.n_trials, "an integer >= 1")
    if options.replications < 1:
        raise ArgumentError("--replications", options.replications, "an integer >= 1")
    if not params:
        raise ArgumentError("--param", [], f"given at least once, as {PARAM_SYNTAX}")
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        raise ArgumentError("--param", keys, "a list of distinct keys")


def _check_space(params: Sequence[Param], overrides: Sequence[str]) -> None:
    """Compose and validate the base config and every bound of the search space."""
    compose_scenario(overrides)
    for p in params:
        for value in p.extremes():
            check_range_value(("--param", p.spec(), p.key), [*overrides, override_text(p.key, value)])


def _load_study(storage_url: str, study_name: str, settings: dict[str, Any], sampler: Any) -> Any:
    """Create the study, or load it and check that it was started with the same settings."""
    import warnings

    import optuna

    # Heartbeats mark trials of a killed worker as failed, so they do not stay RUNNING forever.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        storage = optuna.storages.RDBStorage(storage_url, heartbeat_interval=60, grace_period=180)
    study = optuna.create_study(study_name=study_name, storage=storage, direction=settings["direction"],
                                sampler=sampler, load_if_exists=True)
    stored = study.user_attrs.get("settings")
    if stored is None:
        study.set_user_attr("settings", settings)
    elif stored != settings:
        changed = ", ".join(k for k in settings if stored.get(k) != settings[k])
        raise ArgumentError("--study-name", study_name,
                            f"a new study name, or the same settings as the stored study (changed: {changed})")
    return study


def _sampler(name: str, seed: int, n_existing: int) -> Any:
    import optuna

    # A resumed study must not replay its first suggestions: the stream depends on its length.
    state = int(np.random.SeedSequence([seed, n_existing]).generate_state(1)[0])
    if name == "random":
        return optuna.samplers.RandomSampler(seed=state)
    return optuna.samplers.TPESampler(seed=state)


def _existing_trials(storage_url: str, study_name: str) -> int:
    import optuna

    try:
        return len(optuna.load_study(study_name=study_name, storage=storage_url).trials)
    except KeyError:
        return 0


def _complete(study: Any) -> int:
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def _objective(params: Sequence[Param], overrides: list[str], seeds: list[int],
               options: OptimizeOptions) -> Callable[[Any], float]:
    """The trial's score: the mean KPI over the same seeds, with the values kept on the trial."""

    def objective(trial: Any) -> float:
        trial.set_user_attr("worker", _worker())  # tells a resumed study this trial's process died
        values = {p.key: p.suggest(trial) for p in params}
        base = to_scenario(compose_config([*overrides, *(override_text(k, v) for k, v in values.items())]))
        runs = run_scenarios([dataclasses.replace(base, seed=s) for s in seeds], n_jobs=options.n_jobs,
                             progress=False)
        ys = [r[options.kpi] for r in runs]
        if any(y is None for y in ys):
            return math.nan  # Optuna records the trial as failed
        mean, half_width, _, _ = t_interval(ys)
        trial.set_user_attr("values", ys)
        trial.set_user_attr("half_width", half_width)
        return mean

    return objective


def _worker() -> dict[str, Any]:
    import socket

    return {"host": socket.gethostname(), "pid": os.getpid()}


def _dead(worker: dict[str, Any] | None) -> bool:
    """Whether the process that ran a trial is gone (only knowable for a process on this machine)."""
    import socket

    if not worker or worker.get("host") != socket.gethostname():
        return False
    if worker.get("pid") == os.getpid():  # interrupted earlier in this process (a notebook, say)
        return True
    try:
        os.kill(int(worker["pid"]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError, KeyError):
        return False
    return False


def rerun_stale_trials(study: Any) -> list[int]:
    """Mark failed the RUNNING trials whose process died (killed, say) and queue their parameters again.

    A trial whose process is gone stays RUNNING in the storage for ever (or until its heartbeat
    goes stale, when a study resumes after the grace period); its parameters were never scored.
    Trials of live workers, here or on other machines, are left alone.

    Returns
    -------
    list of int
        Numbers of the trials marked failed.
    """
    from optuna.trial import TrialState

    stale = [t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
             if _dead(t.user_attrs.get("worker"))]
    for trial in stale:
        study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        study.enqueue_trial(trial.params, user_attrs={"rerun_of": trial.number}, skip_if_exists=False)
    return [t.number for t in stale]


def _run_trials(study: Any, objective: Callable[[Any], float], options: OptimizeOptions) -> None:
    """Run trials until the study holds ``options.n_trials`` complete ones, with a progress bar."""
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState
    from tqdm import tqdm

    done = _complete(study)
    bar = tqdm(total=options.n_trials, initial=min(done, options.n_trials), desc="trials", unit="trial",
               file=sys.stderr, disable=not options.progress, dynamic_ncols=True)

    def tick(study: Any, trial: Any) -> None:
        if trial.state == TrialState.COMPLETE:
            bar.update()
            bar.set_postfix_str(f"best {options.kpi} {study.best_value:,.0f}")

    try:
        if done < options.n_trials:
            study.optimize(objective, n_trials=options.n_trials - done,
                           callbacks=[MaxTrialsCallback(options.n_trials, states=(TrialState.COMPLETE,)), tick])
    finally:
        bar.close()


def _write_outputs(study: Any, out: Path, settings: dict[str, Any]) -> None:
    trials = study.trials_dataframe(multi_index=False)
    atomic_write(out / "trials.parquet", lambda p: trials.to_parquet(p, index=False))
    best = study_report(study, settings)
    atomic_write(out / "best.json", lambda p: p.write_text(json.dumps(best, indent=2, default=str) + "\n"))


def optimize(params: Sequence[Param], options: OptimizeOptions | None = None, /, **fields: Any) -> Any:
    """Run (or resume) a study until it has ``n_trials`` complete trials; return the Optuna study.

    Parameters
    ----------
    params : sequence of Param
        The search space.
    options : OptimizeOptions, optional
        How to run the study (default :class:`OptimizeOptions`).
    **fields
        Fields of :class:`OptimizeOptions` to change, e.g. ``n_trials=50``.

    Raises
    ------
    ArgumentError
        For a bad search space, overrides, KPI, or a stored study with different settings.
    """
    import optuna

    options = dataclasses.replace(options or OptimizeOptions(), **fields)
    _check_options(params, options)
    overrides = list(options.overrides)
    _check_space(params, overrides)
    out = Path(options.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    url = options.storage or f"sqlite:///{(out / STORAGE_FILE).resolve()}"
    seeds = list(range(options.replications))
    settings = study_settings(params, overrides, options.kpi, seeds, options.direction)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = _sampler(options.sampler, options.sampler_seed, _existing_trials(url, options.study_name))
    study = _load_study(url, options.study_name, settings, sampler)
    rerun_stale_trials(study)
    try:
        _run_trials(study, _objective(params, overrides, seeds, options), options)
    finally:
        _write_outputs(study, out, settings)
    return study


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``python -m sim.optimize``."""
    p = argparse.ArgumentParser(
        prog="python -m sim.optimize",
        description="Search strategy parameters for the best mean KPI over common seeds (Optuna).",
        epilog=f"--param syntax: {PARAM_SYNTAX}. Example: --param pricing.list_price=float:15:40 "
               "--param loyalty.points.threshold=int:100:500:50 --param loyalty=choice:none,points",
    )
    p.add_argument("overrides", nargs="*", metavar="OVERRIDE",
                   help="overrides of the base scenario, as for python -m sim")
    p.add_argument("--param", action="append", default=[], metavar="SPEC", help="a searched parameter (repeatable)")
    p.add_argument("--trials", type=int, default=20, help="complete trials wanted in the study in total (default 20)")
    p.add_argument("--replications", type=int, default=3, help="runs per trial, seeds 0..R-1 (default 3)")
    p.add_argument("--kpi", default="npv_profit", help="KPI to optimise (default npv_profit)")
    p.add_argument("--minimize", action="store_true", help="minimise the KPI instead of maximising it")
    p.add_argument("--out", default=None, metavar="DIR", help="output directory (default optimize/STUDY_NAME)")
    p.add_argument("--storage", default=None, metavar="URL",
                   help="Optuna database URL shared by workers (default sqlite:///DIR/optuna.db)")
    p.add_argument("--study-name", default="study", help="study name in the storage (default 'study')")
    p.add_argument("--sampler", choices=("tpe", "random"), default="tpe", help="search strategy (default tpe)")
    p.add_argument("--sampler-seed", type=int, default=0, help="sampler seed; give each parallel worker its own")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for the replications of a trial")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _options(args: argparse.Namespace) -> OptimizeOptions:
    """The study options of parsed command-line arguments."""
    return OptimizeOptions(
        overrides=args.overrides, n_trials=args.trials, replications=args.replications, kpi=args.kpi,
        direction="minimize" if args.minimize else "maximize",
        out_dir=args.out or f"optimize/{args.study_name}", storage=args.storage, study_name=args.study_name,
        sampler=args.sampler, sampler_seed=args.sampler_seed, n_jobs=args.jobs, progress=not args.no_progress,
    )


def _print_best(best: dict[str, Any]) -> None:
    """The best trial, its parameters and the command that reproduces it."""
    if "best_value" not in best:
        return
    hw = best["best_half_width"]
    pm = "" if hw is None or math.isnan(hw) else f" +/- {hw:,.0f}"
    print(f"Best {best['kpi']}: {best['best_value']:,.0f}{pm} (trial {best['best_trial']} of "
          f"{best['complete_trials']})")
    for k, v in best["best_params"].items():
        print(f"  {k} = {v}")
    print(f"Reproduce: {best['reproduce']}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input or storage, 1 for a full disk)."""
    args = build_parser().parse_args(argv)
    out = Path(args.out or f"optimize/{args.study_name}")
    created = not out.exists()
    try:
        interrupts.release()  # from here Ctrl-C is handled below
        require("optuna", "python -m sim.optimize")
        params = [parse_param(t) for t in args.param]
        if out.exists() and not out.is_dir():
            raise ArgumentError("--out", str(out), "a directory (this names a file)")
        try:
            study = optimize(params, _options(args))
        except ImportError as err:
            # Optuna imports a database's driver when it opens the storage.
            if args.storage is None or (err.name or "").startswith(("sim", "optuna")):
                raise
            raise ArgumentError("--storage", args.storage, "a database URL whose driver is installed "
                                f"({str(err).splitlines()[0]})") from None
    except (ArgumentError, ConfigError, MissingExtraError) as err:
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # a refused study leaves no empty folder
        print(f"Error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        dropped = created and not study_tools.completed_trials(out / STORAGE_FILE)  # a new study that finished
        failure = study_tools.storage_failure(err, args.storage, dropped)  # no trial keeps nothing, not its folder
        if failure is None:
            raise
        if dropped:
            shutil.rmtree(out, ignore_errors=True)
        print(f"Error: {failure[1]}", file=sys.stderr)
        return failure[0]
    except KeyboardInterrupt:
        interrupts.ending()
        print(f"\nInterrupted. Finished trials are kept in {args.storage or out / STORAGE_FILE}; run the same "
              "command again to resume.", file=sys.stderr)
        return 130
    if _complete(study) == 0:
        failed = len(study.trials)
        print(f"Error: no trial completed: {failed} failed ({args.kpi} was null in their runs, or the runs "
              f"failed); see {out / 'trials.parquet'}", file=sys.stderr)
        return 1
    _print_best(study_report(study, study.user_attrs["settings"]))
    print(f"Outputs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(interrupts.finish(main()))
