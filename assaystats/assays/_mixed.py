"""Mixed model for replicate-structured data (cells within experiments), statsmodels MixedLM (REML).

Degrees of freedom: statsmodels reports Wald z tests; we use the between-within (containment) df, which
equals Kenward-Roger's in balanced designs: (replicates - 1)(groups - 1) when replicates are crossed with the
groups (blocks), replicates - groups when nested. Estimates and standard errors are checked against lme4.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

__all__ = ["mixed_compare"]


def mixed_compare(frame, levels, ctrl, posthoc, ci_level, design):
    import pandas as pd
    import statsmodels.formula.api as smf

    ref = ctrl if ctrl is not None else levels[0]
    f = frame.copy()
    f["g"] = pd.Categorical(f["g"], categories=[ref] + [lv for lv in levels if lv != ref])
    vc = {"rg": "0 + C(g)"} if design == "crossed" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = smf.mixedlm("y ~ C(g)", f, groups=f["r"], vc_formula=vc, re_formula="1")
        # BFGS with a tight gradient tolerance reaches lme4's REML optimum to ~1e-7; statsmodels' default
        # L-BFGS stops ~3e-5 short in the standard errors
        try:
            fit = model.fit(reml=True, method=["bfgs"], maxiter=5000, gtol=1e-10)
        except (ValueError, np.linalg.LinAlgError):
            fit = model.fit(reml=True, method=["lbfgs", "nm"])
    n_rep = f["r"].nunique()
    k = len(levels)
    df = (n_rep - 1) * (k - 1) if design == "crossed" else n_rep - k
    tq = stats.t.ppf(0.5 + ci_level / 2, df)
    rows = []
    names = [n for n in fit.fe_params.index if n.startswith("C(g)")]
    raw = []
    for name in names:
        lev = name.split("[T.")[1].rstrip("]")
        est = float(fit.fe_params[name])
        se = float(fit.bse_fe[name])
        t = est / se
        p = float(2 * stats.t.sf(abs(t), df))
        raw.append((lev, est, se, t, p))
    from ._oneway import _adjust

    adj = _adjust([x[4] for x in raw], "holm") if len(raw) > 1 else [x[4] for x in raw]
    for (lev, est, se, t, p), pa in zip(raw, adj):
        rows.append({"group1": lev, "group2": ref, "within": "", "estimate": est, "se": se, "statistic": t,
                     "df": float(df), "p_value": p, "p_adjusted": float(pa), "ci_low": est - tq * se,
                     "ci_high": est + tq * se, "ci_level": ci_level,
                     "method": "REML mixed model (replicate random intercept"
                               + (" and replicate x group)" if vc else ")") + ", between-within df",
                     "adjustment": "holm" if len(raw) > 1 else "none"})
    wald = fit.wald_test(" , ".join(f"{n} = 0" for n in names), scalar=True) if names else None
    omnibus = pd.DataFrame([{"term": "group", "statistic": float(wald.statistic) / len(names) if wald else np.nan,
                             "df_num": len(names), "df_den": float(df),
                             "p_value": float(stats.f.sf(float(wald.statistic) / len(names), len(names), df))
                             if wald else np.nan, "method": "REML mixed model, Wald F with between-within df"}])
    vcomp = {"replicate": float(fit.cov_re.iloc[0, 0]), "residual": float(fit.scale)}
    if vc:
        vcomp["replicate_x_group"] = float(fit.vcomp[0])
    from ._assumptions import check_assumptions

    return {"omnibus": omnibus, "comparisons": pd.DataFrame(rows), "method": omnibus.method.iloc[0],
            "posthoc": "holm", "assumptions": check_assumptions(np.asarray(fit.resid), None),
            "notes": [f"Variance components (REML): {', '.join(f'{k_} {v:.4g}' for k_, v in vcomp.items())}."],
            "variance_components": vcomp}
