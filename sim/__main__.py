"""``python -m sim [hydra overrides]``: run one scenario (or a sweep with ``--multirun``)."""

import sys

import hydra
from omegaconf import DictConfig

import sim.sweep  # noqa: F401  (registers the sim.job_dir resolver used by sweep directories)
from sim.config import register_configs
from sim.errors import ArgumentError, ConfigError
from sim.scenario import firm_overrides

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
        # A calibrated firm (firm=DIR): its values become the first overrides, so the command
        # line's own still win; run.json then records every one of them.
        given = [a for a in sys.argv[1:] if not a.startswith("-")]
        if given:  # just before the first override: Hydra takes its overrides as one run of arguments
            at = sys.argv.index(given[0])
            sys.argv[at:at] = firm_overrides(given)[: -len(given)]
    except (ArgumentError, ConfigError) as err:
        print(f"Error in config: {err}", file=sys.stderr)
        sys.exit(2)
    main()
