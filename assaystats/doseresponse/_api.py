"""``assaystats.doseresponse.fit``: validate, fit every curve, derive estimates, compare groups."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

    from ._result import DoseResponseResult

import warnings
from collections.abc import Mapping, Sequence

import numpy as np

from .._multiplicity import ADJUST_METHODS, adjust_p
from .._validate import (
    check_choice,
    check_columns,
    check_level,
    check_nonnegative,
    check_numeric,
    label_column,
    missing_mask,
    renamed_keywords,
    row_list,
)
from ..errors import AssayDataError, FitWarning
from ._compare import f_test_shared, joint_from_curves, joint_from_global, ratio_test, replicate_test
from ._estimates import auc_log10, ed_absolute, ed_relative, interval, public_parameters
from ._fit import SLOPE_LIMIT, DoseResponseCurve, _log_doses, fit_curve, fit_global, public_name
from ._models import MODELS, PARAM_INDEX, PUBLIC_NAMES, get_model
from ._profile import profile_interval

__all__ = ["fit"]

COV_CHOICES = ("jtj", "hessian")
INTERVAL_CHOICES = ("delta", "profile")
SCALE_CHOICES = ("log", "linear")
COMPARE_CHOICES = ("reference", "pairwise", "none")
ADJUST_CHOICES = tuple(ADJUST_METHODS)


def _internal_fixed(fixed: Mapping[str, float] | None, model_name: str) -> dict[str, float]:
    out = {}
    for name, value in dict(fixed or {}).items():
        key = str(name).lower()
        if key not in PUBLIC_NAMES:
            raise AssayDataError(f"cannot fix {name!r}; parameters are {', '.join(PUBLIC_NAMES)}")
        try:
            val = float(value)
        except (TypeError, ValueError):
            raise AssayDataError(f"fixed value of {name!r} must be a number; got {value!r}") from None
        internal = PUBLIC_NAMES[key]
        if internal == "f" and model_name != "ll5":
            raise AssayDataError("only the ll5 model has the asymmetry parameter f")
        if internal == "b":
            val = get_model(model_name).hill_sign * val
        elif internal == "le":
            if val <= 0:
                raise AssayDataError(f"fixed e must be > 0; got {val}")
            val = float(np.log(val))
        out[internal] = val
    return out


def _ordered_levels(labels: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for lab in labels:
        seen.setdefault(lab, None)
    return list(seen)


@renamed_keywords(reference="control")
def fit(data: pd.DataFrame, *, dose: str, response: str, group: str | None = None, replicate: str | None = None,
        model: str = "ll4", fixed: Mapping[str, float] | None = None, control: str | None = None,
        ed: Sequence[float] = (10, 50, 90), cov: str = "jtj", interval_method: str = "delta",
        ci_level: float = 0.95, ci_scale: str = "log", normalize: str | None = None,
        blank: float | None = None, abs_response: float | None = None, compare: str = "reference",
        p_adjust: str = "holm", share: Sequence[str] = (), slope_limit: float = SLOPE_LIMIT,
        dose_unit: str = "", points: str = "mean", source: str | None = None) -> DoseResponseResult:
    """Fit dose-response curves per group and compare them.

    Parameters
    ----------
    data : DataFrame, one row per well (tidy). Dose 0 rows are the vehicle and are fitted.
    dose, response : column names. Doses are concentrations (not logs), >= 0.
    group : column naming the curve (cell line, treatment); None fits one curve.
    replicate : column naming the independent experiment (biological replicate). Each group x replicate
        is also fitted on its own, and groups are compared on the per-replicate log10 IC50s.
    model : 'll4' (default), 'll3', 'll5', 'w1', 'w2' (see ``MODELS``).
    fixed : public parameters held at values, e.g. ``{"top": 100, "bottom": 0}``.
    control : the group the others are compared with (default: the first group in the table); ``reference=`` is
        its deprecated name.
    ed : effective-dose levels p in percent (drc's relative EDp).
    cov : 'jtj' (s^2 (J'J)^-1, as Prism and R nls) or 'hessian' (observed information, as drc).
    interval_method : 'delta' or 'profile' (profile likelihood) for parameters and effective doses.
    ci_scale : 'log' (intervals of dose-like quantities computed on the log scale; Prism) or 'linear'
        (drc's estimate +- t * se).
    normalize : None or 'vehicle' (100 * (y - blank) / (vehicle mean - blank), per group and replicate).
    abs_response : response level of the absolute IC50; default 50 when normalised, else half the fitted
        vehicle plateau.
    compare : 'reference' (each group against ``reference``), 'pairwise', 'none', or an explicit list of
        (group, reference) pairs such as ``[("Huh7-R", "Huh7-P"), ("Hep3B-R", "Hep3B-P")]``.
    p_adjust : multiplicity correction across comparisons: 'holm' (default), 'bonferroni', 'sidak', 'holm-sidak',
        'bh' (Benjamini-Hochberg; statsmodels' 'fdr_bh' too) or 'none' (statsmodels' multipletests).
    share : public parameter names shared by all groups in a global fit (e.g. ``["hill"]``).
    points : what the figure shows: 'mean' (mean +- SEM per dose; default) or 'all' wells.

    Returns
    -------
    DoseResponseResult with tables ``fits``, ``parameters``, ``effective_doses``, ``comparisons`` and,
    with ``replicate``, ``replicate_fits`` and ``replicate_comparisons``.
    """
    import pandas as pd

    from ._result import DoseResponseResult

    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    check_choice("cov", cov, COV_CHOICES)
    check_choice("interval_method", interval_method, INTERVAL_CHOICES)
    check_choice("ci_scale", ci_scale, SCALE_CHOICES)
    pairs_given = None
    if not isinstance(compare, str):
        pairs_given = [(str(a), str(b)) for a, b in compare]
        compare = "pairs"
    else:
        check_choice("compare", compare, COMPARE_CHOICES)
    check_choice("p_adjust", p_adjust, ADJUST_CHOICES)
    check_choice("normalize", normalize, (None, "vehicle"))
    check_choice("points", points, ("mean", "all"))
    if not 0 < ci_level < 1:
        raise AssayDataError(f"ci_level must be between 0 and 1; got {ci_level}")
    mdl = get_model(model)
    fixed_int = _internal_fixed(fixed, mdl.name)
    share_int = tuple(PUBLIC_NAMES[s] for s in _check_share(share))
    ed_levels = [float(p) for p in ed]
    for p in ed_levels:
        if not 0 < p < 100:
            raise AssayDataError(f"effective-dose levels must lie strictly between 0 and 100; got {p:g}")
    if not isinstance(data, pd.DataFrame):
        raise AssayDataError("data must be a pandas DataFrame (one row per well)")

    df, x, y, orig_rows, rows_left_out, notes = _dose_response_columns(data, dose, response, [group, replicate], src)
    groups = _label_column(df, group, src) if group else ["all"] * len(df)
    reps = _label_column(df, replicate, src) if replicate else None
    levels = _ordered_levels(groups)
    reference = control
    if reference is not None and str(reference) not in levels:
        check_level(str(reference), levels, option="--control", column=group, file=src)
    ref = str(reference) if reference is not None else levels[0]
    for a, b in pairs_given or []:
        for lab in (a, b):
            if lab not in levels and any(lab.casefold() == v.casefold() for v in levels):
                check_level(lab, levels, option=f"comparison {a!r} vs {b!r}:", column=group, file=src)
            if lab not in levels:
                raise AssayDataError(f"comparison {a!r} vs {b!r}: {lab!r} is not a level of column {group!r} "
                                     f"(levels: {', '.join(map(repr, levels))})", file=src, column=group)
        if a == b:
            raise AssayDataError(f"comparison {a!r} vs {b!r} compares a group with itself")
    if pairs_given is not None:
        compare = pairs_given
    garr = np.array(groups, dtype=object)
    rarr = np.array(reps, dtype=object) if reps is not None else None

    if normalize == "vehicle":
        y = _normalize(x, y, garr, rarr, blank, src, dose, group)
        _check_scale(y, response, src, kind="response", after=" (normalised to the vehicle)")
    if abs_response is None and normalize == "vehicle":
        abs_response = 50.0
    n_par = _n_free(mdl, fixed_int)

    # -- validate and fit each group --------------------------------------------------------------
    from .. import _progress

    curves: list[DoseResponseCurve] = []
    for lev in _progress.iterate(levels, "fitting curves"):
        rows = np.flatnonzero(garr == lev)
        _check_curve_data(x[rows], y[rows], orig_rows[rows], lev, n_par, mdl.name, src, dose, response, group)
        curves.append(fit_curve(x[rows], y[rows], model=mdl, fixed=fixed_int, cov=cov, label=lev,
                                slope_limit=slope_limit))

    global_fit = None
    errors = [(c.df, c.sigma) for c in curves]  # the residual error behind each curve's intervals: its own ...
    if share_int and len(curves) > 1:
        doses_l = [c.dose for c in curves]
        resp_l = [c.response for c in curves]
        global_fit = fit_global(doses_l, resp_l, levels, model=mdl, shared=share_int, fixed=fixed_int,
                                cov=cov, start=np.vstack([c.theta for c in curves]), slope_limit=slope_limit)
        curves = _curves_from_global(global_fit, curves)
        pooled = (global_fit.df, float(np.sqrt(global_fit.rss / global_fit.df)) if global_fit.df > 0 else np.nan)
        errors = [pooled] * len(curves)  # ... or the pooled error of the global fit

    opts = dict(cov=cov, interval_method=interval_method, ci_level=ci_level, ci_scale=ci_scale,
                abs_response=abs_response)
    fits_rows, par_rows, ed_rows = [], [], []
    for c, (df_c, sigma_c) in zip(curves, errors):
        fr, pr, er = _curve_tables(c, ed_levels, df=df_c, sigma=sigma_c, **opts)
        fits_rows.append(fr)
        par_rows += pr
        ed_rows += er
    fits = pd.DataFrame(fits_rows)
    params = pd.DataFrame(par_rows)
    eds = pd.DataFrame(ed_rows)

    # -- comparisons ------------------------------------------------------------------------------
    comp = _comparisons(curves, global_fit, levels, ref, compare, p_adjust, ci_level, ci_scale, mdl,
                        fixed_int, share_int, cov, fits)
    global_test = None
    if len(curves) >= 3 and compare != "none":
        joint = joint_from_curves(curves, cov) if global_fit is None else joint_from_global(global_fit)
        global_test = f_test_shared([c.dose for c in curves], [c.response for c in curves], levels,
                                    curves, model=mdl, fixed=fixed_int, share=share_int,
                                    rss_full=joint.rss, df_full=joint.df, n_full=joint.layout.n_free)

    rep_fits = rep_comp = None
    if rarr is not None:
        rep_fits, rep_comp = _replicate_analysis(x, y, garr, rarr, levels, ref, compare, p_adjust, mdl,
                                                 fixed_int, cov, ci_level, slope_limit)

    for c in curves:
        bad = [f for f in c.flags if f not in ("",)]
        if bad:
            warnings.warn(f"curve {c.label!r}: {', '.join(bad)} (see the flag column)", FitWarning,
                          stacklevel=2)

    meta = {
        "analysis": "doseresponse",
        "model": mdl.name,
        "model_description": mdl.description,
        "drc_equivalent": mdl.drc,
        "dose": dose, "response": response, "group": group, "replicate": replicate,
        "dose_unit": dose_unit, "reference": ref if len(levels) > 1 else None,
        "fixed": dict(fixed or {}), "share": list(share), "cov": cov, "interval_method": interval_method,
        "ci_level": ci_level, "ci_scale": ci_scale, "normalize": normalize, "blank": blank,
        "abs_response": abs_response, "compare": compare, "p_adjust": p_adjust,
        "slope_limit": slope_limit, "n": int(len(df)), "groups": levels, "rows_left_out": rows_left_out,
        "notes": notes,
        "global_test": global_test, "source": src, "points": points,
    }
    return DoseResponseResult(table=fits, meta=meta, parameters=params, effective_doses=eds,
                              comparisons=comp, replicate_fits=rep_fits, replicate_comparisons=rep_comp,
                              curves=tuple(curves))


#: magnitudes the fit can compute with. The fit and its intervals work with squares and products of responses
#: (residual sums of squares, J'J) and of doses (the delta-method variance of an IC50 in dose units), summed over
#: the wells; a float64 holds numbers only between about 1e-308 and 1e308, so a value beyond 1e100 in magnitude
#: overflows (an empty AssertionError at 1e308, NaN intervals from about 1e155) and positive doses below 1e-100
#: underflow (intervals of zero width from about 1e-155). The bounds leave room for the sums and for Hill slopes.
SCALE_LIMITS = (1e-100, 1e100)


def _check_scale(values, column, src, *, kind: str, after: str = "") -> None:
    """Values whose magnitude overflows (or, for doses, underflows) the fit's arithmetic are an error naming the
    column and the rows, with the advice to express the column in another unit."""
    lo, hi = SCALE_LIMITS
    a = np.abs(values)
    big = np.flatnonzero(a > hi)
    if big.size:
        raise AssayDataError(
            f"column {column!r}{after} has {big.size} value{'s' if big.size > 1 else ''} too large for the fit "
            f"({row_list(big, [f'{v:g}' for v in values[big]])}); {kind}s must lie within +-{hi:g} (the fit squares "
            f"them). Check for a typo, or express {column!r} in a larger unit "
            + ("(e.g. mM instead of nM)" if kind == "dose" else "(e.g. thousands of counts)"),
            file=src, column=column, rows=(big + 1).tolist())
    if kind == "dose":
        small = np.flatnonzero((values > 0) & (values < lo))
        if small.size:
            raise AssayDataError(
                f"column {column!r} has {small.size} positive dose{'s' if small.size > 1 else ''} too small for the "
                f"fit ({row_list(small, [f'{v:g}' for v in values[small]])}); doses above 0 must be at least {lo:g}. "
                f"Express {column!r} in a smaller unit (e.g. nM instead of M); 0 stays the vehicle",
                file=src, column=column, rows=(small + 1).tolist())
    elif a.size and 0 < a.max() < lo:
        rows = np.arange(min(a.size, 3))
        raise AssayDataError(
            f"column {column!r}{after} holds only values below {lo:g} in magnitude (largest {a.max():g}; "
            f"{row_list(np.arange(a.size))}); the fit cannot resolve them. Express {column!r} in a smaller unit",
            file=src, column=column, rows=(rows + 1).tolist())


def _dose_response_columns(data, dose, response, others, src):
    """Validated (table, dose, response, original rows, left-out counts, notes): columns exist, numbers, doses >= 0,
    magnitudes the fit can compute with (``SCALE_LIMITS``). Rows with a missing value (NA, NaN, #N/A, empty) in a
    used column are left out, as R's na.omit and Prism's blank cells; ``original rows`` maps the kept rows to the
    table's rows (for messages) and the counts go to ``meta['rows_left_out']``."""
    check_columns(data, [dose, response, *others], file=src)
    df = data.reset_index(drop=True)
    x = check_numeric(df, dose, file=src, allow_missing=True)
    check_nonnegative(np.where(np.isnan(x), 0.0, x), dose, file=src)
    _check_scale(x, dose, src, kind="dose")
    y = check_numeric(df, response, file=src, allow_missing=True)
    _check_scale(y, response, src, kind="response")
    keep = np.ones(len(df), dtype=bool)
    left: dict[str, int] = {}
    parts = []
    for col, miss in ((dose, np.isnan(x)), (response, np.isnan(y)),
                      *((c, _missing_labels(df[c])) for c in others if c is not None)):
        if miss.any():
            left[col] = int(miss.sum())
            parts.append(f"missing {col} ({row_list(np.flatnonzero(miss))})")
        keep &= ~miss
    notes = []
    if not keep.all():
        if not keep.any():
            raise AssayDataError("no row has every used column filled in (" + "; ".join(parts) + ")", file=src)
        n = int((~keep).sum())
        notes.append(f"{n} row{'s' if n > 1 else ''} left out: " + "; ".join(parts) + ".")
    orig = np.flatnonzero(keep)
    return df.iloc[orig].reset_index(drop=True), x[orig], y[orig], orig, left, notes


_missing_labels = missing_mask


def _n_free(mdl, fixed_int) -> int:
    return len(mdl.free_default) - sum(1 for p in fixed_int if p in mdl.free_default)


def _check_share(share) -> list[str]:
    out = []
    for s in share:
        if str(s).lower() not in PUBLIC_NAMES:
            raise AssayDataError(f"cannot share {s!r}; parameters are {', '.join(PUBLIC_NAMES)}")
        out.append(str(s).lower())
    return out


def _label_column(df, col, src) -> list[str]:
    return list(label_column(df, col, file=src))


def _normalize(x, y, garr, rarr, blank, src, dose_col, group_col):
    y = y.copy()
    keys = list(zip(garr, rarr)) if rarr is not None else [(g, None) for g in garr]
    keys_arr = np.array([f"{a}\x00{b}" for a, b in keys], dtype=object)
    b0 = float(blank) if blank is not None else 0.0
    for k in dict.fromkeys(keys_arr):
        rows = np.flatnonzero(keys_arr == k)
        veh = rows[x[rows] == 0]
        g, r = k.split("\x00")
        label = f"group {g!r}" + (f", replicate {r!r}" if rarr is not None else "")
        if veh.size == 0:
            raise AssayDataError(f"{label} has no vehicle (dose 0) rows to normalise to; add them or do not "
                                 "normalise", file=src, column=dose_col, rows=(rows[:3] + 1).tolist())
        ref = float(np.mean(y[veh])) - b0
        if ref <= 0:
            raise AssayDataError(f"{label}: vehicle mean minus blank is {ref:g}; cannot normalise",
                                 file=src, column=dose_col, rows=(veh[:3] + 1).tolist())
        y[rows] = 100.0 * (y[rows] - b0) / ref
    return y


def _check_curve_data(x, y, rows, label, n_par, model_name, src, dose_col, resp_col, group_col):
    where = f"group {label!r} of column {group_col!r}" if group_col else "the data"
    ux = np.unique(x)
    if ux.size < 2:
        raise AssayDataError(f"column {dose_col!r}: {where} has only one distinct dose ({ux[0]:g}, {row_list(rows)}); a "
                             "dose-response curve needs several doses", file=src, column=dose_col,
                             rows=(rows[:3] + 1).tolist())
    if x.size <= n_par:
        raise AssayDataError(f"column {resp_col!r}: {where} has {x.size} observations ({row_list(rows)}); the {model_name} model "
                             f"estimates {n_par} parameters and needs more observations than that (fix a "
                             "parameter with --fix, or choose a smaller model)", file=src, column=resp_col,
                             rows=(rows[:3] + 1).tolist())
    if np.ptp(y) == 0:
        raise AssayDataError(f"{where} has no variation in {resp_col!r} (every value is {y[0]:g}, "
                             f"{row_list(rows)}); a curve cannot be fitted", file=src, column=resp_col,
                             rows=(rows[:3] + 1).tolist())
    if np.sum(x > 0) == 0:
        raise AssayDataError(f"column {dose_col!r}: {where} has only vehicle (dose 0) rows", file=src, column=dose_col,
                             rows=(rows[:3] + 1).tolist())


def _curves_from_global(gf, curves):
    """Per-group views of a global fit: the group's block of the joint covariance (its intervals use the pooled
    residual df and sigma of ``gf``, passed to ``_curve_tables`` by the caller)."""
    out = []
    lay = gf.layout
    for g, c in enumerate(curves):
        idx = [int(lay.index[g, PARAM_INDEX[p]]) for p in c.free if lay.index[g, PARAM_INDEX[p]] >= 0]
        free = tuple(p for p in c.free if lay.index[g, PARAM_INDEX[p]] >= 0)
        C = gf.cov[np.ix_(idx, idx)]
        theta = gf.theta[g].copy()
        rss_g = float(np.sum((c.response - c.model.predict_theta(_log_doses(c.dose), theta)) ** 2))
        out.append(DoseResponseCurve(c.model, c.label, c.dose, c.response, theta, free, C, C, c.cov_kind, rss_g,
                                     gf.converged, list(c.flags), None, 0))
    return out


def _relation(value, lo, hi) -> str:
    if not np.isfinite(value):
        return ""
    if value > hi:
        return ">"
    if value < lo:
        return "<"
    return "="


def _curve_tables(c: DoseResponseCurve, ed_levels, *, df: int, sigma: float, cov, interval_method, ci_level, ci_scale,
                  abs_response):
    """The curve's rows of the fits, parameters and effective-dose tables; ``df`` and ``sigma`` are the residual
    error its t intervals use (the curve's own, or the pooled error of a global fit)."""
    tq = _tq(df, ci_level)
    lo, hi = c.tested_range
    flags = list(c.flags)
    flat = "flat" in flags
    profile = interval_method == "profile" and c.problem is not None

    # effective doses (relative)
    ed_rows = []
    ic50 = (np.nan, np.nan, (np.nan, np.nan), "")
    for p in sorted(set(ed_levels) | {50.0}):
        est, se = ed_relative(c, p, cov)
        if profile:
            lims = profile_interval(c, "log_ed", p, level=ci_level, start_se=se / est if est > 0 else None)
            ci = (float(np.exp(lims[0])), float(np.exp(lims[1])))
        else:
            ci = interval(est, se, tq, ci_scale)
        rel = _relation(est, lo, hi)
        shown = (est, se, ci) if rel == "=" and not flat else (np.nan, np.nan, (np.nan, np.nan))
        if p == 50.0:
            ic50 = (*shown, rel)
        if p in ed_levels:
            ed_rows.append({"group": c.label, "level": p, "estimate": shown[0], "se": shown[1],
                            "ci_low": shown[2][0], "ci_high": shown[2][1], "ci_level": ci_level,
                            "type": "relative", "relation": rel if not flat else "",
                            "bound": hi if rel == ">" else (lo if rel == "<" else np.nan),
                            "extrapolated": est, "ci_method": _ci_name(interval_method, ci_scale)})
    if ic50[3] == ">":
        flags.append("ic50_above_range")
    elif ic50[3] == "<":
        flags.append("ic50_below_range")

    # absolute IC50: dose at which the fitted response is half the vehicle plateau (or abs_response)
    b, cc, d, _le, _f = c.theta
    plateau0 = d if c.model.h_at_zero(b) == 1.0 else cc
    level_y = abs_response if abs_response is not None else 0.5 * plateau0
    a_est, a_se = ed_absolute(c, level_y, cov)
    if profile and np.isfinite(a_est):
        lims = profile_interval(c, "log_abs", level_y, level=ci_level, start_se=a_se / a_est)
        a_ci = (float(np.exp(lims[0])), float(np.exp(lims[1])))
    else:
        a_ci = interval(a_est, a_se, tq, ci_scale)
    a_rel = _relation(a_est, lo, hi)
    if not np.isfinite(a_est):
        flags.append("abs_ic50_not_reached")
    elif a_rel != "=":
        flags.append("abs_ic50_outside_range")
        a_est, a_se, a_ci = np.nan, np.nan, (np.nan, np.nan)

    # parameters
    par_rows = []
    dep = c.dependency() if c.problem is not None else {}
    for name, est, se, internal, is_fixed in public_parameters(c):
        if is_fixed:
            ci = (np.nan, np.nan)
        elif profile:
            lims = profile_interval(c, "param", internal, level=ci_level,
                                    start_se=se / est if name == "e" else se)
            if name == "e":
                ci = (float(np.exp(lims[0])), float(np.exp(lims[1])))
            elif name == "hill" and c.model.hill_sign < 0:
                ci = (-lims[1], -lims[0])
            else:
                ci = lims
        elif name == "e":
            ci = interval(est, se, tq, ci_scale)
        else:
            ci = interval(est, se, tq, "linear")
        par_rows.append({"group": c.label, "parameter": name, "estimate": est, "se": se,
                         "ci_low": ci[0], "ci_high": ci[1], "ci_level": ci_level, "fixed": bool(is_fixed),
                         "dependency": dep.get(internal, np.nan),
                         "ci_method": _ci_name(interval_method, ci_scale if name == "e" else "linear")})
    lof = c.lack_of_fit()
    emax = float(c.predict([hi])[0]) if np.isfinite(hi) else np.nan
    fits_row = {
        "group": c.label, "model": c.model.name, "n": c.n,
        "bottom": float(c.theta[1]), "top": float(c.theta[2]), "hill": _hill(c),
        "ic50": ic50[0], "ic50_se": ic50[1], "ic50_ci_low": ic50[2][0], "ic50_ci_high": ic50[2][1],
        "ci_level": ci_level, "abs_ic50": a_est, "auc": auc_log10(c),
        "aic": c.aic() if c.problem is not None else np.nan, "converged": bool(c.converged),
        "flag": ";".join(flags) if flags else "ok",
        "ic50_relation": ic50[3], "abs_ic50_se": a_se, "abs_ic50_ci_low": a_ci[0], "abs_ic50_ci_high": a_ci[1],
        "abs_response": level_y, "e": float(np.exp(c.theta[3])), "emax": emax,
        "bic": c.bic() if c.problem is not None else np.nan, "rss": c.rss, "df": df,
        "sigma": sigma, "lof_f": lof[0], "lof_p": lof[3], "dose_min": lo, "dose_max": hi,
        "cov": cov, "ci_method": _ci_name(interval_method, ci_scale),
    }
    return fits_row, par_rows, ed_rows


def _hill(c: DoseResponseCurve) -> float:
    """The public slope: negative on a falling curve in every model (``Model.hill_sign``)."""
    return float(c.model.hill_sign * c.theta[0])


def _ci_name(method, scale):
    return "profile likelihood" if method == "profile" else f"delta ({scale} scale)"


def _tq(df, level):
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, df)) if df > 0 else np.nan


def _pairs(levels, ref, compare):
    if not isinstance(compare, str):
        return list(compare)
    if compare == "none" or len(levels) < 2:
        return []
    if compare == "reference":
        return [(g, ref) for g in levels if g != ref]
    return [(levels[j], levels[i]) for i in range(len(levels)) for j in range(i + 1, len(levels))]


def _comparisons(curves, global_fit, levels, ref, compare, p_adjust, ci_level, ci_scale, mdl, fixed_int,
                 share_int, cov, fits):
    import pandas as pd

    cols = ["group", "reference", "ratio", "se", "ci_low", "ci_high", "f_stat", "df_num", "df_den",
            "p_value", "p_adjusted", "adjust_method", "fieller_low", "fieller_high", "ci_level", "ci_method",
            "ic50_group", "ic50_reference", "flag"]
    pairs = _pairs(levels, ref, compare)
    if not pairs:
        return pd.DataFrame(columns=cols)
    joint = joint_from_curves(curves, cov) if global_fit is None else joint_from_global(global_fit)
    pos = {lab: i for i, lab in enumerate(levels)}
    rows = []
    for g, r in pairs:
        i, j = pos[g], pos[r]
        rt = ratio_test(joint, i, j, p=50.0, level=ci_level)
        ci = rt["ci_log"] if ci_scale == "log" else rt["ci_linear"]
        if "le" in share_int:
            ft = {"f_stat": np.nan, "df_num": 0, "df_den": joint.df, "p_value": np.nan}
        else:
            ft = f_test_shared([c.dose for c in curves], [c.response for c in curves], levels, curves,
                               model=mdl, fixed=fixed_int, share=share_int, tie=(i, j), rss_full=joint.rss,
                               df_full=joint.df, n_full=joint.layout.n_free)
        flags = [f"reduced_fit_at_bound:{public_name(b)}" for b in ft.get("reduced_at_bound", ())]
        rel_g = fits.loc[fits.group == g, "ic50_relation"].iloc[0]
        rel_r = fits.loc[fits.group == r, "ic50_relation"].iloc[0]
        ratio, se, fl = rt["ratio"], rt["se"], rt["fieller"]
        if rel_g != "=" or rel_r != "=":  # the fits table's vocabulary: which IC50 lies beyond which end
            flags += sorted({_RANGE_FLAG[x] for x in (rel_g, rel_r) if x in _RANGE_FLAG})
            ratio, se, ci, fl = np.nan, np.nan, (np.nan, np.nan), (np.nan, np.nan)
        rows.append({"group": g, "reference": r, "ratio": ratio, "se": se, "ci_low": ci[0], "ci_high": ci[1],
                     "f_stat": ft["f_stat"], "df_num": ft["df_num"], "df_den": ft["df_den"],
                     "p_value": ft["p_value"], "p_adjusted": np.nan, "adjust_method": p_adjust,
                     "fieller_low": fl[0], "fieller_high": fl[1], "ci_level": ci_level,
                     "ci_method": f"delta ({ci_scale} scale); Fieller", "ic50_group": rt["ed_group"],
                     "ic50_reference": rt["ed_reference"], "flag": ";".join(flags) if flags else "ok"})
    out = pd.DataFrame(rows, columns=cols)
    out["p_adjusted"] = adjust_p(out["p_value"].to_numpy(), p_adjust)
    return out


#: an IC50 relation beyond the tested doses and its flag (the same words in fits, replicate fits and comparisons)
_RANGE_FLAG = {">": "ic50_above_range", "<": "ic50_below_range"}


def _replicate_analysis(x, y, garr, rarr, levels, ref, compare, p_adjust, mdl, fixed_int, cov, ci_level,
                        slope_limit):
    import pandas as pd

    rows = []
    logs: dict[str, dict[str, float]] = {lev: {} for lev in levels}
    for lev in levels:
        for rep in _ordered_levels(rarr[garr == lev]):
            sel = np.flatnonzero((garr == lev) & (rarr == rep))
            n_par = _n_free(mdl, fixed_int)
            if np.unique(x[sel]).size < 2 or sel.size <= n_par or np.ptp(y[sel]) == 0:
                rows.append({"group": lev, "replicate": rep, "n": int(sel.size), "ic50": np.nan,
                             "log10_ic50": np.nan, "hill": np.nan, "top": np.nan, "bottom": np.nan,
                             "converged": False, "flag": "too_few_points", "used": False})
                continue
            c = fit_curve(x[sel], y[sel], model=mdl, fixed=fixed_int, cov=cov, label=f"{lev}/{rep}",
                          slope_limit=slope_limit)
            est, _se = ed_relative(c, 50.0, cov)
            lo, hi = c.tested_range
            rel = _relation(est, lo, hi)
            flags = list(c.flags) + ([_RANGE_FLAG[rel]] if rel in _RANGE_FLAG else [])
            used = rel == "=" and c.converged and "flat" not in c.flags
            if used:
                logs[lev][rep] = float(np.log10(est))
            rows.append({"group": lev, "replicate": rep, "n": c.n, "ic50": est if rel == "=" else np.nan,
                         "log10_ic50": float(np.log10(est)) if rel == "=" else np.nan,
                         "hill": _hill(c), "top": float(c.theta[2]), "bottom": float(c.theta[1]),
                         "converged": bool(c.converged), "flag": ";".join(flags) if flags else "ok",
                         "used": bool(used)})
    rep_fits = pd.DataFrame(rows)
    cols = ["group", "reference", "test", "n_group", "n_reference", "ratio", "ci_low", "ci_high",
            "statistic", "df", "p_value", "p_adjusted", "adjust_method", "ci_level"]
    out = []
    for g, r in _pairs(levels, ref, compare):
        res = replicate_test(logs[g], logs[r], level=ci_level)
        res.pop("n_pairs", None)
        out.append({"group": g, "reference": r, **res, "p_adjusted": np.nan, "adjust_method": p_adjust,
                    "ci_level": ci_level})
    rep_comp = pd.DataFrame(out, columns=cols)
    if len(rep_comp):
        rep_comp["p_adjusted"] = adjust_p(rep_comp["p_value"].to_numpy(), p_adjust)
    return rep_fits, rep_comp


__all__ += ["MODELS"]
