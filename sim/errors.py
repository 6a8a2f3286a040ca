"""The errors a user can cause: each names the field or argument, the value and what is allowed.

Entry points catch these and print their one-line message with exit status 2 (no traceback).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "ArgumentError"]

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
