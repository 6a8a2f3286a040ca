"""Deck style: 16:9 figures, large fonts, a calm palette with one highlight, readable numbers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

__all__ = ["PALETTE", "HIGHLIGHT", "deck_style", "deck_figure", "thousands", "currency", "footnote"]

PALETTE = ("#4C6A92", "#8FA9C8", "#A3B18A", "#D4A373", "#B5838D", "#6D6875", "#9C9C9C", "#CCD5AE")
HIGHLIGHT = "#D1495B"
SLIDE_SIZE = (13.33, 7.5)  # inches: a 16:9 slide

_RC = {
    "font.size": 14,
    "axes.titlesize": 18,
    "axes.labelsize": 14,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.bbox": "tight",
}


def deck_style():
    """Context manager applying the deck style; draw and save figures inside it."""
    return plt.rc_context(_RC)


def deck_figure(nrows: int = 1, ncols: int = 1):
    """A figure sized for a 16:9 slide (call inside :func:`deck_style`)."""
    return plt.subplots(nrows, ncols, figsize=SLIDE_SIZE)


def _human(x: float) -> str:
    for div, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:,.1f}{suffix}"
    return f"{x:,.0f}"


thousands = FuncFormatter(lambda x, _: _human(x))
currency = FuncFormatter(lambda x, _: ("-" if x < 0 else "") + _human(abs(x)))


def footnote(fig, text: str) -> None:
    """Write the reproducibility footnote (scenario, seed, version) at the bottom of ``fig``."""
    fig.text(0.01, 0.005, text, fontsize=9, color="#666666", ha="left", va="bottom")
