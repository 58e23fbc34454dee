"""Survival against R 4.2.2, survival 3.5-3 and maxstat 0.7-25 on the NCCTG lung cohort (tests/reference/survival/
make_reference_survival.R; values written with 17 significant digits, Cox models fitted by coxph to the maximum
itself, eps = 1e-12). The trend test is checked against coxph's score test with exact ties, which equals the
log-rank test for trend with survdiff's hypergeometric variance (the script also computes it by hand, as a
cross-check only).

Tolerances (relative) are set from the largest difference measured in each family, at most ten times it, and not
below TOL_FLOOR = 1e-14: below that a difference is the order of floating-point operations (a sum taken in another
order), not the statistic."""

import numpy as np
import pandas as pd
import pytest

from assaystats.survival import analyze, km_table, logrank, maxstat_logrank, median_with_ci
from tests._reference import REFERENCE, Reference

ref = Reference("survival/reference_survival.csv")

TOL_FLOOR = 1e-14
#: Kaplan-Meier surv, std.err (Greenwood), observed / expected of the log-rank test: measured 7.3e-15
KM_REL = 5e-14
#: interval limits (exp/log and a normal quantile): measured 1.3e-14
CI_REL = 1e-13
#: restricted mean survival and its standard error: measured 1.3e-15
RMST_REL = TOL_FLOOR
#: log-rank family statistics (k groups, Fleming-Harrington, trend, pairwise): measured 5.0e-15
LOGRANK_REL = 5e-14
#: p values (chi-square and normal tails; relative error grows in the far tail): measured 6.8e-14
P_REL = 5e-13
#: Cox coefficients, standard errors, hazard ratios and limits, the three tests: measured 8.1e-14 (the LR statistic)
COX_REL = 5e-13
#: cox.zph chi-squares and p values: measured 8.5e-15
ZPH_REL = 5e-14
#: Harrell's C: measured 1.8e-16
CONCORDANCE_REL = TOL_FLOOR
#: maxstat statistic, Lau94 p and the scan of standardized statistics: measured 1.2e-15
MAXSTAT_REL = TOL_FLOOR


@pytest.fixture(scope="module")
def lung():
    return pd.read_csv(REFERENCE / "survival" / "lung.csv")


@pytest.mark.parametrize("conf_type,prefix", [("log", ""), ("log-log", "loglog_"), ("plain", "plain_")])
def test_kaplan_meier_by_sex(lung, conf_type, prefix):
    ev = (lung.status == 2).astype(float)
    for sex in (1, 2):
        m = lung.sex == sex
        tab = km_table(lung.time[m], ev[m], conf_type=conf_type)
        for r in tab.itertuples(index=False):
            term = f"{sex}|time={r.time:g}"
            if prefix == "":
                assert r.n_at_risk == ref("km_sex", "n_risk", term)
                assert r.n_event == ref("km_sex", "n_event", term)
                assert r.surv == pytest.approx(ref("km_sex", "surv", term), rel=KM_REL)
                assert r.std_err == pytest.approx(ref("km_sex", "std_err", term), rel=KM_REL)
            if np.isfinite(r.ci_low):
                assert r.ci_low == pytest.approx(ref("km_sex", f"{prefix}lower", term), rel=CI_REL)
                assert r.ci_high == pytest.approx(ref("km_sex", f"{prefix}upper", term), rel=CI_REL)
        med, lo, hi = median_with_ci(tab)
        assert med == ref("km_sex", f"{prefix}median", str(sex))
        assert lo == ref("km_sex", f"{prefix}median_lower", str(sex))
        assert hi == ref("km_sex", f"{prefix}median_upper", str(sex))


def test_groups_table_rmst_and_survival_at(lung):
    res = analyze(lung, time="time", event="status", event_value=2, group="sex", times=[180, 365], rmst_tau=730)
    g = res.groups.set_index("group")
    for sex in ("1", "2"):
        assert g.loc[sex, "rmst"] == pytest.approx(ref("km_sex", "rmean", sex), rel=RMST_REL)
        assert g.loc[sex, "rmst_se"] == pytest.approx(ref("km_sex", "se_rmean", sex), rel=RMST_REL)
        assert g.loc[sex, "observed"] == ref("logrank_sex", "observed", sex)
        assert g.loc[sex, "expected"] == pytest.approx(ref("logrank_sex", "expected", sex), rel=KM_REL)
    at = res.survival_at.set_index(["group", "time"])
    for sex in ("1", "2"):
        for t in (180, 365):
            assert at.loc[(sex, t), "surv"] == pytest.approx(ref("km_sex", "surv", f"{sex}|t={t}"), rel=KM_REL)
            assert at.loc[(sex, t), "ci_low"] == pytest.approx(ref("km_sex", "lower", f"{sex}|t={t}"), rel=CI_REL)


def test_logrank_and_fleming_harrington(lung):
    ev = (lung.status == 2).astype(float)
    g = (lung.sex == 2).astype(int).to_numpy()
    r = logrank(lung.time, ev, g, 2)
    assert r["statistic"] == pytest.approx(ref("logrank_sex", "chisq"), rel=LOGRANK_REL)
    assert r["p_value"] == pytest.approx(ref("logrank_sex", "p"), rel=P_REL)
    r1 = logrank(lung.time, ev, g, 2, rho=1)
    assert r1["statistic"] == pytest.approx(ref("logrank_sex", "rho1_chisq"), rel=LOGRANK_REL)
    assert r1["observed"][0] == pytest.approx(ref("logrank_sex", "rho1_observed", "1"), rel=KM_REL)


def test_k_groups_trend_and_pairwise(lung):
    d = lung[lung["ph.ecog"].notna() & (lung["ph.ecog"] < 3)]
    res = analyze(d, time="time", event="status", event_value=2, group="ph.ecog")
    lr = res.logrank
    assert lr.statistic.iloc[0] == pytest.approx(ref("logrank_ecog", "chisq"), rel=LOGRANK_REL)
    assert lr.df.iloc[0] == 2
    # trend with the hypergeometric variance = the score test of coxph(~ ph.ecog, ties = "exact")
    assert lr.statistic.iloc[1] == pytest.approx(ref("logrank_ecog", "trend_score_exact_ties"), rel=LOGRANK_REL)
    assert lr.p_value.iloc[1] == pytest.approx(ref("logrank_ecog", "trend_p_exact_ties"), rel=P_REL)
    pw = res.pairwise.set_index(["group1", "group2"])
    for term in ("1 vs 0", "2 vs 0", "2 vs 1"):
        a, b = term.split(" vs ")
        assert pw.loc[(a, b), "statistic"] == pytest.approx(ref("logrank_ecog", "pairwise_chisq", term),
                                                            rel=LOGRANK_REL)
        assert pw.loc[(a, b), "p_adjusted"] == pytest.approx(ref("logrank_ecog", "pairwise_p_bh", term), rel=P_REL)


@pytest.mark.parametrize("ties,prefix", [("efron", ""), ("breslow", "breslow_")])
def test_cox_age_sex(lung, ties, prefix):
    res = analyze(lung, time="time", event="status", event_value=2, group="sex", covariates=["age"], ties=ties)
    cox = res.cox.set_index("term")
    for ours, theirs in (("2 vs 1", "sex"), ("age", "age")):
        assert cox.loc[ours, "coef"] == pytest.approx(ref("cox_age_sex", f"{prefix}coef", theirs), rel=COX_REL)
        assert cox.loc[ours, "se"] == pytest.approx(ref("cox_age_sex", f"{prefix}se", theirs), rel=COX_REL)
        assert cox.loc[ours, "hr_ci_low"] == pytest.approx(ref("cox_age_sex", f"{prefix}hr_lower", theirs),
                                                           rel=COX_REL)
        assert cox.loc[ours, "p_value"] == pytest.approx(ref("cox_age_sex", f"{prefix}p", theirs), rel=P_REL)
    t = res.cox_tests.set_index("test")
    assert t.loc["likelihood ratio", "statistic"] == pytest.approx(ref("cox_age_sex", f"{prefix}lr_test_stat"),
                                                                   rel=COX_REL)
    assert t.loc["Wald", "statistic"] == pytest.approx(ref("cox_age_sex", f"{prefix}wald_test_stat"), rel=COX_REL)
    assert t.loc["score (log-rank)", "statistic"] == pytest.approx(ref("cox_age_sex", f"{prefix}score_test_stat"),
                                                                   rel=COX_REL)
    assert t.concordance.iloc[0] == pytest.approx(ref("cox_age_sex", f"{prefix}concordance"), rel=CONCORDANCE_REL)


def test_proportional_hazards_test_matches_cox_zph(lung):
    res = analyze(lung, time="time", event="status", event_value=2, group="sex", covariates=["age"])
    ph = res.ph_test.set_index("term")
    for ours, theirs in (("sex", "sex"), ("age", "age"), ("GLOBAL", "GLOBAL")):
        assert ph.loc[ours, "chisq"] == pytest.approx(ref("cox_age_sex", "zph_chisq", theirs), rel=ZPH_REL)
        assert ph.loc[ours, "p_value"] == pytest.approx(ref("cox_age_sex", "zph_p", theirs), rel=ZPH_REL)


def test_continuous_cox_per_unit_and_per_sd(lung):
    """Per SD against coxph on age / sd(age) (its hazard ratio and Wald limits)."""
    res = analyze(lung, time="time", event="status", event_value=2, expression="age", cutoff="median")
    c = res.continuous
    assert c.coef.iloc[0] == pytest.approx(ref("cox_continuous", "coef", "age"), rel=COX_REL)
    assert c.hr.iloc[1] == pytest.approx(ref("cox_continuous", "hr_per_sd", "age"), rel=COX_REL)
    assert c.hr_ci_low.iloc[1] == pytest.approx(ref("cox_continuous", "hr_per_sd_lower", "age"), rel=COX_REL)


def test_maxstat_optimal_cut(lung):
    ev = (lung.status == 2).astype(float)
    r = maxstat_logrank(lung.age.to_numpy(float), lung.time.to_numpy(float), ev.to_numpy())
    assert r["statistic"] == pytest.approx(ref("maxstat_age", "statistic"), rel=MAXSTAT_REL)
    assert r["cutpoint"] == ref("maxstat_age", "estimate")
    assert r["p_value"] == pytest.approx(ref("maxstat_age", "p_lau94"), rel=MAXSTAT_REL)
    scan = dict(zip(r["cuts"], r["stats"]))
    t = ref.table
    at = t[(t.case == "maxstat_age") & (t.quantity == "stat_at")]
    for cut, val in zip(at.term.astype(float), at.value.astype(float)):
        assert scan[cut] == pytest.approx(val, rel=MAXSTAT_REL)
    res = analyze(lung, time="time", event="status", event_value=2, expression="age", cutoff="optimal")
    cp = res.cutpoint.iloc[0]
    assert cp.naive_p_value == pytest.approx(ref("maxstat_age", "naive_p"), rel=P_REL)
    assert (cp.n_low, cp.n_high) == (ref("maxstat_age", "n_low"), ref("maxstat_age", "n_high"))
