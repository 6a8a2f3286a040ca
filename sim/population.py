"""The customers: one row per person who has ever bought, stored as a struct of numpy arrays.

A customer keeps the id the person had as a prospect in the market, so traits and luck (drawn
from keyed streams by that id) do not depend on the order in which strategies acquired people.
The arrays grow by doubling, so acquiring prospects never copies the population week by week.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Population", "ACTIVE", "LAPSING", "CHURNED", "STATE_NAMES", "NEEDS", "saturating_increment"]

# Lifecycle states of customers (prospects' unaware/aware states live in the market).
ACTIVE, LAPSING, CHURNED = 2, 3, 4
STATE_NAMES = {ACTIVE: "active", LAPSING: "lapsing", CHURNED: "churned"}
# Segments of need: what a customer mainly looks for (shares in ``customers.needs_shares``).
NEEDS = ("price_seeker", "quality_seeker", "values_driven", "balanced")

# name: (dtype, fill value for a new row). Traits are float32: they are drawn once and never
# accumulate; money accumulates in float64. Weeks are int16 (horizons are at most 5,200 weeks and
# every difference of two weeks stays within +-32,767); counts that cannot pass 127 in practice
# are int8 and saturate there. The initial base's acquisition cohort is 0, a later customer's
# ``1 + acquired_week // output.cohort_weeks`` (derived, not stored).
FIELDS: dict[str, tuple[type, float | int]] = {
    "id": (np.int32, -1),  # market id (market.potential is below 2**31)
    "state": (np.int8, ACTIVE),
    "acquired_week": (np.int16, -1),  # -1 for the initial base
    "purchase_rate": (np.float32, 0.0),  # purchase occasions per week at neutral conditions
    "basket_mean": (np.float32, 0.0),  # units per occasion
    "price_sensitivity": (np.float32, 0.0),
    "quality_sensitivity": (np.float32, 0.0),
    "service_demand": (np.float32, 1.0),  # multiplier on her support contacts and her orders' service
    "needs": (np.int8, 0),  # index into NEEDS
    "generation": (np.int8, 0),  # product generation the customer has
    "satisfaction": (np.float32, 0.0),
    "attachment": (np.float32, 0.0),  # emotional attachment in [0, 1]
    "expectation": (np.float32, 0.0),
    "last_purchase_week": (np.int16, -1),
    "purchases": (np.int32, 0),
    "churn_count": (np.int8, 0),  # saturates at 127
    "failures": (np.int8, 0),  # service failures met (capped at 127)
    "churn_to": (np.int8, -1),  # last churn: -1 never, 0 left the category, k + 1 to rival k
    "won_back_count": (np.int8, 0),  # saturates at 127
    "revenue": (np.float64, 0.0),  # paid, after discounts (currency units)
    "gross_margin": (np.float64, 0.0),  # revenue - cost of goods (currency units)
    "cost_to_serve": (np.float64, 0.0),  # service, retention and allocated fixed costs
    # Offer + share of that week's media (+ welcome discount, referral reward): set at
    # acquisition and added to at most twice, so float32 keeps it to about 1e-7 relative.
    "acquisition_cost": (np.float32, 0.0),
    "clv_pv": (np.float64, 0.0),  # discounted contribution since acquisition
    "member": (np.bool_, False),
    "segment": (np.int8, 3),  # value segment at the last review (index into SEGMENTS; bronze at first)
    "seen_purchases": (np.int32, 0),  # purchases the firm could attribute to the customer
    "seen_week": (np.int16, -1),  # last week the firm saw the customer buy
    "complaints": (np.int8, 0),
}

# Fields only some strategies use: allocated on first use, so a scenario without a loyalty
# programme or retention offers carries none of their bytes. Strategies declare more of them
# (a loyalty scheme's ``fields``), given to the population they work on.
OPTIONAL_FIELDS: dict[str, tuple[type, float | int]] = {
    "offer_week": (np.int16, -10_000),  # last retention offer
    "points": (np.int64, 0),  # loyalty points held (a column of the customer snapshot)
    "member_since": (np.int16, -1),  # week of enrolment in the loyalty programme
    "churn_propensity": (np.float64, 1.0),  # own multiplier of the churn probability (customers.churn_propensity)
    "return_propensity": (np.float32, 0.0),  # probability of returning her first order (customers.return_*)
}

#: Growth factor of the arrays when full (amortised O(1) appends with little slack).
GROWTH = 1.5


def saturating_increment(a: np.ndarray, rows: np.ndarray) -> None:
    """Add one to the small-integer counters ``a[rows]`` without passing their dtype's maximum."""
    top = np.iinfo(a.dtype).max
    a[rows] = np.minimum(a[rows].astype(np.int32) + 1, top)


class Population:
    """Struct-of-arrays customer state with amortised growth.

    Parameters
    ----------
    capacity : int
        Rows to allocate up front; the arrays grow by :data:`GROWTH` when full.
    optional : dict, optional
        More optional fields, ``name: (dtype, fill value of a new row)``, declared by the
        strategies of the run (e.g. a loyalty scheme's ``fields``).

    Notes
    -----
    ``pop.state`` and the other field names return views of the first ``pop.n`` rows, so
    in-place updates through them change the population. Fields of :data:`OPTIONAL_FIELDS`
    are allocated the first time they are read or written.
    """

    def __init__(self, capacity: int = 1024, optional: dict[str, tuple[type, float | int]] | None = None):
        self.n = 0
        self._cap = max(int(capacity), 1)
        clash = set(optional or ()) & set(FIELDS)
        if clash:
            raise ValueError(f"Optional fields {sorted(clash)} are core fields of the population.")
        self._optional = {**OPTIONAL_FIELDS, **(optional or {})}
        # Rows are filled when customers are added: the spare capacity stays untouched memory.
        self._a = {name: np.empty(self._cap, dtype=dt) for name, (dt, _) in FIELDS.items()}

    def __getattr__(self, name: str) -> np.ndarray:
        arrays = self.__dict__.get("_a")
        if arrays is not None:
            if name in arrays:
                return arrays[name][: self.n]
            optional = self.__dict__["_optional"]
            if name in optional:
                dt, fill = optional[name]
                if fill == 0:  # untouched zero pages until a strategy writes them
                    arrays[name] = np.zeros(self._cap, dtype=dt)
                else:
                    arrays[name] = np.empty(self._cap, dtype=dt)
                    arrays[name][: self.n] = fill
                return arrays[name][: self.n]
        raise AttributeError(name)

    def __len__(self) -> int:
        return self.n

    def nbytes_per_row(self) -> int:
        """Bytes of state per customer row (the fields allocated so far)."""
        return sum(a.itemsize for a in self._a.values())

    def add(self, ids: np.ndarray, **values: np.ndarray | float | int) -> slice:
        """Append customers with market ids ``ids``; other fields take ``values`` or defaults.

        Returns the slice of the new rows.
        """
        k = len(ids)
        need = self.n + k
        if need > self._cap:
            cap = max(need, int(self._cap * GROWTH) + 1)
            for name, old in self._a.items():
                grown = np.empty(cap, dtype=old.dtype)
                grown[: self.n] = old[: self.n]
                self._a[name] = grown
            self._cap = cap
        rows = slice(self.n, need)
        for name in values:
            getattr(self, name)  # allocates an optional field on first use
        for name, a in self._a.items():
            if name == "id":
                a[rows] = ids
            elif name in values:
                a[rows] = values[name]
            else:
                a[rows] = FIELDS[name][1] if name in FIELDS else self._optional[name][1]
        self.n = need
        return rows
