"""Post tests at scale (issue 10): the per-family quantities are computed once, the comparisons as arrays, and
all-pairs post tests are refused above MAX_ALL_PAIRS_GROUPS groups.

References: scipy.stats.studentized_range (adaptive quadrature, epsabs 1e-11) for the studentized-range
probabilities and quantiles; scipy.stats.tukey_hsd and statsmodels' pairwise_tukeyhsd for whole Tukey-Kramer
tables; the scalar dunnett_pvalue / dunnett_quantile (checked against multcomp in test_reference_r.py) for the
vectorised Dunnett family. Tolerances (issue 12), ten times what is achieved (in brackets): studentized-range
upper tail against scipy 3e-11 absolute (3.5e-12; scipy's own accuracy is ~1e-11), its quantile 7e-13 relative
(7.6e-14); the vectorised Dunnett family against the scalar quadrature 8e-12 absolute and its critical value
4e-13 (8.5e-13, 4.8e-14); Tukey-Kramer tables against scipy: p 8e-13 absolute, intervals 3.5e-12 and 8e-12
(8.2e-14, 3.5e-13, 8.4e-13), against statsmodels: p 8e-13 absolute, differences 1e-14 (1.4e-15); Games-Howell
against scipy: p 5e-13 absolute, half-width 1e-13 (4.9e-14, 1.1e-14); the other spot checks 1e-12 to 8e-12.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assaystats.assays import _dunnett, compare
from assaystats.assays._compare import MAX_ALL_PAIRS_GROUPS
from assaystats.errors import AssayDataError


def design(k, n=3, seed=0, unequal=False):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 9, k) if unequal else np.full(k, n)
    g = np.repeat([f"g{i:03d}" for i in range(k)], sizes)
    shift = np.repeat(rng.normal(0, 1, k), sizes)
    return pd.DataFrame({"g": g, "y": shift + rng.normal(0, 1, sizes.sum())})


@pytest.mark.parametrize("k", [2, 3, 10, 50])
def test_tukey_sf_matches_scipy(k):
    q = np.array([0.4, 1.5, 3.0, 4.5, 6.0, 9.0])
    for df in (1.5, 2.0, 7.0, 60.0, 2500.0):
        ours = _dunnett.tukey_sf(q, k, df)
        np.testing.assert_allclose(ours, stats.studentized_range.sf(q, k, df), rtol=0, atol=3e-11)


def test_tukey_quantile_matches_scipy():
    for k, df in ((3, 2.0), (5, 12.5), (20, 40.0), (60, 300.0)):
        ours = float(_dunnett.tukey_quantile(0.95, k, df)[0])
        assert ours == pytest.approx(stats.studentized_range.ppf(0.95, k, df), rel=7e-13)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_dunnett_family_matches_scalar_quadrature(alternative):
    rng = np.random.default_rng(7)
    lam = np.sqrt(np.array([3, 5, 4, 3, 6]) / (np.array([3, 5, 4, 3, 6]) + 4))
    t = rng.normal(0, 2.5, lam.size)
    for df in (4.0, 31.0):
        p, crit = _dunnett.dunnett_family(t, lam, df, level=0.95, alternative=alternative)
        ref = [_dunnett.dunnett_pvalue(x, lam, df, alternative=alternative) for x in t]
        np.testing.assert_allclose(p, ref, rtol=0, atol=8e-12)
        assert crit == pytest.approx(_dunnett.dunnett_quantile(0.95, lam, df, two_sided=alternative == "two-sided"),
                                     rel=4e-13)


def test_tukey_table_matches_scipy_tukey_hsd_and_statsmodels():
    from statsmodels.stats.multicomp import pairwise_tukeyhsd

    d = design(8, unequal=True, seed=3)
    res = compare(d, value="y", group="g", posthoc="tukey")
    levels = res.meta["groups"]
    samples = [d.y[d.g == lv].to_numpy() for lv in levels]
    ref = stats.tukey_hsd(*samples)
    ci = ref.confidence_interval(0.95)
    for r in res.table.itertuples(index=False):
        i, j = levels.index(r.group1), levels.index(r.group2)
        assert r.estimate == pytest.approx(ref.statistic[i, j], rel=1e-12)
        assert r.p_adjusted == pytest.approx(ref.pvalue[i, j], abs=8e-13)
        assert r.ci_low == pytest.approx(ci.low[i, j], rel=3.5e-12)
        assert r.ci_high == pytest.approx(ci.high[i, j], rel=8e-12)
    sm = pairwise_tukeyhsd(d.y.to_numpy(), d.g.to_numpy())
    smt = pd.DataFrame(sm.summary().data[1:], columns=sm.summary().data[0])
    ours = res.table.set_index(["group2", "group1"])  # statsmodels: group1 < group2, meandiff = mean2 - mean1
    np.testing.assert_allclose(ours.loc[list(zip(smt.group1, smt.group2)), "p_adjusted"], sm.pvalues, rtol=0, atol=8e-13)
    np.testing.assert_allclose(ours.loc[list(zip(smt.group1, smt.group2)), "estimate"], sm.meandiffs, rtol=1e-14)


def test_games_howell_matches_scipy_studentized_range():
    d = design(6, unequal=True, seed=5)
    d.loc[d.g == "g002", "y"] *= 4  # unequal variances: Welch df differ per pair
    res = compare(d, value="y", group="g", test="welch-anova", posthoc="games-howell")
    for r in res.table.itertuples(index=False):
        q = np.sqrt(2) * abs(r.statistic)
        assert r.p_adjusted == pytest.approx(stats.studentized_range.sf(q, 6, r.df), abs=5e-13)
        h = stats.studentized_range.ppf(0.95, 6, r.df) / np.sqrt(2) * r.se
        assert r.ci_high - r.estimate == pytest.approx(h, rel=1e-13)


def test_all_pairs_at_the_limit_completes():
    k = MAX_ALL_PAIRS_GROUPS
    res = compare(design(k), value="y", group="g")  # default Tukey
    assert len(res.table) == k * (k - 1) // 2
    assert res.table.p_adjusted.between(0, 1).all() and res.table.ci_low.notna().all()
    # a pair's p value does not depend on the other pairs' values beyond the family (k, df, MSE): spot check
    r = res.table.iloc[123]
    se = r.se / np.sqrt(2)
    assert r.p_adjusted == pytest.approx(stats.studentized_range.sf(abs(r.estimate) / se, k, r.df), abs=1e-12)


@pytest.mark.parametrize("posthoc", [None, "tukey", "games-howell", "bonferroni", "holm", "bh", "sidak",
                                     "holm-sidak", "dunn", "none"])
def test_all_pairs_above_the_limit_is_refused(posthoc):
    k = MAX_ALL_PAIRS_GROUPS + 1
    with pytest.raises(AssayDataError) as e:
        compare(design(k), value="y", group="g", posthoc=posthoc, source="screen.csv")
    msg = str(e.value)
    assert msg.startswith("screen.csv: ")
    pairs = k * (k - 1) // 2
    for needle in (f"{k:,} groups", f"{pairs:,} comparisons", f"limited to {MAX_ALL_PAIRS_GROUPS} groups",
                   "--control", "Dunnett", "--posthoc omnibus"):
        assert needle in msg, needle
    assert e.value.column == "g"


def test_two_way_all_pairs_above_the_limit_is_refused():
    d = design(MAX_ALL_PAIRS_GROUPS + 1, n=4)
    d["dose"] = np.tile(["0", "5"], len(d) // 2)
    with pytest.raises(AssayDataError, match="within each of 2 levels"):
        compare(d, value="y", group="g", by="dose")


def test_no_limit_for_the_omnibus_and_for_comparisons_with_a_control():
    k = 3 * MAX_ALL_PAIRS_GROUPS
    d = design(k)
    om = compare(d, value="y", group="g", posthoc="omnibus")
    assert len(om.table) == 0 and list(om.table.columns[:3]) == ["group1", "group2", "within"]
    ref = stats.f_oneway(*[d.y[d.g == lv] for lv in om.meta["groups"]])
    assert om.omnibus.p_value.iloc[0] == pytest.approx(ref.pvalue, rel=6e-12)
    assert "omnibus test only" in om.methods()
    dn = compare(d, value="y", group="g", control="g000")
    assert len(dn.table) == k - 1 and dn.table.adjustment.iloc[0].startswith("single-step")
    # the smallest Dunnett p value of the big family against the scalar quadrature (4 s at k = 300)
    r = dn.table.iloc[int(np.argmin(dn.table.p_adjusted))]
    lam = np.full(k - 1, np.sqrt(0.5))
    assert r.p_adjusted == pytest.approx(_dunnett.dunnett_pvalue(r.statistic, lam, r.df), abs=8e-13)
    bonf = compare(d, value="y", group="g", control="g000", posthoc="bonferroni")
    assert len(bonf.table) == k - 1


def test_two_way_tukey_within_levels_unchanged_by_vectorisation():
    d = design(4, n=6, seed=11)
    d["dose"] = np.tile(["0", "5", "10"], len(d) // 3)
    res = compare(d, value="y", group="g", by="dose", posthoc="tukey")
    assert len(res.table) == 3 * 6
    for r in res.table.itertuples(index=False):
        q = abs(r.statistic) * np.sqrt(2)
        assert r.p_adjusted == pytest.approx(stats.studentized_range.sf(q, 4, r.df), abs=7e-13)
