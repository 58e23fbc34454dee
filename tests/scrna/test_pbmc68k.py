"""Validation on scanpy's bundled real data (pbmc68k_reduced: 700 PBMCs, 765 genes, log-normalised in .raw, with
scanpy's own neighbour graph, Louvain clusters and cell-type labels stored): clusters, marker genes, and the
two-group Wilcoxon table against ``scanpy.tl.rank_genes_groups``. Scores and phases: tests/scrna/test_scrna.py."""

import numpy as np
import pandas as pd
import pytest

sc = pytest.importorskip("scanpy")


@pytest.fixture(scope="module")
def pbmc():
    return sc.datasets.pbmc68k_reduced()


def test_clusters_agree_with_scanpys_stored_louvain(pbmc):
    """Our Leiden settings on scanpy's stored graph reproduce its stored Louvain clusters: adjusted Rand index
    0.845 measured (resolution 1.0, seed 0), 12 clusters against 11; and equal a direct ``sc.tl.leiden`` call."""
    from sklearn.metrics import adjusted_rand_score

    from assaystats.scrna import cluster

    a = pbmc.copy()
    ours = cluster(a, resolution=1.0, seed=0)
    assert adjusted_rand_score(pbmc.obs["louvain"], ours) > 0.8
    assert 10 <= ours.nunique() <= 14
    b = pbmc.copy()
    sc.tl.leiden(b, resolution=1.0, random_state=0, flavor="igraph", n_iterations=2, directed=False)
    assert (ours.to_numpy() == b.obs["leiden"].to_numpy()).all()


def test_markers_equal_rank_genes_groups_without_the_prefilter(pbmc):
    """With the pre-filter off, every group's table is scanpy's Wilcoxon one-vs-rest (scores, p and BH p equal
    to the last bit: the same code path), and the log2 fold change is recomputed independently here."""
    from assaystats.scrna import markers

    a = pbmc.copy()
    m = markers(a, groupby="bulk_labels", min_pct=0, min_log2fc=0)
    b = pbmc.copy()
    sc.tl.rank_genes_groups(b, "bulk_labels", method="wilcoxon", tie_correct=True)
    X = np.expm1(b.raw.X.toarray())
    for g in b.obs["bulk_labels"].cat.categories:
        r = sc.get.rank_genes_groups_df(b, group=g).set_index("names")
        ours = m[m.group == g].set_index("gene")
        assert list(ours.index) == list(r.index)
        for col, ref in (("score", "scores"), ("p_value", "pvals"), ("p_adjusted", "pvals_adj")):
            assert np.array_equal(ours[col].to_numpy(), r[ref].to_numpy(float)), (g, col)
        inn = (b.obs["bulk_labels"] == g).to_numpy()
        pos = b.raw.var_names.get_indexer(ours.index[:20])
        lfc = np.log2(X[inn][:, pos].mean(0) + 1) - np.log2(X[~inn][:, pos].mean(0) + 1)
        assert np.allclose(ours.log2fc.iloc[:20], lfc, rtol=1e-5, atol=1e-6)


def test_markers_find_the_canonical_cell_type_genes(pbmc):
    """Known biology of the labelled cell types: each canonical marker is among the first ten of its type (with
    Seurat's pre-filter on, as in the command)."""
    from assaystats.scrna import markers

    m = markers(pbmc.copy(), groupby="bulk_labels", top=10)
    top = m.groupby("group")["gene"].apply(set)
    expected = {"CD19+ B": {"CD79A", "MS4A1"}, "CD56+ NK": {"GNLY", "NKG7", "GZMB", "PRF1"},
                "CD8+ Cytotoxic T": {"GZMH", "CCL5"}, "Dendritic": {"FCER1A", "HLA-DRA", "CD74"},
                "CD14+ Monocyte": {"FCGR3A", "AIF1", "LST1"}, "CD34+": {"GATA2", "PRSS57"},
                "CD8+/CD45RA+ Naive Cytotoxic": {"CD8A", "CD8B", "CCR7"}}
    for group, genes in expected.items():
        assert genes <= top[group], (group, genes - top[group])
    # every reported gene passed the pre-filter
    assert (np.maximum(m.pct_group, m.pct_rest) >= 0.1).all() and (m.log2fc.abs() >= 0.25).all()


def test_prefilter_keeps_the_scanpy_ranking_and_pads_bh(pbmc):
    """The pre-filter only removes genes: the tested genes keep scanpy's p values, and BH counts the untested genes
    as p = 1 (so the adjusted p values are never smaller than without the filter)."""
    from assaystats.scrna import markers

    full = markers(pbmc.copy(), groupby="bulk_labels", min_pct=0, min_log2fc=0).set_index(["group", "gene"])
    filt = markers(pbmc.copy(), groupby="bulk_labels").set_index(["group", "gene"])
    assert len(filt) < len(full)
    j = full.loc[filt.index]
    # one-vs-rest by a 0/1 grouping gives the same statistic as scanpy's 'rest' reference
    assert np.allclose(filt.p_value, j.p_value, rtol=1e-10, atol=0)
    assert (filt.p_adjusted >= j.p_adjusted * (1 - 1e-12)).all()
    # the padded BH, recomputed by scipy's own implementation (independent of statsmodels): within each group the
    # tested p values and, for every untested gene of the 765, p = 1
    from scipy.stats import false_discovery_control

    n_genes = pbmc.raw.n_vars
    for g, t in filt.reset_index().groupby("group"):
        padded = np.concatenate([t.p_value.to_numpy(), np.ones(n_genes - len(t))])
        assert np.allclose(t.p_adjusted, false_discovery_control(padded)[: len(t)], rtol=1e-12, atol=0), g


def test_two_group_wilcoxon_equals_rank_genes_groups():
    """The DE table of the command (sample vs sample) is scanpy's Wilcoxon on the same cells, BH over all genes."""
    from statsmodels.stats.multitest import multipletests

    from assaystats.datasets import path as dpath
    from assaystats.scrna import differential, embed, qc_filter, qc_metrics, read_samples

    base = dpath("scrna_sim").parent
    a = read_samples({"P": str(base / "P"), "R": str(base / "R")})
    qc_metrics(a)
    qc_filter(a, doublets=False)
    sub = embed(a, tsne=False)
    de = differential(sub, group="R", reference="P").set_index("gene")
    ref = sub.copy()
    with np.errstate(all="ignore"):  # genes expressed in no cell give NaN in both
        sc.tl.rank_genes_groups(ref, "sample", groups=["R"], reference="P", method="wilcoxon", tie_correct=True)
    r = sc.get.rank_genes_groups_df(ref, group="R").set_index("names")
    p = r.pvals.reindex(de.index).to_numpy(float)
    assert np.array_equal(de.p_value.to_numpy(float), p, equal_nan=True)
    assert np.allclose(de.p_adjusted, multipletests(np.nan_to_num(p, nan=1.0), method="fdr_bh")[1], rtol=1e-12)
    assert pd.Series(de.index[:5]).isin(r.index[:50]).all()
