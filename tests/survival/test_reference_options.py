"""Options of survival.analyze against R 4.2.2, survival 3.5-3 on the NCCTG lung cohort
(tests/reference/survival/make_reference_survival_options.R, issue 10): one overall Kaplan-Meier curve
(``survfit(Surv(time, status == 2) ~ 1)``) for the three interval types, a 90% level (survfit ``conf.int = 0.9``,
``summary(coxph, conf.int = 0.9)``), Cox with missing covariates (``na.action = na.omit``) read three ways, and Cox
on covariates alone. Values written with 17 significant digits, Cox models fitted by coxph to the maximum itself
(eps = 1e-12), the per-SD limits from coxph on age / sd(age).

Tolerances (relative) are at most ten times the largest difference measured in each family, and not below
TOL_FLOOR = 1e-14: below that a difference is the order of floating-point operations, not the statistic."""

import numpy as np
import pandas as pd
import pytest

from assaystats.io import read_table
from assaystats.survival import analyze
from tests._reference import REFERENCE, Reference

ref = Reference("survival/reference_survival_options.csv")
LUNG = REFERENCE / "survival" / "lung.csv"

TOL_FLOOR = 1e-14
#: Kaplan-Meier surv and std.err are closed forms: measured 8.5e-15
KM_REL = 8e-14
#: interval limits pass through exp/log and a normal quantile: measured 4.9e-14 (a plain-interval limit near 0)
CI_REL = 4e-13
#: RMST sums areas over ~180 steps: measured 1.6e-15
RMST_REL = TOL_FLOOR
#: hazard ratios and limits at the 90% level (lung, sex + age): measured 6.1e-16
HR90_REL = TOL_FLOOR
#: Cox with missing covariates and on covariates alone: coefficients, measured 6.2e-12 (the coefficient of
#: wt.loss, 0.0015: small in absolute terms); standard errors, limits and the three tests, measured 5.6e-13
COX_COEF_REL = 6e-11
COX_REL = 5e-12
#: Wald p values and the proportional-hazards score tests: measured 1.3e-11
COX_TEST_REL = 1e-10
#: Harrell's C: measured 1.8e-16
CONCORDANCE_REL = TOL_FLOOR
#: log-rank statistic on the complete rows: measured 3.2e-15
LOGRANK_REL = 3e-14

CONF = [("log", ""), ("log-log", "loglog_"), ("plain", "plain_")]


@pytest.fixture(scope="module")
def lung():
    return pd.read_csv(LUNG)


def _check_curve(curve, case, label, prefix, full):
    """Every distinct time of the fit (R's fit$time), with the same rows as R."""
    t = ref.table
    times = t[(t.case == case) & (t.quantity == f"{prefix}lower") & t.term.str.startswith(f"{label}|time=")]
    assert len(curve) == len(times)
    for r in curve.itertuples(index=False):
        term = f"{label}|time={r.time:g}"
        if full:
            assert r.n_at_risk == ref(case, "n_risk", term)
            assert r.n_event == ref(case, "n_event", term)
            assert r.n_censor == ref(case, "n_censor", term)
            assert r.surv == pytest.approx(ref(case, "surv", term), rel=KM_REL)
            assert r.std_err == pytest.approx(ref(case, "std_err", term), rel=KM_REL)
        assert r.ci_low == pytest.approx(ref(case, f"{prefix}lower", term), rel=CI_REL)
        assert r.ci_high == pytest.approx(ref(case, f"{prefix}upper", term), rel=CI_REL)


def _check_median(row, case, label, prefix):
    assert row["median"] == ref(case, f"{prefix}median", label)
    assert row["median_ci_low"] == ref(case, f"{prefix}median_lower", label)
    assert row["median_ci_high"] == ref(case, f"{prefix}median_upper", label)


@pytest.mark.parametrize("conf_type,prefix", CONF)
def test_overall_kaplan_meier_matches_survfit(lung, conf_type, prefix):
    res = analyze(lung, time="time", event="status", event_value=2, conf_type=conf_type, times=[180, 365],
                  rmst_tau=730)
    assert list(res.groups.group) == ["all"] and res.meta["levels"] == ["all"]
    g = res.groups.iloc[0]
    assert (g.n, g.events) == (ref("km_overall", "records", "all"), ref("km_overall", "events", "all"))
    _check_curve(res.curves, "km_overall", "all", prefix, full=prefix == "")
    _check_median(g, "km_overall", "all", prefix)
    at = res.survival_at.set_index("time")
    for t in (180, 365):
        assert at.loc[t, "surv"] == pytest.approx(ref("km_overall", "surv", f"all|t={t}"), rel=KM_REL)
        assert at.loc[t, "ci_low"] == pytest.approx(ref("km_overall", f"{prefix}lower", f"all|t={t}"), rel=CI_REL)
        assert at.loc[t, "ci_high"] == pytest.approx(ref("km_overall", f"{prefix}upper", f"all|t={t}"), rel=CI_REL)
    assert g.rmst == pytest.approx(ref("km_overall", "rmean", "730"), rel=RMST_REL)
    assert g.rmst_se == pytest.approx(ref("km_overall", "se_rmean", "730"), rel=RMST_REL)
    # no comparison without a group; and the fixed tables are all there
    assert res.logrank is None and res.pairwise is None and res.cox is None and res.ph_test is None
    assert set(res.tables()) == {"groups", "risk_table", "survival_at"}


def test_overall_rmst_default_horizon_and_risk_table(lung):
    res = analyze(lung, time="time", event="status", event_value=2)
    g = res.groups.iloc[0]
    assert g.rmst_tau == ref("km_overall", "rmean_tau", "max")
    assert g.rmst == pytest.approx(ref("km_overall", "rmean", "max"), rel=RMST_REL)
    assert g.rmst_se == pytest.approx(ref("km_overall", "se_rmean", "max"), rel=RMST_REL)
    rt = res.risk_table.set_index("time")
    assert list(rt.index) == [0, 200, 400, 600, 800, 1000]
    for t in rt.index:
        assert rt.loc[t, "n_at_risk"] == ref("km_overall", "risk_n_risk", f"{t:g}")
        assert rt.loc[t, "events"] == ref("km_overall", "risk_events", f"{t:g}")
        assert rt.loc[t, "censored"] == ref("km_overall", "risk_censored", f"{t:g}")


@pytest.mark.parametrize("conf_type,prefix", CONF)
def test_level_90_kaplan_meier(lung, conf_type, prefix):
    res = analyze(lung, time="time", event="status", event_value=2, conf_type=conf_type, ci_level=0.9,
                  times=[180, 365])
    _check_curve(res.curves, "level90", "all", prefix, full=False)
    _check_median(res.groups.iloc[0], "level90", "all", prefix)
    at = res.survival_at.set_index("time")
    for t in (180, 365):
        assert at.loc[t, "ci_low"] == pytest.approx(ref("level90", f"{prefix}lower", f"all|t={t}"), rel=CI_REL)
        assert at.loc[t, "ci_high"] == pytest.approx(ref("level90", f"{prefix}upper", f"all|t={t}"), rel=CI_REL)
    assert (res.survival_at.ci_level == 0.9).all() and (res.groups.ci_level == 0.9).all()

    by = analyze(lung, time="time", event="status", event_value=2, group="sex", conf_type=conf_type, ci_level=0.9)
    for sex in ("1", "2"):
        _check_curve(by.curves[by.curves.group == sex], "level90", sex, prefix, full=False)
        _check_median(by.groups.set_index("group").loc[sex], "level90", sex, prefix)


def test_level_90_hazard_ratios(lung):
    res = analyze(lung, time="time", event="status", event_value=2, group="sex", covariates=["age"], ci_level=0.9)
    cox = res.cox.set_index("term")
    for ours, theirs in (("2 vs 1", "sex"), ("age", "age")):
        assert cox.loc[ours, "hr"] == pytest.approx(ref("level90", "hr", theirs), rel=HR90_REL)
        assert cox.loc[ours, "hr_ci_low"] == pytest.approx(ref("level90", "hr_lower", theirs), rel=HR90_REL)
        assert cox.loc[ours, "hr_ci_high"] == pytest.approx(ref("level90", "hr_upper", theirs), rel=HR90_REL)
    assert (res.cox.ci_level == 0.9).all()
    assert "90% CI" in res.summary() and "90%" in res.methods()
    ex = analyze(lung, time="time", event="status", event_value=2, expression="age", ci_level=0.9)
    c = ex.continuous
    assert c.hr_ci_low.iloc[0] == pytest.approx(ref("level90", "hr_lower", "age_alone"), rel=HR90_REL)
    assert c.hr_ci_low.iloc[1] == pytest.approx(ref("level90", "hr_per_sd_lower", "age_alone"), rel=HR90_REL)
    assert c.hr_ci_high.iloc[1] == pytest.approx(ref("level90", "hr_per_sd_upper", "age_alone"), rel=HR90_REL)


def _cox_matches(res, case, terms):
    cox = res.cox.set_index("term")
    for ours, theirs in terms:
        for col, q, tol in (("coef", "coef", COX_COEF_REL), ("se", "se", COX_REL), ("hr_ci_low", "hr_lower", COX_REL),
                            ("hr_ci_high", "hr_upper", COX_REL)):
            assert cox.loc[ours, col] == pytest.approx(ref(case, q, theirs), rel=tol), (ours, col)
        assert cox.loc[ours, "p_value"] == pytest.approx(ref(case, "p", theirs), rel=COX_TEST_REL)
    tests = res.cox_tests.set_index("test")
    assert tests.loc["likelihood ratio", "statistic"] == pytest.approx(ref(case, "lr_test_stat"), rel=COX_REL)
    assert tests.loc["Wald", "statistic"] == pytest.approx(ref(case, "wald_test_stat"), rel=COX_REL)
    assert tests.loc["score (log-rank)", "statistic"] == pytest.approx(ref(case, "score_test_stat"), rel=COX_REL)
    assert tests.concordance.iloc[0] == pytest.approx(ref(case, "concordance"), rel=CONCORDANCE_REL)
    ph = res.ph_test.set_index("term")
    for ours, theirs in [*terms, ("GLOBAL", "GLOBAL")]:
        ours = "sex" if ours == "2 vs 1" else ours
        assert ph.loc[ours, "chisq"] == pytest.approx(ref(case, "zph_chisq", theirs), rel=COX_TEST_REL)
    assert res.meta["n"] == ref(case, "n")
    assert int(res.groups.events.sum()) == ref(case, "nevent")


def _omitted(case):
    t = ref.table
    return sorted(int(float(v)) for v in t[(t.case == case) & (t.quantity == "omitted_row")].value)


READERS = {
    "pandas (NaN)": lambda: pd.read_csv(LUNG),
    "assaystats.io.read_table": lambda: read_table(LUNG),
    "all text ('NA' strings)": lambda: pd.read_csv(LUNG, dtype=str, keep_default_na=False),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_missing_covariates_left_out_as_na_omit(reader):
    data = READERS[reader]()
    res = analyze(data, time="time", event="status", event_value=2, group="sex",
                  covariates=["age", "wt.loss", "ph.karno"])
    # numeric covariates stay numeric whatever the reader made of the 'NA' cells: one term each
    assert list(res.cox.term) == ["2 vs 1", "age", "wt.loss", "ph.karno"]
    _cox_matches(res, "cox_missing", [("2 vs 1", "sex"), ("age", "age"), ("wt.loss", "wt.loss"),
                                      ("ph.karno", "ph.karno")])
    omitted = _omitted("cox_missing")
    assert res.meta["n_dropped"] == len(omitted) == 14
    # the one missing ph.karno is in a row that also misses wt.loss: counted per column, rows once
    assert res.meta["rows_left_out"] == {"wt.loss": 14, "ph.karno": 1}
    note = res.meta["notes"][0]
    assert note.startswith("14 rows left out for missing values")
    assert f"missing wt.loss in 14 rows (rows {omitted[0]}, {omitted[1]}, {omitted[2]} and 11 more)" in note
    assert "missing ph.karno in 1 row" in note
    # the Kaplan-Meier curves and the log-rank test use the same complete rows
    g = res.groups.set_index("group")
    for sex in ("1", "2"):
        assert g.loc[sex, "n"] == ref("cox_missing", "records", sex)
        _check_median(g.loc[sex], "cox_missing", sex, "")
    assert res.logrank.statistic.iloc[0] == pytest.approx(ref("cox_missing", "logrank_chisq"), rel=LOGRANK_REL)


def test_cox_on_covariates_alone(lung):
    res = analyze(lung, time="time", event="status", event_value=2, covariates=["age", "ph.ecog"])
    _cox_matches(res, "cox_covariates_only", [("age", "age"), ("ph.ecog", "ph.ecog")])
    assert res.meta["rows_left_out"] == {"ph.ecog": 1}
    assert _omitted("cox_covariates_only") == [14]
    assert "row 14" in res.meta["notes"][0]
    _check_median(res.groups.iloc[0], "cox_covariates_only", "all", "")
    assert res.logrank is None and "logrank" not in res.tables() and "cox" in res.tables()
    assert "alone" in res.methods()
    assert np.isfinite(res.groups.rmst.iloc[0])
