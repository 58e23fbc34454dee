"""Every assay panel of the study from the bundled example data: one command each, a report each, and the
planted truth recovered."""

import json

import pandas as pd
import pytest

from assaystats import datasets
from assaystats.cli import main

PANELS = {
    "colonies": ["compare", "example:zfas1_colonies", "--value", "colonies", "--group", "sirna", "--control", "siCtrl",
                 "--replicate", "experiment"],
    "spheres_negbin": ["compare", "example:zfas1_colonies", "--value", "spheres", "--group", "sirna", "--control",
                       "siCtrl", "--replicate", "experiment", "--test", "negbin"],
    "viability": ["compare", "example:zfas1_viability", "--value", "viability", "--group", "sirna", "--by",
                  "sorafenib_uM", "--control", "siCtrl", "--replicate", "experiment"],
    "flow": ["compare", "example:lcsc_flow", "--value", "pct_epcam_cd133", "--group", "line", "--replicate",
             "experiment", "--posthoc", "holm-sidak"],
    "apoptosis": ["compare", "example:apoptosis", "--value", "apoptosis_pct", "--group", "sirna", "--by", "sorafenib_uM",
                  "--control", "siCtrl", "--replicate", "experiment"],
    "qpcr": ["qpcr", "example:zfas1_qpcr", "--reference-gene", "GAPDH,ACTB", "--control", "siCtrl"],
    "notch": ["paired-genes", "example:notch_tumour_normal", "--gene", "gene", "--value", "log2_expression", "--pair",
              "patient", "--group", "tissue", "--control", "normal"],
}


@pytest.mark.parametrize("name", list(PANELS))
def test_panel_report(name, tmp_path):
    out = tmp_path / name
    assert main(PANELS[name] + ["--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "Methods" in html
    assert list((out / "tables").glob("*.csv"))


def test_nanostring_panel_from_bundled_rcc(tmp_path):
    pheno = datasets.path("nanostring_skmel")
    out = tmp_path / "ns"
    assert main(["nanostring", str(pheno.parent), "--design", str(pheno), "--group", "Treatment", "--control", "DMSO",
                 "--by", "BRAFGenotype", "--out", str(out)]) == 0
    d = pd.read_csv(out / "tables" / "differential.csv")
    mut = d[d.within == "mut/mut"].set_index("gene")
    assert mut.loc["CCND1", "log2fc"] < -1 and mut.loc["CCND1", "q_value"] < 0.05


def test_flow_and_notch_recover_truth():
    import assaystats

    truth = json.loads((datasets.path("lcsc_flow").parent / "truth.json").read_text())
    f = datasets.load("lcsc_flow")
    res = assaystats.assays.compare(f[f.line.str.startswith("Huh7")], value="pct_epcam_cd133", group="line",
                                    control="Huh7-P", replicate="experiment", test="ratio-paired")
    r = res.table.iloc[0]
    true_ratio = truth["lcsc_pct"]["Huh7-R"] / truth["lcsc_pct"]["Huh7-P"]
    assert r.ci_low <= true_ratio <= r.ci_high
    n = datasets.load("notch_tumour_normal")
    pg = assaystats.assays.paired_genes(n, gene="gene", value="log2_expression", subject="patient", group="tissue",
                                        control="normal").table.set_index("gene")
    for g, dl in truth["tumour_minus_normal_log2"].items():
        if dl != 0:
            assert pg.loc[g, "ci_low"] <= dl <= pg.loc[g, "ci_high"] or pg.loc[g, "q_t"] < 0.05, g
    assert pg.loc["DLL3", "mean_diff"] < 0 and pg.loc["DLL3", "q_t"] < 0.05
