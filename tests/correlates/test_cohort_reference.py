"""The simulated LIHC cohort, every clinical panel of the study, against R on the same files
(tests/reference/cohort/make_reference_cohort.R: stats, survival 3.5, maxstat). Tolerances: 1e-9 relative for
closed forms, 1e-8 for p values, 1e-6 for Cox fits."""

import pytest

from assaystats import datasets
from assaystats.correlates import coexpression, expression_by, tumour_vs_normal
from assaystats.survival import analyze
from tests._reference import Reference

ref = Reference("cohort/reference_cohort.csv")


@pytest.fixture(scope="module")
def cohort():
    return datasets.load("lihc_expression"), datasets.load("lihc_clinical"), datasets.load("lihc_cohort")


def test_tumour_vs_normal(cohort):
    t = tumour_vs_normal(cohort[0], gene="ZFAS1").table
    for method, term in (("Welch t (unequal variances)", "welch"), ("paired t", "paired")):
        r = t[t.method == method].iloc[0]
        assert r.estimate == pytest.approx(ref("tumour_normal", "estimate", term), rel=1e-9)
        assert r.statistic == pytest.approx(ref("tumour_normal", "t", term), rel=1e-9)
        assert r.df == pytest.approx(ref("tumour_normal", "df", term), rel=1e-9)
        assert r.ci_low == pytest.approx(ref("tumour_normal", "conf_lower", term), rel=1e-9)


def test_stage_and_grade(cohort):
    expr, clin, _ = cohort
    res = expression_by(expr, clin, gene="ZFAS1", by="stage", order=["I", "II", "III", "IV"])
    om = res.omnibus.set_index("term")
    assert om.loc["group", "statistic"] == pytest.approx(ref("stage", "F", "stage"), rel=1e-9)
    assert om.loc["group", "p_value"] == pytest.approx(ref("stage", "p", "stage"), rel=1e-8)
    assert om.loc["stage (trend)", "statistic"] == pytest.approx(ref("stage", "trend_t", "stage_index"), rel=1e-9)
    assert om.loc["stage (trend)", "p_value"] == pytest.approx(ref("stage", "trend_p", "stage_index"), rel=1e-8)
    comp = res.table
    for a, b in (("II", "I"), ("III", "I"), ("IV", "III")):
        r = comp[(comp.group1 == a) & (comp.group2 == b)].iloc[0]
        assert r.estimate == pytest.approx(ref("stage", "tukey_diff", f"{a}-{b}"), rel=1e-9)
        assert r.p_adjusted == pytest.approx(ref("stage", "tukey_p_adj", f"{a}-{b}"), rel=1e-6)
    for by, contrast, case, term in (("stage", "I,II:III,IV", "stage", "III/IV-I/II"),
                                     ("grade", "G1,G2:G3,G4", "grade", "G3/G4-G1/G2")):
        r = expression_by(expr, clin, gene="ZFAS1", by=by, contrast=contrast).table.iloc[0]
        assert r.estimate == pytest.approx(ref(case, "estimate", term), rel=1e-9)
        assert r.p_value == pytest.approx(ref(case, "p", term), rel=1e-8)


@pytest.mark.parametrize("case,time,event,cov", [("os_median", "os_months", "os_event", ["age"]),
                                                 ("dfs_median", "dfs_months", "dfs_event", [])])
def test_survival_by_median_split(cohort, case, time, event, cov):
    res = analyze(cohort[2], time=time, event=event, expression="ZFAS1", cutoff="median", covariates=cov)
    g = res.groups.set_index("group")
    for lev in ("low", "high"):
        assert g.loc[lev, "median"] == pytest.approx(ref(case, "median", lev), rel=1e-12)
        assert g.loc[lev, "median_ci_low"] == pytest.approx(ref(case, "median_lower", lev), rel=1e-12)
    assert res.logrank.statistic.iloc[0] == pytest.approx(ref(case, "logrank_chisq"), rel=1e-9)
    cox = res.cox.set_index("term")
    assert cox.loc["high vs low", "hr"] == pytest.approx(ref(case, "hr", "grouphigh"), rel=1e-6)
    assert cox.loc["high vs low", "hr_ci_high"] == pytest.approx(ref(case, "hr_upper", "grouphigh"), rel=1e-6)
    ph = res.ph_test.set_index("term")
    assert ph.loc["GLOBAL", "chisq"] == pytest.approx(ref(case, "zph_chisq", "GLOBAL"), rel=1e-6)
    c = res.continuous
    assert c.hr.iloc[1] == pytest.approx(ref(case, "cont_hr_per_sd", "ZFAS1"), rel=1e-6)
    assert c.hr_ci_low.iloc[1] == pytest.approx(ref(case, "cont_hr_per_sd_lower", "ZFAS1"), rel=1e-6)


def test_optimal_cut_with_stage_adjustment(cohort):
    res = analyze(cohort[2], time="os_months", event="os_event", expression="ZFAS1", cutoff="optimal",
                  covariates=["stage", "age"])
    cp = res.cutpoint.iloc[0]
    assert cp.cutpoint == pytest.approx(ref("os_optimal", "cutpoint"), rel=1e-12)
    assert cp.statistic == pytest.approx(ref("os_optimal", "statistic"), rel=1e-9)
    assert cp.p_value == pytest.approx(ref("os_optimal", "p"), rel=1e-8)
    assert (cp.n_low, cp.n_high) == (ref("os_optimal", "n_low"), ref("os_optimal", "n_high"))
    cox = res.cox.set_index("term")
    assert cox.loc["high vs low", "coef"] == pytest.approx(ref("os_optimal", "coef", "group_opthigh"), rel=1e-6)
    assert cox.loc["stage: IV vs I", "hr"] == pytest.approx(ref("os_optimal", "hr", "stageIV"), rel=1e-6)


def test_coexpression(cohort):
    co = coexpression(cohort[0], gene="ZFAS1").table.set_index("gene")
    t = ref.table
    genes = t[(t.case == "coexpression") & (t.quantity == "rho")].term
    for g in genes:
        assert co.loc[g, "r"] == pytest.approx(ref("coexpression", "rho", g), rel=1e-9, abs=1e-12)
        assert co.loc[g, "p_value"] == pytest.approx(ref("coexpression", "p", g), rel=1e-7)
        assert co.loc[g, "q_value"] == pytest.approx(ref("coexpression", "q", g), rel=1e-7)
    pe = coexpression(cohort[0], gene="ZFAS1", method="pearson").table.set_index("gene")
    for g in genes:
        assert pe.loc[g, "r"] == pytest.approx(ref("coexpression", "pearson_r", g), rel=1e-9, abs=1e-12)
        assert pe.loc[g, "q_value"] == pytest.approx(ref("coexpression", "pearson_q", g), rel=1e-7)
