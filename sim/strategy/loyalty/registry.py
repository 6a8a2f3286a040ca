"""The registry of loyalty schemes: the names ``loyalty.schemes`` may use, and their declarations."""

from __future__ import annotations

from sim.config import LOYALTY_SCHEMES, register_plugin_config
from sim.population import FIELDS
from sim.strategy.loyalty.base import SchemeBase

__all__ = ["SCHEMES", "register_scheme"]

#: The schemes a config may name, by name.
SCHEMES: dict[str, type[SchemeBase]] = {}
_PROGRAMME_DRAWS = (0,)  # enrolment


def register_scheme(scheme: type[SchemeBase]) -> type[SchemeBase]:
    """Make ``scheme`` available to ``loyalty.schemes`` under its ``name`` (usable as a decorator).

    Checks its declarations: a new name; for a scheme beyond the built-in ones, a ``config``
    dataclass (its settings, read from ``loyalty.plugins.<name>``); population fields that are not
    core fields and agree with other schemes' fields of the same name; ledger categories given as
    :class:`~sim.ledger.Category`; draws of the ``loyalty`` stream that no other scheme uses.

    Raises
    ------
    ValueError
        When a declaration is missing or clashes with a registered scheme's.
    """
    name = scheme.name
    if not name.isidentifier() or name in SCHEMES:
        raise ValueError(f"A scheme's name must be a new identifier; {name!r} is taken or invalid.")
    builtin = name in LOYALTY_SCHEMES
    if not builtin and scheme.config is None:
        raise ValueError(f"Scheme {name!r} must declare its settings' dataclass as ``config``.")
    for other in SCHEMES.values():
        shared = set(scheme.draws) & set(other.draws)
        if shared:
            raise ValueError(f"Scheme {name!r} uses draws {sorted(shared)} of the loyalty stream, "
                             f"as {other.name!r} does.")
        for field, spec in scheme.fields.items():
            if other.fields.get(field, spec) != spec:
                raise ValueError(f"Scheme {name!r} declares field {field!r} as {spec}, "
                                 f"{other.name!r} as {other.fields[field]}.")
    if set(scheme.draws) & set(_PROGRAMME_DRAWS):
        raise ValueError(f"Draws {_PROGRAMME_DRAWS} of the loyalty stream are the programme's (enrolment).")
    if set(scheme.fields) & set(FIELDS):
        raise ValueError(f"Scheme {name!r} declares core population fields {sorted(set(scheme.fields) & set(FIELDS))}.")
    if not builtin:
        register_plugin_config(name, scheme.config)
    SCHEMES[name] = scheme
    return scheme
