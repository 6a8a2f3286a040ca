"""Strategy optimisation: search-space syntax, clear errors, and studies that resume from storage."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pandas as pd
import pytest

from sim.errors import ArgumentError
from sim.optimize import Param, main, optimize, parse_param

SMALL = ["customers.initial=300", "market.potential=1500", "horizon.weeks=26", "output.plots=false"]
SPACE = [parse_param("pricing.list_price=float:18:32"), parse_param("loyalty.points.threshold=int:100:400:50")]


@pytest.mark.parametrize(("text", "expected"), [
    ("pricing.list_price=float:15:40", Param("pricing.list_price", "float", 15.0, 40.0)),
    ("acquisition.media_budget_per_week=float:1000:50000:log",
     Param("acquisition.media_budget_per_week", "float", 1000.0, 50000.0, log=True)),
    ("loyalty.points.threshold=int:100:500:50", Param("loyalty.points.threshold", "int", 100, 500, step=50)),
    ("loyalty=choice:none,points", Param("loyalty", "choice", choices=("none", "points"))),
])
def test_parse_param_reads_the_documented_syntax(text, expected):
    assert parse_param(text) == expected
    assert parse_param(expected.spec()) == expected


@pytest.mark.parametrize("text", [
    "pricing.list_price=float:40:15", "pricing.list_price=float:15", "pricing.list_price=flot:15:40",
    "pricing.list_price", "=float:1:2", "x=float:0:1:lin", "x=float:0:1:log", "x=int:1:5:0", "x=int:1.5:3",
    "x=choice:", "x=choice:a,a", "x=float:nan:1",
])
def test_bad_param_names_the_argument_the_value_and_the_syntax(text):
    with pytest.raises(ArgumentError, match=r"The '--param' argument must be KEY=float:LOW:HIGH.*LOW < HIGH"):
        parse_param(text)


def test_cli_reports_bad_input_in_one_line_with_exit_status_2(capsys, tmp_path):
    out = str(tmp_path / "o")
    assert main(["--param", "pricing.list_price=float:40:15", "--out", out]) == 2
    assert capsys.readouterr().err == ("Error: The '--param' argument must be KEY=float:LOW:HIGH[:log], "
                                       "KEY=int:LOW:HIGH[:STEP] or KEY=choice:A,B,... with LOW < HIGH. "
                                       "Got 'pricing.list_price=float:40:15' instead.\n")
    assert main(["--param", "service.quality=float:0.5:1.5", "--out", out, *SMALL]) == 2
    assert "allowed values of 'service.quality' (a number in [0.0, 1.0])" in capsys.readouterr().err
    assert main(["--param", "pricing.lst_price=float:1:2", "--out", out, *SMALL]) == 2
    assert "Key 'lst_price' not in 'PricingConfig'" in capsys.readouterr().err
    assert main(["--param", "service.quality=float:0.5:0.9", "experiment=nope", "--out", out]) == 2
    assert "The 'experiment' override must be one of 'acquisition_vs_retention'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _trials(study) -> list[tuple]:
    return [(t.number, t.state.name, t.params, t.value) for t in study.trials]


def test_interrupted_study_continues_from_its_storage(tmp_path):
    kwargs = {"overrides": [*SMALL, "loyalty=points"], "replications": 2, "out_dir": tmp_path, "progress": False}
    first = optimize(SPACE, n_trials=3, **kwargs)
    before, best = _trials(first), first.best_value
    assert len(before) == 3 and (tmp_path / "optuna.db").is_file()

    again = optimize(SPACE, n_trials=5, **kwargs)
    after = _trials(again)
    assert len(after) == 5 and after[:3] == before
    assert again.best_value >= best
    assert {tuple(sorted(t[2].items())) for t in after[3:]}.isdisjoint({tuple(sorted(t[2].items())) for t in before})
    report = json.loads((tmp_path / "best.json").read_text())
    assert report["complete_trials"] == 5 and report["best_value"] == again.best_value
    assert report["reproduce"].startswith("python -m sim --multirun ") and "seed='range(2)'" in report["reproduce"]
    trials = pd.read_parquet(tmp_path / "trials.parquet")
    assert len(trials) == 5 and "params_pricing.list_price" in trials.columns

    # Asking for no more trials than stored runs nothing new.
    assert len(optimize(SPACE, n_trials=4, **kwargs).trials) == 5
    # Trials of the same study use the same seeds, so a trial is the mean over those replications.
    assert all(len(t.user_attrs["values"]) == 2 for t in again.trials)


def test_a_stored_study_with_other_settings_is_refused(tmp_path):
    kwargs = {"overrides": SMALL, "replications": 1, "out_dir": tmp_path, "progress": False}
    optimize(SPACE[:1], n_trials=1, **kwargs)
    with pytest.raises(ArgumentError, match="'--study-name'.*changed: params.*'study'"):
        optimize(SPACE, n_trials=2, **kwargs)


def _dead_pid() -> int:
    """The id of a process that has just ended."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_a_resumed_study_fails_the_trials_of_dead_workers_and_reruns_them(tmp_path):
    import optuna
    from optuna.trial import TrialState

    kwargs = {"overrides": SMALL, "replications": 1, "out_dir": tmp_path, "progress": False}
    optimize(SPACE[:1], n_trials=1, **kwargs)
    study = optuna.load_study(study_name="study", storage=f"sqlite:///{tmp_path / 'optuna.db'}")
    # Two trials left RUNNING: one by a worker that was killed, one by a worker still alive.
    host = socket.gethostname()
    killed = study.ask({"pricing.list_price": optuna.distributions.FloatDistribution(18, 32)})
    killed.set_user_attr("worker", {"host": host, "pid": _dead_pid()})
    alive = study.ask({"pricing.list_price": optuna.distributions.FloatDistribution(18, 32)})
    alive.set_user_attr("worker", {"host": host, "pid": os.getppid()})

    again = optimize(SPACE[:1], n_trials=2, **kwargs)
    trials = again.trials
    assert trials[killed.number].state == TrialState.FAIL
    assert trials[alive.number].state == TrialState.RUNNING
    rerun = [t for t in trials if t.user_attrs.get("rerun_of") == killed.number]
    assert len(rerun) == 1 and rerun[0].state == TrialState.COMPLETE
    assert rerun[0].params == killed.params
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 2


def test_a_missing_optional_package_names_the_extra_to_install(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna now raises ImportError
    assert main(["--param", "pricing.list_price=float:18:32", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == ("Error: python -m sim.optimize needs the optional package 'optuna', which is "
                                       "not installed: pip install 'customer-sim[optimize]'\n")
    assert not (tmp_path / "o").exists()
