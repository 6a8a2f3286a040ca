"""Before Hydra starts ``python -m sim``: compose the command's config and check it, its directories and its jobs.

Hydra instantiates callbacks, the launcher and the sweeper, and writes ``.hydra/`` into the run
directory, before the job function sees the config; a check inside the job comes too late. So
:func:`preflight` composes the config first, exactly as Hydra will (the same parser, search path
and loader), and refuses before anything happens:

* overrides Hydra cannot apply (unknown keys, wrong types), in one line;
* a config that is code rather than data (:mod:`sim.safeconfig`);
* for a single run, an invalid scenario or one too large for the memory available
  (:mod:`sim.footprint`), and a run directory that is empty as a path, cannot be written,
  holds anything, or is being written by another run (:func:`sim.rundir.claim_run_dir`);
* for a sweep, launcher settings no job could run with, a sweep directory that is neither new
  nor an earlier sweep, jobs that would share a directory, and job directories that hold a
  finished run of another scenario.

The run or sweep directory is then claimed (created and locked) and its resolved path pinned as
an override, so that Hydra writes exactly where the checks looked (``${now:...}`` would
otherwise be resolved again, a second later).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from sim.errors import ArgumentError, ConfigError
from sim.footprint import check_fits
from sim.io import COMPLETION_FILE, DirBusyError, DirLock
from sim.rundir import RunDirClaim, claim_run_dir
from sim.safeconfig import check_config_is_data
from sim.scenario import CONFIG_DIR, check_group_overrides, override_error, to_scenario, with_plots_resolved
from sim.sweep import SUBDIR_INTERPOLATION, expected_jobs, job_dir_name

__all__ = ["Launch", "preflight", "pinned_override"]

_MAIN_FILE = Path(__file__).resolve().parent / "__main__.py"
_JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"


@dataclass
class Launch:
    """What the checks decided: the arguments to give Hydra and the directory claimed.

    Attributes
    ----------
    argv : list of str
        The command line for Hydra, with the run or sweep directory pinned.
    multirun : bool
        A sweep rather than a single run.
    claim : RunDirClaim, optional
        The single run's claimed directory (kept on success, discarded otherwise).
    sweep_lock : DirLock, optional
        The sweep directory's lock, held while the sweep runs.
    """

    argv: list[str]
    multirun: bool
    claim: RunDirClaim | None = None
    sweep_lock: DirLock | None = None

    @property
    def where(self) -> str:
        """The directory claimed, for messages."""
        if self.claim is not None:
            return str(self.claim.path)
        return str(self.sweep_lock.path.parent) if self.sweep_lock is not None else "the run directory"

    def release(self, ok: bool) -> None:
        """Keep the run directory if the run completed, remove it otherwise; release the locks."""
        if self.claim is not None:
            self.claim.keep() if ok else self.claim.discard()
        if self.sweep_lock is not None:
            self.sweep_lock.release()


def pinned_override(key: str, value: str) -> str:
    """The override ``key='value'`` that gives Hydra exactly ``value`` (quoted and escaped).

    Raises
    ------
    ArgumentError
        For the rare path Hydra's grammar cannot quote (a backslash before a quote or at the end).
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    text = f"{key}='" + value.replace("'", "\\'").replace("${", "\\${") + "'"
    try:
        back = OmegaConf.create({"v": OverridesParser.create().parse_override(text).value()}).v
    except (HydraException, ValueError):
        back = None
    if back != value:
        raise ArgumentError(key, value, "a path without a backslash before a quote or at its end", kind="override")
    return text


def _shipped_setup() -> list[str] | None:
    """The ``setup`` lines of the shipped Slurm launcher config."""
    path = CONFIG_DIR / "hydra" / "launcher" / "slurm.yaml"
    return list(OmegaConf.load(path).get("setup") or ()) if path.is_file() else None


def _hydra_for(args: argparse.Namespace) -> Any:
    """Hydra's own composer for this command line, with the search path ``hydra.main`` would build."""
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import compute_search_path_dir, create_config_search_path
    from hydra.core.config_search_path import SearchPathQuery

    search_path = create_config_search_path(
        compute_search_path_dir(str(_MAIN_FILE), None, args.config_path or "../configs"))
    if args.config_dir is not None:
        folder = Path(args.config_dir).absolute()
        if not folder.is_dir():
            raise ArgumentError("--config-dir", args.config_dir, "an existing folder of config files")
        search_path.prepend(provider="command-line", path=f"file://{folder}", anchor=SearchPathQuery(provider="schema"))
    return Hydra.create_main_hydra2(task_name="__main__", config_search_path=search_path)


def _compose(hydra: Any, args: argparse.Namespace) -> tuple[DictConfig, bool]:
    """The config Hydra will run, and whether it is a sweep (as Hydra decides it)."""
    from hydra.errors import HydraException, MissingConfigException
    from hydra.types import RunMode
    from omegaconf.errors import OmegaConfBaseException

    name = args.config_name or "config"
    overrides = list(args.overrides)
    try:
        # Hydra warns again when it composes the same config to run it: once is enough.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mode = hydra.get_mode(config_name=name, overrides=overrides)
            multirun = args.multirun or mode == RunMode.MULTIRUN
            cfg = hydra.compose_config(config_name=name, overrides=overrides, with_log_configuration=False,
                                       run_mode=RunMode.MULTIRUN if multirun else RunMode.RUN)
    except MissingConfigException as err:
        if args.config_name and f"'{args.config_name}'" in str(err):
            raise ArgumentError("--config-name", args.config_name, "a config in the search path (configs/ "
                                "and --config-dir)") from None
        raise override_error(err, overrides) from None
    except (HydraException, OmegaConfBaseException) as err:
        raise override_error(err, overrides) from None
    return cfg, multirun


def _task_config(cfg: DictConfig) -> DictConfig:
    """The config a job sees: everything but ``hydra``."""
    task = copy.deepcopy(cfg)
    with read_write(task), open_dict(task):
        del task["hydra"]
    return task


def _resolved(cfg: DictConfig, key: str) -> str:
    """A ``hydra.*`` path setting resolved (``${now:...}`` and the like), refused if it cannot be."""
    from omegaconf.errors import OmegaConfBaseException

    try:
        value = OmegaConf.select(cfg, key)
    except OmegaConfBaseException as err:
        raw = OmegaConf.to_container(cfg.hydra, resolve=False).get(key.split(".")[1], {}).get(key.split(".")[2])
        raise ArgumentError(key, raw, f"a path that can be resolved ({str(err).splitlines()[0]})",
                            kind="override") from None
    return "" if value is None else str(value)


def _check_launcher(cfg: DictConfig) -> None:
    """Launcher settings no job could run with."""
    launcher = OmegaConf.select(cfg, "hydra.launcher")
    if launcher is None or launcher.get("_target_") != _JOBLIB:
        return
    n_jobs = launcher.get("n_jobs")
    # joblib's reading: n >= 1 workers, or cores + 1 + n for a negative n (-1: one per core).
    if n_jobs is not None and (n_jobs == 0 or n_jobs < 0 and (os.cpu_count() or 1) + 1 + n_jobs < 1):
        raise ArgumentError("hydra.launcher.n_jobs", n_jobs, "an integer >= 1 (workers), or -1 for one worker per "
                            f"core (joblib's negative counts go down to -{os.cpu_count() or 1} here)", kind="override")


def _claim_sweep_dir(text: str) -> tuple[DirLock, bool]:
    """Create and lock the sweep directory; it must be new, empty, or an earlier sweep's.

    Returns the lock and whether the directory was created here.
    """
    if not text.strip():
        raise ArgumentError("hydra.sweep.dir", text, "a non-empty path (an empty one would write the sweep into the "
                            "current directory)", kind="override")
    path = Path(text).absolute()
    entries = [p.name for p in path.iterdir()] if path.is_dir() else []
    if entries and not (path / "multirun.yaml").is_file() and not any((p / COMPLETION_FILE).is_file()
                                                                        for p in path.iterdir() if p.is_dir()):
        raise ArgumentError("hydra.sweep.dir", text, "a new or empty directory, or that of an earlier sweep (to "
                            f"resume it); this one holds other files ({', '.join(sorted(entries)[:4])})",
                            kind="override")
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
        return DirLock(path), created
    except DirBusyError:
        raise ArgumentError("hydra.sweep.dir", text, "a sweep directory no other sweep is writing into (another "
                            "sweep holds its lock)", kind="override") from None
    except OSError as err:
        raise ArgumentError("hydra.sweep.dir", text, f"a directory that can be created and written "
                            f"({err.strerror or err})", kind="override") from None


def _job_dirs(cfg: DictConfig, jobs: list[list[str]]) -> list[str] | None:
    """The directory name of every job, when the sweep's ``subdir`` makes them predictable."""
    subdir = OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir")
    if subdir == SUBDIR_INTERPOLATION:
        return [job_dir_name(j) for j in jobs]
    text = str(subdir)
    if "hydra.job.num" in text or "hydra.job.id" in text:
        return None  # one directory per job number: distinct
    if "${" not in text:
        return [text] * len(jobs)  # one directory for every job
    return [",".join(sorted(j)) for j in jobs]  # at least, repeated jobs share one


def _check_sweep_values(hydra: Any, cfg: DictConfig, jobs: list[list[str]]) -> None:
    """Every value a sweep sets must apply (known key, right type), and its first job must validate."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    distinct = list(dict.fromkeys(o for job in jobs for o in job))
    # Group options may come from the user's own folders on hydra.searchpath (a firm's library).
    searchpath = OmegaConf.select(cfg, "hydra.searchpath", default=None) or []
    check_group_overrides([*distinct, *([f"hydra.searchpath=[{','.join(searchpath)}]"] if searchpath else [])])
    trial = copy.deepcopy(cfg)
    parser = OverridesParser.create()
    with read_write(trial):
        for text in distinct:
            try:
                override = parser.parse_override(text)
                if not hydra.config_loader.repository.group_exists(override.key_or_group):
                    ConfigLoaderImpl._apply_overrides_to_config([override], trial)
            except (HydraException, OmegaConfBaseException) as err:
                raise override_error(err, [text]) from None
    try:
        first = hydra.config_loader.load_sweep_config(cfg, list(jobs[0]))
    except (HydraException, OmegaConfBaseException) as err:
        raise override_error(err, list(jobs[0])) from None
    check_config_is_data(first, _shipped_setup())
    check_fits(to_scenario(_task_config(first)))


def _check_jobs(hydra: Any, cfg: DictConfig, sweep_dir: Path) -> None:
    """Refuse jobs that would share a directory, or land on a finished run of another scenario."""
    jobs = expected_jobs(cfg)
    if not jobs:
        return
    _check_sweep_values(hydra, cfg, jobs)
    names = _job_dirs(cfg, jobs)
    if names is None:
        return
    shared = [name for name, n in Counter(names).items() if n > 1]
    if shared:
        given = [" ".join(j) for j, name in zip(jobs, names) if name == shared[0]]
        raise ArgumentError("--multirun", given[0], f"a sweep whose jobs have distinct directories; {len(given)} jobs "
                            f"would write into '{sweep_dir / shared[0]}' (a value repeated, or a hydra.sweep.subdir "
                            "without ${hydra.job.num})")
    if OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir") != SUBDIR_INTERPOLATION:
        return
    for job, name in zip(jobs, names):
        if (sweep_dir / name / COMPLETION_FILE).is_file():
            _check_finished_job(hydra, cfg, job, sweep_dir / name)


def _check_finished_job(hydra: Any, cfg: DictConfig, job: list[str], run_dir: Path) -> None:
    """A finished job directory must hold a run of this job's scenario (the sweep is resumed)."""
    scenario = to_scenario(_task_config(hydra.config_loader.load_sweep_config(cfg, list(job))))
    scenario = with_plots_resolved(scenario, multirun=True)  # as the job will run it
    try:
        recorded = json.loads((run_dir / COMPLETION_FILE).read_text(encoding="utf-8")).get("config")
    except (OSError, ValueError):
        return  # unreadable: the job reruns it
    wanted = json.loads(json.dumps(dataclasses.asdict(scenario), default=str))
    if recorded != wanted:
        changed = _first_difference(recorded or {}, wanted)
        raise ArgumentError("hydra.sweep.dir", str(run_dir.parent), "a new sweep directory, or one of the same sweep "
                            f"to resume it; '{run_dir.name}' holds a finished run of another scenario ({changed})",
                            kind="override")


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    """The first config path where two recorded configs differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(b) + [k for k in a if k not in b]:
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
    return f"{path or 'config'}: {a!r} there, {b!r} now"


def preflight(argv: list[str]) -> Launch | None:
    """Check a ``python -m sim`` command line before Hydra runs it; claim its directory.

    Parameters
    ----------
    argv : list of str
        The arguments after ``python -m sim``.

    Returns
    -------
    Launch or None
        The arguments for Hydra and the claimed directory; None for commands that run nothing
        (``--help``, ``--cfg``, ``--info``, ...), which Hydra handles alone.

    Raises
    ------
    ArgumentError, ConfigError
        For anything refused, naming the argument or key, its value and what is allowed.
    """
    from hydra._internal.utils import get_args_parser
    from hydra.core.global_hydra import GlobalHydra

    args = get_args_parser().parse_args(argv)
    if args.experimental_rerun is not None:
        raise ArgumentError("--experimental-rerun", args.experimental_rerun, "absent: it loads a pickled config, "
                            "which can run code; rerun with the overrides recorded in the run's run.json")
    if args.help or args.hydra_help or args.cfg or args.info or args.shell_completion:
        return None
    try:
        hydra = _hydra_for(args)
        cfg, multirun = _compose(hydra, args)
        check_config_is_data(cfg, _shipped_setup())
        if multirun:
            return _prepare_sweep(hydra, cfg, argv)
        return _prepare_run(cfg, argv)
    finally:
        GlobalHydra.instance().clear()


def _prepare_run(cfg: DictConfig, argv: list[str]) -> Launch:
    scenario = to_scenario(_task_config(cfg))
    check_fits(scenario)
    run_dir = _resolved(cfg, "hydra.run.dir")
    pinned = pinned_override("hydra.run.dir", run_dir) if run_dir.strip() else ""
    claim = claim_run_dir(run_dir)
    return Launch([*argv, pinned], multirun=False, claim=claim)


def _prepare_sweep(hydra: Any, cfg: DictConfig, argv: list[str]) -> Launch:
    _check_launcher(cfg)
    sweep_dir = _resolved(cfg, "hydra.sweep.dir")
    pinned = pinned_override("hydra.sweep.dir", sweep_dir) if sweep_dir.strip() else ""
    lock, created = _claim_sweep_dir(sweep_dir)
    try:
        _check_jobs(hydra, cfg, Path(sweep_dir).absolute())
    except (ArgumentError, ConfigError):
        lock.release()
        if created:
            Path(sweep_dir).absolute().rmdir()
        raise
    return Launch([*argv, pinned], multirun=True, sweep_lock=lock)
