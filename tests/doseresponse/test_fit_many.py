"""fit_many: every curve of a long table at once, in the terms of the single-curve fit."""

import warnings

import numpy as np
import pandas as pd
import pytest

from assaystats.doseresponse import BatchFitResult, fit, fit_many
from assaystats.errors import AssayDataError, FitWarning

DOSES = (0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30)


def simulate(n_curves, seed=0, kinds=None, reps=3, sd=5.0):
    """Seeded LL.4 curves, 9 doses x 3 replicates: kind 0 full, 1 partial, 2 flat response."""
    rng = np.random.default_rng(seed)
    kind = np.asarray(kinds) if kinds is not None else rng.integers(0, 3, n_curves)
    x = np.tile(np.repeat(np.asarray(DOSES, float), reps), n_curves)
    cid = np.repeat(np.arange(n_curves), len(DOSES) * reps)
    e = np.exp(rng.uniform(np.log(0.03), np.log(3), n_curves))
    b = rng.uniform(0.7, 3, n_curves)
    d = rng.normal(100, 5, n_curves)
    c = np.where(kind == 0, rng.uniform(0, 15, n_curves), np.where(kind == 1, rng.uniform(40, 70, n_curves), d))
    with np.errstate(divide="ignore"):
        u = np.exp(b[cid] * (np.log(np.where(x > 0, x, 1e-300)) - np.log(e[cid])))
    y = c[cid] + (d - c)[cid] / (1 + u) + rng.normal(0, sd, x.size)
    return pd.DataFrame({"compound": [f"cpd{i // 4}" for i in cid], "line": [f"L{i % 4}" for i in cid],
                         "dose": x, "y": y}), kind


def single(df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow in _estimates.interval on extreme flat fits
        return fit(df, dose="dose", response="y").fits.iloc[0]


def test_agrees_with_single_curve_fit():
    df, kind = simulate(24, seed=3, kinds=[0] * 10 + [1] * 10 + [2] * 4)
    res = fit_many(df, dose="dose", response="y", curve=["compound", "line"])
    assert isinstance(res, BatchFitResult)
    t = res.fits
    assert len(t) == 24
    n_tight = 0
    for i, row in t.iterrows():
        sub = df[(df.compound == row.compound) & (df.line == row.line)]
        s = single(sub)
        clean = row.flag == s.flag and not any(f in row.flag for f in ("at_bound", "ambiguous", "flat", "not_conv"))
        if clean and s.converged and row.converged:
            n_tight += 1
            assert abs(np.log(row.e) - np.log(s.e)) <= 1e-6 * max(1.0, abs(np.log(s.e))), i
            for p in ("hill", "bottom", "top"):
                assert row[p] == pytest.approx(s[p], rel=1e-5, abs=1e-8), (i, p)
            for p in ("ic50", "ic50_se", "ic50_ci_low", "ic50_ci_high", "rss", "sigma", "aic", "bic", "abs_ic50",
                      "emax"):
                if np.isfinite(s[p]):
                    assert row[p] == pytest.approx(s[p], rel=1e-4), (i, p)
            assert row.df == s.df and row.n == s.n and row.ic50_relation == s.ic50_relation
        else:  # where they differ: the batched fit has the lower RSS, or it flags the curve
            assert row.rss <= s.rss * (1 + 1e-9) or row.flag != "ok", (i, row.flag, s.flag)
    assert n_tight >= 15
    assert (t.loc[kind == 2, "flag"] != "ok").all()


def test_columns_equal_single_curve_fits_where_they_overlap():
    df, _ = simulate(4, seed=1, kinds=[0, 0, 1, 0])
    t = fit_many(df, dose="dose", response="y", curve=["compound", "line"]).fits
    s = fit(df[df.line == "L0"], dose="dose", response="y").fits
    shared = [c for c in s.columns if c in t.columns]
    assert len(shared) >= 25
    assert list(t.columns[:2]) == ["compound", "line"]
    for col in ("hill", "bottom", "top", "e", "ic50", "ic50_se", "ic50_ci_low", "ic50_ci_high", "rss", "df", "n",
                "flag", "converged", "ci_level"):
        assert col in t.columns
    for col in ("hill_se", "bottom_se", "top_se", "e_se", "r2", "rmse"):
        assert col in t.columns
    assert (t.hill < 0).all()  # falling curves: Prism's sign, as fit()


def test_no_curve_is_dropped_bad_curves_get_their_flag():
    df, _ = simulate(2, seed=2, kinds=[0, 0])
    extra = [
        pd.DataFrame({"compound": "nan", "line": "X", "dose": list(DOSES), "y": np.nan}),
        pd.DataFrame({"compound": "few", "line": "X", "dose": [0, 0, 1, 1, 1, 1], "y": [100, 99, 50, 51, 49, 52]}),
        pd.DataFrame({"compound": "const", "line": "X", "dose": list(DOSES), "y": 5.0}),
        pd.DataFrame({"compound": "veh", "line": "X", "dose": [0.0] * 6, "y": [1.0, 2, 3, 4, 5, 6]}),
    ]
    big = pd.concat([df, *extra], ignore_index=True)
    t = fit_many(big, dose="dose", response="y", curve=["compound", "line"]).fits
    assert len(t) == 6
    flags = dict(zip(t.compound, t.flag))
    assert flags["nan"] == "no_data"
    assert flags["few"] == "too_few_doses"
    assert flags["const"] == "no_variation"
    assert flags["veh"] == "too_few_doses"
    assert t.loc[t.compound == "nan", "n"].item() == 0
    assert t.loc[t.compound.isin(["nan", "few", "const"]), "ic50"].isna().all()
    assert not t.loc[t.compound.isin(["nan", "few"]), "converged"].any()


def test_missing_responses_are_left_out_and_unequal_lengths_pad():
    df, _ = simulate(3, seed=4, kinds=[0, 0, 0])
    df = df.drop(index=[0, 1, 30]).reset_index(drop=True)
    df.loc[40, "y"] = np.nan
    t = fit_many(df, dose="dose", response="y", curve="line").fits
    assert t.line.tolist() == ["L0", "L1", "L2"]
    assert t.n.tolist() == [25, 25, 27]  # rows 0, 1 (L0) and 30 (L1) dropped, row 40 (L1) missing
    for lab in ("L0", "L1"):  # each curve alone, missing response left out: the same as fit()
        s = single(df[df.line == lab].dropna())
        assert t.loc[t.line == lab, "e"].item() == pytest.approx(s.e, rel=1e-6)


def test_ll3_and_fixed_top():
    df, _ = simulate(3, seed=5, kinds=[0, 0, 0])
    t = fit_many(df, dose="dose", response="y", curve="line", model="ll3").fits
    s = single_model(df[df.line == "L0"], model="ll3")
    assert (t.bottom == 0).all()
    assert t.loc[0, "e"] == pytest.approx(s.e, rel=1e-6)
    t4 = fit_many(df, dose="dose", response="y", curve="line", fixed={"top": 100}).fits
    s4 = single_model(df[df.line == "L0"], fixed={"top": 100})
    assert (t4.top == 100).all() and (t4.top_se == 0).all()
    assert t4.loc[0, "e"] == pytest.approx(s4.e, rel=1e-6)
    assert t4.loc[0, "df"] == s4.df


def single_model(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        return fit(df, dose="dose", response="y", **kw).fits.iloc[0]


def test_other_models_fall_back_to_the_single_curve_fit():
    df, _ = simulate(2, seed=6, kinds=[0, 0])
    t = fit_many(df, dose="dose", response="y", curve="line", model="w1").fits
    s = single_model(df[df.line == "L0"], model="w1")
    assert (t.method == "single-curve").all()
    assert t.loc[0, "ic50"] == pytest.approx(s.ic50, rel=1e-9)
    assert t.loc[0, "hill"] == pytest.approx(s.hill, rel=1e-9)


def test_input_errors():
    df, _ = simulate(1, seed=0, kinds=[0])
    with pytest.raises(AssayDataError, match="nope"):
        fit_many(df, dose="dose", response="y", curve="nope")
    bad = df.copy()
    bad.loc[3, "dose"] = -1.0
    with pytest.raises(AssayDataError, match="dose"):
        fit_many(bad, dose="dose", response="y", curve="compound")
    with pytest.raises(AssayDataError, match="ci_level"):
        fit_many(df, dose="dose", response="y", curve="compound", ci_level=95)
    with pytest.raises(AssayDataError, match="DataFrame"):
        fit_many(df.to_dict(), dose="dose", response="y", curve="compound")
    with pytest.raises(AssayDataError, match="model"):
        fit_many(df, dose="dose", response="y", curve="compound", model="ll9")


def test_input_not_modified_and_order_of_first_appearance():
    df, _ = simulate(8, seed=7)
    df = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    before = df.copy()
    t = fit_many(df, dose="dose", response="y", curve=["compound", "line"]).fits
    pd.testing.assert_frame_equal(df, before)
    firsts = df.drop_duplicates(["compound", "line"])[["compound", "line"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(t[["compound", "line"]], firsts)
