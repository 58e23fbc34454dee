"""The pieces doseresponse now does in one place (issue 11, "the same code once"):
- p-value adjustment (``_multiplicity.adjust_p``, statsmodels' multipletests) against R's p.adjust (Holm,
  Bonferroni, BH) and Bioconductor multtest's mt.rawp2adjp (SidakSS, SidakSD = Holm-Sidak)
  (tests/reference/doseresponse/make_reference_padjust.R, stored with 15 digits): 1e-13 relative, achieved 2.2e-14;
- the complex-step gradient (``_estimates.complex_step_gradient``, statsmodels' approx_fprime_cs) against analytic
  derivatives: 1e-15 relative (a few float64 ulps), achieved 1.8e-16;
- the pooled residual error of a global fit reaching the tables as explicit arguments: df, sigma and the IC50
  interval against R nls with a shared slope (reference_extra.csv, sor_sharedb_nls): df exact, sigma 1e-11 (12
  stored digits; achieved 5.4e-15), the interval 1e-8 (achieved 1.5e-9)."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from assaystats._multiplicity import ADJUST_METHODS, adjust_p
from assaystats.doseresponse import fit
from assaystats.doseresponse._estimates import complex_step_gradient

from ._ref import ref

P = np.array([0.0021, 0.041, np.nan, 0.013, 0.30, 0.0450, 0.0007])


def _r(q, i):
    return ref("padjust", q, str(i), file="reference_padjust.csv")


@pytest.mark.parametrize("method", ["holm", "bonferroni", "bh", "fdr_bh", "sidak", "holm-sidak"])
def test_adjust_p_matches_r(method):
    got = adjust_p(P, method)
    q = "bh" if method == "fdr_bh" else method
    for i, p in enumerate(P, start=1):
        if np.isnan(p):
            assert np.isnan(got[i - 1])  # missing stays missing and is not counted in the family
        else:
            assert got[i - 1] == pytest.approx(_r(q, i), rel=1e-13)


def test_adjust_p_names_map_to_statsmodels():
    ok = np.isfinite(P)
    for name, sm in (("sidak", "sidak"), ("holm-sidak", "holm-sidak"), ("bh", "fdr_bh"), ("holm", "holm")):
        assert ADJUST_METHODS[name] == sm
        assert np.array_equal(adjust_p(P, name)[ok], multipletests(P[ok], method=sm)[1])
    assert np.array_equal(adjust_p(P, "none"), P, equal_nan=True)
    assert np.array_equal(adjust_p(P, None), P, equal_nan=True)
    assert np.isnan(adjust_p([np.nan, np.nan], "holm")).all()
    with pytest.raises(ValueError, match="unknown p-value adjustment 'tukey'"):
        adjust_p(P, "tukey")


@pytest.mark.parametrize("method", ["holm-sidak", "sidak", "bh"])
def test_fit_adjusts_comparisons_with_the_shared_function(sorafenib, method):
    res = fit(sorafenib, dose="dose_uM", response="viability", group="line", p_adjust=method)
    comp = res.comparisons
    assert len(comp) == 3 and (comp.adjust_method == method).all()
    assert np.array_equal(comp.p_adjusted.to_numpy(), adjust_p(comp.p_value.to_numpy(), method))


def test_complex_step_gradient():
    def f(x):
        return np.exp(x[0]) * np.sin(x[1]) + x[2] ** 3

    x = np.array([0.3, 1.1, -2.0])
    want = np.array([np.exp(0.3) * np.sin(1.1), np.exp(0.3) * np.cos(1.1), 3 * 4.0])
    assert complex_step_gradient(f, x) == pytest.approx(want, rel=1e-15)
    assert complex_step_gradient(f, x, [2, 0]) == pytest.approx(want[[2, 0]], rel=1e-15)
    J = complex_step_gradient(lambda z: np.array([f(z), z[0] * z[1]]), x)
    assert J.shape == (2, 3)
    assert J[1] == pytest.approx([1.1, 0.3, 0.0], rel=1e-15, abs=1e-300)


def test_global_fit_tables_use_the_pooled_error():
    """The IC50 interval of each line is exp(le +- t(0.975, 311) se(le)) on R nls's le and se: that last step is
    written here, not taken from R (no R function gives a t-based Wald interval of an nls parameter; confint.default
    uses the normal quantile). What is checked is that the global fit's pooled df and sigma reach the tables."""
    from assaystats import datasets

    d = datasets.load("sorafenib_ic50")
    res = fit(d, dose="dose_uM", response="viability", group="line", share=["hill"], compare="none")
    fits = res.fits.set_index("group")
    r = lambda q, t="": ref("sor_sharedb_nls", q, t, file="reference_extra.csv")
    tq = stats.t.ppf(0.975, r("df_resid"))
    for line in fits.index:
        assert fits.loc[line, "df"] == r("df_resid")
        assert fits.loc[line, "sigma"] == pytest.approx(r("rse"), rel=1e-11)
        e, se_le = np.exp(r("estimate", f"le:{line}")), r("se", f"le:{line}")
        assert fits.loc[line, "ic50_ci_low"] == pytest.approx(e * np.exp(-tq * se_le), rel=1e-8)
        assert fits.loc[line, "ic50_ci_high"] == pytest.approx(e * np.exp(tq * se_le), rel=1e-8)
