"""Checking every field against the range declared next to it (``_p(...)`` metadata).

The rule of a field is a dict of bounds (``ge``, ``gt``, ``le``, ``lt``), ``choices`` or, for a
list, ``each`` (the rule of every element); see ``sim/config/fields.py``. The words of
:func:`describe_rule` complete the sentence "The 'x.y' parameter must be ..." of
:class:`~sim.errors.ConfigError`, and the parameter reference prints them too.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from sim.errors import ConfigError

__all__ = ["describe_rule", "check_value", "check_type", "check_ranges"]


def describe_rule(rule: dict[str, Any], kind: str) -> str:
    """What a rule allows, in words.

    Parameters
    ----------
    rule : dict
        Bounds (``ge``, ``gt``, ``le``, ``lt``) or ``choices``.
    kind : str
        Noun phrase for the value (``"an integer"``, ``"a number"``, or ``""``).

    Returns
    -------
    str
        E.g. ``"a number in [0.0, 1.0]"``, ``"an integer >= 1"``, ``"one of 'full', 'random'"``.
    """
    if "choices" in rule:
        return "one of " + ", ".join(repr(c) for c in rule["choices"])
    lo = "[" if "ge" in rule else "(" if "gt" in rule else None
    hi = "]" if "le" in rule else ")" if "lt" in rule else None
    lo_v = rule.get("ge", rule.get("gt"))
    hi_v = rule.get("le", rule.get("lt"))
    if lo and hi:
        return f"{kind} in {lo}{lo_v}, {hi_v}{hi}"
    if lo:
        return f"{kind} {'>=' if lo == '[' else '>'} {lo_v}"
    if hi:
        return f"{kind} {'<=' if hi == ']' else '<'} {hi_v}"
    return kind


def check_value(path: str, value: Any, rule: dict[str, Any]) -> None:
    """Raise :class:`~sim.errors.ConfigError` if ``value`` breaks ``rule``.

    Parameters
    ----------
    path : str
        Dotted path of the field in the scenario, for the message (``"market.potential"``).
    value : object
        The value set.
    rule : dict
        Bounds or ``choices`` (without ``each``).
    """
    kind = "an integer" if isinstance(value, int) and not isinstance(value, bool) else "a number"
    if "choices" in rule:
        if value not in rule["choices"]:
            raise ConfigError(path, value, describe_rule(rule, kind))
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(path, value, describe_rule(rule, "a finite " + kind[2:]))
    ok = (
        ("ge" not in rule or value >= rule["ge"])
        and ("gt" not in rule or value > rule["gt"])
        and ("le" not in rule or value <= rule["le"])
        and ("lt" not in rule or value < rule["lt"])
    )
    if not ok:
        raise ConfigError(path, value, describe_rule(rule, kind))


_TYPE_NAMES = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}


def check_type(path: str, value: Any, declared: Any) -> None:
    """Raise :class:`~sim.errors.ConfigError` if a scalar field does not hold its declared type.

    Hydra enforces types while composing; values set from Python are checked here.

    Parameters
    ----------
    path : str
        Dotted path of the field in the scenario, for the message.
    value : object
        The value set.
    declared : str or type
        The field's annotation (a string under postponed evaluation); only ``int``, ``float``,
        ``str`` and ``bool`` are checked.
    """
    name = declared if isinstance(declared, str) else getattr(declared, "__name__", "")
    if name not in _TYPE_NAMES:
        return
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
    }[name]
    if not ok:
        raise ConfigError(path, value, _TYPE_NAMES[name])


def check_ranges(obj: Any, prefix: str = "") -> None:
    """Check the type and range of every field of ``obj``, depth first in field order.

    Nested configs and the dataclasses in lists (competitors, campaigns, ...) are walked;
    plain list elements are checked against the field's ``each`` rule.

    Parameters
    ----------
    obj : dataclass instance
        A config or part of one.
    prefix : str
        Path of ``obj`` in the scenario with a trailing dot (``""`` for the root).

    Raises
    ------
    sim.errors.ConfigError
        On the first field out of range, in field order.
    """
    for f in dataclasses.fields(obj):
        path = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        check_type(path, value, f.type)
        rule = dict(f.metadata.get("rule", {}))
        each = rule.pop("each", None)
        if dataclasses.is_dataclass(value):
            check_ranges(value, path + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    check_ranges(item, f"{path}[{i}].")
                elif each:
                    check_value(f"{path}[{i}]", item, each)
        elif rule:
            check_value(path, value, rule)
