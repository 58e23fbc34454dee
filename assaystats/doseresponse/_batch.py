"""``assaystats.doseresponse.fit_many``: every curve of a long table fitted at once, vectorised across curves.

The single-curve fit (``_fit.fit_curve``) goes through lmfit, one Python-level optimisation per curve (about 2 ms).
A screen holds 10^4 to 10^6 curves of a few dozen points, so here the same least-squares problem is solved for all
curves together on padded arrays (curves x points, with a mask): a batched Levenberg-Marquardt with the analytic
Jacobian of the log-logistic model (the parameterisation of ``_models``: log-dose, b, c, d, le; vehicle dose 0 as the
plateau limit), per-curve damping and convergence, and the bounds of the single-curve fit (|b| <= SLOPE_LIMIT, le
within LE_MARGIN_DECADES of the tested doses) by projection. Hand-written rather than lmfit because a per-curve lmfit
loop is the cost being removed (benchmarks/bench_fit_many.py states the ratio). Curves whose batched fit does not
converge are refitted with ``fit_curve`` (flag ``refit_single_curve``); models other than ll4/ll3 are fitted curve by
curve with ``fit_curve`` (no batched Jacobian for them yet).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .._validate import check_choice, check_columns, check_nonnegative, check_numeric
from ..errors import AssayDataError
from ._fit import DEPENDENCY_LIMIT, LE_MARGIN_DECADES, SLOPE_LIMIT, fit_curve
from ._models import INTERNAL, PARAM_INDEX, get_model

__all__ = ["BATCH_MODELS", "fit_many"]

#: models with a batched (vectorised) fit; the others are fitted curve by curve with ``fit_curve``
BATCH_MODELS = ("ll4", "ll3")
MAX_ITER = 300
#: iterations of each start of the multi-start grid (the best start is then run to MAX_ITER)
MULTISTART_ITER = 30
STEP_TOL = 1e-10
FTOL = 1e-15
LAMBDA_MAX = 1e12


# -- padded arrays ---------------------------------------------------------------------------------------------
def _pad(values, cid, pos, C, P, fill):
    out = np.full((C, P), fill, dtype=float)
    out[cid, pos] = values
    return out


def _segments(cid_sorted, C):
    """position of each row within its curve (rows sorted by curve) and the number of rows per curve."""
    n = np.bincount(cid_sorted, minlength=C)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    pos = np.arange(cid_sorted.size) - start[cid_sorted]
    return pos, n


# -- model on padded arrays --------------------------------------------------------------------------------------
def _shape(L, b, le):
    """h = 1 / (1 + exp(b (L - le))) and g = h (1 - h) for (C, P) log doses (-inf = vehicle)."""
    fin = np.isfinite(L)
    z = np.clip(b[:, None] * (np.where(fin, L, 0.0) - le[:, None]), -700.0, 700.0)
    h = special.expit(-z)
    veh = np.where(b[:, None] > 0, 1.0, 0.0)  # the dose-0 limit of _models.Model.u
    h = np.where(fin, h, veh)
    g = np.where(fin, h * (1.0 - h), 0.0)
    return h, g


def _predict(th, L):
    h, _ = _shape(L, th[:, 0], th[:, 3])
    return th[:, 1:2] + (th[:, 2:3] - th[:, 1:2]) * h


def _jacobian(th, L, mask, free):
    """(C, P, n_free) derivative of the prediction with respect to the free internal parameters (zero on padding)."""
    b, c, d, le = th[:, 0], th[:, 1], th[:, 2], th[:, 3]
    h, g = _shape(L, b, le)
    Ls = np.where(np.isfinite(L), L, 0.0)
    cols = {0: -(d - c)[:, None] * g * (Ls - le[:, None]), 1: 1.0 - h, 2: h, 3: (d - c)[:, None] * g * b[:, None]}
    J = np.stack([cols[k] for k in free], axis=-1)
    return J * mask[:, :, None], h


def _rss(th, L, y, mask):
    r = np.where(mask, y - _predict(th, L), 0.0)
    return (r * r).sum(axis=1), r


def _normal_equations(J, r):
    JtJ = np.matmul(np.swapaxes(J, 1, 2), J)
    g = np.matmul(np.swapaxes(J, 1, 2), r[:, :, None])[:, :, 0]
    return JtJ, g


# -- starting values (vectorised ``_fit.start_values`` for the ll shape) ------------------------------------------
def _starts(Lk, Mk, kmask, fixed, slope_limit):
    """Lk, Mk: (C, K) distinct log doses (ascending, -inf first) and their mean responses; kmask marks real levels."""
    C = Lk.shape[0]
    lo = np.where(kmask, Mk, np.inf).min(axis=1)
    hi = np.where(kmask, Mk, -np.inf).max(axis=1)
    pad = np.where(hi > lo, 0.05 * (hi - lo), np.maximum(np.abs(hi), 1.0) * 0.05)
    c0 = np.full(C, fixed["c"]) if "c" in fixed else lo - pad
    d0 = np.full(C, fixed["d"]) if "d" in fixed else hi + pad
    d0 = np.where(d0 == c0, c0 + 1.0, d0)
    pos = kmask & np.isfinite(Lk)
    h = np.clip((Mk - c0[:, None]) / (d0 - c0)[:, None], 0.02, 0.98)
    z = np.log(1.0 / h - 1.0)
    npos = pos.sum(axis=1)
    Lp = np.where(pos, Lk, 0.0)
    zp = np.where(pos, z, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mL = Lp.sum(1) / npos
        mz = zp.sum(1) / npos
        dL = np.where(pos, Lk - mL[:, None], 0.0)
        sxx = (dL * dL).sum(1)
        slope = (dL * np.where(pos, z - mz[:, None], 0.0)).sum(1) / sxx
        intercept = mz - slope * mL
        ok = (npos >= 2) & (sxx > 0) & (np.abs(slope) > 1e-3)
        b0 = np.where(ok, slope, np.nan)
        le0 = np.where(ok, -intercept / slope, np.nan)
    last = np.maximum(kmask.sum(axis=1) - 1, 0)
    decreasing = Mk[np.arange(C), last] < Mk[:, 0]
    bad = ~np.isfinite(b0)
    if bad.any():
        med = np.zeros(C)
        for i in np.flatnonzero(bad & (npos > 0)):  # few curves: the median of their positive log doses
            med[i] = np.median(Lk[i][pos[i]])
        b0 = np.where(bad, np.where(decreasing, 1.0, -1.0), b0)
        le0 = np.where(bad, med, le0)
    b0 = np.clip(b0, -0.9 * slope_limit, 0.9 * slope_limit)
    Lmin = np.where(pos, Lk, np.inf).min(axis=1)
    Lmax = np.where(pos, Lk, -np.inf).max(axis=1)
    le0 = np.where(npos > 0, np.clip(le0, Lmin - 2.0, Lmax + 2.0), le0)
    th = np.column_stack([b0, c0, d0, le0, np.ones(C)])
    for k, v in fixed.items():
        th[:, PARAM_INDEX[k]] = v
    return th


# -- batched Levenberg-Marquardt -----------------------------------------------------------------------------------
def _lm(th, L, y, mask, free, lower, upper, max_iter=MAX_ITER):
    """Minimise each curve's RSS; returns (theta, rss, converged, iterations). lower/upper: (C, 4) bounds."""
    C = th.shape[0]
    th = th.copy()
    fidx = np.asarray(free)
    rss, _ = _rss(th, L, y, mask)
    lam = np.full(C, 1e-3)
    done = np.zeros(C, bool)
    conv = np.zeros(C, bool)
    iters = np.zeros(C, int)
    active = np.flatnonzero(np.isfinite(rss))
    eye = np.eye(fidx.size)
    for _ in range(max_iter):
        if active.size == 0:
            break
        ta, La, ya, ma = th[active], L[active], y[active], mask[active]
        J, _ = _jacobian(ta, La, ma, free)
        _, r = _rss(ta, La, ya, ma)
        JtJ, g = _normal_equations(J, r)
        dg = np.einsum("cii->ci", JtJ)
        A = JtJ + lam[active, None, None] * (dg[:, :, None] * eye + 1e-12 * eye)
        try:
            step = np.linalg.solve(A, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:  # a singular system in the batch: solve curve by curve via lstsq
            step = np.stack([np.linalg.lstsq(a, v, rcond=None)[0] for a, v in zip(A, g)])
        cand = ta.copy()
        cand[:, fidx] = np.clip(ta[:, fidx] + step, lower[active][:, fidx], upper[active][:, fidx])
        new_rss, _ = _rss(cand, La, ya, ma)
        rss_old = rss[active]
        better = np.isfinite(new_rss) & (new_rss <= rss_old)
        moved = np.abs(cand[:, fidx] - ta[:, fidx]) / (np.abs(ta[:, fidx]) + 1e-8)
        small = moved.max(axis=1) <= STEP_TOL
        acc = active[better]
        th[acc] = cand[better]
        rss[acc] = new_rss[better]
        lam[acc] = np.maximum(lam[acc] / 10.0, 1e-12)
        rej = active[~better]
        lam[rej] *= 10.0
        iters[active] += 1
        # MINPACK's ftol test: an accepted step that lowers the RSS by a relative FTOL or less
        tiny = better & (rss_old - new_rss <= FTOL * rss_old)
        finished = (better & small) | tiny | (new_rss == 0.0) | (~better & (lam[active] > LAMBDA_MAX)) | (~better & small)
        conv[active[finished]] = True
        done[active[finished]] = True
        active = active[~finished]
    return th, rss, conv, iters


def _multistart(th, L, y, mask, free, lower, upper, Lk, kmask, slope_limit):
    """Starts hill in {+-0.5, 1, 2, 5} x e at the quartiles of the log doses (``_fit._multistart``'s grid) for every
    curve at once; the best converged fit of each curve wins (else the lowest RSS)."""
    C = th.shape[0]
    pos = kmask & np.isfinite(Lk)
    qs = np.stack([np.nanquantile(np.where(pos[i], Lk[i], np.nan), [0.25, 0.5, 0.75]) if pos[i].any()
                   else np.zeros(3) for i in range(C)])
    best_th, best_rss, best_conv = th.copy(), np.full(C, np.inf), np.zeros(C, bool)
    for bsign in (1.0, -1.0):
        for bmag in (0.5, 1.0, 2.0, 5.0):
            for j in range(3):
                t0 = th.copy()
                if 0 in free:
                    t0[:, 0] = np.clip(bsign * bmag, -0.9 * slope_limit, 0.9 * slope_limit)
                if 3 in free:
                    t0[:, 3] = np.clip(qs[:, j], lower[:, 3], upper[:, 3])
                t1, r1, c1, _ = _lm(t0, L, y, mask, free, lower, upper, max_iter=MULTISTART_ITER)
                win = _improves(r1, c1, best_rss, best_conv)
                best_th[win], best_rss[win], best_conv[win] = t1[win], r1[win], c1[win]
    # the grid only finds the basin: the best start of each unconverged curve is then run to convergence
    todo = np.flatnonzero(~best_conv)
    if todo.size:
        t1, r1, c1, _ = _lm(best_th[todo], L[todo], y[todo], mask[todo], free, lower[todo], upper[todo])
        win = _improves(r1, c1, best_rss[todo], best_conv[todo])
        sel = todo[win]
        best_th[sel], best_rss[sel], best_conv[sel] = t1[win], r1[win], c1[win]
    return best_th, best_rss, best_conv


def _improves(rss_new, conv_new, rss_old, conv_old):
    """A lower RSS wins (a 'converged' local optimum is no answer when a lower one exists); at an equal RSS a
    converged fit wins."""
    lower = rss_new < rss_old - 1e-12 * (1 + np.where(np.isfinite(rss_old), rss_old, 0))
    same = rss_new <= rss_old + 1e-9 * (1 + np.where(np.isfinite(rss_old), rss_old, 0))
    return np.isfinite(rss_new) & (lower | (conv_new & ~conv_old & same))


def _tss(ypad, mask):
    n = mask.sum(axis=1)
    ybar = np.where(mask, ypad, 0.0).sum(axis=1) / np.maximum(n, 1)
    return np.where(mask, (ypad - ybar[:, None]) ** 2, 0.0).sum(axis=1)


def _p_flat(tss, rss, dfc, n_par):
    """p value of the F test of each curve against a horizontal line (``DoseResponseCurve.flat_test``)."""
    q = n_par - 1
    with np.errstate(all="ignore"):
        F = ((tss - rss) / q) / (rss / dfc)
        return np.where((dfc > 0) & (q > 0) & (rss > 0), stats.f.sf(np.maximum(F, 0.0), max(q, 1), np.maximum(dfc, 1)),
                        np.nan)


# -- the public function ------------------------------------------------------------------------------------------
def fit_many(data, *, dose: str, response: str, curve, model: str = "ll4", fixed=None, ci_level: float = 0.95,
             source: str | None = None, slope_limit: float = SLOPE_LIMIT, fallback: bool = True):
    """Fit every curve of a long table (one row per well) at once.

    Parameters
    ----------
    data : pandas DataFrame, one row per well; dose 0 is the vehicle and takes part in the fit.
    dose, response : column names (doses are concentrations >= 0, not logs).
    curve : column name or list of column names whose combination identifies a curve (compound, cell line, ...).
    model : 'll4' or 'll3' are fitted in one batch; the other models of ``MODELS`` are fitted curve by curve with
        the single-curve fit.
    fixed : public parameters held at values, e.g. ``{"top": 100}`` (as in ``fit``).
    ci_level : level of the IC50 interval (delta method on the log scale, as ``fit``'s default).
    fallback : refit with the single-curve ``fit_curve`` the curves the batch (and its multi-start) leaves
        unconverged and not flat (flag ``refit_single_curve``). Such a refit can take seconds per curve (lmfit's
        multi-start on a ridge); with False those curves keep the batched optimum, flagged ``not_converged``.

    Returns
    -------
    BatchFitResult whose ``table`` (also ``fits``) has one row per curve, in the order curves first appear: the curve
    columns, then the columns of ``fit(...).fits`` with the same names and meanings (hill with Prism's sign, bottom,
    top, e, ic50 with its se and interval, rss, df, n, sigma, aic, bic, flag ...), plus ``hill_se``, ``bottom_se``,
    ``top_se``, ``e_se``, ``r2``, ``rmse`` and ``method`` ('batched', 'single-curve' or 'not fitted'). A curve that
    cannot be fitted (no data, too few distinct doses, no variation, no positive dose) keeps its row, with its flag.
    """
    import pandas as pd

    from ._api import _internal_fixed
    from ._batch_result import BatchFitResult

    if type(data).__module__.startswith("dask"):
        # a dask DataFrame: fitted partition by partition with this same function (see _dask.py)
        from ._dask import fit_many_dask

        return fit_many_dask(data, dose=dose, response=response, curve=curve, model=model, fixed=fixed,
                             ci_level=ci_level, source=source, slope_limit=slope_limit, fallback=fallback)
    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    if not isinstance(data, pd.DataFrame):
        raise AssayDataError("data must be a pandas DataFrame (one row per well)")
    keys = [curve] if isinstance(curve, str) else list(curve)
    if not keys:
        raise AssayDataError("curve must name at least one column")
    check_columns(data, [dose, response, *keys], file=src)
    if not 0 < ci_level < 1:
        raise AssayDataError(f"ci_level must be between 0 and 1; got {ci_level}")
    mdl = get_model(model)
    check_choice("model", mdl.name, tuple(m for m in ("ll4", "ll3", "ll5", "w1", "w2")))
    fixed_int = _internal_fixed(fixed, mdl.name)
    df = data.reset_index(drop=True)
    x = check_numeric(df, dose, file=src, allow_missing=True)
    check_nonnegative(np.where(np.isnan(x), 0.0, x), dose, file=src)
    y = check_numeric(df, response, file=src, allow_missing=True)

    cid_all = df.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    C = int(cid_all.max()) + 1 if cid_all.size else 0
    first = np.full(C, -1)
    first[cid_all[::-1]] = np.arange(cid_all.size)[::-1]
    key_table = df.loc[first, keys].reset_index(drop=True)

    modes = {p: ("fixed" if (p in fixed_int or p in dict(mdl.fixed_default)) else "free") for p in INTERNAL}
    fixed_all = {**dict(mdl.fixed_default), **fixed_int}
    free_names = [p for p in INTERNAL if modes[p] == "free"]
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
    lev_mean = np.bincount(lev, weights=yr) / np.bincount(lev) if lev.size else np.zeros(0)
    lev_L = Lr[newlev]
    kpos, k = _segments(lev_cid, C)
    npos_dose = np.bincount(cid[xr > 0], minlength=C)
    ymin = np.full(C, np.inf)
    ymax = np.full(C, -np.inf)
    np.minimum.at(ymin, cid, yr)
    np.maximum.at(ymax, cid, yr)
    dmin = np.full(C, np.inf)
    dmax = np.full(C, -np.inf)
    np.minimum.at(dmin, cid[xr > 0], xr[xr > 0])
    np.maximum.at(dmax, cid[xr > 0], xr[xr > 0])

    status = np.full(C, "", dtype=object)
    status[n == 0] = "no_data"
    status[(status == "") & (k < 2)] = "too_few_doses"
    status[(status == "") & (k < n_par)] = "too_few_doses"
    status[(status == "") & (n <= n_par)] = "too_few_points"
    status[(status == "") & (npos_dose == 0)] = "no_positive_dose"
    status[(status == "") & (ymax - ymin == 0)] = "no_variation"
    fit_ok = status == ""

    P = int(n.max()) if C and n.size else 0
    K = int(k.max()) if C and k.size else 0
    theta = np.full((C, 5), np.nan)
    rss = np.full(C, np.nan)
    conv = np.zeros(C, bool)
    method = np.where(fit_ok, "batched", "not fitted").astype(object)
    cov_free = np.full((C, n_par, n_par), np.nan)
    refit = np.zeros(C, bool)
    extra_flags: dict[int, list[str]] = {}
    ic50_override: dict[int, tuple] = {}
    idx = np.flatnonzero(fit_ok)
    Lpad = _pad(Lr, cid, pos, C, P, 0.0)
    ypad = _pad(yr, cid, pos, C, P, 0.0)
    mask = np.zeros((C, P), bool)
    mask[cid, pos] = True
    Lpad[~mask] = 0.0
    lo_le = np.where(npos_dose > 0, np.log(np.where(np.isfinite(dmin), dmin, 1.0)) - LE_MARGIN_DECADES * np.log(10), 0)
    hi_le = np.where(npos_dose > 0, np.log(np.where(np.isfinite(dmax), dmax, 1.0)) + LE_MARGIN_DECADES * np.log(10), 0)
    batched = mdl.name in BATCH_MODELS
    free = [PARAM_INDEX[p] for p in free_names]

    if batched and idx.size:
        Lk = _pad(lev_L, lev_cid, kpos, C, K, -np.inf)[idx]
        Mk = _pad(lev_mean, lev_cid, kpos, C, K, 0.0)[idx]
        kmask = np.zeros((C, K), bool)
        kmask[lev_cid, kpos] = True
        kmask = kmask[idx]
        th0 = _starts(Lk, Mk, kmask, fixed_all, slope_limit)
        lower = np.column_stack([np.full(idx.size, -slope_limit), np.full(idx.size, -np.inf),
                                 np.full(idx.size, -np.inf), lo_le[idx], np.full(idx.size, 1e-3)])
        upper = np.column_stack([np.full(idx.size, slope_limit), np.full(idx.size, np.inf),
                                 np.full(idx.size, np.inf), hi_le[idx], np.full(idx.size, 1e3)])
        # start strictly inside the bounds, as the single-curve fit does
        th0[:, 0] = np.clip(th0[:, 0], -slope_limit + 1e-9 * (slope_limit + 1), slope_limit - 1e-9 * (slope_limit + 1))
        th0[:, 3] = np.clip(th0[:, 3], lower[:, 3] + 1e-9 * (np.abs(lower[:, 3]) + 1),
                            upper[:, 3] - 1e-9 * (np.abs(upper[:, 3]) + 1))
        with np.errstate(all="ignore"):
            th_b, rss_b, conv_b, _it = _lm(th0, Lpad[idx], ypad[idx], mask[idx], free, lower, upper)
        # the curves the single-curve fit would call suspicious (_fit._suspicious: not converged, on a bound, singular
        # covariance, or no better than a horizontal line) get a batched multi-start (the grid of _fit._multistart)
        tss_i = _tss(ypad[idx], mask[idx])
        flat_i = _p_flat(tss_i, rss_b, n[idx] - n_par, n_par) >= 0.05
        J, _ = _jacobian(th_b, Lpad[idx], mask[idx], free)
        cov_b = _covariance(np.einsum("cpi,cpj->cij", J, J), rss_b, n[idx] - n_par)
        bound = np.any((th_b[:, free] - lower[:, free] < 1e-6 * np.maximum(1, np.abs(th_b[:, free])))
                       | (upper[:, free] - th_b[:, free] < 1e-6 * np.maximum(1, np.abs(th_b[:, free]))), axis=1)
        singular = ~np.all(np.isfinite(cov_b), axis=(1, 2)) & (n[idx] > n_par)
        failed = np.flatnonzero(~(conv_b & np.isfinite(rss_b)) | flat_i | bound | singular)
        if failed.size:
            with np.errstate(all="ignore"):
                alt = _multistart(th_b[failed], Lpad[idx][failed], ypad[idx][failed], mask[idx][failed], free,
                                  lower[failed], upper[failed], Lk[failed], kmask[failed], slope_limit)
            better = _improves(alt[1], alt[2], rss_b[failed], conv_b[failed])
            sel = failed[better]
            th_b[sel], rss_b[sel], conv_b[sel] = alt[0][better], alt[1][better], alt[2][better]
        theta[idx], rss[idx], conv[idx] = th_b, rss_b, conv_b
        # still not converged: the single-curve fit, unless the curve is flat (no dose effect: its optimum lies at
        # infinity or on a bound, and fit_curve's multi-start takes seconds there without a better answer)
        flat_i = _p_flat(tss_i, rss_b, n[idx] - n_par, n_par) >= 0.05
        refit[idx] = ~(conv_b & np.isfinite(rss_b)) & ~flat_i & fallback
        # covariance s^2 (J'J)^-1 at the optimum, with the checks of _engine.Problem.covariance
        J, _ = _jacobian(th_b, Lpad[idx], mask[idx], free)
        JtJ = np.einsum("cpi,cpj->cij", J, J)
        dfc = n[idx] - n_par
        cov_free[idx] = _covariance(JtJ, rss_b, dfc)
    else:
        refit[idx] = True

    # curves the batch did not settle (or models without a batched fit): the single-curve fit
    for i in np.flatnonzero(refit):
        sel = cid == i
        c = fit_curve(xr[sel], yr[sel], model=mdl, fixed=fixed_int, cov="jtj")
        theta[i], rss[i], conv[i] = c.theta, c.rss, c.converged
        cov_free[i] = c.cov_jtj
        method[i] = "single-curve"
        if batched:
            extra_flags[i] = ["refit_single_curve"]
        if not batched:
            from ._estimates import ed_relative

            ic50_override[i] = ed_relative(c, 50.0, "jtj")

    table = _table(key_table, mdl, theta, rss, conv, cov_free, free_names, n, k, dmin, dmax, status, method,
                   extra_flags, ic50_override, cid, yr, Lr, lo_le, hi_le, slope_limit, ci_level)
    meta = {"analysis": "doseresponse.fit_many", "model": mdl.name, "model_description": mdl.description,
            "drc_equivalent": mdl.drc, "dose": dose, "response": response, "curve": keys,
            "fixed": dict(fixed or {}), "cov": "jtj", "ci_level": ci_level, "ci_scale": "log",
            "slope_limit": slope_limit, "n": len(df), "n_curves": int(C),
            "rows_left_out": int((~ok_rows).sum()), "batched": batched, "source": src,
            "method": ("batched Levenberg-Marquardt across curves (analytic Jacobian), J'J covariance, delta-method "
                       "IC50 interval on the log scale" if batched else "single-curve fit per curve")}
    return BatchFitResult(table=table, meta=meta)


def _covariance(JtJ, rss, dfc):
    """s^2 (J'J)^-1 per curve; NaN where df <= 0, J'J is singular or ill-conditioned (cond > 1e14), or a variance is
    negative (the rules of ``_engine.Problem.covariance``)."""
    C, p, _ = JtJ.shape
    out = np.full((C, p, p), np.nan)
    with np.errstate(all="ignore"):
        s2 = np.where(dfc > 0, rss / np.maximum(dfc, 1), np.nan)
        fin = np.all(np.isfinite(JtJ), axis=(1, 2)) & (dfc > 0)
        if not fin.any():
            return out
        M = JtJ[fin]
        cond = np.linalg.cond(M)
        good = np.isfinite(cond) & (cond <= 1e14)
        inv = np.full_like(M, np.nan)
        if good.any():
            inv[good] = np.linalg.inv(M[good])
        cov = s2[fin, None, None] * inv
        bad = ~np.all(np.isfinite(cov), axis=(1, 2)) | np.any(np.einsum("cii->ci", cov) < 0, axis=1)
        cov[bad] = np.nan
        out[fin] = 0.5 * (cov + np.transpose(cov, (0, 2, 1)))
    return out


def _table(key_table, mdl, theta, rss, conv, cov_free, free_names, n, k, dmin, dmax, status, method, extra_flags,
           ic50_override, cid, yr, Lr, lo_le, hi_le, slope_limit, ci_level):

    C = theta.shape[0]
    n_par = len(free_names)
    dfc = n - n_par
    fitted = status == ""
    b, c, d, le = theta[:, 0], theta[:, 1], theta[:, 2], theta[:, 3]
    se = np.full((C, 5), np.nan)
    diag = np.einsum("cii->ci", cov_free)
    for j, p in enumerate(free_names):
        se[:, PARAM_INDEX[p]] = np.sqrt(np.where(diag[:, j] >= 0, diag[:, j], np.nan))
    for p in INTERNAL:
        if p not in free_names:
            se[:, PARAM_INDEX[p]] = 0.0
    with np.errstate(all="ignore"):
        e = np.exp(le)
        tq = np.where(dfc > 0, stats.t.ppf(0.5 + ci_level / 2, np.maximum(dfc, 1)), np.nan)
        ybar = np.bincount(cid, weights=yr, minlength=C) / np.maximum(n, 1)
        tss = np.bincount(cid, weights=(yr - ybar[cid]) ** 2, minlength=C)
        r2 = 1.0 - rss / tss
        rmse = np.sqrt(rss / n)
        sigma = np.where(dfc > 0, np.sqrt(rss / np.maximum(dfc, 1)), np.nan)
        # flat test: F of the curve against a horizontal line
        q = n_par - 1
        F = ((tss - rss) / q) / (rss / dfc)
        p_flat = np.where((dfc > 0) & (q > 0) & (rss > 0), stats.f.sf(np.maximum(F, 0.0), q, np.maximum(dfc, 1)),
                          np.nan)
        # Prism's dependency 1 - 1 / (C_ii (C^-1)_ii); C^-1 = J'J / s^2, so it is 1 - 1 / (cov_ii * (cov^-1)_ii)
        fin_cov = np.all(np.isfinite(cov_free), axis=(1, 2))
        dep_bad = np.zeros(C, bool)
        if fin_cov.any():
            Cf = cov_free[fin_cov]
            try:
                Ci = np.linalg.inv(Cf)
                depv = 1.0 - 1.0 / (np.einsum("cii->ci", Cf) * np.einsum("cii->ci", Ci))
                dep_bad[fin_cov] = np.any(np.isfinite(depv) & (depv > DEPENDENCY_LIMIT), axis=1)
            except np.linalg.LinAlgError:
                dep_bad[fin_cov] = True
        # IC50 (relative ED50): e for ll3/ll4; se = e * se(le); the interval from the log scale
        ic50 = e.copy()
        ic50_se = e * se[:, 3]
        for i, (est, s) in ic50_override.items():
            ic50[i], ic50_se[i] = est, s
        half = tq * ic50_se / ic50
        ci_lo, ci_hi = ic50 * np.exp(-half), ic50 * np.exp(half)
        # absolute IC50: dose at which the fitted response is half the vehicle plateau
        plateau0 = np.where(b > 0, d, c) if mdl.shape in ("ll", "w1") else np.where(b > 0, c, d)
        level_y = 0.5 * plateau0
        hval = (level_y - c) / (d - c)
        abs_ic50 = np.full(C, np.nan)
        if mdl.shape == "ll":
            inside = np.isfinite(hval) & (hval > 0) & (hval < 1)
            f = theta[:, 4]
            abs_ic50 = np.where(inside, np.exp(le + np.log(hval ** (-1.0 / f) - 1.0) / b), np.nan)
        emax = c + (d - c) * special.expit(-np.clip(b * (np.log(dmax) - le), -700, 700))
        if mdl.name == "ll5":
            emax = c + (d - c) * special.expit(-np.clip(b * (np.log(dmax) - le), -700, 700)) ** theta[:, 4]
        loglik = -0.5 * n * (np.log(2 * np.pi) + np.log(rss / n) + 1.0)
        aic = -2.0 * loglik + 2.0 * (n_par + 1)
        bic = -2.0 * loglik + np.log(n) * (n_par + 1)
    rows_flag, relation = [], []
    for i in range(C):
        if not fitted[i]:
            rows_flag.append(status[i])
            relation.append("")
            continue
        fl = list(extra_flags.get(i, []))
        if not conv[i]:
            fl.append("not_converged")
        span_b = 1e-6 * max(1.0, abs(b[i]))
        if "b" in free_names and (b[i] + slope_limit < span_b or slope_limit - b[i] < span_b):
            fl.append("at_bound:hill")
        span_e = 1e-6 * max(1.0, abs(le[i]))
        if "le" in free_names and (le[i] - lo_le[i] < span_e or hi_le[i] - le[i] < span_e):
            fl.append("at_bound:e")
        if dfc[i] <= 0:
            fl.append("no_residual_df")
        if not fin_cov[i] or dep_bad[i]:
            fl.append("ambiguous")
        flat = bool(np.isfinite(p_flat[i]) and p_flat[i] >= 0.05)
        if flat:
            fl.append("flat")
        rel = "" if not np.isfinite(ic50[i]) else (">" if ic50[i] > dmax[i] else "<" if ic50[i] < dmin[i] else "=")
        if rel == ">":
            fl.append("ic50_above_range")
        elif rel == "<":
            fl.append("ic50_below_range")
        if rel != "=" or flat:
            ic50[i] = ic50_se[i] = ci_lo[i] = ci_hi[i] = np.nan
        if not np.isfinite(abs_ic50[i]):
            fl.append("abs_ic50_not_reached")
        elif not dmin[i] <= abs_ic50[i] <= dmax[i]:
            fl.append("abs_ic50_outside_range")
            abs_ic50[i] = np.nan
        rows_flag.append(";".join(fl) if fl else "ok")
        relation.append(rel)
    nanfit = ~fitted
    hill = mdl.hill_sign * b
    out = key_table.copy()
    cols = {
        "model": mdl.name, "n": n.astype(int), "bottom": c, "top": d, "hill": hill,
        "ic50": ic50, "ic50_se": ic50_se, "ic50_ci_low": ci_lo, "ic50_ci_high": ci_hi, "ci_level": ci_level,
        "abs_ic50": abs_ic50, "aic": aic, "converged": conv & fitted, "flag": rows_flag,
        "ic50_relation": relation, "abs_response": level_y, "e": e, "emax": emax, "bic": bic, "rss": rss,
        "df": dfc.astype(int), "sigma": sigma, "dose_min": np.where(np.isfinite(dmin), dmin, np.nan),
        "dose_max": np.where(np.isfinite(dmax), dmax, np.nan), "cov": "jtj", "ci_method": "delta (log scale)",
        "hill_se": se[:, 0], "bottom_se": se[:, 1], "top_se": se[:, 2], "e_se": e * se[:, 3],
        "r2": r2, "rmse": rmse, "n_doses": k.astype(int), "method": method,
    }
    for name, val in cols.items():
        out[name] = val
    num = ["bottom", "top", "hill", "ic50", "ic50_se", "ic50_ci_low", "ic50_ci_high", "abs_ic50", "aic",
           "abs_response", "e", "emax", "bic", "rss", "sigma", "hill_se", "bottom_se", "top_se", "e_se", "r2", "rmse"]
    out.loc[nanfit, num] = np.nan
    if mdl.name == "ll5":
        out["f"] = theta[:, 4]
    return out
