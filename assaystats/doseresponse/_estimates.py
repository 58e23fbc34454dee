"""Derived estimates of a fitted curve and their intervals by the delta method.

Gradients of derived quantities are taken by the complex step (statsmodels' ``approx_fprime_cs``; exact to
machine precision for the analytic model functions) rather than finite differences, so that delta-method
standard errors match drc's analytic ones to the printed digits. ``complex_step_gradient`` is the one place
that does it (here and in ``_compare``).

Interval scales. Standard errors are always on the natural scale (dose units). For dose-like quantities
(EDs, IC50s, ratios of them) the default interval is computed on the log scale and transformed back
(``scale='log'``, as Prism reports the IC50 interval from the log IC50 interval; never negative, and
asymmetric as the estimate's distribution is). ``scale='linear'`` gives drc's symmetric
``estimate +- t * se`` (``ED(..., interval = 'delta')``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._fit import DoseResponseCurve
from ._models import INTERNAL, PARAM_INDEX

__all__ = ["complex_step_gradient", "delta_gradient", "delta_se", "interval", "ed_relative", "ed_absolute",
           "auc_log10"]

#: the complex step; its truncation error is O(step ** 2) and there is no subtraction, so any tiny step is exact
COMPLEX_STEP = 1e-20


def complex_step_gradient(fun: Callable[[np.ndarray], complex | np.ndarray], x: np.ndarray,
                          index: Sequence[int] | None = None) -> np.ndarray:
    """Derivatives of ``fun(x)`` (a number or a 1-d array) with respect to ``x[index]`` (default: all entries), by
    statsmodels' complex-step ``approx_fprime_cs``: shape (len(index),) for a number, (len(fun), len(index)) for
    an array. ``fun`` must accept a complex vector (every model function here does)."""
    from statsmodels.tools.numdiff import approx_fprime_cs

    x = np.asarray(x, float)
    idx = np.arange(x.size) if index is None else np.asarray(index, int)

    def on_subset(z):
        full = x.astype(complex)
        full[idx] = z
        return fun(full)

    return approx_fprime_cs(x[idx], on_subset, epsilon=COMPLEX_STEP)


def delta_gradient(fun: Callable[[np.ndarray], complex], theta: np.ndarray, free: tuple[str, ...]) -> np.ndarray:
    """Gradient of fun(theta) w.r.t. the 5 internal parameters (zero for the fixed ones)."""
    g = np.zeros(5)
    idx = [PARAM_INDEX[p] for p in free]
    if idx:
        g[idx] = complex_step_gradient(fun, theta, idx)
    return g


def delta_se(fun, curve: DoseResponseCurve, cov: str | None = None) -> tuple[float, float]:
    """(value, standard error) of fun(theta) by the delta method."""
    val = float(np.real(fun(curve.theta.astype(complex))))
    g = delta_gradient(fun, curve.theta, curve.free)
    C = curve.full_cov(cov)
    var = float(g @ C @ g)
    return val, (float(np.sqrt(var)) if var >= 0 and np.isfinite(var) else np.nan)


def interval(est: float, se: float, tq: float, scale: str) -> tuple[float, float]:
    if not (np.isfinite(est) and np.isfinite(se) and np.isfinite(tq)):
        return (np.nan, np.nan)
    if scale == "log":
        if est <= 0:
            return (np.nan, np.nan)
        half = tq * se / est
        with np.errstate(over="ignore"):  # a huge SE (a flat fit): the interval is honestly (0, inf)
            return (float(est * np.exp(-half)), float(est * np.exp(half)))
    return (float(est - tq * se), float(est + tq * se))


def ed_relative(curve: DoseResponseCurve, p: float, cov: str | None = None) -> tuple[float, float]:
    """drc's relative EDp (p in percent) and its delta SE, in dose units."""
    q = p / 100.0
    return delta_se(lambda th: np.exp(curve.model.log_ed_relative(q, th)), curve, cov)


def ed_absolute(curve: DoseResponseCurve, level: float, cov: str | None = None) -> tuple[float, float]:
    """Dose at which the fitted response equals ``level`` (drc's ``type = 'absolute'``); NaN if never."""
    b, c, d, _le, _f = curve.theta
    hval = (level - c) / (d - c) if d != c else np.nan
    if not (np.isfinite(hval) and 0.0 < hval < 1.0):
        return (np.nan, np.nan)
    return delta_se(lambda th: np.exp(curve.model.log_dose_at_response(level, th)), curve, cov)


def auc_log10(curve: DoseResponseCurve) -> float:
    """Area under the fitted curve over log10 dose, from the lowest to the highest tested positive dose
    (response units x decades). Divide by the number of decades for the mean response."""
    from scipy import integrate

    lo, hi = curve.tested_range
    if not (np.isfinite(lo) and hi > lo):
        return np.nan
    val, _ = integrate.quad(lambda t: float(curve.predict([10.0 ** t])[0]), np.log10(lo), np.log10(hi),
                            epsabs=1e-12, epsrel=1e-10, limit=200)
    return float(val)


def public_parameters(curve: DoseResponseCurve):
    """Rows (name, estimate, se, internal-name) on the public scale: hill = hill_sign * b (negative on a falling
    curve in every model; ``Model.hill_sign``), e = exp(le)."""
    rows = []
    C = curve.full_cov()
    for name, internal in (("hill", "b"), ("bottom", "c"), ("top", "d"), ("e", "le"), ("f", "f")):
        if internal == "f" and curve.model.name != "ll5":
            continue
        k = PARAM_INDEX[internal]
        est = curve.theta[k]
        fixed = internal not in curve.free
        se = np.nan if fixed else float(np.sqrt(C[k, k])) if C[k, k] >= 0 else np.nan
        if name == "hill":
            est = curve.model.hill_sign * est
        elif name == "e":
            est = float(np.exp(est))
            se = se * est
        rows.append((name, float(est), 0.0 if fixed else se, internal, fixed))
    return rows


__all__ += ["public_parameters", "INTERNAL"]
