"""Deck style: the look of every chart that goes on a 16:9 management slide.

One place decides the figure size (the chart area of a 16:9 slide under its headline), the font
sizes (readable from the back of a meeting room), a calm palette with a single highlight colour
for the one thing the chart is about, number formats (thousands separators, ``k``/``m``/``bn``
for large amounts, an optional currency symbol, percentages) and the footnote that makes every
chart traceable to its scenario, seeds and package version.

Draw inside :func:`deck_style`::

    with deck_style(currency="EUR "):
        fig, ax = deck_figure()
        plot_profit_by_category(timeseries, ax=ax)
        footnote(fig, footnote_text("loyalty=points", seeds=[0, 1, 2], version="0.1.0"))
        fig.savefig("profit.png")
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import matplotlib

# Charts go to files: the file-only Agg backend, unless a backend was chosen explicitly (Jupyter
# sets MPLBACKEND to its inline backend, so charts show in notebooks).
if not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402
from matplotlib.ticker import Formatter, PercentFormatter  # noqa: E402

from sim.report.names import scenario_name  # noqa: E402

__all__ = [
    "PALETTE",
    "HIGHLIGHT",
    "NEUTRAL",
    "SLIDE_SIZE",
    "FIGURE_SIZE",
    "DPI",
    "deck_style",
    "deck_figure",
    "legend_outside",
    "footnote",
    "footnote_text",
    "format_count",
    "format_money",
    "format_share",
    "format_ratio",
    "format_kpi",
    "kpi_label",
    "kpi_unit",
    "kpi_formatter",
    "short_label",
    "CompactFormatter",
    "thousands",
    "currency",
    "currency_symbol",
    "percent",
]

#: Calm, muted colours for everything that is context.
PALETTE = ("#4C6A92", "#8FA9C8", "#A3B18A", "#D4A373", "#B5838D", "#6D6875", "#9C9C9C", "#CCD5AE")
#: The one colour for what the chart is about (the winner, the profit line, the peak).
HIGHLIGHT = "#D1495B"
#: Reference lines and de-emphasised marks.
NEUTRAL = "#9C9C9C"
_TEXT = "#333333"
_MUTED = "#666666"

#: Inches of a 16:9 slide.
SLIDE_SIZE = (13.333, 7.5)
#: Inches of a chart: the slide below its headline, so charts go on slides at 1:1 and fonts keep their size.
FIGURE_SIZE = (12.4, 5.8)
#: Resolution of PNG charts (dots per inch).
DPI = 150
# Figure band kept free at the bottom for the footnote (share of the figure height).
_FOOTNOTE_BAND = 0.05

_RC = {
    "font.size": 15,
    "axes.titlesize": 18,
    "axes.titlelocation": "left",
    "axes.titlepad": 12,
    "axes.labelsize": 15,
    "axes.labelcolor": _TEXT,
    "axes.edgecolor": "#555555",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "xtick.color": _TEXT,
    "ytick.color": _TEXT,
    "legend.fontsize": 13,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "svg.fonttype": "none",  # text stays text in SVG: smaller, searchable, editable
    "pdf.fonttype": 42,
}

_currency_symbol: ContextVar[str] = ContextVar("currency_symbol", default="")


def currency_symbol() -> str:
    """The currency prefix of the current :func:`deck_style` (empty outside one)."""
    return _currency_symbol.get()


@contextmanager
def deck_style(currency: str = "") -> Iterator[None]:
    """Apply the deck style while drawing and saving figures.

    Parameters
    ----------
    currency : str
        Prefix of money amounts in charts and text, e.g. ``"$"`` or ``"EUR "``; empty (the
        default) writes bare amounts, in the currency unit of the scenario.
    """
    token = _currency_symbol.set(currency)
    try:
        with plt.rc_context(_RC):
            yield
    finally:
        _currency_symbol.reset(token)


def deck_figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """A figure of :data:`FIGURE_SIZE` whose layout leaves room for a footnote.

    Constrained layout keeps tick labels, legends placed outside the axes and value columns
    inside the figure. Call inside :func:`deck_style`. Extra keyword arguments go to
    :func:`matplotlib.pyplot.subplots`.

    Returns
    -------
    (Figure, Axes or array of Axes)
    """
    layout = ConstrainedLayoutEngine(rect=(0.0, _FOOTNOTE_BAND, 1.0, 1.0 - _FOOTNOTE_BAND), w_pad=0.08, h_pad=0.08)
    fig, ax = plt.subplots(nrows, ncols, figsize=FIGURE_SIZE, **kwargs)
    fig.set_layout_engine(layout)
    return fig, ax


def legend_outside(ax, **kwargs):
    """A legend to the right of the axes, so it never hides data."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)


def footnote(fig, text: str) -> None:
    """Write the reproducibility footnote (scenario, seeds, version) at the bottom left of ``fig``."""
    fig.text(0.005, 0.008, text, fontsize=10, color=_MUTED, ha="left", va="bottom")


def _seed_text(seeds: Sequence[int]) -> str:
    s = sorted({int(x) for x in seeds})
    if len(s) == 1:
        return f"seed {s[0]}"
    if s == list(range(s[0], s[-1] + 1)):
        return f"{len(s)} seeds ({s[0]}-{s[-1]})"
    return f"{len(s)} seeds ({', '.join(map(str, s[:6]))}{', ...' if len(s) > 6 else ''})"


def footnote_text(scenario: str, *, seeds: Sequence[int], version: str | None = None, git: str | None = None,
                  customers: int | None = None, weeks: int | None = None) -> str:
    """The standard footnote: scenario, scale, seeds, package version and git revision.

    Parameters
    ----------
    scenario : str
        What was simulated, e.g. ``'loyalty=points, pricing=premium'`` or ``'sweep loyalty_shootout'``.
    seeds : sequence of int
        Seeds behind the chart.
    version, git : str, optional
        Package version and git revision (shortened to 7 characters, keeping ``-dirty``).
    customers, weeks : int, optional
        Initial customers and horizon, when they are the same for everything in the chart.
    """
    parts = [scenario]
    scale = ", ".join(p for p in (f"{customers:,} initial customers" if customers is not None else "",
                                   f"{weeks:,} weeks" if weeks is not None else "") if p)
    if scale:
        parts.append(scale)
    parts.append(_seed_text(seeds))
    if version:
        rev = f" (git {git[:7]}{'-dirty' if git.endswith('-dirty') else ''})" if git else ""
        parts.append(f"customer-sim {version}{rev}")
    return "  |  ".join(parts)


# -- numbers ---------------------------------------------------------------------------------
_SUFFIXES = ((1e9, "bn"), (1e6, "m"), (1e3, "k"))


def _significant(x: float, digits: int = 3) -> str:
    """``x`` (>= 0) to ``digits`` significant digits, with thousands separators and no trailing zeros."""
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(x))))
    return f"{x:,.{decimals}f}"


def format_money(x: float | None, symbol: str | None = None) -> str:
    """A money amount for reading: ``4,373``, ``12.3k``, ``1.23m``, ``-72.2m``, ``12.50``.

    Below 10,000 the amount is written in full with thousands separators (two decimals below
    100); from 10,000 on it is rounded to three significant digits with ``k``, ``m`` or ``bn``.

    Parameters
    ----------
    x : float or None
        Amount in currency units; None or NaN gives ``'n/a'``.
    symbol : str, optional
        Currency prefix; default the one of the current :func:`deck_style`.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    symbol = _currency_symbol.get() if symbol is None else symbol
    sign = "-" if x < 0 else ""
    a = abs(float(x))
    if a == 0:
        body = "0"
    elif a < 100:
        body = f"{a:,.2f}"
    elif a < 10_000:
        body = f"{a:,.0f}"
    else:
        exp = min(3, int(math.log10(a)) // 3)
        body = _significant(a / 10 ** (3 * exp))
        if float(body.replace(",", "")) >= 1000 and exp < 3:  # 999.6k rounds up to 1.00m
            exp += 1
            body = _significant(float(body.replace(",", "")) / 1000)
        body += ("", "k", "m", "bn")[exp]
    return f"{sign}{symbol}{body}"


def format_count(n: float | None) -> str:
    """A count of people or events with thousands separators: ``37,822``."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "n/a"
    return f"{round(n):,}"


def format_share(x: float | None, decimals: int = 1) -> str:
    """A share in [0, 1] as a percentage: ``74.7%``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{decimals}%}"


def format_ratio(x: float | None) -> str:
    """A ratio such as CLV/CAC: ``7.97x``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{_significant(abs(x))}x" if x >= 0 else f"-{_significant(abs(x))}x"


_KPI_LABELS = {
    "npv_profit": "NPV profit",
    "profit": "profit",
    "revenue": "revenue",
    "gross_margin": "gross margin",
    "customers_acquired": "customers acquired",
    "customers_active_end": "customers at the end",
    "customers_churned": "churn events",
    "retention_rate_annual": "annual retention",
    "mean_clv": "mean CLV",
    "ltv_to_cac": "CLV/CAC",
    "cac": "CAC",
    "acquisition_spend": "acquisition spend",
    "retention_spend": "retention spend",
    "cost_to_keep": "cost of keeping customers",
    "share_profitable_customers": "share of profitable customers",
    "profit_from_new": "profit from new customers",
    "profit_from_retained": "profit from the retained base",
    "loyalty_cost": "loyalty cost",
    "payback_weeks": "payback",
}
_COUNT_KPIS = frozenset({"customers_initial", "customers_acquired", "customers_churned", "customers_won_back",
                         "customers_active_end", "customer_weeks", "points_issued", "points_redeemed",
                         "points_expired", "points_outstanding", "members_end"})
_SHARE_KPIS = frozenset({"retention_rate_annual", "share_profitable_customers", "points_breakage_ultimate"})
_RATIO_KPIS = frozenset({"ltv_to_cac", "loyalty_net_roi"})


def kpi_label(kpi: str) -> str:
    """A reader's name for a KPI (``'npv_profit'`` -> ``'NPV profit'``)."""
    return _KPI_LABELS.get(kpi, kpi.replace("_", " "))


def kpi_unit(kpi: str) -> str:
    """The unit of a KPI for axis labels: ``'currency units'``, ``'share'``, ``'count'``, ..."""
    if kpi in _COUNT_KPIS:
        return "count"
    if kpi in _SHARE_KPIS:
        return "share"
    if kpi in _RATIO_KPIS:
        return "ratio"
    return "weeks" if kpi == "payback_weeks" else "currency units"


def kpi_formatter(kpi: str) -> Formatter:
    """The tick formatter of a KPI axis (:data:`percent`, :data:`thousands` or :data:`currency`)."""
    unit = kpi_unit(kpi)
    return percent if unit == "share" else currency if unit == "currency units" else thousands


def format_kpi(value: float | None, kpi: str) -> str:
    """A KPI value in its own format: counts, shares, ratios, weeks or money."""
    if kpi in _COUNT_KPIS:
        return format_count(value)
    if kpi in _SHARE_KPIS:
        return format_share(value)
    if kpi in _RATIO_KPIS:
        return format_ratio(value)
    if kpi == "payback_weeks":
        return "n/a" if value is None or value != value else f"{value:,.0f} weeks"
    return format_money(value)


def short_label(label: str, sep: str = ", ") -> str:
    """A scenario label for charts: ``'acquisition.winback_share=0.14'`` -> ``'winback_share=0.14'``.

    Keys keep only their last dotted part; whole floats lose their ``.0`` and large numbers get
    thousands separators. Parts are joined with ``sep`` (``'\\n'`` stacks them). A scenario
    with a business name (:func:`sim.report.names.scenario_names`) is written by its name.
    """
    if (name := scenario_name(label)) is not None:
        return name
    parts = []
    for part in label.split(", "):
        key, eq, value = part.partition("=")
        if eq:
            try:
                number = float(value)
                if number.is_integer() and abs(number) >= 1000:
                    value = f"{int(number):,}"
                elif number.is_integer() and "." in value:
                    value = str(int(number))
            except ValueError:
                pass
            part = f"{key.rsplit('.', 1)[-1]}={value}"
        parts.append(part)
    return sep.join(parts)


class CompactFormatter(Formatter):
    """Tick labels in the deck's number format, each as short as it can be while exact.

    An axis whose ticks stay below 10,000 shows them with thousands separators (``2,500``);
    larger axes use ``k``, ``m`` and ``bn`` (``250k``, ``1.25m``). Money axes get the currency
    prefix of the current :func:`deck_style`.

    Parameters
    ----------
    money : bool
        Prefix the currency symbol.
    """

    def __init__(self, money: bool = False):
        self.money = money

    @staticmethod
    def _exact(x: float) -> str:
        for decimals in range(5):
            if abs(round(x, decimals) - x) <= 1e-9 * max(1.0, abs(x)):
                return f"{x:,.{decimals}f}"
        return f"{x:,.4f}"

    def _one(self, x: float, compact: bool) -> str:
        a = abs(x)
        body = self._exact(a)
        if compact:
            for div, suffix in _SUFFIXES:
                if a >= div:
                    body = self._exact(a / div) + suffix
                    break
        prefix = _currency_symbol.get() if self.money else ""
        return ("-" if x < 0 and body != "0" else "") + prefix + body

    def __call__(self, x, pos=None):
        return self._one(float(x), abs(x) >= 10_000)

    def format_ticks(self, values):
        compact = any(abs(v) >= 10_000 for v in values)
        return [self._one(float(v), compact) for v in values]


#: Tick formatter for counts.
thousands = CompactFormatter()
#: Tick formatter for money.
currency = CompactFormatter(money=True)
#: Tick formatter for shares in [0, 1].
percent = PercentFormatter(xmax=1.0)
