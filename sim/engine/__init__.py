"""The engine: a SimPy clock that runs the phases of each week over every customer and prospect.

:class:`Simulation` (in :mod:`.simulation`) keeps the clock, the order of the week's phases and
the wiring; each phase is a module of its own (:mod:`.awareness`, :mod:`.conversion`,
:mod:`.purchases`, :mod:`.encounters`, :mod:`.churn`, :mod:`.offers`, :mod:`.books`,
:mod:`.record`), working on the customers through the kernels of :mod:`sim.kernels`.
"""

from sim.engine.simulation import Simulation
from sim.engine.traits import CHUNK_ROWS, KnownCustomers, draw_traits

__all__ = ["Simulation", "KnownCustomers", "CHUNK_ROWS", "draw_traits"]
