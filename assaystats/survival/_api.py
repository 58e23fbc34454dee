"""``assaystats.survival.analyze``: Kaplan-Meier, log-rank and Cox by a group or by a gene's expression."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validate import check_choice, row_list
from ..errors import AssayDataError
from ._cox import cox_fit
from ._cutpoint import maxstat_logrank, split_by_rule
from ._data import survival_frame
from ._km import km_table, median_with_ci, rmst, surv_at
from ._logrank import logrank, logrank_trend, pairwise_logrank

__all__ = ["analyze"]


def analyze(data, *, time: str, event: str, event_value=None, group: str | None = None,
            expression: str | None = None, cutoff: str = "median", covariates: Sequence[str] = (),
            reference: str | None = None, order: Sequence[str] | None = None, conf_type: str = "log",
            ci_level: float = 0.95, ties: str = "efron", times: Sequence[float] = (), rmst_tau: float | None = None,
            minprop: float = 0.1, rho: float = 0.0, time_unit: str = "", source: str | None = None):
    """Survival by groups or by expression.

    Parameters
    ----------
    time, event : follow-up time and event indicator (0/1 or booleans; other codings need ``event_value``).
    group : a grouping column, or
    expression : a numeric column split by ``cutoff`` (median, tertile, quartile, optimal, pNN or a value).
    covariates : adjust the Cox model (numeric columns, or categorical ones, dummy coded against their first level).
    reference : reference group of the hazard ratio (default: the first level, or 'low' for expression).
    conf_type : 'log' (R's default), 'log-log' (lifelines, SAS) or 'plain' for Kaplan-Meier intervals.
    ties : 'efron' (default, as R) or 'breslow'.
    times : survival probabilities reported at these times; rmst_tau : horizon of the restricted mean.
    """
    import pandas as pd

    from ._result import SurvivalResult

    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    check_choice("conf_type", conf_type, ("log", "log-log", "plain"))
    check_choice("ties", ties, ("efron", "breslow"))
    if (group is None) == (expression is None):
        raise AssayDataError("give either group or expression (not both)")
    cols = [c for c in [group, expression, *covariates] if c]
    frame, notes, n_dropped = survival_frame(data, time=time, event=event, event_value=event_value, extra=cols,
                                             src=src)
    cut_info = None
    cont = None
    if expression is not None:
        x = pd.to_numeric(frame[expression], errors="coerce")
        if x.isna().any():
            raise AssayDataError(f"column {expression!r} must be numeric", file=src, column=expression)
        x = x.to_numpy(float)
        if np.ptp(x) == 0:
            raise AssayDataError(f"column {expression!r} is constant; it cannot group patients", file=src,
                                 column=expression)
        if str(cutoff).lower() == "optimal":
            cut_info = maxstat_logrank(x, frame.time, frame.event, minprop=minprop)
            labels = np.where(x <= cut_info["cutpoint"], "low", "high").astype(object)
            rule = (f"optimal cut at {cut_info['cutpoint']:.4g} (maximally selected log-rank statistic, at least "
                    f"{minprop:.0%} per side; samples equal to the cut are 'low')")
        else:
            labels, rule = split_by_rule(x, cutoff)
        kept = labels != None  # noqa: E711 - object array
        if (~kept).any():
            notes.append(f"{int((~kept).sum())} sample(s) between the cuts were left out by the {cutoff} rule.")
        cont = _continuous_cox(frame, x, expression, ties, ci_level, src)
        frame = frame.assign(_group=labels)[kept]
        levels = ["low", "high"]
        ref = reference or "low"
    else:
        rule = f"groups from column {group!r}"
        raw = frame[group]
        num = pd.to_numeric(raw, errors="coerce")
        numeric = bool(num.notna().all())
        if numeric and np.all(np.mod(num, 1) == 0):
            lab = num.astype(int).astype(str)
        else:
            lab = raw.astype(str)
        frame = frame.assign(_group=lab)
        seen = list(dict.fromkeys(frame["_group"]))
        if numeric and not order:  # numbers are ordered by value (matters for the trend test)
            seen = sorted(seen, key=float)
        levels = [o for o in (order or []) if o in seen] + [s for s in seen if s not in (order or [])]
        ref = str(reference) if reference is not None else levels[0]
        if ref not in levels:
            raise AssayDataError(f"reference {reference!r} is not a level of {group!r} (levels: "
                                 f"{', '.join(map(repr, levels))})", file=src, column=group)
    if len(levels) < 2:
        raise AssayDataError("need at least two groups", file=src)
    gidx = np.array([levels.index(v) for v in frame["_group"]])
    t, e = frame.time.to_numpy(float), frame.event.to_numpy(float)

    # per group: KM, medians, RMST, survival at times, risk table
    zero_event = [lev for k, lev in enumerate(levels) if e[gidx == k].sum() == 0]
    groups, curves, risk, at = [], [], [], []
    tau = rmst_tau if rmst_tau is not None else float(min(t[gidx == k].max() for k in range(len(levels))))
    grid = _risk_times(t)
    for k, lev in enumerate(levels):
        m = gidx == k
        tab = km_table(t[m], e[m], conf_type=conf_type, ci_level=ci_level)
        med, lo, hi = median_with_ci(tab) if e[m].sum() else (np.nan, np.nan, np.nan)
        area, area_se = rmst(tab, tau)
        groups.append({"group": lev, "n": int(m.sum()), "events": int(e[m].sum()), "median": med,
                       "median_ci_low": lo, "median_ci_high": hi, "rmst": area, "rmst_se": area_se, "rmst_tau": tau,
                       "median_reached": bool(np.isfinite(med)), "ci_level": ci_level, "conf_type": conf_type})
        curves.append(tab.assign(group=lev))
        for tt in times:
            s, sl, sh = surv_at(tab, tt)
            at.append({"group": lev, "time": tt, "surv": s, "ci_low": sl, "ci_high": sh})
        for tt in grid:
            risk.append({"group": lev, "time": tt, "n_at_risk": int(np.sum(t[m] >= tt)),
                         "events": int(np.sum((t[m] <= tt) & (e[m] > 0))),
                         "censored": int(np.sum((t[m] <= tt) & (e[m] == 0)))})
    groups = pd.DataFrame(groups)
    lr = logrank(t, e, gidx, len(levels), rho=rho)
    groups["observed"] = lr["observed"]
    groups["expected"] = lr["expected"]
    lr_rows = [{"statistic": lr["statistic"], "df": lr["df"], "p_value": lr["p_value"], "method": lr["method"]}]
    pairwise = None
    if len(levels) >= 3:
        tr = logrank_trend(t, e, gidx, len(levels), np.arange(len(levels)))
        lr_rows.append({k: tr[k] for k in ("statistic", "df", "p_value", "method")})
        pairwise = pd.DataFrame(pairwise_logrank(t, e, gidx, levels, rho=rho))

    # Cox: group (dummies vs reference) + covariates
    if zero_event:
        col = group or expression
        rows = frame.index.to_numpy()[np.isin(frame["_group"].to_numpy(), zero_event)]
        raise AssayDataError(f"column {col!r}: group {zero_event[0]!r} has no events ({row_list(rows)}); its hazard "
                             "ratio is infinite and cannot be estimated. Merge it with another group or choose another "
                             "cut", file=src, column=col, rows=(rows[:3] + 1).tolist())
    else:
        X, names, term_cols = _design(frame, gidx, levels, ref, covariates, src,
                                      gname=group or f"{expression} ({cutoff})")
        cox = cox_fit(t, e, X, names, ties=ties, ci_level=ci_level, src=src)
        from ._zph import cox_zph

        ph = cox_zph(t, e, X, cox["beta"], names, ties=ties, transform="km", terms=term_cols)
    meta = {"analysis": "survival", "time": time, "event": event, "event_value": event_value, "group": group,
            "expression": expression, "cutoff": cutoff if expression else None, "rule": rule, "reference": ref,
            "levels": levels, "covariates": list(covariates), "conf_type": conf_type, "ci_level": ci_level,
            "ties": ties, "n": int(len(frame)), "n_dropped": n_dropped, "notes": notes, "time_unit": time_unit,
            "rho": rho, "source": src, "rmst_tau": tau}
    return SurvivalResult(
        table=groups, meta=meta, logrank=pd.DataFrame(lr_rows), cox=None if cox is None else cox["table"],
        cox_tests=None if cox is None else cox["tests"].assign(concordance=cox["concordance"]), ph_test=ph,
        curves=pd.concat(curves, ignore_index=True), risk_table=pd.DataFrame(risk),
        survival_at=pd.DataFrame(at) if at else None, pairwise=pairwise,
        cutpoint=None if cut_info is None else pd.DataFrame([{
            "cutpoint": cut_info["cutpoint"], "statistic": cut_info["statistic"], "p_value": cut_info["p_value"],
            "method": cut_info["method"], "n_low": cut_info["n_low"], "n_high": cut_info["n_high"],
            "naive_p_value": lr["p_value"], "minprop": minprop}]),
        cut_scan=None if cut_info is None else pd.DataFrame({"cut": cut_info["cuts"], "statistic": cut_info["stats"]}),
        continuous=cont)


def _risk_times(t):
    hi = float(np.max(t))
    step = 10 ** np.floor(np.log10(hi / 5)) if hi > 0 else 1
    for mult in (1, 2, 2.5, 5, 10):
        if hi / (step * mult) <= 7:
            step *= mult
            break
    return list(np.arange(0, hi + 1e-9, step))


def _design(frame, gidx, levels, ref, covariates, src, gname="group"):
    import pandas as pd

    cols, names, terms = [], [], {}
    for k, lev in enumerate(levels):
        if lev != ref:
            terms.setdefault(gname, []).append(len(cols))
            cols.append((gidx == k).astype(float))
            names.append(f"{lev} vs {ref}")
    for c in covariates:
        v = pd.to_numeric(frame[c], errors="coerce")
        if v.notna().all():
            terms[str(c)] = [len(cols)]
            cols.append(v.to_numpy(float))
            names.append(str(c))
        else:
            levs = sorted(set(frame[c].astype(str)))  # as an R factor: sorted levels, the first is the reference
            for lv in levs[1:]:
                terms.setdefault(str(c), []).append(len(cols))
                cols.append((frame[c].astype(str) == lv).to_numpy(float))
                names.append(f"{c}: {lv} vs {levs[0]}")
    return np.column_stack(cols), names, terms


def _continuous_cox(frame, x, expression, ties, ci_level, src):
    """The honest companion of any cut: Cox on the continuous expression, per unit and per SD."""
    import pandas as pd

    r = cox_fit(frame.time, frame.event, x[:, None], [expression], ties=ties, ci_level=ci_level, src=src)
    row = r["table"].iloc[0].to_dict()
    sd = float(np.std(x, ddof=1))
    from scipy import stats

    zq = stats.norm.ppf(0.5 + ci_level / 2)
    b, se = row["coef"] * sd, row["se"] * sd
    per_sd = {"term": f"{expression} (per SD = {sd:.4g})", "coef": b, "se": se, "hr": float(np.exp(b)),
              "hr_ci_low": float(np.exp(b - zq * se)), "hr_ci_high": float(np.exp(b + zq * se)), "z": row["z"],
              "p_value": row["p_value"], "ci_level": ci_level}
    row["term"] = f"{expression} (per unit)"
    return pd.DataFrame([row, per_sd])
