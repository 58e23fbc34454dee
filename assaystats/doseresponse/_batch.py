"""``assaystats.doseresponse.fit_many``: every curve of a long table fitted at once, vectorised across curves.

The single-curve fit (``_fit.fit_curve``) goes through lmfit, one Python-level optimisation per curve (about 2 ms).
A screen holds 10^4 to 10^6 curves of a few dozen points, so here the same least-squares problem is solved for all
curves together on padded arrays (curves x wells, with 0/1 weights on the padding): a batched Levenberg-Marquardt with
the analytic Jacobian of the log-logistic model (the parameterisation of ``_models``: log-dose, b, c, d, le; vehicle
dose 0 as the plateau limit), per-curve damping and convergence tests (those of MINPACK as lmfit calls it, so the
optimum is the single-curve fit's to 1e-6), the bounds of the single-curve fit (|b| <= SLOPE_LIMIT, le within
LE_MARGIN_DECADES of the tested doses) by projection, and a per-iteration active set (converged curves leave the
arrays). Curves the single-curve fit would call suspicious (``_fit._suspicious``) get a multi-start: a grid of slopes
and mid-points on which the plateaus are solved in closed form (the model is linear in bottom and top), the best
three grid points then run to convergence. Screens are processed in chunks of ``CHUNK`` curves, so memory grows
linearly with the screen. The numerics live in ``_batch_lm.py``. Hand-written rather than lmfit because a per-curve lmfit loop is the cost being removed
(benchmarks/bench_fit_many.py states the ratio). Models other than ll4/ll3 are fitted curve by curve with
``fit_curve``; ``fallback=True`` refits unconverged curves with it too (flag ``refit_single_curve``).
"""


from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import dask.dataframe as dd
    import pandas as pd

    from ._batch_result import BatchFitResult

import numpy as np

from .._validate import check_choice, check_columns, check_magnitude, check_nonnegative, check_numeric
from ..errors import AssayDataError
from ._batch_lm import _covariance, _f_flat, _fit_chunk
from ._fit import LE_MARGIN_DECADES, SLOPE_LIMIT, fit_curve
from ._models import INTERNAL, PARAM_INDEX, get_model

__all__ = ["BATCH_MODELS", "fit_many"]

#: models with a batched (vectorised) fit; the others are fitted curve by curve with ``fit_curve``
BATCH_MODELS = ("ll4", "ll3")
#: curves per chunk: memory stays linear in the screen (a chunk's padded arrays are a few MB each), and each chunk's
#: last few slow curves cost numpy's per-call overhead once per chunk (16384 measured ~18% faster than 4096)
CHUNK = 16384


def _numeric(df, column, src):
    """The column as float64: a numeric column directly (checked for infinities and magnitudes), anything else through
    ``check_numeric`` (which reads text entries; slower on millions of rows)."""
    import pandas as pd

    s = df[column]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        inf = np.isinf(v)
        if inf.any():
            return check_numeric(df, column, file=src, allow_missing=True)  # its message names the rows
        check_magnitude(v, column, file=src)
        return v
    return check_numeric(df, column, file=src, allow_missing=True)


def _segments(cid_sorted, C):
    """position of each row within its curve (rows sorted by curve) and the number of rows per curve."""
    n = np.bincount(cid_sorted, minlength=C)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    pos = np.arange(cid_sorted.size) - start[cid_sorted]
    return pos, n


# -- the public function ------------------------------------------------------------------------------------------
def screen_input(data, curve, source):
    """(file name for messages, curve columns) of a screen held as a pandas DataFrame, one row per well."""
    import pandas as pd

    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    if not isinstance(data, pd.DataFrame):
        raise AssayDataError("data must be a pandas DataFrame (one row per well)")
    keys = [curve] if isinstance(curve, str) else list(curve)
    if not keys:
        raise AssayDataError("curve must name at least one column")
    return src, keys


def fit_many(data: pd.DataFrame | dd.DataFrame, *, dose: str, response: str, curve, model: str = "ll4", fixed=None, ci_level: float = 0.95,
             source: str | None = None, slope_limit: float = SLOPE_LIMIT, fallback: bool = False,
             replicate: str | None = None, dose_unit: str | None = None, auc_window=None) -> BatchFitResult:
    """Fit every curve of a long table (one row per well) at once.

    Parameters
    ----------
    data : pandas DataFrame, one row per well; dose 0 is the vehicle and takes part in the fit.
    dose, response : column names (doses are concentrations >= 0, not logs). A negative dose anywhere is an
        AssayDataError naming the column and rows; a missing dose or response leaves that well out (counted in
        ``meta['rows_left_out']``).
    curve : column name or list of column names whose combination identifies a curve (compound, cell line, ...).
    model : 'll4' or 'll3' are fitted in one batch; the other models of ``MODELS`` are fitted curve by curve with
        the single-curve fit.
    fixed : public parameters held at values, e.g. ``{"top": 100}`` (as in ``fit``).
    ci_level : level of the intervals (delta method on the log scale, as ``fit``'s default).
    fallback : refit with the single-curve ``fit_curve`` the curves the batch (and its multi-start) leaves
        unconverged and not flat (flag ``refit_single_curve``). Off by default: such a refit can take seconds per
        curve (lmfit's multi-start on a ridge); those curves keep the batched optimum, flagged ``not_converged``.
    replicate : optional column naming the replicate (well, plate or experiment) of a row; two rows of one curve
        with the same dose and replicate are flagged ``duplicate_wells`` (the curve is still fitted with all rows).
    dose_unit : optional column holding the unit of each row's dose; a curve whose rows carry more than one unit
        is not fitted (flag ``mixed_dose_units``). The curve's unit goes to the ``dose_unit`` column.
    auc_window : (low, high) positive doses over which ``auc`` and ``activity_area`` are integrated, the same for
        every curve so that they compare across the screen; default the screen's whole range of positive doses.
        The window used is ``meta['auc_window']``.

    Returns
    -------
    BatchFitResult whose ``table`` (also ``fits``) has one row per input curve, in the order curves first appear:
    the curve columns, then the columns of ``fit(...).fits`` with the same names, meanings and censoring rules
    (see ``BatchFitResult`` for the list), then ``hill_se``, ``bottom_se``, ``top_se``, ``e_se``, ``r2``, ``rmse``,
    ``flat_f``, ``flat_p``, ``activity_area``, ``n_doses``, ``dose_unit`` and ``method``. A curve that cannot be
    fitted keeps its row with NaN estimates and its flag (``no_data``, ``too_few_doses``, ``too_few_points``,
    ``no_positive_dose``, ``no_variation``, ``mixed_dose_units``).
    """
    import pandas as pd

    from ._api import _internal_fixed
    from ._batch_result import BatchFitResult, fits_table

    if type(data).__module__.startswith("dask"):
        # a dask DataFrame: fitted partition by partition with this same function (see _dask.py)
        from ._dask import fit_many_dask

        return fit_many_dask(data, dose=dose, response=response, curve=curve, model=model, fixed=fixed,
                             ci_level=ci_level, source=source, slope_limit=slope_limit, fallback=fallback,
                             replicate=replicate, dose_unit=dose_unit, auc_window=auc_window)
    src, keys = screen_input(data, curve, source)
    check_columns(data, [dose, response, *keys, replicate, dose_unit], file=src)
    if not 0 < ci_level < 1:
        raise AssayDataError(f"ci_level must be between 0 and 1; got {ci_level}")
    mdl = get_model(model)
    check_choice("model", mdl.name, tuple(m for m in ("ll4", "ll3", "ll5", "w1", "w2")))
    fixed_int = _internal_fixed(fixed, mdl.name)
    if auc_window is not None:
        try:
            win = (float(auc_window[0]), float(auc_window[1]))
        except (TypeError, ValueError, IndexError):
            raise AssayDataError(f"auc_window must be two doses (low, high); got {auc_window!r}") from None
        if len(auc_window) != 2 or not 0 < win[0] < win[1] < np.inf:
            raise AssayDataError(f"auc_window must be two positive doses, low < high; got {auc_window!r}")
    df = data  # read by position throughout (no copy of the table)
    x = _numeric(df, dose, src)
    check_nonnegative(np.where(np.isnan(x), 0.0, x), dose, file=src)
    y = _numeric(df, response, src)

    cid_all = df.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    C = int(cid_all.max()) + 1 if cid_all.size else 0
    first = np.full(C, -1)
    first[cid_all[::-1]] = np.arange(cid_all.size)[::-1]
    key_table = df[keys].iloc[first].reset_index(drop=True)

    fixed_all = {**dict(mdl.fixed_default), **fixed_int}
    free_names = [p for p in INTERNAL if p not in fixed_all]
    n_par = len(free_names)

    ok_rows = np.isfinite(x) & np.isfinite(y)
    with np.errstate(divide="ignore"):
        logx = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -np.inf)
    rows = np.flatnonzero(ok_rows)
    order = rows[np.lexsort((logx[rows], cid_all[rows]))]
    cid = cid_all[order]
    Lr, yr, xr = logx[order], y[order], x[order]
    pos, n = _segments(cid, C)

    # distinct doses per curve and their mean responses
    newlev = np.ones(cid.size, bool)
    newlev[1:] = (cid[1:] != cid[:-1]) | (Lr[1:] != Lr[:-1])
    lev = np.cumsum(newlev) - 1
    lev_cid = cid[newlev]
    lev_n = np.bincount(lev) if lev.size else np.zeros(0)
    lev_mean = np.bincount(lev, weights=yr) / lev_n if lev.size else np.zeros(0)
    lev_L = Lr[newlev]
    kpos, k = _segments(lev_cid, C)
    posd = xr > 0
    npos_dose = np.bincount(cid[posd], minlength=C)
    # rows are sorted by curve, then dose: per-curve extremes by reduceat over the runs, and the doses' extremes
    # are a curve's last row and its first positive row
    has = n > 0
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    ymin = np.full(C, np.inf)
    ymax = np.full(C, -np.inf)
    if cid.size:
        ymin[has] = np.minimum.reduceat(yr, starts[has])
        ymax[has] = np.maximum.reduceat(yr, starts[has])
    dmin = np.full(C, np.inf)
    dmax = np.full(C, -np.inf)
    hp = npos_dose > 0
    dmax[hp] = xr[(starts + n - 1)[hp]]
    dmin[hp] = xr[(starts + n - npos_dose)[hp]]
    dmin[~np.isfinite(dmin)] = np.nan
    dmax[~np.isfinite(dmax)] = np.nan
    # the response sums of the flat and lack-of-fit tests
    ybar = np.bincount(cid, weights=yr, minlength=C) / np.maximum(n, 1)
    tss = np.bincount(cid, weights=(yr - ybar[cid]) ** 2, minlength=C)
    rss_anova = np.bincount(cid, weights=(yr - lev_mean[lev]) ** 2, minlength=C) if lev.size else np.zeros(C)

    # per-curve problems of the input: never an error for the screen, always a flag on the curve
    extra_flags = np.full(C, "", dtype=object)
    units = np.full(C, "", dtype=object)
    mixed = np.zeros(C, bool)
    if replicate is not None:
        dup = df.duplicated(subset=[*keys, dose, replicate], keep=False).to_numpy() & np.isfinite(x)
        extra_flags[np.unique(cid_all[dup])] = "duplicate_wells"
    if dose_unit is not None:
        u = df[dose_unit].astype("string").str.strip()
        per = pd.DataFrame({"c": cid_all, "u": u.to_numpy()}).dropna().drop_duplicates()
        per = per[per.u != ""]
        counts = np.bincount(per.c.to_numpy(), minlength=C)
        mixed = counts > 1
        joined = per.groupby("c", sort=True)["u"].agg(lambda s: ",".join(s))
        units[joined.index.to_numpy()] = joined.to_numpy(dtype=object)

    status = np.full(C, "", dtype=object)
    status[mixed] = "mixed_dose_units"
    status[(status == "") & (n == 0)] = "no_data"
    status[(status == "") & ((k < 2) | (k < n_par))] = "too_few_doses"
    status[(status == "") & (n <= n_par)] = "too_few_points"
    status[(status == "") & (npos_dose == 0)] = "no_positive_dose"
    status[(status == "") & (ymax - ymin == 0)] = "no_variation"
    fit_ok = status == ""

    if auc_window is None:
        finite = np.isfinite(dmin)
        win = (float(np.nanmin(dmin)), float(np.nanmax(dmax))) if finite.any() else (np.nan, np.nan)

    theta = np.full((C, 5), np.nan)
    rss = np.full(C, np.nan)
    conv = np.zeros(C, bool)
    method = np.where(fit_ok, "batched", "not fitted").astype(object)
    JtJ = np.full((C, n_par, n_par), np.nan)
    cov_free = np.full((C, n_par, n_par), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_le = LE_MARGIN_DECADES * np.log(10.0)
        lo_le = np.where(npos_dose > 0, np.log(np.where(npos_dose > 0, dmin, 1.0)) - m_le, 0.0)
        hi_le = np.where(npos_dose > 0, np.log(np.where(npos_dose > 0, dmax, 1.0)) + m_le, 0.0)
    batched = mdl.name in BATCH_MODELS
    free = [PARAM_INDEX[p] for p in free_names]
    refit = np.zeros(C, bool)

    if batched:
        row_start = np.concatenate([[0], np.cumsum(n)])
        lev_start = np.concatenate([[0], np.cumsum(k)])
        from .. import _progress

        for s in _progress.iterate(range(0, C, CHUNK), f"fitting {C:,} curves in chunks of {CHUNK:,}"):
            idx = s + np.flatnonzero(fit_ok[s:s + CHUNK])
            if not idx.size:
                continue
            # the chunk's fitted curves renumbered 0..m-1 (their rows are contiguous runs of the sorted rows)
            e = min(s + CHUNK, C)
            rr = np.arange(row_start[s], row_start[e])
            ra = rr[fit_ok[cid[rr]]]
            ll = np.arange(lev_start[s], lev_start[e])
            la = ll[fit_ok[lev_cid[ll]]]
            renum = np.full(e - s, -1)
            renum[idx - s] = np.arange(idx.size)
            with np.errstate(all="ignore"):
                th_c, rss_c, conv_c, jtj_c = _fit_chunk(
                    Lr[ra], yr[ra], renum[cid[ra] - s], pos[ra], n[idx], lev_L[la], lev_mean[la],
                    renum[lev_cid[la] - s], kpos[la], k[idx], lo_le[idx], hi_le[idx], fixed_all, free, slope_limit)
            theta[idx], rss[idx], conv[idx], JtJ[idx] = th_c, rss_c, conv_c, jtj_c
        dfc = n - n_par
        cov_free[fit_ok] = _covariance(JtJ[fit_ok], rss[fit_ok], dfc[fit_ok])
        _, p_flat = _f_flat(tss, rss, dfc, n_par - 1)
        # still not converged: the single-curve fit on request, unless the curve is flat (no dose effect: its optimum
        # lies at infinity or on a bound, and fit_curve's multi-start takes seconds there without a better answer)
        refit = fit_ok & ~(conv & np.isfinite(rss)) & ~(p_flat >= 0.05) & bool(fallback)
    else:
        refit = fit_ok.copy()

    # curves the batch did not settle (or models without a batched fit): the single-curve fit
    curves = {}
    row_start = np.concatenate([[0], np.cumsum(n)])
    for i in np.flatnonzero(refit):
        sl = slice(row_start[i], row_start[i + 1])
        c = fit_curve(xr[sl], yr[sl], model=mdl, fixed=fixed_int, cov="jtj")
        theta[i], rss[i], conv[i] = c.theta, c.rss, c.converged
        cov_free[i] = c.cov_jtj
        method[i] = "single-curve"
        if batched:
            extra_flags[i] = ";".join(f for f in ("refit_single_curve", extra_flags[i]) if f)
        else:
            curves[i] = c

    table = fits_table(key_table, mdl, theta, rss, conv, cov_free, free_names, n, k, dmin, dmax, status, method,
                       extra_flags, curves, tss, rss_anova, lo_le, hi_le, slope_limit, ci_level, win, units)
    meta = {"analysis": "doseresponse.fit_many", "model": mdl.name, "model_description": mdl.description,
            "drc_equivalent": mdl.drc, "dose": dose, "response": response, "curve": keys,
            "replicate": replicate, "dose_unit": dose_unit,
            "fixed": dict(fixed or {}), "cov": "jtj", "ci_level": ci_level, "ci_scale": "log",
            "slope_limit": slope_limit, "fallback": bool(fallback), "n": len(df), "n_curves": int(C),
            "rows_left_out": int((~ok_rows).sum()), "batched": batched, "source": src,
            "auc_window": [win[0], win[1]],
            "auc_window_source": "given (auc_window)" if auc_window is not None else "the screen's range of positive doses",
            "auc_units": "response x log10 dose (decades)",
            "method": ("batched Levenberg-Marquardt across curves (analytic Jacobian, multi-start for suspicious "
                       "curves), J'J covariance, delta-method intervals on the log scale" if batched
                       else "single-curve fit per curve")}
    return BatchFitResult(table=table, meta=meta)
