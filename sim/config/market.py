"""The market: the people who could ever buy, how news of the firm spreads, and its rivals.

The network kinds, seedings and the bound on ties are declared here, at the bottom of the
package, and ``sim/network.py``, which builds the graphs, takes them from ``sim.config``.
Amounts are in currency units, rates per week, probabilities in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.config.fields import NONNEG, PROB, Checked, _p
from sim.config.pricing import PriceChange

__all__ = ["NETWORKS", "SEEDINGS", "MAX_TIES", "MarketConfig", "Competitor"]

#: Network kinds of ``market.network``; ``full`` is full mixing (no graph).
NETWORKS = ("full", "random", "small_world", "scale_free")
#: How graph positions are assigned to people (``market.network_seeding``).
SEEDINGS = ("random", "hubs")
#: Largest number of ties a config may ask for (``potential * degree / 2``); keeps memory bounded.
MAX_TIES = 50_000_000


@dataclass
class MarketConfig(Checked):
    """The people who could ever become customers, and how news about the firm spreads.

    Attributes
    ----------
    potential : int
        Market potential: people who could ever buy, initial customers included (Bass ``m``).
    initially_aware : float
        Share of prospects who know the firm at week 0.
    innovation : float
        Awareness hazard per week that every unaware prospect meets whatever the firm spends on
        media: news of the firm from outside it (press, independent reviews, shops), the Bass
        coefficient of innovation ``p`` per week (``p`` per year / 52). 0: the firm's own
        advertising is the only outside source.
    word_of_mouth : float
        Awareness hazard per week that one promoter adds, scaled by ``1 / potential``
        (the Bass imitation coefficient ``q`` per week under full mixing).
    promoter_satisfaction : float
        Satisfaction above which an active customer spreads positive word of mouth.
    consideration_exit : float
        Probability per week that an aware prospect who has not bought stops considering the
        firm.
    reconsideration : float
        Probability per week that a prospect who stopped considering the firm is back among the
        unaware, to be reached again by advertising and word of mouth (people forget, and a
        market's members turn over); 0 keeps the lost lost for the rest of the run.
    discount_rate_annual : float
        Discount rate per year for NPV and customer lifetime value.
    discount_rate_weekly : float
        When > 0, the discount rate per week, in place of ``discount_rate_annual``: for the
        classical models, whose period may be one week and whose rate per period any value.
    detractor_satisfaction : float
        Satisfaction below which a customer speaks ill of the firm.
    detractor_effect : float
        Log conversion-rate ratio per unit share of detractors among customers: dissatisfied
        customers deter prospects.
    competitors : list of Competitor
        Rival firms the customers can buy from instead.
    network : str
        Who hears whom: ``full`` (full mixing, the Bass model: every promoter reaches every
        prospect alike), or word of mouth over a contact graph among all people in the market:
        ``random`` (Erdos-Renyi), ``small_world`` (Watts-Strogatz) or ``scale_free`` (Chung-Lu
        power-law degrees); see sim/network.py. Over a graph a prospect's word-of-mouth hazard is
        ``word_of_mouth x (promoter weight among its contacts) / mean degree`` per week.
    network_degree : float
        Mean contacts per person (people one talks to about purchases); must be < ``potential``.
        ``small_world`` rounds it to the nearest even number (at least 2).
    network_rewire : float
        Probability per lattice tie that its far end is moved to a random person
        (``small_world`` only): near 0 a clustered ring, 1 a random graph.
    network_exponent : float
        Power-law exponent of the degree distribution (``scale_free`` only), > 2.
    network_seeding : str
        Where the initial customers sit in the graph: ``random`` positions, or ``hubs`` (the
        best-connected people are the firm's initial customers).
    network_draw : int
        Which graph: another value draws another graph from the same seed, leaving every other
        random number of the run unchanged.
    review_weight : float
        Weight, in [0, 1], of published reviews in a prospect's expectation: a new customer
        expects ``(1 - w) x reference_value + w x`` the mean experienced value of last week's
        purchases (plus the advertising lift); 0 ignores reviews.
    """

    name: str = "default"
    potential: int = _p(300_000, ge=1, le=2_000_000_000)  # market ids are int32
    initially_aware: float = _p(0.05, **PROB)
    innovation: float = _p(0.0, **NONNEG, prior=(0.0, 0.001), source=(
        "Bass innovation p: meta-analysis mean 0.03 a year (Sultan, Farley & Lehmann 1990), 0.00058 a week; 0 to "
        "0.05 a year is 0 to 0.001 a week. Off by default: the default scenario's advertising is its innovation"))
    word_of_mouth: float = _p(0.0073, **NONNEG, prior=(0.002, 0.04), source=(
        "Bass imitation q: meta-analysis mean 0.38 a year (Sultan, Farley & Lehmann 1990), 0.0073 a week; q of "
        "about 0.1-1 a year is 0.002-0.02 a week, doubled at the top since only promoters talk"))
    promoter_satisfaction: float = _p(0.6, **PROB, prior=(0.5, 0.8), source=(
        "who recommends (Reichheld 2003, Net Promoter); threshold on this scale modelling choice, wide prior"))
    consideration_exit: float = _p(0.05, **PROB, prior=(0.005, 0.1), source=(
        "prospects keep few brands in their consideration sets (Hauser & Wernerfelt 1990); the rate at which one "
        "drops out is a modelling choice, wide prior"))
    reconsideration: float = _p(0.0192, **PROB, prior=(0.005, 0.08), source=(
        "consideration sets change over time (Roberts & Lattin 1991); about a year on average is a modelling "
        "choice, wide prior"))
    discount_rate_annual: float = _p(0.10, ge=0.0, le=1.0)
    discount_rate_weekly: float = _p(0.0, ge=0.0, le=10.0)
    detractor_satisfaction: float = _p(0.4, **PROB, prior=(0.2, 0.5), source=(
        "modelling choice, wide prior"))
    detractor_effect: float = _p(1.0, **NONNEG, prior=(0.5, 4.0), source=(
        "negative word of mouth weighs more than positive (Reichheld 2003, Net Promoter); size modelling choice, "
        "wide prior. 1 (a tenth of customers detractors: 10 % fewer conversions) so that a point of satisfaction "
        "is worth 2-4 % of profit (Anderson, Fornell & Lehmann 1994)"))
    competitors: list[Competitor] = field(default_factory=list)
    network: str = _p("full", choices=NETWORKS)
    network_degree: float = _p(10.0, gt=0.0, prior=(4.0, 30.0), source=(
        "people talk to a personal network of a few to a few tens of ties (Goldenberg, Libai & Muller 2001)"))
    network_rewire: float = _p(0.1, **PROB, prior=(0.01, 0.3), source=(
        "Watts & Strogatz (1998): clustering stays high up to about 0.1 while paths are already short"))
    network_exponent: float = _p(2.5, gt=2.0, le=10.0, prior=(2.1, 3.0), source=(
        "scale-free networks show tail exponents 2-3 (Barabasi & Albert 1999); Chung & Lu (2002) graph"))
    network_seeding: str = _p("random", choices=SEEDINGS)
    network_draw: int = _p(0, ge=0)
    review_weight: float = _p(0.0, **PROB, prior=(0.0, 0.5), source=(
        "online reviews shape expectations and sales (Chevalier & Mayzlin 2006); weight modelling choice, wide "
        "prior"))

    @property
    def discount_log_rate_weekly(self) -> float:
        """Continuous discount rate per week: a value received ``t`` weeks on counts ``exp(-t x this)``."""
        if self.discount_rate_weekly > 0:
            return math.log1p(self.discount_rate_weekly)
        return math.log1p(self.discount_rate_annual) / 52.0


@dataclass
class Competitor(Checked):
    """A rival firm.

    Attributes
    ----------
    name : str
        Label used in outputs (``churned_to_<name>``).
    price : float
        Price per unit (currency units).
    product_quality, service_quality : float
        Quality on the 0-1 scale.
    advertising_per_week : float
        Media spend per week (currency units); it dilutes the firm's share of voice.
    entry_week : int
        Week from which the rival is in the market.
    price_changes : list of PriceChange
        Scheduled changes of the rival's price.
    """

    name: str = "rival"
    price: float = _p(25.0, gt=0.0)
    product_quality: float = _p(0.7, **PROB)
    service_quality: float = _p(0.6, **PROB)
    advertising_per_week: float = _p(0.0, **NONNEG)
    entry_week: int = _p(0, ge=0)
    price_changes: list[PriceChange] = field(default_factory=list)

