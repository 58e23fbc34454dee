"""``assaystats.doseresponse.gr_metrics``: growth-rate inhibition (GR) values and metrics of whole screens.

Hafner, Niepel, Chung & Sorger (2016), Nat Methods 13:521, as the GR calculator computes them (the R package
GRmetrics, ``.GRcalculate`` and ``.GRlogisticFit``; the Python ``gr50`` module of datarail/gr_metrics):

- per well ``GR(c) = 2 ** (log2(x(c) / x0) / log2(x_ctrl / x0)) - 1`` (x0: time-zero count, x_ctrl: untreated
  control count at the end of the assay);
- per curve the sigmoid ``GR(c) = GRinf + (1 - GRinf) / (1 + (c / GEC50) ** h_GR)`` (drc's LL.3u, upper limit 1)
  by least squares within the calculator's bounds (h_GR in [0.1, 5], GRinf in [-1, 1], GEC50 in
  [min(c) / 100, max(c) * 100]);
- an F test of the sigmoid against a flat line at the mean GR (df 2 and n - 2, the calculator's degrees of
  freedom); when p >= ``pcutoff`` (0.05) the curve is 'flat': GEC50 = 0, h_GR = 0.01, GRinf = the mean GR and
  GR50 = +inf (mean > 0.5) or -inf, as the calculator reports it;
- GR50 = GEC50 ((1 - GRinf) / (0.5 - GRinf) - 1) ** (1 / h_GR) (+/-inf by the mean GR when the curve never
  reaches 0.5), GRmax = the lowest GR at the two highest doses, GR_AOC = the trapezoid area between 1 and the mean
  GR per dose over log10 dose, divided by the log10 dose range, r2_GR = 1 - RSS_sigmoid / RSS_flat.

Why a fit of its own rather than ``fit_many``: the GR sigmoid has its upper limit fixed at 1, hard box bounds on
all three parameters (the calculator's, which decide GR50 and the F test) and a plain-dose parameterisation;
``fit_many``'s LL.4/LL.3 fix the lower limit and use other bounds (a slope limit, a log-EC50 margin), so its
optimum is not the calculator's. The fit here is vectorised across curves on padded (curves x points) arrays:
GRinf enters the model linearly, so a grid over (log10 GEC50, h_GR) (41 x 13) with the optimal GRinf in closed
form (clipped to its bounds) gives every curve one start per band of h_GR (below 0.5, 0.5-1.5, 1.5-4.5, the bound
5: a shallow curve and a steep step between two doses are separate basins); a batched projected
Levenberg-Marquardt (analytic Jacobian, per-curve damping, active bounds frozen) runs 25 iterations from each
start and the best to convergence. On 3,096 simulated curves this was never worse than one descent from an
81 x 30 grid (which one start from the 41 x 13 grid missed on 5 curves, by 0.6-4 % of the RSS). Curves the batch
leaves unconverged are finished by ``scipy.optimize.least_squares`` (bounded trust region) one by one. The
calculator's own R fit (drc, relTol 1e-6, one start at h 2, GRinf 0.1, GEC50 = median dose) sometimes stops in a
local optimum; this fit's residual sum of squares is never larger (see tests/reference/gr/README.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

    from ._gr_result import GRMetricsResult

import functools

import numpy as np

from .._validate import check_columns, check_no_missing, check_nonnegative, check_numeric, row_list
from ..errors import AssayDataError

__all__ = ["GEC50_DECADES", "GRINF_BOUNDS", "H_BOUNDS", "PCUTOFF", "gr_metrics", "gr_sigmoid"]

#: the calculator's F-test cutoff: p >= PCUTOFF gives a flat fit (R's ``force=TRUE`` is ``pcutoff=1``)
PCUTOFF = 0.05
#: bounds of the calculator (GRmetrics ``.GRlogisticFit``; gr50 ``_metrics``)
H_BOUNDS = (0.1, 5.0)
GRINF_BOUNDS = (-1.0, 1.0)
#: GEC50 may lie this many decades beyond the lowest and the highest tested dose
GEC50_DECADES = 2.0
#: h_GR and GEC50 the calculator reports for a flat fit
FLAT_H = 0.01
FLAT_GEC50 = 0.0

_LN10 = np.log(10.0)
_GRID_U = 41
#: h_GR bands with a start each (see _grid_start)
_H_BANDS = (0.5, 1.5, 4.5)
_GRID_H = np.array([0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0, 4.0, 5.0])
_MAX_ITER = 500
#: iterations of each start before the best one is run to convergence
_START_ITER = 25
_FTOL = 1e-15
_XTOL = 1e-10
_BLOCK = 2048


@functools.lru_cache(maxsize=1)
def _versions():
    """software versions for ``meta`` (read once: importlib.metadata costs 70 ms a call)"""
    from .._result import versions

    return versions()


def gr_sigmoid(dose, grinf, gec50, h_gr):
    """The GR curve ``GRinf + (1 - GRinf) / (1 + (dose / GEC50) ** h_GR)`` (numpy broadcasting)."""
    dose = np.asarray(dose, dtype=float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return grinf + (1.0 - grinf) / (1.0 + (dose / gec50) ** h_gr)


# -- input --------------------------------------------------------------------------------------------------
def _keys_text(df, keys, rows) -> str:
    r = df.iloc[int(rows[0])]
    return ", ".join(f"{k}={r[k]!r}" for k in keys)


def _positive(values, column, rows, file, what):
    """counts must be > 0 (log2 of the ratio); names the first rows (1-based data rows)."""
    bad = rows[~(values[rows] > 0)]
    if bad.size:
        raise AssayDataError(
            f"column {column!r} has {bad.size} {what} count{'s' if bad.size > 1 else ''} <= 0 "
            f"({row_list(bad, values[bad].tolist())}); GR values need positive counts (log2 of count ratios): "
            "check the export, or replace a zero count by the detection limit", file=file, column=column,
            rows=(bad + 1).tolist())


def _trim_mean_r(x) -> float:
    """The calculator's 50 % trimmed mean (GRmetrics ``.trim_mean(x, 50)``): k = n / 4 values cut at each end, k
    rounded to the nearest integer and rounded down when it is a half integer (scipy's trim_mean always rounds
    down, which differs for n = 3, 7, 11 ...)."""
    x = np.sort(np.asarray(x, dtype=float)[~np.isnan(x)])
    n = x.size
    k = n * 0.25
    cut = int(np.floor(k)) if (k * 2).is_integer() and not k.is_integer() else int(np.floor(k + 0.5))
    return float(x[cut:n - cut].mean())


def _match_rows(df, treated, ref, by, *, what, column, file):
    """For each treated row the 50 % trimmed mean of the count over the ``ref`` rows with the same ``by`` values."""
    import pandas as pd

    ref_df = df.loc[ref, by].copy()
    ref_df["__count"] = df.loc[ref, "__count"].to_numpy()
    if by:
        agg = ref_df.groupby(by, dropna=False, sort=False)["__count"].agg(_trim_mean_r).rename("__m").reset_index()
        left = df.loc[treated, by].reset_index()
        merged = left.merge(agg, on=by, how="left")
        out = pd.Series(merged["__m"].to_numpy(), index=merged["index"].to_numpy())
        out = out.reindex(df.index[treated]).to_numpy()
    else:
        out = np.full(int(treated.sum()), _trim_mean_r(ref_df["__count"].to_numpy()) if ref.any() else np.nan)
    miss = np.flatnonzero(treated)[np.isnan(out)]
    if miss.size:
        on = f" on {', '.join(map(repr, by))}" if by else ""
        raise AssayDataError(
            f"no {what} rows match {row_list(miss)} ({_keys_text(df, by, miss) if by else 'all rows'}){on}; every "
            f"curve needs a {what} count (rows with {column} as described in gr_metrics' help)",
            file=file, column=column, rows=(miss + 1).tolist())
    return out


def _auto_by(df, treated, ref, keys):
    """The calculator's case-C rule: a key matches controls to wells when some value occurs in both."""
    from .._validate import label_values

    out = []
    for k in keys:
        a = set(label_values(df.loc[treated, k]))
        b = set(label_values(df.loc[ref, k]))
        if a & b:
            out.append(k)
    return out


# -- batched fit --------------------------------------------------------------------------------------------
def _shape(L, u, h):
    """s = 1 / (1 + 10 ** (h (L - u))) on (C, P) log10 doses."""
    from scipy import special

    z = np.clip(h[:, None] * _LN10 * (L - u[:, None]), -700.0, 700.0)
    return special.expit(-z)


def _state(th, L, y, mask):
    g, u, h = th[:, 0], th[:, 1], th[:, 2]
    s = _shape(L, u, h)
    w = 1.0 - s
    f = s + g[:, None] * w
    r = np.where(mask, y - f, 0.0)
    q = s * w * _LN10 * (1.0 - g)[:, None]  # -(d f / d z) * ln10 with z = h ln10 (L - u)
    J = np.stack([w, q * h[:, None], -q * (L - u[:, None])], axis=-1) * mask[:, :, None]
    return (r * r).sum(axis=1), r, J


def _grid_start(L, y, mask, ulo, uhi):
    """Starts (GRinf, log10 GEC50, h) per curve from a grid of (log10 GEC50, h) with GRinf in closed form (clipped to
    its bounds): the best grid point within each band of h (``_H_BANDS``), shape (C, bands, 3). One start per band
    because the GR sigmoid's least squares has separate basins (a shallow curve and a steep step), which one
    descent from the overall best grid point misses on about 1 curve in 600 (measured against an 81 x 30 grid)."""
    from scipy import special

    C = L.shape[0]
    edges = np.asarray(_H_BANDS)
    band = np.searchsorted(edges, _GRID_H, side="right")
    B = edges.size + 1
    best = np.full((C, B), np.inf)
    th = np.zeros((C, B, 3))
    U = ulo[:, None] + (uhi - ulo)[:, None] * np.linspace(0.0, 1.0, _GRID_U)[None, :]  # (C, G)
    m = mask[:, None, :]
    y3 = y[:, None, :]
    D = L[:, None, :] - U[:, :, None]
    rows = np.arange(C)
    for hv, b in zip(_GRID_H, band):
        s = special.expit(-np.clip(hv * _LN10 * D, -700.0, 700.0))
        w = np.where(m, 1.0 - s, 0.0)
        ww = (w * w).sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.where(ww > 0, (w * (y3 - s)).sum(axis=2) / ww, 0.0)
        g = np.clip(g, *GRINF_BOUNDS)
        r = np.where(m, y3 - s - g[:, :, None] * w, 0.0)
        rss = (r * r).sum(axis=2)
        j = np.argmin(rss, axis=1)
        rb = rss[rows, j]
        better = rb < best[:, b]
        best[better, b] = rb[better]
        th[better, b] = np.column_stack([g[rows, j], U[rows, j], np.full(C, hv)])[better]
    # a band without any grid value of h keeps the overall best start
    empty = ~np.isfinite(best)
    if empty.any():
        top = th[rows, np.argmin(best, axis=1)]
        th[empty] = np.broadcast_to(top[:, None, :], th.shape)[empty]
    return th


def _lm(th, L, y, mask, lo, hi, max_iter=_MAX_ITER):
    """Batched projected Levenberg-Marquardt; returns parameters, RSS and a converged flag per curve."""
    C = th.shape[0]
    th = th.copy()
    rss, r, J = _state(th, L, y, mask)
    lam = np.full(C, 1e-3)
    conv = np.zeros(C, bool)
    act = np.arange(C)
    eye = np.eye(3)
    for _ in range(max_iter):
        if act.size == 0:
            break
        Ja, ra, tha = J[act], r[act], th[act]
        A = np.einsum("cpi,cpj->cij", Ja, Ja)
        b = np.einsum("cpi,cp->ci", Ja, ra)
        span = hi[act] - lo[act]
        at_lo = (tha <= lo[act] + 1e-12 * span) & (b < 0)
        at_hi = (tha >= hi[act] - 1e-12 * span) & (b > 0)
        free = ~(at_lo | at_hi)
        fm = free[:, :, None] & free[:, None, :]
        d = np.einsum("cii->ci", A)
        M = np.where(fm, A, 0.0) + eye[None] * (np.where(free, lam[act, None] * (d + 1e-12), 1.0))[:, None, :]
        with np.errstate(all="ignore"):
            try:
                step = np.linalg.solve(M, np.where(free, b, 0.0)[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:  # pragma: no cover - M is positive definite by construction
                step = np.where(free, b, 0.0) / np.where(free, lam[act, None] * (d + 1e-12), 1.0)
        step = np.where(np.isfinite(step), step, 0.0)
        new = np.clip(tha + step, lo[act], hi[act])
        rss_n, r_n, J_n = _state(new, L[act], y[act], mask[act])
        acc = rss_n < rss[act]
        gain = np.where(acc, rss[act] - rss_n, 0.0)
        ia = act[acc]
        th[ia], rss[ia], r[ia], J[ia] = new[acc], rss_n[acc], r_n[acc], J_n[acc]
        lam[act] = np.where(acc, np.maximum(lam[act] / 3.0, 1e-12), lam[act] * 4.0)
        moved = (np.abs(new - tha) / (np.abs(tha) + 1e-8)).max(axis=1)
        done = (acc & ((gain <= _FTOL * (rss[act] + 1e-12)) | (moved <= _XTOL))) | (lam[act] > 1e12)
        conv[act[done]] = True
        act = act[~done]
    return th, rss, conv


def _refit_single(th0, x, yv, lo, hi):
    """scipy's bounded trust-region fit of one curve (for the few the batch leaves unconverged)."""
    from scipy.optimize import least_squares

    Lc = np.log10(x)

    def res(t):
        return gr_sigmoid(10.0 ** Lc, t[0], 10.0 ** t[1], t[2]) - yv

    sol = least_squares(res, np.clip(th0, lo, hi), bounds=(lo, hi), method="trf", xtol=1e-12, ftol=1e-12,
                        gtol=1e-12, max_nfev=2000)
    return sol.x, float(np.sum(sol.fun ** 2))


def _fit_curves(L, y, mask, lo, hi):
    """Fit every padded curve: a short descent (``_START_ITER`` iterations) from each of its starts, then the best
    of them to convergence. Blocks of curves bound the grid's memory."""
    C = L.shape[0]
    th = np.zeros((C, 3))
    rss = np.zeros(C)
    conv = np.zeros(C, bool)
    for a in range(0, C, _BLOCK):
        sl = slice(a, min(C, a + _BLOCK))
        starts = _grid_start(L[sl], y[sl], mask[sl], lo[sl, 1], hi[sl, 1])
        n, B = starts.shape[:2]
        rep = np.repeat(np.arange(a, a + n), B)
        t_all, r_all, _ = _lm(starts.reshape(-1, 3), L[rep], y[rep], mask[rep], lo[rep], hi[rep],
                              max_iter=_START_ITER)
        r_all = np.where(np.isfinite(r_all), r_all, np.inf).reshape(n, B)
        pick = np.arange(n) * B + np.argmin(r_all, axis=1)
        th[sl], rss[sl], conv[sl] = _lm(t_all[pick], L[sl], y[sl], mask[sl], lo[sl], hi[sl])
    return th, rss, conv


# -- public -------------------------------------------------------------------------------------------------
def _reference_counts(df, counts, treated, tr_rows, is_ref, column_name, match_by, all_keys, keys, *, cell_count,
                      what, column, src, meta, absent):
    """The control (or time-zero) count of every treated well: from its own column (case A), or from the reference
    rows (dose 0 / time 0; case C) averaged by the calculator's trimmed mean and matched on ``match_by``."""
    key = "control" if what == "control" else "t0"
    if column_name is None:
        if not is_ref.any():
            raise AssayDataError(absent, file=src, column=column)
        _positive(counts, cell_count, np.flatnonzero(is_ref), src, what)
        by = list(match_by) if match_by is not None else _auto_by(df, treated, is_ref, all_keys)
        check_columns(df, by, file=src)
        out = _match_rows(df, treated, is_ref, by, what=what, column=column, file=src)
        meta[f"{key}_by"] = by
        meta[f"n_{key}_rows"] = int(is_ref.sum())
        return out
    v = check_numeric(df, column_name, file=src, allow_missing=True)
    miss = tr_rows[np.isnan(v[tr_rows])]
    if miss.size:
        raise AssayDataError(f"column {column_name!r} has no {what} count for {row_list(miss)} "
                             f"({_keys_text(df, keys, miss)}); every curve needs one", file=src,
                             column=column_name, rows=(miss + 1).tolist())
    _positive(v, column_name, tr_rows, src, what)
    return v[treated]


def gr_metrics(data: pd.DataFrame, *, dose: str = "concentration", curve, cell_count: str = "cell_count",
               control_count: str | None = None, t0_count: str | None = None, time: str | None = None,
               control_by=None, t0_by=None, pcutoff: float = PCUTOFF, cap: bool = False,
               source: str | None = None) -> GRMetricsResult:
    """GR values per well and GR metrics per curve (Hafner et al. 2016), as the GR calculator computes them.

    Parameters
    ----------
    data : pandas DataFrame, one row per well (treated wells, and in case C also control and time-zero wells).
    dose : column of concentrations (not logs; > 0 for treated wells).
    curve : column name or list of column names whose combination identifies one dose-response curve (the
        calculator's ``groupingVariables``: cell line, agent, replicate, time ...).
    cell_count : column of the cell count (or surrogate) at the end of treatment.
    control_count : column of the untreated control count assigned to each well (the calculator's case A,
        ``cell_count__ctrl``). None: control counts are read from the rows with dose 0 (case C; time > 0 when
        ``time`` is given), averaged by the calculator's 50 % trimmed mean and matched to wells on ``control_by``.
    t0_count : column of the time-zero count assigned to each well (case A, ``cell_count__time0``). None: read
        from the rows with ``time`` == 0 (case C), trimmed-mean averaged, matched on ``t0_by``.
    time : column of treatment time; needed when ``t0_count`` is None.
    A dask DataFrame is accepted in case A (``control_count`` and ``t0_count`` columns): the rows of each curve are
    put into one partition (``partition_by_curve``) and every partition goes through this same function; the
    Result equals the in-memory one for ``data.compute()``.
    control_by, t0_by : columns that match control / time-zero rows to wells. Default: the calculator's rule, the
        columns among ``curve`` and ``time`` in which the reference rows share a value with the treated wells.
    pcutoff : F-test cutoff; p >= pcutoff gives a flat fit (1 is R's force=TRUE; above 1 no curve is made flat).
    cap : set GR values above 1 to 1 before fitting (the calculator's ``cap``).
    source : file name used in error messages.

    Returns
    -------
    GRMetricsResult: ``table`` (also ``metrics``), one row per curve in order of first appearance: the curve
    columns, ``GR50``, ``GRmax``, ``GR_AOC``, ``GEC50``, ``GRinf``, ``h_GR``, ``r2_GR``, ``pval_GR``, ``fit_GR``
    ('sigmoid', 'flat' or 'not fitted'), ``flat_fit_GR`` (the mean GR of a flat curve, else NaN), ``rss``
    (sigmoid), ``n`` (wells with a GR value), ``n_doses``, ``dose_min``, ``dose_max``, ``flag`` ('ok' or flags
    joined by ';': too_few_points, too_few_doses, control_equals_time0, control_below_time0, no_variation,
    gec50_at_bound, refit_single_curve). ``values``: one row per treated well, the curve columns, dose and count
    columns, ``control_count``, ``t0_count``, ``GR``, ``rel_cell_count`` and ``row`` (1-based input row).
    """
    import pandas as pd
    from scipy import stats

    from ._gr_result import GRMetricsResult

    if type(data).__module__.startswith("dask"):
        # a dask DataFrame: whole curves per partition, each through this same function (_gr_metrics_dask)
        return _gr_metrics_dask(data, dose=dose, curve=curve, cell_count=cell_count, control_count=control_count,
                                t0_count=t0_count, time=time, control_by=control_by, t0_by=t0_by, pcutoff=pcutoff,
                                cap=cap, source=source)
    from ._batch import screen_input

    src, keys = screen_input(data, curve, source)
    if not 0 < pcutoff:
        raise AssayDataError(f"pcutoff must be > 0; got {pcutoff}")
    if t0_count is None and time is None:
        raise AssayDataError("t0_count is not given, so time-zero counts are read from the rows with time 0: "
                             "name the time column with time=, or give the time-zero count column as t0_count=")
    check_columns(data, [dose, cell_count, control_count, t0_count, time, *keys], file=src)
    for name in ("control_count", "t0_count", "GR", "rel_cell_count", "row"):
        if name in (dose, cell_count, *keys):
            raise AssayDataError(f"column {name!r} is a name of the output table; rename that column", file=src,
                                 column=name)
    df = data.reset_index(drop=True).copy()
    nrow = len(df)
    tvals = check_numeric(df, time, file=src, allow_missing=True) if time is not None else None
    if tvals is not None:
        check_no_missing(tvals, time, file=src)
    is_t0 = (tvals == 0) if (t0_count is None) else np.zeros(nrow, bool)
    x = check_numeric(df, dose, file=src, allow_missing=True)
    check_no_missing(np.where(is_t0, 0.0, x), dose, file=src)  # time-zero rows need no dose
    x = np.where(is_t0, np.nan, x)
    check_nonnegative(np.where(np.isnan(x), 0.0, x), dose, file=src)
    counts = check_numeric(df, cell_count, file=src)
    is_ctrl = (x == 0) & ~is_t0
    treated = (x > 0) & ~is_t0
    if tvals is not None:
        bad = np.flatnonzero(~is_t0 & (tvals < 0))
        if bad.size:
            raise AssayDataError(f"column {time!r} has negative times ({row_list(bad)})", file=src, column=time,
                                 rows=(bad + 1).tolist())
    if not treated.any():
        raise AssayDataError(f"column {dose!r} has no dose > 0: there is no treated well", file=src, column=dose)
    df["__count"] = counts
    tr_rows = np.flatnonzero(treated)
    _positive(counts, cell_count, tr_rows, src, "cell")

    all_keys = list(dict.fromkeys(keys + ([time] if time is not None else [])))
    meta_match = {}
    ctrl = _reference_counts(df, counts, treated, tr_rows, is_ctrl, control_count, control_by, all_keys, keys,
                             cell_count=cell_count, what="control", column=dose, src=src, meta=meta_match,
                             absent=f"control_count is not given and no row has {dose} = 0: every curve needs a "
                                    "control count (a column, or control rows with dose 0)")
    if control_count is not None:
        meta_match["n_untreated_rows_not_used"] = int(is_ctrl.sum())
    x0 = _reference_counts(df, counts, treated, tr_rows, is_t0, t0_count, t0_by, all_keys, keys,
                           cell_count=cell_count, what="time-zero", column=time, src=src, meta=meta_match,
                           absent=f"t0_count is not given and no row has {time} = 0: every curve needs a time-zero "
                                  "count (a column, or rows with time 0)")

    # -- GR values per well (GRmetrics .GRcalculate) --------------------------------------------------------
    xc = counts[treated]
    dtr = x[treated]
    with np.errstate(divide="ignore", invalid="ignore"):
        lnn = np.log2(xc / x0)
        lctrl = np.log2(ctrl / x0)
        gr = np.where(lctrl != 0, 2.0 ** (lnn / np.where(lctrl != 0, lctrl, 1.0)) - 1.0, np.nan)
    rel = xc / ctrl
    if cap:
        gr = np.minimum(gr, 1.0)
        rel = np.minimum(rel, 1.0)
    sub = df.loc[treated].reset_index(drop=True)
    cid_all = sub.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    C = int(cid_all.max()) + 1
    first = np.full(C, -1)
    first[cid_all[::-1]] = np.arange(cid_all.size)[::-1]
    key_table = sub.loc[first, keys].reset_index(drop=True)
    extra = {col: v for col, v in ((dose, dtr), (cell_count, xc)) if col not in keys}
    extra.update({"control_count": ctrl, "t0_count": x0, "GR": gr, "rel_cell_count": rel, "row": tr_rows + 1})
    values = pd.concat([sub[keys].reset_index(drop=True), pd.DataFrame(extra)], axis=1)

    flags = [[] for _ in range(C)]
    for c in np.unique(cid_all[lctrl == 0]):
        flags[c].append("control_equals_time0")
    for c in np.unique(cid_all[lctrl < 0]):
        flags[c].append("control_below_time0")

    # -- per-curve summaries that need no fit ----------------------------------------------------------------
    ok = np.isfinite(gr)
    order = np.lexsort((dtr, cid_all))
    cid_s, d_s, g_s, ok_s = cid_all[order], dtr[order], gr[order], ok[order]
    n = np.bincount(cid_all[ok], minlength=C)
    new = np.ones(cid_s.size, bool)
    new[1:] = (cid_s[1:] != cid_s[:-1]) | (d_s[1:] != d_s[:-1])
    lev = np.cumsum(new) - 1
    lev_c, lev_d = cid_s[new], d_s[new]
    with np.errstate(invalid="ignore", divide="ignore"):
        lev_mean = (np.bincount(lev[ok_s], weights=g_s[ok_s], minlength=lev_c.size)
                    / np.bincount(lev[ok_s], minlength=lev_c.size))
    n_doses = np.bincount(lev_c[np.isfinite(lev_mean)], minlength=C)
    dmin = np.full(C, np.inf)
    dmax = np.full(C, -np.inf)
    np.minimum.at(dmin, cid_all, dtr)
    np.maximum.at(dmax, cid_all, dtr)
    # GRmax: the lowest GR at the two highest doses of the curve (the calculator's robust minimum)
    cnt = np.bincount(lev_c, minlength=C)
    start = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    rank_from_top = cnt[lev_c] - (np.arange(lev_c.size) - start[lev_c])  # 1 = highest dose
    top2 = (rank_from_top[lev] <= 2) & ok_s
    grmax = np.full(C, np.inf)
    np.minimum.at(grmax, cid_s[top2], g_s[top2])
    grmax[~np.isfinite(grmax)] = np.nan
    # GR_AOC: trapezoids of 1 - mean GR per dose over log10 dose, / log10 range (the calculator skips NaN segments)
    ld = np.log10(lev_d)
    same = np.zeros(lev_c.size, bool)
    same[1:] = lev_c[1:] == lev_c[:-1]
    seg = np.flatnonzero(same)
    area = (1.0 - (lev_mean[seg] + lev_mean[seg - 1]) / 2.0) * (ld[seg] - ld[seg - 1])
    fin = np.isfinite(area)
    aoc_num = np.bincount(lev_c[seg][fin], weights=area[fin], minlength=C)
    with np.errstate(invalid="ignore", divide="ignore"):
        aoc = aoc_num / (np.log10(dmax) - np.log10(dmin))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gr = np.bincount(cid_all[ok], weights=gr[ok], minlength=C) / n

    # -- sigmoid fits, all curves at once -------------------------------------------------------------------
    fit_ok = (n >= 3) & (n_doses >= 2)
    for c in np.flatnonzero(n < 3):
        flags[c].append("too_few_points")
    for c in np.flatnonzero((n >= 3) & (n_doses < 2)):
        flags[c].append("too_few_doses")
    fc = np.flatnonzero(fit_ok)
    F = fc.size
    rows_f = ok & fit_ok[cid_all]
    # position of each fitted well in its padded row
    remap = np.full(C, -1)
    remap[fc] = np.arange(F)
    rc = remap[cid_all[rows_f]]
    o = np.argsort(rc, kind="stable")
    rc_s = rc[o]
    cntf = np.bincount(rc_s, minlength=F)
    P = int(cntf.max()) if F else 0
    pos = np.arange(rc_s.size) - np.concatenate([[0], np.cumsum(cntf)[:-1]])[rc_s]
    L = np.zeros((F, P))
    Y = np.zeros((F, P))
    mask = np.zeros((F, P), bool)
    L[rc_s, pos] = np.log10(dtr[rows_f][o])
    Y[rc_s, pos] = gr[rows_f][o]
    mask[rc_s, pos] = True
    lo = np.column_stack([np.full(F, GRINF_BOUNDS[0]), np.log10(dmin[fc]) - GEC50_DECADES, np.full(F, H_BOUNDS[0])])
    hi = np.column_stack([np.full(F, GRINF_BOUNDS[1]), np.log10(dmax[fc]) + GEC50_DECADES, np.full(F, H_BOUNDS[1])])
    th, rss2, conv = _fit_curves(L, Y, mask, lo, hi) if F else (np.zeros((0, 3)), np.zeros(0), np.zeros(0, bool))
    for j in np.flatnonzero(~conv):
        m = mask[j]
        t_new, r_new = _refit_single(th[j], 10.0 ** L[j, m], Y[j, m], lo[j], hi[j])
        if r_new < rss2[j]:
            th[j], rss2[j] = t_new, r_new
        flags[fc[j]].append("refit_single_curve")

    # -- F test against the flat line, the calculator's replacement rule ----------------------------------
    GR50 = np.full(C, np.nan)
    GEC50 = np.full(C, np.nan)
    GRinf = np.full(C, np.nan)
    hgr = np.full(C, np.nan)
    r2 = np.full(C, np.nan)
    pval = np.full(C, np.nan)
    rss_s = np.full(C, np.nan)
    fit_kind = np.full(C, "not fitted", dtype=object)
    flat_fit = np.full(C, np.nan)
    if F:
        rss1 = np.where(mask, (Y - mean_gr[fc][:, None]) ** 2, 0.0).sum(axis=1)
        nf = n[fc]
        with np.errstate(invalid="ignore", divide="ignore"):
            fstat = ((rss1 - rss2) / 2.0) / (rss2 / (nf - 2))
            p = stats.f.sf(fstat, 2, nf - 2)
            r2f = 1.0 - rss2 / rss1
        novar = rss1 <= 1e-30 * np.maximum(1.0, (Y * Y * mask).sum(axis=1))
        p = np.where(novar, np.nan, p)
        r2f = np.where(novar, np.nan, r2f)
        for j in np.flatnonzero(novar):
            flags[fc[j]].append("no_variation")
        g, e, h = th[:, 0], 10.0 ** th[:, 1], th[:, 2]
        at_edge = (th[:, 1] <= lo[:, 1] + 1e-9) | (th[:, 1] >= hi[:, 1] - 1e-9)
        flat = novar | ~(p < pcutoff)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            base = (1.0 - g) / (0.5 - g) - 1.0
            gr50 = np.where(base > 0, e * base ** (1.0 / h), np.nan)
        gr50 = np.where(g == 0.5, np.inf, gr50)
        side = np.where(mean_gr[fc] > 0.5, np.inf, -np.inf)
        gr50 = np.where(np.isnan(gr50), side, gr50)
        GR50[fc] = np.where(flat, side, gr50)
        GEC50[fc] = np.where(flat, FLAT_GEC50, e)
        hgr[fc] = np.where(flat, FLAT_H, h)
        GRinf[fc] = np.where(flat, mean_gr[fc], g)
        flat_fit[fc] = np.where(flat, mean_gr[fc], np.nan)
        fit_kind[fc] = np.where(flat, "flat", "sigmoid")
        r2[fc], pval[fc], rss_s[fc] = r2f, p, rss2
        for j in np.flatnonzero(at_edge & ~flat):
            flags[fc[j]].append("gec50_at_bound")

    cols = {"GR50": GR50, "GRmax": grmax, "GR_AOC": aoc, "GEC50": GEC50, "GRinf": GRinf, "h_GR": hgr,
            "r2_GR": r2, "pval_GR": pval, "fit_GR": fit_kind, "flat_fit_GR": flat_fit, "rss": rss_s,
            "n": n, "n_doses": n_doses, "dose_min": dmin, "dose_max": dmax,
            "flag": [";".join(f) if f else "ok" for f in flags]}
    table = pd.concat([key_table, pd.DataFrame(cols)], axis=1)
    case = ("A" if control_count is not None and t0_count is not None else
            "C" if control_count is None and t0_count is None else "A/C mixed")
    meta = {"analysis": "doseresponse.gr_metrics", "dose": dose, "curve": keys, "cell_count": cell_count,
            "control_count": control_count, "t0_count": t0_count, "time": time, "case": case, **meta_match,
            "pcutoff": pcutoff, "cap": cap, "bounds": {"h_GR": H_BOUNDS, "GRinf": GRINF_BOUNDS,
                                                        "GEC50_decades": GEC50_DECADES},
            "n": nrow, "n_treated": int(treated.sum()), "n_curves": int(C), "source": src,
            "versions": dict(_versions()),
            "method": ("GR values per well as Hafner et al. (2016); per curve the GR sigmoid (upper limit 1) fitted "
                       "by least squares within the GR calculator's bounds (h_GR 0.1-5, GRinf -1 to 1, GEC50 within "
                       "2 decades of the tested doses) by a grid start and a batched bounded Levenberg-Marquardt; "
                       f"F test against a flat line (df 2, n - 2); p >= {pcutoff} gives a flat fit (GEC50 0, "
                       "h_GR 0.01, GR50 +/-inf) as the GR calculator reports it")}
    return GRMetricsResult(table=table, values=values, meta=meta)


# -- dask ---------------------------------------------------------------------------------------------------
def _gr_partition(pdf, keys, kwargs):
    """``gr_metrics`` on one partition of whole curves (rows sorted back into input order). Returns the tables with
    the input position of every well and curve, and the extent (last row) of each input partition seen, or None."""
    import pandas as pd

    from ._dask import ORDER_COLUMNS

    if len(pdf) == 0:
        return None
    pdf = pdf.sort_values(list(ORDER_COLUMNS), kind="stable")
    part = pdf[ORDER_COLUMNS[0]].to_numpy()
    row = pdf[ORDER_COLUMNS[1]].to_numpy()
    extent = pd.Series(row).groupby(part).max().to_dict()
    data = pdf.drop(columns=list(ORDER_COLUMNS)).reset_index(drop=True)
    try:
        dose = check_numeric(data, kwargs["dose"], file=kwargs.get("source"), allow_missing=True)
        if not (dose > 0).any():  # only untreated rows here: nothing to fit (the other partitions have the wells)
            return None, None, None, extent
        res = gr_metrics(data, **kwargs)
    except AssayDataError as err:
        # rows of the error are 1-based positions in this (sorted) partition: name them by their input position
        where = [f"partition {part[r - 1]} row {row[r - 1]}" for r in err.rows[:5] if 0 < r <= len(part)]
        raise AssayDataError(err.detail + (f" [in the dask input: {'; '.join(where)} (0-based)]" if where else ""),
                             file=err.file, column=err.column, rows=err.rows) from None
    pos = res.values["row"].to_numpy() - 1
    values = res.values.assign(row=0, **{ORDER_COLUMNS[0]: part[pos], ORDER_COLUMNS[1]: row[pos]})
    cid = values.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(cid, return_index=True)  # curve i of the table starts at well first[i]
    return res, values, (part[pos][first], row[pos][first]), extent


def _gr_metrics_dask(data, *, curve, control_count, t0_count, **kwargs):
    """``gr_metrics`` on a dask DataFrame, case A (called by ``gr_metrics``; same arguments, same Result)."""
    import dask
    import pandas as pd

    from ._dask import ORDER_COLUMNS, _check_columns, partition_by_curve
    from ._gr_result import GRMetricsResult

    keys = [curve] if isinstance(curve, str) else list(curve)
    if not keys:
        raise AssayDataError("curve must name at least one column")
    if control_count is None or t0_count is None:
        raise AssayDataError("on a dask DataFrame gr_metrics needs control_count= and t0_count= columns (case A): "
                             "control and time-zero rows (case C) are matched across curves, so assign them to the "
                             "wells first, or compute() the frame")
    src = kwargs.get("source")
    needed = [kwargs["dose"], kwargs["cell_count"], control_count, t0_count, kwargs.get("time"), *keys]
    _check_columns(data, [c for c in needed if c is not None], src)
    for c in needed:
        if c in ORDER_COLUMNS:
            raise AssayDataError(f"column {c!r} is reserved for the input order of a dask frame", column=c)
    parted = partition_by_curve(data, curve=keys)
    kw = dict(kwargs, curve=keys, control_count=control_count, t0_count=t0_count)
    tasks = [dask.delayed(_gr_partition, pure=True)(p, keys, kw) for p in parted.to_delayed()]
    parts = [p for p in dask.compute(*tasks) if p is not None]
    extent: dict[int, int] = {}
    for p in parts:
        for k, v in p[3].items():
            extent[k] = max(extent.get(k, -1), v)
    fitted = [p for p in parts if p[0] is not None]
    if not fitted:
        raise AssayDataError(f"column {kwargs['dose']!r} has no dose > 0: there is no treated well", file=src,
                             column=kwargs["dose"])
    # input position of a row = rows of the input partitions before it + its row within its partition
    nparts = max(extent) + 1
    length = np.zeros(nparts, np.int64)
    for k, v in extent.items():
        length[k] = v + 1
    offset = np.concatenate([[0], np.cumsum(length)[:-1]])
    table = pd.concat([p[0].table for p in fitted], ignore_index=True)
    fp = np.concatenate([p[2][0] for p in fitted])
    fr = np.concatenate([p[2][1] for p in fitted])
    table = table.iloc[np.lexsort((fr, fp))].reset_index(drop=True)
    dup = table.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        raise AssayDataError(f"{int(dup.sum())} curves are split across partitions (first: "
                             f"{table.loc[dup, keys].iloc[0].tolist()}); the frame was repartitioned after "
                             "partition_by_curve: call partition_by_curve on it again", column=keys[0])
    values = pd.concat([p[1] for p in fitted], ignore_index=True)
    gpos = offset[values[ORDER_COLUMNS[0]].to_numpy()] + values[ORDER_COLUMNS[1]].to_numpy()
    values = values.assign(row=gpos + 1).drop(columns=list(ORDER_COLUMNS))
    values = values.iloc[np.argsort(gpos, kind="stable")].reset_index(drop=True)
    metas = [p[0].meta for p in fitted]
    meta = dict(metas[0])
    for k in ("n_treated", "n_curves", "n_untreated_rows_not_used"):
        meta[k] = int(sum(m[k] for m in metas))
    meta["n"] = int(length.sum())
    meta["dask"] = {"npartitions": int(parted.npartitions), "npartitions_fitted": len(fitted),
                    "partitioning": "hash shuffle on the curve columns (partition_by_curve)",
                    "order": "curves and wells in the order of their rows in data.compute()"}
    return GRMetricsResult(table=table, values=values, meta=meta)
