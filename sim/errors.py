"""The errors a user can cause: each names the field or argument, the value and what is allowed.

Entry points catch these and print their one-line message with exit status 2 (no traceback).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "ArgumentError", "MissingExtraError", "EXTRAS", "require"]

class ConfigError(ValueError):
    """A config value is out of its allowed range; the message names field, value and rule."""

    def __init__(self, field_path: str, value: Any, allowed: str):
        self.field_path = field_path
        self.value = value
        self.allowed = allowed
        super().__init__(f"The '{field_path}' parameter must be {allowed}. Got {value!r} instead.")


class ArgumentError(ValueError):
    """A command-line argument is invalid; the message names it, its value and what is allowed.

    Parameters
    ----------
    name : str
        The argument (``'--param'``, ``'PATH'``) or override key (``'experiment'``).
    value : object
        What was given.
    allowed : str
        What is allowed, completing "must be ...".
    kind : str
        ``'argument'`` or ``'override'``.
    """

    def __init__(self, name: str, value: Any, allowed: str, kind: str = "argument"):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"The '{name}' {kind} must be {allowed}. Got {value!r} instead.")


#: Optional packages and the extra of ``pyproject.toml`` that installs each.
EXTRAS = {
    "optuna": "optimize",
    "SALib": "sensitivity",
    "hydra_plugins.hydra_submitit_launcher": "cluster",
    "hydra_plugins.hydra_ray_launcher": "ray",
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that installs it.

    Parameters
    ----------
    module : str
        The package that could not be imported (a key of :data:`EXTRAS`).
    needed_for : str
        What needs it, e.g. ``'python -m sim.optimize'``.
    """

    def __init__(self, module: str, needed_for: str):
        self.module = module
        self.extra = EXTRAS[module]
        super().__init__(f"{needed_for} needs the optional package '{module.split('.')[-1]}', which is not "
                         f"installed: pip install 'customer-sim[{self.extra}]'")


def require(module: str, needed_for: str) -> None:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra to install.

    Raises
    ------
    MissingExtraError
        If ``module`` (a key of :data:`EXTRAS`) cannot be imported.
    """
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(module, needed_for) from None
