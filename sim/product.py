"""Product lifecycle: development, introduction, growth, maturity and decline.

Stages are not painted on: they are read from the simulated curves by a documented rule, applied
causally (each week sees only the weeks before it), so the engine can price the stage as it goes
and a chart can shade the same stages afterwards.

The rule, on the trailing mean ``s_t`` of weekly sales over ``window`` weeks, its annualised
growth ``g_t = (s_t / s_{t-window})^(52 / window) - 1``, and the share of the market potential
that has adopted:

* **development** before the launch week: no sales;
* **introduction** from launch until take-off, when the innovators have adopted: the adopted
  share reaches ``takeoff_share`` (2.5 %, Rogers 1962; Mahajan, Muller & Srivastava 1990 derive
  the same categories from the Bass model);
* **growth** while sales grow by more than ``plateau_growth`` a year;
* **maturity** once growth falls to ``plateau_growth`` a year or below (sales flatten);
* **decline** once ``s_t`` falls below ``decline_share`` of its peak so far.

Stages only move forward. On a Bass curve this gives introduction until 2.5 % adoption, growth
up to about the sales peak, a short maturity around it and decline on the way down.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

__all__ = ["STAGES", "StageTracker", "detect_stages"]

STAGES = ("development", "introduction", "growth", "maturity", "decline")
DEVELOPMENT, INTRODUCTION, GROWTH, MATURITY, DECLINE = range(5)


class StageTracker:
    """Causal stage detection, one week at a time.

    Parameters
    ----------
    launch_week : int
        First week with sales.
    initial_stage : str
        Stage at launch: ``introduction`` for a new product; an established product may start
        in ``growth`` or ``maturity``.
    window : int
        Weeks in the trailing mean and between the two means compared for growth.
    takeoff_share : float
        Adopted share of the market potential that marks take-off.
    plateau_growth : float
        Annual growth of sales at or below which they have flattened.
    decline_share : float
        Share of the peak trailing mean below which the product is in decline.
    """

    def __init__(self, launch_week: int = 0, initial_stage: str = "introduction", window: int = 13,
                 takeoff_share: float = 0.025, plateau_growth: float = 0.05, decline_share: float = 0.8):
        self.launch_week = launch_week
        self.initial_stage = STAGES.index(initial_stage)
        self.window = window
        self.takeoff_share = takeoff_share
        self.plateau_growth = plateau_growth
        self.decline_share = decline_share
        self._recent: deque[float] = deque(maxlen=window)
        self._means: list[float] = []
        self._peak = 0.0
        self.stage = DEVELOPMENT
        self.weeks_in_stage = 0
        self.entered: dict[int, int] = {DEVELOPMENT: 0}  # stage -> week it began

    def update(self, week: int, sales: float, adopted_share: float) -> int:
        """Feed ``week``'s sales and the adopted share of potential; return the stage code."""
        previous = self.stage
        if week < self.launch_week:
            self.stage = DEVELOPMENT
        else:
            if self.stage == DEVELOPMENT:
                self.stage = max(self.initial_stage, INTRODUCTION)
            self._recent.append(sales)
            mean = sum(self._recent) / len(self._recent)
            self._means.append(mean)
            self._peak = max(self._peak, mean)
            full = len(self._means) > self.window
            before = self._means[-1 - self.window] if full else 0.0
            # Annualised growth compared in logs: (mean/before)^(52/window) - 1 <= plateau
            # overflows for short windows; the log form cannot.
            log_growth = (52.0 / self.window) * math.log(mean / before) if before > 0 and mean > 0 else (
                -math.inf if before > 0 else math.inf)
            if self.stage == INTRODUCTION and adopted_share >= self.takeoff_share:
                self.stage = GROWTH
            elif self.stage == GROWTH and full and log_growth <= math.log1p(max(self.plateau_growth, -1.0 + 1e-12)):
                self.stage = MATURITY
            if self.stage in (GROWTH, MATURITY) and full and mean < self.decline_share * self._peak:
                self.stage = DECLINE
        if self.stage != previous:
            self.entered.setdefault(self.stage, week)
        self.weeks_in_stage = self.weeks_in_stage + 1 if self.stage == previous else 1
        return self.stage


def detect_stages(sales: np.ndarray, adopted_share: np.ndarray, **rule) -> np.ndarray:
    """Stage name per week of a sales series, by the same causal rule the engine uses.

    Parameters
    ----------
    sales : ndarray
        Weekly sales (any unit).
    adopted_share : ndarray
        Share of the market potential that has adopted by the end of each week.
    **rule
        Parameters of :class:`StageTracker`.
    """
    tracker = StageTracker(**rule)
    return np.array([STAGES[tracker.update(w, float(x), float(a))]
                     for w, (x, a) in enumerate(zip(sales, adopted_share))], dtype=object)
