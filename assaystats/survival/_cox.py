"""Cox proportional hazards (statsmodels PHReg: Efron ties by default, Breslow on request), with likelihood
ratio, Wald and score tests, Harrell's concordance, and checks that say why a fit fails (constant covariate,
a covariate that separates the events) instead of returning NaN standard errors.

statsmodels' PHReg is used rather than lifelines' CoxPHFitter because it offers both tie methods and the score
and Hessian at any coefficient vector (needed for the score test); Newton-Raphson is run until the gradient is
below 1e-10, tighter than R's default (which stops on a relative change of the log-likelihood of 1e-9).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from ..errors import AssayDataError

__all__ = ["cox_fit"]


def cox_fit(time, event, X, names, *, ties="efron", ci_level=0.95, src=None) -> dict:
    import pandas as pd
    from statsmodels.duration.hazard_regression import PHReg

    X = np.asarray(X, float)
    time = np.asarray(time, float)
    event = np.asarray(event, float)
    for j, nm in enumerate(names):
        if np.ptp(X[:, j]) == 0:
            raise AssayDataError(f"covariate {nm!r} is constant ({X[0, j]:g} in every row); it cannot be estimated",
                                 file=src, column=nm)
    n_events, k_terms = int(np.sum(event)), X.shape[1]
    if n_events < k_terms + 1:
        raise AssayDataError(f"{n_events} event{'s' if n_events != 1 else ''} in {time.size} rows are too few for a "
                             f"Cox model with {k_terms} term{'s' if k_terms != 1 else ''} ({', '.join(names)}); it "
                             "needs at least one event more than terms", file=src)
    model = PHReg(time, X, status=event, ties=ties)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(method="newton", maxiter=200, gtol=1e-10, disp=0)
        beta = np.asarray(res.params, float)
        # polish: a few more Newton steps (statsmodels stops on its own criteria)
        for _ in range(5):
            g = model.score(beta)
            H = model.hessian(beta)
            try:
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break  # singular information: reported below
            beta = beta - step
            if np.max(np.abs(step)) < 1e-13:
                break
        H = model.hessian(beta)
    try:
        cov = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        raise AssayDataError(f"the Cox model cannot be estimated: its information matrix is singular ({n_events} events "
                             f"in {time.size} rows for {', '.join(names)}); a term has no information (e.g. all its "
                             "events at one value)", file=src) from None
    se = np.sqrt(np.diag(cov))
    if not np.all(np.isfinite(se)) or np.any(np.abs(beta) > 30):
        bad = [names[j] for j in range(len(names)) if not np.isfinite(se[j]) or abs(beta[j]) > 30]
        raise AssayDataError(f"the Cox model does not converge: {', '.join(bad)} (nearly) separates the events "
                             "(monotone likelihood); the hazard ratio is infinite. Merge groups, or use a "
                             "continuous covariate", file=src, column=bad[0] if bad else None)
    ll1 = float(model.loglike(beta))
    ll0 = float(model.loglike(np.zeros_like(beta)))
    k = len(names)
    lr = 2 * (ll1 - ll0)
    wald = float(beta @ np.linalg.solve(cov, beta))
    u0 = model.score(np.zeros_like(beta))
    i0 = -model.hessian(np.zeros_like(beta))
    score = float(u0 @ np.linalg.solve(i0, u0))
    z = stats.norm.ppf(0.5 + ci_level / 2)
    rows = []
    for j, nm in enumerate(names):
        b, s = float(beta[j]), float(se[j])
        rows.append({"term": nm, "coef": b, "se": s, "hr": float(np.exp(b)), "hr_ci_low": float(np.exp(b - z * s)),
                     "hr_ci_high": float(np.exp(b + z * s)), "z": b / s, "p_value": float(2 * stats.norm.sf(abs(b / s))),
                     "ci_level": ci_level})
    lp = X @ beta
    from lifelines.utils import concordance_index

    # Harrell's C: a higher risk score should mean a shorter time, hence the minus sign
    cidx = float(concordance_index(time, -lp, event))
    tests = pd.DataFrame([
        {"test": "likelihood ratio", "statistic": lr, "df": k, "p_value": float(stats.chi2.sf(lr, k))},
        {"test": "Wald", "statistic": wald, "df": k, "p_value": float(stats.chi2.sf(wald, k))},
        {"test": "score (log-rank)", "statistic": score, "df": k, "p_value": float(stats.chi2.sf(score, k))},
    ])
    return {"table": pd.DataFrame(rows), "tests": tests, "loglik": ll1, "loglik_null": ll0, "concordance": cidx,
            "n": int(len(time)), "events": int(event.sum()), "ties": ties, "beta": beta, "cov": cov}
