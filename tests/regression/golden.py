"""Whole-run fingerprints of varied scenarios, to show that a refactor changes no output.

``python -m tests.regression.golden write`` records a SHA-256 of every table and KPI of each
scenario below, with the versions of the numerical libraries and the CPU features numpy
dispatches on, in the file of this machine's CPU family (:func:`recording`);
``python -m tests.regression.golden check`` recomputes and compares them. The test
``tests/test_golden.py`` runs the check when the installed libraries and CPU features are the
recorded ones. Numpy's vector loops differ between CPU families in the last place (its AVX-512
exponential is not the C library's), and most scenarios' tables with them, so each family keeps
its own recording: ``golden.json`` for AVX2 machines (the README's sample output was printed on
one), ``golden-avx512.json`` where numpy uses AVX-512.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden.json"  # AVX2 machines

SMALL = ["customers.initial=2000", "market.potential=20000", "horizon.weeks=104", "output.plots=false",
         "output.transactions=true"]

#: name -> Hydra overrides. Together they exercise every loyalty scheme, rivals and price
#: matching, every contact network, the support desk, reviews, targeted retention, segment
#: treatments, product generations and development, scheduled interventions, and the classics.
SCENARIOS: dict[str, list[str]] = {
    "default": SMALL,
    "points": SMALL + ["loyalty=points"],
    "tiers_premium": SMALL + ["loyalty=tiers", "pricing=premium", "service=premium"],
    "gamified": SMALL + ["loyalty=gamified"],
    "coalition": SMALL + ["loyalty=coalition"],
    "charity_discount": SMALL + ["loyalty=charity", "pricing=discount"],
    "hybrid_targeted": SMALL + ["loyalty=hybrid", "retention=targeted"],
    "rivals_match": SMALL + ["+market.competitors=[{name:lcc,price:20.0,entry_week:10,advertising_per_week:3000.0}]",
                             "pricing.match_competitor=lcc", "pricing.match_lag_weeks=4", "pricing.match_floor=18.0"],
    "small_world_support": SMALL + ["market.network=small_world", "service.support_contact_rate=0.05",
                                    "market.review_weight=0.5", "acquisition.ad_expectation_lift=0.1"],
    "scale_free_hubs": SMALL + ["market.network=scale_free", "market.network_seeding=hubs",
                                "acquisition.referral_reward=5"],
    "random_net_points": SMALL + ["market.network=random", "loyalty=points", "pricing.new_customer_discount=0.2"],
    "generations_dev": SMALL + ["product.launch_week=6", "product.development_cost_per_week=1000",
                                "product.obsolescence_rate=0.1",
                                "+product.generations=[{launch_week:40,quality:0.8,unit_cost:11.0,substitution_rate:0.05}]"],
    "treatments_targeted": SMALL + ["retention=targeted",
                                    "segments.treatments=[{segment:platinum,price_factor:0.9,service_bonus:0.1,service_cost_per_week:1.0},{segment:lead,price_factor:1.1}]",
                                    "loyalty=points"],
    "interventions": SMALL + ["pricing.changes=[{week:20,list_price:22.5}]",
                              "acquisition.campaigns=[{start:10,end:20,budget_per_week:40000}]",
                              "service.outages=[{start:30,end:34,failure_prob:0.4}]",
                              "pricing.promotions=[{start:50,end:54,discount:0.2}]"],
    "rivals_tiers": SMALL + ["loyalty=tiers",
                             "+market.competitors=[{name:a,price:23.0},{name:b,price:28.0,product_quality:0.8}]"],
    "airline": ["experiment=airline_lcc", "customers.initial=3000", "market.potential=30000", "horizon.weeks=80",
                "output.plots=false", "pricing.match_competitor=lcc"],
    "classic_bass": ["experiment=classic_bass", "output.plots=false", "market.potential=200000"],
    "classic_sbg": ["experiment=classic_sbg", "output.plots=false", "customers.initial=3000"],
    "classic_bgnbd": ["experiment=classic_bgnbd", "output.plots=false", "customers.initial=3000"],
    "classic_pareto_nbd": ["experiment=classic_pareto_nbd", "output.plots=false", "customers.initial=3000"],
    "classic_clv": ["experiment=classic_clv", "output.plots=false", "customers.initial=3000"],
    "classic_markov": ["experiment=classic_markov", "output.plots=false", "customers.initial=3000"],
}

LIBRARIES = ("numpy", "scipy", "pandas", "numba")


def versions() -> dict[str, str]:
    """Versions of the numerical libraries and the CPU features numpy dispatches on."""
    import importlib
    import platform

    from numpy._core._multiarray_umath import __cpu_features__

    out = {name: importlib.import_module(name).__version__ for name in LIBRARIES}
    out["machine"] = platform.machine()
    out["cpu"] = ",".join(sorted(k for k, v in __cpu_features__.items() if v and k.startswith(("AVX", "FMA"))))
    return out


def recording() -> Path:
    """The fingerprint file of this machine's CPU family (it may not exist yet)."""
    avx512 = "AVX512F" in versions()["cpu"].split(",")
    return HERE / "golden-avx512.json" if avx512 else GOLDEN


def _digest_frame(df: pd.DataFrame | None) -> str:
    if df is None:
        return "none"
    h = hashlib.sha256()
    h.update(",".join(map(str, df.columns)).encode())
    for name in df.columns:
        col = df[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            h.update(np.asarray(col.cat.codes).tobytes())
            h.update(",".join(map(str, col.cat.categories)).encode())
        elif not pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            h.update("\x00".join(map(str, col)).encode())
        else:
            h.update(np.ascontiguousarray(col.to_numpy()).tobytes())
    return h.hexdigest()[:16]


def fingerprint(overrides: list[str]) -> dict[str, str]:
    """Digest of each table of one run and of its KPIs (all but wall time)."""
    from sim import run
    from tests.conftest import compose_config

    result = run(compose_config(overrides))
    summary = {k: v for k, v in result.summary.items() if k != "wall_seconds"}
    out = {"summary": hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()[:16]}
    for name in ("timeseries", "cohorts", "customers", "transactions", "segments"):
        out[name] = _digest_frame(getattr(result, name))
    out["profit"] = repr(summary["profit"])
    return out


def compute(names=None) -> dict[str, dict[str, str]]:
    return {name: fingerprint(SCENARIOS[name]) for name in (names or SCENARIOS)}


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "check"
    names = argv[1:] or None
    got = compute(names)
    if mode == "write":
        # Writing some scenarios keeps the others' fingerprints.
        path = recording()
        kept = json.loads(path.read_text())["scenarios"] if names and path.exists() else {}
        path.write_text(
            json.dumps({"versions": versions(), "scenarios": {**kept, **got}}, indent=1, sort_keys=True) + "\n"
        )
        print(f"wrote {len(got)} fingerprints into {path.name}")
        return 0
    want = json.loads(recording().read_text())
    bad = 0
    for name, fp in got.items():
        if name not in want["scenarios"]:
            print(f"{name:22s} not recorded")
            continue
        diff = {k for k in fp if want["scenarios"][name].get(k) != fp[k]}
        print(f"{name:22s} {'same' if not diff else 'DIFFERS: ' + ', '.join(sorted(diff))}")
        bad += bool(diff)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
