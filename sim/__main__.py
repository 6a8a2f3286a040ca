"""``python -m sim [hydra overrides]``: run one scenario (or a sweep with ``--multirun``)."""

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

import sim.sweep  # noqa: F401  (registers the sim.job_dir resolver used by sweep directories)
from sim.config import register_configs
from sim.errors import ArgumentError, ConfigError, MissingExtraError
from sim.scenario import firm_overrides

INTERRUPTED = ("Interrupted. Run the same command again to resume: a sweep with the same hydra.sweep.dir keeps "
               "its finished runs and does not run them again.")
INTERRUPTED_RUN = "Interrupted; the run was not finished. Run the same command again to run it afresh."

register_configs()


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> None:
    from sim.cli import run_job

    run_job(cfg)


if __name__ == "__main__":
    # Unknown group options (loyalty=nope) get the project's one-line message shape before
    # Hydra composes anything.
    try:
        sim.sweep.check_group_overrides(a for a in sys.argv[1:] if not a.startswith("-"))
        sim.sweep.check_launcher(sys.argv[1:])
        sys.argv[1:] = sim.sweep.absolute_sweep_dir(sys.argv[1:], Path.cwd())
        # A calibrated firm (firm=DIR): its values become the first overrides, so the command
        # line's own still win; run.json then records every one of them.
        given = [a for a in sys.argv[1:] if not a.startswith("-")]
        if given:  # just before the first override: Hydra takes its overrides as one run of arguments
            at = sys.argv.index(given[0])
            sys.argv[at:at] = firm_overrides(given)[: -len(given)]
    except (ArgumentError, ConfigError, MissingExtraError) as err:
        print(f"Error in config: {err}", file=sys.stderr)
        sys.exit(2)
    try:
        main()
    except KeyboardInterrupt:
        sweep = any(a in ("-m", "--multirun") for a in sys.argv[1:])
        print(f"\n{INTERRUPTED if sweep else INTERRUPTED_RUN}", file=sys.stderr)
        sys.exit(130)
