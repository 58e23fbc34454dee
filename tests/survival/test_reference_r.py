"""Survival against R 4.2.2 survival 3.x and maxstat on the NCCTG lung cohort (tests/reference/survival/
make_reference_survival.R). Tolerances: 1e-10 relative for Kaplan-Meier quantities (closed forms), 1e-8 for the
log-rank family, 1e-6 for Cox (R stops on a relative log-likelihood change of 1e-9; we iterate to a gradient of
1e-10), 1e-6 for the proportional-hazards score tests; 1e-9 for maxstat."""

import numpy as np
import pandas as pd
import pytest

from assaystats.survival import analyze, km_table, logrank, maxstat_logrank, median_with_ci
from tests._reference import REFERENCE, Reference

ref = Reference("survival/reference_survival.csv")


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
                assert r.surv == pytest.approx(ref("km_sex", "surv", term), rel=1e-10)
                assert r.std_err == pytest.approx(ref("km_sex", "std_err", term), rel=1e-10)
            if np.isfinite(r.ci_low):
                assert r.ci_low == pytest.approx(ref("km_sex", f"{prefix}lower", term), rel=1e-9)
                assert r.ci_high == pytest.approx(ref("km_sex", f"{prefix}upper", term), rel=1e-9)
        med, lo, hi = median_with_ci(tab)
        assert med == ref("km_sex", f"{prefix}median", str(sex))
        assert lo == ref("km_sex", f"{prefix}median_lower", str(sex))
        assert hi == ref("km_sex", f"{prefix}median_upper", str(sex))


def test_groups_table_rmst_and_survival_at(lung):
    res = analyze(lung, time="time", event="status", event_value=2, group="sex", times=[180, 365], rmst_tau=730)
    g = res.groups.set_index("group")
    for sex in ("1", "2"):
        assert g.loc[sex, "rmst"] == pytest.approx(ref("km_sex", "rmean", sex), rel=1e-9)
        assert g.loc[sex, "rmst_se"] == pytest.approx(ref("km_sex", "se_rmean", sex), rel=1e-9)
        assert g.loc[sex, "observed"] == ref("logrank_sex", "observed", sex)
        assert g.loc[sex, "expected"] == pytest.approx(ref("logrank_sex", "expected", sex), rel=1e-10)
    at = res.survival_at.set_index(["group", "time"])
    for sex in ("1", "2"):
        for t in (180, 365):
            assert at.loc[(sex, t), "surv"] == pytest.approx(ref("km_sex", "surv", f"{sex}|t={t}"), rel=1e-10)
            assert at.loc[(sex, t), "ci_low"] == pytest.approx(ref("km_sex", "lower", f"{sex}|t={t}"), rel=1e-9)


def test_logrank_and_fleming_harrington(lung):
    ev = (lung.status == 2).astype(float)
    g = (lung.sex == 2).astype(int).to_numpy()
    r = logrank(lung.time, ev, g, 2)
    assert r["statistic"] == pytest.approx(ref("logrank_sex", "chisq"), rel=1e-9)
    assert r["p_value"] == pytest.approx(ref("logrank_sex", "p"), rel=1e-8)
    r1 = logrank(lung.time, ev, g, 2, rho=1)
    assert r1["statistic"] == pytest.approx(ref("logrank_sex", "rho1_chisq"), rel=1e-9)
    assert r1["observed"][0] == pytest.approx(ref("logrank_sex", "rho1_observed", "1"), rel=1e-10)


def test_k_groups_trend_and_pairwise(lung):
    d = lung[lung["ph.ecog"].notna() & (lung["ph.ecog"] < 3)]
    res = analyze(d, time="time", event="status", event_value=2, group="ph.ecog")
    lr = res.logrank
    assert lr.statistic.iloc[0] == pytest.approx(ref("logrank_ecog", "chisq"), rel=1e-9)
    assert lr.df.iloc[0] == 2
    # trend with the hypergeometric variance = Cox score test with exact ties (R's manual computation)
    assert lr.statistic.iloc[1] == pytest.approx(ref("logrank_ecog", "trend_chisq_manual"), rel=1e-9)
    assert lr.p_value.iloc[1] == pytest.approx(ref("logrank_ecog", "trend_p_manual"), rel=1e-8)
    pw = res.pairwise.set_index(["group1", "group2"])
    for term in ("1 vs 0", "2 vs 0", "2 vs 1"):
        a, b = term.split(" vs ")
        assert pw.loc[(a, b), "statistic"] == pytest.approx(ref("logrank_ecog", "pairwise_chisq", term), rel=1e-9)
        assert pw.loc[(a, b), "p_adjusted"] == pytest.approx(ref("logrank_ecog", "pairwise_p_bh", term), rel=1e-8)


@pytest.mark.parametrize("ties,prefix", [("efron", ""), ("breslow", "breslow_")])
def test_cox_age_sex(lung, ties, prefix):
    res = analyze(lung, time="time", event="status", event_value=2, group="sex", covariates=["age"], ties=ties)
    cox = res.cox.set_index("term")
    for ours, theirs in (("2 vs 1", "sex"), ("age", "age")):
        assert cox.loc[ours, "coef"] == pytest.approx(ref("cox_age_sex", f"{prefix}coef", theirs), rel=1e-6)
        assert cox.loc[ours, "se"] == pytest.approx(ref("cox_age_sex", f"{prefix}se", theirs), rel=1e-6)
        assert cox.loc[ours, "hr_ci_low"] == pytest.approx(ref("cox_age_sex", f"{prefix}hr_lower", theirs), rel=1e-6)
        assert cox.loc[ours, "p_value"] == pytest.approx(ref("cox_age_sex", f"{prefix}p", theirs), rel=1e-5)
    t = res.cox_tests.set_index("test")
    assert t.loc["likelihood ratio", "statistic"] == pytest.approx(ref("cox_age_sex", f"{prefix}lr_test_stat"), rel=1e-7)
    assert t.loc["Wald", "statistic"] == pytest.approx(ref("cox_age_sex", f"{prefix}wald_test_stat"), rel=1e-6)
    assert t.loc["score (log-rank)", "statistic"] == pytest.approx(ref("cox_age_sex", f"{prefix}score_test_stat"),
                                                                   rel=1e-7)
    assert t.concordance.iloc[0] == pytest.approx(ref("cox_age_sex", f"{prefix}concordance"), rel=1e-9)


def test_proportional_hazards_test_matches_cox_zph(lung):
    res = analyze(lung, time="time", event="status", event_value=2, group="sex", covariates=["age"])
    ph = res.ph_test.set_index("term")
    for ours, theirs in (("sex", "sex"), ("age", "age"), ("GLOBAL", "GLOBAL")):
        assert ph.loc[ours, "chisq"] == pytest.approx(ref("cox_age_sex", "zph_chisq", theirs), rel=1e-6)
        assert ph.loc[ours, "p_value"] == pytest.approx(ref("cox_age_sex", "zph_p", theirs), rel=1e-6)


def test_continuous_cox_per_unit_and_per_sd(lung):
    res = analyze(lung, time="time", event="status", event_value=2, expression="age", cutoff="median")
    c = res.continuous
    assert c.coef.iloc[0] == pytest.approx(ref("cox_continuous", "coef", "age"), rel=1e-6)
    assert c.hr.iloc[1] == pytest.approx(ref("cox_continuous", "hr_per_sd", "age"), rel=1e-6)
    assert c.hr_ci_low.iloc[1] == pytest.approx(ref("cox_continuous", "hr_per_sd_lower", "age"), rel=1e-6)


def test_maxstat_optimal_cut(lung):
    ev = (lung.status == 2).astype(float)
    r = maxstat_logrank(lung.age.to_numpy(float), lung.time.to_numpy(float), ev.to_numpy())
    assert r["statistic"] == pytest.approx(ref("maxstat_age", "statistic"), rel=1e-9)
    assert r["cutpoint"] == ref("maxstat_age", "estimate")
    assert r["p_value"] == pytest.approx(ref("maxstat_age", "p_lau94"), rel=1e-9)
    scan = dict(zip(r["cuts"], r["stats"]))
    t = ref.table
    at = t[(t.case == "maxstat_age") & (t.quantity == "stat_at")]
    for cut, val in zip(at.term.astype(float), at.value.astype(float)):
        assert scan[cut] == pytest.approx(val, rel=1e-9)
    res = analyze(lung, time="time", event="status", event_value=2, expression="age", cutoff="optimal")
    cp = res.cutpoint.iloc[0]
    assert cp.naive_p_value == pytest.approx(ref("maxstat_age", "naive_p"), rel=1e-8)
    assert (cp.n_low, cp.n_high) == (ref("maxstat_age", "n_low"), ref("maxstat_age", "n_high"))
