"""Dose-response models in drc's parameterisation.

Every model is written ``f(x) = c + (d - c) * h(x)`` with the shape ``h`` running between 0 and 1.
Internally the parameter vector is ``theta = [b, c, d, le, f]`` with ``le = log(e)`` (natural log),
which keeps ``e > 0`` and makes intervals for IC50s and their ratios well behaved.

=========  ================================================  =======================================
name       h(x) with u = exp(b * (log x - le))               drc / Prism name
=========  ================================================  =======================================
``ll4``    1 / (1 + u)                                       LL.4 / "log(inhibitor) vs response,
                                                             variable slope" (Hill = -b)
``ll3``    1 / (1 + u), bottom c fixed at 0                  LL.3
``ll5``    1 / (1 + u) ** f                                  LL.5 (asymmetric, Richards)
``w1``     exp(-u)                                           W1.4 (Weibull type 1)
``w2``     1 - exp(-u)                                       W2.4 (Weibull type 2)
=========  ================================================  =======================================

Dose 0 (vehicle) is evaluated as the limit ``log x -> -inf``: ``u = 0`` when ``b > 0`` and ``u = inf``
when ``b < 0``, so the vehicle wells take part in the fit as the top (or bottom) plateau.

Public parameter names: ``hill`` (the slope, signed as the curve runs: negative on a falling curve in every
model, Prism's sign), ``bottom = c``, ``top = d``, ``e`` (the mid-point; equals the relative IC50 for ll3/ll4),
``f`` (ll5 asymmetry).

The sign of ``b`` alone does not give the direction: h falls with u in ``ll`` and ``w1`` but rises with u in ``w2``,
so a curve falling from d to c has b > 0 in LL.x and W1.4 but b < 0 in W2.4 (drc's ryegrass W2.4: b = -1.968).
``hill = Model.hill_sign * b`` with ``hill_sign`` -1 for ll/w1 and +1 for w2 (Prism's ``hill = -b`` for LL.4),
so that with top above bottom (every fit starts there: d from the highest dose mean) hill < 0 means the response
falls from the vehicle plateau d to c as the dose rises, hill > 0 that it rises, whatever the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MODELS", "Model", "get_model", "PARAM_INDEX", "PUBLIC_NAMES"]

# internal order
PARAM_INDEX = {"b": 0, "c": 1, "d": 2, "le": 3, "f": 4}
INTERNAL = ("b", "c", "d", "le", "f")
# public name -> internal name
PUBLIC_NAMES = {"hill": "b", "bottom": "c", "top": "d", "e": "le", "f": "f"}


@dataclass(frozen=True)
class Model:
    name: str
    drc: str
    shape: str  # 'll', 'w1', 'w2'
    free_default: tuple[str, ...]  # internal names estimated by default
    fixed_default: tuple[tuple[str, float], ...]  # internal fixed values
    description: str

    @property
    def hill_sign(self) -> float:
        """hill = hill_sign * b (and b = hill_sign * hill): -1 for ll/w1, +1 for w2 (see the module docstring)."""
        return 1.0 if self.shape == "w2" else -1.0

    @property
    def hill_formula(self) -> str:
        return "b" if self.hill_sign > 0 else "-b"

    # -- shape and its derivatives ------------------------------------------------------------
    def u(self, logx, b, le):
        """u = exp(b (log x - le)), with the dose-0 limit; works for complex b/le (complex step)."""
        logx = np.asarray(logx)
        finite = np.isfinite(logx)
        safe = np.where(finite, logx, 0.0)
        z = b * (safe - le)
        # clip the real part to keep exp finite; values that large are on a plateau anyway
        if np.iscomplexobj(z):
            z = np.clip(z.real, -700, 700) + 1j * z.imag
        else:
            z = np.clip(z, -700, 700)
        u = np.exp(z)
        lim = 0.0 if np.real(b) > 0 else np.inf
        return np.where(finite, u, lim)

    def h(self, logx, b, le, f=1.0):
        u = self.u(logx, b, le)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if self.shape == "ll":
                out = np.where(np.isinf(np.real(u)), 0.0, (1.0 + np.where(np.isinf(np.real(u)), 0, u)) ** (-f))
            elif self.shape == "w1":
                out = np.exp(-u)
            else:
                out = 1.0 - np.exp(-u)
        return out

    def predict_theta(self, logx, theta):
        b, c, d, le, f = theta
        return c + (d - c) * self.h(logx, b, le, f)

    def jacobian(self, logx, theta):
        """d f / d theta, shape (n, 5), analytic."""
        b, c, d, le, f = (float(t) for t in theta)
        logx = np.asarray(logx, dtype=float)
        finite = np.isfinite(logx)
        u = self.u(logx, b, le)
        inf = np.isinf(u)
        uu = np.where(inf, 0.0, u)
        L = np.where(finite, logx, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            if self.shape == "ll":
                h = np.where(inf, 0.0, (1.0 + uu) ** (-f))
                dh_du = np.where(inf, 0.0, -f * (1.0 + uu) ** (-f - 1.0))
                dh_df = np.where(inf, 0.0, -np.log1p(uu) * h)
            elif self.shape == "w1":
                h = np.exp(-u)
                dh_du = np.where(inf, 0.0, -np.exp(-uu))
                dh_df = np.zeros_like(L)
            else:
                h = 1.0 - np.exp(-u)
                dh_du = np.where(inf, 0.0, np.exp(-uu))
                dh_df = np.zeros_like(L)
        du_db = np.where(finite & ~inf, uu * (L - le), 0.0)
        du_dle = np.where(finite & ~inf, -b * uu, 0.0)
        J = np.empty((logx.size, 5))
        J[:, 0] = (d - c) * dh_du * du_db
        J[:, 1] = 1.0 - h
        J[:, 2] = h
        J[:, 3] = (d - c) * dh_du * du_dle
        J[:, 4] = (d - c) * dh_df
        return np.nan_to_num(J, nan=0.0, posinf=0.0, neginf=0.0)

    # -- inverse: the dose at which h takes a value ----------------------------------------
    def h_at_zero(self, b) -> float:
        """h at dose 0 (the vehicle plateau): 1 means the curve starts at d (top)."""
        pos = np.real(b) > 0
        if self.shape in ("ll", "w1"):
            return 1.0 if pos else 0.0
        return 0.0 if pos else 1.0

    def log_dose_at_h(self, hval, b, le, f=1.0):
        """log x with h(x) = hval (0 < hval < 1); complex-step safe."""
        if self.shape == "ll":
            u = hval ** (-1.0 / f) - 1.0
        elif self.shape == "w1":
            u = -np.log(hval)
        else:
            u = -np.log(1.0 - hval)
        return le + np.log(u) / b

    def log_ed_relative(self, q, theta):
        """log of drc's relative EDp (q = p/100): the dose moving the response a fraction q of the
        way from the vehicle plateau to the other plateau."""
        b, _c, _d, le, f = theta
        h0 = self.h_at_zero(b)
        target = (1.0 - q) if h0 == 1.0 else q
        return self.log_dose_at_h(target, b, le, f)

    def log_dose_at_response(self, y, theta):
        """log of the dose at which the fitted response equals ``y`` (drc's 'absolute' ED)."""
        b, c, d, le, f = theta
        hval = (y - c) / (d - c)
        return self.log_dose_at_h(hval, b, le, f)


MODELS: dict[str, Model] = {
    "ll4": Model("ll4", "LL.4", "ll", ("b", "c", "d", "le"), (("f", 1.0),),
                 "four-parameter log-logistic"),
    "ll3": Model("ll3", "LL.3", "ll", ("b", "d", "le"), (("c", 0.0), ("f", 1.0)),
                 "three-parameter log-logistic with the bottom fixed at 0"),
    "ll5": Model("ll5", "LL.5", "ll", ("b", "c", "d", "le", "f"), (),
                 "five-parameter (asymmetric) log-logistic"),
    "w1": Model("w1", "W1.4", "w1", ("b", "c", "d", "le"), (("f", 1.0),),
                "four-parameter Weibull type 1"),
    "w2": Model("w2", "W2.4", "w2", ("b", "c", "d", "le"), (("f", 1.0),),
                "four-parameter Weibull type 2"),
}


def get_model(name: str) -> Model:
    from ..errors import AssayDataError

    key = str(name).lower().replace(".", "").replace("_", "")
    aliases = {"w14": "w1", "w24": "w2", "ll": "ll4", "4pl": "ll4", "5pl": "ll5", "3pl": "ll3"}
    key = aliases.get(key, key)
    if key not in MODELS:
        raise AssayDataError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[key]
