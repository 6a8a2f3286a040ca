"""Scenarios the benchmarks run, composed from the project's real Hydra config tree.

Composing ``configs/`` (rather than instantiating :class:`~sim.config.Config` with its dataclass
defaults) makes "the full default model" exactly what ``python -m sim`` runs.
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.config import Config, register_configs, validate

__all__ = ["CONFIG_DIR", "compose_config", "default_model"]

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def compose_config(overrides: list[str]) -> Config:
    """The validated scenario of the real config tree with Hydra ``overrides`` applied.

    Parameters
    ----------
    overrides : list of str
        Hydra overrides, e.g. ``["customers.initial=1000", "loyalty=points"]``.
    """
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides))
    return validate(OmegaConf.to_object(cfg))


def default_model(customers: int, weeks: int, seed: int = 0) -> list[str]:
    """Overrides for the full default model at a given scale.

    The market holds twice as many people as the initial base, so acquisition, awareness and
    word of mouth all do real work. Plots are off: they are not part of the engine's cost.

    Parameters
    ----------
    customers : int
        Initial customers.
    weeks : int
        Horizon in weeks.
    seed : int
        Root seed.
    """
    return [
        f"customers.initial={customers}",
        f"market.potential={2 * customers}",
        f"horizon.weeks={weeks}",
        f"seed={seed}",
        "output.plots=false",
    ]
