"""fit_many: per-curve problems of the input never stop the screen, and no curve is dropped or changed by them."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assaystats.datasets import simulate_screen
from assaystats.doseresponse import fit_many

DOSES = (0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30)
#: good curves of a screen are compared with and without bad curves beside them to this relative tolerance (the
#: padding to the longest curve changes the order of floating-point sums, nothing else)
TOL_SAME = 1e-7


def test_duplicate_wells_are_flagged_and_the_curve_still_fitted():
    df = simulate_screen(3, seed=1, kinds=[0, 0, 1])
    dup = pd.concat([df, df[(df.curve == 1) & (df.dose == 1.0) & (df.replicate == 2)]], ignore_index=True)
    t = fit_many(dup, dose="dose", response="response", curve="curve", replicate="replicate").fits
    assert t.flag[1].startswith("duplicate_wells")
    assert not t.flag[0].startswith("duplicate_wells") and not t.flag[2].startswith("duplicate_wells")
    assert t.n.tolist() == [27, 28, 27] and t.method[1] == "batched"
    # without replicate= the rows are just wells
    t2 = fit_many(dup, dose="dose", response="response", curve="curve").fits
    assert not t2.flag.str.contains("duplicate_wells").any()
    # a duplicated well of a curve that cannot be fitted keeps both flags
    few = pd.DataFrame({"curve": 9, "replicate": 1, "dose": [0, 1, 1], "response": [100.0, 50, 52]})
    t3 = fit_many(pd.concat([df, few], ignore_index=True), dose="dose", response="response", curve="curve",
                  replicate="replicate").fits
    assert t3.flag.iloc[-1] == "too_few_doses;duplicate_wells"


def test_mixed_dose_units_within_a_curve_are_flagged_not_fitted():
    df = simulate_screen(3, seed=2, kinds=[0, 0, 0])
    df["unit"] = "uM"
    df.loc[(df.curve == 2) & (df.dose > 3), "unit"] = "nM"
    df.loc[df.curve == 1, "unit"] = "nM"  # a whole curve in another unit is fine
    t = fit_many(df, dose="dose", response="response", curve="curve", dose_unit="unit").fits
    assert t.flag[2] == "mixed_dose_units" and t.method[2] == "not fitted" and np.isnan(t.ic50[2])
    assert t.dose_unit.tolist() == ["uM", "nM", "uM,nM"]  # units in order of appearance
    assert t.method[0] == t.method[1] == "batched"


def test_all_missing_and_too_few_doses_beside_good_curves():
    df = simulate_screen(2, seed=3, kinds=[0, 1])
    bad = pd.DataFrame({"curve": [7] * 9 + [8] * 6, "replicate": 1,
                        "dose": list(DOSES) + [0, 0, 1, 1, 10, 10],
                        "response": [np.nan] * 9 + [100, 98, 60, 62, 10, 12]})
    t = fit_many(pd.concat([bad.iloc[:9], df, bad.iloc[9:]], ignore_index=True), dose="dose", response="response",
                 curve="curve").fits
    assert t.curve.tolist() == [7, 0, 1, 8]
    assert t.flag.tolist()[0] == "no_data" and t.flag.tolist()[3] == "too_few_doses"
    assert t.method.tolist() == ["not fitted", "batched", "batched", "not fitted"]


BAD_KINDS = ("all_nan", "one_dose", "three_doses", "constant", "vehicle_only", "duplicate", "mixed_units", "empty_y")


def bad_curve(kind, label, rng):
    d = np.repeat(np.asarray(DOSES, float), 2)
    y = rng.normal(50, 10, d.size)
    rep = np.tile([1, 2], len(DOSES))
    unit = np.full(d.size, "uM", dtype=object)
    if kind == "all_nan":
        y[:] = np.nan
    elif kind == "one_dose":
        d[:] = 1.0
    elif kind == "three_doses":
        d = np.resize([0.0, 1.0, 10.0], d.size)
    elif kind == "constant":
        y[:] = 7.0
    elif kind == "vehicle_only":
        d[:] = 0.0
    elif kind == "duplicate":
        rep[:] = 1
    elif kind == "mixed_units":
        unit[::2] = "nM"
    elif kind == "empty_y":
        y[d > 0] = np.nan
    return pd.DataFrame({"curve": label, "replicate": rep, "dose": d, "response": y, "unit": unit})


GOOD = simulate_screen(6, seed=21, kinds=[0, 1, 0, 1, 0, 1]).assign(unit="uM")
GOOD["curve"] = "g" + GOOD["curve"].astype(str)
OPTS = {"dose": "dose", "response": "response", "curve": "curve", "replicate": "replicate", "dose_unit": "unit",
        "auc_window": (0.01, 30)}
GOOD_FIT = fit_many(GOOD, **OPTS).fits


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad=st.lists(st.tuples(st.sampled_from(BAD_KINDS), st.integers(0, 6)), max_size=6),
       seed=st.integers(0, 2 ** 16), shuffle=st.booleans())
def test_every_input_curve_has_one_row_in_input_order_and_bad_curves_change_no_good_curve(bad, seed, shuffle):
    rng = np.random.default_rng(seed)
    blocks = [g for _, g in GOOD.groupby("curve", sort=False)]
    for j, (kind, at) in enumerate(bad):
        blocks.insert(min(at, len(blocks)), bad_curve(kind, f"bad{j}", rng))
    table = pd.concat(blocks, ignore_index=True)
    if shuffle:
        table = table.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    t = fit_many(table, **OPTS).fits
    order = list(dict.fromkeys(table.curve))
    assert t.curve.tolist() == order  # one row per input curve, in the order of first appearance
    good = t[t.curve.str.startswith("g")].set_index("curve").loc[GOOD_FIT.curve]
    assert (good.flag.to_numpy() == GOOD_FIT.flag.to_numpy()).all()
    for col in ("e", "hill", "bottom", "top", "rss", "ic50_se", "abs_ic50", "auc", "flat_p"):
        np.testing.assert_allclose(good[col].to_numpy(float), GOOD_FIT[col].to_numpy(float), rtol=TOL_SAME,
                                   err_msg=col)
    flagged = t[t.curve.str.startswith("bad")]
    assert (flagged.flag != "ok").all()


def test_negative_dose_is_one_error_for_the_table():
    from assaystats.errors import AssayDataError

    df = simulate_screen(2, seed=4)
    df.loc[[5, 40], "dose"] = -0.1
    with pytest.raises(AssayDataError, match="negative") as err:
        fit_many(df, dose="dose", response="response", curve="curve")
    assert err.value.column == "dose" and err.value.rows == [6, 41]


def test_any_index_is_read_by_position():
    df = simulate_screen(3, seed=5, kinds=[0, 1, 0]).assign(unit="uM")
    plain = fit_many(df, dose="dose", response="response", curve="curve", replicate="replicate",
                     dose_unit="unit").fits
    odd = df.set_axis(np.r_[np.arange(len(df) - 1, 0, -1), 5])  # reversed labels with a repeated one
    t = fit_many(odd, dose="dose", response="response", curve="curve", replicate="replicate", dose_unit="unit").fits
    pd.testing.assert_frame_equal(t, plain)


def test_empty_table_and_no_usable_rows_give_the_schema():
    empty = fit_many(simulate_screen(2, seed=1).iloc[:0], dose="dose", response="response", curve="curve")
    assert len(empty.table) == 0 and "flat_p" in empty.table.columns
    nan = fit_many(simulate_screen(2, seed=1).assign(response=np.nan), dose="dose", response="response",
                   curve="curve")
    assert nan.table.flag.tolist() == ["no_data", "no_data"] and np.isnan(nan.meta["auc_window"]).all()
