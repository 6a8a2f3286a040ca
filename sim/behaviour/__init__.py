"""Behaviour rules: what one customer (or prospect) does, each rule written once.

A per-customer rule is a compiled scalar function (numba, inlined where it is called): it takes
one customer's state, the parameters and her random numbers, and returns her decision or new
state. The array loops of :mod:`sim.kernels` call these rules for every customer of a week, in
plain passes and in fused ones alike, so a rule is changed in one place. Market-level rules,
evaluated once a week (advertising reach, the Bass hazard), are plain Python in
:mod:`sim.behaviour.awareness`.

=========================  ===============================================================
module                     rules
=========================  ===============================================================
:mod:`.purchase`           purchase rate and its factors, basket size
:mod:`.returns`            probability of sending an order back
:mod:`.satisfaction`       experienced value, satisfaction, expectation, attachment, the
                           whole service encounter, prospects' prior expectation
:mod:`.service`            quality delivered, failure severity, what the firm observes
:mod:`.churn`              churn probability, strategy multipliers, lapsing, fading
:mod:`.acquisition`        conversion of aware prospects
:mod:`.choice`             logit utility of a firm, where a churner goes
:mod:`.risk`               the firm's churn-risk score from what it sees
:mod:`.events`             whether a chance event happens for a uniform
:mod:`.awareness`          advertising and word-of-mouth hazards (market level)
=========================  ===============================================================

Independent numpy formulations of the rules live in ``tests/oracles/`` and the tests check the
compiled rules against them.
"""

from sim.behaviour.awareness import advertising_hazard, awareness_hazard
from sim.behaviour.satisfaction import EncounterParams

__all__ = ["advertising_hazard", "awareness_hazard", "EncounterParams"]
