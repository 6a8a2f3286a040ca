"""The classical models as configurations of the one engine.

A preset turns the textbook parameters under ``classic.*`` into ordinary engine fields: it switches
mechanisms off (satisfaction's effect on churn, lapsing, price and baskets) and on (subscriptions,
heterogeneous churn), and sets the units the textbook uses. The engine then runs exactly as for
any scenario; no weekly step is replaced. The resulting scenario is what the run records.

==========  ==========================================================================================
``sbg``     subscribers renewing every ``classic.period_weeks`` (``customers.billing_period_weeks``),
            each leaving at a renewal with her own probability ``theta ~ Beta(alpha, beta)``
            (``customers.churn_propensity=beta``), paying ``classic.margin`` per renewal
``clv``     the same with one probability for all, ``1 - classic.retention``
``markov``  a cohort deciding every ``classic.period_weeks`` whether to buy again, with the
            probability of its recency state (``customers.recency_purchase_probs``), paying
            ``classic.reward`` per purchase (Pfeifer & Carraway 2000)
``paretonbd`` a cohort of ``customers.initial`` buyers at Poisson rates ``lambda ~ Gamma(r, alpha)``
            a week (``customers.purchase_rate_mean``, ``purchase_rate_shape``), each leaving with
            her own weekly hazard ``mu ~ Gamma(s, beta)`` (``customers.churn_propensity=gamma_hazard``)
``bgnbd``   the same buyers, each leaving only right after a repeat purchase
            (``customers.churn_timing=at_purchase``) with her own probability ``p ~ Beta(a, b)``
            (``customers.churn_propensity=beta``); every purchase is worth the Gamma-Gamma mean
            spend ``spend_p spend_gamma / (spend_q - 1)``
``bass``    Bass (1969) diffusion: every prospect hears of the product with the hazard
            ``(p + q F) / 52`` a week (``market.innovation`` = p / 52, ``market.word_of_mouth``
            = q / 52, every customer a promoter), ``F`` the adopted share of ``market.potential`` at
            the start of the week; she buys one unit that week (``customers.conversion_rate`` 1)
            and never again (``purchase_rate_mean`` 0), and never leaves (``churn_rate`` 0)
==========  ==========================================================================================

Bass in weekly steps: the hazard of the start of the week is held over the week, so the expected
adopted share follows :func:`sim.analysis.clv.bass_held_hazard`, the discrete-time form of the
model, which lags the continuous F(t) by at most 0.0033 for room air conditioners.
"""

from __future__ import annotations

import dataclasses
import math

from sim.config import Config, validate

__all__ = ["PRESETS", "WEEKS_PER_YEAR", "configure"]

#: Weeks in the year of the Bass coefficients (``classic.p``, ``classic.q`` are per year).
WEEKS_PER_YEAR = 52

def _weekly(rate_per_period: float, period_weeks: int) -> float:
    """The rate per week equivalent to ``rate_per_period`` per period of ``period_weeks`` weeks."""
    return math.expm1(math.log1p(rate_per_period) / period_weeks)


def _contractual(cfg: Config, propensity: dict, churn_rate: float) -> Config:
    """A cohort of subscribers paying ``classic.margin`` per renewal, churning only at renewals."""
    c = cfg.classic
    customers = dataclasses.replace(
        cfg.customers, billing_period_weeks=c.period_weeks, billing_tenure_factors=list(c.tenure_margin),
        churn_rate=churn_rate, churn_satisfaction_effect=0.0, lapsing_churn_multiplier=1.0, **propensity)
    pricing = dataclasses.replace(cfg.pricing, list_price=c.margin, reference_price=c.margin, discount=0.0,
                                  new_customer_discount=0.0, changes=[], promotions=[])
    # The margin is the whole of the customer's value: no cost to serve, no failures or complaints.
    service = dataclasses.replace(cfg.service, failure_prob=0.0, outages=[], support_contact_rate=0.0,
                                  cost_per_customer_week=0.0, cost_per_transaction=0.0, cost_per_order_service=0.0,
                                  cost_per_complaint=0.0)
    product = dataclasses.replace(cfg.product, unit_cost=0.0, fixed_cost_per_week=0.0)
    # The weekly rate alone (0 when undiscounted: the annual rate is then 0 too).
    market = dataclasses.replace(cfg.market, discount_rate_annual=0.0,
                                 discount_rate_weekly=_weekly(c.discount_rate, c.period_weeks))
    return dataclasses.replace(cfg, customers=customers, pricing=pricing, service=service, product=product,
                               market=market)


def _sbg(cfg: Config) -> Config:
    c = cfg.classic
    return _contractual(cfg, {"churn_propensity": "beta", "churn_propensity_a": c.alpha, "churn_propensity_b": c.beta},
                        churn_rate=1.0)


def _pareto_nbd(cfg: Config) -> Config:
    """Non-contractual buying with no cause of purchase or churn but the customer's own rates."""
    c = cfg.classic
    # Satisfaction, price and attachment leave the rate alone; nobody new joins; nothing is returned.
    customers = dataclasses.replace(
        cfg.customers, purchase_rate_mean=c.r / c.alpha, purchase_rate_shape=c.r, churn_propensity="gamma_hazard",
        churn_propensity_a=c.s, churn_propensity_b=c.beta, churn_rate=1.0, churn_satisfaction_effect=0.0,
        lapsing_churn_multiplier=1.0, satisfaction_purchase_effect=0.0, price_sensitivity_mean=0.0,
        price_sensitivity_sd=0.0, attachment_growth=0.0, attachment_purchase_ratio=1.0, conversion_rate=0.0,
        return_propensity_mean=0.0)
    market = dataclasses.replace(cfg.market, potential=cfg.customers.initial, initially_aware=0.0)
    acquisition = dataclasses.replace(cfg.acquisition, media_budget_per_week=0.0, winback_share=0.0)
    service = dataclasses.replace(cfg.service, failure_prob=0.0, outages=[])
    pricing = dataclasses.replace(cfg.pricing, changes=[], promotions=[])
    return dataclasses.replace(cfg, customers=customers, market=market, acquisition=acquisition, service=service,
                               pricing=pricing)


def _bass(cfg: Config) -> Config:
    """Adoption by innovation and imitation only: the firm's own marketing, prices, rivals and
    service have no say in who adopts or when."""
    c = cfg.classic
    # Every adopter talks (promoter from satisfaction 0, one voice each) and nobody deters, so the
    # promoters are F m; every prospect who hears buys that week, and nobody stops considering.
    market = dataclasses.replace(
        cfg.market, innovation=c.p / WEEKS_PER_YEAR, word_of_mouth=c.q / WEEKS_PER_YEAR, promoter_satisfaction=0.0,
        detractor_satisfaction=0.0, consideration_exit=0.0, review_weight=0.0, competitors=[])
    customers = dataclasses.replace(
        cfg.customers, attachment_advocacy_ratio=1.0, conversion_rate=1.0, price_sensitivity_mean=0.0,
        price_sensitivity_sd=0.0, purchase_rate_mean=0.0, basket_units_mean=1.0, basket_sigma=0.0, churn_rate=0.0,
        churn_propensity="none")
    acquisition = dataclasses.replace(cfg.acquisition, media_budget_per_week=0.0, campaigns=[], winback_share=0.0,
                                      referral_conversion_boost=1.0, ad_expectation_lift=0.0)
    product = dataclasses.replace(cfg.product, obsolescence_rate=0.0, generations=[])
    service = dataclasses.replace(cfg.service, failure_prob=0.0, outages=[], support_contact_rate=0.0)
    return dataclasses.replace(cfg, market=market, customers=customers, acquisition=acquisition, product=product,
                               service=service)


def _bgnbd(cfg: Config) -> Config:
    """BG/NBD: Pareto/NBD's buyers, leaving only right after a repeat purchase (Fader, Hardie & Lee 2005).

    The engine's baskets are lognormal, not Gamma-Gamma, so spend is the Gamma-Gamma mean spend
    per purchase, the same for every purchase (``basket_sigma`` 0, one unit at a list price of
    that mean): expected revenue is right, its spread across customers and purchases is not.
    """
    c = cfg.classic
    spend = c.spend_p * c.spend_gamma / (c.spend_q - 1.0)
    base = _pareto_nbd(cfg)
    customers = dataclasses.replace(
        base.customers, churn_propensity="beta", churn_propensity_a=c.a, churn_propensity_b=c.b,
        churn_timing="at_purchase", basket_units_mean=1.0, basket_sigma=0.0)
    pricing = dataclasses.replace(base.pricing, list_price=spend, reference_price=spend, discount=0.0,
                                  new_customer_discount=0.0)
    product = dataclasses.replace(base.product, unit_cost=0.0)
    return dataclasses.replace(base, customers=customers, pricing=pricing, product=product)


def _clv(cfg: Config) -> Config:
    return _contractual(cfg, {"churn_propensity": "none"}, churn_rate=1.0 - cfg.classic.retention)


def _markov(cfg: Config) -> Config:
    """The recency chain: a purchase decision every period by periods since the last purchase,
    ``classic.reward`` per purchase, and no other cause of leaving."""
    c = cfg.classic
    chain = _contractual(cfg, {"churn_propensity": "none"}, churn_rate=0.0)
    customers = dataclasses.replace(chain.customers, recency_purchase_probs=list(c.purchase_probs),
                                    billing_tenure_factors=[])
    pricing = dataclasses.replace(chain.pricing, list_price=c.reward, reference_price=c.reward)
    return dataclasses.replace(chain, customers=customers, pricing=pricing)


#: The presets by ``classic.model``.
PRESETS = {"sbg": _sbg, "clv": _clv, "paretonbd": _pareto_nbd, "bgnbd": _bgnbd, "markov": _markov,
           "bass": _bass}


def configure(cfg: Config) -> Config:
    """The engine scenario of ``cfg``: its classical model's preset applied (``cfg`` itself when
    there is none), validated."""
    preset = PRESETS.get(cfg.classic.model)
    return validate(cfg if preset is None else preset(validate(cfg)))
