"""Calibrating the agent model to a real transaction log (``python -m sim.calibrate``).

:mod:`sim.calibration.fit` fits the behavioural parameters to the calibration weeks; the
command (:mod:`sim.calibrate`) then runs the one engine on the customers' posteriors
(:func:`sim.calibrate.simulate.bgnbd_posterior`) over the weeks that follow.
"""

from sim.calibration.fit import CovariateBGNBDFit, fit_covariate_bgnbd, log_parameter_covariance

__all__ = ["CovariateBGNBDFit", "fit_covariate_bgnbd", "log_parameter_covariance"]
