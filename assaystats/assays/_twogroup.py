"""Two-group tests with R's conventions, and signed effect sizes.

Each function returns a dict with the comparisons-table fields: estimate (group1 - group2, or the ratio for
the ratio t test), se, statistic, df, p_value, ci_low, ci_high, method, plus effect sizes.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__ = ["student_t", "welch_t", "paired_t", "ratio_paired_t", "mann_whitney", "wilcoxon_signed_rank",
           "hedges_correction", "power_ttest"]


def hedges_correction(df: float) -> float:
    """Exact small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))."""
    return float(np.exp(special.gammaln(df / 2) - 0.5 * np.log(df / 2) - special.gammaln((df - 1) / 2)))


def _ncp_interval(t, df, level):
    """Interval of the noncentrality of a t statistic (the noncentral t inverted, as R's effectsize and MBESS
    compute standardised-difference intervals). Why not pingouin's compute_esci: it uses the normal
    approximation of d's standard error, [0.26, 2.32] on PlantGrowth trt2 - trt1 where effectsize gives
    [0.352, 2.310] (tests/reference/assays_extra/make_reference_effects.R)."""
    from scipy import optimize

    a = (1 - level) / 2
    if not np.isfinite(t) or not np.isfinite(df):
        return np.nan, np.nan

    def cdf(ncp):
        v = stats.nct.cdf(t, df, ncp)
        return v if np.isfinite(v) else (1.0 if ncp < t else 0.0)  # far tails, where scipy returns NaN

    se = np.sqrt(1 + t * t / (2 * df))  # the noncentrality's spread around t

    def root(target):
        f = lambda ncp: cdf(ncp) - target  # noqa: E731
        lo, hi = t - 4 * se, t + 4 * se
        while f(lo) < 0:
            lo -= 4 * se
        while f(hi) > 0:
            hi += 4 * se
        return optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12)

    return root(1 - a), root(a)


def _d_intervals(t, df, scale, j, level):
    """(d low, d high, g low, g high): the noncentrality interval times ``scale`` (sqrt(1/n1 + 1/n2), or
    1/sqrt(n) for d_z), and that times Hedges' J for g."""
    lo, hi = _ncp_interval(t, df, level)
    return lo * scale, hi * scale, lo * scale * j, hi * scale * j


def _rank_biserial_interval(r, se, level):
    """Fisher-z interval of a rank-biserial correlation (effectsize's rank_biserial)."""
    z = stats.norm.ppf(0.5 + level / 2)
    rf = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
    return float(np.tanh(rf - z * se)), float(np.tanh(rf + z * se))


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
    j = hedges_correction(df)
    dl, dh, gl, gh = _d_intervals(d * np.sqrt(n1 * n2 / (n1 + n2)), df, np.sqrt(1 / n1 + 1 / n2), j, level)
    return {"estimate": diff, "se": sp * np.sqrt(1 / n1 + 1 / n2), "statistic": float(res.statistic), "df": df,
            "p_value": float(res.pvalue), "ci_low": lo, "ci_high": hi, "method": "Student t (pooled variance)",
            "effect_size": d, "effect_size_name": "Cohen d", "hedges_g": d * j, "effect_size_ci_low": dl,
            "effect_size_ci_high": dh, "hedges_g_ci_low": gl, "hedges_g_ci_high": gh}


def welch_t(x, y, *, level=0.95, alternative="two-sided"):
    x, y = np.asarray(x, float), np.asarray(y, float)
    res = stats.ttest_ind(x, y, equal_var=False, alternative=alternative)
    n1, n2 = x.size, y.size
    diff = x.mean() - y.mean()
    sp = np.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    d = diff / sp
    lo, hi = _ci(res, level)
    j = hedges_correction(n1 + n2 - 2)
    # d uses the pooled SD (effectsize's default, pooled_sd = TRUE), so its interval is the pooled t's
    dl, dh, gl, gh = _d_intervals(d * np.sqrt(n1 * n2 / (n1 + n2)), n1 + n2 - 2, np.sqrt(1 / n1 + 1 / n2), j, level)
    return {"estimate": diff, "se": float(np.sqrt(x.var(ddof=1) / n1 + y.var(ddof=1) / n2)),
            "statistic": float(res.statistic), "df": float(res.df), "p_value": float(res.pvalue), "ci_low": lo,
            "ci_high": hi, "method": "Welch t (unequal variances)", "effect_size": d, "effect_size_name": "Cohen d",
            "hedges_g": d * j, "effect_size_ci_low": dl, "effect_size_ci_high": dh, "hedges_g_ci_low": gl,
            "hedges_g_ci_high": gh}


def paired_t(x, y, *, level=0.95, alternative="two-sided"):
    x, y = np.asarray(x, float), np.asarray(y, float)
    res = stats.ttest_rel(x, y, alternative=alternative)
    dif = x - y
    lo, hi = _ci(res, level)
    n = dif.size
    dz = dif.mean() / dif.std(ddof=1) if n > 1 else np.nan
    j = hedges_correction(n - 1) if n > 2 else np.nan
    dl, dh, gl, gh = _d_intervals(dz * np.sqrt(n), n - 1, 1 / np.sqrt(n), j, level)
    return {"estimate": float(dif.mean()), "se": float(dif.std(ddof=1) / np.sqrt(n)),
            "statistic": float(res.statistic), "df": float(n - 1), "p_value": float(res.pvalue), "ci_low": lo,
            "ci_high": hi, "method": "paired t", "effect_size": dz, "effect_size_name": "Cohen d_z",
            "hedges_g": dz * j, "effect_size_ci_low": dl, "effect_size_ci_high": dh, "hedges_g_ci_low": gl,
            "hedges_g_ci_high": gh}


def ratio_paired_t(x, y, *, level=0.95, alternative="two-sided"):
    """Paired t on log values; estimate and interval back-transformed to the ratio x / y (Prism's ratio t)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    out = paired_t(np.log(x), np.log(y), level=level, alternative=alternative)
    out.update(estimate=float(np.exp(out["estimate"])), ci_low=float(np.exp(out["ci_low"])),
               ci_high=float(np.exp(out["ci_high"])), method="ratio paired t (paired t on logs)",
               se=np.nan)
    return out


def mann_whitney(x, y, *, alternative="two-sided", level=0.95, **_):
    """R's wilcox.test(x, y): exact when both n < 50 and there are no ties, otherwise the normal
    approximation with tie-corrected variance and continuity correction. Statistic = W (R) = U of x."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ties = np.unique(np.r_[x, y]).size < x.size + y.size
    exact = x.size < 50 and y.size < 50 and not ties
    res = stats.mannwhitneyu(x, y, alternative=alternative, use_continuity=True,
                             method="exact" if exact else "asymptotic")
    n1, n2 = x.size, y.size
    r = float(2 * res.statistic / (n1 * n2) - 1)
    rl, rh = _rank_biserial_interval(r, np.sqrt((n1 + n2 + 1) / (3 * n1 * n2)), level)
    return {"estimate": float(np.median(x) - np.median(y)), "se": np.nan, "statistic": float(res.statistic),
            "df": np.nan, "p_value": float(res.pvalue), "ci_low": np.nan, "ci_high": np.nan,
            "method": f"Mann-Whitney U ({'exact' if exact else 'normal approximation, continuity corrected'})",
            "effect_size": r, "effect_size_name": "rank-biserial r", "hedges_g": np.nan, "effect_size_ci_low": rl,
            "effect_size_ci_high": rh, "hedges_g_ci_low": np.nan, "hedges_g_ci_high": np.nan}


def wilcoxon_signed_rank(x, y, *, alternative="two-sided", level=0.95, **_):
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
    r = float((2 * v) / (n * (n + 1) / 2) - 1) if n else np.nan
    rl, rh = _rank_biserial_interval(r, np.sqrt((2 * n**3 + 3 * n**2 + n) / 6) / ((n**2 + n) / 2), level) if n else (
        np.nan, np.nan)
    return {"estimate": float(np.median(d)), "se": np.nan, "statistic": v, "df": np.nan,
            "effect_size_ci_low": rl, "effect_size_ci_high": rh, "hedges_g_ci_low": np.nan,
            "hedges_g_ci_high": np.nan,
            "p_value": float(res.pvalue), "ci_low": np.nan, "ci_high": np.nan,
            "method": f"Wilcoxon signed-rank ({'exact' if exact else 'normal approximation, continuity corrected'}"
                      f"{'; zeros dropped' if zeros else ''})",
            "effect_size": r,
            "effect_size_name": "matched-pairs rank-biserial r", "hedges_g": np.nan}


def power_ttest(d=None, n=None, power=None, *, alpha: float = 0.05, contrast: str = "two-samples",
                alternative: str = "two-sided", n2=None) -> float:
    """Power of a t test, or the sample size (per group) or the standardised difference d it needs: give all but
    one of ``d``, ``n``, ``power``. ``contrast``: 'two-samples', 'paired' or 'one-sample'; with ``n2`` the two
    groups differ in size (two samples only). Wraps pingouin's power_ttest / power_ttest2n (both rejection
    tails, R's power.t.test(strict = TRUE); R's default strict = FALSE differs by the far tail, 2e-5 at
    n = 10, d = 1)."""
    from .._validate import check_choice
    from ..errors import AssayDataError

    check_choice("contrast", contrast, ("two-samples", "paired", "one-sample"))
    check_choice("alternative", alternative, ("two-sided", "greater", "less"))
    if sum(v is None for v in (d, n, power)) != 1:
        raise AssayDataError("power_ttest needs exactly one of d, n and power left out (the one to compute)")
    import pingouin as pg

    if n2 is not None:
        if contrast != "two-samples" or n is None:
            raise AssayDataError("n2 (a second group size) goes with contrast='two-samples' and n")
        return float(pg.power_ttest2n(nx=n, ny=n2, d=d, power=power, alpha=alpha, alternative=alternative))
    return float(pg.power_ttest(d=d, n=n, power=power, alpha=alpha, contrast=contrast, alternative=alternative))
