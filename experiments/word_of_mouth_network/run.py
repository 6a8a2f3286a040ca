"""Regenerate the word-of-mouth network comparison: run (or resume) its sweep, then print its table.

    python experiments/word_of_mouth_network/run.py [OVERRIDE ...]

Extra overrides go to the sweep, e.g. ``hydra.launcher.n_jobs=4`` or
``market.network_seeding=hubs``. Outputs, under ``multirun/word_of_mouth_network/``: one run
directory per network and seed, ``results.parquet`` and ``comparison.csv`` (the table printed;
differences against full mixing).
"""

import sys

from sim.sweep import run_named_experiment

KPIS = ("customers_acquired", "profit", "npv_profit", "cac")


if __name__ == "__main__":
    run_named_experiment("word_of_mouth_network", KPIS, sys.argv[1:], baseline="market.network=full")
