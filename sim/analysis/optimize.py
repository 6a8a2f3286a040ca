"""Strategy optimisation: search strategy parameters for the best mean KPI with Optuna.

Each trial sets the searched parameters, runs the scenario with the same ``R`` seeds as every
other trial (common random numbers, so trials differ by strategy and not by luck), and scores
the mean KPI over those replications. Trials live in an Optuna storage (SQLite in the output
directory by default), so an interrupted study resumes where it stopped, and several worker
processes (on one or many machines) can share one study through any database URL Optuna
accepts.

Command line: ``python -m sim.optimize`` (see :func:`build_parser`)::

    python -m sim.optimize --param pricing.list_price=float:15:40 \\
        --param loyalty.points.earn_rate=float:0:3 --param service.quality=float:0.4:0.9 \\
        --trials 50 --replications 5 --out optimize/price_loyalty loyalty=points

Search-space syntax (``--param``, repeatable):

* ``KEY=float:LOW:HIGH`` a real number in [LOW, HIGH]; ``KEY=float:LOW:HIGH:log`` on a log scale;
* ``KEY=int:LOW:HIGH`` an integer in [LOW, HIGH]; ``KEY=int:LOW:HIGH:STEP`` on a grid;
* ``KEY=choice:A,B,C`` one of the listed values, e.g. a config group ``loyalty=choice:none,points``.

``KEY`` is any config key of ``python -m sim`` (e.g. ``acquisition.media_budget_per_week``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.cli import ArgumentError
from sim.config import ConfigError
from sim.results import KPI_NAMES

__all__ = ["Param", "PARAM_SYNTAX", "parse_param", "optimize", "study_report", "build_parser", "main"]

PARAM_SYNTAX = "KEY=float:LOW:HIGH[:log], KEY=int:LOW:HIGH[:STEP] or KEY=choice:A,B,... with LOW < HIGH"
STORAGE_FILE = "optuna.db"


@dataclass(frozen=True)
class Param:
    """One searched parameter.

    Attributes
    ----------
    key : str
        Config key as on the command line, e.g. ``pricing.list_price`` or ``loyalty``.
    kind : str
        ``'float'``, ``'int'`` or ``'choice'``.
    low, high : float
        Bounds (inclusive) for ``float`` and ``int``.
    log : bool
        Sample a float on a log scale.
    step : int
        Grid step of an ``int`` (1 for every integer).
    choices : tuple of str
        Values of a ``choice``, as override text.
    """

    key: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    step: int = 1
    choices: tuple[str, ...] = ()

    def spec(self) -> str:
        """The canonical ``--param`` text of this parameter."""
        if self.kind == "choice":
            return f"{self.key}=choice:{','.join(self.choices)}"
        if self.kind == "int":
            return f"{self.key}=int:{int(self.low)}:{int(self.high)}" + (f":{self.step}" if self.step != 1 else "")
        return f"{self.key}=float:{self.low!r}:{self.high!r}" + (":log" if self.log else "")

    def extremes(self) -> list[Any]:
        """The values that bound the search space (checked against the config before any run)."""
        return list(self.choices) if self.kind == "choice" else [self.low, self.high]

    def suggest(self, trial: Any) -> Any:
        """Ask an Optuna trial for a value of this parameter."""
        if self.kind == "float":
            return trial.suggest_float(self.key, self.low, self.high, log=self.log)
        if self.kind == "int":
            return trial.suggest_int(self.key, int(self.low), int(self.high), step=self.step)
        return trial.suggest_categorical(self.key, list(self.choices))


def parse_param(text: str) -> Param:
    """Parse one ``--param`` value (see the module docstring for the syntax).

    Raises
    ------
    ArgumentError
        Naming ``--param``, the text and the syntax.
    """
    bad = ArgumentError("--param", text, PARAM_SYNTAX)
    key, sep, spec = text.partition("=")
    kind, _, rest = spec.partition(":")
    key = key.strip()
    if not sep or not key or kind not in ("float", "int", "choice") or not rest:
        raise bad
    if kind == "choice":
        choices = tuple(c.strip() for c in rest.split(","))
        if not all(choices) or len(set(choices)) != len(choices):
            raise bad
        return Param(key, kind, choices=choices)
    parts = rest.split(":")
    try:
        if kind == "float":
            if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
                raise bad
            low, high, log = float(parts[0]), float(parts[1]), len(parts) == 3
            if not (math.isfinite(low) and math.isfinite(high) and low < high) or (log and low <= 0):
                raise bad
            return Param(key, kind, low=low, high=high, log=log)
        if len(parts) not in (2, 3):
            raise bad
        low_i, high_i = int(parts[0]), int(parts[1])
        step = int(parts[2]) if len(parts) == 3 else 1
        if low_i >= high_i or step < 1:
            raise bad
        return Param(key, kind, low=low_i, high=high_i, step=step)
    except ValueError:
        raise bad from None


def _override(key: str, value: Any) -> str:
    return f"{key}={value!r}" if isinstance(value, float) else f"{key}={value}"


def _check_space(params: Sequence[Param], overrides: Sequence[str]) -> None:
    """Compose and validate the base config and every bound of the search space."""
    from sim.sweep import compose_scenario

    compose_scenario(overrides)
    for p in params:
        for value in p.extremes():
            try:
                compose_scenario([*overrides, _override(p.key, value)])
            except ArgumentError as err:
                raise ArgumentError("--param", p.spec(), f"a range of an existing config value: '{p.key}' "
                                    f"must be {err.allowed}") from None
            except ConfigError as err:
                raise ArgumentError("--param", p.spec(), f"a range within the allowed values of "
                                    f"'{err.field_path}' ({err.allowed})") from None


def _settings(params: Sequence[Param], overrides: Sequence[str], kpi: str, seeds: Sequence[int],
              direction: str) -> dict[str, Any]:
    return {"params": [p.spec() for p in params], "overrides": list(overrides), "kpi": kpi,
            "seeds": list(seeds), "direction": direction}


def _load_study(storage_url: str, study_name: str, settings: dict[str, Any], sampler: Any) -> Any:
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


def optimize(params: Sequence[Param], *, overrides: Sequence[str] = (), n_trials: int = 20,
             replications: int = 3, kpi: str = "npv_profit", direction: str = "maximize",
             out_dir: str | Path = "optimize/study", storage: str | None = None, study_name: str = "study",
             sampler: str = "tpe", sampler_seed: int = 0, n_jobs: int = 1, progress: bool = True) -> Any:
    """Run (or resume) a study until it has ``n_trials`` complete trials; return the Optuna study.

    Parameters
    ----------
    params : sequence of Param
        The search space.
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

    Raises
    ------
    ArgumentError
        For a bad search space, overrides, KPI, or a stored study with different settings.
    """
    import optuna
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState
    from tqdm import tqdm

    from sim.analysis.stats import t_interval
    from sim.cli import to_scenario
    from sim.sweep import compose_config, run_scenarios

    if kpi not in KPI_NAMES:
        raise ArgumentError("--kpi", kpi, "one of " + ", ".join(KPI_NAMES))
    if n_trials < 1:
        raise ArgumentError("--trials", n_trials, "an integer >= 1")
    if replications < 1:
        raise ArgumentError("--replications", replications, "an integer >= 1")
    if not params:
        raise ArgumentError("--param", [], f"given at least once, as {PARAM_SYNTAX}")
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        raise ArgumentError("--param", keys, "a list of distinct keys")
    overrides = list(overrides)
    _check_space(params, overrides)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    url = storage or f"sqlite:///{(out / STORAGE_FILE).resolve()}"
    seeds = list(range(replications))
    settings = _settings(params, overrides, kpi, seeds, direction)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = _load_study(url, study_name, settings, _sampler(sampler, sampler_seed, _existing_trials(url, study_name)))

    def objective(trial: optuna.Trial) -> float:
        values = {p.key: p.suggest(trial) for p in params}
        base = to_scenario(compose_config([*overrides, *(_override(k, v) for k, v in values.items())]))
        runs = run_scenarios([dataclasses.replace(base, seed=s) for s in seeds], n_jobs=n_jobs, progress=False)
        ys = [r[kpi] for r in runs]
        if any(y is None for y in ys):
            return math.nan  # Optuna records the trial as failed
        mean, half_width, _, _ = t_interval(ys)
        trial.set_user_attr("values", ys)
        trial.set_user_attr("half_width", half_width)
        return mean

    done = _complete(study)
    bar = tqdm(total=n_trials, initial=min(done, n_trials), desc="trials", unit="trial", file=sys.stderr,
               disable=not progress, dynamic_ncols=True)

    def tick(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.state == TrialState.COMPLETE:
            bar.update()
            bar.set_postfix_str(f"best {kpi} {study.best_value:,.0f}")

    try:
        if done < n_trials:
            study.optimize(objective, n_trials=n_trials - done,
                           callbacks=[MaxTrialsCallback(n_trials, states=(TrialState.COMPLETE,)), tick])
    finally:
        bar.close()
        _write_outputs(study, out, settings)
    return study


def _write_outputs(study: Any, out: Path, settings: dict[str, Any]) -> None:
    from sim.output import atomic_write

    trials = study.trials_dataframe(multi_index=False)
    atomic_write(out / "trials.parquet", lambda p: trials.to_parquet(p, index=False))
    best = study_report(study, settings)
    atomic_write(out / "best.json", lambda p: p.write_text(json.dumps(best, indent=2, default=str) + "\n"))


def study_report(study: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """The best trial of a study: value, half-width, parameters and the sweep that reproduces it."""
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    report: dict[str, Any] = {"study": study.study_name, "complete_trials": len(complete), **settings}
    if complete:
        best = study.best_trial
        seeds = settings["seeds"]
        chosen = [_override(k, v) for k, v in best.params.items()]
        report.update(
            best_trial=best.number, best_value=best.value, best_half_width=best.user_attrs.get("half_width"),
            best_params=best.params,
            reproduce="python -m sim --multirun " + " ".join([*settings["overrides"], *chosen,
                                                               f"seed='range({len(seeds)})'"]),
        )
    return report


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


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    args = build_parser().parse_args(argv)
    try:
        params = [parse_param(t) for t in args.param]
        study = optimize(
            params, overrides=args.overrides, n_trials=args.trials, replications=args.replications, kpi=args.kpi,
            direction="minimize" if args.minimize else "maximize",
            out_dir=args.out or f"optimize/{args.study_name}", storage=args.storage, study_name=args.study_name,
            sampler=args.sampler, sampler_seed=args.sampler_seed, n_jobs=args.jobs, progress=not args.no_progress,
        )
    except (ArgumentError, ConfigError) as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    best = study_report(study, study.user_attrs["settings"])
    if "best_value" in best:
        hw = best["best_half_width"]
        pm = "" if hw is None or math.isnan(hw) else f" +/- {hw:,.0f}"
        print(f"Best {best['kpi']}: {best['best_value']:,.0f}{pm} (trial {best['best_trial']} of "
              f"{best['complete_trials']})")
        for k, v in best["best_params"].items():
            print(f"  {k} = {v}")
        print(f"Reproduce: {best['reproduce']}")
    print(f"Outputs: {Path(args.out or f'optimize/{args.study_name}')}")
    return 0
