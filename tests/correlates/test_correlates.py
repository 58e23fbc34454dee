"""Co-expression against R's cor.test and p.adjust (tests/reference/survival/make_reference_survival.R, cases
cor_mtcars and partial_cor: cor.test, p.adjust and ppcor's pcor.test, values written with 17 significant digits);
cohort handling, bad inputs and the planted truth of the simulated LIHC cohort.
Tolerances (relative) at most ten times the largest difference measured, and not below TOL_FLOOR = 1e-14 (the
order of floating-point operations)."""

import json

import numpy as np
import pandas as pd
import pytest

from assaystats import datasets
from assaystats.cli import main
from assaystats.correlates import coexpression, correlate_one, expression_by, parse_barcode, tumour_vs_normal
from assaystats.errors import AssayDataError
from tests._reference import REFERENCE, Reference

ref = Reference("survival/reference_survival.csv")
COLS = ["disp", "hp", "drat", "wt", "qsec"]
TOL_FLOOR = 1e-14
#: Pearson r, Spearman rho, Kendall tau against cor.test: measured 9.9e-15
R_REL = 9e-14
#: their p values and BH q values: measured 2.2e-13 (a Kendall p in the normal tail)
P_REL = 2e-12
#: the partial correlation against ppcor's pcor.test: r measured 2.0e-16, p 7.8e-15
PARTIAL_R_REL = TOL_FLOOR
PARTIAL_P_REL = 7e-14
#: R's exact / AS 89 Spearman: rho measured 4.2e-15, p values 3.1e-13
SPEARMAN_EXACT_RHO_REL = 4e-14
SPEARMAN_EXACT_P_REL = 3e-12


@pytest.fixture(scope="module")
def mtcars():
    return pd.read_csv(REFERENCE / "survival" / "mtcars.csv")


def _as_expression(m):
    """mtcars as a genes x samples table (one 'gene' per column)."""
    t = m[["mpg"] + COLS].T
    t.columns = m["car"]
    return t.reset_index().rename(columns={"index": "gene_id"})


@pytest.mark.parametrize("method,rq,pq,qq", [("pearson", "pearson_r", "pearson_p", "q_pearson"),
                                             ("spearman", "spearman_rho", "spearman_p", "q_spearman"),
                                             ("kendall", "kendall_tau", "kendall_p", "q_kendall")])
def test_coexpression_matches_cor_test(mtcars, method, rq, pq, qq):
    res = coexpression(_as_expression(mtcars), gene="mpg", method=method).table.set_index("gene")
    for c in COLS:
        assert res.loc[c, "r"] == pytest.approx(ref("cor_mtcars", rq, c), rel=R_REL)
        assert res.loc[c, "p_value"] == pytest.approx(ref("cor_mtcars", pq, c), rel=P_REL)
        assert res.loc[c, "q_value"] == pytest.approx(ref("cor_mtcars", qq, c), rel=P_REL)
        assert res.loc[c, "n"] == 32


def test_partial_correlation(mtcars):
    r = correlate_one(mtcars.mpg, mtcars[["hp"]].T.to_numpy(), ["hp"], method="pearson",
                      covariates=mtcars[["wt"]].to_numpy()).iloc[0]
    assert r.r == pytest.approx(ref("partial_cor", "r", "mpg~hp|wt"), rel=PARTIAL_R_REL)
    assert r.p_value == pytest.approx(ref("partial_cor", "p", "mpg~hp|wt"), rel=PARTIAL_P_REL)


def test_missing_values_use_pairwise_complete_samples(mtcars):
    rng = np.random.default_rng(0)
    Y = mtcars[COLS].T.to_numpy(float).copy()
    Y[rng.random(Y.shape) < 0.15] = np.nan
    for method in ("pearson", "spearman"):
        got = correlate_one(mtcars.mpg, Y, COLS, method=method)
        for i, c in enumerate(COLS):
            ok = np.isfinite(Y[i])
            from scipy import stats

            f = stats.pearsonr if method == "pearson" else stats.spearmanr
            exp = f(mtcars.mpg.to_numpy()[ok], Y[i, ok])
            assert got.r.iloc[i] == pytest.approx(exp.statistic, rel=1e-10)
            assert got.n.iloc[i] == ok.sum()


def test_barcodes():
    b = parse_barcode("TCGA-DD-A4NG-01A-11R-A28V-07")
    assert (b["patient"], b["type_code"], b["kind"], b["vial"]) == ("TCGA-DD-A4NG", 1, "tumour", "A")
    assert parse_barcode("TCGA-DD-A4NG-11A")["kind"] == "normal"
    assert parse_barcode("sample_7")["kind"] is None


@pytest.fixture(scope="module")
def cohort():
    return datasets.load("lihc_expression"), datasets.load("lihc_clinical")


def test_cohort_recovers_planted_effects(cohort):
    expr, clin = cohort
    truth = json.loads((datasets.path("lihc_expression").parent / "truth.json").read_text())
    tn = tumour_vs_normal(expr, gene="ZFAS1").table
    paired = tn[tn.method == "paired t"].iloc[0]
    assert paired.ci_low <= truth["zfas1_tumour_minus_normal"] + 0.3 and paired.p_value < 1e-10
    st = expression_by(expr, clin, gene="ZFAS1", by="stage", contrast="I,II:III,IV").table.iloc[0]
    assert st.ci_low <= truth["zfas1_stage_III_IV_minus_I_II"] <= st.ci_high
    gr = expression_by(expr, clin, gene="ZFAS1", by="grade", contrast="G1,G2:G3,G4").table.iloc[0]
    assert gr.ci_low <= truth["zfas1_grade_G3_G4_minus_G1_G2"] <= gr.ci_high
    co = coexpression(expr, gene="ZFAS1").table
    sig = set(co[co.q_value < 0.05].gene)
    assert set(truth["stemness_loadings"]) <= sig
    assert len(sig - set(truth["stemness_loadings"])) <= 2  # background genes are null


def test_bad_inputs(cohort, tmp_path, capsys):
    expr, clin = cohort
    with pytest.raises(AssayDataError, match="gene 'ZFAS9' is not in column 'gene_id'"):
        coexpression(expr, gene="ZFAS9")
    dup = clin.copy()
    dup.loc[1, "sample"] = dup.loc[0, "sample"]
    with pytest.raises(AssayDataError, match="appears twice"):
        expression_by(expr, dup, gene="ZFAS1", by="stage")
    other = clin.assign(sample="X" + clin["sample"])
    with pytest.raises(AssayDataError, match="no sample id of the expression table matches"):
        expression_by(expr, other, gene="ZFAS1", by="stage")
    # the command: one line, exit 2, nothing written
    f = tmp_path / "clin.csv"
    other.to_csv(f, index=False)
    out = tmp_path / "o"
    code = main(["expression", "example:lihc_expression", "--clinical", str(f), "--gene", "ZFAS1", "--by", "stage",
                 "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and str(f) in err[0] and "'sample'" in err[0] and not out.exists()
    code = main(["correlate", "example:lihc_expression", "--gene", "NOPE", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "NOPE" in err[0] and "gene_id" in err[0] and not out.exists()


def test_commands(tmp_path):
    assert main(["correlate", "example:lihc_expression", "--gene", "ZFAS1", "--genes", "EPCAM,CD24,VIM,GENE001",
                 "--method", "pearson", "--out", str(tmp_path / "c")]) == 0
    t = pd.read_csv(tmp_path / "c" / "tables" / "coexpression.csv")
    assert list(t.columns) == ["gene", "n", "r", "p_value", "q_value", "method"] and len(t) == 4
    assert main(["expression", "example:lihc_expression", "--clinical", "example:lihc_clinical", "--gene", "ZFAS1",
                 "--by", "stage", "--order", "I,II,III,IV", "--out", str(tmp_path / "e")]) == 0
    om = pd.read_csv(tmp_path / "e" / "tables" / "omnibus.csv")
    assert "stage (trend)" in set(om.term)


def test_exact_spearman_matches_r_as89():
    """R's cor.test(method = "spearman", exact = TRUE) on untied data: exact for n <= 9, Edgeworth series above
    (tests/reference/correlates/make_reference_spearman.R; 17 significant digits). Tolerances above."""
    from scipy import stats

    from assaystats.correlates._spearman_exact import spearman_exact_p

    sref = Reference("correlates/reference_spearman.csv")
    data = pd.read_csv(REFERENCE / "correlates" / "spearman_exact_data.csv")
    for term, d in data.groupby("term"):
        r = stats.spearmanr(d.x, d.y).statistic
        assert r == pytest.approx(sref("spearman_exact", "rho", term), rel=SPEARMAN_EXACT_RHO_REL, abs=1e-15)
        assert spearman_exact_p(r, len(d)) == pytest.approx(sref("spearman_exact", "p", term),
                                                            rel=SPEARMAN_EXACT_P_REL, abs=1e-15)
        assert spearman_exact_p(r, len(d), "greater") == pytest.approx(sref("spearman_exact", "p_greater", term),
                                                                        rel=SPEARMAN_EXACT_P_REL, abs=1e-15)
    # through the vectorised path: untied pairs get the exact p, tied pairs keep the t approximation
    d = data[data.term == "n7_k2"]
    res = correlate_one(d.x.to_numpy(float), d.y.to_numpy(float)[None, :], ["y"], method="spearman", exact=True)
    assert res.p_value.iloc[0] == pytest.approx(sref("spearman_exact", "p", "n7_k2"), rel=SPEARMAN_EXACT_P_REL)
