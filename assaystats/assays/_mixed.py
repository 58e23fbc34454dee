"""Linear mixed models with random intercepts (variance components), fitted by REML as lme4 fits them, with
lmerTest's Satterthwaite degrees of freedom.

Model: y = X beta + sum_j Z_j u_j + e, u_j ~ N(0, s2_j I), e ~ N(0, s2 I); X codes the cell means (one column
per group, or per group x by cell), Z_j the levels of one random factor (replicate; replicate x cell).

Why hand-written (and not statsmodels MixedLM alone): statsmodels' REML fit stops at the first optimum it finds
and has no notion of a variance at its boundary. On issue 11's design (experiments crossed with groups, two
experiment x group cells missing) its BFGS fit stayed at REML log-likelihood -114.35 where the maximum (-113.67)
lies at an experiment x group variance of exactly 0; lme4 reports that maximum. statsmodels has no Satterthwaite
or Kenward-Roger df either. Here the profiled REML deviance of lme4 (Bates et al. 2015, J Stat Softw 67(1),
eq. 41-42) is written in closed form for random intercepts (Woodbury identities on q x q matrices; q = number of
random levels), minimised over the relative standard deviations theta >= 0 from several starts with two
optimisers (the deviance is even in theta, so the boundary theta = 0 is reached without constraints), and every
variance that may be 0 is tried at exactly 0 (all subsets of the components): the highest REML likelihood wins,
ties going to the simpler model. Degrees of freedom: Satterthwaite's approximation as lmerTest computes it (the
Hessian of the REML deviance in the variance parameters, the gradient of the contrast's variance), lmerTest's
default in summary() and anova(); multi-degree-of-freedom F tests follow lmerTest's contestMD. Checked against
lme4 1.1-31 / lmerTest 3.1-3 in tests/reference/assays/make_reference_mixed.R.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

import numpy as np
from scipy import linalg, optimize, stats

__all__ = ["fit_reml", "mixed_compare", "RemlFit"]

_LOG2PI = np.log(2 * np.pi)


def _indicators(codes: np.ndarray, k: int, *, sparse: bool = False):
    """Indicator (dummy) matrix of integer codes 0..k-1; sparse (CSR) for random factors, whose levels can be
    many (replicate x cell) while each row has one 1."""
    from scipy import sparse as sp

    m = sp.csr_matrix((np.ones(codes.size), (np.arange(codes.size), codes)), shape=(codes.size, k))
    return m if sparse else m.toarray()


class _Reml:
    """Cross-products of y, X and Z (y centred and scaled for conditioning) and the REML deviance."""

    def __init__(self, y, X, Zs):
        self.shift = float(np.mean(y))
        self.scale = float(np.std(y)) or 1.0
        ys = (np.asarray(y, float) - self.shift) / self.scale
        self.X = np.asarray(X, float)
        from scipy import sparse as sp

        self.Zs = [sp.csr_matrix(z, dtype=float) for z in Zs]
        self.Z = sp.hstack(self.Zs, format="csr") if self.Zs else sp.csr_matrix((ys.size, 0))
        self.sizes = [z.shape[1] for z in self.Zs]
        self.n, self.p = self.X.shape
        self.y = ys
        Z, X = self.Z, self.X
        self.ZtZ = (Z.T @ Z).toarray()
        self.ZtX, self.Zty = np.asarray(Z.T @ X), np.asarray(Z.T @ ys)
        self.XtX, self.Xty, self.yty = X.T @ X, X.T @ ys, float(ys @ ys)

    def _expand(self, per_component):
        return np.repeat(np.asarray(per_component, float), self.sizes) if self.sizes else np.zeros(0)

    def solve(self, g, s2e):
        """Quantities at variances g (per random column) and residual variance s2e: (logdet V, X'V^-1X,
        X'V^-1y, y'V^-1y, A) with V^-1 = (I - Z A Z') / s2e."""
        q = self.Z.shape[1]
        N = np.eye(q) + (g[:, None] * self.ZtZ) / s2e
        A = np.linalg.solve(N, np.diag(g) / s2e) if q else np.zeros((0, 0))
        sign, logdet_n = np.linalg.slogdet(N) if q else (1.0, 0.0)
        logdet_v = self.n * np.log(s2e) + logdet_n
        ZtX, Zty = self.ZtX, self.Zty
        xvx = (self.XtX - ZtX.T @ A @ ZtX) / s2e
        xvy = (self.Xty - ZtX.T @ A @ Zty) / s2e
        yvy = (self.yty - Zty @ A @ Zty) / s2e
        return logdet_v, xvx, xvy, yvy, A, sign

    def profiled(self, theta):
        """lme4's profiled REML deviance at relative standard deviations theta (residual variance profiled)."""
        g = self._expand(np.asarray(theta, float) ** 2)
        logdet_v, xvx, xvy, yvy, _, sign = self.solve(g, 1.0)
        try:
            c = linalg.cho_factor(xvx)
        except linalg.LinAlgError:
            return np.inf
        beta = linalg.cho_solve(c, xvy)
        rss = yvy - xvy @ beta
        if sign <= 0 or rss <= 0:
            return np.inf
        df = self.n - self.p
        return float(logdet_v + 2 * np.sum(np.log(np.diag(c[0]))) + df * (1 + _LOG2PI + np.log(rss / df)))

    def full(self, phi):
        """REML deviance -2 l_R at variances phi = (s2_1, ..., s2_m, s2_e) (scaled units), not profiled."""
        phi = np.asarray(phi, float)
        g = self._expand(phi[:-1])
        logdet_v, xvx, xvy, yvy, _, _ = self.solve(g, phi[-1])
        _, logdet_x = np.linalg.slogdet(xvx)
        beta = np.linalg.solve(xvx, xvy)
        return float(logdet_v + logdet_x + (yvy - xvy @ beta) + (self.n - self.p) * _LOG2PI)

    def cov_beta(self, phi):
        g = self._expand(np.asarray(phi[:-1], float))
        return np.linalg.inv(self.solve(g, phi[-1])[1])


@dataclass(frozen=True)
class RemlFit:
    """A REML fit: ``beta`` (cell means, the data's units), ``cov`` (their covariance), ``variances`` (component
    name -> variance, 'residual' last), ``loglik`` (REML log-likelihood as lme4's logLik), ``zero`` (components
    estimated at exactly 0), ``residuals`` (conditional: y - X beta - Z u)."""

    beta: np.ndarray
    cov: np.ndarray
    variances: dict
    loglik: float
    zero: tuple
    residuals: np.ndarray
    optimisers: tuple
    _reml: _Reml

    def _phi(self):
        s2 = self._reml.scale ** 2
        return np.array(list(self.variances.values())) / s2

    def _active(self):
        """The parameters that are not at 0 (the residual variance always is): lmerTest's Hessian and gradient
        at a variance of 0 have no part in that direction (the deviance is even in theta)."""
        vals = list(self.variances.values())
        return [i for i, v in enumerate(vals) if i == len(vals) - 1 or v > 0]

    def contrasts(self, L):
        """Estimates, standard errors and Satterthwaite df of the rows of L (contrasts of the cell means)."""
        from statsmodels.tools.numdiff import approx_hess3

        L = np.atleast_2d(np.asarray(L, float))
        est = L @ self.beta
        var = np.einsum("ij,jk,ik->i", L, self.cov, L)
        df = self._satterthwaite(L, approx_hess3)
        return est, np.sqrt(var), df

    @cached_property
    def _hessian_inverse_cached(self):
        from statsmodels.tools.numdiff import approx_hess3

        return self._hessian_inverse(approx_hess3)

    def _hessian_inverse(self, approx_hess3):
        reml, act = self._reml, self._active()
        phi = self._phi()

        def dev(x):
            full = phi.copy()
            full[act] = x
            return reml.full(full)

        h = approx_hess3(phi[act], dev)
        return 2.0 * np.linalg.inv(h), act, phi

    def _satterthwaite(self, L, approx_hess3):
        """df = 2 V^2 / (g' A g) for V = var(L beta), g its gradient in the variance parameters, A = 2 H^-1 the
        asymptotic covariance of the variance estimates (H the Hessian of the REML deviance), as lmerTest."""
        A, act, phi = self._hessian_inverse_cached
        reml = self._reml
        g_all = reml._expand(phi[:-1])
        _, xvx, _, _, Amat, _ = reml.solve(g_all, phi[-1])
        C = np.linalg.inv(xvx)
        # W = V^-1 X (n x p) in scaled units; dC/dphi_j = C X'V^-1 V_j V^-1 X C, V_j = Z_j Z_j' or I
        W = (reml.X - reml.Z @ (Amat @ reml.ZtX)) / phi[-1]
        LC = L @ C                                   # rows x p
        WLC = W @ LC.T                               # n x rows
        grads = []
        starts = np.cumsum([0] + reml.sizes)
        for j in act:
            if j == len(phi) - 1:
                grads.append(np.sum(WLC**2, axis=0))
            else:
                Zj = reml.Z[:, starts[j]:starts[j + 1]]
                grads.append(np.sum((Zj.T @ WLC) ** 2, axis=0))
        G = np.array(grads)                          # active x rows
        v = np.einsum("ij,jk,ik->i", L, C, L)
        denom = np.einsum("ir,ij,jr->r", G, A, G)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denom > 0, 2 * v**2 / denom, np.inf)

    def f_test(self, L):
        """Wald F test of L beta = 0 with lmerTest's multi-df Satterthwaite denominator df (contestMD)."""
        L = np.atleast_2d(np.asarray(L, float))
        q = L.shape[0]
        VL = L @ self.cov @ L.T
        d, P = np.linalg.eigh(VL)
        keep = d > 1e-12 * d.max()
        d, P = d[keep], P[:, keep]
        q = int(keep.sum())
        PL = P.T @ L
        F = float(np.sum((PL @ self.beta) ** 2 / d) / q)
        _, _, nu = self.contrasts(PL)
        if q == 1:
            df2 = float(nu[0])
        elif np.all(np.abs(nu - nu[0]) < 1e-8):
            df2 = float(nu[0])
        elif np.any(nu <= 2):
            df2 = 2.0
        else:
            E = float(np.sum(nu / (nu - 2)))
            df2 = 2 * E / (E - q)
        return F, q, df2, float(stats.f.sf(F, q, df2))


def _optimise(reml: _Reml, m: int, fixed_zero: tuple):
    """Minimise the profiled deviance over the free thetas from several starts with two optimisers; returns
    (deviance, theta, optimiser name)."""
    free = [j for j in range(m) if j not in fixed_zero]

    def f(x):
        th = np.zeros(m)
        th[free] = x
        return reml.profiled(th)

    if not free:
        return f(np.zeros(0)), np.zeros(m), "none (all variances 0)"
    best = (np.inf, None, "")
    starts = [np.full(len(free), s) for s in (1.0, 0.3, 3.0)]
    for x0 in starts:
        for method, opts in (("BFGS", {"gtol": 1e-9, "maxiter": 2000}),
                             ("Nelder-Mead", {"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000})):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = optimize.minimize(f, x0, method=method, options=opts)
            if np.isfinite(r.fun) and r.fun < best[0] - 1e-12:
                best = (float(r.fun), np.abs(r.x), method)
    # polish the winner (Nelder-Mead then BFGS) so that its estimates match lme4 at a tight tolerance
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = optimize.minimize(f, best[1], method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-11, "maxiter": 4000})
        r2 = optimize.minimize(f, np.abs(r.x), method="BFGS", options={"gtol": 1e-11})
    for cand in (r, r2):
        if np.isfinite(cand.fun) and cand.fun <= best[0]:
            best = (float(cand.fun), np.abs(cand.x), best[2])
    th = np.zeros(m)
    th[free] = best[1]
    return best[0], th, best[2]


def fit_reml(y, X, Zs, names) -> RemlFit:
    """REML fit of random-intercept components ``Zs`` (indicator matrices, one per name). The highest REML
    likelihood over starts, optimisers and every subset of components fixed at 0 (ties: the one with more
    zeros, as the boundary estimate lme4 reports)."""
    reml = _Reml(y, X, Zs)
    m = len(Zs)
    cands = []
    for r_ in range(m + 1):
        for zero in combinations(range(m), r_):
            dev, th, how = _optimise(reml, m, zero)
            zero_eff = tuple(j for j in range(m) if th[j] == 0 or j in zero)
            cands.append((dev, -len(zero_eff), zero_eff, th, how))
    best_dev = min(c[0] for c in cands)
    # near-ties (1e-9 in the deviance): the boundary fit, exactly as the data have it
    close = [c for c in cands if c[0] <= best_dev + 1e-9]
    dev, _, zero, th, how = min(close, key=lambda c: (c[1], c[0]))
    th = np.where(np.isin(np.arange(m), zero), 0.0, th)
    g = reml._expand(th**2)
    _, xvx, xvy, yvy, A, _ = reml.solve(g, 1.0)
    beta_s = np.linalg.solve(xvx, xvy)
    df = reml.n - reml.p
    s2 = (yvy - xvy @ beta_s) / df
    s = reml.scale
    variances = {nm: float(t**2 * s2 * s * s) for nm, t in zip(names, th)}
    variances["residual"] = float(s2 * s * s)
    cov = np.linalg.inv(xvx) * s2 * s * s
    beta = reml.shift + s * beta_s
    # conditional residuals: r - Z u, u = G Z' V^-1 r (scaled units, V = s2 V_theta)
    r_s = reml.y - reml.X @ beta_s
    Ztr = reml.Z.T @ r_s
    u = g * (Ztr - reml.ZtZ @ (A @ Ztr)) if reml.Z.shape[1] else np.zeros(0)
    resid = (r_s - reml.Z @ u) * s if reml.Z.shape[1] else r_s * s
    loglik = -0.5 * (dev + 2 * df * np.log(s))
    return RemlFit(beta=beta, cov=cov, variances=variances, loglik=float(loglik),
                   zero=tuple(names[j] for j in zero), residuals=resid, optimisers=(how,), _reml=reml)


# -- compare(level='mixed'), incomplete subjects and split-plot designs ---------------------------------------

MIXED_POSTHOC = ("dunnett", "sidak", "holm-sidak", "bonferroni", "holm", "bh", "none", "omnibus")


def mixed_compare(frame, levels, ctrl, posthoc, ci_level, design, by_levels=(None,), *, alternative="two-sided",
                  unit_label="replicate", anova_type=2):
    """Cell means of group (x by) as fixed effects; random intercepts for the replicate and, when replicates
    hold several cells with repeated observations, for replicate x cell. Comparisons of each group with the
    control (or the first group) within each level of ``by``, Satterthwaite df."""
    import pandas as pd

    from ._assumptions import check_assumptions
    from ._oneway import check_family, family_tests

    ph = posthoc or "holm"
    check_family(ph, MIXED_POSTHOC, "a mixed model")
    ref = ctrl if ctrl is not None else levels[0]
    f = frame.reset_index(drop=True)
    has_by = by_levels != (None,) and list(by_levels) != [None]
    blev = list(by_levels) if has_by else [""]
    cells = [(b, g) for b in blev for g in levels]
    cell_index = {c: i for i, c in enumerate(cells)}
    codes = np.array([cell_index[(b if has_by else "", g)] for b, g in zip(f["b"], f["g"])])
    X = _indicators(codes, len(cells))
    reps = list(dict.fromkeys(f["r"]))
    rcode = np.array([reps.index(r) for r in f["r"]]) if len(reps) < 50 else pd.factorize(f["r"])[0]
    Zs, names = [_indicators(rcode, len(reps), sparse=True)], [unit_label]
    rc = pd.factorize(pd.Series(list(zip(f["r"], codes))))[0]
    if design == "crossed" and np.bincount(rc).max() > 1:
        Zs.append(_indicators(rc, rc.max() + 1, sparse=True))
        names.append(f"{unit_label}_x_group")
    fit = fit_reml(f["y"].to_numpy(float), X, Zs, names)

    k = len(levels)
    comps = []
    for bl in blev:
        others = [g for g in levels if g != ref]
        L = np.zeros((len(others), len(cells)))
        for i, g in enumerate(others):
            L[i, cell_index[(bl, g)]] = 1.0
            L[i, cell_index[(bl, ref)]] = -1.0
        if ph == "omnibus" or not len(others):
            continue
        est, se, df = fit.contrasts(L)
        cov = L @ fit.cov @ L.T
        fam = family_tests(est, se, df, ph, level=ci_level, alternative=alternative, corr=cov)
        for i, g in enumerate(others):
            comps.append({"group1": g, "group2": ref, "within": bl, "estimate": float(est[i]), "se": float(se[i]),
                          "statistic": float(est[i] / se[i]), "df": float(df[i]), "p_value": float(fam["p"][i]),
                          "p_adjusted": float(fam["p_adjusted"][i]), "ci_low": float(fam["ci_low"][i]),
                          "ci_high": float(fam["ci_high"][i]), "ci_level": ci_level,
                          "method": "REML mixed model (" + " + ".join(_component_words(names)) + "), "
                                    "Satterthwaite df", "adjustment": fam["adjustment"]})
    nb = len(blev)
    if nb == 1:
        terms = [("group", _doolittle_rows(codes, levels, ref))]
    else:
        terms = _factorial_rows(np.bincount(codes, minlength=len(cells)).astype(float), k, nb, anova_type)
    omnibus = []
    for term, L in terms:
        F, q, df2, p = fit.f_test(L)
        omnibus.append({"term": term, "statistic": F, "df_num": float(q), "df_den": df2, "p_value": p,
                        "method": "REML mixed model, F test with Satterthwaite df"
                                  + (f" (type {'I' * anova_type})" if nb > 1 else "")})
    vcomp = dict(fit.variances)
    notes = [f"Variance components (REML): {', '.join(f'{k_} {v:.4g}' for k_, v in vcomp.items())}."]
    if fit.zero:
        notes.append(f"The REML estimate of the {' and '.join(z.replace('_', ' ') for z in fit.zero)} variance is "
                     "0 (a boundary fit, lme4's 'singular'): the model without that component gives the same "
                     "likelihood and is the one reported.")
    return {"omnibus": pd.DataFrame(omnibus), "comparisons": pd.DataFrame(comps), "method": omnibus[0]["method"],
            "posthoc": ph, "assumptions": check_assumptions(fit.residuals, None), "notes": notes,
            "variance_components": vcomp, "reml_loglik": fit.loglik}


def _factorial_rows(counts, k, nb, anova_type):
    """Hypothesis rows on the cell means (cells ordered by level of ``by``, then group) for group, by and
    group:by. Type III: unweighted marginal means (sum-to-zero contrasts). Type II (car's and lmerTest's
    definition): each main effect adjusted for the other, not for the interaction, L_A = X_A' (I - P_0) X with
    X_A the effect's columns and P_0 the projection on the intercept and the other main effect (the design's
    cell counts give every product). The interaction is the same in both."""
    Cg = np.hstack([np.eye(k - 1), -np.ones((k - 1, 1))])
    Cb = np.hstack([np.eye(nb - 1), -np.ones((nb - 1, 1))])
    inter = np.kron(Cb, Cg)
    if anova_type == 3:
        return [("group", np.kron(np.ones((1, nb)) / nb, Cg)), ("by", np.kron(Cb, np.ones((1, k)) / k)),
                ("group:by", inter)]
    c = k * nb
    Dg = np.kron(np.ones((nb, 1)), Cg.T)          # cells x (k-1): group columns of a cell
    Db = np.kron(Cb.T, np.ones((k, 1)))           # cells x (nb-1)
    one = np.ones((c, 1))
    W = np.diag(counts)

    def rows(DA, D0):
        M = W - W @ D0 @ np.linalg.pinv(D0.T @ W @ D0) @ D0.T @ W
        return DA.T @ M

    return [("group", rows(Dg, np.hstack([one, Db]))), ("by", rows(Db, np.hstack([one, Dg]))), ("group:by", inter)]


def _doolittle_rows(codes, levels, ref):
    """The hypothesis rows lmerTest's anova() uses for a single factor (its F statistic does not depend on the
    basis, its multi-df Satterthwaite df does): the Doolittle (unit upper-triangular) factor of X'X in treatment
    coding with ``ref`` first, rows of the group coefficients, mapped to the cell means."""
    k = len(levels)
    order = [levels.index(ref)] + [i for i in range(k) if levels[i] != ref]
    counts = np.bincount(codes, minlength=k).astype(float)
    # X'X of (intercept, dummies of the non-reference levels in order)
    n_o = counts[order]
    xtx = np.diag(np.r_[n_o.sum(), n_o[1:]])
    xtx[0, 1:] = xtx[1:, 0] = n_o[1:]
    R = np.linalg.cholesky(xtx).T
    U = R / np.diag(R)[:, None]
    # treatment coefficients from cell means: b0 = mu_ref, b_i = mu_i - mu_ref
    Tinv = np.zeros((k, k))
    Tinv[0, order[0]] = 1.0
    for i, lv in enumerate(order[1:], start=1):
        Tinv[i, lv] = 1.0
        Tinv[i, order[0]] = -1.0
    return U[1:] @ Tinv


def _component_words(names):
    return [("random " + n.replace("_x_", " x ") + " intercept") for n in names]
