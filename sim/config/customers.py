"""Customer traits, drawn at birth, and the baseline behaviour of customers and prospects.

Rates are per week, probabilities and satisfaction in [0, 1], value on the 0-1 quality scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.fields import NONNEG, PROB, Checked, _p

__all__ = ["CustomersConfig"]


@dataclass
class CustomersConfig(Checked):
    """Customer traits (heterogeneous, drawn at birth) and baseline behaviour.

    Attributes
    ----------
    initial : int
        Customers of the firm at week 0 (the retained base).
    purchase_rate_mean : float
        Mean purchase occasions per week across customers. 0: a customer buys once, in the week
        she is acquired (a durable, as in the Bass model), and never again.
    purchase_rate_shape : float
        Gamma shape of purchase-rate heterogeneity (smaller: more unequal customers).
    service_demand_sigma : float
        Log-normal spread of how much service a customer needs (support, returns, advice): a
        mean-one multiplier on how often she contacts support (``service.support_contact_rate``)
        and on the service her orders need (``service.cost_per_order_service``), so that her
        cost to serve follows what she asks of the firm (Kaplan & Cooper 1998).
    return_propensity_mean : float
        Mean across customers of the probability that a customer sends back her first order
        (the week's purchase) for a refund; 0 (the default) switches product returns off. Each customer's own
        first-order probability is drawn at birth from a Beta distribution with this mean.
    return_propensity_concentration : float
        Sum of the two Beta shapes of that distribution (smaller: returns concentrated on fewer
        customers, a few serial returners and many who almost never return).
    return_habit : float
        Log-odds of returning an order per unit of the log of the orders a customer has placed
        (this one included): return rates rise over a relationship (El Kihal, Erdem, Schulze &
        Zhang 2026). The probability for her ``n``-th order is ``q n^h / (q n^h + 1 - q)`` for
        a first-order probability ``q`` and habit ``h``.
    basket_units_mean : float
        Mean units per purchase occasion.
    basket_sigma : float
        Log-normal spread of units per occasion, within and across customers.
    price_sensitivity_mean, price_sensitivity_sd : float
        Price elasticity of the purchase rate (normal across customers, floored at 0).
    quality_sensitivity_mean, quality_sensitivity_sd : float
        Weight of quality in experienced value (normal across customers, floored at 0).
    conversion_rate : float
        Probability per week that an aware prospect at the reference price becomes a customer.
    lapse_weeks : int
        Weeks without a purchase after which an active customer is lapsing.
    churn_rate : float
        Churn probability per week of a customer at neutral satisfaction.
    churn_satisfaction_effect : float
        Log hazard ratio of churn per unit of satisfaction below neutral.
    lapsing_churn_multiplier : float
        Churn hazard multiplier while lapsing.
    satisfaction_neutral : float
        Satisfaction of a customer whose experience exactly meets expectations at reference value.
    reference_value : float
        Experienced value (quality minus price, 0-1 quality scale) that the market regards as
        normal; also a new customer's expectation.
    satisfaction_memory : float
        Weight of the latest experience in cumulative satisfaction (exponential smoothing).
    value_weight : float
        Transaction satisfaction per unit of experienced value above the reference value.
    disconfirmation_weight : float
        Transaction satisfaction per unit of value above expectation.
    loss_aversion : float
        How much more a shortfall against expectation weighs than an equal surplus
        (Anderson & Sullivan 1993).
    expectation_adaptation : float
        Share of the gap between experience and expectation closed per purchase.
    satisfaction_purchase_effect : float
        Log purchase-rate ratio per unit of satisfaction above neutral.
    needs_shares : list of float
        Shares of price seekers, quality seekers, values-driven and balanced customers (sum 1).
    price_seeker_price_factor, quality_seeker_quality_factor : float
        How much more price-sensitive price seekers are, and how much more quality-sensitive
        quality seekers are, than the population means (the other sensitivity is divided by it).
    attachment_growth : float
        Share of the remaining distance to full attachment gained per delighting purchase.
    attachment_threshold : float
        Transaction satisfaction above which a purchase delights (builds attachment).
    attachment_decay : float
        Share of attachment lost per week.
    attachment_purchase_ratio, attachment_advocacy_ratio : float
        Purchase rate and word of mouth of a fully attached customer relative to an unattached
        one (about 3x each in practice; see docs/behaviour.md).
    attachment_price_relief : float
        Share of price sensitivity a fully attached customer no longer has.
    choice_sensitivity : float
        Utility per unit of customer value in the choice between the firm and its competitors
        (multinomial logit scale).
    switching_inertia : float
        Extra utility of staying with the firm one already buys from (switching costs, habit).
    competitor_churn_effect : float
        Relative rise of the churn hazard per unit of purchase share lost to competitors.
    complaint_propensity : float
        Probability that a customer who meets a service failure complains.
    recovery_gain : float
        Transaction satisfaction above neutral after a first failure handled well (the service
        recovery paradox; de Matos, Henrique & Rossi 2007).
    failure_trust_penalty : float
        Satisfaction units by which each failure met lowers repurchase and raises churn, however
        well it was handled (the paradox does not reach repurchase).
    expectation_conversion_effect : float
        Log conversion-rate ratio per unit of expected value above ``reference_value``:
        prospects whom reviews or advertising lead to expect more try the firm more readily.
        Acts only with ``market.review_weight`` > 0 or ``acquisition.ad_expectation_lift`` != 0.
    attachment_loss_buffer : float
        Share of loss aversion (beyond 1) that full attachment takes away: attached customers
        forgive a shortfall more readily. 0 (the default) switches the buffer off.
    churn_propensity : str
        Heterogeneity of churn across customers: ``none`` (everyone the same), ``beta`` (each
        customer's own propensity in [0, 1] drawn from Beta(``churn_propensity_a``,
        ``churn_propensity_b``): the churn probability per period of the shifted-beta-geometric
        model when ``churn_rate`` is 1) or ``gamma_hazard`` (an exponential dropout hazard per
        week drawn from Gamma(shape ``churn_propensity_a``, rate ``churn_propensity_b``), as in
        the Pareto/NBD model: the propensity is ``1 - exp(-hazard)``). The churn probability is
        the customer's propensity times the churn rule's probability (capped at 1).
    churn_propensity_a, churn_propensity_b : float
        The two parameters of ``churn_propensity`` (Beta shapes; Gamma shape and rate per week).
    churn_timing : str
        When a customer can leave: ``weekly`` (the default: at the end of every week, with the
        churn rule's probability) or ``at_purchase`` (only right after a repeat purchase, with
        that same probability per purchase, as in the BG/NBD model of Fader, Hardie & Lee 2005;
        the first purchase of a new customer does not count). In a week with k purchase
        occasions she makes min(k, J) of them, J her geometric number of purchases until she
        leaves, and has left at the end of the week if J <= k. Not with ``billing_period_weeks``.
    billing_period_weeks : int
        0 (the default): customers buy on Poisson purchase occasions. A number of weeks: customers
        are subscribers who pay the list price at the start of each billing period (on joining,
        then at each renewal) and can leave only at a renewal (contractual churn); the firm's
        customers at week 0 joined or renewed in week -1.
    billing_tenure_factors : list of float
        Multipliers of the subscription fee in a subscriber's 1st, 2nd, ... billing period (the
        last one holds for all later periods); empty: a flat fee.
    recency_purchase_probs : list of float
        With ``billing_period_weeks``: instead of renewing or leaving, a customer decides every
        ``billing_period_weeks`` weeks after her last purchase whether to buy again, with the
        probability of her recency state (periods since her last purchase, 1, 2, ..., the last
        for that many or more), and pays the list price when she does; she has left once no
        later state can buy (a recency chain, Pfeifer & Carraway 2000). Empty (the default):
        subscriptions renew or leave.
    """

    name: str = "default"
    initial: int = _p(20_000, ge=0)
    purchase_rate_mean: float = _p(0.25, ge=0.0, le=50.0)
    purchase_rate_shape: float = _p(0.45, gt=0.0)
    service_demand_sigma: float = _p(2.0, ge=0.0, le=4.0, prior=(1.0, 2.5), source=(
        "cost to serve differs widely between customers through the service they demand (Kaplan & Cooper 1998; "
        "Kaplan & Narayanan 2001); it scales how often a customer contacts the firm and the service her orders "
        "need. The spread is a modelling choice: 2 gives the tenth of customers who ask most about three quarters "
        "of all service, as the whale curve needs (the most profitable fifth earning 150-300 % of customer "
        "profit); wide prior"))
    return_propensity_mean: float = _p(0.0, ge=0.0, lt=1.0, source=(
        "the firm's own return rate, which it measures (0: the default firm's orders are not returned). Published "
        "rates: about 10 % of US retail sales are returned (National Retail Federation 2018), 10-30 % online by "
        "category and up to 50 % in online fashion (Minnema, Bijmolt, Petersen & Shulman 2018); about 25 % of first "
        "orders at an online fashion retailer (El Kihal, Erdem, Schulze & Zhang 2026). 0.07, with the habit, "
        "returns about 9 % of sales: a general retailer, not a fashion one"))
    return_propensity_concentration: float = _p(0.5, gt=0.0, le=1e3, prior=(0.2, 5.0), source=(
        "returns are concentrated on a minority of customers, whose returns are habitual (Petersen & Kumar 2009; "
        "El Kihal et al. 2026); practitioners report about a fifth of customers making four fifths of refunds. "
        "The spread is a modelling choice, wide prior"))
    return_habit: float = _p(0.25, ge=0.0, le=5.0, prior=(0.0, 0.5), source=(
        "the average customer's return rate rises from 25 % on her first order to 37 % on her tenth (El Kihal, "
        "Erdem, Schulze & Zhang 2026, IJRM 43(1)): log-odds +0.57 over log(10), about 0.25; 0 holds each "
        "customer's rate constant"))
    basket_units_mean: float = _p(2.0, gt=0.0, le=1e6)
    basket_sigma: float = _p(0.5, ge=0.0, le=3.0)
    price_sensitivity_mean: float = _p(1.5, **NONNEG, prior=(0.5, 3.0), source=(
        "total price elasticity: mean -2.62, most between -1 and -5 (Bijmolt, van Heerde & Pieters 2005 "
        "meta-analysis); this is only the purchase-rate part (price also acts through conversion and value), so "
        "the lower part of that range"))
    price_sensitivity_sd: float = _p(0.5, **NONNEG, prior=(0.1, 1.0), source=(
        "heterogeneity of price response across customers: modelling choice, wide prior"))
    quality_sensitivity_mean: float = _p(1.0, **NONNEG, prior=(0.3, 2.0), source=(
        "modelling choice, wide prior"))
    quality_sensitivity_sd: float = _p(0.3, **NONNEG, prior=(0.05, 0.6), source=(
        "modelling choice, wide prior"))
    conversion_rate: float = _p(0.008, **PROB, prior=(0.002, 0.03), source=(
        "weekly trial of an aware prospect: modelling choice, wide prior"))
    lapse_weeks: int = _p(8, ge=1, le=1040, prior=(4, 26), source=(
        "when a quiet customer starts to drift away: modelling choice, wide prior"))
    churn_rate: float = _p(0.003, **PROB)
    churn_satisfaction_effect: float = _p(2.0, **NONNEG, prior=(0.5, 5.0), source=(
        "satisfaction lengthens relationships (Bolton 1998); its size on this scale is unpublished: modelling "
        "choice, wide prior. 2 (ten points of satisfaction cut churn by 18 %) so that, with the purchase link, "
        "attachment and detractors, a point of satisfaction sustained is worth 2-4 % of profit (Anderson, Fornell "
        "& Lehmann 1994; tests/test_stylised_facts_service.py); at 4 it was about 7 %"))
    lapsing_churn_multiplier: float = _p(3.0, ge=1.0, prior=(1.0, 5.0), source=(
        "modelling choice, wide prior"))
    satisfaction_neutral: float = _p(0.6, **PROB, prior=(0.45, 0.75), source=(
        "anchor of the satisfaction scale: modelling choice, wide prior"))
    reference_value: float = _p(0.65, ge=-10.0, le=10.0, prior=(0.55, 0.75), source=(
        "reference points of value (Kalyanaram & Winer 1995 on reference prices); the level is modelling choice, "
        "wide prior"))
    satisfaction_memory: float = _p(0.2, **PROB, prior=(0.05, 0.5), source=(
        "cumulative satisfaction (Anderson, Fornell & Lehmann 1994); the weight of the latest experience is "
        "modelling choice, wide prior"))
    value_weight: float = _p(0.8, **NONNEG, prior=(0.3, 1.5), source=(
        "modelling choice, wide prior"))
    disconfirmation_weight: float = _p(0.5, **NONNEG, prior=(0.2, 1.0), source=(
        "expectation-disconfirmation (Oliver 1980); size modelling choice, wide prior"))
    loss_aversion: float = _p(2.0, ge=1.0, prior=(1.5, 2.5), source=(
        "losses weigh about twice gains (Tversky & Kahneman 1992: 2.25); negative disconfirmation weighs about "
        "twice positive (Anderson & Sullivan 1993)"))
    expectation_adaptation: float = _p(0.1, **PROB, prior=(0.03, 0.3), source=(
        "adaptation level of expectations (Oliver 1980); speed modelling choice, wide prior"))
    satisfaction_purchase_effect: float = _p(0.5, **NONNEG, prior=(0.2, 2.0), source=(
        "satisfaction raises usage (Bolton & Lemon 1999); size on this scale modelling choice, wide prior. 0.5 "
        "(ten points: 5 % more purchases) with the churn link keeps a point of satisfaction at 2-4 % of profit "
        "(Anderson, Fornell & Lehmann 1994)"))
    needs_shares: list[float] = _p(factory=lambda: [0.3, 0.25, 0.15, 0.3], each=PROB)
    price_seeker_price_factor: float = _p(1.6, ge=1.0, prior=(1.0, 2.5), source=(
        "needs-based segments (Wind 1978); modelling choice, wide prior"))
    quality_seeker_quality_factor: float = _p(1.5, ge=1.0, prior=(1.0, 2.5), source=(
        "needs-based segments (Wind 1978); modelling choice, wide prior"))
    attachment_growth: float = _p(0.05, **PROB, prior=(0.01, 0.15), source=(
        "emotional attachment builds with delighting experiences (Thomson, MacInnis & Park 2005); speed modelling "
        "choice, wide prior"))
    attachment_threshold: float = _p(0.7, **PROB, prior=(0.6, 0.85), source=(
        "modelling choice, wide prior"))
    attachment_decay: float = _p(0.005, **PROB, prior=(0.001, 0.02), source=(
        "modelling choice, wide prior"))
    attachment_purchase_ratio: float = _p(1.5, ge=1.0, prior=(1.0, 3.0), source=(
        "emotionally connected customers are on average about 50 % more valuable than highly satisfied ones, up "
        "to about 3x in some categories (Magids, Zorfas & Leemon 2015, HBR); 1.5, the average, since attachment "
        "also buys advocacy and price relief here; at 3 satisfaction's amplification of profit was about twice "
        "Anderson, Fornell & Lehmann (1994), at 2 (with the cost to serve following service demand) about 1.3 times"))
    attachment_advocacy_ratio: float = _p(3.0, ge=1.0, prior=(1.0, 3.0), source=(
        "emotionally connected customers recommend more (Magids, Zorfas & Leemon 2015, HBR); 1 to the practice "
        "figure of 3x"))
    attachment_price_relief: float = _p(0.5, **PROB, prior=(0.0, 0.7), source=(
        "attached customers are less price sensitive (Thomson, MacInnis & Park 2005); size modelling choice, wide "
        "prior"))
    choice_sensitivity: float = _p(6.0, **NONNEG, prior=(2.0, 12.0), source=(
        "multinomial logit choice (McFadden 1974; Guadagni & Little 1983); scale modelling choice, wide prior"))
    switching_inertia: float = _p(1.0, **NONNEG, prior=(0.2, 2.0), source=(
        "switching costs and inertia (Burnham, Frels & Mahajan 2003); size modelling choice, wide prior"))
    competitor_churn_effect: float = _p(2.0, **NONNEG, prior=(0.5, 4.0), source=(
        "modelling choice, wide prior"))
    complaint_propensity: float = _p(0.4, **PROB, prior=(0.05, 0.6), source=(
        "most dissatisfied customers do not complain; the share rises with the problem's cost (TARP studies, "
        "Goodman 1999)"))
    recovery_gain: float = _p(0.3, **PROB, prior=(0.0, 0.4), source=(
        "service recovery paradox: a significant rise in satisfaction after a good recovery (de Matos, Henrique & "
        "Rossi 2007 meta-analysis); 0 allows no paradox"))
    failure_trust_penalty: float = _p(0.08, **PROB, prior=(0.0, 0.15), source=(
        "the recovery paradox does not reach repurchase intention or loyalty (de Matos, Henrique & Rossi 2007); "
        "size modelling choice, wide prior"))
    expectation_conversion_effect: float = _p(2.0, ge=0.0, le=50.0, prior=(0.5, 4.0), source=(
        "raised expectations raise trial (Kopalle & Lehmann 2006); size modelling choice, wide prior"))
    attachment_loss_buffer: float = _p(0.0, **PROB, prior=(0.0, 0.5), source=(
        "committed customers discount negative information (Ahluwalia, Burnkrant & Unnava 2000, JMR 37(2)); "
        "magnitude unpublished, off by default: modelling choice, wide prior"))
    churn_propensity: str = _p("none", choices=("none", "beta", "gamma_hazard"), source=(
        "heterogeneous dropout: Beta across customers (Fader & Hardie 2007, sBG), Gamma dropout rates "
        "(Schmittlein, Morrison & Colombo 1987, Pareto/NBD)"))
    churn_propensity_a: float = _p(1.0, gt=0.0, le=1e6)
    churn_propensity_b: float = _p(1.0, gt=0.0, le=1e6)
    churn_timing: str = _p("weekly", choices=("weekly", "at_purchase"), source=(
        "dropout only right after a purchase: BG/NBD (Fader, Hardie & Lee 2005, Marketing Science 24(2)); "
        "weekly: a dropout hazard in continuous time, Pareto/NBD (Schmittlein, Morrison & Colombo 1987)"))
    billing_period_weeks: int = _p(0, ge=0, le=520)
    billing_tenure_factors: list[float] = _p(factory=list, each={"ge": 0.0, "le": 1e6})
    recency_purchase_probs: list[float] = _p(factory=list, each=PROB, source=(
        "recency chain of customer value (Pfeifer & Carraway 2000)"))

