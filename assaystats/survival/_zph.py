"""Proportional-hazards check as R's survival::cox.zph (version 3): for each term, the score test of adding
x * g(t) to the fitted Cox model, evaluated at the fitted coefficients with the full information matrix of the
expanded model (Efron or Breslow ties, as the fit), g(t) = 1 - KM(t-) ('km', R's default), the event time
('identity') or its rank ('rank'). Hand-written: no Python library implements this test (lifelines' version
is the older Grambsch-Therneau approximation); checked against R in the tests.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["cox_zph"]


def _transform(time, event, kind):
    if kind == "identity":
        return time.copy()
    if kind == "rank":
        return stats.rankdata(time)
    if kind == "km":
        # left-continuous pooled Kaplan-Meier at each time
        ut = np.unique(time[event > 0])
        n_at = np.array([(time >= u).sum() for u in ut], float)
        d_at = np.array([((time == u) & (event > 0)).sum() for u in ut], float)
        s = np.cumprod(1 - d_at / n_at)
        idx = np.searchsorted(ut, time, side="left")  # number of event times strictly before t
        s_before = np.r_[1.0, s][idx]
        return 1.0 - s_before
    raise ValueError(kind)


def cox_zph(time, event, X, beta, names, *, ties="efron", transform="km", terms=None):
    """Rows (term, chisq, df, p_value) per term and GLOBAL. ``terms`` maps term name -> column indices
    (default: one column per term)."""
    import pandas as pd

    time = np.asarray(time, float)
    event = np.asarray(event, float)
    X = np.asarray(X, float)
    n, p = X.shape
    g = _transform(time, event, transform)
    gev = g[event > 0]
    g = g - gev.mean()  # centring does not change the score test; it helps numerics (as R does)
    w = np.exp(X @ np.asarray(beta, float))
    Z = np.hstack([X, X * g[:, None]])  # g is evaluated at each event time below, not per row
    q = 2 * p
    U = np.zeros(q)
    I = np.zeros((q, q))
    for u in np.unique(time[event > 0]):
        risk = time >= u
        dead = (time == u) & (event > 0)
        d = int(dead.sum())
        gk = g[dead][0]
        zr = np.hstack([X[risk], X[risk] * gk])
        zd = np.hstack([X[dead], X[dead] * gk])
        wr, wd = w[risk], w[dead]
        s0, s1 = wr.sum(), wr @ zr
        s2 = (zr * wr[:, None]).T @ zr
        d0, d1 = wd.sum(), wd @ zd
        d2 = (zd * wd[:, None]).T @ zd
        U += zd.sum(axis=0)
        for r in range(d):
            f = r / d if ties == "efron" else 0.0
            a0, a1, a2 = s0 - f * d0, s1 - f * d1, s2 - f * d2
            mean = a1 / a0
            U -= mean
            I += a2 / a0 - np.outer(mean, mean)
    del Z
    Iinv = np.linalg.inv(I)
    terms = terms or {nm: [j] for j, nm in enumerate(names)}
    rows = []
    for nm, cols in terms.items():
        # as R: the term's x*g(t) columns are added alone (the other terms keep proportional hazards)
        jj = [p + j for j in cols]
        sub = list(range(p)) + jj
        inv = np.linalg.inv(I[np.ix_(sub, sub)])
        k = len(jj)
        u = U[jj]
        stat = float(u @ inv[-k:, -k:] @ u)
        rows.append({"term": nm, "chisq": stat, "df": k, "p_value": float(stats.chi2.sf(stat, k))})
    jj = list(range(p, q))
    u = U[jj]
    stat = float(u @ Iinv[np.ix_(jj, jj)] @ u)
    rows.append({"term": "GLOBAL", "chisq": stat, "df": p, "p_value": float(stats.chi2.sf(stat, p))})
    out = pd.DataFrame(rows)
    out["method"] = f"score test of x*g(t), g = {transform} (R survival::cox.zph)"
    return out
