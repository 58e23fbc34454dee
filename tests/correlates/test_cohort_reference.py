"""The simulated LIHC cohort, every clinical panel of the study, against R on the same files
(tests/reference/cohort/make_reference_cohort.R: stats, survival 3.5, maxstat).

The reference values are printed with 17 significant digits and its Cox models are fitted to the maximum
(coxph.control(eps = 1e-12)); every value is read from an R function's own output (summary.coxph's Wald limits,
survdiff's p value, coxph on the expression divided by its SD for the per-SD hazard ratio). Tolerances (relative)
are at most ten times the largest difference measured in each family, and not below 1e-14 (the order of
floating-point operations)."""

import pytest

from assaystats import datasets
from assaystats.correlates import coexpression, expression_by, tumour_vs_normal
from assaystats.survival import analyze
from tests._reference import Reference

ref = Reference("cohort/reference_cohort.csv")
#: medians and their limits are event times: one unit in the last place
EVENT_TIME_REL = 1e-15
#: t tests, ANOVA F, trend and Tukey differences, log-rank and maxstat statistics: measured 4.7e-14
CLOSED_REL = 5e-13
#: t, F, normal and chi-square p values: measured 6.0e-13
P_REL = 6e-12
#: Tukey adjusted p values: measured 3.5e-10 (R's ptukey is a numerical integral)
TUKEY_P_REL = 3e-9
#: Cox at the median split: measured 8.9e-16
COX_REL = 1e-14
#: the stage- and age-adjusted Cox model at the optimal cut (8 coefficients): measured 1.1e-15
COX_ADJUSTED_REL = 1e-14
#: cox.zph: measured 7.2e-15
ZPH_REL = 7e-14
#: Cox on the continuous expression, per SD (coxph on ZFAS1 / SD): measured 9.3e-14
CONTINUOUS_REL = 9e-13
#: co-expression: rho and Pearson r measured 4.6e-12, p and q values 9.2e-12
COEXPRESSION_R_REL = 4e-11
COEXPRESSION_P_REL = 9e-11


@pytest.fixture(scope="module")
def cohort():
    return datasets.load("lihc_expression"), datasets.load("lihc_clinical"), datasets.load("lihc_cohort")


def test_tumour_vs_normal(cohort):
    t = tumour_vs_normal(cohort[0], gene="ZFAS1").table
    for method, term in (("Welch t (unequal variances)", "welch"), ("paired t", "paired")):
        r = t[t.method == method].iloc[0]
        assert r.estimate == pytest.approx(ref("tumour_normal", "estimate", term), rel=CLOSED_REL)
        assert r.statistic == pytest.approx(ref("tumour_normal", "t", term), rel=CLOSED_REL)
        assert r.df == pytest.approx(ref("tumour_normal", "df", term), rel=CLOSED_REL)
        assert r.ci_low == pytest.approx(ref("tumour_normal", "conf_lower", term), rel=CLOSED_REL)


def test_stage_and_grade(cohort):
    expr, clin, _ = cohort
    res = expression_by(expr, clin, gene="ZFAS1", by="stage", order=["I", "II", "III", "IV"])
    om = res.omnibus.set_index("term")
    assert om.loc["group", "statistic"] == pytest.approx(ref("stage", "F", "stage"), rel=CLOSED_REL)
    assert om.loc["group", "p_value"] == pytest.approx(ref("stage", "p", "stage"), rel=P_REL)
    assert om.loc["stage (trend)", "statistic"] == pytest.approx(ref("stage", "trend_t", "stage_index"),
                                                                 rel=CLOSED_REL)
    assert om.loc["stage (trend)", "p_value"] == pytest.approx(ref("stage", "trend_p", "stage_index"), rel=P_REL)
    comp = res.table
    for a, b in (("II", "I"), ("III", "I"), ("IV", "III")):
        r = comp[(comp.group1 == a) & (comp.group2 == b)].iloc[0]
        assert r.estimate == pytest.approx(ref("stage", "tukey_diff", f"{a}-{b}"), rel=CLOSED_REL)
        assert r.p_adjusted == pytest.approx(ref("stage", "tukey_p_adj", f"{a}-{b}"), rel=TUKEY_P_REL)
    for by, contrast, case, term in (("stage", "I,II:III,IV", "stage", "III/IV-I/II"),
                                     ("grade", "G1,G2:G3,G4", "grade", "G3/G4-G1/G2")):
        r = expression_by(expr, clin, gene="ZFAS1", by=by, contrast=contrast).table.iloc[0]
        assert r.estimate == pytest.approx(ref(case, "estimate", term), rel=CLOSED_REL)
        assert r.p_value == pytest.approx(ref(case, "p", term), rel=P_REL)


@pytest.mark.parametrize("case,time,event,cov", [("os_median", "os_months", "os_event", ["age"]),
                                                 ("dfs_median", "dfs_months", "dfs_event", [])])
def test_survival_by_median_split(cohort, case, time, event, cov):
    res = analyze(cohort[2], time=time, event=event, expression="ZFAS1", cutoff="median", covariates=cov)
    g = res.groups.set_index("group")
    for lev in ("low", "high"):
        # event times: equal, up to the last bit of R's arithmetic in quantile.survfit (8.43 comes out
        # 8.429999999999998 there)
        assert g.loc[lev, "median"] == pytest.approx(ref(case, "median", lev), rel=EVENT_TIME_REL)
        assert g.loc[lev, "median_ci_low"] == pytest.approx(ref(case, "median_lower", lev), rel=EVENT_TIME_REL)
    assert res.logrank.statistic.iloc[0] == pytest.approx(ref(case, "logrank_chisq"), rel=CLOSED_REL)
    cox = res.cox.set_index("term")
    assert cox.loc["high vs low", "hr"] == pytest.approx(ref(case, "hr", "grouphigh"), rel=COX_REL)
    assert cox.loc["high vs low", "hr_ci_high"] == pytest.approx(ref(case, "hr_upper", "grouphigh"), rel=COX_REL)
    ph = res.ph_test.set_index("term")
    assert ph.loc["GLOBAL", "chisq"] == pytest.approx(ref(case, "zph_chisq", "GLOBAL"), rel=ZPH_REL)
    c = res.continuous
    assert c.hr.iloc[1] == pytest.approx(ref(case, "cont_hr_per_sd", "ZFAS1"), rel=CONTINUOUS_REL)
    assert c.hr_ci_low.iloc[1] == pytest.approx(ref(case, "cont_hr_per_sd_lower", "ZFAS1"), rel=CONTINUOUS_REL)


def test_optimal_cut_with_stage_adjustment(cohort):
    res = analyze(cohort[2], time="os_months", event="os_event", expression="ZFAS1", cutoff="optimal",
                  covariates=["stage", "age"])
    cp = res.cutpoint.iloc[0]
    assert cp.cutpoint == ref("os_optimal", "cutpoint")  # a data value, printed exactly
    assert cp.statistic == pytest.approx(ref("os_optimal", "statistic"), rel=CLOSED_REL)
    assert cp.p_value == pytest.approx(ref("os_optimal", "p"), rel=P_REL)
    assert (cp.n_low, cp.n_high) == (ref("os_optimal", "n_low"), ref("os_optimal", "n_high"))
    cox = res.cox.set_index("term")
    assert cox.loc["high vs low", "coef"] == pytest.approx(ref("os_optimal", "coef", "group_opthigh"),
                                                           rel=COX_ADJUSTED_REL)
    assert cox.loc["stage: IV vs I", "hr"] == pytest.approx(ref("os_optimal", "hr", "stageIV"), rel=COX_ADJUSTED_REL)


def test_coexpression(cohort):
    co = coexpression(cohort[0], gene="ZFAS1").table.set_index("gene")
    t = ref.table
    genes = t[(t.case == "coexpression") & (t.quantity == "rho")].term
    for g in genes:
        assert co.loc[g, "r"] == pytest.approx(ref("coexpression", "rho", g), rel=COEXPRESSION_R_REL, abs=1e-12)
        assert co.loc[g, "p_value"] == pytest.approx(ref("coexpression", "p", g), rel=COEXPRESSION_P_REL)
        assert co.loc[g, "q_value"] == pytest.approx(ref("coexpression", "q", g), rel=COEXPRESSION_P_REL)
    pe = coexpression(cohort[0], gene="ZFAS1", method="pearson").table.set_index("gene")
    for g in genes:
        assert pe.loc[g, "r"] == pytest.approx(ref("coexpression", "pearson_r", g), rel=COEXPRESSION_R_REL,
                                               abs=1e-12)
        assert pe.loc[g, "q_value"] == pytest.approx(ref("coexpression", "pearson_q", g), rel=COEXPRESSION_P_REL)
