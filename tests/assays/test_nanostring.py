"""NanoString on real RCC files (data/nanostring_skmel, a copy of ../shared/data/nanostring-skmel: NanoStringNCTools
example data, MIT) with the default background ('threshold'), against NanoStringNorm 1.2.1.1
(tests/reference/nanostring/make_reference_nanostringnorm.R): its positive scaling, mean + 2 SD background level
and housekeeping scaling, with the thresholding step in base R (NanoStringNorm has no such mode); the lane QC
as NanoStringNorm's RCC reader parses it; geNorm M of the housekeeping genes by ctrlGene's measureM. The
positive-control R^2 and the limit-of-detection flag are NanoString's guideline definitions typed in that script
(hand-derived: no package computes them; R^2 by stats::lm).

Tolerance ``RTOL`` = 5e-11 for everything (achieved 4.1e-12 factors, 4.6e-12 log2 values, 1.5e-12 geNorm M,
4.3e-12 log2FC, 3.7e-12 p, 1.6e-12 q): the reference is written with 12 significant digits, whose rounding alone
leaves up to 5e-12; ten times that floor. The background-none and background-subtract paths and zero counts:
test_nanostring_zeros.py."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.assays import nanostring
from assaystats.cli import main
from assaystats.errors import AssayDataError
from assaystats.io import read_rcc
from tests._reference import Reference

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "nanostring_skmel"
REF = ROOT / "tests" / "reference" / "nanostring"
RTOL = 5e-11

ref = Reference("nanostring/reference_nanostringnorm.csv")


@pytest.fixture(scope="module")
def res():
    files = sorted(DATA.glob("*.RCC"))
    design = pd.read_csv(DATA / "3D_SolidTumor_PhenoData.csv")
    return nanostring(files, design=design, group="Treatment", control="DMSO", by="BRAFGenotype")


def test_rcc_reader_keeps_every_code_class():
    r = read_rcc(DATA / "SKMEL28-VEM-8h-R1_10.RCC")
    classes = set(r["code_summary"].CodeClass)
    assert {"Endogenous", "Housekeeping", "Positive", "Negative", "PROTEIN", "SNV_REF", "SNV_VAR"} <= classes
    assert r["lane_attributes"]["FovCount"] == "280" and r["sample_attributes"]["GeneRLF"] == "3D_SolidTumor_Sig"


def test_normalisation_factors_and_qc(res):
    qc = res.qc.set_index("file")
    assert len(qc) == 12
    for f in qc.index:
        for col in ("pos_geomean", "pos_factor", "background", "hk_geomean", "hk_factor"):
            assert qc.loc[f, col] == pytest.approx(ref("threshold", col, f), rel=RTOL), (f, col)
        for col in ("fov_ratio", "binding_density", "pos_r2"):
            assert qc.loc[f, col] == pytest.approx(ref("qc", col, f), rel=RTOL), (f, col)
        assert qc.loc[f, "lod_ok"] == bool(ref("qc", "lod_ok", f))
    assert (qc["flags"] == "ok").all()


def test_normalised_values(res):
    want = pd.read_csv(REF / "nsn_threshold_log2.csv").set_index("gene")
    n = res.normalized.set_index(["sample", "gene"])
    files = sorted(p.name for p in DATA.glob("*.RCC"))
    for g in ("CCND1", "MYC", "SPRY4", "TP53", "NUBP1"):
        for f in files:
            assert n.loc[(f, g), "log2_normalized"] == pytest.approx(want.loc[g, f], rel=RTOL), (f, g)


def test_housekeeping_stability(res):
    """geNorm M (Vandesompele 2002) of the 12 housekeeping genes: ctrlGene::measureM on the positive-normalised
    counts of NanoStringNorm's code.count.normalization."""
    st = res.stability.set_index("gene")
    assert len(st) == 12
    for g in st.index:
        assert st.loc[g, "genorm_m"] == pytest.approx(ref("hk_stability", "genorm_m", g), rel=RTOL)


def test_vemurafenib_lowers_mapk_targets_only_in_braf_mutant(res):
    want = pd.read_csv(REF / "nsn_threshold_de.csv").set_index(["within", "gene"])
    d = res.differential.set_index(["within", "gene"]).reindex(want.index)
    tested = want.tested.astype(bool).to_numpy()
    # issue 11: a gene at or below the background in every sample of the comparison is not tested
    np.testing.assert_array_equal(d.tested.to_numpy(bool), tested)
    assert d[~tested][["log2fc", "p_value", "q_value"]].isna().all().all()
    t, w = d[tested], want[tested]
    np.testing.assert_allclose(t.log2fc.to_numpy(float), w.log2fc.to_numpy(float), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(t.p_value.to_numpy(float), w.p.to_numpy(float), rtol=RTOL)
    np.testing.assert_allclose(t.q_value.to_numpy(float), w.q.to_numpy(float), rtol=RTOL)
    mut = res.differential[res.differential.within == "mut/mut"].set_index("gene")
    wt = res.differential[res.differential.within == "wt/wt"].set_index("gene")
    for g in ("CCND1", "MYC", "SPRY4"):
        assert mut.loc[g, "log2fc"] < -1.0  # lowered in BRAF V600E SKMEL28
        assert abs(wt.loc[g, "log2fc"]) < 0.6 and wt.loc[g, "q_value"] > 0.2  # not in SKMEL2
    assert mut.loc["CCND1", "q_value"] < 0.05 and mut.loc["MYC", "q_value"] < 0.05


def test_fixed_reference_normalises_one_sample_alone(res):
    one = DATA / "SKMEL28-VEM-8h-R1_10.RCC"
    alone = nanostring([one], reference={"positive": res.meta["ref_positive"],
                                         "housekeeping": res.meta["ref_housekeeping"]})
    a = alone.normalized.set_index("gene")["log2_normalized"]
    b = res.normalized[res.normalized["sample"] == one.name].set_index("gene")["log2_normalized"]
    assert np.allclose(a.loc[["CCND1", "MYC", "TP53"]], b.loc[["CCND1", "MYC", "TP53"]], rtol=1e-12)


def _copy(tmp_path, names):
    for n in names:
        shutil.copy(DATA / n, tmp_path / n)


def test_truncated_code_summary(tmp_path, capsys):
    src = (DATA / "SKMEL2-DMSO-8h-R1_04.RCC").read_text().splitlines()
    cut = src.index("</Code_Summary>") - 150
    bad = tmp_path / "bad.RCC"
    bad.write_text("\n".join(src[:cut]) + "\n")
    with pytest.raises(AssayDataError, match="not closed"):
        read_rcc(bad)
    out = tmp_path / "o"
    code = main(["nanostring", str(bad), "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "bad.RCC" in err[0] and "Code_Summary" in err[0] and not out.exists()
    # a row cut in the middle
    half = tmp_path / "half.RCC"
    lines = src[: src.index("</Code_Summary>")]
    lines[-1] = "Endogenous,TP53"
    half.write_text("\n".join(lines + src[src.index("</Code_Summary>"):]) + "\n")
    with pytest.raises(AssayDataError, match=r"line \d+: Code_Summary row has 2 fields"):
        read_rcc(half)


def test_different_codeset_mixed_in(tmp_path, capsys):
    _copy(tmp_path, ["SKMEL2-DMSO-8h-R1_04.RCC", "SKMEL2-DMSO-8h-R2_04.RCC"])
    text = (DATA / "SKMEL2-VEM-8h-R1_10.RCC").read_text().replace("3D_SolidTumor_Sig", "PanCancer_Pathways")
    text = text.replace("Endogenous,TP53,", "Endogenous,TP53X,")
    (tmp_path / "other.RCC").write_text(text)
    out = tmp_path / "o"
    code = main(["nanostring", str(tmp_path), "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "other.RCC" in err[0] and "CodeSet differs" in err[0]
    assert not out.exists()


def test_nanostring_command(tmp_path):
    out = tmp_path / "ns"
    pheno = DATA / "3D_SolidTumor_PhenoData.csv"
    assert main(["nanostring", str(DATA), "--design", str(pheno), "--group", "Treatment", "--control", "DMSO",
                 "--by", "BRAFGenotype", "--out", str(out)]) == 0
    qc = pd.read_csv(out / "tables" / "qc.csv")
    assert list(qc.columns[:8]) == ["sample", "file", "pos_factor", "hk_factor", "fov_ratio", "binding_density",
                                    "pos_r2", "flags"]
    diff = pd.read_csv(out / "tables" / "differential.csv")
    assert list(diff.columns[:6]) == ["gene", "group", "reference", "log2fc", "p_value", "q_value"]
    assert (out / "figures" / "nanostring_heatmap.png").exists()
