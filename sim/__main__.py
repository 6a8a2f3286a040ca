"""``python -m sim [hydra overrides]``: run one scenario (or a sweep with ``--multirun``).

The command line is checked and the run (or sweep) directory claimed before Hydra starts
(:mod:`sim.preflight`); a user error ends in one line with exit status 2, Ctrl-C in one line
with status 130, and a single run that does not complete leaves no directory behind.
"""

import os
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

import sim.sweep  # noqa: F401  (registers the sim.job_dir resolver used by sweep directories)
from sim import interrupts
from sim.config import register_configs
from sim.errors import ArgumentError, ConfigError, MissingExtraError
from sim.scenario import firm_overrides

register_configs()


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> None:
    from sim.cli import run_job

    run_job(cfg)


def _kept(multirun: bool) -> str:
    return ("finished runs are kept; run the same command to resume the sweep" if multirun
            else "nothing of the run was kept")


def _run_hydra(multirun: bool, where: str) -> int | str | None:
    """Run Hydra's ``main`` (arguments in ``sys.argv``); its exit status, with one line for Ctrl-C or a full disk."""
    # Hydra hands errors back instead of printing them: a full disk while it writes .hydra/
    # becomes one line here, and a bug keeps its whole traceback.
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        main()
    except SystemExit as stop:
        return stop.code
    except KeyboardInterrupt:
        return _interrupted(multirun)
    except OSError as err:
        if interrupts.interrupted():
            return _interrupted(multirun)
        reason = os.strerror(err.errno) if err.errno else str(err)
        print(f"Error: cannot write into {where}: {reason}; {_kept(multirun)}.", file=sys.stderr)
        return 1
    except Exception:
        if interrupts.interrupted():  # a library failing on the interrupt, not a bug of its own
            return _interrupted(multirun)
        raise
    return 0


def _interrupted(multirun: bool) -> int:
    interrupts.ending()
    print(f"Interrupted: {_kept(multirun)}.", file=sys.stderr)
    return 130


def launch(argv: list[str]) -> int:
    """Check ``argv``, claim its directory, run Hydra; returns the exit status."""
    from sim.preflight import preflight

    try:
        interrupts.release()  # from here Ctrl-C is handled below
        # Unknown group options (loyalty=nope) get the project's one-line message shape before
        # Hydra composes anything.
        sim.sweep.check_group_overrides(a for a in argv if not a.startswith("-"))
        sim.sweep.check_launcher(argv)
        argv = sim.sweep.absolute_sweep_dir(argv, Path.cwd())
        # A calibrated firm (firm=DIR): its values become the first overrides, so the command
        # line's own still win; run.json then records every one of them.
        given = [a for a in argv if not a.startswith("-")]
        if given:  # just before the first override: Hydra takes its overrides as one run of arguments
            at = argv.index(given[0])
            argv = [*argv[:at], *firm_overrides(given)[: -len(given)], *argv[at:]]
        plan = preflight(argv)
    except (ArgumentError, ConfigError, MissingExtraError) as err:
        print(f"Error in config: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        interrupts.ending()
        print("Interrupted: nothing was written.", file=sys.stderr)
        return 130
    sys.argv = [sys.argv[0], *(plan.argv if plan is not None else argv)]
    status: int | str | None = 1
    try:
        status = _run_hydra(plan is not None and plan.multirun, plan.where if plan is not None else "the run directory")
    finally:
        if plan is not None:
            plan.release(ok=status in (0, None))
    return status if isinstance(status, int) else (0 if status is None else 1)


if __name__ == "__main__":
    sys.exit(interrupts.finish(launch(sys.argv[1:])))
