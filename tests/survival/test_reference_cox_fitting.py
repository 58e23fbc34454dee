"""How Cox models are fitted (issue 11), against R 4.2.2 survival 3.5-3 coxph (tests/reference/survival/
make_reference_cox_fitting.R): a right-skewed covariate (bilirubin of the Mayo PBC data, 0.3 to 28), covariates on a
large scale (age in days, alkaline phosphatase as measured, bilirubin x 1e4), the Mayo model, the optimal cut of
bilirubin, near-separated data with a large but finite estimate, and separated data (an infinite estimate, refused).
A plain Newton-Raphson from beta = 0 diverged on the first two and the NaN was reported as separation.

The reference fits use coxph with eps = 1e-12 (the maximum itself); R's default stop (1e-9) differs from it by at
most 7e-10 relative on these data (``default_vs_tight_coef``). Values are written with 17 significant digits; the
per-SD quantities come from coxph on the covariate divided by its SD, the Wald limits from summary.coxph.
Tolerances (relative), at most ten times the largest difference measured in each family and not below
TOL_FLOOR = 1e-14 (the order of floating-point operations): COX_RTOL for coefficients, standard errors, hazard
ratios and their limits, z, log-likelihoods and the three tests (measured 4.4e-13, a small coefficient of the
Mayo model); P_RTOL for Wald p values (measured 4.7e-12: the relative error of p grows with z^2, up to 130 here).
"""

import numpy as np
import pandas as pd
import pytest

from assaystats.errors import AssayDataError
from assaystats.survival import analyze, cox_fit
from tests._reference import REFERENCE, Reference

ref = Reference("survival/reference_cox_fitting.csv")
TOL_FLOOR = 1e-14
COX_RTOL = 4e-12
P_RTOL = 4e-11
#: Harrell's C: measured 3.3e-16
CONCORDANCE_RTOL = TOL_FLOOR
#: maxstat statistic (measured 3.4e-16) and Lau94 p (3.6e-14, at p = 8.8e-25)
MAXSTAT_RTOL = 3e-13


@pytest.fixture(scope="module")
def pbc():
    d = pd.read_csv(REFERENCE / "survival" / "pbc.csv")
    d["age_days"] = d.age * 365.25
    d["bili_1e4"] = d.bili * 1e4
    for c in ("bili", "albumin", "protime"):
        d[f"log_{c}"] = np.log(d[c])
    return d


@pytest.fixture(scope="module")
def edge():
    return pd.read_csv(REFERENCE / "survival" / "cox_edge_cases.csv")


def check_table(case, table, terms, prefix=""):
    """Every per-term quantity of the cox table against coxph; ``terms`` maps our term -> R's term."""
    cox = table.set_index("term")
    for ours, theirs in terms.items():
        for col, q, tol in (("coef", "coef", COX_RTOL), ("se", "se", COX_RTOL), ("hr", "hr", COX_RTOL),
                            ("hr_ci_low", "hr_lower", COX_RTOL), ("hr_ci_high", "hr_upper", COX_RTOL),
                            ("z", "z", COX_RTOL), ("p_value", "p", P_RTOL)):
            assert cox.loc[ours, col] == pytest.approx(ref(case, f"{prefix}{q}", theirs), rel=tol), (case, ours, col)


def check_fit(case, fit, terms, prefix=""):
    """cox_fit's whole-model numbers: log-likelihoods, the three tests, concordance, n and events."""
    check_table(case, fit["table"], terms, prefix)
    assert fit["loglik"] == pytest.approx(ref(case, f"{prefix}loglik", "model"), rel=COX_RTOL)
    assert fit["loglik_null"] == pytest.approx(ref(case, f"{prefix}loglik", "null"), rel=COX_RTOL)
    t = fit["tests"].set_index("test").statistic
    assert t["likelihood ratio"] == pytest.approx(ref(case, f"{prefix}lr_test_stat"), rel=COX_RTOL)
    assert t["Wald"] == pytest.approx(ref(case, f"{prefix}wald_test_stat"), rel=COX_RTOL)
    assert t["score (log-rank)"] == pytest.approx(ref(case, f"{prefix}score_test_stat"), rel=COX_RTOL)
    assert fit["concordance"] == pytest.approx(ref(case, f"{prefix}concordance"), rel=CONCORDANCE_RTOL)
    assert (fit["n"], fit["events"]) == (ref(case, f"{prefix}n"), ref(case, f"{prefix}nevent"))


def fit_rows(d, cols, event):
    d = d.dropna(subset=cols)
    return cox_fit(d.time, event(d), d[cols].to_numpy(float), cols)


@pytest.mark.parametrize("ties,prefix", [("efron", ""), ("breslow", "breslow_")])
def test_issue_call_trt_and_skewed_bilirubin(pbc, ties, prefix):
    # the call of the issue: refused before as "bili (nearly) separates the events"
    res = analyze(pbc, time="time", event="status", event_value=2, group="trt", covariates=["bili"], ties=ties)
    check_table("pbc_trt_bili", res.cox, {"2 vs 1": "2 vs 1", "bili": "bili"}, prefix)
    assert res.meta["n"] == ref("pbc_trt_bili", f"{prefix}n")  # 106 patients without trt left out
    d = pbc.dropna(subset=["trt"])
    fit = cox_fit(d.time, (d.status == 2).astype(float), np.column_stack([d.trt == 2, d.bili]).astype(float),
                  ["2 vs 1", "bili"], ties=ties)
    check_fit("pbc_trt_bili", fit, {"2 vs 1": "2 vs 1", "bili": "bili"}, prefix)


def test_bilirubin_alone_and_its_splits(pbc):
    fit = fit_rows(pbc, ["bili"], lambda d: (d.status == 2).astype(float))
    check_fit("pbc_bili", fit, {"bili": "bili"})
    assert fit["table"].coef.iloc[0] == pytest.approx(0.1419, abs=5e-5)  # the issue's figure
    # every split of bilirubin failed too, because the continuous Cox beside it failed
    res = analyze(pbc, time="time", event="status", event_value=2, expression="bili", cutoff="median")
    c = res.continuous
    assert c.coef.iloc[0] == pytest.approx(ref("pbc_bili", "coef", "bili"), rel=COX_RTOL)
    assert c.hr.iloc[1] == pytest.approx(ref("pbc_bili", "hr_per_sd", "bili"), rel=COX_RTOL)


def test_large_scale_covariates(pbc):
    cols = ["age_days", "alk.phos", "bili_1e4"]
    fit = fit_rows(pbc, cols, lambda d: (d.status == 2).astype(float))
    check_fit("pbc_large_scale", fit, {c: c for c in cols})
    res = analyze(pbc, time="time", event="status", event_value=2, covariates=cols)  # covariates alone
    check_table("pbc_large_scale", res.cox, {c: c for c in cols})


def test_rescaling_a_covariate_rescales_its_coefficient(pbc):
    """Property: x * c has coefficient b / c and the same log-likelihood, for c from 1e-4 to 1e6."""
    d = pbc.dropna(subset=["alk.phos"])
    ev = (d.status == 2).astype(float)
    base = cox_fit(d.time, ev, np.column_stack([d.age, d.bili]), ["age", "bili"])
    for c in (1e-4, 1e-2, 1.0, 365.25, 1e4, 1e6):
        f = cox_fit(d.time, ev, np.column_stack([d.age, d.bili * c]), ["age", "bili"])
        assert f["beta"][1] * c == pytest.approx(base["beta"][1], rel=1e-9)
        assert f["beta"][0] == pytest.approx(base["beta"][0], rel=1e-9)
        assert f["loglik"] == pytest.approx(base["loglik"], rel=1e-12)
        assert f["table"].z.iloc[1] == pytest.approx(base["table"].z.iloc[1], rel=1e-9)


def test_mayo_model(pbc):
    cols = ["age", "edema", "log_bili", "log_albumin", "log_protime"]
    fit = fit_rows(pbc, cols, lambda d: (d.status == 2).astype(float))
    check_fit("pbc_mayo", fit, {c: c for c in cols})


def test_optimal_cut_of_bilirubin(pbc):
    case = "pbc_bili_optimal"
    res = analyze(pbc, time="time", event="status", event_value=2, expression="bili", cutoff="optimal")
    cp = res.cutpoint.iloc[0]
    assert cp.cutpoint == ref(case, "cutpoint")
    assert cp.statistic == pytest.approx(ref(case, "statistic"), rel=MAXSTAT_RTOL)
    assert cp.p_value == pytest.approx(ref(case, "p_lau94"), rel=MAXSTAT_RTOL, abs=1e-300)
    assert cp.n_low == ref(case, "n_low")
    check_table(case, res.cox, {"high vs low": "high vs low"})


def test_near_separated_group_has_a_finite_estimate(edge):
    d = edge[edge.set == "near_dummy"]
    res = analyze(d, time="time", event="status", group="grp")
    check_table("near_dummy", res.cox, {"lo vs hi": "lo vs hi"})
    assert res.cox.hr.iloc[0] < 1 / 40  # a large effect, still finite
    fit = cox_fit(d.time, d.status, (d.grp == "lo").to_numpy(float)[:, None], ["lo vs hi"])
    check_fit("near_dummy", fit, {"lo vs hi": "lo vs hi"})


def test_near_separated_continuous_has_a_finite_estimate(edge):
    d = edge[edge.set == "near_continuous"]
    fit = cox_fit(d.time, d.status, d[["x"]].to_numpy(float), ["x"])
    check_fit("near_continuous", fit, {"x": "x"})
    assert fit["beta"][0] * d.x.std() == pytest.approx(ref("near_continuous", "coef_per_sd", "x"), rel=COX_RTOL)


def test_separated_group_is_refused(edge):
    d = edge[edge.set == "separated"]
    assert ref("separated", "warned_infinite") == 1  # coxph: "Loglik converged before variable 1; ... infinite"
    with pytest.raises(AssayDataError, match="lo vs hi separates the events \\(monotone likelihood") as e:
        analyze(d, time="time", event="status", group="grp")
    assert "no patient of 'lo' has an event while one outside it is still at risk" in str(e.value)
    assert "runs to -infinity" in str(e.value)
    with pytest.raises(AssayDataError, match="hi vs lo separates the events.*runs to \\+infinity"):
        analyze(d, time="time", event="status", group="grp", control="lo")


def test_separated_by_a_combination_is_refused(edge):
    # coxph runs out of iterations here (both coefficients run to infinity together)
    d = edge[edge.set == "separated"]
    assert ref("separated_x_and_group", "warned_not_converged") == 1
    with pytest.raises(AssayDataError, match="a combination of lo vs hi, x separates the events"):
        analyze(d, time="time", event="status", group="grp", covariates=["x"])


def test_partial_separation_names_the_covariate():
    # 'early' (died before day 100) separates the events; age and sex stay finite. coxph flags variable 3.
    lung = pd.read_csv(REFERENCE / "survival" / "lung.csv")
    lung["early"] = ((lung.time < 100) & (lung.status == 2)).astype(float)
    assert ref("lung_early", "infinite_variable", "early") == 1
    with pytest.raises(AssayDataError, match="early separates the events.*highest early.*\\+infinity") as e:
        analyze(lung, time="time", event="status", event_value=2, covariates=["age", "sex", "early"])
    assert e.value.column == "early"
    assert "age" not in str(e.value)


def test_no_events_information_is_still_singular():
    # two identical covariates: the information matrix is singular (not a separation)
    t = np.arange(1.0, 11)
    e = np.r_[np.ones(8), 0, 0]
    x = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3.0])
    with pytest.raises(AssayDataError, match="information matrix is singular"):
        cox_fit(t, e, np.column_stack([x, 2 * x]), ["a", "b"])
