"""Mixed models of compare() against lme4 1.1-31 / lmerTest 3.1-3 / multcomp (issue 11):
tests/reference/assays/make_reference_mixed.R -> reference_mixed.csv (see README_mixed.md there).

Tolerances (issue 12: ten times what is achieved, per assertion; the largest achieved relative difference in
brackets): lme4 runs bobyqa at rhoend 1e-12 and we maximise the same REML criterion, so estimates agree to
3.6e-11 (incomplete subjects) and 1.1e-9 (crossed designs), SEs to 5.3e-10 and 1.8e-8, variances to 6e-8 and the
REML log-likelihood to 1.3e-11 and 2.4e-10 absolute; Satterthwaite df (lmerTest differentiates numerically) to 1.8e-7 to
3.8e-7, their p values to 4.6e-7 and 6.8e-7, F to 1e-9 to 7.3e-8; Shapiro-Wilk W to 1.5e-10 and 4.1e-10, p to
6.9e-9; Dunnett's single-step p to 1.8e-6 and its critical value to 7.5e-8 (R: the exact bivariate normal
integrated over the studentising chi; here the one-factor quadrature); the split-plot estimates to 3.1e-12 (the
12-digit rounding of the reference: 5e-11). The count-model post tests keep R glm's epsilon-1e-8 tolerances
(2e-4 relative on tiny p values, achieved 4.6e-5) and multcomp's critical value at its default ptol 1e-3
(1.5e-3 absolute, achieved 1.5e-4); the Genz-Bretz check keeps its Monte Carlo bound (2e-5 on p, 1e-4 on the
critical value; achieved 5.9e-7 and 3.1e-6 with the fixed seed) so that it does not depend on the seed.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.assays import compare
from assaystats.errors import AssayDataError
from tests._reference import Reference

REF = Path(__file__).resolve().parents[1] / "reference" / "assays"
ref = Reference("assays/reference_mixed.csv")


def data(name):
    return pd.read_csv(REF / name)


def test_incomplete_subjects_report_the_mixed_models_own_check():
    """Issue 11: the repeated-measures path passed np.zeros(3) as residuals and the report said the assumptions
    could not be checked, overwriting the mixed model's check."""
    d = data("mixed_incomplete.csv")
    res = compare(d, value="value", group="group", subject="subject", control="A", posthoc="none")
    a = res.assumptions.set_index("check").loc["normality of residuals"]
    assert "not checked" not in a.note
    assert a.statistic == pytest.approx(ref("mx_incomplete", "shapiro_W", "residuals"), rel=1.4e-9)
    assert a.p_value == pytest.approx(ref("mx_incomplete", "shapiro_p", "residuals"), rel=6.5e-8)
    c = res.table.set_index("group1")
    for g in ("B", "C"):
        term = f"{g} - A"
        assert c.loc[g, "estimate"] == pytest.approx(ref("mx_incomplete", "estimate", term), rel=3.5e-10)
        assert c.loc[g, "se"] == pytest.approx(ref("mx_incomplete", "se", term), rel=5e-9)
        assert c.loc[g, "df"] == pytest.approx(ref("mx_incomplete", "df_satterthwaite", term), rel=1.7e-6)
        assert c.loc[g, "p_value"] == pytest.approx(ref("mx_incomplete", "p_satterthwaite", term), rel=4.5e-6)
    vc = res.meta["variance_components"]
    assert vc["subject"] == pytest.approx(ref("mx_incomplete", "variance", "subject"), rel=1e-8)
    assert vc["residual"] == pytest.approx(ref("mx_incomplete", "variance", "Residual"), rel=1e-8)
    assert res.meta["reml_loglik"] == pytest.approx(ref("mx_incomplete", "reml_loglik"), abs=1.2e-10)
    om = res.omnibus.iloc[0]
    assert om.statistic == pytest.approx(ref("mx_incomplete", "F", "group"), rel=1e-8)
    assert om.df_den == pytest.approx(ref("mx_incomplete", "df2", "group"), rel=1.7e-6)
    assert any("instead of dropping" in n for n in res.meta["notes"])


CROSSED = [("mx_boundary", "mixed_boundary.csv"), ("mx_zero_replicate", "mixed_zero_replicate.csv"),
           ("mx_interior", "mixed_interior.csv")]


@pytest.mark.parametrize("case,file", CROSSED)
def test_crossed_mixed_model_reaches_lme4s_reml_maximum(case, file):
    """Experiments crossed with groups, two experiment x group cells missing. mx_boundary is issue 11's case:
    statsmodels' BFGS fit stopped at a lower likelihood (a - ctrl 2.732, SE 0.558) while lme4 puts the
    experiment x group variance at 0 (2.7706, SE 0.3971); mx_zero_replicate has the experiment variance at 0."""
    d = data(file)
    res = compare(d, value="value", group="group", control="ctrl", replicate="experiment", level="mixed",
                  posthoc="dunnett")
    m = res.meta
    assert m["reml_loglik"] == pytest.approx(ref(case, "reml_loglik"), abs=2.4e-9)
    vc = m["variance_components"]
    for ours, theirs in (("experiment", "experiment"), ("experiment_x_group", "experiment:group"),
                         ("residual", "Residual")):
        expected = ref(case, "variance", theirs)
        if expected == 0:
            assert vc[ours] == 0.0  # exactly: the boundary is handled explicitly
        else:
            assert vc[ours] == pytest.approx(expected, rel=6e-7)
    assert (any("boundary" in n for n in m["notes"])) == bool(ref(case, "is_singular"))
    c = res.table.set_index("group1")
    for g in ("a", "b"):
        term = f"{g} - ctrl"
        assert c.loc[g, "estimate"] == pytest.approx(ref(case, "estimate", term), rel=1.1e-8)
        assert c.loc[g, "se"] == pytest.approx(ref(case, "se", term), rel=1.8e-7)
        assert c.loc[g, "df"] == pytest.approx(ref(case, "df_satterthwaite", term), rel=3.8e-6)
        assert c.loc[g, "p_value"] == pytest.approx(ref(case, "p_satterthwaite", term), rel=6.8e-6)
        assert c.loc[g, "p_adjusted"] == pytest.approx(ref(case, "p_dunnett", term), rel=1e-5)
        crit = (c.loc[g, "ci_high"] - c.loc[g, "ci_low"]) / (2 * c.loc[g, "se"])
        assert crit == pytest.approx(ref(case, "crit_dunnett", term), rel=7.5e-7)
    om = res.omnibus.iloc[0]
    assert om.statistic == pytest.approx(ref(case, "F", "group"), rel=3.6e-7)
    assert om.df_num == ref(case, "df1", "group")
    assert om.df_den == pytest.approx(ref(case, "df2", "group"), rel=3.8e-6)
    assert om.p_value == pytest.approx(ref(case, "p", "group"), rel=6e-6)
    a = res.assumptions.set_index("check").loc["normality of residuals"]
    assert a.statistic == pytest.approx(ref(case, "shapiro_W", "residuals"), rel=4e-9)


def test_boundary_fit_beats_statsmodels_first_optimum():
    """statsmodels' REML log-likelihood is on lme4's scale: its BFGS fit stops 1.5 below the maximum, its L-BFGS
    fit short of it; ours is the maximum (lme4's) and above every statsmodels optimum."""
    import warnings

    import statsmodels.formula.api as smf

    d = data("mixed_boundary.csv")
    res = compare(d, value="value", group="group", control="ctrl", replicate="experiment", level="mixed")
    d["group"] = pd.Categorical(d["group"], categories=["ctrl", "a", "b"])
    llf = {}
    for method in ("bfgs", "lbfgs"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = smf.mixedlm("value ~ group", d, groups=d["experiment"], vc_formula={"eg": "0 + C(group)"},
                              re_formula="1").fit(reml=True, method=[method], maxiter=5000)
        llf[method] = fit.llf
    assert res.meta["reml_loglik"] > llf["bfgs"] + 1.4
    assert res.meta["reml_loglik"] >= llf["lbfgs"]
    assert res.meta["reml_loglik"] == pytest.approx(ref("mx_boundary", "reml_loglik"), abs=2e-9)


@pytest.mark.parametrize("level,case", [("replicate", "sp_means_lmer"), ("mixed", "sp_cells_lmer")])
def test_split_plot_by_between_experiments(level, case):
    """Each experiment ran one cell line (by) and both siRNAs (group): a split-plot. The line is tested against
    the experiments, the siRNA within them: R's aov(Error(experiment)) on the means and lmerTest."""
    d = data("splitplot.csv")
    res = compare(d, value="value", group="sirna", by="line", control="ctrl", replicate="experiment",
                  level="auto" if level == "replicate" else "mixed")
    assert res.meta["design"] == "split-plot"
    assert any("split-plot" in n for n in res.meta["notes"])
    om = res.omnibus.set_index("term")
    for ours, theirs in (("group", "sirna"), ("by", "line"), ("group:by", "sirna:line")):
        assert om.loc[ours, "statistic"] == pytest.approx(ref(case, "F", theirs), rel=7e-7)
        assert om.loc[ours, "df_den"] == pytest.approx(ref(case, "df2", theirs), rel=5e-7)
        assert om.loc[ours, "p_value"] == pytest.approx(ref(case, "p", theirs), rel=1.2e-6)
        if level == "replicate":  # the classical split-plot ANOVA: Error(experiment) strata
            assert om.loc[ours, "statistic"] == pytest.approx(ref("sp_means_aov", "F", theirs), rel=1.8e-7)
            assert om.loc[ours, "df_den"] == pytest.approx(ref("sp_means_aov", "df2", theirs), rel=3e-7)
    res3 = compare(d, value="value", group="sirna", by="line", control="ctrl", replicate="experiment",
                   level="auto" if level == "replicate" else "mixed", anova_type=3)
    om3 = res3.omnibus.set_index("term")
    for ours, theirs in (("group", "sirna"), ("by", "line"), ("group:by", "sirna:line")):
        assert om3.loc[ours, "statistic"] == pytest.approx(ref(case, "F_type3", theirs), rel=7e-7)
        assert om3.loc[ours, "df_den"] == pytest.approx(ref(case, "df2_type3", theirs), rel=5e-7)
    c = res.table.set_index("within")
    for line in ("L1", "L2"):
        term = f"line={line}: kd - ctrl"
        assert c.loc[line, "estimate"] == pytest.approx(ref(case, "estimate", term), rel=5e-11)
        assert c.loc[line, "se"] == pytest.approx(ref(case, "se", term), rel=3.6e-7)
        assert c.loc[line, "df"] == pytest.approx(ref(case, "df", term), rel=5e-7)
        assert c.loc[line, "p_adjusted"] == pytest.approx(ref(case, "p", term), rel=1.2e-6)


def test_split_plot_matches_pingouin_mixed_anova():
    """An independent implementation of the classical mixed ANOVA on the experiment means."""
    pg = pytest.importorskip("pingouin")
    d = data("splitplot.csv")
    means = d.groupby(["experiment", "line", "sirna"], as_index=False)["value"].mean()
    aov = pg.mixed_anova(data=means, dv="value", within="sirna", between="line", subject="experiment")
    res = compare(d, value="value", group="sirna", by="line", control="ctrl", replicate="experiment")
    om = res.omnibus.set_index("term")
    a = aov.set_index("Source")
    for ours, theirs in (("group", "sirna"), ("by", "line"), ("group:by", "Interaction")):
        assert om.loc[ours, "statistic"] == pytest.approx(a.loc[theirs, "F"], rel=1.8e-7)
        assert om.loc[ours, "df_den"] == pytest.approx(a.loc[theirs, "DF2"], rel=3e-7)


def test_split_plot_was_aliased_before():
    """The block model cannot separate the line from the experiments: the two-way block analysis is not used."""
    d = data("splitplot.csv")
    res = compare(d, value="value", group="sirna", by="line", control="ctrl", replicate="experiment")
    assert "block" not in set(res.omnibus.term)
    assert "mixed model" in res.meta["method"]


@pytest.mark.parametrize("posthoc", ["dunnett", "holm", "bonferroni", "bh"])
def test_mixed_model_honours_the_posthoc_family(posthoc):
    d = data("mixed_interior.csv")
    res = compare(d, value="value", group="group", control="ctrl", replicate="experiment", level="mixed",
                  posthoc=posthoc)
    assert res.meta["posthoc"] == posthoc
    c = res.table.set_index("group1")
    q = {"dunnett": "p_dunnett", "holm": "p_holm", "bonferroni": "p_bonferroni", "bh": "p_BH"}[posthoc]
    for g in ("a", "b"):
        assert c.loc[g, "p_adjusted"] == pytest.approx(ref("mx_interior", q, f"{g} - ctrl"), rel=6.8e-6)


@pytest.mark.parametrize("posthoc", ["tukey", "games-howell", "dunn"])
def test_mixed_and_count_models_refuse_other_families(posthoc):
    d = data("mixed_interior.csv")
    with pytest.raises(AssayDataError, match=f"posthoc '{posthoc}' is not available with a mixed model; use one "
                                            "of dunnett, sidak, holm-sidak, bonferroni, holm, bh, none, omnibus"):
        compare(d, value="value", group="group", control="ctrl", replicate="experiment", level="mixed",
                posthoc=posthoc)
    ins = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "assays_extra" / "InsectSprays.csv")
    with pytest.raises(AssayDataError, match="not available with the poisson model.*use one of dunnett"):
        compare(ins, value="count", group="spray", control="A", test="poisson", posthoc=posthoc)


@pytest.mark.parametrize("posthoc", ["dunnett", "holm", "bonferroni", "bh"])
def test_count_model_honours_the_posthoc_family(posthoc):
    ins = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "assays_extra" / "InsectSprays.csv")
    res = compare(ins, value="count", group="spray", control="A", test="poisson", posthoc=posthoc)
    assert res.meta["posthoc"] == posthoc
    c = res.table.set_index("group1")
    q = {"dunnett": "p_dunnett", "holm": "p_holm", "bonferroni": "p_bonferroni", "bh": "p_BH"}[posthoc]
    for s in "BCDEF":
        # R's glm stops at epsilon 1e-8 (tiny p values differ ~5e-5 relative, as in test_reference_counts_paired);
        # multcomp's single-step p is 1 - P (Genz-Bretz, abseps 1e-8): absolute terms there
        tol = {"rel": 2e-4, "abs": 2e-8} if posthoc == "dunnett" else {"rel": 2e-4, "abs": 1e-300}
        assert c.loc[s, "p_adjusted"] == pytest.approx(ref("is_poisson_posthoc", q, s), **tol)
    if posthoc == "dunnett":
        b = c.loc["B"]
        crit = (np.log(b.ci_high) - np.log(b.ci_low)) / (2 * b.se)
        assert crit == pytest.approx(ref("is_poisson_posthoc", "crit_dunnett_multcomp", ""), abs=1.5e-3)


@pytest.mark.parametrize("df", [12.0, np.inf])
def test_general_correlation_dunnett_agrees_with_the_quadrature(df):
    """Contrasts without a one-factor correlation go to Genz-Bretz (scipy, fixed seed); on a one-factor
    correlation both routes must agree (to the Monte Carlo error, 2e-5)."""
    from assaystats.assays._oneway import _dunnett_general, family_tests

    lam = np.array([0.5, 0.6, 0.7])
    R = np.outer(lam, lam)
    np.fill_diagonal(R, 1.0)
    t = np.array([1.0, 2.2, 2.9])
    exact = family_tests(t, np.ones(3), df, "dunnett", lam=lam)
    p, crit = _dunnett_general(t, np.full(3, df), R, 0.95, "two-sided")
    assert p == pytest.approx(exact["p_adjusted"], abs=2e-5)
    assert crit == pytest.approx(exact["ci_high"] - t, abs=1e-4)


def test_group_between_and_by_within_is_a_split_plot_too():
    """The mirror design: each experiment holds one siRNA and every line (group between units, by within)."""
    d = data("splitplot.csv").rename(columns={"line": "sirna", "sirna": "line"})
    res = compare(d, value="value", group="sirna", by="line", replicate="experiment", posthoc="holm")
    assert res.meta["design"] == "split-plot"
    assert any("'sirna' varies between experiment units and 'line' within them" in n for n in res.meta["notes"])
    # the same model as the original layout with the roles of the factors swapped
    orig = compare(data("splitplot.csv"), value="value", group="sirna", by="line", replicate="experiment",
                   posthoc="holm").omnibus.set_index("term")
    om = res.omnibus.set_index("term")
    assert om.loc["group", "statistic"] == pytest.approx(orig.loc["by", "statistic"], rel=4e-7)
    assert om.loc["by", "statistic"] == pytest.approx(orig.loc["group", "statistic"], rel=4e-7)
    assert om.loc["group:by", "statistic"] == pytest.approx(orig.loc["group:by", "statistic"], rel=4e-7)


def test_count_model_honours_a_one_sided_alternative():
    """The count models stated 'two-sided' whatever was asked; now the Wald z is one-sided when asked (R: the
    normal tail of summary(glm)'s z)."""
    from scipy import stats

    from tests._reference import Reference

    extra = Reference("assays_extra/reference_extra.csv")
    ins = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "assays_extra" / "InsectSprays.csv")
    res = compare(ins, value="count", group="spray", control="A", test="poisson", posthoc="none", alternative="less")
    assert res.meta["alternative"] == "less"
    c = res.table.set_index("group1")
    for s in "BCDEF":
        assert c.loc[s, "p_value"] == pytest.approx(stats.norm.cdf(extra("is_poisson", "z", s)), rel=2e-4,
                                                    abs=1e-300)
