"""Bad inputs to fit() that used to end in an empty AssertionError or silently wrong intervals: magnitudes the fit
cannot compute with (issue 10). And replicate ids arriving as text stay distinct experiments ('01' is not '1')."""

import warnings

import numpy as np
import pandas as pd
import pytest

from assaystats.doseresponse import compare_models, fit
from assaystats.errors import AssayDataError, FitWarning


def curve(scale_dose=1.0, scale_response=1.0, seed=0):
    rng = np.random.default_rng(seed)
    x = np.repeat([0, 0.01, 0.1, 1, 10, 100], 3).astype(float)
    y = 1 / (1 + x / 1.0) + rng.normal(0, 0.02, x.size)
    df = pd.DataFrame({"dose_uM": x * scale_dose, "signal": y * scale_response})
    df.attrs["source"] = "plate.csv"
    return df


@pytest.mark.parametrize("value", [1e308, 1e200, 1.5e100, -1e200])
def test_a_huge_response_names_the_column_and_rows(value):
    df = curve(scale_response=100.0)
    df.loc[[4, 7], "signal"] = value
    with pytest.raises(AssayDataError) as e:
        fit(df, dose="dose_uM", response="signal")
    msg = str(e.value)
    assert msg.startswith("plate.csv: ") and "column 'signal'" in msg and "rows 5: " in msg and "8: " in msg
    assert "unit" in msg and e.value.column == "signal" and e.value.rows == [5, 8]


@pytest.mark.parametrize("scale", [1e308, 1e200])
def test_a_whole_response_column_on_a_huge_scale(scale):
    with pytest.raises(AssayDataError, match=r"column 'signal' has 18 values too large .*rows 1: .*larger unit"):
        fit(curve(scale_response=scale), dose="dose_uM", response="signal")
    with pytest.raises(AssayDataError, match="column 'signal'"):
        compare_models(curve(scale_response=scale), dose="dose_uM", response="signal", models=["ll4"])


@pytest.mark.parametrize("scale", [1e200, 1e120])
def test_huge_doses_name_the_dose_column(scale):
    with pytest.raises(AssayDataError) as e:
        fit(curve(scale_dose=scale), dose="dose_uM", response="signal")
    msg = str(e.value)
    assert "plate.csv: column 'dose_uM'" in msg and "too large" in msg and "unit" in msg
    assert e.value.rows[:3] == [4, 5, 6]  # the dose-0 rows 1-3 are fine


def test_tiny_doses_would_give_zero_width_intervals():
    # doses of 1e-200 M: the delta-method variance underflows to 0 (an interval of zero width, reported as ok)
    with pytest.raises(AssayDataError) as e:
        fit(curve(scale_dose=1e-200), dose="dose_uM", response="signal")
    msg = str(e.value)
    assert "column 'dose_uM'" in msg and "too small" in msg and "rows 4: " in msg and "0 stays the vehicle" in msg


def test_a_response_column_of_only_tiny_values():
    with pytest.raises(AssayDataError, match=r"plate.csv: column 'signal' holds only values below 1e-100"):
        fit(curve(scale_response=1e-250), dose="dose_uM", response="signal")


def test_normalised_values_are_checked_too():
    df = curve(scale_response=100.0)
    df.loc[df.dose_uM == 0, "signal"] = 1e-99  # a vehicle mean of ~1e-99 makes the normalised values ~1e101
    with pytest.raises(AssayDataError, match=r"column 'signal' \(normalised to the vehicle\) has .* too large"):
        fit(df, dose="dose_uM", response="signal", normalize="vehicle")


@pytest.mark.parametrize("scale", [1.0, 100.0, 1e4, 1e6])
def test_ordinary_scales_still_fit(scale):
    """Responses from 0-1 to 0-1e6 (luminescence counts) fit without a flag and give the same IC50 and the same
    relative interval; doses from pM to M units scale the IC50 and nothing else."""
    base = fit(curve(), dose="dose_uM", response="signal").fits.iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitWarning)
        t = fit(curve(scale_response=scale), dose="dose_uM", response="signal").fits.iloc[0]
        # the fit works on scaled responses: equal to float64 rounding (achieved 0, 2.5e-16, 2.3e-16)
        assert t.flag == "ok" and t.ic50 == pytest.approx(base.ic50, rel=1e-12)
        assert t.ic50_ci_low == pytest.approx(base.ic50_ci_low, rel=1e-12)
        assert t.top == pytest.approx(scale * base.top, rel=1e-12)
        for sd in (1e-9, 1e6):
            r = fit(curve(scale_dose=sd, scale_response=scale), dose="dose_uM", response="signal").fits.iloc[0]
            # another dose unit, another optimiser path: achieved 3.1e-10
            assert r.flag == "ok" and r.ic50 / sd == pytest.approx(base.ic50, rel=2e-9)


def test_replicate_ids_stay_text():
    """Nine replicate ids that a number parser would merge ('01' and '1' and '001'; '1.1' and '1.10'; '1' and
    '1.0') are nine experiments."""
    ids = ["01", "1", "1.1", "1.10", "001", "1.0", "10", "A", "a"]
    parts = []
    for k, rid in enumerate(ids):
        d = curve(seed=k)
        d["experiment"] = rid
        parts.append(d)
    df = pd.concat(parts, ignore_index=True)
    assert df["experiment"].dtype == object
    res = fit(df, dose="dose_uM", response="signal", replicate="experiment")
    reps = res.replicate_fits
    assert len(reps) == 9 and list(reps.replicate) == ids
    assert (reps.n == 18).all() and reps.used.all()
