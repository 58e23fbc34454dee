"""GR values and metrics (``doseresponse.gr_metrics``) against the GR calculator's own R code.

References (tests/reference/gr/, README.md there):
- make_gr_input.py -> gr_input_caseC.csv: a simulated screen of 96 curves in the calculator's case-C layout;
- make_gr_reference.R sources GRmetrics' GRfunctions.R (datarail/gr_metrics @ 9c18132; drc 3.2.0, R 4.2.2) and runs
  its case-C conversion, GR values and drc fits -> gr_values_R.csv, gr_metrics_R.csv; the same least-squares
  problem polished by base R's nls (PORT, same bounds) from drc's estimate -> gr_polished_R.csv.

Measured agreement (tolerances are named below, each a few times the largest difference measured):
- GR values, matched control and time-zero counts (50 % trimmed means), GRmax, GR_AOC, flat fit: <= 5e-16 abs;
- sigmoid or flat: the same decision on all 96 curves; our residual sum of squares is never above drc's (nor above
  nls's by more than 1e-16);
- on 83 of the 84 sigmoid curves drc stopped within 1e-5 of our RSS: GEC50 differs by up to 1.1e-3 relative, h_GR
  6.7e-4, GR50 6.5e-4, GRinf 5.4e-5 absolute, p 1.6e-5 relative: drc's relTol 1e-6 stopping rule, since the
  nls-polished optimum agrees with ours to 2.5e-5 (2.0e-4 on one curve where nls also stopped early, with an RSS
  3.6e-10 above ours);
- on LineA drugC rep 1 48 h drc stops in a local optimum (RSS 1.4 % above ours): its GRinf 0.35 gives a GR50 of
  147 uM, far beyond the highest dose; ours GRinf 0.58 and GR50 = inf. On 6 flat curves drc's sigmoid RSS is up
  to 13 % above ours, so r2_GR and pval_GR differ there (the metrics are the flat fit's in both).
"""

import json
import os
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assaystats.doseresponse import gr_metrics
from tests._reference import record_arrays
from assaystats.doseresponse._gr import _trim_mean_r, gr_sigmoid
from assaystats.errors import AssayDataError

from ..conftest import REFERENCE, SHARED

GR = REFERENCE / "gr"
KEYS = ["cell_line", "perturbation", "agent", "replicate", "time"]
#: GR values and the summaries that need no fit: double rounding only (measured <= 5e-16)
EXACT = 1e-12
#: drc (relTol 1e-6) against our optimum on curves where both reach the same RSS: GEC50 1.1e-3, h 6.7e-4, GR50 6.5e-4
DRC_RTOL = 3e-3
#: GRinf (absolute), measured 5.4e-5
DRC_ATOL_GRINF = 3e-4
#: p and r2 on those curves (measured 1.6e-5 relative, 1.7e-7 absolute)
DRC_RTOL_P = 1e-4
DRC_ATOL_R2 = 1e-6
#: nls PORT polished from drc's estimate against ours (measured 2.0e-4 on the one curve where nls stopped early with
#: a 3.6e-10 larger RSS, <= 2.5e-5 on the rest)
NLS_RTOL = 1e-3
#: same optimum: RSS within this relative difference (drc's early stops leave up to 4e-6)
SAME_RSS = 1e-5
#: the sigmoid curve on which drc stops at a local optimum (RSS 1.4 % above ours)
DRC_LOCAL = {("LineA", "drugC", 1, 48)}
#: flat curves on which drc's sigmoid has a higher RSS than ours (up to 13 %): r2 and p differ there
DRC_FLAT_HIGHER = {("LineA", "drugD", 2, 72), ("LineB", "drugD", 1, 72), ("LineB", "drugD", 2, 48),
                   ("LineB", "drugD", 2, 72), ("LineC", "drugD", 1, 72), ("LineC", "drugD", 2, 48)}


def read_r(name):
    return pd.read_csv(GR / name, skipinitialspace=True)


@pytest.fixture(scope="module")
def case_c():
    inp = pd.read_csv(GR / "gr_input_caseC.csv")
    before = inp.copy()
    res = gr_metrics(inp, curve=KEYS, time="time")
    pd.testing.assert_frame_equal(inp, before)  # the input is never modified
    return res


@pytest.fixture(scope="module")
def merged(case_c):
    m = case_c.table.merge(read_r("gr_metrics_R.csv"), on=KEYS, suffixes=("", "_R"), validate="one_to_one")
    assert len(m) == len(case_c.table) == 96
    rss1 = m["rss"] / (1.0 - m["r2_GR"])
    m["rss_drc"] = rss1 * (1.0 - m["r2_GR_R"])
    return m


def _key(row):
    return (row.cell_line, row.agent, int(row.replicate), int(row.time))


def test_gr_values_and_case_c_matching_equal_the_calculator(case_c):
    v = read_r("gr_values_R.csv")
    ours = case_c.values
    assert len(ours) == len(v) == 972
    for k in KEYS + ["concentration", "cell_count"]:
        np.testing.assert_array_equal(ours[k].to_numpy(), v[k].to_numpy())
    np.testing.assert_allclose(ours["control_count"], v["cell_count__ctrl"], rtol=EXACT)
    np.testing.assert_allclose(ours["t0_count"], v["cell_count__time0"], rtol=EXACT)
    record_arrays("gr", "GR calculator, 96 simulated curves", "GR value", range(1, len(v) + 1), v["GR"], ours["GR"],
                  atol=EXACT, file="gr/gr_values_R.csv", rule="sum")
    np.testing.assert_allclose(ours["GR"], v["GR"], rtol=0, atol=EXACT)
    np.testing.assert_allclose(ours["rel_cell_count"], v["rel_cell_count"], rtol=EXACT)
    assert case_c.meta["control_by"] == ["cell_line", "perturbation", "replicate", "time"]
    assert case_c.meta["t0_by"] == ["cell_line", "perturbation"]


def test_summaries_and_fit_decision_equal_the_calculator(merged):
    m = merged
    assert (m["fit_GR"] == m["fit_GR_R"]).all()
    assert (m["fit_GR"] == "flat").sum() == 12
    terms = [" ".join(str(x) for x in _key(r)) for r in m.itertuples()]
    for q in ("GRmax", "GR_AOC"):
        record_arrays("gr", "GR calculator, 96 simulated curves", q, terms, m[q + "_R"], m[q], rtol=EXACT,
                      file="gr/gr_metrics_R.csv", rule="sum")
    np.testing.assert_allclose(m["GRmax"], m["GRmax_R"], rtol=EXACT)
    np.testing.assert_allclose(m["GR_AOC"], m["GR_AOC_R"], rtol=EXACT)
    np.testing.assert_allclose(m["flat_fit_GR"], m["flat_fit_GR_R"], rtol=EXACT)  # NaN for sigmoid curves in both
    flat = m["fit_GR"] == "flat"
    assert (m.loc[flat, "GEC50"] == 0).all() and (m.loc[flat, "h_GR"] == 0.01).all()
    np.testing.assert_array_equal(m.loc[flat, "GR50"], m.loc[flat, "GR50_R"])  # +inf / -inf by the mean GR
    np.testing.assert_allclose(m.loc[flat, "GRinf"], m.loc[flat, "GRinf_R"], rtol=EXACT)


def test_fit_is_never_worse_than_drc_and_agrees_where_drc_reaches_the_optimum(merged):
    m = merged
    assert (m["rss"] <= m["rss_drc"] * (1 + 1e-9) + 1e-15).all()
    same = (m["rss"] - m["rss_drc"]).abs() <= SAME_RSS * m["rss_drc"]
    sig = m["fit_GR"] == "sigmoid"
    assert {_key(r) for r in m[sig & ~same].itertuples()} == DRC_LOCAL
    assert {_key(r) for r in m[~sig & ~same].itertuples()} == DRC_FLAT_HIGHER
    s = m[sig & same]
    assert len(s) == 83
    terms = [" ".join(str(x) for x in _key(r)) for r in s.itertuples()]
    case = "GR calculator (drc fits), 83 sigmoid curves at the same optimum"
    for col, rtol, atol in (("GEC50", DRC_RTOL, 0.0), ("h_GR", DRC_RTOL, 0.0), ("GRinf", 0.0, DRC_ATOL_GRINF),
                            ("pval_GR", DRC_RTOL_P, 0.0)):
        record_arrays("gr", case, col, terms, s[col + "_R"], s[col], rtol=rtol, atol=atol,
                      file="gr/gr_metrics_R.csv", rule="sum")
    for col in ("GEC50", "h_GR"):
        np.testing.assert_allclose(s[col], s[col + "_R"], rtol=DRC_RTOL)
    fin = np.isfinite(s["GR50_R"])
    np.testing.assert_allclose(s.loc[fin, "GR50"], s.loc[fin, "GR50_R"], rtol=DRC_RTOL)
    np.testing.assert_array_equal(s.loc[~fin, "GR50"], s.loc[~fin, "GR50_R"])  # GRinf > 0.5: GR50 = inf in both
    np.testing.assert_allclose(s["GRinf"], s["GRinf_R"], rtol=0, atol=DRC_ATOL_GRINF)
    np.testing.assert_allclose(s["pval_GR"], s["pval_GR_R"], rtol=DRC_RTOL_P)
    np.testing.assert_allclose(s["r2_GR"], s["r2_GR_R"], rtol=0, atol=DRC_ATOL_R2)
    worst = m.loc[~same]
    assert ((worst["rss_drc"] - worst["rss"]) / worst["rss"]).max() == pytest.approx(0.1265, abs=5e-4)
    assert np.isinf(m.loc[sig & ~same, "GR50"]).all() and np.isfinite(m.loc[sig & ~same, "GR50_R"]).all()


def test_fit_agrees_with_the_nls_polished_optimum(case_c):
    pol = read_r("gr_polished_R.csv")
    m = case_c.table.merge(pol, on=KEYS, suffixes=("", "_nls"), validate="one_to_one")
    assert len(m) == 84
    assert (m["rss"] <= m["rss_nls"] * (1 + 1e-12) + 1e-16).all()
    for col in ("GEC50", "h_GR", "GRinf"):
        np.testing.assert_allclose(m[col], m[col + "_nls"], rtol=NLS_RTOL)


def test_case_a_columns_give_the_case_c_result(case_c):
    v = read_r("gr_values_R.csv")  # the calculator's case-A table (counts assigned to each well)
    a = gr_metrics(v, curve=KEYS, control_count="cell_count__ctrl", t0_count="cell_count__time0")
    assert a.meta["case"] == "A"
    cols = ["GR50", "GRmax", "GR_AOC", "GEC50", "GRinf", "h_GR", "r2_GR", "pval_GR", "rss"]
    np.testing.assert_allclose(a.table[cols].to_numpy(float), case_c.table[cols].to_numpy(float), rtol=1e-9)
    assert (a.table["fit_GR"] == case_c.table["fit_GR"]).all()


def test_trimmed_mean_is_the_calculators():
    # GRmetrics .trim_mean(x, 50): k = n/4 rounded to nearest, half integers down
    assert _trim_mean_r([1, 2, 30]) == 2.0  # k = 0.75 -> 1 cut each side (scipy's trim_mean gives 11)
    assert _trim_mean_r([1, 2, 3, 40, 50, 60]) == pytest.approx((3 + 40 + 2 + 50) / 4)  # k = 1.5 -> 1
    assert _trim_mean_r([5.0, 7.0]) == 6.0  # k = 0.5 -> 0
    assert _trim_mean_r([1, 2, 3, 4, 100, 6, 7, 8]) == pytest.approx((3 + 4 + 6 + 7) / 4)


# -- the calculator's published example (datarail/gr_metrics OUTPUT/), when shared/ holds it ------------------
def _toy_dir():
    for d in (os.environ.get("ASSAYSTATS_GR_TOY"), SHARED / "data" / "gr-metrics-toy"):
        if d and (Path(d) / "INPUT" / "toy_example_input1.tsv").exists():
            return Path(d)
    return None


#: GR50 of the published fits against ours on the curves they fit (measured: R 9.2e-5, Python 2.7e-3, MATLAB 5.4e-2,
#: all where GRinf is near 0.5 and GR50 hangs on the flat tail; each stops by its own rule)
TOY_GR50_RTOL = {"R": 5e-4, "python": 1e-2, "matlab": 0.1}
#: every implementation stops in the same local optimum here (RSS 2.9 % above ours, GRinf 0.584 against 0.605)
TOY_LOCAL = {("MCF7", "drugD", 0, 2, 48)}


@pytest.mark.skipif(_toy_dir() is None, reason="datarail/gr_metrics INPUT/ and OUTPUT/ not in shared/data/gr-metrics-toy")
@pytest.mark.parametrize("impl, names", [
    ("R", {"GR": "GR", "h_GR": "Hill", "pval_GR": "pval", "GEC50": "GEC50", "GR_AOC": "GR_AOC"}),
    ("matlab", {"GR": "GRvalue", "h_GR": "h_GR", "pval_GR": "pval_GR", "GEC50": "GEC50", "GR_AOC": "GR_AOC"}),
    ("python", {"GR": "GRvalue", "h_GR": "Hill", "pval_GR": "pval", "GEC50": "EC50", "GR_AOC": "GR_AUC"}),
])
def test_published_toy_example(impl, names):
    """the calculator's toy example 1 (case A) against its published R, MATLAB and Python outputs"""
    d = _toy_dir()
    keys = ["cell_line", "agent", "perturbation", "replicate", "time"]
    inp = pd.read_csv(d / "INPUT" / "toy_example_input1.tsv", sep="\t")
    res = gr_metrics(inp, curve=keys, control_count="cell_count__ctrl", t0_count="cell_count__time0")
    vals = pd.read_csv(d / "OUTPUT" / f"{impl}_input1_GRvalues.tsv", sep="\t")
    vals = vals[keys + ["concentration", names["GR"]]].rename(columns={names["GR"]: "GR_pub"})
    v = res.values.merge(vals, on=keys + ["concentration"], validate="one_to_one")
    assert len(v) == len(inp)
    np.testing.assert_allclose(v["GR"], v["GR_pub"], rtol=0, atol=1e-11)  # python's file: 12 digits
    pub = pd.read_csv(d / "OUTPUT" / f"{impl}_input1_GRmetrics.tsv", sep="\t")
    pub = pub.rename(columns={names[k]: k for k in ("h_GR", "pval_GR", "GEC50", "GR_AOC")})
    pub = pub[keys + ["GR50", "GRmax", "GR_AOC", "GEC50", "GRinf", "h_GR", "pval_GR"]]
    m = res.table.merge(pub, on=keys, suffixes=("", "_pub"), validate="one_to_one")
    assert len(m) == 112
    np.testing.assert_allclose(m["GRmax"], m["GRmax_pub"], rtol=1e-10, atol=1e-11)  # python: 12 digits
    np.testing.assert_allclose(m["GR_AOC"], m["GR_AOC_pub"], rtol=1e-10, atol=1e-11)
    assert ((m["fit_GR"] == "flat") == (m["GEC50_pub"] == 0)).all()
    # the published parameters' residual sum of squares on the same GR values: never below ours
    w = res.values.merge(m[keys + ["GEC50_pub", "GRinf_pub", "h_GR_pub", "fit_GR"]], on=keys)
    w = w[w["fit_GR"] == "sigmoid"]
    w["r2"] = (w["GR"] - gr_sigmoid(w["concentration"], w["GRinf_pub"], w["GEC50_pub"], w["h_GR_pub"])) ** 2
    s = m[m["fit_GR"] == "sigmoid"].merge(w.groupby(keys)["r2"].sum().rename("rss_pub").reset_index(), on=keys)
    assert len(s) == 100
    excess = (s["rss_pub"] - s["rss"]) / s["rss"]
    assert (excess >= -1e-9).all()
    assert {tuple(r) for r in s.loc[excess > 0.01, keys].itertuples(index=False)} == TOY_LOCAL
    t = s[excess <= 0.01]
    fin = np.isfinite(t["GR50_pub"])
    np.testing.assert_allclose(t.loc[fin, "GR50"], t.loc[fin, "GR50_pub"], rtol=TOY_GR50_RTOL[impl])
    np.testing.assert_array_equal(t.loc[~fin, "GR50"], t.loc[~fin, "GR50_pub"])


@pytest.mark.skipif(_toy_dir() is None, reason="datarail/gr_metrics INPUT/ and OUTPUT/ not in shared/data/gr-metrics-toy")
def test_published_toy_case_c_equals_case_a():
    """toy example 4 (case C: control and time-zero rows) gives toy example 1 (case A), as the calculator's own test"""
    d = _toy_dir()
    keys = ["cell_line", "agent", "perturbation", "replicate", "time"]
    a = gr_metrics(pd.read_csv(d / "INPUT" / "toy_example_input1.tsv", sep="\t"), curve=keys,
                   control_count="cell_count__ctrl", t0_count="cell_count__time0")
    c = gr_metrics(pd.read_csv(d / "INPUT" / "toy_example_input4.tsv", sep="\t"), curve=keys, time="time")
    assert c.meta["control_by"] == ["cell_line", "perturbation", "replicate", "time"]
    assert c.meta["t0_by"] == ["cell_line", "perturbation"]
    v = a.values.merge(c.values, on=keys + ["concentration"], suffixes=("", "_c"), validate="one_to_one")
    assert len(v) == len(a.values) == 1008
    for col in ("control_count", "t0_count", "GR"):
        np.testing.assert_allclose(v[col], v[col + "_c"], rtol=EXACT)
    m = a.table.merge(c.table, on=keys, suffixes=("", "_c"), validate="one_to_one")
    cols = ["GR50", "GRmax", "GR_AOC", "GEC50", "GRinf", "h_GR", "pval_GR"]
    np.testing.assert_allclose(m[cols].to_numpy(float), m[[k + "_c" for k in cols]].to_numpy(float), rtol=EXACT)


# -- properties ---------------------------------------------------------------------------------------------
DOSES = 10.0 ** np.arange(-3, 1.01, 0.5)


def _counts(gr, x0=400.0, xc=1600.0):
    return x0 * (xc / x0) ** np.log2(1.0 + gr)


@settings(max_examples=25, deadline=None)
@given(ginf=st.floats(-0.8, 0.3), le=st.floats(-2.5, 0.5), h=st.floats(0.5, 3.0), k=st.floats(0.01, 100.0))
def test_planted_curve_recovered_and_scale_invariant(ginf, le, h, k):
    gec50 = 10.0 ** le
    gr = gr_sigmoid(DOSES, ginf, gec50, h)
    df = pd.DataFrame({"c": "x", "dose": DOSES, "n": _counts(gr), "ctrl": 1600.0, "t0": 400.0})
    res = gr_metrics(df, dose="dose", curve="c", cell_count="n", control_count="ctrl", t0_count="t0")
    np.testing.assert_allclose(res.values["GR"], gr, rtol=0, atol=1e-12)
    row = res.table.iloc[0]
    assert row["fit_GR"] == "sigmoid" and row["flag"] in ("ok", "gec50_at_bound")
    planted = gec50 * ((1 - ginf) / (0.5 - ginf) - 1) ** (1 / h)
    assert row["GR50"] == pytest.approx(planted, rel=1e-5)
    assert row["GEC50"] == pytest.approx(gec50, rel=1e-5)
    assert row["h_GR"] == pytest.approx(h, rel=1e-5)
    assert row["GRinf"] == pytest.approx(ginf, abs=1e-6)
    # every count of the curve multiplied by k: the same GR values and metrics
    scaled = df.assign(n=df["n"] * k, ctrl=df["ctrl"] * k, t0=df["t0"] * k)
    res2 = gr_metrics(scaled, dose="dose", curve="c", cell_count="n", control_count="ctrl", t0_count="t0")
    np.testing.assert_allclose(res2.values["GR"], res.values["GR"], rtol=0, atol=1e-12)
    cols = ["GR50", "GRmax", "GR_AOC", "GEC50", "GRinf", "h_GR"]
    np.testing.assert_allclose(res2.table[cols].to_numpy(float), res.table[cols].to_numpy(float), rtol=1e-6,
                               atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.floats(0.1, 10.0))
def test_curves_are_fitted_independently(seed, k):
    """a screen gives each curve the metrics it has alone; rescaling one curve's counts changes nothing."""
    rng = np.random.default_rng(seed)
    frames = []
    for c in range(3):
        gr = gr_sigmoid(DOSES, rng.uniform(-0.5, 0.8), 10 ** rng.uniform(-2, 0), rng.uniform(0.6, 2.5))
        x = _counts(gr) * rng.lognormal(0, 0.05, DOSES.size)
        frames.append(pd.DataFrame({"c": f"c{c}", "dose": DOSES, "n": x, "ctrl": 1600.0, "t0": 400.0}))
    df = pd.concat(frames, ignore_index=True)
    kw = {"dose": "dose", "curve": "c", "cell_count": "n", "control_count": "ctrl", "t0_count": "t0"}
    whole = gr_metrics(df, **kw).table
    cols = ["GR50", "GRmax", "GR_AOC", "GEC50", "GRinf", "h_GR", "pval_GR"]
    alone = gr_metrics(frames[1], **kw).table
    np.testing.assert_allclose(whole.loc[1, cols].to_numpy(float), alone.loc[0, cols].to_numpy(float), rtol=1e-6,
                               atol=1e-9)
    sc = df.copy()
    one = sc["c"] == "c2"
    sc.loc[one, ["n", "ctrl", "t0"]] *= k
    np.testing.assert_allclose(gr_metrics(sc, **kw).table[cols].to_numpy(float), whole[cols].to_numpy(float),
                               rtol=1e-6, atol=1e-9)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_fit_no_worse_than_scipy_from_several_starts(seed):
    """on noisy curves (steep and shallow, partial and cytotoxic) our RSS is never above scipy's bounded
    least_squares started from the calculator's start and from five spread-out points"""
    from scipy.optimize import least_squares

    rng = np.random.default_rng(seed)
    gr = gr_sigmoid(DOSES, rng.uniform(-0.8, 0.9), 10 ** rng.uniform(-3, 1), rng.uniform(0.3, 5.0))
    x = _counts(gr) * rng.lognormal(0, 0.08, DOSES.size)
    df = pd.DataFrame({"c": "x", "dose": DOSES, "n": x, "ctrl": 1600.0, "t0": 400.0})
    res = gr_metrics(df, dose="dose", curve="c", cell_count="n", control_count="ctrl", t0_count="t0")
    y = res.values["GR"].to_numpy()
    lo, hi = [-1.0, -5.0, 0.1], [1.0, 3.0, 5.0]
    best = np.inf
    for start in ([0.1, np.log10(np.median(DOSES)), 2.0], [0.0, -4.0, 0.5], [0.5, -2.0, 1.0], [-0.5, -1.0, 4.0],
                  [0.8, 0.0, 5.0], [0.3, 2.0, 0.2]):
        sol = least_squares(lambda p: gr_sigmoid(DOSES, p[0], 10.0 ** p[1], p[2]) - y, start, bounds=(lo, hi),
                            xtol=1e-14, ftol=1e-14, gtol=1e-14)
        best = min(best, float(np.sum(sol.fun ** 2)))
    assert res.table.loc[0, "rss"] <= best * (1 + 1e-9) + 1e-14


# -- bad input and flags ------------------------------------------------------------------------------------
def _case_a():
    gr = gr_sigmoid(DOSES, 0.0, 0.1, 1.0)
    return pd.DataFrame({"line": np.repeat(["L1", "L2"], DOSES.size), "dose": np.tile(DOSES, 2),
                         "n": np.tile(_counts(gr), 2), "ctrl": 1600.0, "t0": 400.0})


KW = {"dose": "dose", "curve": "line", "cell_count": "n", "control_count": "ctrl", "t0_count": "t0"}


def test_missing_column_is_named():
    with pytest.raises(AssayDataError, match="column 'ctrl' not found") as e:
        gr_metrics(_case_a().drop(columns="ctrl"), **KW)
    assert e.value.column == "ctrl"


@pytest.mark.parametrize("col, value, what", [("n", 0.0, "cell"), ("n", -5.0, "cell"), ("ctrl", 0.0, "control"),
                                              ("t0", -1.0, "time-zero")])
def test_zero_or_negative_counts_are_named(col, value, what):
    df = _case_a()
    df.loc[[3, 12], col] = value
    with pytest.raises(AssayDataError, match=f"{what} counts <= 0 .rows 4: .*, 13: ") as e:
        gr_metrics(df, **KW)
    assert e.value.column == col and e.value.rows == [4, 13]


def test_curve_without_time_zero_count_is_named():
    df = _case_a()
    df.loc[df["line"] == "L2", "t0"] = np.nan
    with pytest.raises(AssayDataError, match="no time-zero count for rows 10, 11, 12 and 6 more .*L2") as e:
        gr_metrics(df, **KW)
    assert e.value.column == "t0" and e.value.rows[0] == 10


def test_curve_without_control_count_is_named():
    df = _case_a()
    df.loc[[10, 11], "ctrl"] = np.nan
    with pytest.raises(AssayDataError, match="column 'ctrl' has no control count for rows 11, 12 .line='L2'") as e:
        gr_metrics(df, **KW)
    assert e.value.column == "ctrl" and e.value.rows == [11, 12]


def test_case_c_curve_without_control_rows_is_named():
    inp = pd.read_csv(GR / "gr_input_caseC.csv")
    drop = (inp["cell_line"] == "LineB") & (inp["concentration"] == 0) & (inp["replicate"] == 2) & (inp["time"] == 72)
    with pytest.raises(AssayDataError, match="no control rows match rows .*LineB.* on 'cell_line'") as e:
        gr_metrics(inp[~drop], curve=KEYS, time="time")
    assert e.value.column == "concentration"
    rows = np.asarray(e.value.rows) - 1
    kept = inp[~drop].reset_index(drop=True)
    assert (kept.loc[rows, "cell_line"] == "LineB").all() and (kept.loc[rows, "time"] == 72).all()


def test_case_c_curve_without_time_zero_rows_is_named():
    inp = pd.read_csv(GR / "gr_input_caseC.csv")
    drop = (inp["cell_line"] == "LineC") & (inp["time"] == 0)
    with pytest.raises(AssayDataError, match="no time-zero rows match") as e:
        gr_metrics(inp[~drop], curve=KEYS, time="time")
    assert e.value.column == "time"


def test_time_needed_without_t0_column():
    with pytest.raises(AssayDataError, match="time="):
        gr_metrics(_case_a(), dose="dose", curve="line", cell_count="n", control_count="ctrl")


def test_missing_and_negative_doses_are_named():
    df = _case_a()
    df.loc[5, "dose"] = np.nan
    with pytest.raises(AssayDataError, match="column 'dose' has 1 missing value .row 6") as e:
        gr_metrics(df, **KW)
    assert e.value.rows == [6]
    df.loc[5, "dose"] = -1.0
    with pytest.raises(AssayDataError, match="negative"):
        gr_metrics(df, **KW)


def test_a_bad_curve_is_flagged_and_the_others_are_fitted():
    df = _case_a()
    two = pd.DataFrame({"line": "L3", "dose": [0.1, 1.0], "n": [900.0, 500.0], "ctrl": 1600.0, "t0": 400.0})
    same = pd.DataFrame({"line": "L4", "dose": DOSES, "n": 500.0, "ctrl": 400.0, "t0": 400.0})
    shrink = df[df["line"] == "L1"].assign(line="L5", ctrl=300.0)
    one_dose = pd.DataFrame({"line": "L6", "dose": 1.0, "n": [700.0, 650.0, 720.0], "ctrl": 1600.0, "t0": 400.0})
    constant = pd.DataFrame({"line": "L7", "dose": DOSES, "n": 800.0, "ctrl": 1600.0, "t0": 400.0})
    res = gr_metrics(pd.concat([df, two, same, shrink, one_dose, constant], ignore_index=True), **KW)
    t = res.table.set_index("line")
    assert list(t.index) == ["L1", "L2", "L3", "L4", "L5", "L6", "L7"]
    assert t.loc["L6", "flag"] == "too_few_doses" and t.loc["L6", "fit_GR"] == "not fitted"
    assert np.isnan(t.loc["L6", "GR_AOC"]) and t.loc["L6", "n_doses"] == 1
    assert t.loc["L7", "flag"] == "no_variation" and t.loc["L7", "fit_GR"] == "flat"
    # x / x0 = 2, x_ctrl / x0 = 4: GR = 2 ** (1 / 2) - 1 everywhere, below 0.5, so GR50 = -inf
    assert t.loc["L7", "GRinf"] == pytest.approx(2 ** 0.5 - 1, abs=1e-12) and t.loc["L7", "GR50"] == -np.inf
    assert t.loc["L1", "flag"] == "ok" and t.loc["L2", "flag"] == "ok"
    assert t.loc["L1", "GR50"] == pytest.approx(0.1 * (1 / 0.5 - 1), rel=1e-6)
    assert t.loc["L3", "flag"] == "too_few_points" and t.loc["L3", "fit_GR"] == "not fitted"
    assert np.isnan(t.loc["L3", "GR50"]) and t.loc["L3", "GRmax"] < 1
    assert t.loc["L4", "flag"].startswith("control_equals_time0") and np.isnan(t.loc["L4", "GRmax"])
    assert res.values.loc[res.values["line"] == "L4", "GR"].isna().all()
    assert t.loc["L5", "flag"] == "control_below_time0"  # computed as the calculator does, and flagged


def test_flat_curve_reported_as_the_calculator():
    df = pd.DataFrame({"c": "x", "dose": DOSES, "n": _counts(np.array([0.9, 0.95, 0.85, 0.9, 0.93, 0.88, 0.91,
                                                                         0.86, 0.92])), "ctrl": 1600.0, "t0": 400.0})
    row = gr_metrics(df, dose="dose", curve="c", cell_count="n", control_count="ctrl", t0_count="t0").table.iloc[0]
    assert row["fit_GR"] == "flat" and row["pval_GR"] >= 0.05
    assert row["GEC50"] == 0 and row["h_GR"] == 0.01 and row["GR50"] == np.inf
    assert row["GRinf"] == pytest.approx(row["flat_fit_GR"]) == pytest.approx(np.mean(
        [0.9, 0.95, 0.85, 0.9, 0.93, 0.88, 0.91, 0.86, 0.92]), abs=1e-12)
    # pcutoff 1 keeps the sigmoid (R's force = TRUE)
    forced = gr_metrics(df, dose="dose", curve="c", cell_count="n", control_count="ctrl", t0_count="t0", pcutoff=1)
    assert forced.table.loc[0, "fit_GR"] == "sigmoid"


def test_result_protocol(case_c):
    import matplotlib.pyplot as plt

    assert set(case_c.tables()) == {"gr_metrics", "gr_values"}
    json.dumps(case_c.to_dict())
    md = case_c.to_markdown()
    assert md.startswith("## GR metrics") and "96 GR curves: 84 sigmoid, 12 flat" in md
    _, ax = plt.subplots()
    assert case_c.plot(ax=ax) is ax
    assert len(ax.lines) >= 10
    fig2 = case_c.figures()["gr_curves"]()
    assert fig2.axes
    with pytest.raises(FrozenInstanceError):
        case_c.table = None
    assert list(case_c.table.columns[:5]) == KEYS
    assert list(case_c.table.columns[5:]) == ["GR50", "GRmax", "GR_AOC", "GEC50", "GRinf", "h_GR", "r2_GR", "pval_GR",
                                              "fit_GR", "flat_fit_GR", "rss", "n", "n_doses", "dose_min", "dose_max",
                                              "flag"]


def test_case_a_untreated_rows_are_counted_not_fitted():
    df = _case_a()
    untreated = pd.DataFrame({"line": "L1", "dose": [0.0, 0.0], "n": 1600.0, "ctrl": 1600.0, "t0": 400.0})
    res = gr_metrics(pd.concat([df, untreated], ignore_index=True), **KW)
    assert res.meta["n_untreated_rows_not_used"] == 2 and res.meta["n_treated"] == len(df)
    np.testing.assert_allclose(res.table[["GR50", "GEC50"]].to_numpy(float),
                               gr_metrics(df, **KW).table[["GR50", "GEC50"]].to_numpy(float), rtol=1e-12)


def test_bad_options_are_named():
    with pytest.raises(AssayDataError, match="pcutoff"):
        gr_metrics(_case_a(), **KW, pcutoff=0)
    with pytest.raises(AssayDataError, match="curve must name"):
        gr_metrics(_case_a(), **{**KW, "curve": []})
    with pytest.raises(AssayDataError, match="DataFrame"):
        gr_metrics(_case_a().to_dict(), **KW)


# -- dask ---------------------------------------------------------------------------------------------------
def test_dask_frame_gives_the_in_memory_result():
    dd = pytest.importorskip("dask.dataframe")
    v = read_r("gr_values_R.csv")  # case A: counts assigned to each well
    v = pd.concat([v, v.iloc[:2].assign(concentration=0.0)], ignore_index=True)  # untreated rows: left out
    kw = {"curve": KEYS, "control_count": "cell_count__ctrl", "t0_count": "cell_count__time0"}
    mem = gr_metrics(v, **kw)
    res = gr_metrics(dd.from_pandas(v, npartitions=5), **kw)
    # dask reads text columns as pyarrow strings: equal values, other dtype
    pd.testing.assert_frame_equal(res.table, mem.table, check_dtype=False)
    pd.testing.assert_frame_equal(res.values, mem.values, check_dtype=False)
    for k in ("n", "n_treated", "n_curves", "n_untreated_rows_not_used"):
        assert res.meta[k] == mem.meta[k]
    assert res.meta["dask"]["npartitions"] == 5


def test_dask_errors_name_the_input_position():
    dd = pytest.importorskip("dask.dataframe")
    v = read_r("gr_values_R.csv")
    v.loc[500, "cell_count"] = 0
    kw = {"curve": KEYS, "control_count": "cell_count__ctrl", "t0_count": "cell_count__time0"}
    ddf = dd.from_pandas(v, npartitions=3)
    sizes = ddf.map_partitions(len).compute().tolist()
    part = int(np.searchsorted(np.cumsum(sizes), 500, side="right"))
    row = 500 - int(np.sum(sizes[:part]))
    with pytest.raises(AssayDataError, match=rf"cell count <= 0 .*\[in the dask input: partition {part} row {row} "):
        gr_metrics(ddf, **kw)
    with pytest.raises(AssayDataError, match="case A"):
        gr_metrics(dd.from_pandas(pd.read_csv(GR / "gr_input_caseC.csv"), npartitions=2), curve=KEYS, time="time")
