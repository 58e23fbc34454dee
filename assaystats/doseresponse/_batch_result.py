"""The Result of ``fit_many`` (every curve of a screen fitted at once) and the table it holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._result import Result, flag_words

__all__ = ["EXTRA_COLUMNS", "FITS_COLUMNS", "BatchFitResult"]

#: columns shared with ``fit(...).fits`` (same names, meanings and censoring rules), in its order
FITS_COLUMNS = ("model", "n", "bottom", "top", "hill", "ic50", "ic50_se", "ic50_ci_low", "ic50_ci_high", "ci_level",
                "abs_ic50", "auc", "aic", "converged", "flag", "ic50_relation", "abs_ic50_se", "abs_ic50_ci_low",
                "abs_ic50_ci_high", "abs_response", "e", "emax", "bic", "rss", "df", "sigma", "lof_f", "lof_p",
                "dose_min", "dose_max", "cov", "ci_method")
#: columns of the screen only
EXTRA_COLUMNS = ("hill_se", "bottom_se", "top_se", "e_se", "r2", "rmse", "flat_f", "flat_p", "activity_area",
                 "n_doses", "dose_unit", "method")


@dataclass(frozen=True)
class BatchFitResult(Result):
    """One row per curve (``table``, also ``fits``), in the order the curves first appear in the input.

    Columns: the curve columns; then ``FITS_COLUMNS``, as in ``fit(...).fits`` (``auc`` over the common window
    ``meta['auc_window']`` instead of each curve's own tested range); then ``EXTRA_COLUMNS``: the standard errors of
    the parameters (``e_se`` in dose units; 0 for a fixed parameter), ``r2`` (1 - RSS/TSS), ``rmse`` (sqrt(RSS/n)),
    ``flat_f``/``flat_p`` (F test of the curve against a flat, mean-only model), ``activity_area`` (area between the
    fitted vehicle plateau and the curve over the window, response x decades; positive when the response falls),
    ``n_doses`` (distinct doses, vehicle included), ``dose_unit`` and ``method`` ('batched', 'single-curve' or
    'not fitted'); with ll5 also ``f``."""

    title: ClassVar[str] = "Dose-response screen"
    validated_against: ClassVar[str] = (
        "the single-curve fit (itself checked against drc and R nls) and R's anova of nested nls for the flat-line "
        "F test (docs: validation/doseresponse)")

    @property
    def fits(self):
        return self.table

    def tables(self) -> dict[str, Any]:
        return {"curves": self.table}

    def summary(self) -> str:
        t = self.table
        n = len(t)
        ok = int((t["flag"] == "ok").sum())
        words = flag_words(t["flag"])
        return (f"{n} curves fitted with the {self.meta.get('model')} model; {ok} without a flag"
                + (f" (flags: {words})." if words else "."))

    def methods(self) -> str:
        return str(self.meta.get("method", ""))


def _ll_auc(b, c, d, le, Llo, Lhi):
    """Integral of c + (d - c) / (1 + exp(b (L - le))) over L in [Llo, Lhi], divided by ln 10 (log10-dose units).
    The integral of the shape is W - (softplus(b (Lhi - le)) - softplus(b (Llo - le))) / b; near b = 0 its Taylor
    form."""
    W = Lhi - Llo
    with np.errstate(all="ignore"):
        big = np.abs(b) > 1e-8
        bs = np.where(big, b, 1.0)
        H = np.where(big, W - (np.logaddexp(0.0, bs * (Lhi - le)) - np.logaddexp(0.0, bs * (Llo - le))) / bs,
                     0.5 * W - b * ((Lhi - le) ** 2 - (Llo - le) ** 2) / 8.0)
    return (c * W + (d - c) * H) / np.log(10.0)


def _interval_log(est, se, tq):
    with np.errstate(all="ignore"):
        ok = np.isfinite(est) & np.isfinite(se) & np.isfinite(tq) & (est > 0)
        half = tq * se / est
        return np.where(ok, est * np.exp(-half), np.nan), np.where(ok, est * np.exp(half), np.nan)


def fits_table(key_table, mdl, theta, rss, conv, cov_free, free_names, n, k, dmin, dmax, status, method, extra_flags,
               curves, tss, rss_anova, lo_le, hi_le, slope_limit, ci_level, window, units):
    """The screen's table from the fitted parameters of every curve (vectorised; ``curves`` holds the single-curve
    fits of models without closed forms here, whose estimates come from ``_estimates``)."""
    import pandas as pd
    from scipy import integrate, stats

    from ._batch_lm import _f_flat
    from ._estimates import ed_absolute, ed_relative
    from ._fit import DEPENDENCY_LIMIT
    from ._models import PARAM_INDEX

    C = theta.shape[0]
    n_par = len(free_names)
    dfc = n - n_par
    fitted = status == ""
    b, c, d, le = theta[:, 0], theta[:, 1], theta[:, 2], theta[:, 3]
    se = np.zeros((C, 5))
    diag = np.einsum("cii->ci", cov_free)
    for j, p in enumerate(free_names):
        se[:, PARAM_INDEX[p]] = np.sqrt(np.where(diag[:, j] >= 0, diag[:, j], np.nan))
    ll = mdl.name in ("ll4", "ll3")
    wlo, whi = window
    with np.errstate(all="ignore"):
        e = np.exp(le)
        tq = np.where(dfc > 0, stats.t.ppf(0.5 + ci_level / 2, np.maximum(dfc, 1)), np.nan)
        r2 = 1.0 - rss / tss
        rmse = np.sqrt(rss / n)
        sigma = np.where(dfc > 0, np.sqrt(rss / np.maximum(dfc, 1)), np.nan)
        flat_f, flat_p = _f_flat(tss, rss, dfc, n_par - 1)
        # lack of fit against the one-way ANOVA on dose (``DoseResponseCurve.lack_of_fit``)
        df_an, df_lof = n - k, k - n_par
        lok = (k < n) & (k > n_par) & (rss_anova > 0)
        lof_f = np.where(lok, ((rss - rss_anova) / np.where(lok, df_lof, 1)) / (rss_anova / np.where(lok, df_an, 1)),
                         np.nan)
        lof_p = np.where(lok, stats.f.sf(np.where(lok, lof_f, 0.0), np.maximum(df_lof, 1), np.maximum(df_an, 1)),
                         np.nan)
        # Prism's dependency 1 - 1 / (C_ii (C^-1)_ii)
        fin_cov = np.all(np.isfinite(cov_free), axis=(1, 2))
        dep_bad = np.zeros(C, bool)
        if fin_cov.any():
            Cf = cov_free[fin_cov]
            try:
                Ci = np.linalg.inv(Cf)
                depv = 1.0 - 1.0 / (np.einsum("cii->ci", Cf) * np.einsum("cii->ci", Ci))
                dep_bad[fin_cov] = np.any(np.isfinite(depv) & (depv > DEPENDENCY_LIMIT), axis=1)
            except np.linalg.LinAlgError:
                dep_bad[fin_cov] = True
        # relative IC50 = e for ll3/ll4 (se = e se(le)); absolute IC50 at half the fitted vehicle plateau, its se by
        # the delta method with the level held fixed (as ``_estimates.ed_absolute``)
        ic50, ic50_se = e.copy(), e * se[:, 3]
        h0_top = (b > 0) if mdl.shape in ("ll", "w1") else (b <= 0)
        plateau0 = np.where(h0_top, d, c)
        A = 0.5 * plateau0
        q = (d - A) / (A - c)
        hval = (A - c) / (d - c)
        inside = np.isfinite(hval) & (hval > 0) & (hval < 1)
        abs_ic50 = np.where(inside, np.exp(le + np.log(q) / b), np.nan)
        # (f's column is a placeholder: ll5 takes its estimates from the single-curve fits below)
        grad = np.column_stack([-np.log(q) / b ** 2, 1.0 / (b * (A - c)), 1.0 / (b * (d - A)), np.ones(C), np.zeros(C)])
        gf = grad[:, [PARAM_INDEX[p] for p in free_names]]
        var = np.einsum("ci,cij,cj->c", gf, cov_free, gf)
        abs_se = np.where(inside & (var >= 0), abs_ic50 * np.sqrt(var), np.nan)
        Llo, Lhi = np.log(wlo), np.log(whi)
        auc = _ll_auc(b, c, d, le, Llo, Lhi) if ll else np.full(C, np.nan)
        emax = c + (d - c) / (1.0 + np.exp(np.clip(b * (np.log(dmax) - le), -700, 700)))
    for i, cv in curves.items():  # models without the closed forms above: the single-curve estimates
        ic50[i], ic50_se[i] = ed_relative(cv, 50.0, "jtj")
        abs_ic50[i], abs_se[i] = ed_absolute(cv, A[i], "jtj")
        emax[i] = float(cv.predict([dmax[i]])[0]) if np.isfinite(dmax[i]) else np.nan
        if np.isfinite(Llo) and np.isfinite(Lhi):
            auc[i] = integrate.quad(lambda t, cv=cv: float(cv.predict([10.0 ** t])[0]), Llo / np.log(10), Lhi / np.log(10),
                                    epsabs=1e-12, epsrel=1e-10, limit=200)[0]
    with np.errstate(all="ignore"):
        activity = plateau0 * (Lhi - Llo) / np.log(10.0) - auc
        ci_lo, ci_hi = _interval_log(ic50, ic50_se, tq)
        a_lo, a_hi = _interval_log(abs_ic50, abs_se, tq)
        loglik = -0.5 * n * (np.log(2 * np.pi) + np.log(rss / n) + 1.0)
        aic = -2.0 * loglik + 2.0 * (n_par + 1)
        bic = -2.0 * loglik + np.log(n) * (n_par + 1)
        relation = np.where(~np.isfinite(ic50), "", np.where(ic50 > dmax, ">", np.where(ic50 < dmin, "<", "=")))
        flat = np.isfinite(flat_p) & (flat_p >= 0.05)
        censor = (relation != "=") | flat
        ic50, ic50_se, ci_lo, ci_hi = (np.where(censor, np.nan, v) for v in (ic50, ic50_se, ci_lo, ci_hi))
        abs_out = np.isfinite(abs_ic50) & ~((dmin <= abs_ic50) & (abs_ic50 <= dmax))
        abs_nr = ~np.isfinite(abs_ic50)
        abs_ic50, abs_se, a_lo, a_hi = (np.where(abs_out | abs_nr, np.nan, v) for v in (abs_ic50, abs_se, a_lo, a_hi))
        span_b = 1e-6 * np.maximum(1.0, np.abs(b))
        span_e = 1e-6 * np.maximum(1.0, np.abs(le))
        checks = [
            (~conv, "not_converged"),
            (("b" in free_names) & ((b + slope_limit < span_b) | (slope_limit - b < span_b)), "at_bound:hill"),
            (("le" in free_names) & ((le - lo_le < span_e) | (hi_le - le < span_e)), "at_bound:e"),
            (dfc <= 0, "no_residual_df"),
            (~fin_cov | dep_bad, "ambiguous"),
            (flat, "flat"),
            (relation == ">", "ic50_above_range"),
            (relation == "<", "ic50_below_range"),
            (abs_nr, "abs_ic50_not_reached"),
            (abs_out, "abs_ic50_outside_range"),
        ]
    acc = np.where(extra_flags != "", extra_flags + ";", "").astype(object)
    for cond, name in checks:
        acc = acc + np.where(cond & fitted, name + ";", "").astype(object)
    acc = np.where(fitted, acc, status + np.where(extra_flags != "", ";" + extra_flags, "").astype(object))
    flags = [s.rstrip(";") or "ok" for s in acc]
    nan = ~fitted

    def num(v):
        v = np.asarray(v, float)
        return np.where(nan, np.nan, v)

    cols = {
        "model": mdl.name, "n": n.astype(int), "bottom": num(c), "top": num(d), "hill": num(mdl.hill_sign * b),
        "ic50": num(ic50), "ic50_se": num(ic50_se), "ic50_ci_low": num(ci_lo), "ic50_ci_high": num(ci_hi),
        "ci_level": ci_level, "abs_ic50": num(abs_ic50), "auc": num(auc), "aic": num(aic),
        "converged": conv & fitted, "flag": flags, "ic50_relation": np.where(fitted, relation, ""),
        "abs_ic50_se": num(abs_se), "abs_ic50_ci_low": num(a_lo), "abs_ic50_ci_high": num(a_hi),
        "abs_response": num(A), "e": num(e), "emax": num(emax), "bic": num(bic), "rss": num(rss),
        "df": dfc.astype(int), "sigma": num(sigma), "lof_f": num(lof_f), "lof_p": num(lof_p), "dose_min": dmin,
        "dose_max": dmax, "cov": "jtj", "ci_method": "delta (log scale)",
        "hill_se": num(se[:, 0]), "bottom_se": num(se[:, 1]), "top_se": num(se[:, 2]), "e_se": num(e * se[:, 3]),
        "r2": num(r2), "rmse": num(rmse), "flat_f": num(flat_f), "flat_p": num(flat_p),
        "activity_area": num(activity), "n_doses": k.astype(int), "dose_unit": units, "method": method,
    }
    if mdl.name == "ll5":
        cols["f"] = num(theta[:, 4])
    body = pd.DataFrame({name: (np.full(C, v, dtype=object) if isinstance(v, str) else v) for name, v in cols.items()})
    for name in ("model", "cov", "ci_method"):
        body[name] = body[name].astype(object)
    return pd.concat([key_table.reset_index(drop=True), body], axis=1)
