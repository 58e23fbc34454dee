"""Group comparisons against R 4.2.2 on R's own data sets: stats, multcomp, mvtnorm, car, emmeans, lme4/lmerTest/
pbkrtest, multtest (Sidak, Holm-Sidak), rstatix (Games-Howell, Dunn), effectsize (d, g, d_z) and onewaytests
(Brown-Forsythe F*). Games-Howell and Dunn are also checked against pingouin and scikit-posthocs in
test_posthoc_independent.py.

Reference: tests/reference/assays/make_reference_assays.R -> reference_assays.csv (see README there).
Tolerances, each near what is achieved (the largest relative difference, in brackets):
- ``RTOL`` = 5e-11 for closed forms and for p values from distribution functions (4e-12 to 5.5e-12): R's values
  are written with 12 significant digits (``sprintf("%.12g")``), whose rounding alone leaves up to 5e-12; ten
  times that floor.
- Dunnett p against multcomp's single step: ``RTOL`` (2.9e-12); within-factor Dunnett p against emmeans' mvt,
  absolute 1.5e-14 (1.4e-15: R computes 1 - P, so a p of 2e-15 is accurate only in absolute terms).
- Tukey intervals 4e-10 (lower) and 2e-10 (upper), Games-Howell intervals 1e-6 / 3e-7 (4.1e-11, 2.2e-11, 1.0e-7, 3.0e-8):
  R's qtukey stops its secant search for the quantile at eps = 1e-4, ours solves to full precision;
  Games-Howell p against rstatix's, which is rounded to 3 decimals, absolute 5e-4; Shapiro-Wilk W 1.3e-9 and p 7e-8 (1.4e-10, 7.3e-9: scipy and R
  evaluate the AS R94 approximation differently).
- the SuperPlot mixed model against lmer (bobyqa at rhoend 1e-12) and lmerTest's numerical Satterthwaite df:
  per quantity, ten times what is achieved (SE 5.4e-8, df 1.7e-6, p 1.4e-6, variances 2.2e-7 and 1.3e-7).
"""

from pathlib import Path

import pandas as pd
import pytest

from assaystats.assays import compare
from tests._reference import Reference

REF = Path(__file__).resolve().parents[1] / "reference" / "assays"


ref = Reference("assays/reference_assays.csv")
RTOL = 5e-11


def data(name):
    return pd.read_csv(REF / name)


def row(res, g1, g2, within=""):
    t = res.table
    sel = (t.group1.astype(str) == g1) & (t.group2.astype(str) == g2) & (t.within.astype(str) == within)
    assert sel.sum() == 1, (g1, g2, within)
    return t[sel].iloc[0]


@pytest.fixture(scope="module")
def pg():
    return data("PlantGrowth.csv")


def test_one_way_anova(pg):
    res = compare(pg, value="weight", group="group", control="ctrl")
    om = res.omnibus.iloc[0]
    assert om.statistic == pytest.approx(ref("pg_anova", "F", "group"), rel=RTOL)
    assert om.ss_between == pytest.approx(ref("pg_anova", "ss", "group"), rel=RTOL)
    assert om.ss_within == pytest.approx(ref("pg_anova", "ss", "Residuals"), rel=RTOL)
    assert (om.df_num, om.df_den) == (ref("pg_anova", "df1", "group"), ref("pg_anova", "df2", "group"))
    assert om.p_value == pytest.approx(ref("pg_anova", "p", "group"), rel=RTOL)
    assert om.mse == pytest.approx(ref("pg_anova", "mse", "Residuals"), rel=RTOL)
    d = res.descriptives.set_index("group")
    for g in ("ctrl", "trt1", "trt2"):
        assert d.loc[g, "mean"] == pytest.approx(ref("pg_groups", "mean", g), rel=1e-12)
        assert d.loc[g, "sd"] == pytest.approx(ref("pg_groups", "sd", g), rel=1e-12)


@pytest.mark.parametrize("test,case", [("welch-anova", "pg_welch"), ("brown-forsythe", "pg_bf")])
def test_unequal_variance_anovas(pg, test, case):
    om = compare(pg, value="weight", group="group", test=test, posthoc="games-howell").omnibus.iloc[0]
    assert om.statistic == pytest.approx(ref(case, "F", "group"), rel=RTOL)
    assert om.df_den == pytest.approx(ref(case, "df2", "group"), rel=RTOL)
    assert om.p_value == pytest.approx(ref(case, "p", "group"), rel=RTOL)


def test_kruskal_and_dunn(pg):
    res = compare(pg, value="weight", group="group", test="kruskal", posthoc="dunn")
    om = res.omnibus.iloc[0]
    assert om.statistic == pytest.approx(ref("pg_kruskal", "statistic", "group"), rel=RTOL)
    assert om.p_value == pytest.approx(ref("pg_kruskal", "p", "group"), rel=RTOL)
    for pair in ("trt1 - ctrl", "trt2 - ctrl", "trt2 - trt1"):
        g1, g2 = pair.split(" - ")
        r = row(res, g1, g2)
        assert r.estimate == pytest.approx(ref("pg_dunn", "mean_rank_diff", pair), rel=RTOL)  # rstatix::dunn_test
        assert r.statistic == pytest.approx(ref("pg_dunn", "z", pair), rel=RTOL)
        assert r.p_value == pytest.approx(ref("pg_dunn", "p", pair), rel=RTOL)
        assert r.p_adjusted == pytest.approx(ref("pg_dunn", "p_holm", pair), rel=RTOL)


def test_assumption_checks(pg):
    a = compare(pg, value="weight", group="group", control="ctrl").assumptions.set_index("check")
    assert a.loc["normality of residuals", "statistic"] == pytest.approx(ref("pg_shapiro_resid", "W", "residuals"), rel=1.3e-9)
    assert a.loc["normality of residuals", "p_value"] == pytest.approx(ref("pg_shapiro_resid", "p", "residuals"), rel=7e-8)
    assert a.loc["equal variances", "statistic"] == pytest.approx(ref("pg_levene_median", "F", "group"), rel=RTOL)
    assert a.loc["equal variances", "p_value"] == pytest.approx(ref("pg_levene_median", "p", "group"), rel=RTOL)


@pytest.mark.parametrize("alternative,pq,lo_q,hi_q", [("two-sided", "p", "lower", "upper"),
                                                      ("greater", "p_greater", "lower_greater", None),
                                                      ("less", "p_less", None, "upper_less")])
def test_dunnett_against_multcomp(pg, alternative, pq, lo_q, hi_q):
    res = compare(pg, value="weight", group="group", control="ctrl", alternative=alternative)
    for pair in ("trt1 - ctrl", "trt2 - ctrl"):
        r = row(res, *pair.split(" - "))
        assert r.estimate == pytest.approx(ref("pg_dunnett", "estimate", pair), rel=RTOL)
        assert r.se == pytest.approx(ref("pg_dunnett", "se", pair), rel=RTOL)
        assert r.statistic == pytest.approx(ref("pg_dunnett", "t", pair), rel=RTOL)
        assert r.p_adjusted == pytest.approx(ref("pg_dunnett", pq, pair), rel=RTOL)
        if lo_q:
            assert r.ci_low == pytest.approx(ref("pg_dunnett", lo_q, pair), rel=RTOL)
        if hi_q:
            assert r.ci_high == pytest.approx(ref("pg_dunnett", hi_q, pair), rel=RTOL)


def test_tukey_against_tukeyhsd(pg):
    res = compare(pg, value="weight", group="group", posthoc="tukey")
    for pair in ("trt1 - ctrl", "trt2 - ctrl", "trt2 - trt1"):
        r = row(res, *pair.split(" - "))
        assert r.estimate == pytest.approx(ref("pg_tukey", "diff", pair), rel=RTOL)
        assert r.p_adjusted == pytest.approx(ref("pg_tukey", "p", pair), rel=RTOL)
        assert r.ci_low == pytest.approx(ref("pg_tukey", "lower", pair), rel=4e-10)
        assert r.ci_high == pytest.approx(ref("pg_tukey", "upper", pair), rel=2e-10)


@pytest.mark.parametrize("method,q", [("bonferroni", "p_bonferroni"), ("holm", "p_holm"), ("bh", "p_BH"),
                                      ("sidak", "p_sidak"), ("holm-sidak", "p_holm_sidak"), ("none", "p_none")])
def test_pooled_error_pairwise_t(pg, method, q):
    res = compare(pg, value="weight", group="group", posthoc=method)
    for pair in ("trt1 - ctrl", "trt2 - ctrl", "trt2 - trt1"):
        r = row(res, *pair.split(" - "))
        assert r.statistic == pytest.approx(ref("pg_pairwise_pooled", "t", pair), rel=RTOL)
        assert r.p_adjusted == pytest.approx(ref("pg_pairwise_pooled", q, pair), rel=RTOL)


def test_games_howell_against_rstatix(pg):
    """rstatix::games_howell_test: its se is on the studentized-range scale (SE of the difference / sqrt 2) and
    its p value is rounded to 3 decimals; the full-precision p is checked against pingouin
    (test_posthoc_independent.py)."""
    res = compare(pg, value="weight", group="group", test="welch-anova", posthoc="games-howell")
    for pair in ("trt1 - ctrl", "trt2 - ctrl", "trt2 - trt1"):
        r = row(res, *pair.split(" - "))
        assert r.estimate == pytest.approx(ref("pg_games_howell", "diff", pair), rel=RTOL)
        assert r.se / 2**0.5 == pytest.approx(ref("pg_games_howell", "se_rstatix", pair), rel=RTOL)
        assert abs(r.statistic) == pytest.approx(ref("pg_games_howell", "t_abs", pair), rel=RTOL)
        assert r.df == pytest.approx(ref("pg_games_howell", "df", pair), rel=RTOL)
        assert r.p_adjusted == pytest.approx(ref("pg_games_howell", "p_rounded", pair), rel=0, abs=5e-4)
        assert r.ci_low == pytest.approx(ref("pg_games_howell", "lower", pair), rel=1e-6)
        assert r.ci_high == pytest.approx(ref("pg_games_howell", "upper", pair), rel=3e-7)


@pytest.mark.parametrize("test,case", [("student", "pg_t_student"), ("welch", "pg_t_welch")])
@pytest.mark.parametrize("g1,g2", [("trt2", "trt1"), ("ctrl", "trt1")])
def test_two_group_t(pg, test, case, g1, g2):
    sub = pg[pg.group.isin([g1, g2])]
    r = compare(sub, value="weight", group="group", control=g2, test=test).table.iloc[0]
    term = f"{g1} - {g2}"
    for col, q in (("estimate", "estimate"), ("statistic", "t"), ("df", "df"), ("ci_low", "lower"),
                   ("ci_high", "upper"), ("se", "se")):
        assert r[col] == pytest.approx(ref(case, q, term), rel=RTOL), col
    assert r.p_value == pytest.approx(ref(case, "p", term), rel=RTOL)
    if test == "student":
        assert r.effect_size == pytest.approx(ref("pg_effect_size", "cohen_d", term), rel=RTOL)
        assert r.hedges_g == pytest.approx(ref("pg_effect_size", "hedges_g", term), rel=RTOL)


@pytest.mark.parametrize("g1,g2", [("trt2", "trt1"), ("ctrl", "trt1")])
def test_mann_whitney_follows_r_conventions(pg, g1, g2):
    sub = pg[pg.group.isin([g1, g2])]
    r = compare(sub, value="weight", group="group", control=g2, test="mann-whitney").table.iloc[0]
    term = f"{g1} - {g2}"
    assert r.statistic == ref("pg_wilcox", "W", term)
    assert r.p_value == pytest.approx(ref("pg_wilcox", "p", term), rel=RTOL)
    assert ("exact" in r.method and "approximation" not in r.method) == bool(ref("pg_wilcox", "exact_used", term))


@pytest.fixture(scope="module")
def sleep():
    return data("sleep.csv")


def test_paired_t_and_wilcoxon(sleep):
    r = compare(sleep, value="extra", group="group", subject="ID", control="1").table.iloc[0]
    assert (r.group1, r.group2) == ("2", "1")
    for col, q in (("estimate", "estimate"), ("statistic", "t"), ("df", "df"), ("ci_low", "lower"),
                   ("ci_high", "upper"), ("se", "se")):
        assert r[col] == pytest.approx(ref("sleep_paired_t", q, "2 - 1"), rel=RTOL), col
    assert r.p_value == pytest.approx(ref("sleep_paired_t", "p", "2 - 1"), rel=RTOL)
    assert r.effect_size == pytest.approx(ref("sleep_paired_t", "d_z", "2 - 1"), rel=RTOL)
    w = compare(sleep, value="extra", group="group", subject="ID", control="1", test="wilcoxon").table.iloc[0]
    assert w.statistic == ref("sleep_wilcox_paired", "V", "2 - 1")
    assert w.p_value == pytest.approx(ref("sleep_wilcox_paired", "p", "2 - 1"), rel=RTOL)
    assert "zeros dropped" in w.method


def test_ratio_paired_t(sleep):
    s = sleep.assign(extra=sleep.extra + 3)
    r = compare(s, value="extra", group="group", subject="ID", control="1", test="ratio-paired").table.iloc[0]
    assert r.estimate == pytest.approx(ref("sleep_ratio_paired_t", "ratio", "2 / 1"), rel=RTOL)
    assert r.ci_low == pytest.approx(ref("sleep_ratio_paired_t", "lower", "2 / 1"), rel=RTOL)
    assert r.ci_high == pytest.approx(ref("sleep_ratio_paired_t", "upper", "2 / 1"), rel=RTOL)
    assert r.p_value == pytest.approx(ref("sleep_ratio_paired_t", "p", "2 / 1"), rel=RTOL)


@pytest.mark.parametrize("name,typ,case", [("ToothGrowth.csv", 2, "tg_anova_type2"), ("ToothGrowth.csv", 3, "tg_anova_type3"),
                                           ("ToothGrowth_unbalanced.csv", 2, "tg_unbal_type2"),
                                           ("ToothGrowth_unbalanced.csv", 3, "tg_unbal_type3")])
def test_two_way_anova_types(name, typ, case):
    tg = data(name)
    om = compare(tg, value="len", group="supp", by="dose", anova_type=typ).omnibus.set_index("term")
    for ours, theirs in (("group", "supp"), ("by", "dose_f"), ("group:by", "supp:dose_f")):
        assert om.loc[ours, "ss"] == pytest.approx(ref(case, "ss", theirs), rel=RTOL)
        assert om.loc[ours, "statistic"] == pytest.approx(ref(case, "F", theirs), rel=RTOL)
        assert om.loc[ours, "p_value"] == pytest.approx(ref(case, "p", theirs), rel=RTOL)
    if typ == 3:
        assert om.loc["(Intercept)", "statistic"] == pytest.approx(ref(case, "F", "(Intercept)"), rel=RTOL)


def test_simple_effects_match_emmeans():
    tg = data("ToothGrowth.csv")
    res = compare(tg, value="len", group="supp", by="dose", control="VC")
    for dose in ("0.5", "1", "2"):
        r = row(res, "OJ", "VC", dose)
        term = f"dose={dose}: OJ - VC"
        for col, q in (("estimate", "estimate"), ("se", "se"), ("statistic", "t"), ("df", "df"),
                       ("ci_low", "lower"), ("ci_high", "upper")):
            assert r[col] == pytest.approx(ref("tg_simple_effects", q, term), rel=RTOL), col
        assert r.p_adjusted == pytest.approx(ref("tg_simple_effects", "p", term), rel=RTOL)


def test_dunnett_within_factor_matches_emmeans_mvt():
    tg = data("ToothGrowth.csv")
    res = compare(tg, value="len", group="dose", by="supp", control="0.5")
    for supp in ("OJ", "VC"):
        for d in ("1", "2"):
            r = row(res, d, "0.5", supp)
            term = f"supp={supp}: {d} - 0.5"
            assert r.estimate == pytest.approx(ref("tg_dose_dunnett", "estimate", term), rel=RTOL)
            assert r.p_adjusted == pytest.approx(ref("tg_dose_dunnett", "p_mvt", term), rel=0, abs=1.5e-14)
            assert r.ci_low == pytest.approx(ref("tg_dose_dunnett", "lower_exact", term), rel=RTOL)
            assert r.ci_high == pytest.approx(ref("tg_dose_dunnett", "upper_exact", term), rel=RTOL)


@pytest.fixture(scope="module")
def superplot():
    return data("superplot.csv")


def test_replicate_means_paired_by_default(superplot):
    res = compare(superplot, value="value", group="condition", control="ctrl", replicate="experiment")
    assert res.meta["unit"] == "experiment mean" and res.meta["design"] == "crossed"
    r = res.table.iloc[0]
    assert r.method == "paired t"
    for col, q in (("estimate", "estimate"), ("statistic", "t"), ("df", "df"), ("ci_low", "lower"), ("ci_high", "upper")):
        assert r[col] == pytest.approx(ref("sp_means_paired", q, "kd - ctrl"), rel=RTOL), col
    assert r.p_value == pytest.approx(ref("sp_means_paired", "p", "kd - ctrl"), rel=RTOL)


def test_replicate_means_welch_when_experiments_are_not_paired(superplot):
    """test='welch' with a replicate column: Welch's t on the experiment means, unpaired (R: t.test(kd_means,
    ctrl_means) on the 8 means of superplot.csv, case sp_means_unpaired)."""
    res = compare(superplot, value="value", group="condition", control="ctrl", replicate="experiment", test="welch")
    assert res.meta["unit"] == "experiment mean"
    r = res.table.iloc[0]
    assert r.method.startswith("Welch") and (r.n1, r.n2) == (4, 4)
    for col, q in (("estimate", "estimate"), ("statistic", "t"), ("df", "df"), ("p_value", "p"), ("ci_low", "lower"),
                   ("ci_high", "upper")):
        assert r[col] == pytest.approx(ref("sp_means_unpaired", q, "kd - ctrl"), rel=RTOL), col
    paired = compare(superplot, value="value", group="condition", control="ctrl", replicate="experiment").table.iloc[0]
    assert paired.p_value < r.p_value  # the experiment effect is removed only by pairing


def test_mixed_model_matches_lmer(superplot):
    res = compare(superplot, value="value", group="condition", control="ctrl", replicate="experiment", level="mixed")
    r = res.table.iloc[0]
    assert r.estimate == pytest.approx(ref("sp_lmer", "estimate", "conditionkd"), rel=RTOL)
    assert r.se == pytest.approx(ref("sp_lmer", "se", "conditionkd"), rel=5e-7)
    # Satterthwaite df (lmerTest's default); exactly 3 = Kenward-Roger's in this balanced design, both numerical
    assert r.df == pytest.approx(ref("sp_lmer", "df_satterthwaite", "conditionkd"), rel=1e-5)
    assert r.df == pytest.approx(ref("sp_lmer", "df_kr", "conditionkd"), rel=1e-5)
    assert r.p_value == pytest.approx(ref("sp_lmer", "p_satterthwaite", "conditionkd"), rel=1e-5)
    assert r.ci_low == pytest.approx(ref("sp_lmer", "lower_satterthwaite", "conditionkd"), rel=1e-5)
    assert r.ci_high == pytest.approx(ref("sp_lmer", "upper_satterthwaite", "conditionkd"), rel=6e-6)
    assert "Satterthwaite" in r.method
    vc = res.meta["variance_components"]
    assert vc["experiment"] == pytest.approx(ref("sp_lmer", "variance", "experiment"), rel=2e-6)
    assert vc["experiment_x_group"] == pytest.approx(ref("sp_lmer", "variance", "experiment:condition"), rel=1.3e-6)
    assert vc["residual"] == pytest.approx(ref("sp_lmer", "variance", "Residual"), rel=5e-9)
    assert -2 * res.meta["reml_loglik"] == pytest.approx(ref("sp_lmer", "reml_criterion"), rel=RTOL)


def test_cell_level_needs_asking_and_warns(superplot):
    from assaystats.errors import AssayWarning

    with pytest.warns(AssayWarning, match="independent"):
        res = compare(superplot, value="value", group="condition", control="ctrl", replicate="experiment",
                      level="cell", test="student")
    r = res.table.iloc[0]
    assert r.statistic == pytest.approx(ref("sp_cells_naive", "t", "kd - ctrl"), rel=RTOL)
    assert r.p_value == pytest.approx(ref("sp_cells_naive", "p", "kd - ctrl"), rel=RTOL)
    assert any("independent" in n for n in res.meta["notes"])
