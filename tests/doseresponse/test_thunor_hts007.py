"""fit_many on thunor's real high-throughput screen hts007, against thunor's own fits of the same curves.

The data (216 cell line x drug curves, 4061 drug-treated wells, viability at 72 h relative to the plate's controls)
and thunor's per-curve values come from ``tests/reference/thunor/make_thunor_hts007.py`` (thunor 1.0.3, its own
reader ``thunor.io.read_hdf`` and ``thunor.viability.viability``; ``thunor.curve_fit.fit_params`` with HillCurveLL4,
its default, and HillCurveLL3u, its viability model with the top fixed to 1). The comparison runs from the committed
CSVs; ``test_rederive_with_thunor`` re-runs thunor when it is installed. Why the fits differ where they do:
``tests/reference/thunor/README.md`` (``python tests/doseresponse/test_thunor_hts007.py`` prints its numbers).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.doseresponse import fit_many

HERE = Path(__file__).resolve().parents[1] / "reference" / "thunor"
KEYS = ["cell_line", "drug"]
#: the bounds of our fit (assaystats.doseresponse._fit: |hill| <= SLOPE_LIMIT, e within LE_MARGIN_DECADES of the
#: tested doses), used to tell whether thunor's optimum was available to our fit at all
SLOPE_LIMIT = 20.0
LE_MARGIN_DECADES = 5
#: tolerances of the agreement on the curves both fit cleanly (stated in README.md)
TOL_MEDIAN_LOG10 = 1e-3   # median |diff log10 EC50| and |diff log10 IC50|
TOL_MEDIAN_LOG10_ALL = 1e-2  # median |diff log10 EC50| over every curve both fit (flagged ones included)
TOL_P90_LOG10 = 1e-2      # 90th percentile of |diff log10 EC50|
TOL_MEDIAN_RESPONSE = 1e-3  # median |diff Emax| and |diff AA| (viability units; AA in viability x decades)
#: a curve whose 10-90 % transition (0.95/|hill| decades) is narrower than hts007's half-decade dose spacing is a step
STEP_HILL = 3.0
RSS_REL = 1e-6            # ours never above thunor's RSS by more than this where thunor's optimum lies in our bounds

MODELS = {"LL3u": {"top": 1.0}, "LL4": None}  # thunor model -> fit_many's ``fixed``


def load():
    wells = pd.read_csv(HERE / "hts007_viability_wells.csv", dtype={"cell_line": str, "drug": str, "plate": str})
    thunor = pd.read_csv(HERE / "thunor_hts007_fits.csv", dtype={"cell_line": str, "drug": str})
    return wells, thunor


def _ll(x, b, c, d, e):
    """thunor's LL4 (b > 0 falling), the same log-logistic as ours with hill = -b."""
    with np.errstate(over="ignore", divide="ignore"):
        return c + (d - c) / (1 + np.exp(b * (np.log(x) - np.log(e))))


def _activity_area(bottom, top, hill, e, lo, hi, n=4001):
    """Activity area (thunor's definition: the integral of 1 - fit/top over log10 dose across the tested range),
    by the trapezoid rule on the fitted curve: independent of thunor's closed form."""
    g = np.linspace(np.log10(lo), np.log10(hi), n)
    with np.errstate(over="ignore"):
        f = bottom + (top - bottom) / (1 + np.exp(-hill * (g * np.log(10) - np.log(e))))
    v = 1 - f / top
    return float(np.sum((v[1:] + v[:-1]) / 2 * np.diff(g)))


def compare(thunor_model: str, wells=None, thunor=None) -> pd.DataFrame:
    """One row per curve: our fit, thunor's, and their differences."""
    if wells is None:
        wells, thunor = load()
    ours = fit_many(wells, dose="dose", response="viability", curve=KEYS, fixed=MODELS[thunor_model]).table
    th = thunor[thunor.thunor_model == thunor_model].set_index(KEYS)
    o = ours.set_index(KEYS)
    t = th.reindex(o.index)
    out = pd.DataFrame(index=o.index)
    out["ours_fitted"] = (o.method != "not fitted").to_numpy()
    out["ours_flag"] = o.flag
    out["thunor_fitted"] = t.fitted.astype(bool)
    both = out.ours_fitted & out.thunor_fitted
    out["both"] = both
    with np.errstate(divide="ignore", invalid="ignore"):
        out["d_log10_ec50"] = np.log10(o.e) - np.log10(t.ec50_unclipped)
        out["d_log10_ic50"] = np.log10(o.abs_ic50) - np.log10(t.ic50_unclipped)
    out["d_emax"] = o.emax - t.emax
    aa = [(_activity_area(r.bottom, r.top, r.hill, r.e, r.dose_min, r.dose_max) if f else np.nan)
          for f, r in zip(out.ours_fitted, o.itertuples())]
    out["aa_ours"] = aa
    out["d_aa"] = out.aa_ours - t.aa
    g = wells.groupby(KEYS, sort=False)
    rss_t = []
    for key, r in t.iterrows():
        if not r.fitted:
            rss_t.append(np.nan)
            continue
        s = g.get_group(key)
        rss_t.append(float(((s.viability - _ll(s.dose.to_numpy(), r.hill, r.einf, r.e0, r.ec50_unclipped)) ** 2).sum()))
    out["rss_ours"] = o.rss
    out["rss_thunor"] = rss_t
    out["rss_rel"] = (out.rss_ours - out.rss_thunor) / out.rss_thunor
    out["thunor_hill"], out["thunor_bottom"], out["ours_hill"], out["ours_bottom"] = t.hill, t.einf, o.hill, o.bottom
    out["ours_e"], out["thunor_ec50"], out["dose_min"], out["dose_max"] = o.e, t.ec50_unclipped, o.dose_min, o.dose_max
    m = LE_MARGIN_DECADES
    out["thunor_inside_our_bounds"] = (both & (t.hill.abs() <= SLOPE_LIMIT) & (t.ec50_unclipped > o.dose_min * 10.0 ** -m)
                                       & (t.ec50_unclipped < o.dose_max * 10.0 ** m))
    # thunor's LL3u bounds: bottom in [0, 1], hill >= 0 (a rising curve ends on hill = 0)
    bound_t = (((t.einf <= 1e-9) | (t.einf >= 1 - 1e-9) | (t.hill <= 1e-9)) if thunor_model == "LL3u"
               else pd.Series(False, index=t.index))
    out["thunor_at_bound"] = bound_t & both
    # well-determined curves, by thunor's fit alone (so that the set does not depend on our flags): EC50 inside the
    # tested doses, a transition wider than the dose spacing (|hill| <= STEP_HILL: the 10-90 % rise spans 0.95/|hill|
    # decades, hts007's doses are half a decade apart), off thunor's bounds, and an effect of at least 0.2 at the top dose
    out["clean"] = (both & (t.ec50_unclipped >= o.dose_min) & (t.ec50_unclipped <= o.dose_max)
                    & (t.hill.abs() <= STEP_HILL) & ~bound_t & ((t.e0 - t.emax).abs() >= 0.2))
    out["cause"] = [_cause(r, thunor_model) for r in out.itertuples()]
    return out


def _cause(r, model):
    """Why our EC50 differs from thunor's by more than 0.01 decade on a curve both fit (README.md, section 'why')."""
    if not r.both or not abs(r.d_log10_ec50) > 0.01:
        return ""
    if model == "LL3u" and r.ours_hill > 0:
        return "rising curve (thunor LL3u forces a falling one)"
    if model == "LL3u" and r.thunor_at_bound:
        return "thunor on a bound of LL3u (bottom in [0, 1])"
    if abs(r.thunor_hill) > SLOPE_LIMIT:
        return "thunor hill beyond our slope limit 20"
    if min(abs(r.thunor_hill), abs(r.ours_hill)) > 2 * STEP_HILL and abs(r.rss_rel) <= 1e-5:
        return "a step between two doses: e anywhere in the gap (equal RSS)"
    if "at_bound" in r.ours_flag:
        return "our e or hill on its bound (e not identified)"
    if r.rss_rel < -RSS_REL:
        return "ours lower RSS (thunor stopped early)"
    if "not_converged" in r.ours_flag:
        return "ours not converged (LL4 ridge: bottom -> -inf with e -> inf)"
    if "flat" in r.ours_flag or "ambiguous" in r.ours_flag:
        return "not identified (flat or ambiguous; equal RSS)"
    if r.rss_rel > RSS_REL:
        return "thunor lower RSS"
    return "unexplained"


def summary(c: pd.DataFrame) -> dict:
    both, clean = c.both, c.clean
    q = lambda s: {"median": float(s.median()), "p90": float(s.quantile(0.9)), "max": float(s.max()),
                   "n": int(s.notna().sum())}
    inside = c.thunor_inside_our_bounds
    return {
        "curves": len(c), "thunor_fitted": int(c.thunor_fitted.sum()), "ours_fitted": int(c.ours_fitted.sum()),
        "ours_ok": int((c.ours_flag == "ok").sum()), "both": int(both.sum()), "clean": int(clean.sum()),
        "abs_d_log10_ec50_both": q(c.d_log10_ec50[both].abs()), "abs_d_log10_ec50_clean": q(c.d_log10_ec50[clean].abs()),
        "abs_d_log10_ic50_clean": q(c.d_log10_ic50[clean].abs()), "abs_d_emax_both": q(c.d_emax[both].abs()),
        "abs_d_emax_clean": q(c.d_emax[clean].abs()), "abs_d_aa_both": q(c.d_aa[both].abs()),
        "abs_d_aa_clean": q(c.d_aa[clean].abs()),
        "rss": {"ours_lower": int((both & (c.rss_rel < -RSS_REL)).sum()),
                "equal": int((both & (c.rss_rel.abs() <= RSS_REL)).sum()),
                "thunor_lower": int((both & (c.rss_rel > RSS_REL)).sum()),
                "thunor_lower_inside_our_bounds": int((inside & (c.rss_rel > RSS_REL)).sum()),
                "inside_our_bounds": int(inside.sum())},
        "causes": c.cause[c.cause != ""].value_counts().to_dict(),
        "thunor_not_fitted": _not_fitted(c),
    }


def _not_fitted(c):
    """thunor's fit_drc returns no curve when its EC50 is below the lowest dose (LL4 and LL3u) or more than 10x the
    top dose (LL3u); our fit of the same curve tells which rule applied."""
    nf = c[~c.thunor_fitted]
    below = nf.ours_e < nf.dose_min
    above = (nf.ours_e > 10 * nf.dose_max) & ~below
    step = (nf.ours_hill.abs() > 2 * STEP_HILL) & ~below & ~above
    return {"n": len(nf), "our_e_below_lowest_dose": int(below.sum()), "our_e_above_10x_top_dose": int(above.sum()),
            "a_step_(our_abs_hill_above_6)": int(step.sum()), "other": int((~below & ~above & ~step).sum())}


@pytest.fixture(scope="module", params=list(MODELS))
def comparison(request):
    return request.param, compare(request.param)


def test_every_curve_has_a_row(comparison):
    model, c = comparison
    _, thunor = load()
    th = thunor[thunor.thunor_model == model]
    assert len(c) == len(th) == 216
    assert set(c.index) == set(map(tuple, th[KEYS].to_numpy()))
    assert c.index.is_unique


def test_agreement_on_curves_both_fit_cleanly(comparison):
    _, c = comparison
    s = summary(c)
    assert s["both"] >= 180, s
    assert s["clean"] >= 70, s
    assert s["abs_d_log10_ec50_clean"]["median"] < TOL_MEDIAN_LOG10, s
    assert s["abs_d_log10_ec50_clean"]["p90"] < TOL_P90_LOG10, s
    assert s["abs_d_log10_ic50_clean"]["median"] < TOL_MEDIAN_LOG10, s
    assert s["abs_d_emax_clean"]["median"] < TOL_MEDIAN_RESPONSE, s
    assert s["abs_d_aa_clean"]["median"] < TOL_MEDIAN_RESPONSE, s
    # the full set of curves both fit, flagged ones included, still agrees at the median
    assert s["abs_d_log10_ec50_both"]["median"] < TOL_MEDIAN_LOG10_ALL, s
    assert s["abs_d_emax_both"]["median"] < TOL_MEDIAN_RESPONSE, s


def test_least_squares_optimum_never_worse_unflagged(comparison):
    """Where thunor's optimum lies inside our bounds, our RSS is no higher (both minimise the same sum of squares),
    except on curves we flag not_converged (flat curves stopped early, the LL4 ridge of partial curves); and on the
    well-determined curves ours is at least as low as thunor's."""
    _, c = comparison
    worse = c.thunor_inside_our_bounds & (c.rss_rel > RSS_REL)
    assert c.ours_flag[worse].str.contains("not_converged").all(), c[worse]
    assert worse.sum() <= 0.12 * c.thunor_inside_our_bounds.sum(), worse.sum()
    assert (c.rss_rel[c.clean] <= RSS_REL).mean() >= 0.95


def test_every_large_difference_has_a_named_cause(comparison):
    """A curve both fit whose EC50 differs by more than 0.01 decade falls in one of the causes README.md explains."""
    model, c = comparison
    big = c.both & (c.d_log10_ec50.abs() > 0.01)
    assert big.sum() >= 1
    assert (c.cause[big] != "").all()
    assert not (c.cause == "unexplained").any(), c[c.cause == "unexplained"]
    assert not (c.cause == "thunor lower RSS").any(), c[c.cause == "thunor lower RSS"]
    if model == "LL3u":  # thunor's bounds (bottom in [0, 1], hill >= 0) explain most of them
        assert (c.cause[big] == "thunor on a bound of LL3u (bottom in [0, 1])").sum() >= big.sum() / 2


def test_curves_thunor_rejects_are_kept_with_a_reason(comparison):
    """thunor's fit_drc drops a curve whose EC50 is below the lowest dose (and, for LL3u, above 10x the top dose);
    fit_many keeps every curve, and its own fit shows which rule applied (or a step, |hill| > 6)."""
    _, c = comparison
    nf = _not_fitted(c)
    assert nf["n"] == int((~c.thunor_fitted).sum()) >= 1
    assert nf["other"] <= 2, nf
    rejected = c[~c.thunor_fitted]
    other = rejected[(rejected.ours_e >= rejected.dose_min) & (rejected.ours_e <= 10 * rejected.dose_max)
                     & (rejected.ours_hill.abs() <= 2 * STEP_HILL)]
    assert other.ours_flag.str.contains("flat").all(), other  # no dose effect detectable: no EC50 either way
    assert rejected.ours_fitted.all()
    below = rejected.ours_e < rejected.dose_min
    assert rejected.ours_flag[below].str.contains("ic50_below_range|flat|at_bound").all()


@pytest.mark.skipif(importlib.util.find_spec("thunor") is None,
                    reason="thunor is not installed (test extra; thunor 1.0.3 needs pandas >= 3)")
def test_rederive_with_thunor(tmp_path):
    """thunor's reader and fits, re-run: the committed CSVs are what thunor produces."""
    if int(pd.__version__.split(".")[0]) < 3:
        pytest.skip(f"thunor needs pandas >= 3 to read hts007.h5; this environment has pandas {pd.__version__}")
    import runpy
    import shutil

    script = tmp_path / "make_thunor_hts007.py"
    shutil.copy(HERE / "make_thunor_hts007.py", script)
    runpy.run_path(str(script), run_name="__main__")
    wells, thunor = load()
    new_w = pd.read_csv(tmp_path / "hts007_viability_wells.csv", dtype={"cell_line": str, "drug": str, "plate": str})
    new_t = pd.read_csv(tmp_path / "thunor_hts007_fits.csv", dtype={"cell_line": str, "drug": str})
    pd.testing.assert_frame_equal(new_w, wells, rtol=1e-12)
    pd.testing.assert_frame_equal(new_t.drop(columns="thunor_version"), thunor.drop(columns="thunor_version"),
                                  rtol=1e-6)


if __name__ == "__main__":  # the numbers of tests/reference/thunor/README.md
    import json

    for name, fixed in MODELS.items():
        print(name, f"vs fit_many(fixed={fixed!r})")
        print(json.dumps(summary(compare(name)), indent=1))
