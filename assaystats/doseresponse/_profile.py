"""Profile-likelihood intervals for single-curve fits.

For a quantity t (a parameter, or the log of an effective dose) the profile is
``tau(t) = sign(t - t_hat) * sqrt(RSS(t) - RSS_min) / s`` with ``RSS(t)`` the residual sum of squares
minimised over the other parameters with t held fixed, and ``s`` the residual standard error. The
interval is ``{t : |tau(t)| <= qt(1 - alpha/2, df)}``, R's rule for ``confint()`` on an nls fit.
R interpolates tau with a spline between profile points; here each limit is found by root finding,
so R's limits agree only to the accuracy of its interpolation (about 1e-4 relative).

Effective doses are profiled by reparameterising: holding log EDp fixed at t determines ``le`` from the
other parameters (``le = t - log(u_p) / b``), so no constrained optimiser is needed.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize

from ._fit import DoseResponseCurve
from ._models import INTERNAL, PARAM_INDEX

__all__ = ["profile_interval"]


def _inner_fit(curve: DoseResponseCurve, others: list[str], complete, w0: np.ndarray) -> tuple[float, np.ndarray]:
    """min over the `others` parameters of RSS, theta completed by complete(theta_partial)."""
    import lmfit

    prob = curve.problem
    base = curve.theta.copy()

    def theta_of(w):
        th = base.copy()
        for p, val in zip(others, w):
            th[PARAM_INDEX[p]] = val
        return complete(th)

    def resid_w(w):
        th = theta_of(w)
        if not np.all(np.isfinite(th)):
            return np.full(prob.y.size, 1e10)
        return prob.y - prob.model.predict_theta(prob.logx, th)

    if not others:
        r = resid_w(np.array([]))
        return float(r @ r), w0
    params = lmfit.Parameters()
    bounds = dict(zip(prob.layout.names, prob.bounds()))
    for i, p in enumerate(others):
        lo, hi = bounds.get(p, (-np.inf, np.inf))
        params.add(f"w{i}", value=float(np.clip(w0[i], lo, hi)), min=lo, max=hi)

    def resid(pars):
        return resid_w(np.array([pars[f"w{i}"].value for i in range(len(others))]))

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = lmfit.Minimizer(resid, params).leastsq(ftol=1e-13, xtol=1e-13, epsfcn=1e-14)
    w = np.array([res.params[f"w{i}"].value for i in range(len(others))])
    r = resid_w(w)
    return float(r @ r), w


def profile_interval(curve: DoseResponseCurve, kind: str, arg=None, *, level: float = 0.95,
                     start_se: float | None = None) -> tuple[float, float]:
    """Profile-likelihood interval of a quantity on the scale it is profiled on.

    kind: 'param' (arg = internal name: 'b', 'c', 'd', 'le', 'f'),
          'log_ed' (arg = p in percent; relative EDp, returned on the log-dose scale),
          'log_abs' (arg = response level; absolute ED on the log-dose scale).
    """
    if curve.df <= 0 or not np.isfinite(curve.rss):
        return (np.nan, np.nan)
    model = curve.model
    th_hat = curve.theta.copy()
    free = list(curve.free)
    if kind == "param":
        target = arg
        if target not in free:
            return (np.nan, np.nan)
        others = [p for p in free if p != target]
        t_hat = th_hat[PARAM_INDEX[target]]

        def make_complete(t):
            def complete(th):
                th = th.copy()
                th[PARAM_INDEX[target]] = t
                return th
            return complete
    else:
        if "le" not in free:
            return (np.nan, np.nan)
        others = [p for p in free if p != "le"]
        if kind == "log_ed":
            q = float(arg) / 100.0
            t_hat = float(np.real(model.log_ed_relative(q, th_hat)))

            def make_complete(t):
                def complete(th):
                    th = th.copy()
                    th[3] = 0.0
                    shift = float(np.real(model.log_ed_relative(q, th)))  # = log(u)/b part with le = 0
                    th[3] = t - shift
                    return th
                return complete
        elif kind == "log_abs":
            level_y = float(arg)
            t_hat = float(np.real(model.log_dose_at_response(level_y, th_hat)))

            def make_complete(t):
                def complete(th):
                    th = th.copy()
                    th[3] = 0.0
                    with np.errstate(all="ignore"):
                        shift = float(np.real(model.log_dose_at_response(level_y, th)))
                    th[3] = t - shift if np.isfinite(shift) else np.nan
                    return th
                return complete
        else:  # pragma: no cover
            raise ValueError(kind)
    if not np.isfinite(t_hat):
        return (np.nan, np.nan)

    s2 = curve.rss / curve.df
    cutoff = curve.t_quantile(level)
    w_hat = np.array([th_hat[PARAM_INDEX[p]] for p in others])

    def tau(t, w0):
        rss, w = _inner_fit(curve, others, make_complete(t), w0)
        return np.sqrt(max(rss - curve.rss, 0.0) / s2), w

    step = start_se if (start_se and np.isfinite(start_se) and start_se > 0) else 0.1 * max(abs(t_hat), 0.1)
    limits = []
    for direction in (-1.0, 1.0):
        w = w_hat.copy()
        prev_t, prev_tau = t_hat, 0.0
        found = None
        h = step
        for _ in range(60):
            t = prev_t + direction * h
            val, w_new = tau(t, w)
            if not np.isfinite(val):
                break
            if val >= cutoff:
                found = (prev_t, t)
                break
            if val <= prev_tau + 1e-12:  # profile flat: the limit is open
                h *= 2.0
            prev_t, prev_tau, w = t, val, w_new
            h *= 1.3
        if found is None:
            limits.append(np.nan)
            continue
        a, b_ = found
        wa = w.copy()
        try:
            root = optimize.brentq(lambda t: tau(t, wa)[0] - cutoff, min(a, b_), max(a, b_), xtol=1e-12, rtol=1e-12)
        except ValueError:
            root = np.nan
        limits.append(float(root))
    return (limits[0], limits[1])


__all__ += ["INTERNAL"]
