"""Log-rank tests: k groups, Fleming-Harrington weights, trend across ordered groups, pairwise with BH.

Hand-written on purpose: lifelines' multivariate_logrank_test gives the statistic but not the observed and
expected counts, their covariance or a trend test, which the groups table and the trend test need; the formulas
(hypergeometric variance at each event time, as R's survdiff) are checked against R in the tests.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy import stats

__all__ = ["logrank", "logrank_trend", "pairwise_logrank"]


def _at_event_times(time, event, gidx, G, rho):
    """Per distinct event time: weights w, total n, d, and per-group n_g, d_g (arrays T x G)."""
    order = np.argsort(time, kind="stable")
    t, e, g = time[order], event[order], gidx[order]
    ut = np.unique(t[e > 0])
    n_g = np.empty((ut.size, G))
    d_g = np.empty((ut.size, G))
    for k in range(G):
        tk, ek = t[g == k], e[g == k]
        # at risk at u: time >= u
        n_g[:, k] = tk.size - np.searchsorted(np.sort(tk), ut, side="left")
        d_g[:, k] = np.array([np.sum((tk == u) & (ek > 0)) for u in ut]) if tk.size else 0
    n = n_g.sum(axis=1)
    d = d_g.sum(axis=1)
    if rho:
        # pooled Kaplan-Meier just before each event time (left-continuous), as R's survdiff
        s_after = np.cumprod(1 - d / n)
        s_before = np.r_[1.0, s_after[:-1]]
        w = s_before**rho
    else:
        w = np.ones_like(n)
    return w, n, d, n_g, d_g


def _u_v(time, event, gidx, G, rho=0.0):
    w, n, d, n_g, d_g = _at_event_times(np.asarray(time, float), np.asarray(event, float), np.asarray(gidx), G, rho)
    e_g = d[:, None] * n_g / n[:, None]
    U = (w[:, None] * (d_g - e_g)).sum(axis=0)
    factor = np.where(n > 1, w**2 * d * (n - d) / (n - 1), 0.0)
    p = n_g / n[:, None]
    V = np.einsum("t,tg,gh->gh", factor, p, np.eye(G)) - np.einsum("t,tg,th->gh", factor, p, p)
    obs = (w[:, None] * d_g).sum(axis=0)
    exp = (w[:, None] * e_g).sum(axis=0)
    return U, V, obs, exp


def logrank(time, event, gidx, G, *, rho: float = 0.0) -> dict:
    """k-sample log-rank (rho = 0) or Fleming-Harrington G^rho test (R's survdiff(rho = ...))."""
    U, V, obs, exp = _u_v(time, event, gidx, G, rho)
    Ur, Vr = U[:-1], V[:-1, :-1]
    chi2 = float(Ur @ np.linalg.pinv(Vr) @ Ur)
    df = int(np.linalg.matrix_rank(Vr))
    name = "log-rank" if rho == 0 else f"Fleming-Harrington G^{rho:g} (survdiff rho = {rho:g})"
    return {"statistic": chi2, "df": df, "p_value": float(stats.chi2.sf(chi2, df)), "method": name,
            "observed": obs, "expected": exp}


def logrank_trend(time, event, gidx, G, scores) -> dict:
    """Log-rank test for trend across ordered groups with the given scores (= Cox score test of the numeric
    score with Breslow ties)."""
    U, V, _o, _e = _u_v(time, event, gidx, G, 0.0)
    s = np.asarray(scores, float)
    num = float(s @ U)
    var = float(s @ V @ s)
    chi2 = num * num / var
    return {"statistic": chi2, "df": 1, "p_value": float(stats.chi2.sf(chi2, 1)),
            "method": "log-rank test for trend (scores " + ", ".join(f"{x:g}" for x in s) + ")"}


def pairwise_logrank(time, event, gidx, labels, *, rho=0.0, adjust="fdr_bh") -> list[dict]:
    from statsmodels.stats.multitest import multipletests

    time, event, gidx = np.asarray(time, float), np.asarray(event, float), np.asarray(gidx)
    rows = []
    for a, b in combinations(range(len(labels)), 2):
        m = (gidx == a) | (gidx == b)
        r = logrank(time[m], event[m], (gidx[m] == b).astype(int), 2, rho=rho)
        rows.append({"group1": labels[b], "group2": labels[a], "statistic": r["statistic"], "df": 1,
                     "p_value": r["p_value"]})
    if rows:
        adj = multipletests([r["p_value"] for r in rows], method=adjust)[1]
        for r, pa in zip(rows, adj):
            r["p_adjusted"] = float(pa)
            r["adjustment"] = "BH" if adjust == "fdr_bh" else adjust
    return rows
