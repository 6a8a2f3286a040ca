"""``python -m sim [hydra overrides]``: run one scenario (or a sweep with ``--multirun``)."""

import hydra
from omegaconf import DictConfig

import sim.sweep  # noqa: F401  (registers the sim.job_dir resolver used by sweep directories)
from sim.config import register_configs

register_configs()


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> None:
    from sim.cli import run_job

    run_job(cfg)


if __name__ == "__main__":
    main()
