"""Calibrating the agent model to a real transaction log (``python -m sim.calibrate``).

:mod:`sim.calibration.fit` fits the behavioural parameters to the calibration weeks;
:mod:`sim.calibration.agents` starts the engine's customers from their purchase histories and
simulates the weeks that follow.
"""

from sim.calibration.agents import CalibratedSimulation, Histories
from sim.calibration.fit import CovariateBGNBDFit, fit_covariate_bgnbd, log_parameter_covariance

__all__ = ["CalibratedSimulation", "Histories", "CovariateBGNBDFit", "fit_covariate_bgnbd", "log_parameter_covariance"]
