"""The appendix of a calibrated firm's report: every parameter as fitted (value and standard
error) or assumed (value and its source or reason).

Read from the run directory only: ``firm.json`` (the firm's record, copied there at run time,
:data:`sim.io.FIRM_FILE`) and the run's resolved config in ``run.json``, whose values win (a value
set for the run is shown as set, beside what the firm assumes).
"""

from __future__ import annotations

from typing import Any

from sim.report.source import format_value, lookup

__all__ = ["firm_parameter_lines", "FIRM_TITLE"]

FIRM_TITLE = "Appendix: the calibrated firm's parameters, fitted and assumed"

#: The purchase model's fitted values as the slide names them, by the firm's ``record.model``.
_PURCHASE = {
    "pareto_nbd": ("Pareto/NBD", (("customers.purchase_rate_shape", "r", "value", "se"),
                                  ("customers.purchase_rate_mean", "alpha (weeks)", "alpha", "alpha_se"),
                                  ("customers.churn_propensity_a", "s", "value", "se"),
                                  ("customers.churn_propensity_b", "beta (weeks)", "value", "se"))),
    "bgnbd": ("BG/NBD", (("customers.purchase_rate_shape", "r", "value", "se"),
                         ("customers.purchase_rate_mean", "alpha (weeks)", "alpha", "alpha_se"),
                         ("customers.churn_propensity_a", "a", "value", "se"),
                         ("customers.churn_propensity_b", "b", "value", "se"))),
}
_PURCHASE["covariate_bgnbd"] = ("Covariate BG/NBD", (*_PURCHASE["bgnbd"][1], ("covariate_beta", "beta (first amount)",
                                                                             "value", "se")))
_MAX_TEXT = 95  # characters of a source or reason on the slide; the whole is in firm.json


def _number(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4g}" if isinstance(value, float) else format_value(value)


def _short(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT - 3].rstrip(" ,;") + "..."


def _fitted(record: dict[str, Any], firm: dict[str, Any], one_run: bool) -> list[str]:
    """Purchase and spend parameters with their standard errors, and the parameters the run used."""
    fitted = record.get("fitted", {})
    model = record.get("model") or "pareto_nbd"
    label, rows = _PURCHASE[model]
    lines = [f"{label} {name}: {_number(fitted[key].get(v))} (SE {_number(fitted[key].get(se))})"
             for key, name, v, se in rows if key in fitted]
    spend = fitted.get("spend", {})
    if "p" in spend:
        lines += [f"Gamma-Gamma {k}: {_number(spend[k])} (SE {_number(spend.get(f'{k}_se'))})"
                  for k in ("p", "q", "gamma")]
    elif "mean" in spend:
        lines.append(f"Spend per purchase: {_number(spend['mean'])} (the log's mean; no spend model)")
    if "customers.initial" in fitted:
        lines.append(f"Customers (customers.initial): {_number(fitted['customers.initial']['value'])}")
    if "market.innovation" in fitted:  # new customers from the fitted arrival curve
        p, wom, m = (fitted[k] for k in ("market.innovation", "market.word_of_mouth", "market.potential"))
        lines.append(f"Bass arrivals, per week: p {_number(p['value'])} (SE {_number(p.get('se'))}), "
                     f"q {_number(wom['q'])}, m {_number(m['value'])} (SE {_number(m.get('se'))})")
    used = firm.get("parameters") or {}
    if firm.get("parameter_draws"):
        lines.append("Drawn per seed from the estimates' sampling distribution (firm_parameter_draws); "
                     "seed 0 at the estimates")
    if one_run and used.get(model):
        names = ", ".join(name.split(" ")[0] for _, name, _, _ in rows)
        lines.append(f"This run's {names}: " + ", ".join(f"{v:.4g}" for v in used[model]))
    return lines


def _assumed(record: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """Switched-off mechanisms, group choices, response parameters at defaults and unknown costs."""

    def value(key: str, assumed: Any = None) -> str:
        now = lookup(config, key)
        if assumed is not None and now is not None and now != assumed:
            return f"{format_value(now)} (set; the firm assumes {format_value(assumed)})"
        return format_value(assumed if now is None else now)

    lines = [f"{k} = {value(k, v['value'])}: {_short(v['reason'])}" for k, v in record.get("assumed_off", {}).items()]
    lines += [f"{g} = {value(f'{g}.name', v['option'])}: {_short(v['reason'])}"
              for g, v in record.get("groups", {}).items()]
    lines += [f"{k} = {value(k, v['value'])}: {_short(v['source'])}" for k, v in record.get("assumed_on", {}).items()]
    lines += [f"{k} = {value(k)}: {_short(v['source'])}" for k, v in record.get("assumed_defaults", {}).items()]
    lines += [f"{k} = {value(k)}: the default firm's amount (currency units); a log does not show it"
              for k in record.get("unknown_costs", [])]
    return lines


def firm_parameter_lines(firm: dict[str, Any] | None, config: dict[str, Any],
                         one_run: bool = True) -> tuple[list[str], list[str]]:
    """The fitted and the assumed lines of the appendix slide; both empty without a firm.

    Parameters
    ----------
    firm : dict or None
        A run's ``firm.json``: ``record`` (fitted with standard errors, assumed with sources),
        ``sampling``, ``parameter_draws`` and the ``parameters`` the run used.
    config : dict
        The run's resolved config (``run.json``).
    one_run : bool
        Whether the report is of this one run (then the parameters it used are listed); False for
        a sweep, whose seeds drew their own.
    """
    record = (firm or {}).get("record")
    if not record:
        return [], []
    return _fitted(record, firm, one_run), _assumed(record, config)
