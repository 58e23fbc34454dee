"""Every assay panel of the study from the bundled example data: one command each, a report each, and the
planted truth recovered.

The example data are simulations (data/*/make_data.py, fixed seeds) whose planted values are in data/*/truth.json.
For every planted quantity a panel estimates, the standard deviation SD of its estimator under the simulation
model is derived below from the simulation's noise (truth.json where it records the noise, make_data.py where it
does not), and the tables the command wrote must show:

- the estimate within Z_TOL = 4 SD of the planted value: a correct estimator misses this with probability 6e-5
  per quantity on a new seed, so the tolerance follows from the noise, not from this seed's draws;
- the planted sign, for every planted effect of at least SIGN_SD = 3 SD (a wrong sign has probability < 0.0013);
- significance (adjusted p < 0.05) for the effects the study reports (data/*/README.md), each planted at least
  SIG_SD = 5 SD, where the tests used have power well above 0.9; smaller planted effects (siZFAS1 without
  sorafenib, Untreated against siCtrl, NOTCH4 and two qPCR targets at 4.2-4.9 SD) are checked for their
  estimate (and sign) only;
- planted nulls (NOTCH1, RBPJ, MAML1 in tumour against normal) not called at q < 0.05.

The achieved distances are well inside the tolerance (at most 2.1 SD: NOTCH4 in tumour against normal).
"""

import json
import math

import numpy as np
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
    "notch": ["paired-genes", "example:notch_tumour_normal", "--gene", "gene", "--value", "log2_expression",
              "--subject", "patient", "--group", "tissue", "--control", "normal"],
}

Z_TOL = 4.0
SIGN_SD = 3.0
SIG_SD = 5.0
ALPHA = 0.05

# noise of data/study_panels/make_data.py and the reference genes' biological SD of data/zfas1_qpcr/make_data.py,
# which their truth.json files do not record
FLOW_SD_EXPERIMENT, FLOW_SD_WELL = 0.15, 0.08  # log-normal multiplicative: experiment, then each line
APOPTOSIS_SD_EXPERIMENT, APOPTOSIS_SD_WELL = 1.5, 1.5  # additive: experiment shift, then each well
NOTCH_SD_MEASUREMENT = 0.4  # per tissue sample and gene (patient and gene effects are shared by the pair)
QPCR_SD_BIO_REFERENCE_GENES = 0.05


def _truth(name):
    return json.loads((datasets.path(name).parent / "truth.json").read_text())


def _lognormal_moments(sd):
    """E and E[.^2] of exp(N(0, sd^2))."""
    return math.exp(sd**2 / 2), math.exp(2 * sd**2)


@pytest.fixture(scope="module")
def panels(tmp_path_factory):
    """Each panel run once by the command: {name: (exit code, output folder)}."""
    root = tmp_path_factory.mktemp("panels")
    return {name: (main(argv + ["--out", str(root / name)]), root / name) for name, argv in PANELS.items()}


def _table(panels, name, table):
    return pd.read_csv(panels[name][1] / "tables" / f"{table}.csv")


def check_recovered(rows):
    """rows: (label, estimate, planted, sd, adjusted p or None when significance is not asserted)."""
    for label, est, true, sd, p in rows:
        assert abs(est - true) <= Z_TOL * sd, f"{label}: {est:.4g} vs planted {true:.4g} ({abs(est - true) / sd:.2f} SD)"
        if abs(true) >= SIGN_SD * sd:
            assert np.sign(est) == np.sign(true), f"{label}: sign of {est:.4g}, planted {true:.4g}"
        if p is not None:
            assert abs(true) >= SIG_SD * sd, f"{label}: significance asserted for an effect below {SIG_SD} SD"
            assert p < ALPHA, f"{label}: adjusted p {p:.3g}"


@pytest.mark.parametrize("name", list(PANELS))
def test_panel_report(panels, name):
    code, out = panels[name]
    assert code == 0
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "Methods" in html
    assert list((out / "tables").glob("*.csv"))


def test_colonies_recover_truth(panels):
    """Counts Poisson around mu x f, f = exp(N(0, s^2)) per experiment (s = experiment_sd_log_counts), 3 wells in
    each of 3 experiments. A group mean (of the experiment means) is mu E[f] with variance mu^2 Var(f) / 3 +
    mu E[f] / 9; a difference of two groups (mu_g - mu_c) E[f], variance (mu_g - mu_c)^2 Var(f) / 3 +
    (mu_g + mu_c) E[f] / 9 (f is shared within an experiment)."""
    t = _truth("zfas1_colonies")
    ef, ef2 = _lognormal_moments(t["experiment_sd_log_counts"])
    vf = ef2 - ef**2
    mu = t["colonies_mean"]
    desc = _table(panels, "colonies", "descriptives").set_index("group")
    comp = _table(panels, "colonies", "comparisons").set_index("group1")
    rows = [(f"mean {g}", desc.loc[g, "mean"], m * ef, math.sqrt(m**2 * vf / 3 + m * ef / 9), None)
            for g, m in mu.items()]
    for g, reported in (("Untreated", False), ("siZFAS1", True)):
        d = mu[g] - mu["siCtrl"]
        sd = math.sqrt(d**2 * vf / 3 + (mu[g] + mu["siCtrl"]) * ef / 9)
        rows.append((f"{g} - siCtrl", comp.loc[g, "estimate"], d * ef, sd, comp.loc[g, "p_adjusted"] if reported
                     else None))
    check_recovered(rows)


def test_spheres_negbin_recover_truth(panels):
    """The experiment factor cancels within experiments (replicate as block), so the log rate ratio of 9 wells
    against 9 has the Poisson variance 1 / (9 mu_g E[f]) + 1 / (9 mu_c E[f])."""
    t = _truth("zfas1_colonies")
    ef, _ = _lognormal_moments(t["experiment_sd_log_counts"])
    mu = t["spheres_mean"]
    comp = _table(panels, "spheres_negbin", "comparisons").set_index("group1")
    assert (comp.group2 == "siCtrl").all()
    rows = []
    for g, reported in (("Untreated", False), ("siZFAS1", True)):
        sd = math.sqrt(1 / (9 * mu[g] * ef) + 1 / (9 * mu["siCtrl"] * ef))
        rows.append((f"log rate ratio {g}/siCtrl", math.log(comp.loc[g, "estimate"]), math.log(mu[g] / mu["siCtrl"]),
                     sd, comp.loc[g, "p_adjusted"] if reported else None))
        assert comp.loc[g, "log_rate_ratio"] == pytest.approx(math.log(comp.loc[g, "estimate"]), rel=1e-12)
    check_recovered(rows)


def test_viability_recover_truth(panels):
    """Experiment shift N(0, 6^2) shared by every well of an experiment, well noise N(0, 5^2), 4 wells in each of 3
    experiments: a cell mean has variance 6^2 / 3 + 5^2 / 12; the shift cancels in siZFAS1 - siCtrl at a dose,
    variance 2 x 5^2 / 12. The study's effect is the lower viability under sorafenib 5 and 10 uM (an siRNA x dose
    interaction); at 0 uM the planted difference (-2) is 1 SD."""
    t = _truth("zfas1_viability")
    se, sw = t["experiment_sd_viability"], t["well_sd_viability"]
    mu = t["viability_mean"]
    desc = _table(panels, "viability", "descriptives")
    rows = [(f"mean {r.group}@{r.within}", r.mean, mu[f"{r.group}@{r.within}"], math.sqrt(se**2 / 3 + sw**2 / 12),
             None) for r in desc.itertuples()]
    assert len(rows) == len(mu)
    comp = _table(panels, "viability", "comparisons")
    for r in comp.itertuples():
        assert (r.group1, r.group2) == ("siZFAS1", "siCtrl")
        d = mu[f"siZFAS1@{r.within}"] - mu[f"siCtrl@{r.within}"]
        rows.append((f"siZFAS1 - siCtrl at {r.within} uM", r.estimate, d, math.sqrt(2 * sw**2 / 12),
                     r.p_adjusted if r.within in (5, 10) else None))
    check_recovered(rows)
    om = _table(panels, "viability", "omnibus").set_index("term")
    assert om.loc["group:by", "p_value"] < ALPHA  # planted interaction: -2, -20, -25 (>= 6 SD apart)


def test_flow_recover_truth(panels):
    """Each value is pct x f x w with f = exp(N(0, 0.15^2)) per experiment and w = exp(N(0, 0.08^2)) per line and
    experiment. The pairwise difference of two lines' means over 3 experiments has expectation
    (p1 - p2) E[f] E[w] and variance Var(f (p1 w1 - p2 w2)) / 3, from the log-normal moments. Significance is
    asserted for the study's question, resistant against parental in each line pair; the other contrasts are
    checked for their estimate (the additive test pools the error of lines whose noise is multiplicative, so its
    standard error of a contrast between the low-percentage lines is twice that contrast's SD)."""
    truth = _truth("lcsc_flow")["lcsc_pct"]
    ef, ef2 = _lognormal_moments(FLOW_SD_EXPERIMENT)
    ew, ew2 = _lognormal_moments(FLOW_SD_WELL)
    comp = _table(panels, "flow", "comparisons")
    assert len(comp) == 6
    rows = []
    for r in comp.itertuples():
        p1, p2 = truth[r.group1], truth[r.group2]
        second = ef2 * ((p1**2 + p2**2) * ew2 - 2 * p1 * p2 * ew**2)
        var = (second - (ef * ew * (p1 - p2)) ** 2) / 3
        reported = r.group1.endswith("-R") and r.group2 == r.group1[:-2] + "-P"
        rows.append((f"{r.group1} - {r.group2}", r.estimate, (p1 - p2) * ef * ew, math.sqrt(var),
                     r.p_adjusted if reported else None))
    assert sum(row[4] is not None for row in rows) == 2
    check_recovered(rows)


@pytest.mark.parametrize("line", ["Huh7", "Hep3B"])
def test_flow_ratio_recovers_truth(line):
    """The ratio-paired test: f cancels in the ratio of an experiment, so the log ratio has SD 0.08 sqrt(2 / 3)."""
    import assaystats

    truth = _truth("lcsc_flow")["lcsc_pct"]
    f = datasets.load("lcsc_flow")
    res = assaystats.assays.compare(f[f.line.str.startswith(f"{line}-")], value="pct_epcam_cd133", group="line",
                                    control=f"{line}-P", replicate="experiment", test="ratio-paired")
    r = res.table.iloc[0]
    true_ratio = truth[f"{line}-R"] / truth[f"{line}-P"]
    check_recovered([(f"log ratio {line}-R/{line}-P", math.log(r.estimate), math.log(true_ratio),
                      FLOW_SD_WELL * math.sqrt(2 / 3), r.p_adjusted)])
    assert r.ci_low <= true_ratio <= r.ci_high


def test_apoptosis_recover_truth(panels):
    """Experiment shift N(0, 1.5^2) and well noise N(0, 1.5^2), 3 wells in each of 3 experiments: a cell mean has
    variance 1.5^2 / 3 + 1.5^2 / 9; siZFAS1 - siCtrl at a dose, 2 x 1.5^2 / 9 (the shift cancels). The study's
    effect is the apoptosis of siZFAS1 with sorafenib (planted +12, 17 SD); without sorafenib the planted +2 is
    2.8 SD."""
    mu = _truth("apoptosis")["apoptosis_pct"]
    desc = _table(panels, "apoptosis", "descriptives")
    rows = [(f"mean {r.group}@{r.within}", r.mean, mu[f"{r.group}@{r.within}"],
             math.sqrt(APOPTOSIS_SD_EXPERIMENT**2 / 3 + APOPTOSIS_SD_WELL**2 / 9), None) for r in desc.itertuples()]
    assert len(rows) == len(mu)
    for r in _table(panels, "apoptosis", "comparisons").itertuples():
        assert (r.group1, r.group2) == ("siZFAS1", "siCtrl")
        d = mu[f"siZFAS1@{r.within}"] - mu[f"siCtrl@{r.within}"]
        rows.append((f"siZFAS1 - siCtrl at {r.within} uM", r.estimate, d, math.sqrt(2 * APOPTOSIS_SD_WELL**2 / 9),
                     r.p_adjusted if r.within == 5 else None))
    check_recovered(rows)
    om = _table(panels, "apoptosis", "omnibus").set_index("term")
    assert om.loc["group:by", "p_value"] < ALPHA  # planted interaction +10, 10 SD


def test_qpcr_recover_truth(panels):
    """Ct = base + load + bio - log2 FC + well noise. The load cancels against the reference genes; a sample's
    delta Ct has variance sd_bio^2 + sd_well^2 / 3 + (0.05^2 + sd_well^2 / 3) / 2 (target, and the mean of the two
    reference genes), and the log2 fold change of 3 samples against 3 twice that over 3."""
    t = _truth("zfas1_qpcr")
    var_sample = (t["sd_bio"] ** 2 + t["sd_well"] ** 2 / 3
                  + (QPCR_SD_BIO_REFERENCE_GENES**2 + t["sd_well"] ** 2 / 3) / 2)
    sd = math.sqrt(2 * var_sample / 3)
    rel = _table(panels, "qpcr", "relative_expression")
    rel = rel[rel.group == "siZFAS1"].set_index("gene")
    targets = [g for g in t["log2_fold_change"] if g not in t["reference_genes"]]
    assert sorted(rel.index) == sorted(targets)
    rows = []
    for g in targets:
        lfc = t["log2_fold_change"][g]
        rows.append((g, rel.loc[g, "log2_fold_change"], lfc, sd, rel.loc[g, "q_value"] if abs(lfc) >= SIG_SD * sd
                     else None))
    check_recovered(rows)
    assert rel.loc["ZFAS1", "fold_change"] == pytest.approx(2 ** rel.loc["ZFAS1", "log2_fold_change"], rel=1e-12)


def test_notch_recover_truth(panels):
    """A patient's tumour - normal difference of a gene is delta + e_t - e_n (patient and gene effects shared by the
    pair), SD 0.4 sqrt(2); the mean of 12 patients has SD 0.4 sqrt(2 / 12) = 0.163. DLL3 lower and the other
    planted genes higher (NOTCH4, planted 0.8 = 4.9 SD, is not asserted significant); the planted nulls are not
    called."""
    delta = _truth("notch_tumour_normal")["tumour_minus_normal_log2"]
    sd = NOTCH_SD_MEASUREMENT * math.sqrt(2 / 12)
    pg = _table(panels, "notch", "paired_genes").set_index("gene")
    assert sorted(pg.index) == sorted(delta) and (pg.n_pairs == 12).all()
    check_recovered([(g, pg.loc[g, "mean_diff"], dl, sd, pg.loc[g, "q_t"] if abs(dl) >= SIG_SD * sd else None)
                     for g, dl in delta.items()])
    for g in (g for g, dl in delta.items() if dl == 0):
        assert pg.loc[g, "q_t"] >= ALPHA, g


def test_nanostring_panel_from_bundled_rcc(tmp_path):
    """Real data (no planted truth): the expected biology of data/nanostring_skmel/README.md, vemurafenib lowers the
    MAPK target CCND1 in the BRAF-mutant line."""
    pheno = datasets.path("nanostring_skmel")
    out = tmp_path / "ns"
    assert main(["nanostring", str(pheno.parent), "--design", str(pheno), "--group", "Treatment", "--control", "DMSO",
                 "--by", "BRAFGenotype", "--out", str(out)]) == 0
    d = pd.read_csv(out / "tables" / "differential.csv")
    mut = d[d.within == "mut/mut"].set_index("gene")
    assert mut.loc["CCND1", "log2fc"] < -1 and mut.loc["CCND1", "q_value"] < 0.05
