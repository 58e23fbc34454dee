"""Assumption checks reported beside a result; they never switch the requested test."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["check_assumptions"]


def check_assumptions(residuals, groups=None, *, alpha: float = 0.05):
    """Shapiro-Wilk on residuals and the Brown-Forsythe (median-centred Levene) test of equal variances."""
    import pandas as pd

    rows = []
    res = np.asarray(residuals, float)
    if res.size < 5:
        rows.append({"check": "normality of residuals", "test": "Shapiro-Wilk", "statistic": np.nan,
                     "df_num": np.nan, "df_den": np.nan, "p_value": np.nan, "passed": True,
                     "note": f"not checked: {res.size} residuals are too few to judge normality"})
    elif res.size <= 5000:
        w = stats.shapiro(res)
        ok = w.pvalue >= alpha
        rows.append({"check": "normality of residuals", "test": "Shapiro-Wilk", "statistic": float(w.statistic),
                     "df_num": np.nan, "df_den": np.nan, "p_value": float(w.pvalue), "passed": bool(ok),
                     "note": "" if ok else "residuals depart from normality: consider a log transform or a "
                     "rank test (Mann-Whitney / Kruskal-Wallis); the requested test was kept"})
    if groups is not None and len(groups) >= 2 and all(len(g) >= 2 for g in groups):
        lev = stats.levene(*groups, center="median")
        k = len(groups)
        n = sum(len(g) for g in groups)
        ok = lev.pvalue >= alpha
        rows.append({"check": "equal variances", "test": "Brown-Forsythe (Levene, median-centred)",
                     "statistic": float(lev.statistic), "df_num": k - 1, "df_den": n - k, "p_value": float(lev.pvalue),
                     "passed": bool(ok), "note": "" if ok else "variances differ: consider Welch's t / Welch ANOVA "
                     "with Games-Howell post tests; the requested test was kept"})
    return pd.DataFrame(rows, columns=["check", "test", "statistic", "df_num", "df_den", "p_value", "passed", "note"])
