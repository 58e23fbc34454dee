"""The numerical engine of ``fit_many`` (``_batch.py``): a batched Levenberg-Marquardt for the log-logistic models
across curves on padded arrays, its multi-start grid, start values and covariances. See ``_batch``'s docstring for
the method; every function here works on whole arrays of curves (no pandas, float64 throughout)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._models import PARAM_INDEX

MAX_ITER = 300
STEP_TOL = 1e-10
FTOL = 1e-15
#: a rejected step predicted to lower the RSS by a relative PRED_TOL or less ends the run (converged)
PRED_TOL = 1e-14
LAMBDA_MAX = 1e12
#: a curve whose accepted steps lower the RSS by a relative STALL_TOL or less over STALL_ITER iterations stops
#: (unconverged): a ridge without a finite optimum
STALL_ITER = 20
STALL_TOL = 1e-6
#: ... while a parameter still moves by STALL_MOVE relative (|dx| / (|x| + 1)) or more: near a regular optimum the RSS
#: falls as little, but the parameters stand still, and LM's own tests end the run there
STALL_MOVE = 1e-3
#: ... checked from this iteration on (a regular curve has converged by then); see ``_lm``
STALL_START = 40
#: fits no better than a flat line (F test at 5%) stop, unconverged, from FLAT_START on, every FLAT_EVERY iterations
FLAT_START = 20
FLAT_EVERY = 10
#: ... when their RSS fell by a relative FLAT_TOL or less over those iterations (a fit still descending, e.g. towards
#: a step between two doses, goes on)
FLAT_TOL = 1e-4
#: multi-start grid: slopes (drc's b, both signs) x mid-points at these quantiles of the positive log doses
GRID_B = (0.5, 1.0, 2.0, 5.0)
GRID_Q = (0.1, 0.25, 0.5, 0.75, 0.9)
#: grid points per curve run to convergence
GRID_KEEP = 3


# -- model on padded arrays: Ls (log dose, 0 on vehicle and padding), veh (vehicle wells), w (1 real, 0 padding) ----
def _shape(b, le, Ls, veh):
    """h = 1 / (1 + exp(b (L - le))), with the dose-0 limit of ``_models.Model.u`` on vehicle wells."""
    z = Ls - le[:, None]
    z *= b[:, None]
    np.exp(z, out=z)  # overflow to inf gives h = 0, the limit (callers run under np.errstate(all="ignore"))
    z += 1.0
    h = np.reciprocal(z, out=z)
    if veh is not None:
        h = np.where(veh, (b > 0)[:, None].astype(float), h)
    return h


def _residual(th, h, y, w):
    c, d = th[:, 1:2], th[:, 2:3]
    r = y - c
    r -= (d - c) * h
    if w is not None:  # None: no padding in this chunk
        r *= w
    return r


def _jacobian(th, h, Ls, w, free):
    """Columns (each (m, P)) of the derivative of the prediction w.r.t. the free internal parameters, zero on
    padding. Kept as separate contiguous arrays: the normal equations are then row-wise dot products."""
    b, c, d, le = th[:, 0:1], th[:, 1:2], th[:, 2:3], th[:, 3:4]
    cols = []
    gw = None
    for k in free:
        if k in (0, 3) and gw is None:
            gw = h * (1.0 - h)  # 0 on vehicle wells (h is 0 or 1 there)
            if w is not None:
                gw *= w
            gw *= (d - c)
        if k == 0:
            cols.append(gw * (le - Ls))
        elif k == 1:
            cols.append((1.0 - h) * w if w is not None else 1.0 - h)
        elif k == 2:
            cols.append(h * w if w is not None else h)
        else:
            cols.append(gw * b)
    return cols


def _normal_equations(cols, r):
    """J'J and J'r by row-wise dot products of the columns (10 + 4 passes for p = 4; a stacked matmul of (m, 4, P)
    matrices costs several times more in numpy's per-matrix loop). J'J is a p x p nested list of (m,) arrays
    (symmetric: N[i][j] is N[j][i]), J'r a list of p (m,) arrays: contiguous per entry for ``_solve``."""
    p = len(cols)
    N = [[None] * p for _ in range(p)]
    g = []
    for i in range(p):
        g.append(np.einsum("cp,cp->c", cols[i], r))
        for j in range(i + 1):
            N[i][j] = N[j][i] = np.einsum("cp,cp->c", cols[i], cols[j])
    return N, g


def _matvec(N, x):
    """(m, p) products of the nested-list matrices N with the rows of x."""
    p = len(N)
    return np.column_stack([sum(N[i][j] * x[:, j] for j in range(p)) for i in range(p)])


def _stack(N):
    """(m, p, p) array of a nested-list matrix."""
    return np.stack([np.stack(row, axis=-1) for row in N], axis=-2)


def _solve(A, g):
    """Solve the symmetric positive definite systems A x = g of every curve (A nested lists, g a list of (m,) arrays)
    by a Cholesky factorisation written out over the p <= 5 indices, each entry a contiguous (m,) array (numpy's
    batched solve pays a LAPACK call per curve). Systems that are not positive definite (NaN, a zero column) go
    through numpy's solve, and least squares where singular. Returns (m, p)."""
    p = len(g)
    L = [[None] * p for _ in range(p)]
    bad = np.zeros(g[0].shape, bool)
    with np.errstate(all="ignore"):
        for j in range(p):
            s = A[j][j]
            for k in range(j):
                s = s - L[j][k] * L[j][k]
            bad |= ~(s > 0)
            L[j][j] = np.sqrt(s)
            for i in range(j + 1, p):
                t = A[i][j]
                for k in range(j):
                    t = t - L[i][k] * L[j][k]
                L[i][j] = t / L[j][j]
        z = []
        for i in range(p):
            t = g[i]
            for k in range(i):
                t = t - L[i][k] * z[k]
            z.append(t / L[i][i])
        x = [None] * p
        for i in range(p - 1, -1, -1):
            t = z[i]
            for k in range(i + 1, p):
                t = t - L[k][i] * x[k]
            x[i] = t / L[i][i]
    x = np.column_stack(x)
    redo = np.flatnonzero(bad | ~np.all(np.isfinite(x), axis=1))
    if redo.size:
        As, gs = _stack(A)[redo], np.column_stack(g)[redo]
        for r, a, v in zip(redo, As, gs):
            try:
                x[r] = np.linalg.solve(a, v)
            except np.linalg.LinAlgError:
                x[r] = np.linalg.lstsq(a, v, rcond=None)[0]
    return x


# -- batched Levenberg-Marquardt -----------------------------------------------------------------------------------
def _lm(th, Ls, veh, y, w, free, lower, upper, max_iter=MAX_ITER, flat_f=None):
    """Minimise each curve's RSS; returns (theta, rss, converged). lower/upper: (C, 5) bounds.

    The damping and the tests are MINPACK's as the single-curve fit runs them: a step is accepted when it does not
    raise the RSS (damping / 10, else x 10); a curve is done after an accepted step with ||D dx|| <= STEP_TOL ||D x||
    (D the column norms of J) or a relative RSS decrease <= FTOL, at a zero RSS, or when a rejected step is tiny or
    the damping passes LAMBDA_MAX, or after a rejected step predicted to lower the RSS by a relative PRED_TOL or
    less. Done curves leave the active arrays. Curves without a finite optimum stop, unconverged: from STALL_START on,
    every STALL_ITER iterations, those creeping along a ridge (RSS down by a relative STALL_TOL or less while a
    parameter still moves by STALL_MOVE), and from FLAT_START on, every FLAT_EVERY iterations, given ``flat_f`` =
    (tss, df, q, critical F) per curve, those whose fit is still no better than a flat line (F below its 5% critical
    value: the data show no dose effect, and the ridge such a fit creeps along changes nothing of that) and whose RSS
    fell by a relative FLAT_TOL or less in those iterations.
    """
    C = th.shape[0]
    th = th.copy()
    fidx = np.asarray(free)
    h = _shape(th[:, 0], th[:, 3], Ls, veh)
    r = _residual(th, h, y, w)
    rss = np.einsum("cp,cp->c", r, r)
    conv = np.zeros(C, bool)
    act = np.flatnonzero(np.isfinite(rss))
    a = {"th": th[act], "Ls": Ls[act], "y": y[act], "h": h[act], "r": r[act], "rss": rss[act],
         "lam": np.full(act.size, 1e-3), "lo": lower[act][:, fidx], "hi": upper[act][:, fidx]}
    if veh is not None:
        a["veh"] = veh[act]
    if w is not None:
        a["w"] = w[act]
    if flat_f is not None:
        a["tss"], a["dfc"], a["q"], a["fcrit"] = (v[act] for v in flat_f)
    a["ref"], a["tref"], a["acc"] = a["rss"].copy(), a["th"][:, fidx].copy(), np.zeros(act.size, int)
    a["live"] = np.ones(act.size, bool)
    a["fref"] = a["rss"].copy()

    def retire(sel, converged):
        # results of the curves done are stored; they stay in the arrays (frozen, no longer updated) until an eighth
        # of the arrays is frozen, then the arrays are compacted (a copy of every array: not worth it per curve)
        nonlocal act, a
        sel = sel & a["live"]
        done = act[sel]
        th[done], rss[done], conv[done] = a["th"][sel], a["rss"][sel], converged
        a["live"] = a["live"] & ~sel
        if 8 * (act.size - int(a["live"].sum())) >= act.size:
            keep = a["live"]
            act = act[keep]
            a = {k: v[keep] for k, v in a.items()}

    for it in range(max_iter):
        if act.size == 0:
            break
        ridge = it >= STALL_START and it % STALL_ITER == 0
        flat = flat_f is not None and it >= FLAT_START and it % FLAT_EVERY == 0
        if ridge or flat:
            stop = np.zeros(act.size, bool)
            if ridge:
                moved = (np.abs(a["th"][:, fidx] - a["tref"]) / (np.abs(a["tref"]) + 1.0)).max(axis=1)
                stop |= (a["acc"] >= STALL_ITER // 3) & (a["ref"] - a["rss"] <= STALL_TOL * a["rss"]) \
                    & (moved >= STALL_MOVE)
            if flat:
                with np.errstate(all="ignore"):
                    F = ((a["tss"] - a["rss"]) / a["q"]) / (a["rss"] / a["dfc"])
                stop |= (F < a["fcrit"]) & (a["fref"] - a["rss"] <= FLAT_TOL * a["rss"])
            if (stop & a["live"]).any():
                retire(stop, False)
                if act.size == 0:
                    break
        if it % STALL_ITER == 0:
            a["ref"], a["tref"], a["acc"] = a["rss"].copy(), a["th"][:, fidx].copy(), np.zeros(act.size, int)
        if it % FLAT_EVERY == 0:
            a["fref"] = a["rss"].copy()
        a_th, a_lam = a["th"], a["lam"]
        N, g = _normal_equations(_jacobian(a_th, a["h"], a["Ls"], a.get("w"), free), a["r"])
        p = len(g)
        # MINPACK-style damping: diag(J'J) scaled by (1 + lambda), plus a tiny ridge
        A = [[N[i][j] if i != j else N[i][i] * (1.0 + a_lam) + 1e-12 * a_lam for j in range(p)] for i in range(p)]
        step = _solve(A, g)
        cur = a_th[:, fidx]
        # a parameter on its bound whose step points outwards is held there and the step solved for the others
        # (projected LM), so that the free parameters of a curve at a bound still converge
        blocked = ((cur <= a["lo"]) & (step < 0)) | ((cur >= a["hi"]) & (step > 0))
        rows = np.flatnonzero(blocked.any(axis=1))
        if rows.size:
            bl = [blocked[rows, i] for i in range(p)]
            Ab = [[np.where(bl[i], 1.0, A[i][i][rows]) if i == j else np.where(bl[i] | bl[j], 0.0, A[i][j][rows])
                   for j in range(p)] for i in range(p)]
            step[rows] = _solve(Ab, [np.where(bl[i], 0.0, g[i][rows]) for i in range(p)])
        new = np.clip(cur + step, a["lo"], a["hi"])
        cand = a_th.copy()
        cand[:, fidx] = new
        hc = _shape(cand[:, 0], cand[:, 3], a["Ls"], a.get("veh"))
        rc = _residual(cand, hc, a["y"], a.get("w"))
        new_rss = np.einsum("cp,cp->c", rc, rc)
        old_rss = a["rss"]
        better = np.isfinite(new_rss) & (new_rss <= old_rss) & a["live"]
        # MINPACK's xtol test in its scaled norm: ||D dx|| <= xtol ||D x||
        D = np.sqrt(np.column_stack([N[i][i] for i in range(p)]))
        small = np.sqrt((((new - cur) * D) ** 2).sum(1)) <= STEP_TOL * np.sqrt(((cur * D) ** 2).sum(1))
        tiny = better & (old_rss - new_rss <= FTOL * old_rss)
        a["lam"] = np.where(better, np.maximum(a_lam / 10.0, 1e-12), a_lam * 10.0)
        a["acc"] += better
        # a rejected step whose predicted decrease of the RSS (the linear model's, 2 dx'J'r - dx'J'J dx) is at the
        # rounding level of the RSS: the curve is at its optimum and further damping only shrinks the step
        pred = 2.0 * (step * np.column_stack(g)).sum(1) - np.einsum("ci,ci->c", step, _matvec(N, step))
        flat_pred = ~better & (pred <= PRED_TOL * old_rss) & (a_lam <= 1.0)
        finished = (better & small) | tiny | (new_rss == 0.0) | (~better & (a["lam"] > LAMBDA_MAX)) | (~better & small) \
            | flat_pred
        if better.any():
            a["th"][better] = cand[better]
            np.copyto(a["h"], hc, where=better[:, None])
            np.copyto(a["r"], rc, where=better[:, None])
            a["rss"] = np.where(better, new_rss, old_rss)
        if (finished & a["live"]).any():
            retire(finished, True)
    live = a["live"]
    th[act[live]], rss[act[live]] = a["th"][live], a["rss"][live]  # unconverged at max_iter: the last accepted point
    return th, rss, conv


def _profiled_grid(th, Ls, veh, y, w, Lq, free, lower, upper, slope_limit):
    """Start points of the multi-start: on the grid GRID_B (both signs) x the quantiles Lq (C, nq) of each curve's
    positive log doses, the plateaus that minimise the RSS (closed form: the model is linear in c and d), and the
    GRID_KEEP best points of each curve. Returns their parameters (C, GRID_KEEP, 5) and RSS (C, GRID_KEEP)."""
    C = th.shape[0]
    cands, rsss = [], []
    bvals = [s * m for s in (1.0, -1.0) for m in GRID_B] if 0 in free else [None]
    qvals = range(Lq.shape[1]) if 3 in free else [None]
    for bv in bvals:
        for j in qvals:
            t = th.copy()
            if bv is not None:
                t[:, 0] = np.clip(bv, -0.9 * slope_limit, 0.9 * slope_limit)
            if j is not None:
                t[:, 3] = np.clip(Lq[:, j], lower[:, 3], upper[:, 3])
            h = _shape(t[:, 0], t[:, 3], Ls, veh)
            a = 1.0 - h
            wa, wh = w * a, w * h
            Saa, Sah, Shh = (wa * a).sum(1), (wa * h).sum(1), (wh * h).sum(1)
            Say, Shy = (wa * y).sum(1), (wh * y).sum(1)
            with np.errstate(all="ignore"):
                if 1 in free and 2 in free:
                    det = Saa * Shh - Sah * Sah
                    ok = det > 1e-12 * np.maximum(Saa * Shh, 1e-300)
                    t[:, 1] = np.where(ok, (Say * Shh - Shy * Sah) / det, t[:, 1])
                    t[:, 2] = np.where(ok, (Shy * Saa - Say * Sah) / det, t[:, 2])
                elif 2 in free:
                    t[:, 2] = np.where(Shh > 0, (Shy - t[:, 1] * Sah) / Shh, t[:, 2])
                elif 1 in free:
                    t[:, 1] = np.where(Saa > 0, (Say - t[:, 2] * Sah) / Saa, t[:, 1])
            r = _residual(t, h, y, w)
            cands.append(t)
            rsss.append(np.einsum("cp,cp->c", r, r))
    R = np.stack(rsss, axis=1)
    R = np.where(np.isfinite(R), R, np.inf)
    T = np.stack(cands, axis=1)  # (C, G, 5)
    keep = min(GRID_KEEP, T.shape[1])
    best = np.argsort(R, axis=1, kind="stable")[:, :keep]
    rows = np.arange(C)[:, None]
    return T[rows, best], R[rows, best]


def _improves(rss_new, conv_new, rss_old, conv_old):
    """A lower RSS wins (a 'converged' local optimum is no answer when a lower one exists); at an equal RSS a
    converged fit wins."""
    lower = rss_new < rss_old - 1e-12 * (1 + np.where(np.isfinite(rss_old), rss_old, 0))
    same = rss_new <= rss_old + 1e-9 * (1 + np.where(np.isfinite(rss_old), rss_old, 0))
    return np.isfinite(rss_new) & (lower | (conv_new & ~conv_old & same))


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
        # the 2-norm condition number of a symmetric positive semi-definite matrix is its eigenvalue ratio (as
        # np.linalg.cond's SVD gives it, at a fraction of the cost)
        ev = np.linalg.eigvalsh(M)
        cond = np.where(ev[:, 0] > 0, ev[:, -1] / np.where(ev[:, 0] > 0, ev[:, 0], 1.0), np.inf)
        good = np.isfinite(cond) & (cond <= 1e14)
        inv = np.full_like(M, np.nan)
        if good.any():
            inv[good] = np.linalg.inv(M[good])
        cov = s2[fin, None, None] * inv
        bad = ~np.all(np.isfinite(cov), axis=(1, 2)) | np.any(np.einsum("cii->ci", cov) < 0, axis=1)
        cov[bad] = np.nan
        out[fin] = 0.5 * (cov + np.transpose(cov, (0, 2, 1)))
    return out


def _f_flat(tss, rss, dfc, q):
    """F statistic and p value of each curve against a horizontal line (``DoseResponseCurve.flat_test``): q = number
    of free parameters - 1 numerator df, dfc residual df."""
    with np.errstate(all="ignore"):
        F = ((tss - rss) / q) / (rss / dfc)
        ok = (dfc > 0) & (q > 0) & (rss > 0) & np.isfinite(F)
        p = np.where(ok, stats.f.sf(np.maximum(np.where(ok, F, 0.0), 0.0), max(q, 1), np.maximum(dfc, 1)), np.nan)
    return np.where(ok, F, np.nan), p


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
    with np.errstate(all="ignore"):
        h = np.clip((Mk - c0[:, None]) / (d0 - c0)[:, None], 0.02, 0.98)
        z = np.log(1.0 / h - 1.0)
        npos = pos.sum(axis=1)
        Lp = np.where(pos, Lk, 0.0)
        zp = np.where(pos, z, 0.0)
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
        rows = np.flatnonzero(bad & (npos > 0))
        med = np.zeros(C)
        if rows.size:  # the median of their positive log doses
            med[rows] = np.nanmedian(np.where(pos[rows], Lk[rows], np.nan), axis=1)
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


def _pad(values, row_curve, pos, C, P, fill):
    out = np.full((C, P), fill, dtype=float)
    out[row_curve, pos] = values
    return out


def _level_quantiles(Lk, kmask, qs):
    """(C, len(qs)) quantiles (numpy's linear interpolation) of each curve's positive log doses. Levels are sorted
    with the vehicle (-inf) first, so the positive ones are a contiguous run (np.nanquantile along an axis loops in
    Python over the rows)."""
    pos = kmask & np.isfinite(Lk)
    npos = pos.sum(axis=1)
    off = np.argmax(pos, axis=1)
    rows = np.arange(Lk.shape[0])[:, None]
    at = np.asarray(qs)[None, :] * np.maximum(npos - 1, 0)[:, None]
    lo = np.floor(at).astype(int)
    hi = np.minimum(lo + 1, np.maximum(npos - 1, 0)[:, None])
    frac = at - lo
    vlo, vhi = Lk[rows, off[:, None] + lo], Lk[rows, off[:, None] + hi]
    out = vlo + (vhi - vlo) * frac
    return np.where(npos[:, None] > 0, out, 0.0)


def _fit_chunk(Lr, yr, cid, pos, n, lev_L, lev_mean, lev_cid, kpos, k, lo_le, hi_le, fixed_all, free, slope_limit):
    """Batched fit of the curves 0..m-1 of a chunk (rows sorted by curve, ``pos`` the position of a row within its
    curve, ``n`` wells per curve). Returns theta (m, 5), rss, converged, J'J of the free parameters at the optimum."""
    m = n.size
    P, K = int(n.max()), int(k.max())
    n_par = len(free)
    fin = np.isfinite(Lr)
    Ls = _pad(np.where(fin, Lr, 0.0), cid, pos, m, P, 0.0)
    veh = np.zeros((m, P), bool)
    veh[cid, pos] = ~fin
    veh = veh if veh.any() else None
    y = _pad(yr, cid, pos, m, P, 0.0)
    w = _pad(np.ones(cid.size), cid, pos, m, P, 0.0)
    Lk = _pad(lev_L, lev_cid, kpos, m, K, -np.inf)
    Mk = _pad(lev_mean, lev_cid, kpos, m, K, 0.0)
    kmask = np.zeros((m, K), bool)
    kmask[lev_cid, kpos] = True
    th0 = _starts(Lk, Mk, kmask, fixed_all, slope_limit)
    lower = np.column_stack([np.full(m, -slope_limit), np.full(m, -np.inf), np.full(m, -np.inf), lo_le,
                             np.full(m, 1e-3)])
    upper = np.column_stack([np.full(m, slope_limit), np.full(m, np.inf), np.full(m, np.inf), hi_le, np.full(m, 1e3)])
    # start strictly inside the bounds, as the single-curve fit does
    th0[:, 0] = np.clip(th0[:, 0], -slope_limit + 1e-9 * (slope_limit + 1), slope_limit - 1e-9 * (slope_limit + 1))
    th0[:, 3] = np.clip(th0[:, 3], lower[:, 3] + 1e-9 * (np.abs(lower[:, 3]) + 1),
                        upper[:, 3] - 1e-9 * (np.abs(upper[:, 3]) + 1))
    ybar = (y * w).sum(1) / n
    tss = (((y - ybar[:, None]) * w) ** 2).sum(1)
    dfc = n - n_par
    q = max(n_par - 1, 1)
    flat_f = (tss, dfc.astype(float), np.full(m, float(q)),
              np.where(dfc > 0, stats.f.isf(0.05, q, np.maximum(dfc, 1)), -np.inf))
    wl = None if (n == P).all() else w  # every curve of the chunk complete: no padding to mask
    th, rss, conv = _lm(th0, Ls, veh, y, wl, free, lower, upper, flat_f=flat_f)

    def jtj(th_):
        h = _shape(th_[:, 0], th_[:, 3], Ls, veh)
        return _stack(_normal_equations(_jacobian(th_, h, Ls, w, free), np.zeros_like(h))[0])

    # curves the single-curve fit would call suspicious (``_fit._suspicious``: not converged, on a bound, singular
    # covariance, or no better than a horizontal line) get the multi-start
    _, p_flat = _f_flat(tss, rss, dfc, n_par - 1)
    fi = np.asarray(free)
    tol = 1e-6 * np.maximum(1, np.abs(th[:, fi]))
    bound = np.any((th[:, fi] - lower[:, fi] < tol) | (upper[:, fi] - th[:, fi] < tol), axis=1)
    cov = _covariance(jtj(th), rss, dfc)
    singular = ~np.all(np.isfinite(cov), axis=(1, 2)) & (dfc > 0)
    sus = np.flatnonzero(~(conv & np.isfinite(rss)) | (p_flat >= 0.05) | bound | singular)
    if sus.size:
        Lq = _level_quantiles(Lk[sus], kmask[sus], GRID_Q)
        T, R = _profiled_grid(th[sus], Ls[sus], None if veh is None else veh[sus], y[sus], w[sus], Lq, free,
                              lower[sus], upper[sus], slope_limit)
        # only grid points already below the fit's RSS are run to convergence (they lie in a lower basin); when no
        # grid point beats it, the first fit is the multi-start's answer
        go = R < rss[sus, None] * (1.0 - 1e-9)
        ci, gj = np.nonzero(go)
        if ci.size:
            rep = sus[ci]
            starts = T[ci, gj]
            starts[:, 0] = np.clip(starts[:, 0], lower[rep, 0], upper[rep, 0])
            t1, r1, c1 = _lm(starts, Ls[rep], None if veh is None else veh[rep], y[rep],
                             None if wl is None else w[rep], free, lower[rep], upper[rep],
                             flat_f=tuple(v[rep] for v in flat_f))
            # each start against the curve's best so far (lower RSS; at an equal RSS a converged one); runs of one
            # curve are consecutive, so the j-th run of every curve is compared in one vectorised pass
            first_of = np.r_[True, ci[1:] != ci[:-1]]
            order_in = np.arange(ci.size) - np.maximum.accumulate(np.where(first_of, np.arange(ci.size), 0))
            for j in range(GRID_KEEP):
                pick = np.flatnonzero(order_in == j)
                if not pick.size:
                    break
                cur = rep[pick]
                win = _improves(r1[pick], c1[pick], rss[cur], conv[cur])
                cw = cur[win]
                th[cw], rss[cw], conv[cw] = t1[pick[win]], r1[pick[win]], c1[pick[win]]
    return th, rss, conv, jtj(th)
