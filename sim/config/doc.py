"""The parameter reference: every config field with its default, allowed range, meaning and source.

Generated from the schemas themselves (numpydoc ``Attributes`` sections, defaults and the range
rules declared with ``_p``), so it cannot drift from the code. ``python -m sim.config.doc``
rewrites the generated part of ``docs/behaviour.md`` (or of the file given as its argument).
The engine never imports this module: it writes and tests the reference, and a calibrated firm's
record of assumptions (:mod:`sim.calibrate.firm`) quotes its :data:`SOURCES`.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from sim.config.priors import DEFAULT_OUTSIDE_PRIOR, NOT_ASSUMED
from sim.config.ranges import describe_rule
from sim.config.schema import Config

__all__ = ["parameter_table", "SOURCES", "update_doc"]

BEGIN, END = "<!-- BEGIN GENERATED PARAMETERS -->", "<!-- END GENERATED PARAMETERS -->"

#: Where a default or a mechanism comes from. Parameters not listed are modelling choices of
#: this project, calibrated so that the default scenario shows the stylised facts (README).
SOURCES: dict[str, str] = {
    "market.initially_aware": "Bass (1969) innovation through advertising",
    "market.discount_rate_annual": "Gupta, Lehmann & Stuart (2004) use 12 %; 10 % is common practice",
    "market.discount_rate_weekly": "off (0): the classical presets set it from classic.discount_rate",
    "market.network": "word of mouth travels along personal ties (Goldenberg, Libai & Muller 2001); "
                      "full mixing is Bass (1969)",
    "market.network_seeding": "seeding on hubs spreads word of mouth faster (Hinz, Skiera, Barrot & Becker 2011)",
    "acquisition.ad_expectation_lift": "an advertising promise above delivery wins trial and then disappoints "
                                       "(Kopalle & Lehmann 2006)",
    "service.support_contact_rate": "service encounters without a sale shape satisfaction "
                                    "(Bitner, Booms & Tetreault 1990); about two contacts a year for a customer "
                                    "of average service demand",
    "service.cost_per_support_contact": "a contact-centre call costs a few to about ten currency units (practice)",
    "service.cost_per_transaction": "handling an order (picking, packing, processing) costs the same whatever "
                                    "its size (activity-based costing: Cooper & Kaplan 1991)",
    "service.cost_per_order_service": "cost to serve differs widely between customers through the service they "
                                      "ask for with their orders (Kaplan & Narayanan 2001: the most profitable "
                                      "fifth earn 150-300 % of customer profit); 12, the same at every service "
                                      "level, leaves the default firm an operating margin of about 12 % of sales, "
                                      "about the average of US firms across industries (Damodaran, operating "
                                      "margins by industry)",
    "service.cost_per_return": "taking back a returned item costs online retailers about 6-18 (The Economist "
                               "2013, cited by Minnema et al. 2018); about 17 % of the item's value in a "
                               "fashion retailer's return costs (Gustafsson, Jonsson & Holmstrom 2021)",
    "service.return_writeoff": "part of what comes back cannot be sold as new and goes to secondary markets at "
                               "a fraction of its value (Rogers & Tibben-Lembke 2001); the share is the firm's "
                               "own",
    "service.cost_per_customer_week": "none or small: the cost to serve follows orders and contacts (Kaplan & "
                                      "Narayanan 2001), not a flat charge per customer",
    "customers.purchase_rate_shape": "Gamma heterogeneity of purchase rates, as in NBD / BG-NBD (Ehrenberg 1959; "
                                     "Fader, Hardie & Lee 2005)",
    "customers.needs_shares": "needs-based segmentation (Wind 1978); shares are illustrative",
    "customers.churn_rate": "annual retention about 70-80 % in many consumer businesses (Reichheld & Sasser 1990)",
    "acquisition.winback_after_weeks": "recency is what a non-contractual firm observes (Fader, Hardie & Lee "
                                       "2005); half a year is a common practice cut-off",
    "acquisition.offer_cost": "acquiring a customer costs several times more than keeping one (practice)",
    "service.complaint_handling_quality": "complaint handling drives post-complaint loyalty "
                                          "(Tax, Brown & Chandrashekaran 1998)",
    "pricing.match_competitor": "airlines match competitors' fares (practice)",
    "retention.prior_churn": "P(alive) reasoning of the BG/NBD model (Fader, Hardie & Lee 2005)",
    "segments.platinum_share": "customer pyramid (Zeithaml, Rust & Lemon 2001)",
}

_GROUPS = ("market", "customers", "product", "pricing", "service", "acquisition", "retention", "segments", "loyalty",
           "loyalty.points", "loyalty.tiers", "loyalty.gamified", "loyalty.coalition", "loyalty.charity")


def _attribute_docs(cls) -> dict[str, str]:
    """Field descriptions from a numpydoc ``Attributes`` section (``a, b : type`` lines allowed)."""
    doc = cls.__doc__ or ""
    out: dict[str, str] = {}
    if "Attributes" not in doc:
        return out
    body = doc.split("Attributes", 1)[1].split("\n", 2)[2]
    names: list[str] = []
    for line in body.splitlines():
        head = re.match(r"^    (\w[\w, ]*) : (.+)$", line)
        if head:
            names = [n.strip() for n in head.group(1).split(",")]
            for n in names:
                out[n] = ""
        elif line.startswith("        ") and names:
            for n in names:
                out[n] = (out[n] + " " + line.strip()).strip()
    return out


def _allowed(rule: dict) -> str:
    """The bounds or choices of a rule in words, without the noun (``"in [0.0, 1.0]"``)."""
    rule = {k: v for k, v in rule.items() if k != "each"}
    return describe_rule(rule, "").strip() if rule else ""


def _prior(key: str, field: dataclasses.Field) -> str:
    """The prior range column: the range of an assumption, else the kind of parameter (fitted, decision, ...)."""
    prior = field.metadata.get("prior")
    if prior is None:
        return f"({NOT_ASSUMED[key]})" if key in NOT_ASSUMED else ""
    low, high = prior
    text = (f"[{', '.join(f'{v:g}' for v in low)}] to [{', '.join(f'{v:g}' for v in high)}]"
            if isinstance(low, tuple) else f"{low:g} to {high:g}")
    return text + "; the default lies outside" if key in DEFAULT_OUTSIDE_PRIOR else text


def parameter_table() -> str:
    """Markdown tables, one per config group, of every field.

    Returns
    -------
    str
        One ``### `group``` heading and table per group: parameter, default, allowed values,
        prior range (of a behavioural assumption; otherwise the kind of parameter, see
        :data:`sim.config.priors.KINDS`), meaning with units (from the class docstring) and
        source (declared with the field, else :data:`SOURCES`).
    """
    root = Config()
    parts = []
    for group in _GROUPS:
        node = root
        for name in group.split("."):
            node = getattr(node, name)
        docs = _attribute_docs(type(node))
        rows = ["| parameter | default | allowed | prior range | meaning (units) | source |",
                "|---|---|---|---|---|---|"]
        for f in dataclasses.fields(node):
            if f.name == "name":
                continue
            value = getattr(node, f.name)
            if dataclasses.is_dataclass(value):
                continue
            key = f"{group}.{f.name}"
            rule = dict(f.metadata.get("rule", {}))
            each = rule.get("each")
            allowed = _allowed(rule) or (("each " + _allowed(each)) if each else "")
            text = docs.get(f.name, "").replace("|", "/")
            source = f.metadata.get("source") or SOURCES.get(key, "")
            rows.append(f"| `{key}` | `{value!r}` | {allowed} | {_prior(key, f)} | {text} | {source} |")
        parts.append(f"### `{group}`\n\n" + "\n".join(rows))
    return "\n\n".join(parts) + "\n"


def update_doc(path: Path) -> bool:
    """Rewrite the generated block of a Markdown file.

    Parameters
    ----------
    path : pathlib.Path
        A file holding the :data:`BEGIN` and :data:`END` markers.

    Returns
    -------
    bool
        Whether the file changed.
    """
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{parameter_table()}{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    target = (Path(sys.argv[1]) if len(sys.argv) > 1
              else Path(__file__).resolve().parents[2] / "docs" / "behaviour.md")
    print(("updated " if update_doc(target) else "unchanged ") + str(target))
