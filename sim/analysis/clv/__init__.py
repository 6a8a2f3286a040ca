"""Closed forms and maximum-likelihood fits of the classical customer-base models.

The simulator is validated by configuring it as one of these models and checking that it
reproduces the published figures, so the formulas here are written straight from the papers:

* Bass (1969) diffusion of a new product.
* Shifted-beta-geometric (sBG) retention, Fader & Hardie (2007), "How to project customer
  retention", Journal of Interactive Marketing 21(1).
* Customer lifetime value with constant retention, Gupta & Lehmann (2003), "Customers as assets",
  Journal of Interactive Marketing 17(1).
* Markov-chain customer value, Pfeifer & Carraway (2000), "Modeling customer relationships as
  Markov chains", Journal of Interactive Marketing 14(2).
* Pareto/NBD purchasing, Schmittlein, Morrison & Colombo (1987), "Counting your customers: who
  are they and what will they do next?", Management Science 33(1).
* BG/NBD purchasing, Fader, Hardie & Lee (2005a), "Counting your customers the easy way: an
  alternative to the Pareto/NBD model", Marketing Science 24(2).
* Gamma-Gamma spend, Fader, Hardie & Lee (2005b), "RFM and CLV: using iso-value curves for
  customer base analysis", Journal of Marketing Research 42(4), and Fader & Hardie (2013),
  "The Gamma-Gamma model of monetary value".

Time is in whatever unit the caller uses (years for Bass and sBG in the papers, weeks for
BG/NBD on CDNOW); rates are per that unit. Money is in the caller's currency.

One module per model: :mod:`~sim.analysis.clv.bass`, :mod:`~sim.analysis.clv.sbg`,
:mod:`~sim.analysis.clv.retention` (constant-retention CLV), :mod:`~sim.analysis.clv.markov`,
:mod:`~sim.analysis.clv.paretonbd`, :mod:`~sim.analysis.clv.bgnbd` and
:mod:`~sim.analysis.clv.gamma_gamma`; every public name is importable from this package.
"""

from __future__ import annotations

from sim.analysis.clv.bass import (
    BassFit,
    bass_cdf,
    bass_discrete,
    bass_held_hazard,
    bass_held_hazard_sd,
    bass_log_likelihood,
    bass_pdf,
    bass_peak_time,
    fit_bass,
)
from sim.analysis.clv.bgnbd import (
    BGNBDFit,
    BGNBDLikelihood,
    bgnbd_expected_transactions,
    bgnbd_expected_unconditional,
    bgnbd_log_likelihood,
    bgnbd_prob_alive,
    bgnbd_prob_alive_each,
    bgnbd_prob_no_repeat,
    bgnbd_survival,
    fit_bgnbd,
    sample_bgnbd,
)
from sim.analysis.clv.gamma_gamma import (
    GammaGammaFit,
    GammaGammaLikelihood,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    gamma_gamma_log_likelihood,
)
from sim.analysis.clv.markov import markov_clv, markov_transition_matrix
from sim.analysis.clv.paretonbd import (
    ParetoNBDFit,
    ParetoNBDLikelihood,
    fit_pareto_nbd,
    pareto_nbd_expected_per_period,
    pareto_nbd_expected_transactions,
    pareto_nbd_expected_unconditional,
    pareto_nbd_log_likelihood,
    pareto_nbd_prob_alive,
    pareto_nbd_survival,
)
from sim.analysis.clv.retention import clv_constant_retention, retention_elasticity
from sim.analysis.clv.sbg import SBGFit, fit_sbg, sbg_retention, sbg_survival

__all__ = [
    "BGNBDFit",
    "BGNBDLikelihood",
    "GammaGammaFit",
    "GammaGammaLikelihood",
    "ParetoNBDLikelihood",
    "SBGFit",
    "BassFit",
    "bass_cdf",
    "bass_log_likelihood",
    "fit_bass",
    "bass_discrete",
    "bass_held_hazard",
    "bass_held_hazard_sd",
    "bass_pdf",
    "bass_peak_time",
    "ParetoNBDFit",
    "fit_pareto_nbd",
    "pareto_nbd_expected_per_period",
    "pareto_nbd_expected_transactions",
    "pareto_nbd_log_likelihood",
    "pareto_nbd_prob_alive",
    "pareto_nbd_expected_unconditional",
    "pareto_nbd_survival",
    "bgnbd_expected_transactions",
    "bgnbd_expected_unconditional",
    "bgnbd_log_likelihood",
    "bgnbd_prob_alive",
    "bgnbd_prob_alive_each",
    "bgnbd_prob_no_repeat",
    "bgnbd_survival",
    "clv_constant_retention",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_sbg",
    "gamma_gamma_expected_spend",
    "gamma_gamma_log_likelihood",
    "markov_clv",
    "markov_transition_matrix",
    "retention_elasticity",
    "sample_bgnbd",
    "sbg_retention",
    "sbg_survival",
]
