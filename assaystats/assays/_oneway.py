"""Several groups: omnibus tests and post tests that use the pooled ANOVA error (as Prism and R do).

Omnibus: one-way ANOVA, Welch's ANOVA, Brown-Forsythe's F* (means, unequal variances), Kruskal-Wallis.
Post tests: Dunnett (vs a control; deterministic quadrature, see _dunnett), Tukey-Kramer (studentized range),
pairwise pooled-error t tests with Sidak / Holm-Sidak / Bonferroni / Holm / Benjamini-Hochberg adjustment,
Games-Howell (unequal variances) and Dunn (after Kruskal-Wallis).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy import stats

from ._dunnett import dunnett_pvalue, dunnett_quantile

__all__ = ["anova_oneway", "welch_anova", "brown_forsythe_anova", "kruskal", "posthoc"]

ADJUST = {"sidak": "sidak", "holm-sidak": "holm-sidak", "bonferroni": "bonferroni", "holm": "holm",
          "bh": "fdr_bh", "none": None}


def _pool(samples):
    n = np.array([s.size for s in samples], float)
    m = np.array([s.mean() for s in samples])
    v = np.array([s.var(ddof=1) if s.size > 1 else np.nan for s in samples])
    return n, m, v


def anova_oneway(samples) -> dict:
    n, m, v = _pool(samples)
    N, k = n.sum(), len(samples)
    grand = sum(s.sum() for s in samples) / N
    ssb = float(np.sum(n * (m - grand) ** 2))
    ssw = float(sum(((s - s.mean()) ** 2).sum() for s in samples))
    df1, df2 = k - 1, N - k
    F = (ssb / df1) / (ssw / df2)
    return {"term": "group", "statistic": F, "df_num": df1, "df_den": df2, "p_value": float(stats.f.sf(F, df1, df2)),
            "method": "one-way ANOVA", "ss_between": ssb, "ss_within": ssw, "mse": ssw / df2}


def welch_anova(samples) -> dict:
    """Welch (1951), R's oneway.test(var.equal = FALSE), via statsmodels."""
    from statsmodels.stats.oneway import anova_oneway

    r = anova_oneway(list(samples), use_var="unequal", welch_correction=True)
    return {"term": "group", "statistic": float(r.statistic), "df_num": float(r.df[0]), "df_den": float(r.df[1]),
            "p_value": float(r.pvalue), "method": "Welch ANOVA (unequal variances)"}


def brown_forsythe_anova(samples) -> dict:
    """Brown & Forsythe (1974) F* for equality of means under unequal variances (not the variance test).

    Hand-written: statsmodels' anova_oneway(use_var="bf") uses Mehrotra's (1997) modified numerator df
    (1.81 instead of 2 on PlantGrowth, p 0.0205), whereas R, SPSS and Prism report the classical test
    (df1 = k - 1, p 0.0179), which the tests check against R."""
    n, m, v = _pool(samples)
    N, k = n.sum(), len(samples)
    grand = np.sum(n * m) / N
    denom_terms = (1 - n / N) * v
    F = np.sum(n * (m - grand) ** 2) / denom_terms.sum()
    c = denom_terms / denom_terms.sum()
    df2 = 1 / np.sum(c**2 / (n - 1))
    return {"term": "group", "statistic": float(F), "df_num": k - 1, "df_den": float(df2),
            "p_value": float(stats.f.sf(F, k - 1, df2)), "method": "Brown-Forsythe ANOVA (unequal variances)"}


def kruskal(samples) -> dict:
    res = stats.kruskal(*samples)
    return {"term": "group", "statistic": float(res.statistic), "df_num": len(samples) - 1, "df_den": np.nan,
            "p_value": float(res.pvalue), "method": "Kruskal-Wallis (chi-square approximation, tie corrected)"}


def _pairs(levels, control, which):
    if which == "control":
        return [(g, control) for g in levels if g != control]
    return [(b, a) for a, b in combinations(levels, 2)]


def posthoc(samples: dict, method: str, *, control=None, level=0.95, alternative="two-sided") -> list[dict]:
    """Post-test rows (group1, group2, estimate = mean1 - mean2, se, statistic, df, p_value, p_adjusted,
    ci_low, ci_high, method, adjustment). Dunnett needs ``control``."""
    levels = list(samples)
    arrs = {g: np.asarray(v, float) for g, v in samples.items()}
    n = {g: a.size for g, a in arrs.items()}
    mean = {g: a.mean() for g, a in arrs.items()}
    var = {g: a.var(ddof=1) for g, a in arrs.items()}
    N, k = sum(n.values()), len(levels)
    df = N - k
    mse = sum((n[g] - 1) * var[g] for g in levels) / df
    rows = []
    if method == "dunnett":
        pairs = _pairs(levels, control, "control")
        lam = np.array([np.sqrt(n[g] / (n[g] + n[control])) for g, _ in pairs])
        crit = dunnett_quantile(level, lam, df, two_sided=alternative == "two-sided")
        for g, c in pairs:
            est = mean[g] - mean[c]
            se = np.sqrt(mse * (1 / n[g] + 1 / n[c]))
            t = est / se
            p = dunnett_pvalue(t, lam, df, alternative=alternative)
            lo = est - crit * se if alternative != "less" else -np.inf
            hi = est + crit * se if alternative != "greater" else np.inf
            rows.append(_row(g, c, est, se, t, df, np.nan, p, lo, hi, "Dunnett (pooled ANOVA error)",
                             "single-step (exact multivariate t)"))
        return rows
    if method == "tukey":
        for g, c in _pairs(levels, control, "all"):
            est = mean[g] - mean[c]
            se = np.sqrt(mse / 2 * (1 / n[g] + 1 / n[c]))  # Tukey-Kramer
            q = abs(est) / se
            p = float(stats.studentized_range.sf(q, k, df))
            qc = float(stats.studentized_range.ppf(level, k, df))
            rows.append(_row(g, c, est, se * np.sqrt(2), est / (se * np.sqrt(2)), df, np.nan, p, est - qc * se,
                             est + qc * se, "Tukey-Kramer (pooled ANOVA error)", "studentized range"))
        return rows
    if method == "games-howell":
        for g, c in _pairs(levels, control, "all"):
            est = mean[g] - mean[c]
            a, b = var[g] / n[g], var[c] / n[c]
            se = np.sqrt(a + b)
            dfw = (a + b) ** 2 / (a**2 / (n[g] - 1) + b**2 / (n[c] - 1))
            t = est / se
            p = float(stats.studentized_range.sf(np.sqrt(2) * abs(t), k, dfw))
            qc = float(stats.studentized_range.ppf(level, k, dfw)) / np.sqrt(2)
            rows.append(_row(g, c, est, se, t, dfw, np.nan, p, est - qc * se, est + qc * se,
                             "Games-Howell (Welch standard errors)", "studentized range"))
        return rows
    if method == "dunn":
        allv = np.concatenate([arrs[g] for g in levels])
        ranks = stats.rankdata(allv)
        pos, rbar = 0, {}
        for g in levels:
            rbar[g] = ranks[pos:pos + n[g]].mean()
            pos += n[g]
        _, counts = np.unique(allv, return_counts=True)
        tie = np.sum(counts**3 - counts) / (12 * (N - 1))
        pairs = _pairs(levels, control, "control" if control is not None else "all")
        raw = []
        for g, c in pairs:
            se = np.sqrt((N * (N + 1) / 12 - tie) * (1 / n[g] + 1 / n[c]))
            z = (rbar[g] - rbar[c]) / se
            raw.append((g, c, rbar[g] - rbar[c], se, z, 2 * stats.norm.sf(abs(z))))
        adj = _adjust([r[5] for r in raw], "holm")
        for (g, c, est, se, z, p), pa in zip(raw, adj):
            rows.append(_row(g, c, est, se, z, np.nan, p, pa, np.nan, np.nan,
                             "Dunn (mean-rank difference, tie corrected)", "holm"))
        return rows
    # pooled-error t tests with a p-value adjustment
    if method not in ADJUST:
        raise ValueError(method)
    pairs = _pairs(levels, control, "control" if control is not None else "all")
    raw = []
    for g, c in pairs:
        est = mean[g] - mean[c]
        se = np.sqrt(mse * (1 / n[g] + 1 / n[c]))
        t = est / se
        if alternative == "two-sided":
            p = 2 * stats.t.sf(abs(t), df)
        elif alternative == "greater":
            p = stats.t.sf(t, df)
        else:
            p = stats.t.cdf(t, df)
        raw.append((g, c, est, se, t, p))
    adj = _adjust([r[5] for r in raw], ADJUST[method])
    m = len(raw)
    # simultaneous intervals: Bonferroni / Sidak per-comparison levels (Prism); plain t otherwise
    if method in ("bonferroni", "holm"):
        a = (1 - level) / m
    elif method in ("sidak", "holm-sidak"):
        a = 1 - level ** (1 / m)
    else:
        a = 1 - level
    tc = stats.t.ppf(1 - a / 2, df)
    for (g, c, est, se, t, p), pa in zip(raw, adj):
        rows.append(_row(g, c, est, se, t, df, p, pa, est - tc * se, est + tc * se, "t test (pooled ANOVA error)",
                         method))
    return rows


def _adjust(p, method):
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p, float)
    if method is None or p.size == 0:
        return p
    return multipletests(p, method=method)[1]


def _row(g1, g2, est, se, stat, df, p_raw, p_adj, lo, hi, method, adjustment):
    return {"group1": g1, "group2": g2, "estimate": float(est), "se": float(se), "statistic": float(stat),
            "df": float(df) if df == df else np.nan, "p_value": float(p_raw if p_raw == p_raw else p_adj),
            "p_adjusted": float(p_adj), "ci_low": float(lo), "ci_high": float(hi), "method": method,
            "adjustment": adjustment}
