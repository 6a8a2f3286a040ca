"""``python -m sim.sensitivity``: Morris or Sobol sensitivity analysis (see :mod:`sim.analysis.sensitivity`)."""

import sys

from sim.analysis.sensitivity import main

if __name__ == "__main__":
    sys.exit(main())
