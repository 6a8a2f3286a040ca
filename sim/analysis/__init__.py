"""Pure statistics and closed forms on tables; nothing here runs the engine or draws.

* :mod:`~sim.analysis.collect` - a sweep's run directories as one results table.
* :mod:`~sim.analysis.stats` - replication statistics and paired comparisons.
* :mod:`~sim.analysis.clv` - closed forms and fits of the classical customer-base models.
* :mod:`~sim.analysis.segments` and :mod:`~sim.analysis.transactions` - value segments and
  transaction logs.
* :mod:`~sim.analysis.optimize` and :mod:`~sim.analysis.sensitivity` - the search space and the
  sensitivity design and indices (the commands are :mod:`sim.optimize` and :mod:`sim.sensitivity`).
"""
