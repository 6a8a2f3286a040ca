"""From command-line overrides to a typed scenario: Hydra composition and validation.

:func:`compose_config` composes ``configs/config.yaml`` with overrides as ``python -m sim``
does; :func:`to_scenario` turns a composed config into the validated :class:`~sim.config.Config`
that the engine runs. Both the Hydra job (:mod:`sim.cli`) and in-process batches
(:mod:`sim.sweep`) go through here, so a scenario is the same whichever way it was asked for.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config import Config, register_configs, validate
from sim.errors import ArgumentError, ConfigError
from sim.safeconfig import check_scenario_resolvers

__all__ = [
    "CONFIG_DIR", "check_group_overrides", "compose_config", "compose_scenario", "to_scenario", "check_range_value",
    "firm_overrides", "firm_data", "FIRM_SCENARIO", "FIRM_CUSTOMERS", "FIRM_DATA_KEYS",
    "override_error", "with_plots_resolved",
]

#: Files of a calibrated firm's directory (``python -m sim.calibrate --out DIR``).
FIRM_SCENARIO, FIRM_CUSTOMERS = "scenario.yaml", "customers.parquet"
#: Keys of a firm's scenario.yaml that are data about the fit, not config values: ``sampling`` (the
#: estimates and the covariance of their logs, from which each replication draws its parameters)
#: and ``record`` (what is fitted, with standard errors, and what is assumed, with its source).
FIRM_DATA_KEYS = ("sampling", "record")
_FIRM_ALLOWED = "a directory written by python -m sim.calibrate --out DIR (holding scenario.yaml and customers.parquet)"

#: The Hydra config tree the command line uses (``python -m sim``).
CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def _check_known_keys(node: Any, schema: Any, prefix: str = "") -> None:
    """Refuse keys the schema does not have (``+customers.typo=1``, ``+_target_=...``).

    Nothing in a scenario is ever instantiated from a class path; an unknown key would only be
    ignored silently, so it is an error.
    """
    if not dataclasses.is_dataclass(schema):
        return
    known = {f.name: f for f in dataclasses.fields(schema)}
    for key in node.keys() if isinstance(node, DictConfig) else ():
        path = f"{prefix}{key}"
        if key not in known:
            raise ConfigError(path, OmegaConf.select(node, str(key), throw_on_missing=False),
                              "absent: it is not a parameter (known here: " + ", ".join(sorted(known)) + ")")
        child = getattr(schema, str(key))
        value = node[key]
        if isinstance(value, DictConfig):
            _check_known_keys(value, child, path + ".")


def _raw_value(cfg: DictConfig, key: str) -> Any:
    """The value at ``key`` (``a.b[0].c``) as written, interpolations unresolved."""
    node: Any = OmegaConf.to_container(cfg, resolve=False, throw_on_missing=False)
    for part in re.findall(r"[^.\[\]]+", key):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def to_scenario(cfg: DictConfig) -> Config:
    """The typed, validated scenario of a composed Hydra config.

    Interpolations are checked before anything is resolved
    (:func:`sim.safeconfig.check_scenario_resolvers`): no environment value is read.

    Raises
    ------
    ConfigError
        For a key the schema does not have, an environment-dependent or broken interpolation,
        or a value outside its allowed range.
    """
    from omegaconf.errors import InterpolationResolutionError, OmegaConfBaseException

    check_scenario_resolvers(cfg)
    try:
        _check_known_keys(cfg, Config())
        scenario = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as err:
        key = getattr(err, "full_key", None) or "config"
        detail = str(err).splitlines()[0].rstrip(".")
        allowed = ("an interpolation of an existing scenario value" if isinstance(err, InterpolationResolutionError)
                   else "a value of the field's type")
        raise ConfigError(key, _raw_value(cfg, key), f"{allowed} ({detail})") from None
    assert isinstance(scenario, Config)
    return validate(scenario)


def with_plots_resolved(scenario: Config, multirun: bool) -> Config:
    """``output.plots`` None means: plots for a single run, none for the runs of a sweep."""
    if scenario.output.plots is not None:
        return scenario
    return dataclasses.replace(scenario, output=dataclasses.replace(scenario.output, plots=not multirun))


def check_group_overrides(overrides: Iterable[str]) -> None:
    """Check that every config-group choice among ``overrides`` names an existing option.

    Raises
    ------
    ArgumentError
        Naming the group, the value and the options, e.g. for ``experiment=nope``.
    """
    overrides = list(overrides)
    roots = [CONFIG_DIR, *searchpath_dirs(overrides)]
    for item in overrides:
        key, sep, value = item.partition("=")
        group = key.lstrip("+~").split("@", 1)[0]
        folders = [root / group for root in roots if (root / group).is_dir()]
        # Hydra's own groups also hold plugin configs, and sweeps are checked by Hydra itself.
        if (not sep or group.startswith("hydra") or not folders or value in ("null", "")
                or "," in value or "(" in value):
            continue
        options = sorted({p.relative_to(f).with_suffix("").as_posix() for f in folders for p in f.rglob("*.yaml")})
        if value not in options:
            allowed = ("one of " + ", ".join(repr(o) for o in options) if options
                       else "an option in " + str(folders[0]))
            raise ArgumentError(group, value, allowed, kind="override")


def _override_value(key: str, value: Any) -> str:
    """``value`` in Hydra's override grammar; strings quoted, lists bracketed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if "${" in value or "'" in value:
            raise ConfigError(key, value, "plain data in a firm's scenario.yaml (no interpolation, no quote)")
        return f"'{value}'"
    if isinstance(value, list):
        return "[" + ",".join(_override_value(key, v) for v in value) + "]"
    raise ConfigError(key, value, "a number, a string, true/false or a list of them in a firm's scenario.yaml")


def _flatten(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in _flatten(value, f"{prefix}{key}.")]
    key = prefix.rstrip(".")
    return [f"{key}={_override_value(key, node)}"]


def firm_overrides(overrides: Sequence[str]) -> list[str]:
    """``overrides`` with a calibrated firm's values put before them (``firm=DIR`` among them).

    The firm's ``DIR/scenario.yaml`` is read as data (YAML, no interpolation, no class paths).
    Its ``sampling`` and ``record`` (:data:`FIRM_DATA_KEYS`) are data about the fit, not values
    (:func:`firm_data` reads them). Its ``groups`` (``{acquisition: none}``) become group choices
    and its other values ordinary overrides, all placed first: a group chosen on the command line
    or in an experiment file replaces the firm's choice, and a value given on the command line wins over the firm's. The
    firm's values (the fitted customers and its market) beat group and experiment files,
    which do not set them. Without ``firm=`` the overrides are returned unchanged.

    Raises
    ------
    ConfigError
        Naming ``firm`` and the value when the directory is not a calibrated firm, or the key
        and value of a scenario.yaml entry that is not plain data.
    """
    overrides = list(overrides)
    given = [o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0].lstrip("+") == "firm" and "=" in o]
    if not given or not given[-1]:
        return overrides
    data = _firm_yaml(given[-1])
    for key in ("firm", *FIRM_DATA_KEYS):
        data.pop(key, None)
    groups = data.pop("groups", None) or {}
    if not isinstance(groups, dict) or not all(isinstance(v, str) for v in groups.values()):
        raise ConfigError("firm", given[-1], f"{_FIRM_ALLOWED}; its scenario.yaml's groups map a group to an option")
    return [*(f"{group}={option}" for group, option in groups.items()), *_flatten(data), *overrides]


def _firm_yaml(folder_name: str) -> dict[str, Any]:
    """A calibrated firm's ``scenario.yaml`` as plain data (YAML, no interpolation, no class paths)."""
    import yaml

    folder = Path(folder_name)
    if not ((folder / FIRM_SCENARIO).is_file() and (folder / FIRM_CUSTOMERS).is_file()):
        raise ConfigError("firm", folder_name, _FIRM_ALLOWED)
    try:
        data = yaml.safe_load((folder / FIRM_SCENARIO).read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ConfigError("firm", folder_name,
                          f"{_FIRM_ALLOWED}; its scenario.yaml is not valid YAML ({err})") from None
    if not isinstance(data, dict):
        raise ConfigError("firm", folder_name, f"{_FIRM_ALLOWED}; its scenario.yaml is not a mapping of values")
    return data


def firm_data(folder: str) -> dict[str, Any]:
    """The fit's data in a calibrated firm's ``scenario.yaml``: :data:`FIRM_DATA_KEYS`, each None
    when the firm was written without it (by an older version of ``python -m sim.calibrate``).

    Raises
    ------
    ConfigError
        Naming ``firm`` when the directory is not a calibrated firm.
    """
    data = _firm_yaml(folder)
    return {key: data.get(key) for key in FIRM_DATA_KEYS}


def searchpath_dirs(overrides: Iterable[str]) -> list[Path]:
    """The folders a ``hydra.searchpath=[file://...]`` override adds to the config tree.

    A firm keeps its own scenario library there (``experiment/<name>.yaml`` and any group
    option); Hydra composes from them, so group choices are checked against them too. Package
    search paths (``pkg://``) are left to Hydra.
    """
    dirs: list[Path] = []
    for item in overrides:
        key, _, value = item.partition("=")
        if key.lstrip("+~") != "hydra.searchpath":
            continue
        for entry in value.strip("[]").split(","):
            entry = entry.strip().strip("'\"")
            if entry.startswith("file://"):
                dirs.append(Path(entry.removeprefix("file://")))
            elif entry and "://" not in entry:
                dirs.append(Path(entry))
    return dirs


_TYPES = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false", "String": "a string"}


def override_error(err: Exception, overrides: list[str]) -> ArgumentError | ConfigError:
    """The one-line error naming the override that Hydra or OmegaConf could not apply.

    Parameters
    ----------
    err : Exception
        Hydra's or OmegaConf's error.
    overrides : list of str
        The overrides given, to quote the offending value as written.

    Returns
    -------
    ArgumentError or ConfigError
        The override's error; a :class:`ConfigError` when the key comes from a config file.
    """
    from omegaconf.errors import OmegaConfBaseException

    cause = err.__cause__ if isinstance(err.__cause__, OmegaConfBaseException) else err
    lines = [ln.strip() for ln in str(cause).splitlines() if ln.strip()]
    detail = "; ".join(ln for ln in lines[:3] if not ln.startswith(("full_key", "object_type", "reference_type",
                                                                      "To append", "See http")))
    named = re.search(r"override '?([^'\s=]+)", str(err)) or re.search(r"full_key: (\S+)", str(err))
    key = getattr(cause, "full_key", None) or (named.group(1) if named else "overrides")
    given = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") == key]
    in_file = re.match(r"In '([^']+)'", str(err))
    if in_file and not given and key != "overrides":
        # The key comes from a config file, not the command line: name the file's key.
        return ConfigError(key, f"<set in config '{in_file.group(1)}'>", f"a key the schema has ({detail.rstrip('.')})")
    kind = re.search(r"converted to (\w+)", detail)
    if kind and kind.group(1) in _TYPES:
        allowed = _TYPES[kind.group(1)]
    elif "is not a valid bool" in detail:
        allowed = _TYPES["Boolean"]
    elif "not in" in detail or "not found" in detail:
        allowed = f"an existing config key ({detail.rstrip('.')})"
    else:
        allowed = f"a value Hydra can apply ({detail.rstrip('.')})"
    return ArgumentError(key, given[-1].split("=", 1)[-1] if given else " ".join(overrides), allowed, kind="override")


def compose_config(overrides: Sequence[str]) -> DictConfig:
    """Compose ``configs/config.yaml`` with command-line style overrides (Hydra's compose API).

    Raises
    ------
    ArgumentError
        For an unknown group option, an unknown key or a value of the wrong type.
    """
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    overrides = firm_overrides(overrides)
    check_group_overrides(overrides)
    register_configs()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="sim"):
            return compose(config_name="config", overrides=overrides)
    except (HydraException, OmegaConfBaseException) as err:
        raise override_error(err, overrides) from None


def compose_scenario(overrides: Sequence[str]) -> Config:
    """The validated scenario of ``overrides``, as ``python -m sim OVERRIDES`` would run it.

    Raises
    ------
    ArgumentError
        For overrides Hydra cannot apply (see :func:`compose_config`).
    ConfigError
        For values outside their allowed range.
    """
    return to_scenario(compose_config(overrides))


def check_range_value(argument: tuple[str, str, str], overrides: Sequence[str]) -> None:
    """Compose the scenario with ``overrides``, one bound of a range a command was given.

    ``argument`` is the command's option (``--param``, ``--factor``), its value as given and the
    config key it ranges over. A refusal becomes an :class:`~sim.errors.ArgumentError` of that
    option naming what the config allows.
    """
    option, spec, key = argument
    try:
        compose_scenario(overrides)
    except ArgumentError as err:
        raise ArgumentError(option, spec, f"a range of an existing config value: '{key}' "
                            f"must be {err.allowed}") from None
    except ConfigError as err:
        raise ArgumentError(option, spec, f"a range within the allowed values of "
                            f"'{err.field_path}' ({err.allowed})") from None
