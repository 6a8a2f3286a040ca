"""Registering the schema with Hydra, so that ``configs/config.yaml`` can build on it."""

from __future__ import annotations

from sim.config.schema import Config

__all__ = ["register_configs"]


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore as ``base_config`` (idempotent).

    ``configs/config.yaml`` lists ``base_config`` first in its defaults, so Hydra composes the
    YAML groups on top of :class:`~sim.config.Config` and enforces its types.
    """
    # Hydra is imported here, not at the top: validating or building a Config needs no Hydra.
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="base_config", node=Config)
