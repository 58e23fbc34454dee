"""Count outcomes (colonies, spheres): Poisson and negative-binomial GLMs with a log link.

Groups are compared with the control as rate ratios (Wald z intervals, as R's summary(glm) and
confint.default), Holm-adjusted across comparisons; the omnibus test is the likelihood-ratio test against the
model without the group (R's anova(..., test = "Chisq")). A crossed replicate (experiment) enters as a fixed
block. Negative binomial: theta by maximum likelihood (statsmodels' NB2), then the GLM at that theta for the
coefficients' standard errors, as MASS::glm.nb reports them.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from ..errors import AssayDataError

__all__ = ["glm_compare"]


def _design(frame, levels, ctrl, block):
    import pandas as pd

    ref = ctrl if ctrl is not None else levels[0]
    cols = {}
    for lev in levels:
        if lev != ref:
            cols[f"g[{lev}]"] = (frame["g"] == lev).astype(float)
    X = pd.DataFrame({"const": 1.0, **cols}, index=frame.index)
    X0 = pd.DataFrame({"const": 1.0}, index=frame.index)
    if block:
        blevels = list(dict.fromkeys(frame["p"]))
        for b in blevels[1:]:
            X[f"b[{b}]"] = (frame["p"] == b).astype(float)
            X0[f"b[{b}]"] = (frame["p"] == b).astype(float)
    return ref, X, X0


def glm_compare(frame, levels, ctrl, family, ci_level, block):
    import pandas as pd
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    from ._oneway import _adjust

    y = frame["y"].to_numpy(float)
    if np.any(y < 0) or np.any(np.abs(y - np.round(y)) > 1e-9):
        raise AssayDataError(f"the {family} model needs non-negative whole counts; the value column has others")
    ref, X, X0 = _design(frame, levels, ctrl, block)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "poisson":
            fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-12, maxiter=200)
            fit0 = sm.GLM(y, X0, family=sm.families.Poisson()).fit(tol=1e-12, maxiter=200)
            ll1, ll0 = fit.llf, fit0.llf
            extra = {"dispersion": float(fit.pearson_chi2 / fit.df_resid)}
            method = "Poisson GLM (log link)"
        else:
            nb = NegativeBinomial(y, X, loglike_method="nb2").fit(disp=0, maxiter=500, method="bfgs", gtol=1e-10)
            nb0 = NegativeBinomial(y, X0, loglike_method="nb2").fit(disp=0, maxiter=500, method="bfgs", gtol=1e-10)
            alpha = float(nb.params["alpha"])
            fit = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha)).fit(tol=1e-12, maxiter=200)
            ll1, ll0 = nb.llf, nb0.llf
            extra = {"theta": 1.0 / alpha}
            method = f"negative-binomial GLM (log link, theta {1 / alpha:.4g})"
    lr = 2 * (ll1 - ll0)
    k = len(levels) - 1
    omnibus = pd.DataFrame([{"term": "group", "statistic": float(lr), "df_num": k, "df_den": np.nan,
                             "p_value": float(stats.chi2.sf(lr, k)), "method": f"{method}, likelihood-ratio test",
                             **extra}])
    z = stats.norm.ppf(0.5 + ci_level / 2)
    raw = []
    for lev in levels:
        if lev == ref:
            continue
        name = f"g[{lev}]"
        b, se = float(fit.params[name]), float(fit.bse[name])
        raw.append((lev, b, se, b / se, float(2 * stats.norm.sf(abs(b / se)))))
    adj = _adjust([r[4] for r in raw], "holm") if len(raw) > 1 else [r[4] for r in raw]
    rows = [{"group1": lev, "group2": ref, "within": "", "estimate": float(np.exp(b)), "se": se, "statistic": zz,
             "df": np.nan, "p_value": p, "p_adjusted": float(pa), "ci_low": float(np.exp(b - z * se)),
             "ci_high": float(np.exp(b + z * se)), "ci_level": ci_level,
             "method": f"{method}: rate ratio, Wald z" + (" (replicate as block)" if block else ""),
             "adjustment": "holm" if len(raw) > 1 else "none", "log_rate_ratio": b}
            for (lev, b, se, zz, p), pa in zip(raw, adj)]
    return {"omnibus": omnibus, "comparisons": pd.DataFrame(rows), "method": method, "posthoc": "holm",
            "assumptions": _overdispersion(fit, family)}


def _overdispersion(fit, family):
    import pandas as pd

    disp = float(fit.pearson_chi2 / fit.df_resid)
    ok = disp < 1.5 or family != "poisson"
    return pd.DataFrame([{"check": "overdispersion", "test": "Pearson chi2 / residual df", "statistic": disp,
                          "df_num": np.nan, "df_den": float(fit.df_resid), "p_value": np.nan, "passed": bool(ok),
                          "note": "" if ok else "counts vary more than Poisson allows: use test='negbin'; the "
                          "requested model was kept"}])
