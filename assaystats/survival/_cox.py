"""Cox proportional hazards (statsmodels PHReg for the log partial likelihood, its score and Hessian: Efron ties
by default, Breslow on request), with likelihood ratio, Wald and score tests, Harrell's concordance, and checks
that say why a fit fails (constant covariate, too few events, no information, a covariate that separates the
events) instead of returning NaN standard errors.

statsmodels' PHReg is used rather than lifelines' CoxPHFitter because it offers both tie methods and the score
and Hessian at any coefficient vector (needed for the score test). Its own ``fit`` runs plain Newton-Raphson from
beta = 0, which overshoots on a right-skewed covariate (R's pbc bilirubin, 0.3 to 28) until exp(x * beta)
overflows, and used to be reported as separation. The maximisation is therefore ours (a few lines, as R's
coxph does it in ``coxfit6.c``): Newton-Raphson from 0 on centred and scaled covariates, halving the step
whenever the log partial likelihood does not increase, iterated until the Newton step is negligible (1e-10 on
the scaled coefficients, tighter than R's relative log-likelihood change of 1e-9).

An infinite coefficient (monotone likelihood, Bryson & Johnson 1981) is diagnosed from the likelihood and then
confirmed from the data, never from a NaN: the log-likelihood stops changing while the Newton step does not
shrink (R's "Loglik converged before variable ...; coefficient may be infinite"), and along the direction of
that step no patient still at risk at an event time has a higher risk score than the patient who had the event.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from ..errors import AssayDataError

__all__ = ["cox_fit"]

#: Newton-Raphson settings. The fit has converged when every Newton step on the scaled coefficients is below
#: STEP_TOL * (1 + |coefficient|). The likelihood is "flat" when an iteration changes it by less than
#: FLAT_TOL * (1 + |loglik|); a coefficient whose step is still above INF_TOL * (1 + |coefficient|) after
#: FLAT_RUNS flat iterations is running to infinity (R's toler.inf is sqrt(1e-9), here on scaled coefficients).
MAX_ITER = 200
STEP_TOL = 1e-10
FLAT_TOL = 1e-13
FLAT_RUNS = 3
INF_TOL = np.sqrt(1e-9)
MAX_HALVINGS = 60


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
    # centre and scale (as coxph): the partial likelihood does not change when a constant is added to a
    # covariate, and the scale makes the convergence criteria mean the same for age in years and in days
    centre = X.mean(axis=0)
    scale = np.mean(np.abs(X - centre), axis=0)
    Z = (X - centre) / scale
    model = PHReg(time, Z, status=event, ties=ties)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow on a trial step is handled by halving it
        fit = _newton(model, k_terms)
    if fit["status"] == "singular":
        raise AssayDataError(f"the Cox model cannot be estimated: its information matrix is singular ({n_events} events "
                             f"in {time.size} rows for {', '.join(names)}); a term has no information (e.g. all its "
                             "events at one value) or the terms are collinear", file=src)
    if fit["status"] != "converged":
        _refuse(fit, X, time, event, scale, names, src)
    g, H = fit["g"], fit["H"]
    beta = g / scale
    cov = np.linalg.inv(-H) / np.outer(scale, scale)
    se = np.sqrt(np.diag(cov))
    ll1 = float(fit["loglik"])
    ll0 = float(fit["loglik0"])
    k = len(names)
    lr = 2 * (ll1 - ll0)
    wald = float(beta @ np.linalg.solve(cov, beta))
    u0, i0 = fit["u0"], fit["i0"]
    score = float(u0 @ np.linalg.solve(i0, u0))  # invariant to the scaling of the covariates
    z = stats.norm.ppf(0.5 + ci_level / 2)
    rows = []
    for j, nm in enumerate(names):
        b, s = float(beta[j]), float(se[j])
        with np.errstate(over="ignore"):  # a finite coefficient per tiny unit (x * 1e-4) may have HR beyond 1e308
            hr, lo, hi = (float(np.exp(v)) for v in (b, b - z * s, b + z * s))
        rows.append({"term": nm, "coef": b, "se": s, "hr": hr, "hr_ci_low": lo, "hr_ci_high": hi, "z": b / s,
                     "p_value": float(2 * stats.norm.sf(abs(b / s))), "ci_level": ci_level})
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
            "n": len(time), "events": int(event.sum()), "ties": ties, "beta": beta, "cov": cov,
            "iterations": fit["iterations"]}


def _newton(model, k) -> dict:
    """Maximise the log partial likelihood over scaled coefficients g from g = 0 by Newton-Raphson with step
    halving. Returns status 'converged', 'singular', 'infinite' (the likelihood is flat while the step is not:
    ``step`` is the last Newton step) or 'maxiter'."""
    g = np.zeros(k)
    ll = float(model.loglike(g))
    U, H = model.score(g), model.hessian(g)
    out = {"loglik0": ll, "u0": U.copy(), "i0": -H.copy()}
    ev = np.linalg.eigvalsh(-H)
    if not np.all(np.isfinite(ev)) or ev[0] <= 1e-10 * max(ev[-1], 1e-300):
        return {**out, "status": "singular"}
    flat = 0
    step = np.zeros(k)
    for it in range(1, MAX_ITER + 1):
        try:
            step = np.linalg.solve(-H, U)
        except np.linalg.LinAlgError:
            return {**out, "status": "infinite", "g": g, "step": step, "loglik": ll, "iterations": it}
        if not np.all(np.isfinite(step)):
            return {**out, "status": "infinite", "g": g, "step": step, "loglik": ll, "iterations": it}
        if np.all(np.abs(step) <= STEP_TOL * (1 + np.abs(g))):
            g_new = g + step  # the last (negligible) step: its gain is below the rounding of the log-likelihood
            ll_new = float(model.loglike(g_new))
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * (1 + abs(ll)):
                g, ll = g_new, ll_new
                U, H = model.score(g), model.hessian(g)
            return {**out, "status": "converged", "g": g, "H": H, "loglik": ll, "iterations": it}
        # step halving, as coxph: a trial point that lowers the log-likelihood (or overflows) is pulled back
        # halfway towards the current point
        s = step
        for _ in range(MAX_HALVINGS):
            g_new = g + s
            ll_new = float(model.loglike(g_new))
            if np.isfinite(ll_new) and ll_new >= ll - 1e-14 * abs(ll):
                break
            s = s / 2
        else:
            return {**out, "status": "maxiter", "g": g, "step": step, "loglik": ll, "iterations": it}
        flat = flat + 1 if abs(ll_new - ll) <= FLAT_TOL * (1 + abs(ll)) else 0
        g, ll = g_new, ll_new
        U, H = model.score(g), model.hessian(g)
        if flat >= FLAT_RUNS and np.any(np.abs(step) > INF_TOL * (1 + np.abs(g))):
            return {**out, "status": "infinite", "g": g, "step": step, "loglik": ll, "iterations": it}
    return {**out, "status": "maxiter", "g": g, "step": step, "loglik": ll, "iterations": MAX_ITER}


def _refuse(fit, X, time, event, scale, names, src):
    """The fit did not converge: say whether the data separate the events along the direction the coefficients
    run to (monotone likelihood, an infinite hazard ratio) or the fit just did not converge."""
    g, step = fit["g"], fit["step"]
    moving = np.abs(step) > INF_TOL * (1 + np.abs(g))
    bad = [names[j] for j in np.flatnonzero(moving)]
    direction = np.where(moving, step, 0.0) / scale
    if moving.any() and _separates(X @ direction, time, event):
        j = int(np.flatnonzero(moving)[0])
        up = direction[j] > 0
        if len(bad) == 1 and " vs " in bad[0] and set(np.unique(X[:, j])) <= {0.0, 1.0}:
            level = bad[0].split(" vs ", 1)[0]  # a dummy 'level vs reference'
            how = (f"no patient outside {level!r} has an event while one of {level!r} is still at risk" if up else
                   f"no patient of {level!r} has an event while one outside it is still at risk")
            what = (f"{bad[0]} separates the events (monotone likelihood: {how}, so the log partial likelihood keeps "
                    f"increasing as the coefficient runs to {'+' if up else '-'}infinity)")
        elif len(bad) == 1:
            what = (f"{bad[0]} separates the events (monotone likelihood: at every event time the patient with the "
                    f"event has the {'highest' if up else 'lowest'} {bad[0]} among those still at risk, so the log "
                    f"partial likelihood keeps increasing as the coefficient runs to {'+' if up else '-'}infinity)")
        else:
            what = (f"a combination of {', '.join(bad)} separates the events (monotone likelihood: the log partial "
                    "likelihood keeps increasing as their coefficients run to infinity)")
        raise AssayDataError(f"the Cox model has no finite estimate: {what}; the hazard ratio is infinite. Merge "
                             "groups, or use a continuous covariate", file=src, column=bad[0])
    raise AssayDataError(f"the Cox model did not converge after {fit['iterations']} Newton-Raphson iterations "
                         f"(log partial likelihood {fit['loglik']:.10g}; still changing: "
                         f"{', '.join(bad) if bad else ', '.join(names)})", file=src,
                         column=(bad or list(names))[0])


def _separates(score, time, event, rtol=1e-7) -> bool:
    """True when no patient at risk at an event time (time >= the event's time) has a higher ``score`` than the
    patient with the event, and at least one has a lower one: the partial likelihood then increases
    monotonically along this direction (Bryson & Johnson 1981)."""
    tol = rtol * max(float(np.ptp(score)), 1e-300)
    order = np.argsort(-time, kind="stable")
    ts, ss = time[order], score[order]
    # highest score among those with time >= t: running max from the longest time, extended over tied times
    runmax = np.maximum.accumulate(ss)
    last_of_tie = np.searchsorted(-ts, -ts, side="right") - 1
    best = runmax[last_of_tie]
    ev = event[order] > 0
    if not ev.any():
        return False
    gap = best[ev] - ss[ev]
    # someone at risk lower than the event somewhere (else the direction is flat, not monotone)
    runmin = np.minimum.accumulate(ss)[last_of_tie]
    return bool(np.all(gap <= tol) and np.any(ss[ev] - runmin[ev] > tol))
