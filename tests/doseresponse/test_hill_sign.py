"""The sign of the reported Hill slope means the same in every model: negative on a falling curve, positive on a
rising one (issue 11). drc's b does not: a falling curve has b > 0 in LL.x and W1.4 but b < 0 in W2.4
(ryegrass W2.4: b = -1.968), so hill = -b for ll3/ll4/ll5/w1 and hill = +b for w2 (``Model.hill_sign``).
The fits themselves are unchanged: estimates and effective doses against drc 3.2-0 at tight convergence and R nls
(tests/reference/doseresponse/reference_values.csv, make_reference.R) within the tolerances of
test_reference_drc.py (``DRC_EST``: 5e-9 to 5e-8 per model, 3 to 10 times the largest difference over the fit's
parameters and EDs, 1.3e-9 to 1.1e-8; nls profile limits within
``PROFILE_WIDTH`` = 2e-3 of the interval's width, MASS's spline interpolation)."""

import warnings

import numpy as np
import pytest

from assaystats.doseresponse import fit
from assaystats.doseresponse._models import get_model
from assaystats.errors import FitWarning

from ._ref import data, ref
from .test_reference_drc import DRC_EST, PROFILE_WIDTH

CASES = [("ll4", "ryegrass_LL4"), ("ll3", "ryegrass_LL3"), ("ll5", "ryegrass_LL5"),
         ("w1", "ryegrass_W1_4"), ("w2", "ryegrass_W2_4")]


@pytest.fixture(scope="module")
def ryegrass():
    return data("ryegrass.csv")


def _fit(d, model, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        return fit(d, dose="conc", response="rootl", model=model, **kw)


@pytest.mark.parametrize("model,case", CASES)
def test_falling_curve_has_negative_hill_and_fit_equals_drc(ryegrass, model, case):
    res = _fit(ryegrass, model, cov="hessian")
    row = res.fits.iloc[0]
    curve = res.curves[0]
    assert curve.predict([ryegrass.conc.max()])[0] < curve.predict([0.0])[0]  # the fitted curve falls
    assert row.hill < 0 and row.top > row.bottom
    tol = DRC_EST[case]
    drc_b = ref(f"{case}_drc", "estimate", "b")
    assert row.hill == pytest.approx(get_model(model).hill_sign * drc_b, rel=tol)
    assert abs(row.hill) == pytest.approx(abs(drc_b), rel=tol)
    assert row.top == pytest.approx(ref(f"{case}_drc", "estimate", "d"), rel=tol)
    if model != "ll3":
        assert row.bottom == pytest.approx(ref(f"{case}_drc", "estimate", "c"), rel=tol)
    assert row.e == pytest.approx(ref(f"{case}_drc", "estimate", "e"), rel=tol)
    assert row.ic50 == pytest.approx(ref(f"{case}_drc", "ed_estimate", "50"), rel=tol)
    assert row.rss <= ref(f"{case}_drc", "rss") * (1 + 1e-12)
    eds = res.effective_doses.set_index("level").estimate
    for p in (10, 50, 90):
        assert eds[p] == pytest.approx(ref(f"{case}_drc", "ed_estimate", p), rel=tol)
    par = res.parameters.set_index("parameter")
    assert par.loc["hill", "estimate"] == row.hill


@pytest.mark.parametrize("model", ["ll4", "ll3", "ll5", "w1", "w2"])
def test_rising_curve_has_positive_hill(ryegrass, model):
    """The same data mirrored (9 - root length) rise with the dose: hill > 0 in every model."""
    rising = ryegrass.assign(rootl=9.0 - ryegrass.rootl)
    res = _fit(rising, model)
    row = res.fits.iloc[0]
    curve = res.curves[0]
    assert curve.predict([ryegrass.conc.max()])[0] > curve.predict([0.0])[0]
    assert row.hill > 0 and row.top > row.bottom


@pytest.mark.parametrize("model,case", [("ll4", "ryegrass_LL4"), ("w1", "ryegrass_W1_4"), ("w2", "ryegrass_W2_4"),
                                        ("ll3", "ryegrass_LL3")])
def test_profile_interval_of_hill_follows_the_sign(ryegrass, model, case):
    """The profile interval of hill is R nls's confint of b mapped by the model's sign, in increasing order."""
    row = _fit(ryegrass, model, interval_method="profile").parameters.set_index("parameter").loc["hill"]
    s = get_model(model).hill_sign
    lo, hi = sorted((s * ref(f"{case}_nls", "profile_lower", "b"), s * ref(f"{case}_nls", "profile_upper", "b")))
    tol = PROFILE_WIDTH * (hi - lo)
    assert row.ci_low < row.estimate < row.ci_high < 0
    assert abs(row.ci_low - lo) <= tol and abs(row.ci_high - hi) <= tol


@pytest.mark.parametrize("model", ["ll4", "w1", "w2"])
def test_fixing_hill_uses_the_same_sign(ryegrass, model):
    """fixed={"hill": h} with the fitted h reproduces the free fit (top, bottom, e) in every model."""
    free = _fit(ryegrass, model).fits.iloc[0]
    held = _fit(ryegrass, model, fixed={"hill": free.hill}).fits.iloc[0]
    assert held.hill == free.hill
    for col in ("top", "bottom", "e", "rss"):
        # two optimisations reaching the same optimum: achieved 2.8e-9 (ll4), 1.2e-9 (w1), 1.3e-9 (w2)
        assert held[col] == pytest.approx(free[col], rel=1e-8)


def test_replicate_fits_use_the_same_sign(sorafenib):
    res = fit(sorafenib, dose="dose_uM", response="viability", group="line", replicate="experiment", model="w2",
              compare="none")
    assert (res.fits.hill < 0).all()
    assert (res.replicate_fits.hill < 0).all()
    assert "Hill slope = b, negative on a falling curve" in res.methods()


def test_hill_sign_of_each_model():
    assert {m: get_model(m).hill_sign for m in ("ll4", "ll3", "ll5", "w1", "w2")} == {
        "ll4": -1.0, "ll3": -1.0, "ll5": -1.0, "w1": -1.0, "w2": 1.0}
    # the slope of the fitted curve on log dose at e has the sign of hill when top > bottom
    for name in ("ll4", "w1", "w2"):
        m = get_model(name)
        for hill in (-1.5, 1.5):
            theta = np.array([m.hill_sign * hill, 0.0, 100.0, 0.0, 1.0])
            up, down = m.predict_theta(np.array([0.1]), theta)[0], m.predict_theta(np.array([-0.1]), theta)[0]
            assert np.sign(up - down) == np.sign(hill)
