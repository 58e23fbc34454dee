"""Replicate cultures: pseudobulk DESeq2 (checked against R DESeq2 1.38.3), conditions over libraries, and the
batch options (Harmony, BBKNN) on libraries with a planted library effect."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("scanpy")
pytest.importorskip("pydeseq2")

from assaystats.cli import main  # noqa: E402
from assaystats.datasets import path as dpath  # noqa: E402
from tests._cli import assert_one_line_error  # noqa: E402
from tests._reference import REFERENCE, record_arrays  # noqa: E402

SIM = dpath("scrna_sim").parent
REF = REFERENCE / "scrna"


def _bulk_as_cells():
    """The reference pseudobulk matrix as AnnData with one 'cell' per culture: summing is then the identity."""
    import anndata as ad
    import scipy.sparse as sp

    counts = pd.read_csv(REF / "pseudobulk_counts.csv", index_col=0).T
    samples = pd.read_csv(REF / "pseudobulk_samples.csv", index_col=0)
    a = ad.AnnData(X=sp.csr_matrix(counts.to_numpy(float)),
                   obs=pd.DataFrame({"sample": samples.condition.to_numpy(), "culture": counts.index.to_numpy()},
                                    index=counts.index),
                   var=pd.DataFrame(index=counts.columns))
    a.layers["counts"] = a.X.copy()
    return a


#: pydeseq2 against DESeq2 1.38.3 as it runs (DESeq(), deseq2_results.csv), measured: baseMean 8.9e-16 relative,
#: log2FoldChange 5.9e-5 absolute, lfcSE 9.9e-3 relative, p and adjusted p 0.085 on the natural-log scale. The gap
#: is DESeq2's: its line search for the gene-wise dispersion stops short of the likelihood maximum
#: (check_dispersion_maximum.R), which moves the trend and the final dispersions by up to 2 %.
DESEQ2_REL_BASEMEAN = 1e-14  # floor: below it the difference is the order of floating-point sums, not the statistic
DESEQ2_ABS_LFC = 5e-4
DESEQ2_REL_LFCSE = 2e-2
DESEQ2_LOG_P = 0.1
#: pydeseq2 against DESeq2's later steps (trend, MAP dispersions, Wald test, results()) run from the gene-wise
#: maximum (deseq2_results_from_maximum.csv), measured: log2FoldChange 8.2e-6, lfcSE 3.7e-4, log p 5.0e-3,
#: final dispersion 7.6e-4
FROM_MAX_ABS_LFC = 5e-5
FROM_MAX_REL_LFCSE = 4e-3
FROM_MAX_LOG_P = 0.05
FROM_MAX_REL_DISPERSION = 8e-3
#: pydeseq2's gene-wise dispersions against the maximum of DESeq2's own gene-wise likelihood found by optim in R,
#: measured 2.5e-5 on the log scale (L-BFGS-B's stopping rule)
GENEWISE_LOG_DISPERSION = 2.5e-4


def _results_table(name):
    return pd.read_csv(REF / name, index_col=0)


def test_pseudobulk_deseq2_matches_r_deseq2():
    """pydeseq2 0.5 (as assaystats.scrna.pseudobulk_deseq2 calls it) against DESeq2 1.38.3's DESeq() and results()
    (make_reference_deseq2.R), with the tolerances above: baseMean is a closed form; the rest differ because R's
    gene-wise dispersions stop short of the maximum (next test), which moves very small p values (1e-22) by up to
    9 %. NA patterns (all-zero genes, the Cook's outlier) and the calls at padj < 0.1 must be identical."""
    from assaystats.scrna import pseudobulk_deseq2

    r = _results_table("deseq2_results.csv")
    py = pseudobulk_deseq2(_bulk_as_cells(), group="R", reference="P", replicate="culture").reindex(r.index)
    for col in ("baseMean", "log2FoldChange", "lfcSE", "pvalue", "padj"):
        assert (py[col].isna() == r[col].isna()).all(), col
    ok = r.pvalue.notna()
    assert r.loc["OUTLIER1", "pvalue"] != r.loc["OUTLIER1", "pvalue"]  # Cook's cutoff: NA in both
    src = "make_reference_deseq2.R (R 4.2.2; DESeq2 1.38.3)"
    for case, t, tol in (("deseq2", r, (DESEQ2_REL_BASEMEAN, DESEQ2_ABS_LFC, DESEQ2_REL_LFCSE, DESEQ2_LOG_P)),
                         ("deseq2_from_maximum", _results_table("deseq2_results_from_maximum.csv"),
                          (None, FROM_MAX_ABS_LFC, FROM_MAX_REL_LFCSE, FROM_MAX_LOG_P))):
        f = f"scrna/{'deseq2_results.csv' if case == 'deseq2' else 'deseq2_results_from_maximum.csv'}"
        if tol[0] is not None:
            b = r.baseMean.notna()
            record_arrays("scrna", case, "baseMean", r.index[b], t.baseMean[b], py.baseMean[b], rtol=tol[0], file=f,
                          source=src)
        fin_ = np.isfinite(t.log2FoldChange) & np.isfinite(py.log2FoldChange)
        record_arrays("scrna", case, "log2FoldChange", r.index[fin_], t.log2FoldChange[fin_], py.log2FoldChange[fin_],
                      atol=tol[1], file=f, source=src)
        record_arrays("scrna", case, "lfcSE", r.index[fin_], t.lfcSE[fin_], py.lfcSE[fin_], rtol=tol[2], file=f,
                      source=src)
        ok_ = t.pvalue.notna() & py.pvalue.notna() & (t.pvalue > 0) & (py.pvalue > 0)
        record_arrays("scrna", case, "log(pvalue)", r.index[ok_], np.log(t.pvalue[ok_]), np.log(py.pvalue[ok_]),
                      atol=tol[3], file=f, source=src)
    assert np.allclose(py.baseMean[r.baseMean.notna()], r.baseMean.dropna(), rtol=DESEQ2_REL_BASEMEAN, atol=0)
    fin = r.log2FoldChange.notna()
    assert np.abs(py.log2FoldChange[fin] - r.log2FoldChange[fin]).max() < DESEQ2_ABS_LFC
    assert np.abs(py.lfcSE[fin] / r.lfcSE[fin] - 1).max() < DESEQ2_REL_LFCSE
    assert np.abs(np.log(py.pvalue[ok]) - np.log(r.pvalue[ok])).max() < DESEQ2_LOG_P
    assert np.abs(np.log(py.padj[ok]) - np.log(r.padj[ok])).max() < DESEQ2_LOG_P
    assert set(py.index[py.padj < 0.1]) == set(r.index[r.padj < 0.1])
    # planted truth: the up and down blocks are found with the right sign
    called = py[py.padj < 0.1]
    assert (called.loc[called.index.str.startswith("UP"), "log2FoldChange"] > 0).all()
    assert (called.loc[called.index.str.startswith("DOWN"), "log2FoldChange"] < 0).all()
    assert called.index.str.startswith(("UP", "DOWN")).sum() / 50 > 0.9  # recall of the 50 planted genes

    # from the gene-wise maximum, DESeq2's later steps give pydeseq2's table to the precision of their own optimisers
    m = _results_table("deseq2_results_from_maximum.csv")
    assert (m.pvalue.isna() == r.pvalue.isna()).all()
    assert np.abs(py.log2FoldChange[fin] - m.log2FoldChange[fin]).max() < FROM_MAX_ABS_LFC
    assert np.abs(py.lfcSE[fin] / m.lfcSE[fin] - 1).max() < FROM_MAX_REL_LFCSE
    assert np.abs(np.log(py.pvalue[ok]) - np.log(m.pvalue[ok])).max() < FROM_MAX_LOG_P


def test_genewise_dispersions_reach_the_likelihood_maximum():
    """DESeq2's gene-wise dispersion maximises its Cox-Reid adjusted likelihood by a line search that stops short of
    the maximum; check_dispersion_maximum.R maximises DESeq2's own objective (its compiled code) directly with optim.
    DESeq2 1.38.3 ends more than 1e-6 log-likelihood below the maximum on 99 of 396 genes (by up to 0.042, its
    dispersion up to 18 % away); pydeseq2, called as assaystats calls it, reaches the maximum: every gene-wise
    dispersion within GENEWISE_LOG_DISPERSION on the log scale (two genes with less variation than Poisson sit at
    the lower bound 1e-8 in all three), and the final dispersions within FROM_MAX_REL_DISPERSION of DESeq2's run
    from the maximum."""
    import warnings

    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference

    mx = pd.read_csv(REF / "deseq2_dispersion_maximum.csv", index_col=0)
    counts = pd.read_csv(REF / "pseudobulk_counts.csv", index_col=0).T
    samples = pd.read_csv(REF / "pseudobulk_samples.csv", index_col=0)
    meta = pd.DataFrame({"condition": samples.condition.map({"P": "A_reference", "R": "B_group"})},
                        index=counts.index)
    with warnings.catch_warnings():  # the settings of assaystats.scrna.pseudobulk_deseq2
        warnings.simplefilter("ignore")
        dds = DeseqDataSet(counts=counts, metadata=meta, design="~condition", inference=DefaultInference(n_cpus=1),
                           quiet=True)
        dds.deseq2()
    gw = dds.var["genewise_dispersions"]
    assert set(gw.dropna().index) == set(mx.index)
    record_arrays("scrna", "genewise_dispersion_maximum", "log(dispersion)", mx.index, np.log(mx.disp_max),
                  np.log(gw[mx.index]), atol=GENEWISE_LOG_DISPERSION, file="scrna/deseq2_dispersion_maximum.csv",
                  source="check_dispersion_maximum.R (R 4.2.2; DESeq2 1.38.3, optim on its gene-wise likelihood)")
    d = np.abs(np.log(gw[mx.index].to_numpy()) - np.log(mx.disp_max.to_numpy()))
    assert d.max() < GENEWISE_LOG_DISPERSION, mx.index[d.argmax()]
    at_bound = mx.index[mx.disp_max == 1e-8]
    assert sorted(at_bound) == ["DOWN018", "GENE039"] and (gw[at_bound] == 1e-8).all()
    # the committed R side: how far DESeq2's own estimates stop short
    assert (mx.short_deseq2 > 1e-6).sum() == 99 and mx.short_deseq2.max() == pytest.approx(0.0416, abs=5e-5)
    assert (mx.short_pydeseq2 < 1e-9).all()
    m = _results_table("deseq2_results_from_maximum.csv")
    fin = m.dispersion.notna()
    record_arrays("scrna", "deseq2_from_maximum", "dispersion", m.index[fin], m.dispersion[fin],
                  dds.var["dispersions"][m.index[fin]], rtol=FROM_MAX_REL_DISPERSION,
                  file="scrna/deseq2_results_from_maximum.csv", source="make_reference_deseq2.R (R 4.2.2; DESeq2 1.38.3)")
    fd = np.abs(dds.var["dispersions"][m.index[fin]].to_numpy() / m.dispersion[fin].to_numpy() - 1)
    assert fd.max() < FROM_MAX_REL_DISPERSION


def test_pseudobulk_counts_are_sums_per_culture():
    import anndata as ad
    import scipy.sparse as sp

    from assaystats.scrna import pseudobulk_counts

    rng = np.random.default_rng(0)
    x = rng.poisson(3, (12, 5)).astype(float)
    obs = pd.DataFrame({"sample": ["P"] * 6 + ["R"] * 6, "culture": ["a", "b", "c"] * 4},
                       index=[f"c{i}" for i in range(12)])
    a = ad.AnnData(X=sp.csr_matrix(x), obs=obs, var=pd.DataFrame(index=list("ABCDE")))
    a.layers["counts"] = a.X.copy()
    summed, meta = pseudobulk_counts(a, replicate="culture")
    assert list(summed.index) == ["P|a", "P|b", "P|c", "R|a", "R|b", "R|c"]
    for key in summed.index:
        cond, rep = key.split("|")
        m = ((obs["sample"] == cond) & (obs["culture"] == rep)).to_numpy()
        assert (summed.loc[key].to_numpy() == x[m].sum(0)).all()
        assert meta.loc[key, "n_cells"] == m.sum()


def _libraries(tmp_path, shift=0.0):
    """The bundled P and R samples split into two libraries each (written as .h5ad); ``shift`` plants a library
    effect: 60 background genes x (1 + shift) in the second library of each condition."""
    from assaystats.scrna._io import read_sample

    paths = {}
    for cond in ("P", "R"):
        a = read_sample(SIM / cond, cond)
        half = np.arange(a.n_obs) % 2 == 1
        bg = np.flatnonzero(a.var_names.str.startswith("GENE"))[:60]
        for i, m in enumerate((~half, half), start=1):
            part = a[m].copy()
            if i == 2 and shift:
                x = part.X.toarray()
                x[:, bg] = np.rint(x[:, bg] * (1 + shift))
                import scipy.sparse as sp

                part.X = sp.csr_matrix(x)
            part.obs_names = [n.split("_", 1)[1] for n in part.obs_names]
            del part.obs["sample"]
            paths[f"{cond}{i}"] = tmp_path / f"{cond}{i}.h5ad"
            part.write_h5ad(paths[f"{cond}{i}"])
    return paths


COND = {"P1": "P", "P2": "P", "R1": "R", "R2": "R"}


def test_conditions_over_libraries_give_pseudobulk_de(tmp_path):
    from assaystats.scrna import run

    res = run(_libraries(tmp_path), reference="P", conditions=COND, stability_seeds=0, tsne=False)
    de = res.de
    assert de.method.iloc[0].startswith("pseudobulk DESeq2") and "2 R, 2 P" in de.method.iloc[0]
    up = de[(de.p_adjusted < 0.05) & (de.log2fc > 0)]
    from assaystats.scrna._analysis import DE_COLUMNS

    assert "ZFAS1" in set(up.gene) and list(de.columns) == DE_COLUMNS
    cells = res.cells
    assert set(cells["sample"]) == {"P", "R"} and set(cells["library"]) == set(COND)
    assert set(res.qc_summary["sample"]) == set(COND)  # QC per library
    assert "exploratory" not in res.summary() and "DESeq2" in res.methods()


def test_command_with_conditions_and_batch(tmp_path):
    paths = _libraries(tmp_path)
    out = tmp_path / "out"
    args = ["scrna", "--out", str(out), "--reference", "P", "--batch", "harmony"]
    for k, p in paths.items():
        args += ["--sample", f"{k}={p}", "--condition", f"{k}={COND[k]}"]
    assert main(args) == 0
    de = pd.read_csv(out / "tables" / "de.csv")
    assert de.method.iloc[0].startswith("pseudobulk DESeq2")
    html = (out / "report.html").read_text()
    assert "harmony correction across library" in html and "exploratory" not in html


def _library_mixing(sub, rep, k=15):
    """Mean share of a cell's k nearest neighbours (in ``rep``) from the other library of its own condition."""
    from sklearn.neighbors import NearestNeighbors

    X = sub.obsm[rep]
    idx = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X, return_distance=False)[:, 1:]
    lib = sub.obs["library"].astype(str).to_numpy()
    cond = sub.obs["sample"].astype(str).to_numpy()
    same_cond = cond[idx] == cond[:, None]
    other_lib = (lib[idx] != lib[:, None]) & same_cond
    return float(other_lib.sum() / same_cond.sum())


def test_harmony_and_bbknn_mix_libraries_with_a_planted_effect(tmp_path):
    """With a planted library effect the libraries separate; Harmony brings back the mixing within a condition
    (the unit is the share of neighbours from the other library of the same condition: 0.5 is perfect mixing),
    while P and R stay apart. BBKNN builds its graph with neighbours from every library by construction."""
    from assaystats.scrna import run

    paths = _libraries(tmp_path, shift=4.0)
    plain = run(paths, reference="P", conditions=COND, stability_seeds=0, tsne=False)
    harm = run(paths, reference="P", conditions=COND, stability_seeds=2, tsne=False, batch="harmony")
    before = _library_mixing(plain.adata, "X_pca")
    after = _library_mixing(harm.adata, "X_pca_harmony")
    assert before < 0.2 and after > 0.35, (before, after)
    # the conditions are not merged, but Harmony does take part of their difference (libraries are nested in
    # conditions): measured 0.93 of an R cell's neighbours are R without correction, 0.74 with (docs/scrna.md)
    s = harm.adata.obs["sample"].astype(str).to_numpy()
    from sklearn.neighbors import NearestNeighbors

    X = harm.adata.obsm["X_pca_harmony"]
    idx = NearestNeighbors(n_neighbors=16).fit(X).kneighbors(X, return_distance=False)[:, 1:]
    assert (s[idx][s == "R"] == "R").mean() > 0.7
    assert harm.meta["params"]["use_rep"] == "X_pca_harmony" and harm.meta["stability"]["seeds"] in (0, 2)

    bb = run(paths, reference="P", conditions=COND, stability_seeds=0, tsne=False, batch="bbknn")
    g = bb.adata.obsp["connectivities"].tocsr()
    lib = bb.adata.obs["library"].astype(str).to_numpy()
    libs_per_cell = [len(set(lib[g.indices[g.indptr[i]:g.indptr[i + 1]]])) for i in range(g.shape[0])]
    assert np.mean(np.array(libs_per_cell) == 4) > 0.9  # neighbours drawn from every library
    assert bb.meta["params"]["batch"] == "bbknn"


def test_bad_condition_inputs(tmp_path, capsys):
    paths = _libraries(tmp_path)
    base = []
    for k, p in paths.items():
        base += ["--sample", f"{k}={p}"]
    out = tmp_path / "out"

    def run_(*extra):
        return main(["scrna", "--out", str(out), "--reference", "P", *base, *extra])

    conds = [x for k in ("P1", "P2", "R1") for x in ("--condition", f"{k}={COND[k]}")]
    assert_one_line_error(capsys, run_(*conds), out, None, "'R2' have no condition")
    assert_one_line_error(capsys, run_(*conds, "--condition", "R2=R", "--condition", "X9=R"), out, None,
                          "'X9', which is not a sample label")
    assert_one_line_error(capsys, run_(*conds, "--condition", "R2=Q"), out, None, "exactly two conditions")
    assert_one_line_error(capsys, run_(*conds, "--condition", "R2"), out, None, "LABEL=CONDITION")
    # batch correction when each condition is one library would erase the comparison
    code = main(["scrna", "--out", str(out), "--example", "--reference", "P", "--batch", "harmony"])
    assert_one_line_error(capsys, code, out, None, "batch correction")


def test_batch_option_names_the_missing_library(tmp_path, monkeypatch):
    """The batch libraries are optional: without them the error names the package to install."""
    import sys

    from assaystats.errors import AssayDataError
    from assaystats.scrna import run

    paths = _libraries(tmp_path)
    for mod, batch in (("harmonypy", "harmony"), ("bbknn", "bbknn")):
        monkeypatch.setitem(sys.modules, mod, None)  # import raises ImportError
        with pytest.raises(AssayDataError, match=f"pip install {mod}"):
            run(paths, reference="P", conditions=COND, stability_seeds=0, tsne=False, batch=batch)


def test_batch_api_errors(tmp_path):
    """From Python: an unknown method and a missing library column are named."""
    from assaystats.errors import AssayDataError
    from assaystats.scrna import run

    paths = _libraries(tmp_path)
    with pytest.raises(AssayDataError, match="batch must be 'harmony' or 'bbknn'; got 'combat'"):
        run(paths, reference="P", conditions=COND, stability_seeds=0, tsne=False, batch="combat")
    with pytest.raises(AssayDataError, match="'plate' is not one"):
        run(paths, reference="P", conditions=COND, stability_seeds=0, tsne=False, batch="harmony",
            batch_key="plate")
