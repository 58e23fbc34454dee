"""Behaviour of fit(): flags instead of silent failures, censoring, determinism, schema, conventions."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from assaystats.doseresponse import MODELS, compare_models, fit
from assaystats.errors import AssayDataError, FitWarning

FITS_COLUMNS = ["group", "model", "n", "bottom", "top", "hill", "ic50", "ic50_se", "ic50_ci_low", "ic50_ci_high",
                "ci_level", "abs_ic50", "auc", "aic", "converged", "flag"]
PARAM_COLUMNS = ["group", "parameter", "estimate", "se", "ci_low", "ci_high"]
ED_COLUMNS = ["group", "level", "estimate", "se", "ci_low", "ci_high"]
COMP_COLUMNS = ["group", "reference", "ratio", "se", "ci_low", "ci_high", "f_stat", "df_num", "df_den", "p_value"]


def ll4(x, b, c, d, e):
    x = np.asarray(x, float)
    with np.errstate(divide="ignore"):
        return c + (d - c) / (1 + np.exp(b * (np.log(np.where(x > 0, x, 1e-300)) - np.log(e))))


def simulate(e=5.0, b=1.2, c=5.0, d=100.0, sd=3.0, doses=(0, 0.3, 1, 3, 10, 30, 100), reps=3, seed=1, group="A"):
    rng = np.random.default_rng(seed)
    x = np.repeat(doses, reps).astype(float)
    return pd.DataFrame({"g": group, "dose": x, "y": ll4(x, b, c, d, e) + rng.normal(0, sd, x.size)})


def quiet_fit(*a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        return fit(*a, **k)


def test_schema_and_sign_convention(sorafenib):
    res = fit(sorafenib, dose="dose_uM", response="viability", group="line", control="Huh7-P")
    assert list(res.fits.columns[:16]) == FITS_COLUMNS
    assert list(res.parameters.columns[:6]) == PARAM_COLUMNS
    assert list(res.effective_doses.columns[:6]) == ED_COLUMNS
    assert list(res.comparisons.columns[:10]) == COMP_COLUMNS
    assert (res.fits.hill < 0).all()  # falling curves: negative Hill slope (Prism's sign)
    assert (res.fits.flag == "ok").all()
    # ED10 < ED50 < ED90 on a falling curve (drc's relative ED)
    for g, sub in res.effective_doses.groupby("group"):
        assert (sub.sort_values("level").extrapolated.diff().dropna() > 0).all()
    # the ic50 of the fits table equals ED50 and, for ll4, the mid-point e
    assert np.allclose(res.fits.ic50, res.fits.e, rtol=1e-14, atol=0)  # the same number for ll4 (achieved 0)
    assert res.comparisons.reference.eq("Huh7-P").all() and len(res.comparisons) == 3


def test_column_names_do_not_change_with_options(sorafenib):
    a = fit(sorafenib, dose="dose_uM", response="viability", group="line")
    b = fit(sorafenib, dose="dose_uM", response="viability", group="line", ci_level=0.9, cov="hessian",
            ci_scale="linear", compare="pairwise", p_adjust="fdr_bh")
    for name in ("fits", "parameters", "effective_doses", "comparisons"):
        assert list(a.tables()[name].columns) == list(b.tables()[name].columns), name


def test_result_is_frozen_and_serialisable(sorafenib):
    res = fit(sorafenib, dose="dose_uM", response="viability", group="line")
    with pytest.raises(AttributeError):
        res.table = None
    d = res.to_dict()
    json.dumps(d)  # JSON-safe
    assert d["tables"]["fits"][0]["group"] == "Huh7-P"
    md = res.to_markdown()
    assert "| group |" in md and "### Methods" in md
    assert "Huh7-P" in res.summary()


def test_input_is_not_modified(sorafenib):
    before = sorafenib.copy()
    fit(sorafenib, dose="dose_uM", response="viability", group="line", normalize="vehicle")
    pd.testing.assert_frame_equal(sorafenib, before)


def test_deterministic(sorafenib):
    a = fit(sorafenib, dose="dose_uM", response="viability", group="line", replicate="experiment")
    b = fit(sorafenib, dose="dose_uM", response="viability", group="line", replicate="experiment")
    for name in a.tables():
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name], check_exact=True)


def test_ic50_above_range_is_censored_not_extrapolated():
    d = simulate(e=500.0, b=1.0, sd=1.0, doses=(0, 0.1, 0.3, 1, 3, 10, 30))
    res = quiet_fit(d, dose="dose", response="y", fixed={"bottom": 0})
    row = res.fits.iloc[0]
    assert np.isnan(row.ic50) and np.isnan(row.ic50_ci_low)
    assert row.ic50_relation == ">"
    assert "ic50_above_range" in row.flag
    assert "> 30" in res.summary()
    ed50 = res.effective_doses.query("level == 50").iloc[0]
    assert np.isnan(ed50.estimate) and ed50.relation == ">" and ed50.bound == 30
    assert ed50.extrapolated > 30


def test_flat_curve_is_flagged():
    rng = np.random.default_rng(3)
    x = np.repeat([0, 0.1, 1, 10, 100], 4).astype(float)
    d = pd.DataFrame({"dose": x, "y": 100 + rng.normal(0, 5, x.size)})
    with pytest.warns(FitWarning, match="flat"):
        res = fit(d, dose="dose", response="y")
    row = res.fits.iloc[0]
    assert "flat" in row.flag and np.isnan(row.ic50)


def test_ambiguous_when_plateau_not_defined():
    """Doses cover only the top half of the curve: the bottom is not identifiable (Prism: 'ambiguous')."""
    x = np.repeat([0, 0.01, 0.03, 0.1, 0.3], 3).astype(float)
    y = ll4(x, 1.0, 0.0, 100.0, 100.0) + np.random.default_rng(2).normal(0, 0.5, x.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        res = fit(pd.DataFrame({"dose": x, "y": y}), dose="dose", response="y")
    flag = res.fits.iloc[0].flag
    assert "ambiguous" in flag or "at_bound" in flag
    # fixing the bottom from the controls makes it fit
    ok = quiet_fit(pd.DataFrame({"dose": x, "y": y}), dose="dose", response="y", fixed={"bottom": 0})
    assert "ambiguous" not in ok.fits.iloc[0].flag


def test_abs_ic50_not_reached():
    d = simulate(e=3.0, c=70.0, sd=1.0)
    res = quiet_fit(d, dose="dose", response="y")
    row = res.fits.iloc[0]
    assert np.isfinite(row.ic50)
    assert np.isnan(row.abs_ic50) and "abs_ic50_not_reached" in row.flag


def test_steep_curve_hits_slope_bound_and_is_flagged():
    x = np.repeat([0, 1, 2, 4, 8, 16], 3).astype(float)
    y = np.where(x < 5, 100.0, 0.0) + np.tile([0.5, -0.5, 0.0], 6)
    res = quiet_fit(pd.DataFrame({"dose": x, "y": y}), dose="dose", response="y")
    assert "at_bound:hill" in res.fits.iloc[0].flag


def test_fixed_parameters_and_normalisation(sorafenib):
    res = fit(sorafenib, dose="dose_uM", response="viability", group="line", replicate="experiment",
              normalize="vehicle", fixed={"top": 100, "bottom": 0})
    assert (res.fits.top == 100).all() and (res.fits.bottom == 0).all()
    p = res.parameters.query("parameter == 'top'")
    assert p.fixed.all() and (p.se == 0).all()
    # with top 100 and bottom 0 fixed, the absolute IC50 (response 50) is the relative IC50
    assert np.allclose(res.fits.abs_ic50, res.fits.ic50, rtol=1e-12, atol=0)  # two formulas, one dose: achieved 0


def test_auc_matches_closed_form():
    """The AUC of an LL.4 curve has a closed form over log dose (written here); the AUC of every model is checked
    against R's integrate() in test_reference_drc.py. Achieved 2.2e-16; held to 1e-10, the relative accuracy
    auc_log10 asks of scipy's quad (asserting tighter would test quad's luck on this curve, not our code)."""
    d = simulate()
    res = fit(d, dose="dose", response="y")
    c = res.curves[0]
    b, cc, dd, le, _ = c.theta
    lo, hi = c.tested_range

    def prim(x):  # integral over t = ln x of 1/(1+exp(b(t-le))) dt
        t = np.log(x)
        return t - np.log1p(np.exp(b * (t - le))) / b

    exact = (cc * (np.log(hi) - np.log(lo)) + (dd - cc) * (prim(hi) - prim(lo))) / np.log(10)
    assert res.fits.iloc[0].auc == pytest.approx(exact, rel=1e-10)


def test_emax_is_fitted_response_at_top_dose():
    d = simulate()
    res = fit(d, dose="dose", response="y")
    assert res.fits.iloc[0].emax == pytest.approx(float(res.curves[0].predict([100.0])[0]), rel=1e-14)  # achieved 0


def test_predict_and_vehicle():
    d = simulate()
    c = fit(d, dose="dose", response="y").curves[0]
    assert c.predict([0.0])[0] == pytest.approx(c.theta[2], rel=1e-14)  # vehicle = top plateau (achieved 0)
    assert c.predict([np.exp(c.theta[3])])[0] == pytest.approx((c.theta[1] + c.theta[2]) / 2, rel=1e-14)  # 0


def test_share_hill_global_fit(sorafenib):
    res = fit(sorafenib, dose="dose_uM", response="viability", group="line", share=["hill"],
              control="Huh7-P")
    assert res.fits.hill.nunique() == 1
    assert (res.comparisons.df_den == len(sorafenib) - (3 * 4 + 1)).all()
    assert res.comparisons.f_stat.notna().all()


@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_fits_example(model, sorafenib):
    sub = sorafenib[sorafenib.line.isin(["Huh7-P", "Huh7-R"])]
    res = fit(sub, dose="dose_uM", response="viability", group="line", model=model)
    assert res.fits.converged.all()
    assert res.fits.ic50.between(1, 20).all()


def test_compare_models_prefers_true_model():
    d = simulate(sd=1.0, reps=4, seed=5)
    sel = compare_models(d, dose="dose", response="y", models=("ll4", "ll3"))
    t = sel.table.set_index("model")
    assert t.loc["ll4", "delta_aic"] == 0  # the bottom is 5, so fixing it at 0 is worse
    assert {"aic", "bic", "lof_p", "loglik"} <= set(sel.table.columns)


def test_invalid_arguments_raise_assaydataerror(sorafenib):
    with pytest.raises(AssayDataError, match="unknown model"):
        fit(sorafenib, dose="dose_uM", response="viability", model="ll7")
    with pytest.raises(AssayDataError, match="cov must be"):
        fit(sorafenib, dose="dose_uM", response="viability", cov="sandwich")
    with pytest.raises(AssayDataError, match="cannot fix"):
        fit(sorafenib, dose="dose_uM", response="viability", fixed={"slope": 1})
    with pytest.raises(AssayDataError, match="not a level"):
        fit(sorafenib, dose="dose_uM", response="viability", group="line", compare=[("Huh7-R", "X")])
    with pytest.raises(AssayDataError, match="no vehicle"):
        fit(sorafenib[sorafenib.dose_uM > 0], dose="dose_uM", response="viability", group="line",
            normalize="vehicle")


def test_multistart_rescues_bad_start(monkeypatch):
    """A start far from the optimum (forced) still reaches the least-squares optimum."""
    import assaystats.doseresponse._fit as fitmod

    d = simulate(seed=11)
    good = fit(d, dose="dose", response="y").curves[0]
    orig = fitmod.start_values

    def bad_start(model, logx, y, fixed, slope_limit):
        th = orig(model, logx, y, fixed, slope_limit)
        th[0] = -19.0  # wrong direction, nearly on the slope bound
        th[3] = 8.0
        return th

    monkeypatch.setattr(fitmod, "start_values", bad_start)
    rescued = fit(d, dose="dose", response="y").curves[0]
    # both stop within leastsq's ftol (1e-14 relative) of the same minimum: achieved 6.4e-16
    assert rescued.rss == pytest.approx(good.rss, rel=1e-13)
