"""fit_many: every curve of a long table at once, in the terms of the single-curve fit.

Tolerances (named here, used below):
- TOL_LOG_E: |log e_many - log e_single| <= TOL_LOG_E * max(1, |log e_single|), for curves both fits converge on;
- TOL_PARAM: relative, hill/bottom/top;
- TOL_DERIVED: relative, quantities computed from the parameters and J'J at the optimum (SEs, intervals, absolute
  IC50, RSS-based statistics); two optimisers stopping within 1e-10 of the optimum agree to far better than this;
- TOL_AUC: relative, closed-form AUC here vs ``integrate.quad`` (epsrel 1e-10) of the single-curve fit.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from assaystats.datasets import simulate_screen
from assaystats.doseresponse import BatchFitResult, fit, fit_many
from assaystats.doseresponse._batch_result import EXTRA_COLUMNS, FITS_COLUMNS
from assaystats.errors import AssayDataError, FitWarning

TOL_LOG_E = 1e-6
TOL_PARAM = 1e-5
TOL_DERIVED = 1e-4
TOL_AUC = 1e-5
DOSES = (0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30)
KEYS = ["compound", "line"]


def screen(n, seed, kinds=None):
    return simulate_screen(n, seed=seed, kinds=kinds, labels=True)


def single(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        return fit(df, dose="dose", response="response", **kw)


def test_agrees_with_single_curve_fit_column_by_column():
    """Every column shared with fit().fits, and the screen's own columns, on the simulated mix (full, partial, flat);
    where the two fits differ, fit_many has the lower RSS or flags the curve."""
    df = screen(16, seed=3, kinds=[0] * 7 + [1] * 7 + [2] * 2)
    res = fit_many(df, dose="dose", response="response", curve=KEYS)
    assert isinstance(res, BatchFitResult)
    t = res.fits
    assert len(t) == 16
    lo, hi = res.meta["auc_window"]
    assert (lo, hi) == (0.01, 30.0)  # the screen's positive doses: every curve's own range here
    n_tight = 0
    for i, row in t.iterrows():
        sres = single(df[df.curve == i])
        s = sres.fits.iloc[0]
        cv = sres.curves[0]
        clean = row.flag == s.flag and not any(f in row.flag for f in ("at_bound", "ambiguous", "flat", "not_conv"))
        if not (clean and s.converged and row.converged):
            assert row.rss <= s.rss * (1 + 1e-9) or row.flag != "ok", (i, row.flag, s.flag)
            continue
        n_tight += 1
        assert abs(np.log(row.e) - np.log(s.e)) <= TOL_LOG_E * max(1.0, abs(np.log(s.e))), i
        for p in ("hill", "bottom", "top"):
            assert row[p] == pytest.approx(s[p], rel=TOL_PARAM, abs=1e-8), (i, p)
        for p in ("ic50", "ic50_se", "ic50_ci_low", "ic50_ci_high", "abs_ic50", "abs_ic50_se", "abs_ic50_ci_low",
                  "abs_ic50_ci_high", "abs_response", "rss", "sigma", "aic", "bic", "emax", "lof_f", "lof_p",
                  "dose_min", "dose_max"):
            if np.isfinite(s[p]):
                assert row[p] == pytest.approx(s[p], rel=TOL_DERIVED), (i, p)
            else:
                assert not np.isfinite(row[p]), (i, p)
        assert row.auc == pytest.approx(s.auc, rel=TOL_AUC), i
        # activity area: the vehicle plateau's rectangle over the window minus the AUC
        assert row.activity_area == pytest.approx(s.top * np.log10(hi / lo) - s.auc, rel=TOL_AUC, abs=1e-6), i
        assert row.flat_p == pytest.approx(cv.flat_test(), rel=TOL_DERIVED, abs=1e-300), i
        par = sres.parameters.set_index("parameter")
        for p in ("hill", "bottom", "top", "e"):
            assert row[f"{p}_se"] == pytest.approx(par.loc[p, "se"], rel=TOL_DERIVED), (i, p)
        resid = cv.response - cv.predict(cv.dose)
        assert row.rmse == pytest.approx(np.sqrt(np.mean(resid ** 2)), rel=TOL_DERIVED)
        assert row.r2 == pytest.approx(1 - np.sum(resid ** 2) / np.sum((cv.response - cv.response.mean()) ** 2),
                                       rel=TOL_DERIVED)
        assert row.df == s.df and row.n == s.n and row.ic50_relation == s.ic50_relation
        assert row["ci_level"] == s["ci_level"] and row["cov"] == s["cov"] and row["ci_method"] == s["ci_method"]
    assert n_tight >= 10
    assert (t.loc[14:, "flag"] != "ok").all()  # the flat kind
    assert (t.loc[:13, "flat_p"] < 1e-6).all()


def test_columns_are_the_single_curve_fits_columns_then_the_screens():
    df = screen(4, seed=1, kinds=[0, 0, 1, 0])
    t = fit_many(df, dose="dose", response="response", curve=KEYS).fits
    s = single(df[df.curve == 0]).fits
    assert [c for c in s.columns if c != "group"] == list(FITS_COLUMNS)
    assert list(t.columns) == KEYS + list(FITS_COLUMNS) + list(EXTRA_COLUMNS)
    assert (t.hill < 0).all()  # falling curves: Prism's sign, as fit()
    assert (t.method == "batched").all() and (t.dose_unit == "").all()


def test_auc_window_is_common_and_stated():
    df = screen(3, seed=8, kinds=[0, 0, 1])
    short = df[~((df.curve == 1) & (df.dose == 30))]  # curve 1 lacks the top dose
    res = fit_many(short, dose="dose", response="response", curve="curve")
    assert res.meta["auc_window"] == [0.01, 30.0]
    assert "screen" in res.meta["auc_window_source"]
    t = res.fits
    assert t.loc[1, "dose_max"] == 10.0
    # curve 1's AUC still covers 0.01-30 (its fitted curve extrapolated to 30), unlike fit()'s own-range AUC; the
    # closed form against quadrature of the model at fit_many's own estimates
    from scipy import integrate

    from assaystats.doseresponse import MODELS

    for i in range(3):
        r = t.loc[i]
        theta = [-r.hill, r.bottom, r.top, np.log(r.e), 1.0]
        want = integrate.quad(lambda u, th=theta: float(MODELS["ll4"].predict_theta(np.log(10 ** np.atleast_1d(u)),
                                                                                    th)[0]),
                              -2, np.log10(30), epsrel=1e-12, epsabs=1e-12, limit=200)[0]
        assert r.auc == pytest.approx(want, rel=TOL_AUC), i
        assert r.activity_area == pytest.approx(r.top * np.log10(3000) - want, rel=TOL_AUC), i
    r2 = fit_many(df, dose="dose", response="response", curve="curve", auc_window=(0.1, 10))
    assert r2.meta["auc_window"] == [0.1, 10.0] and "given" in r2.meta["auc_window_source"]
    assert (r2.fits.auc < res.fits.auc).all()  # 2 decades instead of 3.5
    for bad in ((10, 1), (0, 1), "x", (1,)):
        with pytest.raises(AssayDataError, match="auc_window"):
            fit_many(df, dose="dose", response="response", curve="curve", auc_window=bad)


def test_no_curve_is_dropped_bad_curves_get_their_flag():
    df = screen(2, seed=2, kinds=[0, 0])
    extra = [
        pd.DataFrame({"compound": "nan", "line": "X", "dose": list(DOSES), "response": np.nan}),
        pd.DataFrame({"compound": "few", "line": "X", "dose": [0, 0, 1, 1, 1, 1],
                      "response": [100, 99, 50, 51, 49, 52]}),
        pd.DataFrame({"compound": "three", "line": "X", "dose": [0, 0, 1, 1, 10, 10],  # 3 doses < 4 parameters
                      "response": [100, 99, 50, 51, 9, 12]}),
        pd.DataFrame({"compound": "const", "line": "X", "dose": list(DOSES), "response": 5.0}),
        pd.DataFrame({"compound": "veh", "line": "X", "dose": [0.0] * 6, "response": [1.0, 2, 3, 4, 5, 6]}),
    ]
    big = pd.concat([df, *extra], ignore_index=True)
    t = fit_many(big, dose="dose", response="response", curve=KEYS).fits
    assert len(t) == 7
    flags = dict(zip(t.compound, t.flag))
    assert flags["nan"] == "no_data"
    assert flags["few"] == "too_few_doses"
    assert flags["three"] == "too_few_doses"
    assert flags["const"] == "no_variation"
    assert flags["veh"] == "too_few_doses"
    assert t.loc[t.compound == "nan", "n"].item() == 0
    bad = t.compound.isin(["nan", "few", "three", "const", "veh"])
    assert t.loc[bad, ["ic50", "e", "hill", "auc", "flat_p", "abs_ic50_se"]].isna().all().all()
    assert not t.loc[bad, "converged"].any() and (t.loc[bad, "method"] == "not fitted").all()
    # ll3 (3 parameters) fits the 3-dose curve
    t3 = fit_many(big, dose="dose", response="response", curve=KEYS, model="ll3").fits
    assert t3.loc[t3.compound == "three", "method"].item() == "batched"


def test_missing_responses_are_left_out_and_unequal_lengths_pad():
    df = screen(3, seed=4, kinds=[0, 0, 0])
    df = df.drop(index=[0, 1, 30]).reset_index(drop=True)
    df.loc[40, "response"] = np.nan
    res = fit_many(df, dose="dose", response="response", curve="line")
    t = res.fits
    assert t.line.tolist() == ["L0", "L1", "L2"]
    assert t.n.tolist() == [25, 25, 27]  # rows 0, 1 (L0) and 30 (L1) dropped, row 40 (L1) missing
    assert res.meta["rows_left_out"] == 1
    for lab in ("L0", "L1"):  # each curve alone, missing response left out: the same as fit()
        s = single(df[df.line == lab].dropna()).fits.iloc[0]
        assert t.loc[t.line == lab, "e"].item() == pytest.approx(s.e, rel=TOL_LOG_E)


def test_ll3_and_fixed_top():
    df = screen(3, seed=5, kinds=[0, 0, 0])
    t = fit_many(df, dose="dose", response="response", curve="line", model="ll3").fits
    s = single(df[df.line == "L0"], model="ll3").fits.iloc[0]
    assert (t.bottom == 0).all()
    assert t.loc[0, "e"] == pytest.approx(s.e, rel=TOL_LOG_E)
    assert t.loc[0, "abs_ic50_se"] == pytest.approx(s.abs_ic50_se, rel=TOL_DERIVED)
    t4 = fit_many(df, dose="dose", response="response", curve="line", fixed={"top": 100}).fits
    s4 = single(df[df.line == "L0"], fixed={"top": 100}).fits.iloc[0]
    assert (t4.top == 100).all() and (t4.top_se == 0).all()
    assert t4.loc[0, "e"] == pytest.approx(s4.e, rel=TOL_LOG_E)
    assert t4.loc[0, "abs_ic50_se"] == pytest.approx(s4.abs_ic50_se, rel=TOL_DERIVED)
    assert t4.loc[0, "df"] == s4.df


@pytest.mark.parametrize("model", ["w1", "ll5"])
def test_other_models_fall_back_to_the_single_curve_fit(model):
    df = screen(2, seed=6, kinds=[0, 0])
    t = fit_many(df, dose="dose", response="response", curve="line", model=model).fits
    s = single(df[df.line == "L0"], model=model).fits.iloc[0]
    assert (t.method == "single-curve").all()
    for p in ("ic50", "hill", "abs_ic50", "abs_ic50_se", "emax"):
        assert t.loc[0, p] == pytest.approx(s[p], rel=1e-9), p
    assert t.loc[0, "auc"] == pytest.approx(s.auc, rel=TOL_AUC)


def test_fallback_refits_unconverged_curves_with_the_single_curve_fit():
    df = screen(6, seed=7, kinds=[0, 1, 2, 0, 1, 2])
    off = fit_many(df, dose="dose", response="response", curve="curve").fits
    on = fit_many(df, dose="dose", response="response", curve="curve", fallback=True).fits
    redo = ~off.converged & ~off.flag.str.contains("flat") & (off.method == "batched")
    assert (on.loc[redo, "method"] == "single-curve").all()
    assert on.loc[redo, "flag"].str.startswith("refit_single_curve").all()
    assert (on.loc[~redo, "method"] == off.loc[~redo, "method"]).all()


def test_input_errors():
    df = screen(1, seed=0, kinds=[0])
    with pytest.raises(AssayDataError, match="nope"):
        fit_many(df, dose="dose", response="response", curve="nope")
    bad = df.copy()
    bad.loc[[3, 7], "dose"] = -1.0
    with pytest.raises(AssayDataError, match="dose") as err:
        fit_many(bad, dose="dose", response="response", curve="compound")
    assert err.value.column == "dose" and err.value.rows[:2] == [4, 8]
    with pytest.raises(AssayDataError, match="ci_level"):
        fit_many(df, dose="dose", response="response", curve="compound", ci_level=95)
    with pytest.raises(AssayDataError, match="DataFrame"):
        fit_many(df.to_dict(), dose="dose", response="response", curve="compound")
    with pytest.raises(AssayDataError, match="model"):
        fit_many(df, dose="dose", response="response", curve="compound", model="ll9")
    with pytest.raises(AssayDataError, match="plate"):
        fit_many(df, dose="dose", response="response", curve="compound", replicate="plate")
    txt = df.astype({"dose": object})
    txt.loc[5, "dose"] = "5 uM"
    with pytest.raises(AssayDataError, match="non-numeric"):
        fit_many(txt, dose="dose", response="response", curve="compound")


def test_input_not_modified_and_order_of_first_appearance():
    df = screen(8, seed=7)
    df = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    before = df.copy()
    t = fit_many(df, dose="dose", response="response", curve=KEYS).fits
    pd.testing.assert_frame_equal(df, before)
    firsts = df.drop_duplicates(KEYS)[KEYS].reset_index(drop=True)
    pd.testing.assert_frame_equal(t[KEYS], firsts)
