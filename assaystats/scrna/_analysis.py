"""Differential expression, gene-set and cell-cycle scores, and candidate cells.

DE table (``differential``), the same columns with the same meaning on both paths:

- ``log2fc`` with ``ci_low``, ``ci_high`` (at ``ci_level``) and its standard error ``lfc_se``. With one sample per
  condition: the pooled fold change (counts summed over the cells of each condition, log2 counts per million with
  edgeR's library-size-scaled prior count of 2, ``_foldchange``) and its delta-method interval with cells as the
  sampling unit. With replicate cultures (two or more per condition): DESeq2's maximum-likelihood fold change on
  the counts summed per culture (pydeseq2, no shrinkage) and its Wald interval, log2fc -+ z * lfcSE.
- ``log2fc_pooled``: the pooled fold change (edgeR prior count) on both paths (equal to ``log2fc`` without
  replicates); ``logcpm_group``, ``logcpm_reference``: its two log2 counts per million.
- ``log2fc_seurat``: Seurat's FindMarkers convention, log2(mean + 1) - log2(mean + 1) of cell-level counts per
  10,000 (pseudocount 1); it compresses the fold change of genes below about one count per cell.
- ``p_value``, ``p_adjusted`` (BH): scanpy's Wilcoxon rank-sum on cells (tie-corrected), labelled exploratory since
  cells of one culture are not independent replicates; or DESeq2's Wald test (Cook's cutoff, independent
  filtering) on the cultures.
- ``pct_group``, ``pct_reference``: fraction of cells with a count; ``base_mean``: DESeq2's mean of normalised
  counts (NaN without replicate cultures, where no DESeq2 fit is made); ``method``.
"""

from __future__ import annotations

import numpy as np

from ..errors import AssayDataError

__all__ = ["differential", "markers", "pseudobulk_counts", "pseudobulk_deseq2", "score_sets", "candidate_cells", "read_gene_sets",
           "CELL_CYCLE"]


def _genesets_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent / "genesets"


def read_gene_sets(path=None) -> dict:
    """GMT (name, description, genes...) or a plain list (one gene per line, the set named after the file)."""
    from pathlib import Path

    p = Path(path) if path else _genesets_dir() / "study_sets.gmt"
    if not p.is_file():
        raise AssayDataError("gene-set file not found" if not p.exists() else "gene-set path is not a file",
                             file=str(p))
    if p.suffix.lower() == ".gmt":
        from ..io import read_gmt

        return read_gmt(p)
    text = p.read_text(encoding="utf-8", errors="replace")
    return {p.stem: [g.strip() for g in text.replace(",", "\n").splitlines() if g.strip() and not g.startswith("#")]}


def CELL_CYCLE() -> dict:
    cc, cur = {"S": [], "G2M": []}, None
    for line in (_genesets_dir() / "cell_cycle_tirosh2016.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            cur = line.strip("[]")
            continue
        cc[cur] += line.split()
    return cc


def score_sets(adata, sets: dict, *, seed=0):
    """scanpy's score_genes per set (genes sorted first, so the score does not depend on the order given) and
    the cell-cycle phase from the Tirosh lists (when the data has S and G2M genes). Symbols that differ from the
    data's only by case match (``_sets.match_genes``). Sets with no gene in the data are an error."""
    import scanpy as sc

    from ._sets import cell_cycle_genes, match_genes

    used = {}
    for name, genes in sets.items():
        g = sorted(match_genes(genes, adata.var_names)[0])
        if not g:
            raise AssayDataError(f"gene set {name!r} has no gene in the data ({len(genes)} genes, e.g. "
                                 f"{', '.join(list(genes)[:3])})")
        sc.tl.score_genes(adata, g, score_name=f"score_{name}", random_state=seed)
        used[name] = g
    s, g2m, _by_case = cell_cycle_genes(adata.var_names)
    if s and g2m:
        sc.tl.score_genes_cell_cycle(adata, s_genes=s, g2m_genes=g2m, random_state=seed)
    return used


DE_COLUMNS = ["gene", "group", "reference", "log2fc", "ci_low", "ci_high", "ci_level", "lfc_se", "p_value",
              "p_adjusted", "pct_group", "pct_reference", "log2fc_pooled", "logcpm_group", "logcpm_reference",
              "log2fc_seurat", "base_mean", "method"]


def differential(adata, *, groupby="sample", group, reference, replicate=None, ci_level=0.95):
    """DE table of ``group`` against ``reference`` (cells in ``adata.obs[groupby]``, raw counts in
    ``layers['counts']``), one row per gene with the columns of ``DE_COLUMNS`` (module docstring), sorted by
    adjusted p value and then by fold change."""
    import pandas as pd
    import scanpy as sc

    from ._foldchange import fold_changes

    if not 0 < ci_level < 1:
        raise AssayDataError(f"ci_level must lie between 0 and 1; got {ci_level!r}")
    counts = adata.layers["counts"]
    gmask = (adata.obs[groupby] == group).to_numpy()
    rmask = (adata.obs[groupby] == reference).to_numpy()
    for name, m in ((group, gmask), (reference, rmask)):
        if not m.any():
            raise AssayDataError(f"{name!r} has no cells in column {groupby!r}")
        if counts[m].sum() <= 0:
            raise AssayDataError(f"the cells of {name!r} (column {groupby!r}) have no counts")
    fc = fold_changes(counts, gmask, rmask, ci_level=ci_level)
    pct_g = np.asarray((counts[gmask] > 0).mean(axis=0)).ravel()
    pct_r = np.asarray((counts[rmask] > 0).mean(axis=0)).ravel()
    if replicate is not None and adata.obs.loc[gmask, replicate].nunique() >= 2 and \
            adata.obs.loc[rmask, replicate].nunique() >= 2:
        from scipy import stats

        pb = pseudobulk_deseq2(adata, groupby=groupby, group=group, reference=reference, replicate=replicate)
        pb = pb.reindex(adata.var_names)
        log2fc, se, p, padj, base_mean = (pb[c].to_numpy(float)
                                          for c in ("log2FoldChange", "lfcSE", "pvalue", "padj", "baseMean"))
        z = stats.norm.ppf(0.5 + ci_level / 2)
        ci_low, ci_high = log2fc - z * se, log2fc + z * se
        n_g, n_r = (int(adata.obs.loc[m, replicate].nunique()) for m in (gmask, rmask))
        method = (f"pseudobulk DESeq2 (pydeseq2): counts summed per {replicate} ({n_g} {group}, {n_r} {reference}), "
                  "Wald test, Cook's and independent filtering, BH; replicate cultures, not cells, are the unit")
    else:
        log2fc, se = fc["log2fc_pooled"], fc["lfc_se_pooled"]
        ci_low, ci_high = fc["ci_low_pooled"], fc["ci_high_pooled"]
        base_mean = np.full(adata.n_vars, np.nan)
        sub = adata[gmask | rmask] if not (gmask | rmask).all() else adata
        sub = sub.copy() if sub.is_view else sub
        import warnings

        with warnings.catch_warnings(), np.errstate(all="ignore"):  # genes without variance give NaN, reported
            warnings.simplefilter("ignore", RuntimeWarning)
            sc.tl.rank_genes_groups(sub, groupby, groups=[group], reference=reference, method="wilcoxon",
                                    tie_correct=True, key_added="assaystats_de")
        r = sc.get.rank_genes_groups_df(sub, group=group, key="assaystats_de").set_index("names")
        if sub is adata:
            del adata.uns["assaystats_de"]
        p = r.loc[adata.var_names, "pvals"].to_numpy(float)
        from statsmodels.stats.multitest import multipletests

        padj = multipletests(np.nan_to_num(p, nan=1.0), method="fdr_bh")[1]
        method = ("Wilcoxon rank-sum on cells (scanpy, tie-corrected), BH; exploratory: one sample per condition, "
                  "so cells are not independent replicates")
    out = pd.DataFrame({"gene": adata.var_names, "group": group, "reference": reference, "log2fc": log2fc,
                        "ci_low": ci_low, "ci_high": ci_high, "ci_level": float(ci_level), "lfc_se": se,
                        "p_value": p, "p_adjusted": padj, "pct_group": pct_g, "pct_reference": pct_r,
                        "log2fc_pooled": fc["log2fc_pooled"], "logcpm_group": fc["logcpm_group"],
                        "logcpm_reference": fc["logcpm_reference"], "log2fc_seurat": fc["log2fc_seurat"],
                        "base_mean": base_mean, "method": method}, columns=DE_COLUMNS)
    return out.sort_values(["p_adjusted", "log2fc"], ascending=[True, False], kind="stable").reset_index(drop=True)


def markers(adata, *, groupby="leiden", top=None, use_raw=None, min_pct=0.1, min_log2fc=0.25):
    """Marker genes of every group against the rest: scanpy's Wilcoxon rank-sum (tie-corrected), with Seurat's
    FindAllMarkers pre-filter (v4 defaults): a gene is tested for a group only when it is detected in at least
    ``min_pct`` of the cells of the group or of the rest and its |log2 fold change| is at least ``min_log2fc``
    (0 and 0 test every gene, as scanpy does). The other genes count as p = 1 in the BH adjustment, which runs over
    every gene of the data within each group. Fold change by Seurat's convention, as FindAllMarkers computes it for
    the pre-filter (``log2fc_seurat`` of the DE table): log2(mean + 1) of normalised counts per 10,000 (expm1 of the
    log-normalised data). Table: group, gene, rank, score, log2fc, p_value, p_adjusted,
    pct_group, pct_rest (tested genes only, by score); ``top`` keeps the first ``top`` genes of each group."""
    import warnings

    import anndata as ad
    import pandas as pd
    import scanpy as sc
    import scipy.sparse as sp
    from statsmodels.stats.multitest import multipletests

    raw = adata.raw is not None if use_raw is None else use_raw
    X = adata.raw.X if raw else adata.X
    X = sp.csr_matrix(X) if not sp.issparse(X) else X.tocsr()
    names = pd.Index(adata.raw.var_names if raw else adata.var_names)
    grp = adata.obs[groupby]
    grp = grp if hasattr(grp, "cat") else grp.astype("category")
    codes = grp.cat.codes.to_numpy()
    k = len(grp.cat.categories)
    onehot = sp.csr_matrix((np.ones(adata.n_obs), (codes, np.arange(adata.n_obs))), shape=(k, adata.n_obs))
    n_per = np.asarray(onehot.sum(axis=1)).ravel()
    n_all = adata.n_obs
    det_sum = np.asarray((onehot @ (X > 0).astype(np.float32)).todense())  # groups x genes
    expr_sum = np.asarray((onehot @ X.expm1()).todense())
    tables = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for i, g in enumerate(grp.cat.categories):
            n_rest = max(n_all - n_per[i], 1)
            pct_g, pct_r = det_sum[i] / n_per[i], (det_sum.sum(0) - det_sum[i]) / n_rest
            lfc = np.log2(expr_sum[i] / n_per[i] + 1) - np.log2((expr_sum.sum(0) - expr_sum[i]) / n_rest + 1)
            keep = (np.maximum(pct_g, pct_r) >= min_pct) & (np.abs(lfc) >= min_log2fc)
            if not keep.any():
                continue
            tested = ad.AnnData(X=X[:, keep], obs=pd.DataFrame({"g": (codes == i).astype(int).astype(str)},
                                                                 index=adata.obs_names),
                                var=pd.DataFrame(index=names[keep]))
            sc.tl.rank_genes_groups(tested, "g", groups=["1"], reference="0", method="wilcoxon", tie_correct=True,
                                    use_raw=False)
            r = sc.get.rank_genes_groups_df(tested, group="1")
            pos = names.get_indexer(r["names"])
            p = r["pvals"].to_numpy(float)
            padded = np.ones(names.size)
            padded[: p.size] = np.nan_to_num(p, nan=1.0)
            padj = multipletests(padded, method="fdr_bh")[1][: p.size]
            t = pd.DataFrame({"group": str(g), "gene": r["names"].to_numpy(), "rank": np.arange(1, len(r) + 1),
                              "score": r["scores"].to_numpy(float), "log2fc": lfc[pos], "p_value": p,
                              "p_adjusted": padj, "pct_group": pct_g[pos], "pct_rest": pct_r[pos]})
            tables.append(t if top is None else t.head(top))
    cols = ["group", "gene", "rank", "score", "log2fc", "p_value", "p_adjusted", "pct_group", "pct_rest"]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=cols)


def pseudobulk_counts(adata, *, groupby="sample", replicate, layer="counts"):
    """Raw counts summed over the cells of each (condition, replicate): a samples x genes DataFrame and the sample
    table (condition, replicate, n_cells)."""
    import pandas as pd

    counts = adata.layers[layer] if layer else adata.X
    keys = adata.obs[[groupby, replicate]].astype(str)
    ukeys = keys.drop_duplicates().sort_values([groupby, replicate]).to_numpy()
    rows, meta = [], []
    for cond, rep in ukeys:
        m = ((keys[groupby] == cond) & (keys[replicate] == rep)).to_numpy()
        rows.append(np.asarray(counts[m].sum(axis=0)).ravel())
        meta.append({"pseudobulk": f"{cond}|{rep}", "condition": cond, "replicate": rep, "n_cells": int(m.sum())})
    meta = pd.DataFrame(meta).set_index("pseudobulk")
    summed = pd.DataFrame(np.rint(np.vstack(rows)).astype(np.int64), index=meta.index, columns=adata.var_names)
    return summed, meta


def pseudobulk_deseq2(adata, *, groupby="sample", group, reference, replicate, alpha=0.1):
    """DESeq2 (pydeseq2) on the pseudobulk counts, design ~ condition, contrast group vs reference: the results
    table of R's ``results(dds, contrast=...)`` with its defaults (Wald test, Cook's cutoff, independent filtering
    at alpha 0.1). pydeseq2 is the maintained Python port of DESeq2 (scverse); checked against DESeq2 1.38.3 in
    tests/reference/scrna."""
    import warnings

    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference
    from pydeseq2.ds import DeseqStats

    summed, meta = pseudobulk_counts(adata, groupby=groupby, replicate=replicate)
    keep = meta["condition"].isin([group, reference]).to_numpy()
    summed, meta = summed[keep], meta[keep].copy()
    # neutral level names: pydeseq2 (formulaic) rejects some characters in factor levels
    meta["condition"] = meta["condition"].map({reference: "A_reference", group: "B_group"})
    inference = DefaultInference(n_cpus=1)
    with warnings.catch_warnings():  # all-zero genes and low counts are reported through NA, as in R
        warnings.simplefilter("ignore")
        dds = DeseqDataSet(counts=summed, metadata=meta[["condition"]], design="~condition", inference=inference,
                           quiet=True)
        dds.deseq2()
        stats = DeseqStats(dds, contrast=["condition", "B_group", "A_reference"], alpha=alpha, inference=inference,
                           quiet=True)
        stats.summary()
    return stats.results_df


def candidate_cells(adata, *, groupby="sample", reference, other, k=15, seed=0, use_rep="X_pca", fdr=0.05):
    """For every cell of ``reference``: the fraction of its k nearest neighbours (in ``use_rep``) from ``other``,
    its p value under the permutation null that shuffles the sample labels of the other cells (sample sizes kept,
    neighbourhoods fixed) — computed exactly: the number of ``other`` cells among k neighbours drawn from the
    remaining N - 1 cells is hypergeometric — BH q values, and the call (q < fdr and a majority of neighbours
    from ``other``). Exact rather than Monte Carlo so that the smallest attainable p does not depend on a
    number of permutations (with 241 cells BH needs p below ~1e-3)."""
    from scipy import stats
    from sklearn.neighbors import NearestNeighbors
    from statsmodels.stats.multitest import multipletests

    del seed  # deterministic: kept in the signature for a stable API
    X = adata.obsm[use_rep]
    labels = adata.obs[groupby].astype(str).to_numpy()
    n_ref, n_oth = int((labels == reference).sum()), int((labels == other).sum())
    if n_ref == 0:
        raise AssayDataError(f"reference {reference!r} has no cells")
    if n_ref <= k or n_oth <= k:
        raise AssayDataError(f"a sample has fewer cells than the neighbourhood size k = {k}")
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    idx = nn.kneighbors(X, return_distance=False)[:, 1:]
    is_other = labels == other
    count = is_other[idx].sum(axis=1)
    ref_idx = np.flatnonzero(labels == reference)
    N = labels.size
    p = stats.hypergeom.sf(count[ref_idx] - 1, N - 1, n_oth, k)
    q = multipletests(p, method="fdr_bh")[1]
    out_score = np.full(adata.n_obs, np.nan)
    out_q = np.full(adata.n_obs, np.nan)
    call = np.zeros(adata.n_obs, bool)
    out_score[ref_idx] = count[ref_idx] / k
    out_q[ref_idx] = q
    call[ref_idx] = (q < fdr) & (count[ref_idx] / k > 0.5)
    return out_score, out_q, call
