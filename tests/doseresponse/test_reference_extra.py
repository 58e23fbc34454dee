"""Shared-slope global fits, ED profile intervals and the flatness F test against R nls
(tests/reference/doseresponse/make_reference_extra.R -> reference_extra.csv; nls converged to ~1e-10).
Tolerances: 1e-6 relative (estimates, SEs, F), 1e-5 for p values below 1e-20, 1e-7 for exact profile roots."""

import numpy as np
import pytest

from assaystats.doseresponse import fit
from assaystats.doseresponse._estimates import ed_relative, interval
from assaystats.doseresponse._profile import profile_interval

from ._ref import data, ref

F = "reference_extra.csv"
PAIRS = [("Huh7-R", "Huh7-P"), ("Hep3B-R", "Hep3B-P")]


def r(case, q, term=""):
    return ref(case, q, term, file=F)


@pytest.fixture(scope="module")
def shared(request):
    from assaystats import datasets

    d = datasets.load("sorafenib_ic50")
    return fit(d, dose="dose_uM", response="viability", group="line", share=["hill"], compare=PAIRS)


def test_shared_hill_global_fit_matches_nls(shared):
    fits = shared.fits.set_index("group")
    assert (-fits.hill).unique() == pytest.approx([r("sor_sharedb_nls", "estimate", "b")], rel=1e-7)
    pars = shared.parameters.set_index(["group", "parameter"])
    assert pars.loc[("Huh7-P", "hill"), "se"] == pytest.approx(r("sor_sharedb_nls", "se", "b"), rel=1e-5)
    for line in ("Huh7-P", "Huh7-R", "Hep3B-P", "Hep3B-R"):
        assert np.log(fits.loc[line, "e"]) == pytest.approx(r("sor_sharedb_nls", "estimate", f"le:{line}"), rel=1e-7)
        assert fits.loc[line, "top"] == pytest.approx(r("sor_sharedb_nls", "estimate", f"d:{line}"), rel=1e-7)
        se_le = pars.loc[(line, "e"), "se"] / pars.loc[(line, "e"), "estimate"]
        assert se_le == pytest.approx(r("sor_sharedb_nls", "se", f"le:{line}"), rel=1e-5)
        assert fits.loc[line, "df"] == r("sor_sharedb_nls", "df_resid")


def test_shared_hill_comparisons_match_nls(shared):
    comp = shared.comparisons.set_index("group")
    for g, ref_ in PAIRS:
        assert comp.loc[g, "ratio"] == pytest.approx(r("sor_sharedb_nls", "ratio", f"{g}/{ref_}"), rel=1e-6)
        assert comp.loc[g, "se"] == pytest.approx(r("sor_sharedb_nls", "ratio_se", f"{g}/{ref_}"), rel=1e-5)
        term = f"{g}_vs_{ref_}"
        assert comp.loc[g, "f_stat"] == pytest.approx(r("sor_sharedb_nls", "f_stat", term), rel=1e-6)
        assert comp.loc[g, "df_den"] == r("sor_sharedb_nls", "df_den", term)
        assert comp.loc[g, "p_value"] == pytest.approx(r("sor_sharedb_nls", "p_value", term), rel=1e-5)
    gt = shared.meta["global_test"]
    assert gt["f_stat"] == pytest.approx(r("sor_sharedb_nls", "f_stat", "global"), rel=1e-6)


@pytest.mark.parametrize("p", [10, 50, 90])
def test_ed_profile_and_log_wald_match_reparameterised_nls(p):
    rg = data("ryegrass.csv")
    res = fit(rg, dose="conc", response="rootl", interval_method="profile", ed=(10, 50, 90))
    row = res.effective_doses.set_index("level").loc[float(p)]
    assert row.estimate == pytest.approx(r("ryegrass_LL4_ed_profile", "estimate", str(p)), rel=1e-7)
    assert row.ci_low == pytest.approx(r("ryegrass_LL4_ed_profile", "profile_root_lower", str(p)), rel=1e-7)
    assert row.ci_high == pytest.approx(r("ryegrass_LL4_ed_profile", "profile_root_upper", str(p)), rel=1e-7)
    curve = res.curves[0]
    est, se = ed_relative(curve, p)
    assert se / est == pytest.approx(r("ryegrass_LL4_ed_profile", "se_log", str(p)), rel=1e-6)
    lo, hi = interval(est, se, curve.t_quantile(), "log")
    assert lo == pytest.approx(r("ryegrass_LL4_ed_profile", "wald_log_lower", str(p)), rel=1e-6)
    assert hi == pytest.approx(r("ryegrass_LL4_ed_profile", "wald_log_upper", str(p)), rel=1e-6)
    # profile of the parameter e equals the ED50 profile
    if p == 50:
        lims = np.exp(profile_interval(curve, "param", "le"))
        assert lims == pytest.approx([row.ci_low, row.ci_high], rel=1e-8)


def test_flat_test_matches_nls_vs_constant():
    rg = data("ryegrass.csv")
    curve = fit(rg, dose="conc", response="rootl").curves[0]
    assert curve.flat_test() == pytest.approx(r("ryegrass_flat_test", "p_value"), rel=1e-6)
