"""Declaring config fields with their allowed range, shared by every schema module."""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Any

__all__ = ["_p", "PROB", "NONNEG", "POS"]


def _p(default: Any = dataclasses.MISSING, *, factory: Any = dataclasses.MISSING, **rule: Any) -> Any:
    """A dataclass field whose allowed range is stored as metadata for :func:`validate`.

    Keywords: ``ge``, ``gt``, ``le``, ``lt`` (bounds), ``choices`` (a tuple), ``each`` (a rule
    applied to every element of a list).
    """
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata={"rule": rule})
    return field(default=default, metadata={"rule": rule})


PROB = {"ge": 0.0, "le": 1.0}
NONNEG = {"ge": 0.0}
POS = {"gt": 0.0}
