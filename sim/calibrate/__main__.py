"""``python -m sim.calibrate``: see :mod:`sim.calibrate`."""

import sys

from sim import interrupts
from sim.calibrate.command import main

if __name__ == "__main__":
    sys.exit(interrupts.finish(main()))
