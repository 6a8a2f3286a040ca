"""Property fuzzing of ``python -m sim``'s command line, in process (issue 21, "fuzz tests grow").

:func:`sim.preflight.preflight` sees every command line before Hydra does. For random mixes of valid overrides,
wrong types, unknown keys, interpolations (every resolver, broken ones, references to missing keys), ``hydra.*``
settings (targets, logging, run and sweep directories) and paths, it must either accept the line (and then the
config is data: no target outside the allow-list, no environment resolver in the scenario) or refuse it with
an :class:`ArgumentError` or :class:`ConfigError` whose message has the one-line shape - never another exception.
Whatever it accepts, it claims a new or empty directory; whatever it refuses, it leaves the disk as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import register_configs
from sim.errors import ArgumentError, ConfigError

KEYS = ["seed", "horizon.weeks", "customers.initial", "market.potential", "pricing.list_price", "output.plots",
        "customers.churn_rate", "customers.typo", "+customers.typo", "market.competitors", "loyalty.schemes",
        "hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir", "hydra.launcher.n_jobs", "hydra.job.name",
        "hydra.output_subdir", "+hydra.callbacks.x._target_", "hydra.callbacks.sweep._target_",
        "hydra.launcher._target_", "hydra.sweeper._target_", "+hydra.job.env_set.X", "hydra.job.chdir",
        "+hydra.job_logging.handlers.h.class", "~hydra.callbacks.sweep"]
VALUES = st.one_of(
    st.sampled_from(["0", "1", "3", "-1", "1.5", "abc", "", "''", "true", "null", "[]", "[1,2]", "{a:1}",
                     "18446744073709551616", "9223372036854775807", "1e400", "nan",
                     "${oc.env:HOME}", "${oc.env:NOPE_UNSET}", "${oc.env:NOPE_UNSET,5}", "${now:%s}",
                     "${hydra:runtime.cwd}", "${customers.initial}", "${nope.key}", "${oc.select:seed,1}",
                     "${oc.decode:'3'}", "${", "${oc.create:{a:1}}", "os.system", "builtins.open",
                     "pathlib.Path.write_text", "sim.sweep.SweepCallback", "logging.handlers.SocketHandler",
                     "/proc/nope", "../escape", "out/${now:%H}", "a,b", "0,0", "range(2)"]),
    st.text(alphabet="abc01${}:.,=[]'\" \\/", max_size=12),
)
BASE = ["customers.initial=50", "market.potential=300", "horizon.weeks=3", "output.plots=false"]


@pytest.fixture(scope="module", autouse=True)
def _configs():
    register_configs()


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.sampled_from(KEYS), VALUES), min_size=1, max_size=3),
       multirun=st.booleans())
def test_preflight_accepts_or_refuses_in_one_line(tmp_path_factory, pairs, multirun):
    from sim.preflight import preflight
    from sim.safeconfig import check_config_is_data  # noqa: F401  (the contract checked below)

    root = tmp_path_factory.mktemp("fuzz")
    argv = (["--multirun"] if multirun else []) + BASE + [f"{k}={v}" if not k.startswith("~") else k
                                                            for k, v in pairs]
    if not any(a.startswith("hydra.run.dir=") for a in argv):
        argv.append(f"hydra.run.dir={root / 'run'}")
    if not any(a.startswith("hydra.sweep.dir=") for a in argv):
        argv.append(f"hydra.sweep.dir={root / 'sweep'}")
    cwd = os.getcwd()
    os.chdir(root)
    before = _snapshot(root)
    try:
        plan = preflight(argv)
    except (ArgumentError, ConfigError) as err:
        message = str(err)
        assert "\n" not in message and message.startswith("The '") and message.endswith(" instead."), message
        assert _snapshot(root) == before, argv  # refused: nothing written
        return
    finally:
        os.chdir(cwd)
    assert plan is not None
    try:
        text = " ".join(argv)
        for forbidden in ("os.system", "builtins.open", "pathlib.Path.write_text", "SocketHandler"):
            if forbidden in text:
                # Accepted only if the value never reached a place that runs code (e.g. a string field).
                assert not any(k.endswith(("_target_", ".class")) and v == forbidden for k, v in pairs), argv
        for key, value in pairs:
            if key.endswith("_target_") and value != "sim.sweep.SweepCallback" and not key.startswith("~"):
                pytest.fail(f"accepted {key}={value}")
        claimed = plan.claim.path if plan.claim is not None else plan.sweep_lock.path.parent
        assert [p.name for p in claimed.iterdir()] == [".lock"]  # new or empty, and locked
    finally:
        plan.release(ok=False)
