"""Single-curve and global fits: starting values, multi-start fallback, flags, covariance.

A fitted curve is a :class:`DoseResponseCurve` (it must predict at new doses, so it is an object);
everything it reports is computed here and by ``_estimates`` / ``_profile``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ._engine import FitOutcome, Layout, Problem
from ._models import INTERNAL, PARAM_INDEX, Model

__all__ = ["DoseResponseCurve", "fit_curve", "fit_global", "SLOPE_LIMIT", "LE_MARGIN_DECADES"]

#: |hill| is bounded by this value; a fit that ends on it is flagged ``at_bound:hill``. A Hill slope of
#: 20 moves the response from 10% to 90% of its range within a 1.25-fold dose step, steeper than any
#: dilution series can resolve.
SLOPE_LIMIT = 20.0
#: the mid-point may lie at most this many decades outside the tested positive doses
LE_MARGIN_DECADES = 5.0
#: Prism's rule: a parameter whose dependency exceeds this is not identifiable from the data
DEPENDENCY_LIMIT = 0.9999


def _log_doses(dose) -> np.ndarray:
    dose = np.asarray(dose, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(dose > 0, np.log(np.where(dose > 0, dose, 1.0)), -np.inf)


def start_values(model: Model, logx, y, fixed: dict[str, float], slope_limit: float) -> np.ndarray:
    """Data-driven start: plateaus from the dose means, slope and mid-point from a linearised fit."""
    logx = np.asarray(logx, float)
    y = np.asarray(y, float)
    ux, inv = np.unique(logx, return_inverse=True)
    means = np.bincount(inv, weights=y) / np.bincount(inv)
    lo, hi = float(np.min(means)), float(np.max(means))
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.05
    c0 = fixed.get("c", lo - pad)
    d0 = fixed.get("d", hi + pad)
    if d0 == c0:
        d0 = c0 + 1.0
    f0 = fixed.get("f", 1.0)
    pos = np.isfinite(ux)
    L = ux[pos]
    h = np.clip((means[pos] - c0) / (d0 - c0), 0.02, 0.98)
    if model.shape == "ll":
        z = np.log(1.0 / h - 1.0)
    elif model.shape == "w1":
        z = np.log(-np.log(h))
    else:
        z = np.log(-np.log(1.0 - h))
    b0, le0 = np.nan, np.nan
    if L.size >= 2 and np.ptp(L) > 0:
        slope, intercept = np.polyfit(L, z, 1)
        if abs(slope) > 1e-3:
            b0, le0 = slope, -intercept / slope
    decreasing = means[-1] < means[0]
    if not np.isfinite(b0):
        b0 = 1.0 if decreasing == (model.shape != "w2") else -1.0
        le0 = float(np.median(L)) if L.size else 0.0
    b0 = float(np.clip(b0, -0.9 * slope_limit, 0.9 * slope_limit))
    if L.size:
        le0 = float(np.clip(le0, L.min() - 2.0, L.max() + 2.0))
    th = np.array([b0, c0, d0, le0, f0], dtype=float)
    for k, val in fixed.items():
        th[PARAM_INDEX[k]] = val
    return th


def _le_bounds(logx) -> tuple[float, float] | None:
    L = np.asarray(logx)[np.isfinite(logx)]
    if L.size == 0:
        return None
    m = LE_MARGIN_DECADES * np.log(10.0)
    return float(L.min() - m), float(L.max() + m)


def _multistart(problem: Problem, first: np.ndarray, slope_limit: float) -> FitOutcome:
    """Deterministic grid of starts around the data-driven one; the best converged fit wins."""
    lay = problem.layout
    L = problem.logx[np.isfinite(problem.logx)]
    qs = np.quantile(L, [0.25, 0.5, 0.75]) if L.size else np.array([0.0])
    best: FitOutcome | None = None
    th0 = lay.matrix(first)
    for bsign in (1.0, -1.0):
        for bmag in (0.5, 1.0, 2.0, 5.0):
            for le in qs:
                th = th0.copy()
                if lay.modes["b"] != "fixed":
                    th[:, 0] = np.clip(bsign * bmag, -0.9 * slope_limit, 0.9 * slope_limit)
                if lay.modes["le"] != "fixed":
                    th[:, 3] = le
                out = problem.fit(lay.vector(th))
                if np.isfinite(out.rss) and (best is None or (out.success and not best.success)
                                             or (out.success == best.success and out.rss < best.rss)):
                    best = out
    assert best is not None
    return best


@dataclass
class DoseResponseCurve:
    """One fitted curve. ``predict(dose)`` gives fitted responses; the tables come from the API layer.

    Attributes hold the internal parameter vector ``theta = [b, c, d, le, f]`` (drc's names, le = log e)
    and the covariance of the free parameters under both ``jtj`` and ``hessian``.
    """

    model: Model
    label: str
    dose: np.ndarray
    response: np.ndarray
    theta: np.ndarray
    free: tuple[str, ...]
    cov_jtj: np.ndarray
    cov_hessian_: np.ndarray | None  # computed on first use (see get_cov)
    cov_kind: str
    rss: float
    converged: bool
    flags: list[str] = field(default_factory=list)
    problem: Problem | None = field(default=None, repr=False)
    nfev: int = 0

    # -- basic facts ---------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return int(self.response.size)

    @property
    def n_params(self) -> int:
        return len(self.free)

    @property
    def df(self) -> int:
        return self.n - self.n_params

    @property
    def sigma(self) -> float:
        return float(np.sqrt(self.rss / self.df)) if self.df > 0 else np.nan

    def get_cov(self, kind: str | None = None) -> np.ndarray:
        """Covariance of the free parameters: 'jtj' or 'hessian' (default: the fit's own choice)."""
        if (kind or self.cov_kind) == "jtj":
            return self.cov_jtj
        if self.cov_hessian_ is None:
            lay = self.problem.layout
            self.cov_hessian_ = self.problem.covariance(lay.vector(self.theta[None, :]), "hessian", self.df)
        return self.cov_hessian_

    @property
    def cov(self) -> np.ndarray:
        return self.get_cov()

    def full_cov(self, kind: str | None = None) -> np.ndarray:
        """5 x 5 covariance of theta (zeros for fixed parameters)."""
        C = self.get_cov(kind)
        full = np.zeros((5, 5))
        idx = [PARAM_INDEX[p] for p in self.free]
        full[np.ix_(idx, idx)] = C
        return full

    @property
    def tested_range(self) -> tuple[float, float]:
        pos = self.dose[self.dose > 0]
        return (float(pos.min()), float(pos.max())) if pos.size else (np.nan, np.nan)

    def predict(self, dose) -> np.ndarray:
        """Fitted response at ``dose`` (0 = vehicle plateau)."""
        return np.asarray(self.model.predict_theta(_log_doses(dose), self.theta), dtype=float)

    def loglik(self) -> float:
        """Gaussian log-likelihood at the ML variance RSS/n (R's logLik for nls and drc)."""
        n = self.n
        return float(-0.5 * n * (np.log(2 * np.pi) + np.log(self.rss / n) + 1.0))

    def aic(self) -> float:
        """R's AIC: -2 logLik + 2 (p + 1), the error variance counted as a parameter."""
        return float(-2.0 * self.loglik() + 2.0 * (self.n_params + 1))

    def bic(self) -> float:
        return float(-2.0 * self.loglik() + np.log(self.n) * (self.n_params + 1))

    def dependency(self) -> dict[str, float]:
        """Prism's dependency of each free parameter: 1 - 1 / (C_ii * (C^-1)_ii)."""
        C = self.cov
        out = {}
        if not np.all(np.isfinite(C)):
            return {p: np.nan for p in self.free}
        try:
            Ci = np.linalg.inv(C)
        except np.linalg.LinAlgError:
            return {p: 1.0 for p in self.free}
        for i, p in enumerate(self.free):
            out[p] = float(1.0 - 1.0 / (C[i, i] * Ci[i, i])) if C[i, i] > 0 else np.nan
        return out

    def t_quantile(self, level: float = 0.95) -> float:
        return float(stats.t.ppf(0.5 + level / 2.0, self.df)) if self.df > 0 else np.nan

    def lack_of_fit(self) -> tuple[float, int, int, float]:
        """F test of the curve against a one-way ANOVA on dose (drc's modelFit); NaN without replicates."""
        _, inv, counts = np.unique(self.dose, return_inverse=True, return_counts=True)
        k = counts.size
        n = self.n
        if k >= n or k <= self.n_params:
            return (np.nan, 0, 0, np.nan)
        means = np.bincount(inv, weights=self.response) / counts
        rss_anova = float(np.sum((self.response - means[inv]) ** 2))
        df_anova = n - k
        df_lof = self.df - df_anova
        if rss_anova <= 0 or df_lof <= 0:
            return (np.nan, df_lof, df_anova, np.nan)
        F = ((self.rss - rss_anova) / df_lof) / (rss_anova / df_anova)
        return float(F), int(df_lof), int(df_anova), float(stats.f.sf(F, df_lof, df_anova))

    def flat_test(self) -> float:
        """p value of the F test of this curve against a horizontal line (no dose effect)."""
        rss0 = float(np.sum((self.response - self.response.mean()) ** 2))
        q = self.n_params - 1
        if self.df <= 0 or q <= 0 or self.rss <= 0:
            return np.nan
        F = ((rss0 - self.rss) / q) / (self.rss / self.df)
        return float(stats.f.sf(max(F, 0.0), q, self.df))


def _modes(model: Model, fixed: dict[str, float], shared: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """Mode of each internal parameter ('fixed' by the user or the model, 'shared', 'separate') and the fixed
    values."""
    modes, fx = {}, {}
    defaults = dict(model.fixed_default)
    for p in INTERNAL:
        if p in fixed:
            modes[p], fx[p] = "fixed", float(fixed[p])
        elif p in defaults:
            modes[p], fx[p] = "fixed", float(defaults[p])
        else:
            modes[p] = "shared" if p in shared else "separate"
    return modes, fx


def _layout_single(model: Model, fixed: dict[str, float]) -> Layout:
    return Layout(1, *_modes(model, fixed))


def fit_curve(dose, response, *, model: Model, fixed: dict[str, float] | None = None, cov: str = "jtj",
              label: str = "", slope_limit: float = SLOPE_LIMIT) -> DoseResponseCurve:
    """Fit one curve by least squares. Never raises for a bad fit: problems go to ``flags``."""
    dose = np.asarray(dose, float)
    response = np.asarray(response, float)
    logx = _log_doses(dose)
    lay = _layout_single(model, dict(fixed or {}))
    prob = Problem(model, logx, response, np.zeros(dose.size, int), lay, slope_limit=slope_limit,
                   le_bounds=_le_bounds(logx))
    fx_all = {p: lay.fixed[p] for p in INTERNAL if lay.modes[p] == "fixed"}
    th0 = start_values(model, logx, response, fx_all, slope_limit)
    start = lay.vector(th0[None, :])
    out = prob.fit(start)
    if _suspicious(prob, out):
        alt = _multistart(prob, start, slope_limit)
        if (alt.success and not out.success) or (alt.success == out.success and alt.rss < out.rss - 1e-12 * (1 + out.rss)):
            out = alt
    return _make_curve(prob, out, label, dose, response, cov)


def _suspicious(prob: Problem, out: FitOutcome) -> bool:
    """A first fit that failed, ended on a bound, has a singular covariance or fits no better than a
    horizontal line may be a local optimum: such fits get the multi-start fallback."""
    if not out.success or not np.isfinite(out.rss) or prob.at_bound(out.v):
        return True
    df = prob.y.size - prob.layout.n_free
    if df <= 0:
        return False
    if not np.all(np.isfinite(prob.covariance(out.v, "jtj", df))):
        return True
    rss0 = float(np.sum((prob.y - prob.y.mean()) ** 2))
    q = prob.layout.n_free - 1
    if q > 0 and out.rss > 0:
        F = ((rss0 - out.rss) / q) / (out.rss / df)
        return bool(stats.f.sf(max(F, 0.0), q, df) >= 0.05)
    return False


def _make_curve(prob: Problem, out: FitOutcome, label, dose, response, cov) -> DoseResponseCurve:
    lay = prob.layout
    theta = lay.matrix(out.v)[0]
    df = response.size - lay.n_free
    cj = prob.covariance(out.v, "jtj", df)
    free = tuple(n.split("[")[0] for n in lay.names)
    curve = DoseResponseCurve(prob.model, label, dose, response, theta, free, cj, None, cov, out.rss,
                              out.success, [], prob, out.nfev)
    flags = []
    if not out.success:
        flags.append("not_converged")
    flags += [f"at_bound:{public_name(name)}" for name in prob.at_bound(out.v)]
    if df <= 0:
        flags.append("no_residual_df")
    dep = curve.dependency()
    if (not np.all(np.isfinite(curve.cov))) or any(np.isfinite(v) and v > DEPENDENCY_LIMIT for v in dep.values()):
        flags.append("ambiguous")
    p_flat = curve.flat_test()
    if np.isfinite(p_flat) and p_flat >= 0.05:
        flags.append("flat")
    curve.flags = flags
    return curve


def public_name(internal: str) -> str:
    """'b[0]' -> 'hill': the public name of an internal parameter (for flags)."""
    base = internal.split("[")[0]
    return {"b": "hill", "le": "e", "f": "f"}.get(base, base)


@dataclass
class GlobalFit:
    """A joint fit of several curves with some parameters shared (pooled residual variance)."""

    model: Model
    labels: list[str]
    theta: np.ndarray  # (G, 5)
    layout: Layout
    cov: np.ndarray
    rss: float
    n: int
    converged: bool
    problem: Problem
    at_bound: tuple = ()  # parameters that ended on a bound (no finite optimum in that direction)

    @property
    def df(self) -> int:
        return self.n - self.layout.n_free

    def full_cov(self) -> np.ndarray:
        """Covariance of vec(theta) (G*5) with zeros for fixed entries."""
        G = self.layout.G
        full = np.zeros((G * 5, G * 5))
        idx = self.layout.index.reshape(-1)
        ok = np.flatnonzero(idx >= 0)
        full[np.ix_(ok, ok)] = self.cov[np.ix_(idx[ok], idx[ok])]
        return full


def fit_global(doses: list, responses: list, labels: list[str], *, model: Model,
               shared: tuple[str, ...] = (), fixed: dict[str, float] | None = None, cov: str = "jtj",
               start: np.ndarray | None = None, slope_limit: float = SLOPE_LIMIT,
               ties: dict[str, list[int]] | None = None) -> GlobalFit:
    """Fit G curves jointly; parameters named in ``shared`` (internal names) take one value for all;
    ``ties`` shares a parameter between some curves only (see Layout)."""
    fixed = dict(fixed or {})
    G = len(doses)
    modes, fx = _modes(model, fixed, shared)
    lay = Layout(G, modes, fx, dict(ties or {}))
    logx = np.concatenate([_log_doses(d) for d in doses])
    y = np.concatenate([np.asarray(r, float) for r in responses])
    gidx = np.concatenate([np.full(len(d), g) for g, d in enumerate(doses)])
    prob = Problem(model, logx, y, gidx, lay, slope_limit=slope_limit, le_bounds=_le_bounds(logx))
    if start is None:
        start = np.vstack([start_values(model, _log_doses(d), r, {p: fx[p] for p in fx}, slope_limit)
                           for d, r in zip(doses, responses)])
    th = np.array(start, float)
    for k, p in enumerate(INTERNAL):  # shared parameters start from the mean of the separate starts
        if modes[p] == "shared":
            th[:, k] = th[:, k].mean()
    v0 = lay.vector(th)  # tied parameters start from the mean of their curves
    out = prob.fit(v0)
    if not out.success:
        alt = _multistart(prob, v0, slope_limit)
        if alt.success or alt.rss < out.rss:
            out = alt
    df = y.size - lay.n_free
    C = prob.covariance(out.v, cov, df)
    return GlobalFit(model, list(labels), lay.matrix(out.v), lay, C, out.rss, int(y.size), out.success, prob,
                     tuple(prob.at_bound(out.v)))
