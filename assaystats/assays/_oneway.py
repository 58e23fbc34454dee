"""Several groups: omnibus tests and post tests that use the pooled ANOVA error (as Prism and R do).

Omnibus: one-way ANOVA, Welch's ANOVA, Brown-Forsythe's F* (means, unequal variances), Kruskal-Wallis.
Post tests: Dunnett (vs a control; deterministic quadrature, see _dunnett), Tukey-Kramer (studentized range),
pairwise pooled-error t tests with Sidak / Holm-Sidak / Bonferroni / Holm / Benjamini-Hochberg adjustment,
Games-Howell (unequal variances) and Dunn (after Kruskal-Wallis).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .._multiplicity import adjust_p
from ._dunnett import dunnett_family, tukey_quantile, tukey_sf

__all__ = ["anova_effect_sizes", "power_anova", "anova_oneway", "welch_anova", "brown_forsythe_anova", "kruskal", "posthoc", "family_tests", "check_family"]

#: the p-value adjustments of post tests (the package's names; _multiplicity.adjust_p, statsmodels' multipletests)
ADJUST = ("sidak", "holm-sidak", "bonferroni", "holm", "bh", "none")


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
    """Indices (i1, i2) of the comparisons group1 - group2: each level against ``control``, or all pairs in the
    order of itertools.combinations (later level minus earlier level)."""
    k = len(levels)
    if which == "control":
        c = levels.index(control)
        i1 = np.array([i for i in range(k) if i != c], dtype=int)
        return i1, np.full(i1.size, c, dtype=int)
    i2, i1 = np.triu_indices(k, 1)
    return i1, i2


def all_pairs(method: str | None, control) -> bool:
    """Whether a post test compares every pair of groups (k (k - 1) / 2 comparisons) rather than each group with
    the control (k - 1)."""
    if method in (None, "dunnett", "omnibus"):
        return False
    return method in ("tukey", "games-howell") or control is None


def posthoc(samples: dict, method: str, *, control=None, level=0.95, alternative="two-sided"):
    """Post-test table (group1, group2, estimate = mean1 - mean2, se, statistic, df, p_value, p_adjusted,
    ci_low, ci_high, method, adjustment), one row per comparison. Dunnett needs ``control``.

    Everything that belongs to the family (the pooled error, the studentized-range or Dunnett table, the
    critical value) is computed once; the comparisons are arrays."""
    import pandas as pd

    levels = list(samples)
    arrs = [np.asarray(samples[g], float) for g in levels]
    n = np.array([a.size for a in arrs], float)
    mean = np.array([a.mean() for a in arrs])
    var = np.array([a.var(ddof=1) for a in arrs])
    N, k = float(n.sum()), len(levels)
    df = N - k
    mse = float(np.sum((n - 1) * var) / df)
    if method == "dunnett":
        i1, i2 = _pairs(levels, control, "control")
    elif method in ("tukey", "games-howell"):
        i1, i2 = _pairs(levels, control, "all")
    else:
        i1, i2 = _pairs(levels, control, "control" if control is not None else "all")
    n1, n2 = n[i1], n[i2]
    est = mean[i1] - mean[i2]
    m = est.size
    if method == "games-howell":
        a, b = var[i1] / n1, var[i2] / n2
        se = np.sqrt(a + b)
        dfw = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        fam = family_tests(est, se, dfw, "tukey", k=k, level=level, alternative=alternative)
        dfc, meth = dfw, "Games-Howell (Welch standard errors)"
    elif method == "dunn":
        allv = np.concatenate(arrs)
        ranks = stats.rankdata(allv)
        rbar = np.array([r.mean() for r in np.split(ranks, np.cumsum(n.astype(int))[:-1])])
        _, counts = np.unique(allv, return_counts=True)
        counts = counts.astype(float)
        tie = np.sum(counts**3 - counts) / (12 * (N - 1))
        se = np.sqrt((N * (N + 1) / 12 - tie) * (1 / n1 + 1 / n2))
        est = rbar[i1] - rbar[i2]
        fam = family_tests(est, se, np.inf, "holm", level=level)
        fam["ci_low"] = fam["ci_high"] = np.full(m, np.nan)  # mean-rank differences: no interval
        dfc, meth = np.full(m, np.nan), "Dunn (mean-rank difference, tie corrected)"
    else:
        # the pooled ANOVA error: Dunnett, Tukey-Kramer, or t tests with a p-value adjustment
        if method != "dunnett" and method not in ("tukey", *ADJUST):
            raise ValueError(method)
        se = np.sqrt(mse * (1 / n1 + 1 / n2))
        fam = family_tests(est, se, df, method, lam=np.sqrt(n1 / (n1 + n2)), k=k, level=level,
                           alternative=alternative)
        dfc = np.full(m, df)
        meth = {"dunnett": "Dunnett (pooled ANOVA error)", "tukey": "Tukey-Kramer (pooled ANOVA error)"}.get(
            method, "t test (pooled ANOVA error)")
    names = np.asarray(levels, dtype=object)
    return pd.DataFrame({"group1": names[i1], "group2": names[i2], "estimate": est, "se": se,
                         "statistic": est / se, "df": np.asarray(dfc, float), "p_value": fam["p"],
                         "p_adjusted": np.asarray(fam["p_adjusted"], float), "ci_low": fam["ci_low"],
                         "ci_high": fam["ci_high"], "method": meth, "adjustment": fam["adjustment"]})


def check_family(method, allowed, what):
    """An AssayDataError naming the post tests ``what`` (a model) can honour, when another was asked for."""
    from ..errors import AssayDataError

    if method not in allowed:
        raise AssayDataError(f"posthoc {method!r} is not available with {what}; use one of "
                             f"{', '.join(allowed)}")


def _one_factor_loadings(R):
    """lambda with R_ij = lambda_i lambda_j (i != j), or None when the correlation has no such structure. Groups
    compared with one shared control have it (Dunnett 1955), as do Poisson/negative-binomial rate ratios and
    balanced mixed-model contrasts; then the exact quadrature of _dunnett applies."""
    m = R.shape[0]
    if m == 1:
        return np.zeros(1)
    if m == 2:
        r = R[0, 1]
        lam = np.array([np.sqrt(abs(r)), np.sign(r) * np.sqrt(abs(r)) if r else 0.0])
    else:
        lam = np.empty(m)
        for i in range(m):
            vals = [R[i, j] * R[i, k_] / R[j, k_] for j in range(m) for k_ in range(j + 1, m)
                    if i not in (j, k_) and abs(R[j, k_]) > 1e-12]
            if not vals or np.median(vals) < 0:
                return None
            lam[i] = np.sqrt(np.median(vals))
        lam *= np.where(np.arange(m) == 0, 1.0, np.sign(R[0]))
        lam[0] = abs(lam[0])
    off = ~np.eye(m, dtype=bool)
    if np.all(np.abs(lam) < 1) and np.max(np.abs((np.outer(lam, lam) - R)[off])) < 1e-9:
        return lam
    return None


def _mv_max_cdf(q, R, df, alternative):
    """P(max_i |T_i| <= q) (or the one-sided max) for a multivariate t (normal when df is infinite) with
    correlation R of no one-factor structure: scipy's Genz-Bretz integration with a fixed seed (deterministic;
    absolute error ~1e-6, as R's multcomp)."""
    m = R.shape[0]
    lo = np.full(m, -q if alternative == "two-sided" else -np.inf)
    hi = np.full(m, q)
    if np.isfinite(df):
        dist = stats.multivariate_t(loc=np.zeros(m), shape=R, df=df, seed=20240611)
        return float(dist.cdf(hi, lower_limit=lo, maxpts=50000 * m))
    return float(stats.multivariate_normal(mean=np.zeros(m), cov=R, seed=20240611, maxpts=50000 * m).cdf(
        hi, lower_limit=lo))


def _dunnett_general(t, df, R, level, alternative):
    from scipy import optimize

    stat = np.abs(t) if alternative == "two-sided" else (t if alternative == "greater" else -t)
    p = np.array([1.0 - _mv_max_cdf(s, R, d, alternative) for s, d in zip(stat, df)])
    crit = np.array([optimize.brentq(lambda c, d=d: _mv_max_cdf(c, R, d, alternative) - level, 0.5, 20, xtol=1e-8)
                     for d in df])
    return np.clip(p, 0.0, 1.0), crit


def family_tests(est, se, df, method, *, level=0.95, alternative="two-sided", lam=None, corr=None, k=None):
    """One family of comparisons (estimates ``est`` with standard errors ``se`` and degrees of freedom ``df``,
    a scalar or one per comparison; np.inf for z tests): raw and adjusted p values and simultaneous intervals.

    method: 'dunnett' (single-step over the comparisons' joint t distribution: the correlation factors ``lam``,
    or the covariance ``corr`` of the estimates), 'tukey' (studentized range of ``k`` means; Games-Howell with
    per-pair df), or a p-value adjustment ('sidak', 'holm-sidak', 'bonferroni', 'holm', 'bh', 'none') with
    per-comparison intervals at the Bonferroni / Sidak level (Prism) or unadjusted; p values adjusted by the
    package's one adjust_p (assaystats._multiplicity, statsmodels' multipletests). The one engine behind every
    post test of compare (one-way, two-way, repeated measures, mixed and count models)."""
    est, se = np.asarray(est, float), np.asarray(se, float)
    m = est.size
    df = np.broadcast_to(np.asarray(df, float), (m,)).copy()
    t = est / se
    if alternative == "two-sided":
        p = 2 * stats.t.sf(np.abs(t), df)
    elif alternative == "greater":
        p = stats.t.sf(t, df)
    else:
        p = stats.t.cdf(t, df)
    if method == "dunnett":
        if lam is None:
            cov = np.asarray(corr, float)
            sd = np.sqrt(np.diag(cov))
            R = cov / np.outer(sd, sd)
            lam = _one_factor_loadings(R)
        if lam is not None:
            pa, crit = np.empty(m), np.empty(m)
            for d in np.unique(df):
                sel = df == d
                pa[sel], crit[sel] = dunnett_family(t[sel], lam, d, level=level, alternative=alternative)
        else:
            pa, crit = _dunnett_general(t, df, R, level, alternative)
        lo = est - crit * se if alternative != "less" else np.full(m, -np.inf)
        hi = est + crit * se if alternative != "greater" else np.full(m, np.inf)
        return {"p": p, "p_adjusted": pa, "ci_low": lo, "ci_high": hi,
                "adjustment": "single-step (exact multivariate t)"}
    if method == "tukey":
        pa = tukey_sf(np.sqrt(2) * np.abs(t), k, df)
        qc = tukey_quantile(level, k, df) / np.sqrt(2)
        return {"p": p, "p_adjusted": pa, "ci_low": est - qc * se, "ci_high": est + qc * se,
                "adjustment": "studentized range"}
    if method not in ADJUST:
        raise ValueError(method)
    if method in ("bonferroni", "holm"):
        a_ = (1 - level) / m
    elif method in ("sidak", "holm-sidak"):
        a_ = 1 - level ** (1 / m)
    else:
        a_ = 1 - level
    tc = stats.t.ppf(1 - a_ / 2, df)
    return {"p": p, "p_adjusted": adjust_p(p, None if method == "none" else method), "ci_low": est - tc * se,
            "ci_high": est + tc * se,
            "adjustment": method}


def anova_effect_sizes(F, df1, df2, level: float = 0.95, n=None) -> dict:
    """Partial eta squared and omega squared of an F test, from F and its df (R effectsize's F_to_eta2 and
    F_to_omega2; equal to the sums-of-squares definitions for ANOVA tables when ``n`` (the number of analysed values)
    is given), and eta squared's one-sided interval
    (effectsize's default: the lower limit at ``level``, upper limit 1) from the noncentral F. Hand-written:
    pingouin reports partial eta squared without an interval and no omega squared for every design here."""
    from scipy import optimize

    F, df1, df2 = float(F), float(df1), float(df2)
    if not (np.isfinite(F) and np.isfinite(df1) and np.isfinite(df2)) or df1 <= 0:
        return {"eta_squared_partial": np.nan, "eta_squared_ci_low": np.nan, "eta_squared_ci_high": np.nan,
                "omega_squared_partial": np.nan}
    eta = F * df1 / (F * df1 + df2)
    # omega^2_p = (SS_effect - df1 MSE) / (SS_effect + (N - df1) MSE) (effectsize on an ANOVA table); without N
    # (mixed-model F tests) N = df1 + df2 + 1, effectsize's F_to_omega2
    N = float(n) if n is not None else df1 + df2 + 1
    omega = max(0.0, (F - 1) * df1 / (F * df1 + N - df1))
    f = lambda ncp: stats.ncf.cdf(F, df1, df2, ncp) - level if ncp > 0 else stats.f.cdf(F, df1, df2) - level  # noqa: E731
    if f(0.0) <= 0:
        lam = 0.0
    else:
        hi = max(10.0, F * df1 * 2)
        while f(hi) > 0:
            hi *= 2
        lam = optimize.brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-12)
    # effectsize converts the noncentrality bound to an F (lambda / df1) and that F to eta squared
    return {"eta_squared_partial": eta, "eta_squared_ci_low": lam / (lam + df2), "eta_squared_ci_high": 1.0,
            "omega_squared_partial": omega}


def power_anova(eta_squared=None, k=None, n=None, power=None, *, alpha: float = 0.05) -> float:
    """Power of a one-way ANOVA of ``k`` groups of ``n`` (balanced), or the n, eta squared or k it needs: give all
    but one. Wraps pingouin's power_anova (Cohen's f^2 = eta^2 / (1 - eta^2); equal to R's pwr.anova.test)."""
    from ..errors import AssayDataError

    if sum(v is None for v in (eta_squared, k, n, power)) != 1:
        raise AssayDataError("power_anova needs exactly one of eta_squared, k, n and power left out (the one to "
                             "compute)")
    import pingouin as pg

    return float(pg.power_anova(eta_squared=eta_squared, k=k, n=n, power=power, alpha=alpha))
