"""Kernels: compiled loops that apply the behaviour rules to every customer of a week.

A kernel loops over rows of the :class:`~sim.population.Population` (or over prospects) and
calls the scalar rules of :mod:`sim.behaviour` for each; it decides nothing itself. Loops are
written for speed (blocks of rows, one gather per row, steps that vectorise, bounds that settle
most draws without an exponential); the rules they call are the only statement of the behaviour.
Each module's Python functions are the interface the engine uses; the ``_``-prefixed compiled
loops behind them take many arrays, which the interface groups into small records.
"""
