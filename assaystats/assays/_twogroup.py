"""Two-group tests with R's conventions, and signed effect sizes.

Each function returns a dict with the comparisons-table fields: estimate (group1 - group2, or the ratio for
the ratio t test), se, statistic, df, p_value, ci_low, ci_high, method, plus effect sizes.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__ = ["student_t", "welch_t", "paired_t", "ratio_paired_t", "mann_whitney", "wilcoxon_signed_rank",
           "hedges_correction"]


def hedges_correction(df: float) -> float:
    """Exact small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))."""
    return float(np.exp(special.gammaln(df / 2) - 0.5 * np.log(df / 2) - special.gammaln((df - 1) / 2)))


def _ci(res, level):
    ci = res.confidence_interval(confidence_level=level)
    return float(ci.low), float(ci.high)


def student_t(x, y, *, level=0.95, alternative="two-sided"):
    x, y = np.asarray(x, float), np.asarray(y, float)
    res = stats.ttest_ind(x, y, equal_var=True, alternative=alternative)
    n1, n2 = x.size, y.size
    df = n1 + n2 - 2
    sp = np.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / df)
    diff = x.mean() - y.mean()
    d = diff / sp
    lo, hi = _ci(res, level)
    return {"estimate": diff, "se": sp * np.sqrt(1 / n1 + 1 / n2), "statistic": float(res.statistic), "df": df,
            "p_value": float(res.pvalue), "ci_low": lo, "ci_high": hi, "method": "Student t (pooled variance)",
            "effect_size": d, "effect_size_name": "Cohen d", "hedges_g": d * hedges_correction(df)}


def welch_t(x, y, *, level=0.95, alternative="two-sided"):
    x, y = np.asarray(x, float), np.asarray(y, float)
    res = stats.ttest_ind(x, y, equal_var=False, alternative=alternative)
    n1, n2 = x.size, y.size
    diff = x.mean() - y.mean()
    sp = np.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    d = diff / sp
    lo, hi = _ci(res, level)
    return {"estimate": diff, "se": float(np.sqrt(x.var(ddof=1) / n1 + y.var(ddof=1) / n2)),
            "statistic": float(res.statistic), "df": float(res.df), "p_value": float(res.pvalue), "ci_low": lo,
            "ci_high": hi, "method": "Welch t (unequal variances)", "effect_size": d, "effect_size_name": "Cohen d",
            "hedges_g": d * hedges_correction(n1 + n2 - 2)}


def paired_t(x, y, *, level=0.95, alternative="two-sided"):
    x, y = np.asarray(x, float), np.asarray(y, float)
    res = stats.ttest_rel(x, y, alternative=alternative)
    dif = x - y
    lo, hi = _ci(res, level)
    n = dif.size
    dz = dif.mean() / dif.std(ddof=1) if n > 1 else np.nan
    return {"estimate": float(dif.mean()), "se": float(dif.std(ddof=1) / np.sqrt(n)),
            "statistic": float(res.statistic), "df": float(n - 1), "p_value": float(res.pvalue), "ci_low": lo,
            "ci_high": hi, "method": "paired t", "effect_size": dz, "effect_size_name": "Cohen d_z",
            "hedges_g": dz * hedges_correction(n - 1) if n > 2 else np.nan}


def ratio_paired_t(x, y, *, level=0.95, alternative="two-sided"):
    """Paired t on log values; estimate and interval back-transformed to the ratio x / y (Prism's ratio t)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    out = paired_t(np.log(x), np.log(y), level=level, alternative=alternative)
    out.update(estimate=float(np.exp(out["estimate"])), ci_low=float(np.exp(out["ci_low"])),
               ci_high=float(np.exp(out["ci_high"])), method="ratio paired t (paired t on logs)",
               se=np.nan)
    return out


def mann_whitney(x, y, *, alternative="two-sided", **_):
    """R's wilcox.test(x, y): exact when both n < 50 and there are no ties, otherwise the normal
    approximation with tie-corrected variance and continuity correction. Statistic = W (R) = U of x."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ties = np.unique(np.r_[x, y]).size < x.size + y.size
    exact = x.size < 50 and y.size < 50 and not ties
    res = stats.mannwhitneyu(x, y, alternative=alternative, use_continuity=True,
                             method="exact" if exact else "asymptotic")
    n1, n2 = x.size, y.size
    return {"estimate": float(np.median(x) - np.median(y)), "se": np.nan, "statistic": float(res.statistic),
            "df": np.nan, "p_value": float(res.pvalue), "ci_low": np.nan, "ci_high": np.nan,
            "method": f"Mann-Whitney U ({'exact' if exact else 'normal approximation, continuity corrected'})",
            "effect_size": float(2 * res.statistic / (n1 * n2) - 1), "effect_size_name": "rank-biserial r",
            "hedges_g": np.nan}


def wilcoxon_signed_rank(x, y, *, alternative="two-sided", **_):
    """R's wilcox.test(x, y, paired = TRUE): zero differences dropped; exact when n < 50 without ties or
    zeros, otherwise the normal approximation with tie correction and continuity correction. Statistic = V."""
    d = np.asarray(x, float) - np.asarray(y, float)
    nz = d[d != 0]
    ties = np.unique(np.abs(nz)).size < nz.size
    zeros = nz.size < d.size
    exact = nz.size < 50 and not ties and not zeros
    res = stats.wilcoxon(nz, zero_method="wilcox", correction=True, alternative=alternative,
                         method="exact" if exact else "approx")
    ranks = stats.rankdata(np.abs(nz))
    v = float(ranks[nz > 0].sum())
    n = nz.size
    return {"estimate": float(np.median(d)), "se": np.nan, "statistic": v, "df": np.nan,
            "p_value": float(res.pvalue), "ci_low": np.nan, "ci_high": np.nan,
            "method": f"Wilcoxon signed-rank ({'exact' if exact else 'normal approximation, continuity corrected'}"
                      f"{'; zeros dropped' if zeros else ''})",
            "effect_size": float((2 * v) / (n * (n + 1) / 2) - 1) if n else np.nan,
            "effect_size_name": "matched-pairs rank-biserial r", "hedges_g": np.nan}
