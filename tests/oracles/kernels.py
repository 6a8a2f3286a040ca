"""Numpy oracles of the kernels (``sim/kernels``): the loops over customers, vectorised.

Each function here is the numpy path the engine had before its loops were compiled; the tests
check each kernel against it bit for bit.
"""

from __future__ import annotations

import numpy as np

from tests.oracles import rules


def customer_state(pop, rows, relief: float, penalty: float):
    """Attachment, effective price sensitivity and satisfaction, ids of ``rows``."""
    attach = pop.attachment[rows].astype(np.float64)
    ps = pop.price_sensitivity[rows] * (1.0 - relief * attach)
    sat_eff = pop.satisfaction[rows] - penalty * pop.failures[rows]
    return attach, ps, sat_eff, pop.id[rows]


def purchase_rate(pop, rows, state, price_ratio, neutral, effect, ratio, extra=None):
    """The purchase rate of ``rows`` from their ``state = (sat_eff, ps, attach)``."""
    sat_eff, ps, attach = state
    mult = rules.attachment_multiplier(attach, ratio) if extra is None else extra
    return rules.purchase_rate(pop.purchase_rate[rows], sat_eff, rules.price_multiplier(price_ratio, ps), neutral,
                               effect, mult)


def encounter(pop, buyers, quality, failed, recovered, price_ratio, severity, gen_quality, c) -> np.ndarray:
    """Buyers' service encounters (``c``: the satisfaction parameters by their config names), in place."""
    quality = np.where(failed, quality - severity, quality)
    paradox = recovered & (pop.failures[buyers] == 0)
    value = rules.experienced_value(pop.quality_sensitivity[buyers], gen_quality[pop.generation[buyers]], quality,
                                    pop.price_sensitivity[buyers], price_ratio)
    new_sat, new_exp, transaction = rules.update_satisfaction(
        pop.satisfaction[buyers].astype(np.float64), pop.expectation[buyers].astype(np.float64), value,
        neutral=c["neutral"], reference_value=c["reference_value"], value_weight=c["value_weight"],
        disconfirmation_weight=c["disconfirmation_weight"], loss_aversion=c["loss_aversion"], memory=c["memory"],
        adaptation=c["adaptation"],
        price=pop.price_sensitivity[buyers].astype(np.float64) * (np.asarray(price_ratio, dtype=np.float64) - 1.0))
    if paradox.any():
        transaction[paradox] = c["recovery_transaction"]
        old = pop.satisfaction[buyers[paradox]].astype(np.float64)
        new_sat[paradox] = (1.0 - c["memory"]) * old + c["memory"] * transaction[paradox]
    pop.satisfaction[buyers] = new_sat
    pop.expectation[buyers] = new_exp
    hit = buyers[failed]
    pop.failures[hit] = np.minimum(pop.failures[hit].astype(np.int16) + 1, 127)
    pop.attachment[buyers] = rules.update_attachment(pop.attachment[buyers].astype(np.float64), transaction,
                                                     growth=c["attachment_growth"],
                                                     threshold=c["attachment_threshold"], neutral=c["neutral"])
    return value


def decay_and_lapse(pop, alive, factor, threshold, lapsing, active) -> None:
    """Attachment fades by ``factor``; those who last bought at or before ``threshold`` lapse."""
    pop.attachment[alive] *= np.float32(factor)
    pop.state[alive] = np.where(pop.last_purchase_week[alive] <= threshold, np.int8(lapsing), np.int8(active))


def advocates(state, churned, satisfaction, high, low):
    """Rows not churned, the promoters among them, and how many are detractors."""
    alive = np.flatnonzero(state != churned)
    sat = satisfaction[alive]
    return alive, alive[sat >= high], int(np.count_nonzero(sat < low))


def per_row_charge(buf, rows, weights, scale, counts=None):
    """Each row's cost added to ``buf``; the costs returned."""
    amounts = np.empty(rows.size)
    amounts[:] = scale * weights[rows] if counts is None else counts * scale * weights[rows]
    buf[rows] += amounts
    return amounts


def book_week(touched, margin, buf, pop, discount_by_age, week, by_week, extra_cost=0.0) -> None:
    """One week of margin and cost booked into each customer's accounts; the buffer cleared."""
    acquired = pop.acquired_week
    cost = buf[touched] + float(extra_cost)
    contribution = margin - cost
    pop.gross_margin[touched] += margin
    pop.cost_to_serve[touched] += cost
    touched_acq = acquired[touched]
    pop.clv_pv[touched] += contribution * discount_by_age[week - np.maximum(touched_acq, 0)]
    buf[touched] = 0.0
    np.add.at(by_week, touched_acq.astype(np.intp) + 1, contribution)  # unbuffered: in row order


def census(pop, weeks, churned, lapsing):
    """Customers, lapsing, members, mean satisfaction (in four lanes by row) and counts by week + 1."""
    alive = np.flatnonzero(pop.state != churned)
    here = np.zeros(-(-pop.state.size // 4) * 4)
    here[alive] = pop.satisfaction[alive]
    lanes = np.cumsum(here.reshape(-1, 4), axis=0)[-1] if here.size else np.zeros(4)
    sat = float((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
    return (alive.size, int(np.count_nonzero(pop.state[alive] == lapsing)), int(np.count_nonzero(pop.member[alive])),
            sat / alive.size if alive.size else 0.0, np.bincount(pop.acquired_week[alive] + 1, minlength=weeks + 1))


def book_seen(pop, buyers, occasions, u, visibility, week) -> None:
    """The purchases the firm sees, given the buyers' uniforms ``u``."""
    seen = pop.member[buyers] | (u < visibility)
    pop.seen_purchases[buyers[seen]] += occasions[seen]
    pop.seen_week[buyers[seen]] = week


def conversion(ps, referred, share, terms, price_ratio):
    """Conversion probabilities and expectations of the aware pool (``terms``: ConversionTerms)."""
    mult = rules.price_multiplier(price_ratio, ps)
    if share is not None:
        mult = mult * share
    mult = mult * terms.age * np.where(referred, terms.boost, 1.0) * terms.deterrence
    expectation = None
    if terms.expect:
        expectation = np.where(referred, terms.base, terms.base + terms.ad_lift)
        mult = mult * np.exp(np.minimum(terms.expectation_effect * (expectation - terms.reference_value), 50.0))
    return rules.conversion_probability(terms.rate, mult), expectation


def returned(pop, buyers, occasions, u, habit):
    """Whether each buyer returns this week's order, given the buyers' uniforms ``u``."""
    q = pop.return_propensity[buyers].astype(np.float64)
    n = (pop.purchases[buyers] + occasions).astype(np.float64)
    return (q > 0) & (u < rules.return_probability(q, n, habit))
