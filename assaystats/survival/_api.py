"""``assaystats.survival.analyze``: Kaplan-Meier, log-rank and Cox by a group or by a gene's expression."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

    from ._result import SurvivalResult

from collections.abc import Sequence

import numpy as np

from .._validate import (
    check_choice,
    check_level,
    check_order,
    label_text,
    missing_mask,
    renamed_keywords,
    row_list,
)
from ..errors import AssayDataError
from ._cox import cox_fit
from ._cutpoint import maxstat_logrank, split_by_rule
from ._data import EVENT, TIME, numeric_or_categorical, survival_frame
from ._km import km_table, median_with_ci, rmst, surv_at
from ._logrank import logrank, logrank_trend, pairwise_logrank

__all__ = ["analyze"]

#: what the cox table says of the hazard ratio at a cut chosen by the maximally selected log-rank statistic
NAIVE_CUT_NOTE = ("naive: at the cut chosen to maximise the log-rank statistic on these patients; the hazard ratio is "
                  "biased away from 1 and its interval and p ignore the search and are not valid (Altman et al. 1994); "
                  "see cox_cut_crossvalidated and cox_continuous")


@renamed_keywords(reference="control")
def analyze(data: pd.DataFrame, *, time: str, event: str, event_value=None, group: str | None = None,
            expression: str | None = None, cutoff: str = "median", covariates: Sequence[str] = (),
            control: str | None = None, order: Sequence[str] | None = None, conf_type: str = "log",
            ci_level: float = 0.95, ties: str = "efron", times: Sequence[float] = (), rmst_tau: float | None = None,
            minprop: float = 0.1, rho: float = 0.0, time_unit: str = "", cv_folds: int = 5, seed: int = 0,
            source: str | None = None) -> SurvivalResult:
    """Survival overall, by groups or by expression.

    Parameters
    ----------
    time, event : follow-up time and event indicator (0/1 or booleans; other codings need ``event_value``).
        Times must be finite numbers >= 0 (an infinite, negative or non-numeric time is an error naming the rows).
    event_value : the value of ``event`` that means the event, matched exactly ('dead' against 'Dead' is an error
        naming both; a numeric value such as 2 or '2' matches 2 and 2.0). Every other value is censored, as R's
        ``Surv(time, status == 2)``; ``meta["notes"]`` says how many rows were counted as censored, with which values.
    group : a grouping column, or
    expression : a numeric column split by ``cutoff`` (median, tertile, quartile, optimal, pNN or a value), or
        neither: one Kaplan-Meier curve over all patients (R's ``survfit(Surv(time, event) ~ 1)``) with its median
        and interval, RMST, survival at ``times``, the risk table and the figure. There is then no comparison:
        ``logrank`` and ``pairwise`` are None (absent from ``tables()``) and the groups table keeps its columns
        ``observed``/``expected`` (log-rank quantities) as NaN; with ``covariates`` the Cox model is fitted
        on the covariates alone (R's ``coxph(Surv(time, event) ~ covariates)``), without them ``cox``,
        ``cox_tests`` and ``ph_test`` are None.
    covariates : adjust the Cox model. A column whose non-missing values are all numbers is numeric (whatever its
        dtype); a column of text is categorical, dummy coded against its first level in sorted order (as an R
        factor); a column of numbers with a few text values is an error naming them.
    control : reference group of the hazard ratio (default: the first level, or 'low' for expression); it must be
        a level exactly (case-only differences are named in the error).
    order : the order of the groups (table, figure, trend test); it must list every level present, exactly.
    conf_type : 'log' (R's default), 'log-log' (lifelines, SAS) or 'plain' for Kaplan-Meier intervals.
    ci_level : level of every interval reported: Kaplan-Meier bands, survival at ``times``, median, hazard ratios.
    ties : 'efron' (default, as R) or 'breslow'.
    times : survival probabilities reported at these times; rmst_tau : horizon of the restricted mean.
    cv_folds, seed : with ``cutoff="optimal"``, the hazard ratio at the selected cut is biased away from 1 and its
        interval and p are not valid (the search is ignored; Altman et al. 1994): the ``cox`` table says so in its
        ``note`` column, and ``cut_cv`` (table ``cox_cut_crossvalidated``) gives the cross-validated hazard ratio
        of Faraggi & Simon (1996): the cut re-chosen without each of ``cv_folds`` folds (stratified by event,
        drawn with ``seed``), each fold's patients classified by it, and the same Cox model fitted on these
        out-of-fold groups.

    Missing values (NaN/None, or R's and Excel's markers '', 'NA', 'NaN', 'nan', '#N/A' as text) in any column used
    (time, event, group or expression, covariates) leave the row out, as R's ``na.omit``; ``meta["rows_left_out"]``
    maps each such column to its number of missing rows, ``meta["n_dropped"]`` is the number of rows left out and
    ``meta["notes"]`` names them.
    """
    reference = control
    import pandas as pd

    from ._result import SurvivalResult

    if not (_is_number(seed) and float(seed).is_integer() and seed >= 0):
        raise AssayDataError(f"seed must be a whole number >= 0; got {seed!r}")
    if not (_is_number(cv_folds) and float(cv_folds).is_integer() and cv_folds >= 2):
        raise AssayDataError(f"cv_folds (folds of the cross-validated hazard ratio at an optimal cut) must be a whole "
                             f"number >= 2; got {cv_folds!r}")
    cv_folds = int(cv_folds)

    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    check_choice("conf_type", conf_type, ("log", "log-log", "plain"))
    check_choice("ties", ties, ("efron", "breslow"))
    _check_level_of_confidence(ci_level)
    times = _check_times(times)
    if rmst_tau is not None and not (_is_number(rmst_tau) and np.isfinite(rmst_tau) and rmst_tau > 0):
        raise AssayDataError(f"rmst_tau (the RMST horizon) must be a positive number; got {rmst_tau!r}")
    if group is not None and expression is not None:
        raise AssayDataError("give either group or expression, not both")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    overall = group is None and expression is None
    if overall and (reference is not None or order):
        raise AssayDataError("--control and --order need --group or --expression (without them there is one "
                             "Kaplan-Meier curve over all patients)")
    cols = [c for c in [group, expression, *covariates] if c]
    frame, notes, n_dropped, left_out = survival_frame(data, time=time, event=event, event_value=event_value,
                                                       extra=cols, src=src)
    cut_info = None
    cont = None
    if expression is not None:
        kind, _ = numeric_or_categorical(frame[expression], expression, src)
        x = pd.to_numeric(frame[expression], errors="coerce")
        if kind != "numeric":
            bad = np.flatnonzero(x.isna().to_numpy())
            raise AssayDataError(f"column {expression!r} must be numeric to be split by a cutoff "
                                 f"({row_list(frame.index[bad], frame[expression].iloc[bad].tolist())}); use "
                                 "--group for a column of categories", file=src, column=expression,
                                 rows=(frame.index[bad][:3] + 1).tolist())
        x = x.to_numpy(float)
        if np.ptp(x) == 0:
            raise AssayDataError(f"column {expression!r} is constant; it cannot group patients", file=src,
                                 column=expression)
        if str(cutoff).lower() == "optimal":
            cut_info = maxstat_logrank(x, frame[TIME], frame[EVENT], minprop=minprop)
            labels = np.where(x <= cut_info["cutpoint"], "low", "high").astype(object)
            rule = (f"optimal cut at {cut_info['cutpoint']:.4g} (maximally selected log-rank statistic, at least "
                    f"{minprop:.0%} per side; samples equal to the cut are 'low')")
        else:
            labels, rule = split_by_rule(x, cutoff)
        kept = labels != None
        if (~kept).any():
            notes.append(f"{int((~kept).sum())} sample(s) between the cuts were left out by the {cutoff} rule.")
        cont = _continuous_cox(frame, x, expression, ties, ci_level, src)
        frame = frame.assign(_group=labels)[kept]
        levels = ["low", "high"]
        if order:
            levels, _ = check_order(order, levels, option="--order", column=f"{expression} ({cutoff})", file=src)
        ref = check_level(label_text(reference), levels, option="--control",
                          column=f"{expression} ({cutoff})", file=src) if reference is not None else "low"
    elif group is not None:
        rule = f"groups from column {group!r}"
        labels_all, numeric = _group_labels(data[group].reset_index(drop=True))
        frame = frame.assign(_group=labels_all.reindex(frame.index))
        all_levels = _ordered_levels(labels_all, numeric)
        present = set(frame["_group"])
        if order:
            order_l, _ = check_order([label_text(o) for o in order], all_levels, option="--order", column=group,
                                     file=src)
            levels = [o for o in order_l if o in present]
            gone = [o for o in order_l if o not in present]
            if gone:
                notes.append(f"Group {', '.join(map(repr, gone))} of column {group!r} has no rows left after leaving "
                             "out the rows with missing values.")
        else:
            levels = [lv for lv in all_levels if lv in present]
        if reference is not None:
            ref = check_level(label_text(reference), levels, option="--control", column=group, file=src)
        else:
            ref = levels[0]
    else:
        rule = "all patients (one curve, no grouping)"
        frame = frame.assign(_group="all")
        levels = ["all"]
        ref = None
    if not overall and len(levels) < 2:
        raise AssayDataError(f"need at least two groups; column {group or expression!r} has only "
                             f"{', '.join(map(repr, levels))} among the complete rows", file=src,
                             column=group or expression)
    gidx = np.array([levels.index(v) for v in frame["_group"]])
    t, e = frame[TIME].to_numpy(float), frame[EVENT].to_numpy(float)

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
            at.append({"group": lev, "time": tt, "surv": s, "ci_low": sl, "ci_high": sh, "ci_level": ci_level})
        for tt in grid:
            risk.append({"group": lev, "time": tt, "n_at_risk": int(np.sum(t[m] >= tt)),
                         "events": int(np.sum((t[m] <= tt) & (e[m] > 0))),
                         "censored": int(np.sum((t[m] <= tt) & (e[m] == 0)))})
    groups = pd.DataFrame(groups)
    lr_table = pairwise = None
    groups["observed"] = groups["expected"] = np.nan  # log-rank columns: the schema stays fixed without a group
    if not overall:
        lr = logrank(t, e, gidx, len(levels), rho=rho)
        groups["observed"] = lr["observed"]
        groups["expected"] = lr["expected"]
        lr_rows = [{"statistic": lr["statistic"], "df": lr["df"], "p_value": lr["p_value"], "method": lr["method"]}]
        if len(levels) >= 3:
            tr = logrank_trend(t, e, gidx, len(levels), np.arange(len(levels)))
            lr_rows.append({k: tr[k] for k in ("statistic", "df", "p_value", "method")})
            pairwise = pd.DataFrame(pairwise_logrank(t, e, gidx, levels, rho=rho))
        lr_table = pd.DataFrame(lr_rows)

    # Cox: group (dummies vs reference) + covariates; without a group, the covariates alone (if any)
    cox = ph = cut_cv = None
    if zero_event and not overall:
        col = group or expression
        rows = frame.index.to_numpy()[np.isin(frame["_group"].to_numpy(), zero_event)]
        raise AssayDataError(f"column {col!r}: group {zero_event[0]!r} has no events ({row_list(rows)}); its hazard "
                             "ratio is infinite and cannot be estimated. Merge it with another group or choose another "
                             "cut", file=src, column=col, rows=(rows[:3] + 1).tolist())
    if not overall or covariates:
        X, names, term_cols = _design(frame, gidx, [] if overall else levels, ref, covariates, src,
                                      gname=group or f"{expression} ({cutoff})")
        cox = cox_fit(t, e, X, names, ties=ties, ci_level=ci_level, src=src)
        from ._zph import cox_zph

        ph = cox_zph(t, e, X, cox["beta"], names, ties=ties, transform="km", terms=term_cols)
        cox["table"]["note"] = ""  # a fixed schema: the note is empty unless a term needs one
        if cut_info is not None:
            cut_rows = term_cols[f"{expression} ({cutoff})"]
            cox["table"].loc[cut_rows, "note"] = NAIVE_CUT_NOTE
            cut_cv = _crossvalidated_cox(frame, x[kept], t, e, levels, ref, covariates, cut_rows, ties=ties,
                                         ci_level=ci_level, minprop=minprop, folds=cv_folds, seed=int(seed),
                                         gname=f"{expression} ({cutoff})", src=src)
    meta = {"analysis": "survival", "time": time, "event": event, "event_value": event_value, "group": group,
            "expression": expression, "cutoff": cutoff if expression else None, "rule": rule, "reference": ref,
            "levels": levels, "covariates": list(covariates), "conf_type": conf_type, "ci_level": ci_level,
            "ties": ties, "n": len(frame), "n_dropped": n_dropped, "rows_left_out": left_out, "notes": notes,
            "time_unit": time_unit, "rho": rho, "source": src, "rmst_tau": tau,
            "cv_folds": cv_folds if cut_info is not None else None, "seed": int(seed) if cut_info is not None else None}
    return SurvivalResult(
        table=groups, meta=meta, logrank=lr_table, cox=None if cox is None else cox["table"],
        cox_tests=None if cox is None else cox["tests"].assign(concordance=cox["concordance"]), ph_test=ph,
        curves=pd.concat(curves, ignore_index=True), risk_table=pd.DataFrame(risk),
        survival_at=pd.DataFrame(at) if at else None, pairwise=pairwise,
        cutpoint=None if cut_info is None else pd.DataFrame([{
            "cutpoint": cut_info["cutpoint"], "statistic": cut_info["statistic"], "p_value": cut_info["p_value"],
            "method": cut_info["method"], "n_low": cut_info["n_low"], "n_high": cut_info["n_high"],
            "naive_p_value": lr["p_value"], "minprop": minprop}]),
        cut_scan=None if cut_info is None else pd.DataFrame({"cut": cut_info["cuts"], "statistic": cut_info["stats"]}),
        continuous=cont, cut_cv=cut_cv)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _check_level_of_confidence(ci_level):
    if not (_is_number(ci_level) and 0 < float(ci_level) < 1):
        raise AssayDataError(f"ci_level must be a number between 0 and 1 (e.g. 0.95 for 95% intervals); got "
                             f"{ci_level!r}")


def _check_times(times):
    if isinstance(times, (str, bytes)) or _is_number(times):
        times = [times]
    out = []
    for v in times:
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = np.nan
        if isinstance(v, bool) or not np.isfinite(f) or f < 0:
            raise AssayDataError(f"times (survival reported at these times) must be finite numbers >= 0; got {v!r}")
        out.append(f)
    return out


def _group_labels(raw):
    """Labels (str) of the non-missing rows of a grouping column and whether the column is numeric: whole numbers
    are written without a decimal point (1.0 and '1' are the group '1')."""
    import pandas as pd

    present = raw[~missing_mask(raw)]
    num = pd.to_numeric(present, errors="coerce")
    numeric = bool(len(present)) and present.dtype != bool and bool(num.notna().all())
    if numeric and bool(np.all(np.mod(num, 1) == 0)):
        lab = num.astype(np.int64).astype(str)
    else:
        lab = present.astype(str)
    return lab, numeric


def _ordered_levels(labels, numeric):
    seen = list(dict.fromkeys(labels))
    return sorted(seen, key=float) if numeric else seen  # numbers by value (matters for the trend test)


def _risk_times(t):
    hi = float(np.max(t))
    step = 10 ** np.floor(np.log10(hi / 5)) if hi > 0 else 1
    for mult in (1, 2, 2.5, 5, 10):
        if hi / (step * mult) <= 7:
            step *= mult
            break
    return list(np.arange(0, hi + 1e-9, step))


def _design(frame, gidx, levels, ref, covariates, src, gname="group"):
    cols, names, terms = [], [], {}
    for k, lev in enumerate(levels):
        if lev != ref:
            terms.setdefault(gname, []).append(len(cols))
            cols.append((gidx == k).astype(float))
            names.append(f"{lev} vs {ref}")
    for c in covariates:
        kind, v = numeric_or_categorical(frame[c], c, src)
        if kind == "numeric":
            terms[str(c)] = [len(cols)]
            cols.append(v)
            names.append(str(c))
        else:
            levs = sorted(set(v))  # as an R factor: sorted levels, the first is the reference
            if len(levs) < 2:
                raise AssayDataError(f"covariate {c!r} has one value ({levs[0]!r}) in every complete row; it cannot "
                                     "be estimated", file=src, column=c)
            for lv in levs[1:]:
                terms.setdefault(str(c), []).append(len(cols))
                cols.append((v == lv).to_numpy(float))
                names.append(f"{c}: {lv} vs {levs[0]}")
    return np.column_stack(cols), names, terms


def _continuous_cox(frame, x, expression, ties, ci_level, src):
    """The honest companion of any cut: Cox on the continuous expression, per unit and per SD."""
    import pandas as pd

    r = cox_fit(frame[TIME], frame[EVENT], x[:, None], [expression], ties=ties, ci_level=ci_level, src=src)
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


def _crossvalidated_cox(frame, x, t, e, levels, ref, covariates, cut_rows, *, ties, ci_level, minprop, folds, seed,
                        gname, src):
    """The cross-validated hazard ratio of an optimal cut (Faraggi & Simon 1996): the same Cox model (group and
    covariates) on out-of-fold groups. When it cannot be estimated (e.g. an out-of-fold group without events) the
    row holds NaN and the note says why; the analysis itself goes on."""
    import pandas as pd

    from ._cutcv import crossvalidated_groups

    cv = crossvalidated_groups(x, t, e, folds=folds, seed=seed, minprop=minprop)
    lab = cv["labels"]
    gidx = np.array([levels.index(v) for v in lab])
    counts = {lev: (int(np.sum(lab == lev)), int(e[lab == lev].sum())) for lev in ("low", "high")}
    base = {"estimate": f"cross-validated ({cv['folds']}-fold, Faraggi & Simon 1996)", "n_low": counts["low"][0],
            "n_high": counts["high"][0], "events_low": counts["low"][1], "events_high": counts["high"][1],
            "folds": cv["folds"], "seed": seed, "cut_min": float(np.min(cv["cuts"])),
            "cut_max": float(np.max(cv["cuts"])), "ci_level": ci_level}
    rows = []
    try:
        X, names, _ = _design(frame, gidx, levels, ref, covariates, src, gname=gname)
        fit = cox_fit(t, e, X, names, ties=ties, ci_level=ci_level, src=src)
        for r in fit["table"].iloc[cut_rows].to_dict("records"):
            rows.append({**r, **base, "note": "each patient grouped by a cut chosen without them; the interval and "
                                              "p are approximately valid (Faraggi & Simon 1996)"})
    except AssayDataError as err:
        for j in cut_rows:
            lev = [lv for lv in levels if lv != ref][j]
            rows.append({"term": f"{lev} vs {ref}", "coef": np.nan, "se": np.nan, "hr": np.nan, "hr_ci_low": np.nan,
                         "hr_ci_high": np.nan, "z": np.nan, "p_value": np.nan, **base,
                         "note": f"not estimable on the out-of-fold groups: {err.detail.split('. Merge groups')[0]}"})
    cols = ["term", "estimate", "coef", "se", "hr", "hr_ci_low", "hr_ci_high", "z", "p_value", "ci_level", "n_low",
            "n_high", "events_low", "events_high", "folds", "seed", "cut_min", "cut_max", "note"]
    return pd.DataFrame(rows)[cols]
