"""Declaring config fields with their allowed range, shared by every schema module.

A field declared with :func:`_p` carries its range as dataclass metadata (``rule``), which
:func:`sim.config.validate` checks and the parameter reference (``sim/config/doc.py``) prints.
A behavioural parameter that data cannot pin down also carries its prior range (``prior``) and
the source of that range (``source``); :mod:`sim.config.priors` collects them.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import field
from typing import Any

from sim.errors import ConfigError

__all__ = ["_p", "PROB", "NONNEG", "POS", "Checked"]


def _p(default: Any = dataclasses.MISSING, *, factory: Any = dataclasses.MISSING, source: str = "",
       prior: tuple[Any, Any] | None = None, **rule: Any) -> Any:
    """A dataclass field whose allowed range is stored as metadata for :func:`sim.config.validate`.

    Parameters
    ----------
    default : object, optional
        Default value of the field.
    factory : callable, optional
        Default factory instead of ``default`` (for lists).
    source : str, optional
        Where the default or the mechanism comes from, for the parameter reference; with
        ``prior``, where the prior range comes from ("modelling choice, wide prior" when no
        published range exists).
    prior : tuple of float, optional
        ``(low, high)``: the range of values the literature (or, failing it, judgement) finds
        plausible for a behavioural parameter, in the field's unit; the sensitivity study over
        priors (``python -m sim.sensitivity --priors``) samples it uniformly. For a list
        parameter, ``(low list, high list)`` of its length: one uncertain position between the
        two, every element moving together (a tier ladder stays a ladder).
    **rule
        ``ge``, ``gt``, ``le``, ``lt`` (bounds, in the field's unit), ``choices`` (a tuple),
        ``each`` (a rule applied to every element of a list).

    Returns
    -------
    dataclasses.Field
        The field, with the rule under ``metadata["rule"]`` (and the source under ``"source"``,
        the prior under ``"prior"``).
    """
    metadata: dict[str, Any] = {"rule": rule}
    if source:
        metadata["source"] = source
    if prior is not None:
        low, high = prior
        metadata["prior"] = ((tuple(map(float, low)), tuple(map(float, high))) if isinstance(low, (list, tuple))
                             else (float(low), float(high)))
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


#: A probability or share, in [0, 1].
PROB = {"ge": 0.0, "le": 1.0}
#: Non-negative (amounts, rates, effects).
NONNEG = {"ge": 0.0}
#: Strictly positive (shapes and scales of distributions).
POS = {"gt": 0.0}


def _hints(cls: type) -> dict[str, Any]:
    """The resolved annotations of a config dataclass's fields, cached on the class."""
    cached = cls.__dict__.get("_field_hints")
    if cached is None:
        names = {f.name for f in dataclasses.fields(cls)}
        cached = {k: v for k, v in typing.get_type_hints(cls).items() if k in names}
        type.__setattr__(cls, "_field_hints", cached)
    return cached


_SCALARS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` may be set on a field annotated ``hint`` (scalars, lists, configs, unions)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple):
        return isinstance(value, (list, tuple))
    if origin is dict:
        return isinstance(value, dict)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return isinstance(value, hint)
    return True  # Any and anything not checked here: the ranges of validate() decide


def _type_words(hint: Any, path: str) -> str:
    """What the field at ``path``, annotated ``hint``, holds, completing "must be ..."."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join("null" if h is type(None) else _type_words(h, path) for h in typing.get_args(hint))
    if hint in _SCALARS:
        return _SCALARS[hint]
    if origin in (list, tuple):
        return "a list"
    if origin is dict:
        return "a mapping"
    name = getattr(hint, "__name__", str(hint))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return f"a {name} (or set its fields one by one: cfg.{path}.<field> = value)"
    return f"a {name}"


class Checked:
    """Config objects refuse, when set, an attribute that is not a field or a value of the wrong type.

    ``cfg.horizon.week = 52`` (a typo) or ``Config(horizon={"weeks": 52})`` raise
    :class:`~sim.errors.ConfigError` at once, with the one-line message the command line gives
    for the same mistake, instead of being ignored or failing later. Ranges are checked by
    :func:`sim.config.validate`, which every run calls: a scenario may pass through values out of
    range while it is being edited.
    """

    __slots__ = ()

    def _path(self, name: str) -> str:
        prefix = self.__dict__.get("_config_path", "")
        return f"{prefix}.{name}" if prefix else name

    def __setattr__(self, name: str, value: Any) -> None:
        hints = _hints(type(self))
        path = self._path(name)
        if name not in hints:
            raise ConfigError(path, value, "absent: it is not a parameter (known here: " + ", ".join(sorted(hints))
                              + ")")
        if not _fits(value, hints[name]):
            raise ConfigError(path, value, _type_words(hints[name], path))
        _place(value, path)
        object.__setattr__(self, name, value)


def _place(value: Any, path: str) -> None:
    """Tell a config object (and every one inside it) where it sits, for the paths in messages."""
    if isinstance(value, Checked):
        object.__setattr__(value, "_config_path", path)
        for f in dataclasses.fields(value):
            _place(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _place(item, f"{path}[{i}]")
