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

from sim.config.ranges import describe_rule
from sim.config.schema import Config

__all__ = ["parameter_table", "SOURCES", "update_doc"]

BEGIN, END = "<!-- BEGIN GENERATED PARAMETERS -->", "<!-- END GENERATED PARAMETERS -->"

#: Where a default or a mechanism comes from. Parameters not listed are modelling choices of
#: this project, calibrated so that the default scenario shows the stylised facts (README).
SOURCES: dict[str, str] = {
    "market.word_of_mouth": "Bass (1969) imitation coefficient; meta-analysis mean q = 0.38/yr "
                            "(Sultan, Farley & Lehmann 1990), 0.0073 a week",
    "market.reconsideration": "consideration sets change over time (Roberts & Lattin 1991); a year on "
                              "average is a modelling choice",
    "market.initially_aware": "Bass (1969) innovation through advertising",
    "market.discount_rate_annual": "Gupta, Lehmann & Stuart (2004) use 12 %; 10 % is common practice",
    "market.discount_rate_weekly": "off (0): the classical presets set it from classic.discount_rate",
    "market.detractor_effect": "negative word of mouth weighs more than positive (Reichheld 2003, Net Promoter)",
    "market.network": "word of mouth travels along personal ties (Goldenberg, Libai & Muller 2001); "
                      "full mixing is Bass (1969)",
    "market.network_degree": "people talk to a personal network of a few to a few tens of ties "
                             "(Goldenberg, Libai & Muller 2001)",
    "market.network_rewire": "Watts & Strogatz (1998): "
                             "clustering stays high up to about 0.1 while paths are already short",
    "market.network_exponent": "scale-free networks (Barabasi & Albert 1999) show tail exponents 2-3; "
                               "Chung & Lu (2002) graph",
    "market.network_seeding": "seeding on hubs spreads word of mouth faster (Hinz, Skiera, Barrot & Becker 2011)",
    "market.review_weight": "online reviews shape expectations and sales (Chevalier & Mayzlin 2006)",
    "customers.expectation_conversion_effect": "raised expectations raise trial (Kopalle & Lehmann 2006); "
                                               "size is a modelling choice",
    "acquisition.ad_expectation_lift": "an advertising promise above delivery wins trial and then disappoints "
                                       "(Kopalle & Lehmann 2006)",
    "service.support_contact_rate": "service encounters without a sale shape satisfaction "
                                    "(Bitner, Booms & Tetreault 1990)",
    "service.cost_per_support_contact": "a contact-centre call costs a few to about ten currency units (practice)",
    "customers.purchase_rate_shape": "Gamma heterogeneity of purchase rates, as in NBD / BG-NBD (Ehrenberg 1959; "
                                     "Fader, Hardie & Lee 2005)",
    "customers.loss_aversion": "Anderson & Sullivan (1993): negative disconfirmation weighs about twice positive",
    "customers.disconfirmation_weight": "expectation-disconfirmation (Oliver 1980)",
    "customers.expectation_adaptation": "adaptation level of expectations (Oliver 1980)",
    "customers.satisfaction_memory": "cumulative satisfaction (Anderson, Fornell & Lehmann 1994)",
    "customers.attachment_purchase_ratio": "emotionally attached customers buy about 3x more (practice; "
                                           "Magids, Zorfas & Leemon 2015, HBR)",
    "customers.attachment_advocacy_ratio": "emotionally attached customers recommend about 3x more (same source)",
    "customers.attachment_price_relief": "attached customers are less price sensitive (Thomson, MacInnis & Park 2005)",
    "customers.recovery_gain": "service recovery paradox for satisfaction (de Matos, Henrique & Rossi 2007)",
    "customers.failure_trust_penalty": "the paradox does not reach repurchase intention "
                                       "(de Matos, Henrique & Rossi 2007)",
    "customers.complaint_propensity": "most dissatisfied customers do not complain (TARP studies, Goodman 1999)",
    "customers.choice_sensitivity": "multinomial logit choice (McFadden 1974; Guadagni & Little 1983)",
    "customers.switching_inertia": "switching costs and inertia (Burnham, Frels & Mahajan 2003)",
    "customers.service_demand_sigma": "cost to serve differs widely between customers; whale curve "
                                      "(Kaplan & Cooper 1998)",
    "customers.needs_shares": "needs-based segmentation (Wind 1978); shares are illustrative",
    "customers.price_sensitivity_mean": "price elasticities around -1.5 to -2.5 (Bijmolt, van Heerde & Pieters 2005)",
    "customers.churn_rate": "annual retention about 70-80 % in many consumer businesses (Reichheld & Sasser 1990)",
    "acquisition.reach_max": "advertising response with diminishing returns (Little 1979)",
    "acquisition.referral_conversion_boost": "referred customers convert and stay better "
                                             "(Schmitt, Skiera & Van den Bulte 2011)",
    "acquisition.winback_success_prob": "reacquisition falls with time since the lapse (Thomas, Blattberg & "
                                        "Fox 2004); 10 % for a fresh leaver is a modelling choice",
    "acquisition.winback_decay_weeks": "Thomas, Blattberg & Fox (2004); Kumar, Bhagwat & Zhang (2015): "
                                       "lost customers are easier to regain sooner; the year is a modelling choice",
    "acquisition.winback_after_weeks": "recency is what a non-contractual firm observes (Fader, Hardie & Lee "
                                       "2005); half a year is a common practice cut-off",
    "acquisition.offer_cost": "acquiring a customer costs several times more than keeping one (practice)",
    "service.complaint_handling_quality": "complaint handling drives post-complaint loyalty "
                                          "(Tax, Brown & Chandrashekaran 1998)",
    "pricing.match_competitor": "airlines match competitors' fares (practice)",
    "retention.prior_churn": "P(alive) reasoning of the BG/NBD model (Fader, Hardie & Lee 2005)",
    "segments.platinum_share": "customer pyramid (Zeithaml, Rust & Lemon 2001)",
}

_GROUPS = ("market", "customers", "product", "pricing", "service", "acquisition", "retention", "segments")


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


def parameter_table() -> str:
    """Markdown tables, one per config group, of every field.

    Returns
    -------
    str
        One ``### `group``` heading and table per group: parameter, default, allowed values,
        meaning with units (from the class docstring) and source (declared with the field, else
        :data:`SOURCES`).
    """
    root = Config()
    parts = []
    for group in _GROUPS:
        node = getattr(root, group)
        docs = _attribute_docs(type(node))
        rows = ["| parameter | default | allowed | meaning (units) | source |", "|---|---|---|---|---|"]
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
            rows.append(f"| `{key}` | `{value!r}` | {allowed} | {text} | {source} |")
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
