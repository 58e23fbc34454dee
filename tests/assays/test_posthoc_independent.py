"""Games-Howell and Dunn against independent implementations (issue 11): pingouin's pairwise_gameshowell and
scikit-posthocs' posthoc_dunn, on R's PlantGrowth and InsectSprays and on an unbalanced, tied simulation.

Tolerances, near what is achieved (in brackets): ``RTOL_FP`` = 1e-13 for differences, standard errors,
statistics and Welch df, and for Dunn's p (both the normal tail, Holm by multipletests) (2.4e-16 to 1.7e-14): a
floor for double-precision closed forms that two libraries evaluate in a different order (about 450 units in the
last place), not ten times the smallest difference, so that a change of summation order does not fail the test; 3e-8 for Games-Howell p values
(3.4e-9: pingouin evaluates scipy.stats.studentized_range by adaptive quadrature, we use the tabulated
studentized range of _dunnett). Against R's values (written with 12 significant digits, whose rounding alone
leaves up to 5e-12): 5e-11 (up to 2.2e-12).
pingouin's pairwise_gameshowell reports group1 - group2 in the order of its sorted levels; the sign is
aligned by pair.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.assays import compare

pg = pytest.importorskip("pingouin")
sp = pytest.importorskip("scikit_posthocs")

REF = Path(__file__).resolve().parents[1] / "reference"
RTOL_FP = 1e-13
RTOL_R = 5e-11


def _datasets():
    rng = np.random.default_rng(7)
    sim = pd.DataFrame({"group": np.repeat(["a", "b", "c", "d"], [5, 8, 11, 6]),
                        "value": np.round(np.r_[rng.normal(10, 1, 5), rng.normal(11, 3, 8), rng.normal(9, 0.5, 11),
                                                rng.normal(12, 2, 6)], 1)})  # rounding: ties for Dunn
    return {"PlantGrowth": (pd.read_csv(REF / "assays" / "PlantGrowth.csv"), "weight", "group"),
            "InsectSprays": (pd.read_csv(REF / "assays_extra" / "InsectSprays.csv"), "count", "spray"),
            "unbalanced": (sim, "value", "group")}


DATA = _datasets()


@pytest.mark.parametrize("name", list(DATA))
def test_games_howell_matches_pingouin(name):
    d, value, group = DATA[name]
    ours = compare(d, value=value, group=group, test="welch-anova", posthoc="games-howell").table
    theirs = pg.pairwise_gameshowell(data=d, dv=value, between=group)
    assert len(ours) == len(theirs)
    for r in theirs.itertuples(index=False):
        a, b = str(r.A), str(r.B)
        hit = ours[((ours.group1 == a) & (ours.group2 == b)) | ((ours.group1 == b) & (ours.group2 == a))]
        assert len(hit) == 1
        o = hit.iloc[0]
        sign = 1 if o.group1 == a else -1
        assert sign * o.estimate == pytest.approx(r.diff, rel=RTOL_FP)
        assert o.se == pytest.approx(r.se, rel=RTOL_FP)
        assert sign * o.statistic == pytest.approx(r.T, rel=RTOL_FP)
        assert o.df == pytest.approx(r.df, rel=RTOL_FP)
        assert o.p_adjusted == pytest.approx(r.pval, rel=3e-8)


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("adjust", [None, "holm"])
def test_dunn_matches_scikit_posthocs(name, adjust):
    d, value, group = DATA[name]
    ours = compare(d, value=value, group=group, test="kruskal", posthoc="dunn").table
    theirs = sp.posthoc_dunn(d, val_col=value, group_col=group, p_adjust=adjust)
    theirs.index = theirs.index.astype(str)
    theirs.columns = theirs.columns.astype(str)
    for o in ours.itertuples(index=False):
        expected = theirs.loc[o.group1, o.group2]
        got = o.p_adjusted if adjust == "holm" else o.p_value
        assert got == pytest.approx(expected, rel=RTOL_FP, abs=1e-300)


# -- where pingouin differs from R, compare follows R (issue 11: keep our own code there) ---------------------

def _r():
    from tests._reference import Reference

    return Reference("assays/reference_assays.csv")


def test_pooled_pairwise_t_follows_r_not_pingouin_pairwise_tests():
    """pingouin's pairwise_tests runs a separate two-sample t per pair (its own variance, 18 df); R's
    pairwise.t.test and Prism pool the ANOVA error (27 df)."""
    ref = _r()
    d = DATA["PlantGrowth"][0]
    ours = compare(d, value="weight", group="group", posthoc="none").table
    theirs = pg.pairwise_tests(data=d, dv="weight", between="group", padjust="none")
    for a, b in (("trt1", "ctrl"), ("trt2", "ctrl"), ("trt2", "trt1")):
        o = ours[((ours.group1 == a) & (ours.group2 == b)) | ((ours.group1 == b) & (ours.group2 == a))].iloc[0]
        p_r = ref("pg_pairwise_pooled", "p_none", f"{a} - {b}")
        assert o.p_value == pytest.approx(p_r, rel=RTOL_R)
        t = theirs[((theirs.A == a) & (theirs.B == b)) | ((theirs.A == b) & (theirs.B == a))].iloc[0]
        assert abs(t["p_unc"] - p_r) > 0.02 * p_r  # pingouin: per-pair variance, a different test
        assert t["dof"] == 18 and o.df == 27


def test_mann_whitney_follows_r_exact_rule_not_pingouin_auto():
    """R's wilcox.test is exact without ties for n < 50; pingouin's mwu (scipy's 'auto') is exact only up to
    n = 8, so on trt2 vs trt1 (n = 10, no ties) it gives the normal approximation."""
    ref = _r()
    d = DATA["PlantGrowth"][0]
    sub = d[d.group.isin(["trt1", "trt2"])]
    ours = compare(sub, value="weight", group="group", control="trt1", test="mann-whitney").table.iloc[0]
    assert ours.p_value == pytest.approx(ref("pg_wilcox", "p", "trt2 - trt1"), rel=RTOL_R)
    theirs = pg.mwu(sub.weight[sub.group == "trt2"], sub.weight[sub.group == "trt1"])
    assert float(theirs["p_val"].iloc[0]) == pytest.approx(ref("pg_wilcox", "p_normal_cc", "trt2 - trt1"), rel=RTOL_R)
    assert abs(float(theirs["p_val"].iloc[0]) - ours.p_value) > 1e-3
