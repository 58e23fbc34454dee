"""qPCR against R on the Applied Biosystems User Bulletin #2 and Yuan et al. (2006) data
(tests/reference/qpcr/make_reference_qpcr.R): the R package pcr 1.2.2 (ddCt, standard curve), R's lm and t.test
(standard curve, Welch t on dCt); the Pfaffl ratio is a hand computation of Pfaffl's (2001) eq. 1 in base R
(hand-derived: no packaged implementation we can run; qpcR is not in Debian). geNorm M against ctrlGene 1.0.1
(make_reference_genorm.R) on the simulated four-gene set and on Vandesompele et al.'s (2002) fibroblast data.

Tolerances: ``RTOL`` = 5e-11 (achieved up to 3.6e-12 on closed forms and t-test p values; R's values are written
with 12 significant digits, whose rounding alone leaves up to 5e-12: ten times that floor); 1e-12 where the value
happens to round closer (the Bulletin's ddCt, 9.3e-13 achieved)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats import datasets
from assaystats.assays import genorm_m, qpcr, standard_curve
from assaystats.cli import main
from assaystats.errors import AssayDataError
from tests._reference import Reference

REF = Path(__file__).resolve().parents[1] / "reference" / "qpcr"


ref = Reference("qpcr/reference_qpcr.csv")
genorm_ref = Reference("qpcr/reference_genorm.csv")
RTOL = 5e-11


def long_from_wide(wide, groups, samples=None):
    samples = samples if samples is not None else groups
    return pd.concat([pd.DataFrame({"sample": samples, "group": groups, "gene": g, "ct": wide[g]}) for g in wide.columns],
                     ignore_index=True)


def test_user_bulletin_2_fold_change():
    ct1 = pd.read_csv(REF / "ct1.csv")
    groups = np.where(np.arange(12) < 6, "brain", "kidney")
    res = qpcr(long_from_wide(ct1, groups), reference_genes=["GAPDH"], control="brain")
    r = res.table.set_index("group").loc["kidney"]
    assert r.delta_ct == pytest.approx(ref("ct1_ddct", "delta_ct", "kidney"), rel=1e-12)
    assert r.delta_delta_ct == pytest.approx(ref("ct1_ddct", "delta_delta_ct", "kidney_vs_brain"), rel=1e-12)
    assert r.fold_change == pytest.approx(ref("ct1_ddct", "fold_change", "kidney_vs_brain"), rel=1e-12)
    assert r.ci_low == pytest.approx(ref("ct1_ddct", "fold_change_lower", "kidney_vs_brain"), rel=1e-12)
    assert r.ci_high == pytest.approx(ref("ct1_ddct", "fold_change_upper", "kidney_vs_brain"), rel=1e-12)
    assert r.fold_change == pytest.approx(ref("ct1_ddct", "pcr_relative_expression", "kidney"), rel=RTOL)
    assert round(r.fold_change, 1) == 5.6 and round(r.ci_low, 1) == 5.3 and round(r.ci_high, 1) == 6.0  # the Bulletin
    assert r.interval.startswith("range") and np.isnan(r.p_value)
    assert res.meta["technical_only"]


def test_standard_curve_efficiency():
    ct3 = pd.read_csv(REF / "ct3.csv")
    amounts = np.repeat([1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01], 3)
    long = pd.concat([pd.DataFrame({"gene": g, "amount": amounts, "ct": ct3[g]}) for g in ct3.columns])
    curve = standard_curve(long, amount="amount", ct="ct", gene="gene").set_index("gene")
    for g in ("c_myc", "GAPDH"):
        for col, q in (("slope", "slope"), ("intercept", "intercept"), ("r_squared", "r_squared"),
                       ("amplification", "amplification_factor"), ("efficiency_pct", "efficiency_pct")):
            assert curve.loc[g, col] == pytest.approx(ref("ct3_curve", q, g), rel=RTOL), (g, col)


@pytest.fixture(scope="module")
def ct4_long():
    ct4 = pd.read_csv(REF / "ct4.csv")
    groups = np.where(np.arange(24) < 12, "control", "treatment")
    return long_from_wide(ct4, groups, samples=[f"w{i}" for i in range(24)])


def test_yuan_2006_welch_on_delta_ct(ct4_long):
    res = qpcr(ct4_long, reference_genes=["ref"], control="control")
    r = res.table.set_index("group").loc["treatment"]
    assert r.delta_delta_ct == pytest.approx(ref("ct4_ttest", "welch_estimate", "treatment_vs_control"), rel=RTOL)
    assert r.fold_change == pytest.approx(ref("ct4_ttest", "welch_fold_change", "treatment_vs_control"), rel=RTOL)
    assert r.ci_low == pytest.approx(ref("ct4_ttest", "welch_fold_change_low", "treatment_vs_control"), rel=RTOL)
    assert r.ci_high == pytest.approx(ref("ct4_ttest", "welch_fold_change_high", "treatment_vs_control"), rel=RTOL)
    assert r.p_value == pytest.approx(ref("ct4_ttest", "welch_p", "treatment_vs_control"), rel=RTOL)
    assert r.n == 12 and not res.meta["technical_only"]


def test_pfaffl_with_efficiencies(ct4_long):
    res = qpcr(ct4_long, reference_genes=["ref"], control="control", efficiency={"target": 1.9, "ref": 2.05})
    r = res.table.set_index("group").loc["treatment"]
    assert r.fold_change == pytest.approx(ref("pfaffl", "ratio", "treatment_vs_control"), rel=RTOL)
    assert r.ci_low == pytest.approx(ref("pfaffl", "welch_fold_change_low", "treatment_vs_control"), rel=RTOL)
    assert r.p_value == pytest.approx(ref("pfaffl", "welch_p", "treatment_vs_control"), rel=RTOL)
    # efficiencies in percent mean the same
    res2 = qpcr(ct4_long, reference_genes=["ref"], control="control", efficiency={"target": 90, "ref": 105})
    assert res2.table.fold_change.iloc[1] == pytest.approx(r.fold_change, rel=1e-12)


def test_genorm_m_and_several_reference_genes():
    """geNorm M of the four simulated reference genes against ctrlGene::measureM (all genes, no exclusion)."""
    d = pd.read_csv(REF / "genorm_long.csv")
    res = qpcr(d, reference_genes=["REF1", "REF2", "REF3", "REF4"], control="A")
    m = res.stability.set_index("gene")
    for g in ("REF1", "REF2", "REF3", "REF4"):
        assert m.loc[g, "genorm_m"] == pytest.approx(genorm_ref("genorm_sim", "M", g), rel=RTOL)
    assert res.stability.gene.iloc[-1] == "REF4"  # the noisiest reference gene is least stable
    r = res.table.set_index("group").loc["B"]
    assert r.log2_fold_change == pytest.approx(ref("genorm", "welch_estimate", "B_vs_A"), rel=RTOL)
    assert r.p_value == pytest.approx(ref("genorm", "welch_p", "B_vs_A"), rel=RTOL)
    assert r.ci_low == pytest.approx(ref("genorm", "welch_fold_change_low", "B_vs_A"), rel=RTOL)


def test_genorm_m_on_vandesompele_2002_fibroblasts():
    """The published geNorm data (10 candidate genes, 20 fibroblast samples; ctrlGene's FIB): M of every gene, and
    the stepwise exclusion of the least stable gene (geNorm's average M per step) built on genorm_m, against
    ctrlGene's measureM and geNorm. Both end with GAPD and HPRT1 as the most stable pair."""
    fib = pd.read_csv(REF / "vandesompele2002_fib.csv").set_index("sample")
    log2q = np.log2(fib)
    m = genorm_m(log2q).set_index("gene")
    assert len(m) == 10 and (m.n_samples == 20).all()
    for g in fib.columns:
        assert m.loc[g, "genorm_m"] == pytest.approx(genorm_ref("fib", "M", g), rel=RTOL), g
    genes, step = list(fib.columns), 1
    while len(genes) > 2:
        cur = genorm_m(log2q[genes])
        worst = cur.gene.iloc[-1]
        assert cur.genorm_m.mean() == pytest.approx(genorm_ref("fib", "avg_M_step", f"{step}:{worst}"), rel=RTOL)
        genes.remove(worst)
        step += 1
    pair = "-".join(sorted(genes))
    assert pair == "GAPD-HPRT1"
    assert genorm_m(log2q[genes]).genorm_m.mean() == pytest.approx(
        genorm_ref("fib", "avg_M_step", f"{step}:GAPD-HPRT1"), rel=RTOL)


def test_example_recovers_knockdown_and_handles_undetermined():
    import json

    truth = json.loads((datasets.path("zfas1_qpcr").parent / "truth.json").read_text())
    d = datasets.load("zfas1_qpcr")
    res = qpcr(d, reference_genes=["GAPDH", "ACTB"], control="siCtrl")
    t = res.table[res.table.group == "siZFAS1"].set_index("gene")
    assert t.loc["ZFAS1", "ci_low"] <= truth["fold_change_ZFAS1"] <= t.loc["ZFAS1", "ci_high"]
    assert 70 < t.loc["ZFAS1", "knockdown_pct"] < 90
    covered = sum(t.loc[g, "ci_low"] <= 2 ** truth["log2_fold_change"][g] <= t.loc[g, "ci_high"] for g in t.index)
    assert covered >= 9  # 11 genes, 95% intervals
    assert res.meta["n_nondetect"] == 1
    tech = res.technical.set_index(["sample", "gene"])
    assert tech.loc[("siZFAS1_3", "NANOG"), "n_wells"] == 2 and "nondetect" in tech.loc[("siZFAS1_3", "NANOG"), "flag"]
    sub = qpcr(d, reference_genes=["GAPDH", "ACTB"], control="siCtrl", undetermined=40)
    assert sub.technical.set_index(["sample", "gene"]).loc[("siZFAS1_3", "NANOG"), "n_wells"] == 3
    assert t["q_value"].notna().all()


def test_bad_inputs(tmp_path, capsys):
    good = "sample,group,gene,ct\n" + "".join(
        f"s{i},{'A' if i < 3 else 'B'},{g},{20 + (g == 'T') * 5 + 0.1 * i}\n" for i in range(6) for g in ("R", "T"))
    f = tmp_path / "q.csv"

    def run(text, *extra):
        f.write_text(text)
        out = tmp_path / "o"
        code = main(["qpcr", str(f), "--reference-gene", "R", "--control", "A", "--out", str(out), *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and "Traceback" not in err[0] and str(f) in err[0], err
        assert not out.exists()
        return err[0]

    assert "'ct'" in run(good.replace("s1,A,T,25.1", "s1,A,T,failed")) and "row 4: 'failed'" in run(
        good.replace("s1,A,T,25.1", "s1,A,T,failed"))
    assert "--control 'Z'" in run(good, "--control", "Z")
    msg = run(good.replace("s0,A,R", "s0,B,R"))
    assert "sample 's0'" in msg and "'group'" in msg
    with pytest.raises(AssayDataError, match="reference gene 'GAPDH'"):
        qpcr(pd.read_csv(pd.io.common.StringIO(good)), reference_genes=["GAPDH"], control="A")
    with pytest.raises(AssayDataError, match="--control 'Z'"):
        qpcr(pd.read_csv(pd.io.common.StringIO(good)), reference_genes=["R"], control="Z")


def test_missing_ct_undetermined_is_a_nondetect_not_an_error():
    text = "sample,group,gene,ct\n" + "".join(
        f"s{i},{'A' if i < 3 else 'B'},{g},{'Undetermined' if (i, g) == (4, 'T') else 20 + (g == 'T') * (5 + 0.07 * i * i) + 0.1 * i}\n"
        for i in range(6) for g in ("R", "T"))
    res = qpcr(pd.read_csv(pd.io.common.StringIO(text)), reference_genes=["R"], control="A")
    assert res.meta["n_nondetect"] == 1
    assert res.table.set_index("group").loc["B", "n"] == 2  # sample s4 has no target Ct left
    assert any("s4" in n for n in res.meta["notes"])


def test_qpcr_command(tmp_path):
    out = tmp_path / "q"
    assert main(["qpcr", "example:zfas1_qpcr", "--reference-gene", "GAPDH,ACTB", "--control", "siCtrl",
                 "--out", str(out)]) == 0
    t = pd.read_csv(out / "tables" / "relative_expression.csv")
    assert list(t.columns[:9]) == ["group", "gene", "delta_ct", "delta_delta_ct", "fold_change", "ci_low", "ci_high",
                                   "p_value", "knockdown_pct"]
    assert (out / "figures" / "qpcr_heatmap.png").exists()
    assert (out / "tables" / "reference_stability.csv").exists()


def test_summary_names_a_most_stable_gene_only_with_three_or_more():
    """geNorm M of two genes are equal by definition: the summary says so instead of naming the first as best."""
    from assaystats import assays, datasets

    df = datasets.load("zfas1_qpcr")
    two = assays.qpcr(df, reference_genes=["GAPDH", "ACTB"], control="siCtrl").summary()
    assert "equal by definition" in two and "most stable" not in two
