"""Efficiency-corrected qPCR (Pfaffl 2001) in every branch that gives a fold change (issue 11).

Reference: a hand computation in base R written from the published formulas (Pfaffl 2001 eq. 1; several reference
genes by the geometric mean of their quantities, Hellemans 2007), not from our code:
tests/reference/qpcr/make_reference_qpcr_efficiency.R -> reference_qpcr_efficiency.csv. Inputs: the User Bulletin
#2 Cts (ct1.csv) with the efficiencies of the pcr package's standard curves (ct3.csv), a constructed
technical-replicate table with two reference genes (tech_multi_long.csv) and the geNorm simulation
(genorm_long.csv). No packaged implementation of efficiency-corrected ratios with several reference genes runs
here (qpcR and NormqPCR are not in Debian; pcr has no efficiencies): these references are hand-derived from the
formulas, and the test of one sample among replicated groups types the same formula a third time.

Tolerances: ``RTOL`` = 5e-11 for the closed forms (achieved up to 4.4e-12) and ``RTOL_P`` = 5e-11 for the Welch
p value (2.5e-12): the reference is written with 12 significant digits, whose rounding alone leaves up to 5e-12;
ten times that floor."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.assays import qpcr
from tests._reference import Reference

REF = Path(__file__).resolve().parents[1] / "reference" / "qpcr"
ref = Reference("qpcr/reference_qpcr_efficiency.csv")
RTOL = 5e-11
RTOL_P = 5e-11


def _ct1_long():
    ct1 = pd.read_csv(REF / "ct1.csv")
    groups = np.where(np.arange(12) < 6, "brain", "kidney")
    return pd.concat([pd.DataFrame({"sample": groups, "group": groups, "gene": g, "ct": ct1[g]}) for g in ct1.columns],
                     ignore_index=True)


@pytest.mark.parametrize("case", ["ct1_pfaffl_ct3", "ct1_pfaffl_far", "ct1_pfaffl_2"])
def test_technical_replicates_only_use_the_efficiencies(case):
    eff = {"c_myc": ref(case, "E_target", "c_myc"), "GAPDH": ref(case, "E_reference", "GAPDH")}
    res = qpcr(_ct1_long(), reference_genes=["GAPDH"], control="brain", efficiency=eff)
    assert res.meta["technical_only"] and res.meta["method"].startswith("Pfaffl")
    r = res.table.set_index("group").loc["kidney"]
    term = "kidney_vs_brain"
    assert r.fold_change == pytest.approx(ref(case, "fold_change", term), rel=RTOL)
    assert r.log2_fold_change == pytest.approx(ref(case, "log2_fold_change", term), rel=RTOL)
    assert r.ci_low == pytest.approx(ref(case, "range_low", term), rel=RTOL)
    assert r.ci_high == pytest.approx(ref(case, "range_high", term), rel=RTOL)
    assert r.delta_delta_ct == pytest.approx(ref(case, "delta_delta_ct", term), rel=RTOL)  # plain cycles
    assert r.knockdown_pct == pytest.approx((1 - r.fold_change) * 100, rel=RTOL)
    assert r.interval.startswith("range") and np.isnan(r.p_value)
    if case != "ct1_pfaffl_2":  # the bug: 2^-ddCt (5.637) was reported whatever the efficiencies
        assert abs(r.fold_change - 2.0 ** -r.delta_delta_ct) > 0.1
        assert "Pfaffl" in r.method and "log2 ratio (efficiency-corrected)" in res.summary()
        assert "weighted by log2" in res.methods()


def test_efficiencies_of_two_mean_livak_in_the_technical_branch():
    d = _ct1_long()
    livak = qpcr(d, reference_genes=["GAPDH"], control="brain").table
    pfaffl2 = qpcr(d, reference_genes=["GAPDH"], control="brain", efficiency={"c_myc": 2, "GAPDH": "100%"}).table
    for col in ("fold_change", "ci_low", "ci_high", "delta_delta_ct", "log2_fold_change"):
        np.testing.assert_allclose(pfaffl2[col].to_numpy(float), livak[col].to_numpy(float), rtol=1e-12)


def test_technical_replicates_with_two_reference_genes():
    d = pd.read_csv(REF / "tech_multi_long.csv")
    eff = {"TGT1": 1.85, "TGT2": "92%", "REF1": 95, "REF2": 2.08}
    res = qpcr(d, reference_genes=["REF1", "REF2"], control="ctrl", efficiency=eff)
    assert res.meta["technical_only"]
    t = res.table.set_index(["gene", "group"])
    for tg in ("TGT1", "TGT2"):
        for g in ("kd1", "kd2"):
            r = t.loc[(tg, g)]
            term = f"{tg}:{g}_vs_ctrl"
            assert r.fold_change == pytest.approx(ref("tech_multi", "fold_change", term), rel=RTOL), term
            assert r.ci_low == pytest.approx(ref("tech_multi", "range_low", term), rel=RTOL), term
            assert r.ci_high == pytest.approx(ref("tech_multi", "range_high", term), rel=RTOL), term
    livak = qpcr(d, reference_genes=["REF1", "REF2"], control="ctrl").table.set_index(["gene", "group"])
    assert livak.loc[("TGT1", "kd1"), "fold_change"] == pytest.approx(
        ref("tech_multi", "livak_fold_change", "TGT1:kd1_vs_ctrl"), rel=RTOL)


def test_biological_replicates_with_four_reference_genes_and_efficiencies():
    d = pd.read_csv(REF / "genorm_long.csv")
    eff = {"REF1": 1.90, "REF2": 1.95, "REF3": 2.00, "REF4": 2.05, "TGT": 1.88}
    res = qpcr(d, reference_genes=["REF1", "REF2", "REF3", "REF4"], control="A", efficiency=eff)
    assert not res.meta["technical_only"]
    r = res.table.set_index("group").loc["B"]
    assert r.fold_change == pytest.approx(ref("bio_multi", "fold_change", "B_vs_A"), rel=RTOL)
    assert r.ci_low == pytest.approx(ref("bio_multi", "ci_low", "B_vs_A"), rel=RTOL)
    assert r.ci_high == pytest.approx(ref("bio_multi", "ci_high", "B_vs_A"), rel=RTOL)
    assert r.p_value == pytest.approx(ref("bio_multi", "welch_p", "B_vs_A"), rel=RTOL_P)


def test_a_group_with_one_sample_among_replicated_groups_uses_the_efficiencies():
    """The User Bulletin branch is taken as soon as one group has a single sample: the efficiencies hold there too.
    Hand computation (Pfaffl eq. 1 on group means of Ct, written here): ratio = E_t^(dCt_t) / E_r^(dCt_r)."""
    d = pd.DataFrame({"sample": ["c1", "c1", "c2", "c2", "t1", "t1"], "group": ["ctrl"] * 4 + ["trt"] * 2,
                      "gene": ["T", "R"] * 3, "ct": [25.0, 18.0, 25.4, 18.2, 27.0, 18.5]})
    e_t, e_r = 1.82, 2.06
    res = qpcr(d, reference_genes=["R"], control="ctrl", efficiency={"T": e_t, "R": e_r})
    assert res.meta["technical_only"]
    ratio = e_t ** (25.2 - 27.0) / e_r ** (18.1 - 18.5)
    assert res.table.set_index("group").loc["trt", "fold_change"] == pytest.approx(ratio, rel=1e-12)


def test_a_sample_without_one_of_its_reference_genes_is_left_out():
    """Before, a sample whose wells of one reference gene were all non-detects was normalised to the other
    reference genes only (a mean that skipped the gap), on another scale than its group."""
    d = pd.read_csv(REF / "genorm_long.csv")
    eff = {"REF1": 1.90, "REF2": 1.95, "REF3": 2.00, "REF4": 2.05, "TGT": 1.88}
    refs = ["REF1", "REF2", "REF3", "REF4"]
    gap = d.copy()
    gap["ct"] = gap["ct"].astype(object)
    gap.loc[(gap["sample"] == "s7") & (gap.gene == "REF4"), "ct"] = "Undetermined"
    res = qpcr(gap, reference_genes=refs, control="A", efficiency=eff)
    without = qpcr(d[d["sample"] != "s7"], reference_genes=refs, control="A", efficiency=eff)
    a = res.table.set_index("group").loc["B"]
    b = without.table.set_index("group").loc["B"]
    for col in ("fold_change", "ci_low", "ci_high", "p_value", "delta_ct", "delta_delta_ct"):
        assert a[col] == pytest.approx(b[col], rel=1e-12), col
    assert a.n == 4 and "s7" not in set(res.samples["sample"])
    assert any("TGT: 1 sample(s)" in n and "s7" in n for n in res.meta["notes"])


def test_technical_only_group_without_one_reference_gene_has_no_fold_change():
    d = pd.read_csv(REF / "tech_multi_long.csv")
    d["ct"] = d["ct"].astype(object)
    d.loc[(d.group == "kd2") & (d.gene == "REF2"), "ct"] = "Undetermined"
    res = qpcr(d, reference_genes=["REF1", "REF2"], control="ctrl", efficiency={"TGT1": 1.85, "TGT2": 1.92,
                                                                                 "REF1": 1.95, "REF2": 2.08})
    assert set(res.table.group) == {"ctrl", "kd1"}
    kd1 = res.table.set_index(["gene", "group"]).loc[("TGT1", "kd1"), "fold_change"]
    assert kd1 == pytest.approx(ref("tech_multi", "fold_change", "TGT1:kd1_vs_ctrl"), rel=RTOL)
    assert any("every reference gene in group(s) 'kd2'" in n for n in res.meta["notes"])
