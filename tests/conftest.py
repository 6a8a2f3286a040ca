"""Shared fixtures: small scenarios built from the real configs."""

from __future__ import annotations

import copy
import signal
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.config import Config, register_configs

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")


def compose_config(overrides: list[str] | None = None) -> Config:
    """Compose the real Hydra config tree with ``overrides`` into a typed Config."""
    register_configs()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides or []))
    return OmegaConf.to_object(cfg)


SMALL = [
    "customers.initial=2000",
    "market.potential=20000",
    "horizon.weeks=104",
    "output.plots=false",
]


@pytest.fixture
def small_config() -> Config:
    """The default scenario scaled down (2,000 customers, 20,000 potential, 104 weeks)."""
    return compose_config(SMALL)


def with_changes(cfg: Config, **changes) -> Config:
    """A deep copy of ``cfg`` with dotted-path changes, e.g. ``**{"pricing.list_price": 30}``."""
    new = copy.deepcopy(cfg)
    for path, value in changes.items():
        obj = new
        *parents, leaf = path.split(".")
        for p in parents:
            obj = getattr(obj, p)
        setattr(obj, leaf, value)
    return new


def interruptible() -> None:
    """``preexec_fn`` of a command a test interrupts: Ctrl-C handled by default, as at a terminal
    (a test run started in the background inherits an ignored SIGINT, which Python then keeps)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
