"""Grouping patients by a gene's expression: fixed rules and the optimal cut with a corrected p value.

Fixed rules: median (ties at the cut go to 'low', stated), tertiles (top vs bottom third, the middle third
dropped; ``tertile`` and ``tertile-extremes`` name the same rule), quartiles (top vs bottom quarter, the middle half dropped, as GEPIA),
a percentile ``pNN`` or a value.

Optimal cut: maximally selected standardized log-rank statistic over the candidate cuts that leave at least
``minprop`` of the samples on each side (maxstat's LogRank scores, Hothorn & Lausen 2003), with the
Lausen-Schumacher / Lausen et al. (1994) improved Bonferroni p value (maxstat's pmethod 'Lau94'), clipped to
[0, 1]. The naive log-rank p value at that cut is reported separately and labelled as such. Hand-written
because no Python library implements these (checked against R's maxstat).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import AssayDataError

__all__ = ["logrank_scores", "maxstat_logrank", "p_lausen94", "split_by_rule"]


def logrank_scores(time, event):
    """exactRankTests::cscores.Surv log-rank scores: a_i = d_i - sum_{j: t_j <= t_i} d_j / (N - r_j + 1),
    r = rank with ties at their maximum."""
    time = np.asarray(time, float)
    event = np.asarray(event, float)
    N = time.size
    order = np.argsort(time, kind="stable")
    rt = stats.rankdata(time, method="max")
    fact = event / (N - rt + 1)
    cum = np.cumsum(fact[order])
    # cumsum over sorted order evaluated at rank rt (1-based position of the last tie)
    return event - cum[rt.astype(int) - 1]


def p_lausen94(b, N, m):
    m = np.asarray(m, float)
    if m.size < 2:
        return float(2 * stats.norm.sf(b))
    m1, m2 = m[:-1], m[1:]
    t = np.sqrt(1 - m1 * (N - m2) / ((N - m1) * m2))
    D = np.sum(1 / np.pi * np.exp(-b * b / 2) * (t - (b * b / 4 - 1) * t**3 / 6))
    return float(1 - (stats.norm.cdf(b) - stats.norm.cdf(-b)) + D)


def maxstat_logrank(x, time, event, *, minprop=0.1, maxprop=0.9) -> dict:
    """Maximally selected standardized log-rank statistic over cut points of x (groups x <= cut vs > cut)."""
    x = np.asarray(x, float)
    y = logrank_scores(time, event)
    N = x.size
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    m = np.flatnonzero(first)  # number of observations below each new distinct value
    lo, hi = int(np.floor(N * minprop)), int(np.floor(N * maxprop))
    m = m[(m >= lo) & (m <= hi) & (m > 0)]
    if m.size < 1:
        raise AssayDataError(f"no cut point leaves {minprop:.0%} of the samples on each side")
    ss = ys.sum()
    E = m / N * ss
    V = m * (N - m) / (N**2 * (N - 1)) * (N * np.sum(ys**2) - ss**2)
    test = np.abs((np.cumsum(ys)[m - 1] - E) / np.sqrt(V))
    k = int(np.argmax(test))
    stat = float(test[k])
    cut = float(xs[m[k] - 1])
    p = min(max(p_lausen94(stat, N, m), 0.0), 1.0)
    return {"cutpoint": cut, "statistic": stat, "p_value": p, "cuts": xs[m - 1], "stats": test,
            "n_low": int(np.sum(x <= cut)), "n_high": int(np.sum(x > cut)), "minprop": minprop, "maxprop": maxprop,
            "method": "maximally selected log-rank statistic, Lausen et al. (1994) corrected p value"}


def split_by_rule(x, rule: str):
    """Labels 'low' / 'high' (NaN = dropped) and a description of the rule and its tie handling."""
    x = np.asarray(x, float)
    r = str(rule).lower()
    lab = np.full(x.size, None, dtype=object)
    if r == "median":
        cut = float(np.median(x))
        lab[x <= cut] = "low"
        lab[x > cut] = "high"
        desc = f"median split at {cut:.4g} (samples equal to the median are 'low')"
    elif r in ("tertile", "tertiles", "tertile-extremes"):
        a, b = np.quantile(x, [1 / 3, 2 / 3])
        lab[x <= a] = "low"
        lab[x > b] = "high"
        desc = f"tertiles: bottom third (<= {a:.4g}) vs top third (> {b:.4g}); the middle third is dropped"
    elif r in ("quartile", "quartiles"):
        a, b = np.quantile(x, [0.25, 0.75])
        lab[x <= a] = "low"
        lab[x > b] = "high"
        desc = f"quartiles: bottom quarter (<= {a:.4g}) vs top quarter (> {b:.4g}); the middle half is dropped (as GEPIA)"
    elif r.startswith("p") and r[1:].replace(".", "", 1).isdigit():
        q = float(r[1:]) / 100
        if not 0 < q < 1:
            raise AssayDataError(f"percentile cut {rule!r} must lie between p1 and p99")
        cut = float(np.quantile(x, q))
        lab[x <= cut] = "low"
        lab[x > cut] = "high"
        desc = f"{q:.0%} percentile split at {cut:.4g} (ties go to 'low')"
    else:
        try:
            cut = float(rule)
        except ValueError:
            raise AssayDataError(f"unknown cutoff {rule!r}; use median, tertile, quartile, optimal, pNN or a number") from None
        lab[x <= cut] = "low"
        lab[x > cut] = "high"
        desc = f"split at the value {cut:.4g} (ties go to 'low')"
    return lab, desc
