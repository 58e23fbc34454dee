"""Comparisons between curves: IC50 ratios (delta and Fieller intervals, as drc's EDcomp), the
extra-sum-of-squares F test of a shared mid-point (Prism's "Is logIC50 different?"), and
replicate-level tests on per-experiment log IC50s.

All curve-level comparisons use the joint model of the analysed groups with one pooled residual
variance (the error of the model with separate curves), as drc does for ``drm(..., curveid)`` and as
Prism's F test does; post-test-like pairwise F tests therefore use the pooled error of all groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._engine import Layout
from ._estimates import complex_step_gradient
from ._fit import DoseResponseCurve, GlobalFit, fit_global
from ._models import INTERNAL, PARAM_INDEX, Model

__all__ = ["Joint", "joint_from_curves", "joint_from_global", "ratio_test", "fieller", "f_test_shared"]


@dataclass
class Joint:
    """theta (G x 5), the free-vector layout and its covariance, with pooled residual df."""

    model: Model
    labels: list[str]
    theta: np.ndarray
    layout: Layout
    cov: np.ndarray
    rss: float
    df: int

    def v(self) -> np.ndarray:
        return self.layout.vector(self.theta)


def joint_from_curves(curves: list[DoseResponseCurve], cov: str) -> Joint:
    """Separate curves as one joint model: block-diagonal covariance rescaled to the pooled variance."""
    model = curves[0].model
    G = len(curves)
    modes = {p: ("separate" if p in curves[0].free else "fixed") for p in INTERNAL}
    fixed = {p: float(curves[0].theta[PARAM_INDEX[p]]) for p in INTERNAL if modes[p] == "fixed"}
    lay = Layout(G, modes, fixed)
    theta = np.vstack([c.theta for c in curves])
    rss = float(sum(c.rss for c in curves))
    df = int(sum(c.df for c in curves))
    s2_pool = rss / df if df > 0 else np.nan
    C = np.zeros((lay.n_free, lay.n_free))
    for g, c in enumerate(curves):
        idx = [lay.index[g, PARAM_INDEX[p]] for p in c.free]
        s2 = c.rss / c.df if c.df > 0 else np.nan
        block = c.get_cov(cov) * (s2_pool / s2)
        C[np.ix_(idx, idx)] = block
    return Joint(model, [c.label for c in curves], theta, lay, C, rss, df)


def joint_from_global(gf: GlobalFit) -> Joint:
    return Joint(gf.model, gf.labels, gf.theta, gf.layout, gf.cov, gf.rss, gf.df)


def _log_ed(model: Model, th, q: float):
    return model.log_ed_relative(q, th)


def ratio_test(joint: Joint, g: int, r: int, *, p: float = 50.0, level: float = 0.95) -> dict:
    """ED_p(g) / ED_p(r): estimate, delta SE, delta intervals on the ratio and log-ratio scales, Fieller."""
    q = p / 100.0
    lay, model = joint.layout, joint.model
    v = joint.v()

    def eds(vv):
        th = lay.matrix(vv)
        return np.exp(_log_ed(model, th[g], q)), np.exp(_log_ed(model, th[r], q))

    ga, gb = complex_step_gradient(lambda vv: np.array(eds(vv)), v)  # gradients of the two EDs over the free vector
    a, b = (float(np.real(x)) for x in eds(v.astype(complex)))
    C = joint.cov
    vaa, vbb, vab = float(ga @ C @ ga), float(gb @ C @ gb), float(ga @ C @ gb)
    ratio = a / b
    grad = ga / b - gb * a / b**2
    var = float(grad @ C @ grad)
    se = float(np.sqrt(var)) if var >= 0 else np.nan
    tq = float(stats.t.ppf(0.5 + level / 2, joint.df)) if joint.df > 0 else np.nan
    lin = (ratio - tq * se, ratio + tq * se)
    half = tq * se / ratio if ratio > 0 else np.nan
    logci = (ratio * np.exp(-half), ratio * np.exp(half))
    fl = fieller(a, b, vaa, vbb, vab, tq)
    return {"ed_group": a, "ed_reference": b, "ratio": ratio, "se": se, "ci_linear": lin, "ci_log": logci,
            "fieller": fl, "t_quantile": tq, "df": joint.df}


def fieller(a: float, b: float, vaa: float, vbb: float, vab: float, tq: float) -> tuple[float, float]:
    """Fieller's interval for a / b given the (co)variances of a and b; NaN when unbounded
    (the denominator is not significantly different from zero)."""
    A = b * b - tq * tq * vbb
    B = -2.0 * (a * b - tq * tq * vab)
    Cc = a * a - tq * tq * vaa
    disc = B * B - 4 * A * Cc
    if not (np.isfinite(disc) and A > 0 and disc >= 0):
        return (np.nan, np.nan)
    sq = np.sqrt(disc)
    return (float((-B - sq) / (2 * A)), float((-B + sq) / (2 * A)))


def f_test_shared(doses, responses, labels, curves: list[DoseResponseCurve], *, model: Model,
                  fixed: dict[str, float], share: tuple[str, ...] = (), tie: tuple[int, ...] | None = None,
                  rss_full: float, df_full: int, n_full: int) -> dict:
    """Extra-sum-of-squares F test of a shared mid-point ``e``.

    The full model is the analysed one (all ``curves``; parameters in ``share`` common to all), with residual
    sum of squares ``rss_full`` on ``df_full`` df and ``n_full`` free parameters. The reduced model adds the
    constraint that the curves listed in ``tie`` (indices; default all) share ``e``. The denominator is the
    pooled error of the full model, so pairwise tests among several groups use the error of all of them."""
    G = len(curves)
    tie = tuple(range(G)) if tie is None else tuple(tie)
    if not share:
        # separate curves: the untied curves are unaffected, so only the tied ones are refitted
        sub = list(tie)
        red = fit_global([doses[g] for g in sub], [responses[g] for g in sub], [labels[g] for g in sub],
                         model=model, shared=("le",), fixed=fixed, start=np.vstack([curves[g].theta for g in sub]))
        rss_red = red.rss + sum(curves[g].rss for g in range(G) if g not in tie)
        df_num = len(tie) - 1
    else:
        slots = [0 if g in tie else g + 1 for g in range(G)]
        red = fit_global(doses, responses, labels, model=model, shared=tuple(p for p in share if p != "le"),
                         fixed=fixed, start=np.vstack([c.theta for c in curves]),
                         ties={"le": slots} if "le" not in share else None)
        rss_red = red.rss
        df_num = n_full - red.layout.n_free
    bound = tuple(red.at_bound)
    if df_full <= 0 or df_num <= 0 or not np.isfinite(rss_red) or bound:
        # a reduced model on a bound (e.g. |hill| at the slope limit) has no finite optimum: its RSS is above the
        # infimum, so F would be inflated and p too small; the test is not computed (flagged by the caller)
        return {"f_stat": np.nan, "df_num": df_num, "df_den": df_full, "p_value": np.nan,
                "rss_reduced": rss_red, "converged": red.converged, "reduced_at_bound": bound}
    F = max(rss_red - rss_full, 0.0) / df_num / (rss_full / df_full)
    return {"f_stat": float(F), "df_num": int(df_num), "df_den": int(df_full),
            "p_value": float(stats.f.sf(F, df_num, df_full)), "rss_reduced": float(rss_red),
            "converged": red.converged, "reduced_at_bound": ()}


def replicate_test(a: dict, b: dict, level: float = 0.95) -> dict:
    """Compare per-replicate log10 IC50s of two groups (dicts replicate -> log10 IC50).

    Paired t test when both groups were measured in every replicate (Prism's advice for independent
    experiments), Welch's t test otherwise. The ratio is 10 ** (mean difference) with its t interval.
    """
    common = sorted(set(a) & set(b), key=str)
    paired = len(common) >= 2 and set(a) == set(b)
    if paired:
        x = np.array([a[k] for k in common])
        y = np.array([b[k] for k in common])
        res = stats.ttest_rel(x, y)
        diff = float(np.mean(x - y))
        n = len(common)
        test = "paired t on log10 IC50"
    else:
        x = np.array(list(a.values()))
        y = np.array(list(b.values()))
        if x.size < 2 or y.size < 2:
            return {"test": "too few replicates", "n_group": x.size, "n_reference": y.size,
                    "ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "statistic": np.nan,
                    "df": np.nan, "p_value": np.nan}
        res = stats.ttest_ind(x, y, equal_var=False)
        diff = float(np.mean(x) - np.mean(y))
        n = None
        test = "Welch t on log10 IC50"
    ci = res.confidence_interval(confidence_level=level)
    return {"test": test, "n_group": int(len(a)), "n_reference": int(len(b)), "n_pairs": n,
            "ratio": float(10 ** diff), "ci_low": float(10 ** ci.low), "ci_high": float(10 ** ci.high),
            "statistic": float(res.statistic), "df": float(res.df), "p_value": float(res.pvalue)}
