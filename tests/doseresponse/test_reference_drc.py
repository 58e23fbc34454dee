"""Single-curve fits against R: drc 3.2-0 (observed-information covariance) and base R nls (J'J).

Reference values: tests/reference/doseresponse/reference_values.csv, made by make_reference.R (R 4.2.2).
Tolerances (relative unless stated):
- against nls estimates, SEs, RSS, logLik, AIC: 1e-6 (nls ran to tol 1e-9; we converge to ~1e-10)
- against drc estimates and SEs: 2e-5 (drc's optim stops ~3e-6 short of the optimum and its Hessian is a
  finite difference with step 1e-3)
- against drc for w1/w2: 2e-4, for ll5 5e-3 (f is weakly identified and drc stops 4e-4 short in b, which moves its Hessian SEs by 3e-3); drc's optimiser stops short there (its RSS is larger than ours and
  nls's, and nls agrees with us to 1e-6), so the digits beyond 1e-4 are drc's stopping point, not the model
- profile limits: within 2e-3 of the interval's width (R spline-interpolates tau between profile points;
  we root-find exactly)
"""

import numpy as np
import pytest

from assaystats.doseresponse._estimates import ed_absolute, ed_relative, interval
from assaystats.doseresponse._fit import fit_curve
from assaystats.doseresponse._models import get_model
from assaystats.doseresponse._profile import profile_interval

from ._ref import data, ref

NLS = 1e-6
DRC = 2e-5
PROFILE = 2e-3
DRC_LOOSE = {"ryegrass_LL4": DRC, "ryegrass_LL3": DRC, "ryegrass_LL5": 5e-3, "ryegrass_W1_4": 2e-4,
             "ryegrass_W2_4": 2e-4}


def close_profile(got, case, term):
    lo, hi = ref(case, "profile_lower", term), ref(case, "profile_upper", term)
    tol = PROFILE * (hi - lo)
    assert abs(got[0] - lo) <= tol and abs(got[1] - hi) <= tol, (got, (lo, hi))

CASES = [("ll4", "ryegrass_LL4"), ("ll3", "ryegrass_LL3"), ("ll5", "ryegrass_LL5"),
         ("w1", "ryegrass_W1_4"), ("w2", "ryegrass_W2_4")]


@pytest.fixture(scope="module")
def ryegrass():
    return data("ryegrass.csv")


def _fit(ryegrass, model, cov, fixed=None):
    return fit_curve(ryegrass.conc.to_numpy(), ryegrass.rootl.to_numpy(), model=get_model(model), cov=cov,
                     fixed=fixed)


def _est_se(curve, cov):
    C = curve.full_cov(cov)
    names = {"b": 0, "c": 1, "d": 2, "f": 4}
    out = {}
    for p in curve.free:
        if p == "le":
            e = float(np.exp(curve.theta[3]))
            out["e"] = (e, e * float(np.sqrt(C[3, 3])))
        else:
            k = names[p]
            out[p] = (float(curve.theta[k]), float(np.sqrt(C[k, k])))
    return out


@pytest.mark.parametrize("model,case", CASES)
def test_estimates_and_se_match_nls(ryegrass, model, case):
    curve = _fit(ryegrass, model, "jtj")
    for term, (est, se) in _est_se(curve, "jtj").items():
        assert est == pytest.approx(ref(f"{case}_nls", "estimate", term), rel=NLS), term
        assert se == pytest.approx(ref(f"{case}_nls", "se", term), rel=1e-5), term
    assert curve.rss == pytest.approx(ref(f"{case}_nls", "rss"), rel=1e-9)
    assert curve.loglik() == pytest.approx(ref(f"{case}_nls", "loglik"), rel=1e-8)
    assert curve.aic() == pytest.approx(ref(f"{case}_nls", "aic"), rel=1e-8)
    assert curve.bic() == pytest.approx(ref(f"{case}_nls", "bic"), rel=1e-8)
    assert curve.df == ref(f"{case}_nls", "df_resid")


@pytest.mark.parametrize("model,case", CASES)
def test_estimates_and_se_match_drc(ryegrass, model, case):
    curve = _fit(ryegrass, model, "hessian")
    tol = DRC_LOOSE[case]
    for term, (est, se) in _est_se(curve, "hessian").items():
        assert est == pytest.approx(ref(f"{case}_drc", "estimate", term), rel=tol), term
        assert se == pytest.approx(ref(f"{case}_drc", "se", term), rel=tol), term
    # we are at least as close to the least-squares optimum as drc
    assert curve.rss <= ref(f"{case}_drc", "rss") * (1 + 1e-12)
    assert curve.aic() == pytest.approx(ref(f"{case}_drc", "aic"), rel=1e-6)


@pytest.mark.parametrize("model,case", CASES)
def test_effective_doses_match_drc_delta(ryegrass, model, case):
    """drc's ED(m, c(10, 50, 90), interval = "delta"): relative EDs, linear-scale t intervals."""
    curve = _fit(ryegrass, model, "hessian")
    tq = curve.t_quantile(0.95)
    tol = DRC_LOOSE[case]
    for p in (10, 50, 90):
        est, se = ed_relative(curve, p)
        lo, hi = interval(est, se, tq, "linear")
        assert est == pytest.approx(ref(f"{case}_drc", "ed_estimate", p), rel=tol)
        assert se == pytest.approx(ref(f"{case}_drc", "ed_se", p), rel=tol)
        width = ref(f"{case}_drc", "ed_upper", p) - ref(f"{case}_drc", "ed_lower", p)
        assert lo == pytest.approx(ref(f"{case}_drc", "ed_lower", p), rel=tol, abs=tol * width)
        assert hi == pytest.approx(ref(f"{case}_drc", "ed_upper", p), rel=tol, abs=tol * width)
    assert ed_relative(curve, 10)[0] < ed_relative(curve, 50)[0] < ed_relative(curve, 90)[0]


def test_absolute_ed_matches_drc(ryegrass):
    """drc's ED(type = "absolute") converts the response level to a relative p at the estimates and then
    treats p as a constant, so its SE ignores the uncertainty of c and d in that conversion. We keep the
    full delta method (the level is the fixed quantity, not p): our estimate equals drc's, and drc's SE is
    reproduced exactly by the relative ED at the converted p, which is what drc computes."""
    curve = _fit(ryegrass, "ll4", "hessian")
    b, c, d, _le, _f = curve.theta
    tq = curve.t_quantile(0.95)
    for level in (2, 4, 6):
        est, se_full = ed_absolute(curve, float(level))
        assert est == pytest.approx(ref("ryegrass_LL4_drc", "edabs_estimate", level), rel=DRC)
        p = 100 * (d - level) / (d - c)
        est_rel, se_drc = ed_relative(curve, p)
        assert est_rel == pytest.approx(est, rel=1e-12)
        assert se_drc == pytest.approx(ref("ryegrass_LL4_drc", "edabs_se", level), rel=DRC)
        lo, hi = interval(est, se_drc, tq, "linear")
        assert lo == pytest.approx(ref("ryegrass_LL4_drc", "edabs_lower", level), rel=DRC)
        assert hi == pytest.approx(ref("ryegrass_LL4_drc", "edabs_upper", level), rel=DRC)
        assert se_full < se_drc  # here the c, d terms of the gradient partly cancel the e term
    # outside the fitted range of responses there is no such dose
    assert np.isnan(ed_absolute(curve, 0.1)[0])


def test_log_scale_interval_matches_drc_fls(ryegrass):
    """Our default (log-scale) ED interval equals drc's interval = "fls" on the LL2.4 fit."""
    curve = _fit(ryegrass, "ll4", "hessian")
    tq = curve.t_quantile(0.95)
    for p in (10, 50, 90):
        est, se = ed_relative(curve, p)
        lo, hi = interval(est, se, tq, "log")
        assert est == pytest.approx(ref("ryegrass_LL4_drc", "edfls_estimate", p), rel=DRC)
        assert lo == pytest.approx(ref("ryegrass_LL4_drc", "edfls_lower", p), rel=DRC)
        assert hi == pytest.approx(ref("ryegrass_LL4_drc", "edfls_upper", p), rel=DRC)


def test_lack_of_fit_matches_drc_modelfit(ryegrass):
    curve = _fit(ryegrass, "ll4", "hessian")
    F, df1, df2, p = curve.lack_of_fit()
    assert F == pytest.approx(ref("ryegrass_LL4_drc", "lof_f"), rel=1e-6)
    assert (df1, df2) == (ref("ryegrass_LL4_drc", "lof_df_num"), ref("ryegrass_LL4_drc", "lof_df_den"))
    assert p == pytest.approx(ref("ryegrass_LL4_drc", "lof_p"), rel=1e-6)


def test_hessian_covariance_matches_independent_optimhess(ryegrass):
    """2 s^2 H^-1 at the nls optimum, computed in R with optimHess, for every (co)variance entry."""
    curve = _fit(ryegrass, "ll4", "hessian")
    C = curve.full_cov("hessian")
    e = np.exp(curve.theta[3])
    # transform le -> e for the comparison: d e / d le = e
    J = np.diag([1, 1, 1, e, 1])
    Ce = J @ C @ J
    idx = {"b": 0, "c": 1, "d": 2, "e": 3}
    for a in idx:
        for b in idx:
            assert Ce[idx[a], idx[b]] == pytest.approx(ref("ryegrass_LL4_nls", "vcov_hessian", f"{a}:{b}"),
                                                       rel=1e-5, abs=1e-10)


def test_wald_and_profile_intervals_match_nls(ryegrass):
    curve = _fit(ryegrass, "ll4", "jtj")
    tq = curve.t_quantile(0.95)
    for p, k in (("b", 0), ("c", 1), ("d", 2)):
        se = float(np.sqrt(curve.full_cov()[k, k]))
        lo, hi = interval(curve.theta[k], se, tq, "linear")
        assert lo == pytest.approx(ref("ryegrass_LL4_nls", "wald_lower", p), rel=NLS)
        assert hi == pytest.approx(ref("ryegrass_LL4_nls", "wald_upper", p), rel=NLS)
        close_profile(profile_interval(curve, "param", p), "ryegrass_LL4_nls", p)
    plo, phi = profile_interval(curve, "param", "le")
    close_profile((plo, phi), "ryegrass_LL4_nls", "le")
    close_profile((np.exp(plo), np.exp(phi)), "ryegrass_LL4_nls", "e")
    # the ED50 profile is the same interval (reparameterisation)
    elo, ehi = profile_interval(curve, "log_ed", 50)
    assert (elo, ehi) == pytest.approx((plo, phi), rel=1e-8)
    assert float(np.sqrt(curve.full_cov()[3, 3])) == pytest.approx(ref("ryegrass_LL4_nls", "se", "le"), rel=1e-5)


@pytest.mark.parametrize("model,case,terms", [("w1", "ryegrass_W1_4", "bcd"), ("w2", "ryegrass_W2_4", "bcd"),
                                               ("ll3", "ryegrass_LL3", "bd")])
def test_profile_intervals_other_models(ryegrass, model, case, terms):
    curve = _fit(ryegrass, model, "jtj")
    for p in terms:
        close_profile(profile_interval(curve, "param", p), f"{case}_nls", p)
    lo, hi = profile_interval(curve, "param", "le")
    close_profile((np.exp(lo), np.exp(hi)), f"{case}_nls", "e")


def test_fixed_parameters_match_nls_and_drc(ryegrass):
    """LL.4 with c = 0 and d = 8 fixed (drc LL.4(fixed = c(NA, 0, 8, NA)))."""
    curve = _fit(ryegrass, "ll4", "jtj", fixed={"c": 0.0, "d": 8.0})
    assert curve.free == ("b", "le")
    got = _est_se(curve, "jtj")
    for term in ("b", "e"):
        assert got[term][0] == pytest.approx(ref("ryegrass_LL4_fixed_nls", "estimate", term), rel=NLS)
        assert got[term][1] == pytest.approx(ref("ryegrass_LL4_fixed_nls", "se", term), rel=1e-5)
        lo, hi = profile_interval(curve, "param", "b" if term == "b" else "le")
        if term == "e":
            lo, hi = np.exp(lo), np.exp(hi)
        close_profile((lo, hi), "ryegrass_LL4_fixed_nls", term)
    ch = _fit(ryegrass, "ll4", "hessian", fixed={"c": 0.0, "d": 8.0})
    for p in (10, 50, 90):
        assert ed_relative(ch, p)[0] == pytest.approx(ref("ryegrass_LL4_fixed_drc", "ed_estimate", p), rel=DRC)
        assert ed_relative(ch, p)[1] == pytest.approx(ref("ryegrass_LL4_fixed_drc", "ed_se", p), rel=DRC)


@pytest.mark.parametrize("level", [2, 4, 6])
def test_absolute_ed_full_delta_matches_reparameterised_nls(ryegrass, level):
    """Our absolute ED includes the uncertainty of c and d. Reference: R nls with log(x_y) as a parameter
    (make_reference_absolute.R), whose J'J SE is the full delta-method SE by invariance."""
    case, f = "ryegrass_LL4_abs_nls", "reference_absolute.csv"
    curve = _fit(ryegrass, "ll4", "jtj")
    est, se = ed_absolute(curve, float(level))
    assert est == pytest.approx(ref(case, "estimate", level, file=f), rel=1e-8)
    assert se == pytest.approx(ref(case, "se", level, file=f), rel=1e-6)
    lo, hi = interval(est, se, curve.t_quantile(0.95), "log")
    assert lo == pytest.approx(ref(case, "wald_log_lower", level, file=f), rel=1e-6)
    assert hi == pytest.approx(ref(case, "wald_log_upper", level, file=f), rel=1e-6)
    plo, phi = profile_interval(curve, "log_abs", float(level))
    assert np.exp(plo) == pytest.approx(ref(case, "profile_root_lower", level, file=f), rel=1e-6)
    assert np.exp(phi) == pytest.approx(ref(case, "profile_root_upper", level, file=f), rel=1e-6)
    hess = _fit(ryegrass, "ll4", "hessian")
    assert ed_absolute(hess, float(level))[1] / est == pytest.approx(ref(case, "se_log_hessian", level, file=f),
                                                                      rel=1e-5)
