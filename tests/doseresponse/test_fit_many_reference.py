"""fit_many against R: the F test of each curve against a flat (mean-only) model, and the LL.4 fits behind it.

R: tests/reference/doseresponse/make_reference_fit_many.R -- drc's drm(LL.4) start, nls() refit and
``anova(nls(y ~ k), nls(LL.4))``; where nls does not converge (flat curves) the same F from drm's RSS.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.doseresponse import fit_many
from tests._reference import record_arrays

REF = Path(__file__).resolve().parents[1] / "reference" / "doseresponse"
#: relative tolerance for RSS, F and p on curves both fits converge on (nls stops at a relative offset of 1e-8)
TOL_F = 1e-6


@pytest.fixture(scope="module")
def fitted():
    data = pd.read_csv(REF / "fit_many_curves.csv")
    ref = pd.read_csv(REF / "reference_fit_many.csv")
    return fit_many(data, dose="dose", response="response", curve="curve").fits, ref


def test_flat_f_test_equals_r_anova(fitted):
    t, ref = fitted
    assert t.curve.tolist() == ref.curve.tolist()
    conv = t.converged.to_numpy() & (t.flat_p < 0.05).to_numpy()
    assert conv.sum() == 4
    for col in ("rss", "flat_f", "flat_p"):
        record_arrays("doseresponse", "fit_many: F test against a flat line (anova of nested nls)", col,
                      t.loc[conv, "curve"].astype(str), ref.loc[conv, col], t.loc[conv, col], rtol=TOL_F,
                      file="doseresponse/reference_fit_many.csv", rule="sum")
        np.testing.assert_allclose(t.loc[conv, col], ref.loc[conv, col], rtol=TOL_F, err_msg=col)
    np.testing.assert_allclose(t.loc[conv, "e"], ref.loc[conv, "e"], rtol=1e-5)
    np.testing.assert_allclose(-t.loc[conv, "hill"], ref.loc[conv, "b"], rtol=1e-5)
    assert (t.df == ref.df).all()


def test_flat_curves_flat_in_both_with_the_lower_rss_here(fitted):
    t, ref = fitted
    flat = (t.flat_p >= 0.05).to_numpy()
    assert flat.tolist() == (ref.flat_p >= 0.05).tolist() == [False, False, False, True, False, True]
    assert (t.loc[flat, "rss"].to_numpy() <= ref.loc[flat, "rss"].to_numpy() * (1 + 1e-9)).all()
    assert t.loc[flat, "flag"].str.contains("flat").all() and t.loc[flat, "ic50"].isna().all()
