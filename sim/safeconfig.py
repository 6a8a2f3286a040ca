"""Configs are data: what a composed config may instantiate, import, write or read from the environment.

Hydra turns some config values into code: a ``_target_`` names a class or function to call
(callbacks, launchers, sweepers), a logging section names handler classes, factories (``()``)
and ``ext://`` objects, ``hydra.job.env_set`` changes the job's environment and
``hydra.output_subdir`` says where Hydra writes its own files. A scenario file shared between
analysts (``--config-dir/--config-name``) or an override (``+hydra.callbacks...``) could use
any of them to write files or run code. :func:`check_config_is_data` refuses, after composition
and before anything is instantiated, every such value outside what the project ships:

* a ``_target_`` other than those of :data:`ALLOWED_TARGETS`: the project's sweep callback in
  ``hydra.callbacks``, the launchers of ``configs/hydra/launcher/`` (and Hydra's in-process
  one) in ``hydra.launcher``, Hydra's basic sweeper in ``hydra.sweeper``, and nothing anywhere
  else;
* in ``hydra.job_logging``/``hydra.hydra_logging``: factories, classes other than the standard
  stream, file and null handlers and the plain formatter, ``ext://``/``cfg://`` references
  other than standard output and error, and log files other than Hydra's own;
* ``hydra.job.env_set``, ``hydra.output_subdir`` outside the run directory, a job name that is
  not a plain file name, search paths other than ``file://`` folders, and Slurm ``setup``
  shell lines other than the shipped ones.

:func:`check_scenario_resolvers` keeps the scenario (everything but ``hydra``) reproducible from
its ``run.json``: an interpolation may refer to other scenario values and use only the
deterministic resolvers of :data:`SCENARIO_RESOLVERS`, never the environment (``oc.env``), the
clock (``now``) or Hydra's runtime (``hydra:``); it is checked before anything is resolved, so
no environment value is ever read into a run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError

__all__ = ["ALLOWED_TARGETS", "SCENARIO_RESOLVERS", "check_config_is_data", "check_scenario_resolvers"]

_SUBMITIT = "hydra_plugins.hydra_submitit_launcher.submitit_launcher."
#: The ``_target_`` each place of a config may name: what ``configs/`` and its launcher options
#: instantiate. A ``_target_`` anywhere else is refused.
ALLOWED_TARGETS: dict[str, frozenset[str]] = {
    # configs/config.yaml: the sweep's progress bar and results table
    "hydra.callbacks.*": frozenset({"sim.sweep.SweepCallback"}),
    "hydra.launcher": frozenset({
        "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",  # the default
        _SUBMITIT + "SlurmLauncher",  # hydra/launcher=slurm (and the plugin's submitit_slurm)
        _SUBMITIT + "LocalLauncher",  # hydra/launcher=submitit_local
        "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",  # hydra/launcher=ray_cluster
        "hydra._internal.core_plugins.basic_launcher.BasicLauncher",  # Hydra's own, in process
    }),
    "hydra.sweeper": frozenset({"hydra._internal.core_plugins.basic_sweeper.BasicSweeper"}),  # sweeps
}
#: Resolvers a scenario value may use: each a pure function of the config.
SCENARIO_RESOLVERS = ("oc.create", "oc.decode", "oc.deprecated", "oc.dict.keys", "oc.dict.values", "oc.select")

_LOGGING_SECTIONS = ("job_logging", "hydra_logging")
_LOGGING_CLASSES = ("logging.StreamHandler", "logging.FileHandler", "logging.NullHandler", "logging.Formatter")
_LOGGING_STREAMS = ("ext://sys.stdout", "ext://sys.stderr")
# Hydra's own log files: the job's log in its run directory, and hydra_debug's.
_LOG_FILES = ("${hydra.runtime.output_dir}/${hydra.job.name}.log", "hydra-${hydra.job.name}.log")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.=,+@-]*")
_DATA = "configs are data: they instantiate and import only what the project ships"


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """``(path, key, value)`` of every entry below a plain container, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        child = f"{path}[{key}]" if isinstance(node, list) else f"{path}.{key}" if path else str(key)
        yield child, key, value
        yield from _walk(value, child)


def _container(cfg: DictConfig, key: str | None = None) -> Any:
    """The unresolved plain content of ``cfg`` (or of its ``key``): interpolations stay text."""
    node = cfg if key is None else OmegaConf.select(cfg, key, throw_on_missing=False)
    if not OmegaConf.is_config(node):
        return node
    return OmegaConf.to_container(node, resolve=False, throw_on_missing=False)


def _place(path: str) -> str:
    """The place of a ``_target_`` in :data:`ALLOWED_TARGETS` terms (``hydra.callbacks.x`` -> ``hydra.callbacks.*``)."""
    owner = path.rsplit(".", 1)[0]
    return "hydra.callbacks.*" if re.fullmatch(r"hydra\.callbacks\.[^.\[\]]+", owner) else owner


def _check_targets(content: Any) -> None:
    for path, key, value in _walk(content, ""):
        if key != "_target_":
            continue
        allowed = ALLOWED_TARGETS.get(_place(path))
        if allowed is None:  # the scenario, or a part of Hydra's settings that instantiates nothing
            raise ConfigError(path, value, f"absent: nothing is instantiated here ({_DATA})")
        if not isinstance(value, str) or value not in allowed:
            raise ConfigError(path, value, "one of " + ", ".join(repr(t) for t in sorted(allowed)) + f" ({_DATA})")


def _check_logging(hydra: dict[str, Any]) -> None:
    """Logging sections configure handlers by class name: only the standard, harmless ones."""
    for section in _LOGGING_SECTIONS:
        for path, key, value in _walk(hydra.get(section) or {}, f"hydra.{section}"):
            if key == "()":
                raise ConfigError(path, value, f"absent: logging factories run code ({_DATA})")
            if key == "class" and value not in _LOGGING_CLASSES:
                raise ConfigError(path, value, "one of " + ", ".join(map(repr, _LOGGING_CLASSES)) + f" ({_DATA})")
            if key == "filename" and value not in _LOG_FILES:
                raise ConfigError(path, value, "one of " + ", ".join(map(repr, _LOG_FILES))
                                  + " (a run writes its log only into its own directory)")
            if isinstance(value, str) and value.startswith(("ext://", "cfg://")) and value not in _LOGGING_STREAMS:
                raise ConfigError(path, value, "one of " + ", ".join(map(repr, _LOGGING_STREAMS)) + f" ({_DATA})")


def _check_output_subdir(value: Any) -> None:
    if value is None:
        return
    parts = re.split(r"[\\/]", str(value))
    if not str(value) or str(value).startswith(("/", "\\", "~")) or ".." in parts or "${" in str(value):
        raise ConfigError("hydra.output_subdir", value,
                          "null or a relative folder inside the run directory (such as '.hydra')")


def _check_hydra_settings(hydra: dict[str, Any], shipped_setup: list[str] | None) -> None:
    """Settings of the ``hydra`` section that act on the machine rather than describe a run."""
    job = hydra.get("job") or {}
    # Hydra fills env_set from env_copy with the current values: those change nothing.
    copied = {k: os.environ.get(k) for k in job.get("env_copy") or ()}
    changed = {k: v for k, v in (job.get("env_set") or {}).items() if k not in copied or copied[k] != v}
    if changed:
        raise ConfigError("hydra.job.env_set", changed, "empty: a config does not change the environment of its jobs")
    name = job.get("name")
    if name is not None and not _PLAIN_NAME.fullmatch(str(name)):
        raise ConfigError("hydra.job.name", name, "a plain file name (letters, digits, '_', '-', '.')")
    _check_output_subdir(hydra.get("output_subdir"))
    for i, entry in enumerate(hydra.get("searchpath") or ()):
        if not str(entry).startswith("file://"):
            raise ConfigError(f"hydra.searchpath[{i}]", entry, "a 'file://' folder of YAML files (" + _DATA + ")")
    setup = (hydra.get("launcher") or {}).get("setup")
    if setup and list(setup) != list(shipped_setup or ()):
        raise ConfigError("hydra.launcher.setup", setup,
                          f"the shipped lines {shipped_setup!r}: setup lines are shell commands, and a config "
                          f"runs none (edit configs/hydra/launcher/slurm.yaml to change them)")


def check_config_is_data(cfg: DictConfig, shipped_setup: list[str] | None = None) -> None:
    """Refuse a composed config that would instantiate, import or write anything the project does not ship.

    Parameters
    ----------
    cfg : DictConfig
        The config as Hydra composed it, ``hydra`` section included, before anything is
        resolved or instantiated.
    shipped_setup : list of str, optional
        The ``setup`` lines of the shipped Slurm launcher (``configs/hydra/launcher/slurm.yaml``).

    Raises
    ------
    ConfigError
        Naming the key, its value and what is allowed.
    """
    content = _container(cfg)
    _check_targets(content)
    hydra = content.get("hydra") if isinstance(content, dict) else None
    if isinstance(hydra, dict):
        _check_logging(hydra)
        _check_hydra_settings(hydra, shipped_setup)
    check_scenario_resolvers(cfg)


def _interpolations(text: str) -> tuple[list[str], list[str]]:
    """Resolver names and referenced keys of the interpolations in ``text``."""
    from omegaconf import grammar_parser
    from omegaconf.grammar.gen.OmegaConfGrammarParser import OmegaConfGrammarParser as Grammar

    resolvers: list[str] = []
    keys: list[str] = []
    stack = [grammar_parser.parse(text)]
    while stack:
        tree = stack.pop()
        if isinstance(tree, Grammar.InterpolationResolverContext):
            resolvers.append(tree.resolverName().getText())
        elif isinstance(tree, Grammar.InterpolationNodeContext):
            keys.append(tree.getText()[2:-1].strip())
        stack.extend(tree.getChild(i) for i in range(getattr(tree, "getChildCount", lambda: 0)()))
    return resolvers, keys


def check_scenario_resolvers(cfg: DictConfig) -> None:
    """Refuse interpolations of the scenario (every key but ``hydra``) that depend on the environment.

    An interpolation may refer to another scenario value (``${customers.initial}``) and use the
    resolvers of :data:`SCENARIO_RESOLVERS`; the environment, the clock and Hydra's runtime
    would make a run differ from what its ``run.json`` records, and could write a secret there.

    Raises
    ------
    ConfigError
        Naming the key, the interpolation as written (never its value) and what is allowed.
    """
    from omegaconf.errors import GrammarParseError

    allowed = ("a value, or an interpolation of other scenario values using only the resolvers "
               + ", ".join(SCENARIO_RESOLVERS) + " (a run must be reproducible from its run.json: no "
               "environment variables, clock or Hydra runtime values)")
    content = _container(cfg)
    for path, _, value in _walk({k: v for k, v in content.items() if k != "hydra"}, ""):
        if not isinstance(value, str) or "${" not in value:
            continue
        try:
            resolvers, keys = _interpolations(value)
        except GrammarParseError:
            raise ConfigError(path, value, allowed + "; this one cannot be parsed") from None
        if any(r not in SCENARIO_RESOLVERS for r in resolvers) or any(k.split(".")[0] == "hydra" for k in keys):
            raise ConfigError(path, value, allowed)
