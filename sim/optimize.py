"""``python -m sim.optimize``: search strategy parameters with Optuna (see :mod:`sim.analysis.optimize`)."""

import sys

from sim.analysis.optimize import main

if __name__ == "__main__":
    sys.exit(main())
