"""Least-squares engine shared by single-curve and global (shared-parameter) fits.

One problem = one model, G curves (groups), and for each internal parameter (b, c, d, le, f) a mode:
'fixed' (a value), 'shared' (one estimate for all curves) or 'separate' (one per curve). A single
curve is the case G = 1. The optimiser is lmfit's Levenberg-Marquardt (``leastsq``) with the analytic
Jacobian of ``_models``; covariances are computed here at the optimum, either as ``s^2 (J'J)^-1``
('jtj', as R's nls, Prism and lmfit) or as ``2 s^2 H^-1`` with H the Hessian of the residual sum of
squares ('hessian', the observed information, as drc). The Hessian is a central difference of the
analytic gradient (hand-written because lmfit exposes no observed-information covariance).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ._models import INTERNAL, Model

MODES = ("fixed", "shared", "separate")


@dataclass
class Layout:
    """Where each entry of the G x 5 parameter matrix comes from."""

    G: int
    modes: dict[str, str]  # internal name -> mode
    fixed: dict[str, float]  # internal name -> value (for mode 'fixed')
    #: optional partial sharing of a 'separate' parameter: internal name -> slot per curve, e.g.
    #: {"le": [0, 0, 1, 2]} makes curves 0 and 1 share one mid-point
    ties: dict[str, list[int]] = field(default_factory=dict)
    index: np.ndarray = field(init=False)  # (G, 5) index into free vector, -1 when fixed
    names: list[str] = field(init=False)  # free-vector names, e.g. 'b[0]', 'le'

    def __post_init__(self):
        idx = -np.ones((self.G, 5), dtype=int)
        names: list[str] = []
        for k, p in enumerate(INTERNAL):
            mode = self.modes[p]
            if mode == "fixed":
                continue
            if mode == "shared":
                idx[:, k] = len(names)
                names.append(p)
            else:
                slots = list(self.ties.get(p, range(self.G)))
                first: dict[int, int] = {}
                for g in range(self.G):
                    if slots[g] not in first:
                        first[slots[g]] = len(names)
                        names.append(f"{p}[{g}]")
                    idx[g, k] = first[slots[g]]
        self.index = idx
        self.names = names

    @property
    def n_free(self) -> int:
        return len(self.names)

    def matrix(self, v) -> np.ndarray:
        """Parameter matrix (G, 5) from a free vector."""
        v = np.asarray(v)
        th = np.empty((self.G, 5), dtype=v.dtype if np.iscomplexobj(v) else float)
        for k, p in enumerate(INTERNAL):
            if self.modes[p] == "fixed":
                th[:, k] = self.fixed[p]
            else:
                th[:, k] = v[self.index[:, k]]
        return th

    def vector(self, theta: np.ndarray) -> np.ndarray:
        """Free vector from a (G, 5) matrix (tied entries take the mean of their curves)."""
        v = np.zeros(self.n_free)
        cnt = np.zeros(self.n_free)
        for g in range(self.G):
            for k in range(5):
                j = self.index[g, k]
                if j >= 0:
                    v[j] += theta[g, k]
                    cnt[j] += 1
        return v / np.maximum(cnt, 1)


class Problem:
    def __init__(self, model: Model, logx, y, gidx, layout: Layout, *, slope_limit: float = 20.0,
                 le_bounds: tuple[float, float] | None = None):
        self.model = model
        self.logx = np.asarray(logx, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.gidx = np.asarray(gidx, dtype=int)
        self.layout = layout
        self.slope_limit = float(slope_limit)
        self.le_bounds = le_bounds
        self.rows = [np.flatnonzero(self.gidx == g) for g in range(layout.G)]

    # -- residuals and derivatives -----------------------------------------------------------
    def predict(self, v) -> np.ndarray:
        th = self.layout.matrix(v)
        out = np.empty(self.y.shape, dtype=th.dtype)
        for g, r in enumerate(self.rows):
            out[r] = self.model.predict_theta(self.logx[r], th[g])
        return out

    def residual(self, v) -> np.ndarray:
        return self.y - self.predict(v)

    def jac_pred(self, v) -> np.ndarray:
        """d prediction / d free vector, shape (n, n_free)."""
        th = self.layout.matrix(v)
        J = np.zeros((self.y.size, self.layout.n_free))
        for g, r in enumerate(self.rows):
            Jg = self.model.jacobian(self.logx[r], th[g])
            for k in range(5):
                j = self.layout.index[g, k]
                if j >= 0:
                    J[r, j] += Jg[:, k]
        return J

    def rss(self, v) -> float:
        r = self.residual(v)
        return float(r @ r)

    def gradient(self, v) -> np.ndarray:
        return -2.0 * self.jac_pred(v).T @ self.residual(v)

    def hessian(self, v) -> np.ndarray:
        """Hessian of the RSS by central differences of the analytic gradient."""
        v = np.asarray(v, dtype=float)
        p = v.size
        H = np.empty((p, p))
        for j in range(p):
            h = 1e-5 * max(abs(v[j]), 1e-2)
            vp, vm = v.copy(), v.copy()
            vp[j] += h
            vm[j] -= h
            H[:, j] = (self.gradient(vp) - self.gradient(vm)) / (2 * h)
        return 0.5 * (H + H.T)

    # -- fitting -------------------------------------------------------------------------------
    def bounds(self) -> list[tuple[float, float]]:
        out = []
        for name in self.layout.names:
            base = name.split("[")[0]
            if base == "b":
                out.append((-self.slope_limit, self.slope_limit))
            elif base == "le" and self.le_bounds is not None:
                out.append(self.le_bounds)
            elif base == "f":
                out.append((1e-3, 1e3))
            else:
                out.append((-np.inf, np.inf))
        return out

    def fit(self, start: np.ndarray, *, max_nfev: int = 4000) -> FitOutcome:
        import lmfit

        names = [_lm_name(n) for n in self.layout.names]
        params = lmfit.Parameters()
        for nm, v0, (lo, hi) in zip(names, start, self.bounds()):
            v0 = float(np.clip(v0, lo + 1e-9 * (abs(lo) + 1) if np.isfinite(lo) else -np.inf,
                               hi - 1e-9 * (abs(hi) + 1) if np.isfinite(hi) else np.inf))
            params.add(nm, value=v0, min=lo, max=hi)

        def resid(pars):
            v = np.fromiter((pars[n].value for n in names), float, len(names))
            return self.residual(v)

        def dfun(pars):
            v = np.fromiter((pars[n].value for n in names), float, len(names))
            return -self.jac_pred(v)

        mini = lmfit.Minimizer(resid, params, nan_policy="propagate")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                res = mini.leastsq(Dfun=dfun, col_deriv=0, ftol=1e-14, xtol=1e-14, max_nfev=max_nfev)
            except (ValueError, FloatingPointError, np.linalg.LinAlgError):
                return FitOutcome(np.asarray(start, float), np.inf, False, "optimiser error", 0)
        v = np.fromiter((res.params[n].value for n in names), float, len(names))
        rss = self.rss(v)
        ok = bool(res.success) and np.isfinite(rss)
        return FitOutcome(v, rss, ok, str(res.message), int(res.nfev))

    def at_bound(self, v) -> list[str]:
        hits = []
        for name, x, (lo, hi) in zip(self.layout.names, v, self.bounds()):
            span = 1e-6 * max(1.0, abs(x))
            if (np.isfinite(lo) and x - lo < span) or (np.isfinite(hi) and hi - x < span):
                hits.append(name)
        return hits

    # -- covariance --------------------------------------------------------------------------
    def covariance(self, v, kind: str, df: int) -> np.ndarray:
        p = self.layout.n_free
        if df <= 0:
            return np.full((p, p), np.nan)
        s2 = self.rss(v) / df
        if kind == "jtj":
            J = self.jac_pred(v)
            M = J.T @ J
            scale = s2
        else:  # hessian: vcov = 2 s^2 H^-1  (drc)
            M = self.hessian(v)
            scale = 2.0 * s2
        try:
            inv = np.linalg.inv(M)
        except np.linalg.LinAlgError:
            return np.full((p, p), np.nan)
        cov = scale * inv
        if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
            return np.full((p, p), np.nan)
        cond = np.linalg.cond(M)
        if not np.isfinite(cond) or cond > 1e14:
            return np.full((p, p), np.nan)
        return 0.5 * (cov + cov.T)


@dataclass
class FitOutcome:
    v: np.ndarray
    rss: float
    success: bool
    message: str
    nfev: int


def _lm_name(name: str) -> str:
    return name.replace("[", "_").replace("]", "")
