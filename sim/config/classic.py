"""Parameters of the classical textbook models (``experiment=classic_*``).

With ``classic.model`` other than ``none`` the engine runs the agent model reduced to that
textbook model (see ``sim/classic/``); its parameters live here under ``classic.*``. Ranges are
declared next to each field and checked by :func:`sim.config.validate`; the rules that involve
other parts of the scenario are in :func:`sim.config.validate_classic` (``sim/config/rules.py``).

Which fields each model reads:

========  ==================================================================================
bass      ``p``, ``q`` (with ``market.potential``, ``customers.initial``)
sbg       ``alpha``, ``beta``, ``period_weeks``, ``margin``, ``tenure_margin``, ``discount_rate``
clv       ``retention``, ``period_weeks``, ``margin``, ``tenure_margin``, ``discount_rate``
markov    ``purchase_probs``, ``reward``, ``period_weeks``, ``discount_rate``
bgnbd     ``r``, ``alpha``, ``a``, ``b``, ``spend_p``, ``spend_q``, ``spend_gamma``
paretonbd ``r``, ``alpha``, ``s``, ``beta`` (with ``customers.initial``)
========  ==================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.fields import NONNEG, POS, PROB, Checked, _p

__all__ = ["CLASSIC_MODELS", "COHORT_MODELS", "ClassicConfig"]

CLASSIC_MODELS = ("none", "bass", "sbg", "bgnbd", "paretonbd", "clv", "markov")
#: Models whose customers are one cohort that decides once per ``classic.period_weeks``.
COHORT_MODELS = ("sbg", "clv", "markov")


@dataclass
class ClassicConfig(Checked):
    """Parameters of the classical textbook models (``experiment=classic_*``).

    Attributes
    ----------
    model : str
        ``none`` (the full agent model) or the classical model to reduce it to.
    p : float
        Bass coefficient of innovation, per year (adoption hazard of a prospect when nobody has
        adopted yet).
    q : float
        Bass coefficient of imitation, per year (extra hazard when everybody has adopted).
    period_weeks : int
        Length of one period of the sBG, CLV and Markov models, in weeks (52: a year). Those
        models make one decision per customer and period, at its end.
    alpha : float
        sBG: first shape of the Beta distribution of the churn probability per period.
        BG/NBD and Pareto/NBD: rate of the Gamma distribution of purchase rates, per week (so
        the mean purchase rate is ``r / alpha`` purchases per week).
    beta : float
        sBG: second shape of the Beta distribution of the churn probability per period.
        Pareto/NBD: rate of the Gamma distribution of dropout rates, per week (so the mean
        dropout rate is ``s / beta`` per week).
    r : float
        BG/NBD and Pareto/NBD: shape of the Gamma distribution of purchase rates.
    s : float
        Pareto/NBD: shape of the Gamma distribution of dropout rates.
    a, b : float
        BG/NBD: shapes of the Beta distribution of the probability of dropping out after a
        repeat purchase.
    spend_p : float
        Gamma-Gamma: shape of the Gamma distribution of one purchase's value around the
        customer's mean.
    spend_q : float
        Gamma-Gamma: shape of the Gamma distribution of customers' spend rate ``nu``.
    spend_gamma : float
        Gamma-Gamma: rate of that Gamma distribution, in currency units (a customer's mean
        spend per purchase is ``spend_p / nu``).
    margin : float
        sBG and CLV: margin earned at the end of each period a customer survives, in currency
        units per period.
    tenure_margin : list of float
        sBG and CLV: multipliers of ``margin`` in the customer's 1st, 2nd, ... period; the
        last one holds for all later periods. Empty: a flat margin.
    retention : float
        CLV: probability per period that a customer stays (the same for everyone).
    discount_rate : float
        sBG, CLV and Markov: discount rate per period for ``mean_clv``.
    purchase_probs : list of float
        Markov: purchase probability per period in recency states 1, 2, ..., K (state k: the
        last purchase was k periods ago; the last state means K or more).
    reward : float
        Markov: net contribution of one purchase, in currency units.
    """

    model: str = _p("none", choices=CLASSIC_MODELS)
    p: float = _p(0.0104, **POS)
    q: float = _p(0.4186, **NONNEG)
    period_weeks: int = _p(52, ge=1)
    alpha: float = _p(0.704, **POS)
    beta: float = _p(1.182, **POS)
    r: float = _p(0.243, **POS)
    s: float = _p(0.606, **POS)
    a: float = _p(0.793, **POS)
    b: float = _p(2.426, **POS)
    spend_p: float = _p(6.25, **POS)
    spend_q: float = _p(3.74, **POS)
    spend_gamma: float = _p(15.44, **POS)
    margin: float = _p(200.0, **NONNEG)
    tenure_margin: list[float] = _p(factory=list, each=NONNEG)
    retention: float = _p(0.95, **PROB)
    discount_rate: float = _p(0.12, ge=0.0, le=10.0)
    purchase_probs: list[float] = _p(factory=lambda: [0.5, 0.2, 0.1, 0.0], each=PROB)
    reward: float = _p(100.0, **NONNEG)
