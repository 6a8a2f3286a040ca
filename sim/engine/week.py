"""Records passed between the phases of one week: the block of customers, what they drew, what they did."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

__all__ = ["Prices", "Block", "PurchaseDraw", "Part", "WeekFigures", "concat"]


class Prices(NamedTuple):
    """Prices in force this week (currency units per unit)."""

    list_price: float
    discount: float  # share off the list price
    paid: float  # list_price * (1 - discount)
    reference: float  # the market's reference price


@dataclasses.dataclass
class Block:
    """One block of this week's customers and the price each pays.

    The first ``n_risk`` rows were customers before this week; the rest were acquired this week
    (they all buy, and cannot churn yet).
    """

    rows: np.ndarray
    n_risk: int
    loyalty_factor: np.ndarray | float  # loyalty schemes' price factor (1 without a programme)
    segment_factor: np.ndarray | float  # segment treatments' price factor
    price_ratio: np.ndarray | float  # price paid over the reference price, per row or for all


@dataclasses.dataclass
class PurchaseDraw:
    """This week's purchase occasions of a block.

    ``bought`` are positions in the block's rows with a purchase and ``buyers``, ``occasions``,
    ``buyer_ids`` the rows, occasions and ids at those positions. ``sat_eff`` and ``ids`` are each
    row's effective satisfaction and id (None when the draw also drew the churn, whose positions
    are then ``leaving``: the fused pass, or a subscription's renewals; leaving at a purchase,
    ``customers.churn_timing=at_purchase``, gives both). ``share`` and
    ``rival_share`` are the firm's and the rivals' choice shares (None without rivals).
    """

    bought: np.ndarray
    buyers: np.ndarray
    occasions: np.ndarray
    buyer_ids: np.ndarray
    sat_eff: np.ndarray | None = None
    ids: np.ndarray | None = None
    share: np.ndarray | None = None
    rival_share: np.ndarray | None = None
    leaving: np.ndarray | None = None
    faded: bool = False  # attachment faded and lapsing marked with the draw


@dataclasses.dataclass
class Part:
    """What one block of customers did this week (rows, and positions of buyers in them)."""

    rows: np.ndarray
    bought: np.ndarray
    buyers: np.ndarray  # rows[bought]
    margin: np.ndarray  # per buyer: paid less cost of goods (currency units)
    paid: np.ndarray
    occasions: np.ndarray
    churned: np.ndarray


@dataclasses.dataclass
class WeekFigures:
    """Figures of the week summed over its blocks of customers."""

    parts: list = dataclasses.field(default_factory=list)
    category_rate: float = 0.0  # purchase occasions per week in the category, before the choice among firms
    firm_rate: float = 0.0
    units: float = 0.0
    value_sum: float = 0.0
    value_n: int = 0
    complaints: int = 0
    recovered: int = 0

    def gathered(self, name: str, dtype=np.float64) -> np.ndarray:
        """One array of the parts' ``name`` arrays."""
        return concat([getattr(p, name) for p in self.parts], dtype)


def concat(arrays: list[np.ndarray], dtype=np.float64) -> np.ndarray:
    """One array from the blocks' arrays (no copy for a single block)."""
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=dtype)
