"""NanoString zero counts and background handling against NanoStringNorm (issue 11).

Reference: NanoStringNorm 1.2.1.1 (NanoString's gene-expression data analysis guidelines as it implements them),
run by tests/reference/nanostring/make_reference_nanostringnorm.R on the bundled SKMEL RCC files, as they are
(six Endogenous zeros, one Negative zero) and with one more zero in every probe class (Positive POS_F, Negative
NEG_A, Housekeeping CC2D1B, Endogenous TP53). Background 'none' and 'subtract' are NanoStringNorm's own
(Background = 'none' / 'mean.2sd'); 'threshold' uses its positive scaling, background level and housekeeping
scaling with the thresholding step in base R. Tolerances: ``RTOL`` = 5e-11 for factors, log2 values, log2FC,
t and df (achieved 4.4e-12, 4.1e-12, 5.5e-12, 5.2e-12, 2.4e-12) and ``RTOL_P`` = 5e-11 for Welch p and BH q
(4.8e-12, 4.3e-12): the reference is written with 12 significant digits, whose rounding alone leaves up to
5e-12; ten times that floor."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.assays import nanostring
from assaystats.cli import main
from assaystats.io import read_rcc
from tests._reference import Reference, record_arrays

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "nanostring_skmel"
REF = ROOT / "tests" / "reference" / "nanostring"
ref = Reference("nanostring/reference_nanostringnorm.csv")
RTOL = 5e-11
RTOL_P = 5e-11

#: the zeros the reference script sets, one per probe class: (file, probe)
ZEROS = [("SKMEL2-DMSO-8h-R1_04.RCC", "POS_F(0.125)"), ("SKMEL2-VEM-8h-R1_10.RCC", "NEG_A(0)"),
         ("SKMEL28-VEM-8h-R2_10.RCC", "CC2D1B"), ("SKMEL28-DMSO-8h-R1_04.RCC", "TP53")]
#: the Endogenous zeros already in the files (issue 11: log2FC about +-333 with background 'none')
NATURAL_ZEROS = {"wt/wt": ["CSF3R", "IL1RN", "TNFSF14"], "mut/mut": ["CCR5", "IL22RA1", "FASLG"]}


@pytest.fixture(scope="module")
def parsed():
    return [read_rcc(f) for f in sorted(DATA.glob("*.RCC"))]


@pytest.fixture(scope="module")
def design():
    return pd.read_csv(DATA / "3D_SolidTumor_PhenoData.csv")


def _with_zeros(parsed):
    out = copy.deepcopy(parsed)
    by_file = {r["file"]: r for r in out}
    for f, probe in ZEROS:
        cs = by_file[f]["code_summary"]
        hit = cs.Name == probe
        assert hit.sum() == 1 and cs.loc[hit, "Count"].iloc[0] > 0
        cs.loc[hit, "Count"] = 0
    return out


def _run(parsed, design, case):
    background = case.removeprefix("zeros_")
    rccs = _with_zeros(parsed) if case.startswith("zeros_") else parsed
    return nanostring(rccs, design=design, group="Treatment", control="DMSO", by="BRAFGenotype",
                      background=background)


CASES = ["none", "subtract", "threshold", "zeros_none", "zeros_subtract", "zeros_threshold"]


@pytest.fixture(scope="module")
def results(parsed, design):
    return {case: _run(parsed, design, case) for case in CASES}


@pytest.mark.parametrize("case", CASES)
def test_factors_equal_nanostringnorm(results, case):
    qc = results[case].qc.set_index("file")
    for f in qc.index:
        for col in ("pos_geomean", "pos_factor", "hk_geomean", "hk_factor"):
            assert qc.loc[f, col] == pytest.approx(ref(case, col, f), rel=RTOL), (f, col)
        if not case.endswith("none"):
            assert qc.loc[f, "background"] == pytest.approx(ref(case, "background", f), rel=RTOL), f
    # no lane is scaled by ~1e50 for one zero, and no lane is flagged for it
    assert qc.pos_factor.between(0.3, 3).all() and qc.hk_factor.between(0.1, 10).all()
    assert not qc["flags"].str.contains("factor").any()


@pytest.mark.parametrize("case", CASES)
def test_log2_normalised_counts_equal_nanostringnorm(results, case):
    want = pd.read_csv(REF / f"nsn_{case}_log2.csv").set_index("gene")
    n = results[case].normalized
    n = n[n.code_class.isin(["Endogenous", "Housekeeping"])]
    got = n.pivot_table(index="gene", columns="sample", values="log2_normalized").reindex(
        index=want.index, columns=want.columns.drop("code_class"))
    assert got.notna().all().all()
    terms = [f"{g}|{s}" for g in got.index for s in got.columns]
    record_arrays("nanostring", case, "log2_normalized", terms, want.drop(columns="code_class").to_numpy(float),
                  got.to_numpy(float), rtol=RTOL, atol=1e-12, file=f"nanostring/nsn_{case}_log2.csv", rule="sum",
                  source="make_reference_nanostringnorm.R (R 4.2.2; NanoStringNorm 1.2.1.1)")
    np.testing.assert_allclose(got.to_numpy(float), want.drop(columns="code_class").to_numpy(float),
                               rtol=RTOL, atol=1e-12)
    assert (got.to_numpy() >= 0).all()  # a zero count is log2(1) = 0, never log2(1e-300) = -996.6


@pytest.mark.parametrize("case", CASES)
def test_differential_expression_equals_nanostringnorm(results, case):
    want = pd.read_csv(REF / f"nsn_{case}_de.csv", keep_default_na=True).set_index(["within", "gene"])
    d = results[case].differential.set_index(["within", "gene"]).reindex(want.index)
    tested = want.tested.astype(bool)
    np.testing.assert_array_equal(d.tested.to_numpy(bool), tested.to_numpy())
    if not case.endswith("threshold"):  # NanoStringNorm's own trait test leaves out the same genes
        np.testing.assert_array_equal(tested.to_numpy(), want.nsn_tested.astype(bool).to_numpy())
    t = d[tested.to_numpy()]
    w = want[tested]
    terms = [f"{a}|{g}" for a, g in w.index]
    for q, ours, theirs, rtol, atol in (("log2fc", t.log2fc, w.log2fc, RTOL, 1e-12), ("t", t.statistic, w.t, RTOL, 0),
                                        ("df", t.df, w.df, RTOL, 0), ("p", t.p_value, w.p, RTOL_P, 0),
                                        ("q", t.q_value, w.q, RTOL_P, 0)):
        record_arrays("nanostring", case, q, terms, theirs.to_numpy(float), ours.to_numpy(float), rtol=rtol,
                      atol=atol, file=f"nanostring/nsn_{case}_de.csv", rule="sum",
                      source="make_reference_nanostringnorm.R (R 4.2.2; NanoStringNorm 1.2.1.1)")
    np.testing.assert_allclose(t.log2fc.to_numpy(float), w.log2fc.to_numpy(float), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(t.statistic.to_numpy(float), w.t.to_numpy(float), rtol=RTOL)
    np.testing.assert_allclose(t.df.to_numpy(float), w.df.to_numpy(float), rtol=RTOL)
    np.testing.assert_allclose(t.p_value.to_numpy(float), w.p.to_numpy(float), rtol=RTOL_P)
    np.testing.assert_allclose(t.q_value.to_numpy(float), w.q.to_numpy(float), rtol=RTOL_P)
    u = d[~tested.to_numpy()]
    assert u[["log2fc", "p_value", "q_value", "statistic", "ci_low"]].isna().all().all()
    assert u.method.str.startswith("not tested").all()
    assert (d.log2fc.abs().dropna() < 20).all()


def test_the_six_zero_cells_no_longer_give_333(results):
    d = results["none"].differential.set_index(["within", "gene"])
    for stratum, genes in NATURAL_ZEROS.items():
        for g in genes:
            assert abs(d.loc[(stratum, g), "log2fc"]) < 3, (stratum, g)


def test_genes_at_background_everywhere_are_not_tested_with_a_note(results):
    res = results["subtract"]
    d = res.differential.set_index(["within", "gene"])
    # IL22RA2 in SKMEL28: before, a fold change of housekeeping factors alone (log2FC 0.248, p 0.34)
    r = d.loc[("mut/mut", "IL22RA2")]
    assert not r.tested and np.isnan(r.log2fc) and np.isnan(r.p_value)
    n = res.normalized
    il = n[(n.gene == "IL22RA2") & n["sample"].str.startswith("SKMEL28")]
    # subtracted to 0 (NanoStringNorm), not 1; one lane keeps 0.4 counts, below 1 after scaling, so all are log2 0
    assert (il.bgadj < 0.5).all() and (il.bgadj == 0).sum() == 5 and (il.log2_normalized == 0).all()
    assert r.method == "not tested: no variation within either group"
    assert d.loc[("mut/mut", "CSF3R"), "method"] == "not tested: at or below the background in every sample"
    notes = [x for x in res.meta["notes"] if x.startswith("VEM vs DMSO within mut/mut")]
    assert len(notes) == 1 and "30 of 180 genes not tested" in notes[0] and "150 genes tested" in notes[0]
    assert "at or below the background in every sample" in notes[0] and "no variation" in notes[0]
    # threshold (default): the same rule, by the positive-normalised count against the background
    thr = results["threshold"]
    t = thr.differential.set_index(["within", "gene"])
    assert not t.loc[("mut/mut", "CSF3R"), "tested"] and t.loc[("mut/mut", "CCND1"), "tested"]
    assert t.loc[("mut/mut", "CCND1"), "q_value"] < 0.05
    s = thr.summary()
    assert "of 156 genes tested" in s and "24 not tested" in s


def test_background_none_tests_every_gene_but_flat_ones(parsed, design):
    """With background 'none' no gene is 'at background'; a gene with every count zero is flat and not tested."""
    rccs = copy.deepcopy(parsed)
    for r in rccs:
        cs = r["code_summary"]
        cs.loc[cs.Name == "CCND1", "Count"] = 0
    res = nanostring(rccs, design=design, group="Treatment", control="DMSO", by="BRAFGenotype", background="none")
    d = res.differential
    assert (d.tested == (d.gene != "CCND1")).all()
    assert (d[d.gene == "CCND1"].method == "not tested: no variation within either group").all()
    assert any("1 no variation within either group (CCND1)" in x for x in res.meta["notes"])


def test_zero_positive_and_housekeeping_counts_keep_the_cohort_scale(parsed):
    """A zero positive control or housekeeping count counts as 1 in its geometric mean (NanoStringNorm's rule):
    its lane moves by a modest factor, not ~1e50, and the other lanes barely move."""
    base = nanostring(parsed, background="none").qc.set_index("file")
    z = nanostring(_with_zeros(parsed), background="none").qc.set_index("file")
    # POS_F 20 -> 0 (counted as 1): the positive geometric mean falls by 20^(1/6)
    f = "SKMEL2-DMSO-8h-R1_04.RCC"
    assert base.loc[f, "pos_geomean"] / z.loc[f, "pos_geomean"] == pytest.approx(20 ** (1 / 6), rel=1e-12)
    assert (z.pos_factor.between(0.3, 3)).all() and (z.hk_factor.between(0.1, 10)).all()
    assert (z["flags"] == "ok").all()


def test_nanostring_command_with_background_none_writes_no_huge_fold_change(tmp_path):
    out = tmp_path / "ns"
    pheno = DATA / "3D_SolidTumor_PhenoData.csv"
    assert main(["nanostring", str(DATA), "--design", str(pheno), "--group", "Treatment", "--control", "DMSO",
                 "--by", "BRAFGenotype", "--background", "none", "--out", str(out)]) == 0
    diff = pd.read_csv(out / "tables" / "differential.csv")
    assert diff.log2fc.abs().max() < 10
    norm = pd.read_csv(out / "tables" / "normalized.csv")
    assert norm.log2_normalized.min() >= 0
