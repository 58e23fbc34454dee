"""Kaplan-Meier estimates with Greenwood standard errors and R's confidence-interval types, medians with
R's rule, survival at chosen times, restricted mean survival time.

The product-limit estimate comes from lifelines; the interval arithmetic follows R's survfit (std.err is the
standard error of the cumulative hazard, sqrt(sum d / (n (n - d)))): 'log' (R's default) S exp(+-z se),
'log-log' (lifelines', SAS's) exp(-exp(log(-log S) +- z se / log S)), 'plain' S (1 +- z se).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["km_table", "median_with_ci", "rmst", "surv_at", "quantile_time"]


def km_table(time, event, *, conf_type="log", ci_level=0.95):
    """One row per distinct time: n_at_risk, n_event, n_censor, surv, std_err, ci_low, ci_high."""
    import pandas as pd
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter().fit(np.asarray(time, float), np.asarray(event, float))
    et = kmf.event_table
    et = et[et.index > 0] if (et.index == 0).any() and et.loc[0, "observed"] == 0 and et.loc[0, "censored"] == 0 else et
    t = et.index.to_numpy(float)
    n = et["at_risk"].to_numpy(float)
    d = et["observed"].to_numpy(float)
    c = et["censored"].to_numpy(float)
    s = kmf.survival_function_at_times(t).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(n > d, d / (n * (n - d)), np.inf)
    se = np.sqrt(np.cumsum(inc))
    lo, hi = _ci(s, se, conf_type, ci_level)
    keep = (d > 0) | (c > 0)
    return pd.DataFrame({"time": t, "n_at_risk": n.astype(int), "n_event": d.astype(int), "n_censor": c.astype(int),
                         "surv": s, "std_err": se, "ci_low": lo, "ci_high": hi})[keep].reset_index(drop=True)


def _ci(s, se, conf_type, level):
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            lo = np.where(s > 0, s * np.exp(-z * se), np.nan)
            hi = np.where(s > 0, np.minimum(s * np.exp(z * se), 1.0), np.nan)
        elif conf_type == "log-log":
            ok = (s > 0) & (s < 1)
            ll = np.log(-np.log(np.where(ok, s, 0.5)))
            ls = np.log(np.where(ok, s, 0.5))
            lo = np.where(ok, np.exp(-np.exp(ll - z * se / ls)), np.nan)
            hi = np.where(ok, np.exp(-np.exp(ll + z * se / ls)), np.nan)
        elif conf_type == "plain":
            lo = np.maximum(s - z * se * s, 0.0)
            hi = np.minimum(s + z * se * s, 1.0)
        else:
            raise ValueError(conf_type)
    lo = np.where(np.isfinite(se), lo, np.nan)
    hi = np.where(np.isfinite(se), hi, np.nan)
    return lo, hi


def quantile_time(times, surv, p=0.5, tol=np.sqrt(np.finfo(float).eps)):
    """R's rule (survival:::quantile.survfit): the first time the curve is <= 1 - p; when it is flat exactly
    at 1 - p, the midpoint between the start of that flat part and the next drop. NaN if never reached."""
    times = np.asarray(times, float)
    surv = np.asarray(surv, float)
    target = 1 - p
    ok = np.isfinite(surv)
    times, surv = times[ok], surv[ok]
    eq = np.abs(surv - target) < tol
    if eq.any():
        below = surv < target - tol
        t_eq = times[eq].min()
        return float(0.5 * (t_eq + times[below].min())) if below.any() else float(0.5 * (t_eq + times[eq].max()))
    hit = surv <= target
    return float(times[hit].min()) if hit.any() else np.nan


def median_with_ci(tab):
    """Median and its interval: the lower limit is where the lower confidence curve reaches 0.5 (it drops
    first), the upper limit where the upper curve does; NaN = not reached."""
    return (quantile_time(tab.time, tab.surv), quantile_time(tab.time, tab.ci_low),
            quantile_time(tab.time, tab.ci_high))


def surv_at(tab, t):
    """S(t) with its interval (step function, right-continuous); 1 before the first time."""
    before = tab[tab.time <= t]
    if before.empty:
        return 1.0, 1.0, 1.0
    r = before.iloc[-1]
    return float(r.surv), float(r.ci_low), float(r.ci_high)


def rmst(tab, tau):
    """Restricted mean survival time up to tau and its standard error (R's print.survfit rmean, se)."""
    t = np.r_[0.0, tab.time.to_numpy(float)]
    s = np.r_[1.0, tab.surv.to_numpy(float)]
    keep = t < tau
    t_, s_ = t[keep], s[keep]
    widths = np.diff(np.r_[t_, tau])
    area = float(np.sum(widths * s_))
    # se: sum over event times of A(t_i)^2 d_i / (n_i (n_i - d_i)), A(t_i) = area from t_i to tau
    ev = tab[(tab.n_event > 0) & (tab.time < tau)]
    var = 0.0
    for r in ev.itertuples(index=False):
        a = _area_after(t_, s_, widths, r.time)
        if r.n_at_risk > r.n_event:
            var += a * a * r.n_event / (r.n_at_risk * (r.n_at_risk - r.n_event))
    return area, float(np.sqrt(var))


def _area_after(t_, s_, widths, ti):
    m = t_ >= ti
    return float(np.sum(widths[m] * s_[m]))
