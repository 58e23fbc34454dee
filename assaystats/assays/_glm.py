"""Count outcomes (colonies, spheres): Poisson and negative-binomial GLMs with a log link.

Groups are compared with the control as rate ratios (Wald z intervals, as R's summary(glm) and
confint.default), adjusted across comparisons as requested (Holm by default; Dunnett's single-step as
multcomp's glht; Bonferroni, Sidak, Holm-Sidak, BH; intervals at the matching simultaneous level); the omnibus test is the likelihood-ratio test against the
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


#: the post tests a count model honours (Wald z statistics of the rate ratios vs the control): Dunnett's
#: single-step over their joint normal distribution (multcomp's glht(mcp(g = "Dunnett"))) or a p-value adjustment
GLM_POSTHOC = ("dunnett", "sidak", "holm-sidak", "bonferroni", "holm", "bh", "none", "omnibus")


def glm_compare(frame, levels, ctrl, family, ci_level, block, posthoc="holm", alternative="two-sided"):
    import pandas as pd
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    from ._oneway import check_family, family_tests

    check_family(posthoc, GLM_POSTHOC, f"the {family} model (rate ratios against the control)")

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
    names = [f"g[{lev}]" for lev in levels if lev != ref]
    others = [lev for lev in levels if lev != ref]
    b = fit.params[names].to_numpy(float)
    se = fit.bse[names].to_numpy(float)
    rows = []
    if posthoc != "omnibus":
        fam = family_tests(b, se, np.inf, posthoc if len(b) > 1 else "none", level=ci_level, alternative=alternative,
                           corr=fit.cov_params().loc[names, names].to_numpy())
        rows = [{"group1": lev, "group2": ref, "within": "", "estimate": float(np.exp(b_)), "se": float(s_),
                 "statistic": float(b_ / s_), "df": np.nan, "p_value": float(p_), "p_adjusted": float(pa),
                 "ci_low": float(np.exp(lo)), "ci_high": float(np.exp(hi)), "ci_level": ci_level,
                 "method": f"{method}: rate ratio, Wald z" + (" (replicate as block)" if block else ""),
                 "adjustment": fam["adjustment"] if len(b) > 1 else "none", "log_rate_ratio": float(b_)}
                for lev, b_, s_, p_, pa, lo, hi in zip(others, b, se, fam["p"], fam["p_adjusted"], fam["ci_low"],
                                                       fam["ci_high"])]
    return {"omnibus": omnibus, "comparisons": pd.DataFrame(rows), "method": method, "posthoc": posthoc,
            "assumptions": _overdispersion(fit, family)}


def _overdispersion(fit, family):
    import pandas as pd

    disp = float(fit.pearson_chi2 / fit.df_resid)
    ok = disp < 1.5 or family != "poisson"
    return pd.DataFrame([{"check": "overdispersion", "test": "Pearson chi2 / residual df", "statistic": disp,
                          "df_num": np.nan, "df_den": float(fit.df_resid), "p_value": np.nan, "passed": bool(ok),
                          "note": "" if ok else "counts vary more than Poisson allows: use test='negbin'; the "
                          "requested model was kept"}])
