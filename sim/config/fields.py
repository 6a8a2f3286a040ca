"""Declaring config fields with their allowed range, shared by every schema module.

A field declared with :func:`_p` carries its range as dataclass metadata (``rule``), which
:func:`sim.config.validate` checks and the parameter reference (``sim/config/doc.py``) prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Any

__all__ = ["_p", "PROB", "NONNEG", "POS"]


def _p(default: Any = dataclasses.MISSING, *, factory: Any = dataclasses.MISSING, source: str = "",
       **rule: Any) -> Any:
    """A dataclass field whose allowed range is stored as metadata for :func:`sim.config.validate`.

    Parameters
    ----------
    default : object, optional
        Default value of the field.
    factory : callable, optional
        Default factory instead of ``default`` (for lists).
    source : str, optional
        Where the default or the mechanism comes from, for the parameter reference.
    **rule
        ``ge``, ``gt``, ``le``, ``lt`` (bounds, in the field's unit), ``choices`` (a tuple),
        ``each`` (a rule applied to every element of a list).

    Returns
    -------
    dataclasses.Field
        The field, with the rule under ``metadata["rule"]`` (and the source under ``"source"``).
    """
    metadata = {"rule": rule, "source": source} if source else {"rule": rule}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


#: A probability or share, in [0, 1].
PROB = {"ge": 0.0, "le": 1.0}
#: Non-negative (amounts, rates, effects).
NONNEG = {"ge": 0.0}
#: Strictly positive (shapes and scales of distributions).
POS = {"gt": 0.0}
