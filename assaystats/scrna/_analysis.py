"""Differential expression, gene-set and cell-cycle scores, and candidate cells.

Log2 fold change (documented definition): log2(mean_group + 1) - log2(mean_reference + 1) on library-size-
normalised counts per 10,000 (not log-transformed), the definition of Seurat's FindMarkers with pseudocount 1;
finite for genes with zero counts in one group. p values: scanpy's Wilcoxon rank-sum (tie-corrected), BH-adjusted.
With one sample per condition the cell-level test is the only one possible and is labelled exploratory (cells are
not independent replicates); with replicate samples a pseudobulk test on summed counts is used (log2 CPM, Welch t
across samples, BH).
"""

from __future__ import annotations

import numpy as np

from ..errors import AssayDataError

__all__ = ["differential", "score_sets", "candidate_cells", "read_gene_sets", "CELL_CYCLE"]


def _genesets_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent / "genesets"


def read_gene_sets(path=None) -> dict:
    """GMT (name, description, genes...) or a plain list (one gene per line, the set named after the file)."""
    from pathlib import Path

    p = Path(path) if path else _genesets_dir() / "study_sets.gmt"
    if not p.exists():
        raise AssayDataError("gene-set file not found", file=str(p))
    text = p.read_text(encoding="utf-8", errors="replace")
    if p.suffix.lower() == ".gmt":
        sets = {}
        for line in text.splitlines():
            parts = [x.strip() for x in line.split("\t") if x.strip()]
            if len(parts) >= 3:
                sets[parts[0]] = parts[2:]
        return sets
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
    the cell-cycle phase from the Tirosh lists. Sets with no gene in the data are an error."""
    import scanpy as sc

    present = set(adata.var_names)
    used = {}
    for name, genes in sets.items():
        g = sorted(set(genes) & present)
        if not g:
            raise AssayDataError(f"gene set {name!r} has no gene in the data ({len(genes)} genes, e.g. "
                                 f"{', '.join(list(genes)[:3])})")
        sc.tl.score_genes(adata, g, score_name=f"score_{name}", random_state=seed)
        used[name] = g
    cc = CELL_CYCLE()
    s, g2m = sorted(set(cc["S"]) & present), sorted(set(cc["G2M"]) & present)
    if s and g2m:
        sc.tl.score_genes_cell_cycle(adata, s_genes=s, g2m_genes=g2m, random_state=seed)
    return used


def differential(adata, *, groupby="sample", group, reference, replicate=None):
    """DE table: gene, group, reference, log2fc, p_value, p_adjusted, pct_group, pct_reference, method."""
    import pandas as pd
    import scanpy as sc
    import scipy.sparse as sp

    counts = adata.layers["counts"]
    lib = np.asarray(counts.sum(axis=1)).ravel()
    norm = sp.diags(1e4 / np.maximum(lib, 1)) @ counts
    gmask = (adata.obs[groupby] == group).to_numpy()
    rmask = (adata.obs[groupby] == reference).to_numpy()
    mean_g = np.asarray(norm[gmask].mean(axis=0)).ravel()
    mean_r = np.asarray(norm[rmask].mean(axis=0)).ravel()
    log2fc = np.log2(mean_g + 1) - np.log2(mean_r + 1)
    pct_g = np.asarray((counts[gmask] > 0).mean(axis=0)).ravel()
    pct_r = np.asarray((counts[rmask] > 0).mean(axis=0)).ravel()
    if replicate is not None and adata.obs.loc[gmask, replicate].nunique() >= 2 and \
            adata.obs.loc[rmask, replicate].nunique() >= 2:
        p = _pseudobulk(adata, counts, groupby, group, reference, replicate)
        method = "pseudobulk: summed counts per sample, log2 CPM, Welch t across samples, BH"
    else:
        sub = adata[gmask | rmask].copy()
        import warnings

        with warnings.catch_warnings(), np.errstate(all="ignore"):  # genes without variance give NaN, reported
            warnings.simplefilter("ignore", RuntimeWarning)
            sc.tl.rank_genes_groups(sub, groupby, groups=[group], reference=reference, method="wilcoxon",
                                    tie_correct=True, key_added="assaystats_de")
        r = sc.get.rank_genes_groups_df(sub, group=group, key="assaystats_de").set_index("names")
        p = r.loc[adata.var_names, "pvals"].to_numpy(float)
        method = ("Wilcoxon rank-sum on cells (scanpy, tie-corrected), BH; exploratory: one sample per condition, "
                  "so cells are not independent replicates")
    from statsmodels.stats.multitest import multipletests

    padj = multipletests(np.nan_to_num(p, nan=1.0), method="fdr_bh")[1]
    out = pd.DataFrame({"gene": adata.var_names, "group": group, "reference": reference, "log2fc": log2fc,
                        "p_value": p, "p_adjusted": padj, "pct_group": pct_g, "pct_reference": pct_r,
                        "method": method})
    return out.sort_values(["p_adjusted", "log2fc"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _pseudobulk(adata, counts, groupby, group, reference, replicate):
    from scipy import stats

    keys = adata.obs[[groupby, replicate]].astype(str).agg("|".join, axis=1).to_numpy()
    ukeys = sorted(set(keys))
    sums = np.vstack([np.asarray(counts[keys == k].sum(axis=0)).ravel() for k in ukeys])
    cpm = np.log2(sums / sums.sum(axis=1, keepdims=True) * 1e6 + 1)
    lab = np.array([k.split("|")[0] for k in ukeys])
    a, b = cpm[lab == group], cpm[lab == reference]
    with np.errstate(all="ignore"):
        return stats.ttest_ind(a, b, axis=0, equal_var=False).pvalue


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
