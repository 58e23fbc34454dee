"""QC, normalisation and embedding on scanpy, every choice recorded in ``adata.uns['assaystats']``.

QC per sample by median absolute deviations (scanpy's own metrics): a cell fails when log1p(total counts) or
log1p(genes detected) lies more than ``n_mads`` MADs from its sample's median, or its mitochondrial percentage is
more than ``n_mads_mito`` MADs above the median; absolute limits can be added. Doublet scores by scrublet through
scanpy (flagged; removed only on request). Failed cells stay in the object with ``passed_qc = False``; the
embedding uses the passing cells.
"""

from __future__ import annotations

import numpy as np

from ..errors import AssayDataError

__all__ = ["qc_metrics", "qc_filter", "embed", "cluster"]


def _mito_prefix(var_names) -> str:
    up = sum(1 for g in var_names if g.startswith("MT-"))
    low = sum(1 for g in var_names if g.startswith("mt-"))
    return "mt-" if low > up else "MT-"


def qc_metrics(adata):
    import scanpy as sc

    prefix = _mito_prefix(adata.var_names)
    adata.var["mt"] = adata.var_names.str.startswith(prefix)
    rp = ("RPS", "RPL") if prefix == "MT-" else ("Rps", "Rpl")
    adata.var["ribo"] = adata.var_names.str.startswith(rp)
    sc.pp.calculate_qc_metrics(adata, qc_vars=["mt", "ribo"], percent_top=None, log1p=True, inplace=True)
    return prefix


def _mad_outlier(x, n, side="both"):
    med = np.median(x)
    mad = np.median(np.abs(x - med)) * 1.4826
    if mad == 0:
        return np.zeros(x.size, bool)
    if side == "upper":
        return x > med + n * mad
    return np.abs(x - med) > n * mad


SCRUBLET_DENSE_MAX = 25_000


def qc_filter(adata, *, n_mads=5.0, n_mads_mito=3.0, max_pct_mito=None, min_genes=None, doublets=True,
              remove_doublets=False, seed=0, scrublet_mean_center=None):
    """Adds passed_qc and the reason columns; returns the per-sample summary table.

    Scrublet runs with scanpy's defaults (mean-centred z-scores and PCA) while every sample has at most 25,000
    cells. Above that it runs with ``mean_center=False`` (truncated SVD on the sparse matrix, scrublet's own mode
    for large data): scanpy's mean-centring densifies cells plus simulated doublets x variable genes three times
    over, which measured 22.3 GB at 50,000 cells per sample (benchmarks/bench_scrna_memory.py). The mode is
    recorded in ``adata.uns['assaystats']['scrublet_mean_center']``; ``scrublet_mean_center`` forces it."""
    import pandas as pd

    rules = {"low_or_high_counts": np.zeros(adata.n_obs, bool), "low_or_high_genes": np.zeros(adata.n_obs, bool),
             "high_mito": np.zeros(adata.n_obs, bool)}
    for s in adata.obs["sample"].cat.categories:
        m = (adata.obs["sample"] == s).to_numpy()
        o = adata.obs.loc[m]
        rules["low_or_high_counts"][m] = _mad_outlier(o["log1p_total_counts"].to_numpy(), n_mads)
        rules["low_or_high_genes"][m] = _mad_outlier(o["log1p_n_genes_by_counts"].to_numpy(), n_mads)
        rules["high_mito"][m] = _mad_outlier(o["pct_counts_mt"].to_numpy(), n_mads_mito, "upper")
    if max_pct_mito is not None:
        rules["high_mito"] |= adata.obs["pct_counts_mt"].to_numpy() > max_pct_mito
    if min_genes is not None:
        rules["low_or_high_genes"] |= adata.obs["n_genes_by_counts"].to_numpy() < min_genes
    adata.obs["doublet_score"] = np.nan
    adata.obs["predicted_doublet"] = False
    if doublets:
        import scanpy as sc

        cats = list(adata.obs["sample"].cat.categories)
        largest = int(adata.obs["sample"].value_counts().max())
        mean_center = largest <= SCRUBLET_DENSE_MAX if scrublet_mean_center is None else bool(scrublet_mean_center)
        adata.uns.setdefault("assaystats", {})["scrublet_mean_center"] = mean_center
        try:
            # exact neighbours: the same as scanpy's default below 8,192 cells (cells + simulated doublets), and
            # above it scanpy's default (pynndescent 0.7) fails ('csr_array' object has no attribute 'getnnz')
            sc.pp.scrublet(adata, batch_key="sample", random_state=seed, verbose=False, mean_center=mean_center,
                           use_approx_neighbors=False)
        except Exception as exc:  # noqa: BLE001 - scrublet fails on tiny samples; reported, not fatal
            adata.uns.setdefault("assaystats", {})["scrublet_error"] = str(exc)
        adata.obs["sample"] = pd.Categorical(adata.obs["sample"].astype(str), categories=cats)
    if remove_doublets:
        rules["doublet"] = adata.obs["predicted_doublet"].fillna(False).to_numpy(bool)
    failed = np.zeros(adata.n_obs, bool)
    for k, v in rules.items():
        adata.obs[f"qc_{k}"] = v
        failed |= v
    adata.obs["passed_qc"] = ~failed
    rows = []
    for s in adata.obs["sample"].cat.categories:
        m = (adata.obs["sample"] == s).to_numpy()
        row = {"sample": s, "cells_read": int(m.sum()), "cells_passed": int((~failed & m).sum())}
        for k, v in rules.items():
            row[f"removed_{k}"] = int((v & m).sum())
        row["flagged_doublets"] = int(adata.obs.loc[m, "predicted_doublet"].fillna(False).astype(bool).sum())
        row["median_total_counts"] = float(adata.obs.loc[m, "total_counts"].median())
        row["median_genes"] = float(adata.obs.loc[m, "n_genes_by_counts"].median())
        row["median_pct_mito"] = float(adata.obs.loc[m, "pct_counts_mt"].median())
        rows.append(row)
    return pd.DataFrame(rows)


def embed(adata, *, seed=0, n_top_genes=2000, n_pcs=30, n_neighbors=15, resolution=1.0, tsne=True, batch=None,
          batch_key=None):
    """Normalise (library size to 1e4 + log1p; raw counts kept in layers['counts']), highly variable genes, PCA,
    neighbours, Leiden, UMAP and t-SNE, all seeded. Works on a copy of the passing cells; returns it.

    ``batch``: None, 'harmony' (harmonypy on the principal components; neighbours, clusters, embeddings and
    candidate neighbourhoods then use the corrected components) or 'bbknn' (batch-balanced neighbour graph for
    clusters and UMAP), across the libraries in ``obs[batch_key]``."""
    import scanpy as sc

    sub = adata[adata.obs["passed_qc"].to_numpy()].copy()
    if sub.n_obs < n_neighbors + 1:
        raise AssayDataError(f"only {sub.n_obs} cells pass QC; the neighbourhood size is {n_neighbors}")
    for s in sub.obs["sample"].cat.categories:
        k = int((sub.obs["sample"] == s).sum())
        if 0 < k <= n_neighbors:
            raise AssayDataError(f"sample {s!r} has {k} cells after QC, not more than the neighbourhood size "
                                 f"{n_neighbors}; lower --neighbors or add cells")
    sub.layers["counts"] = sub.X.copy()
    sc.pp.normalize_total(sub, target_sum=1e4)
    sc.pp.log1p(sub)
    import warnings

    n_top = min(n_top_genes, sub.n_vars - 1)
    with warnings.catch_warnings():  # small panels: fewer genes with a dispersion than asked for is expected
        warnings.filterwarnings("ignore", message=".*n_top_genes.*", category=UserWarning)
        sc.pp.highly_variable_genes(sub, n_top_genes=n_top, flavor="seurat")
    n_comps = int(min(n_pcs, sub.n_obs - 1, int(sub.var["highly_variable"].sum()) - 1))
    sc.pp.pca(sub, n_comps=n_comps, mask_var="highly_variable", random_state=seed, svd_solver="arpack")
    use_rep = "X_pca"
    if batch:
        use_rep = _batch_correct(sub, batch, batch_key, seed=seed, n_neighbors=n_neighbors)
    if batch != "bbknn":
        sc.pp.neighbors(sub, n_neighbors=n_neighbors, random_state=seed, use_rep=use_rep,
                        transformer=knn_transformer(sub.n_obs, n_neighbors, seed))
    cluster(sub, resolution=resolution, seed=seed)
    sc.tl.umap(sub, random_state=seed)
    tsne_params = None
    if tsne:
        tsne_params = _tsne(sub, seed=seed, use_rep=use_rep)
    sub.uns.setdefault("assaystats", {}).update(
        {"seed": seed, "n_top_genes": n_top, "n_pcs": n_comps, "n_neighbors": n_neighbors, "resolution": resolution,
         "normalisation": "library size to 1e4 + log1p; raw counts in layers['counts']", "tsne": tsne_params,
         "batch": batch, "batch_key": batch_key if batch else None, "use_rep": use_rep})
    return sub


def knn_transformer(n_obs, n_neighbors, seed):
    """None (scanpy's exact brute-force neighbours) below 8,192 cells; above, scanpy's own default, pynndescent with
    UMAP's settings, wrapped so that it returns a ``csr_matrix``. pynndescent 0.7 returns a ``csr_array``, on which
    scanpy 1.11's ``pp.neighbors`` fails ('csr_array' object has no attribute 'getnnz') for every data set of
    8,192 cells or more; the wrapper changes nothing else."""
    if n_obs < 8192:
        return None
    import scanpy as sc
    import scipy.sparse as sp
    from pynndescent import PyNNDescentTransformer

    class _CsrMatrixNNDescent(PyNNDescentTransformer):
        def fit_transform(self, X, y=None, **kwargs):
            return sp.csr_matrix(super().fit_transform(X, y, **kwargs))

        def transform(self, X):
            return sp.csr_matrix(super().transform(X))

    return _CsrMatrixNNDescent(n_neighbors=n_neighbors, metric="euclidean", random_state=seed, n_jobs=sc.settings.n_jobs,
                               n_trees=min(64, 5 + round(n_obs ** 0.5 / 20.0)), n_iters=max(5, round(np.log2(n_obs))))


def cluster(adata, *, resolution=1.0, seed=0, key_added="leiden"):
    """Leiden clusters on the neighbour graph in ``adata.obsp`` (scanpy, igraph flavour, two iterations, the graph
    taken as undirected: scanpy's recommended settings), numbered by size as scanpy does."""
    import scanpy as sc

    sc.tl.leiden(adata, resolution=resolution, random_state=seed, flavor="igraph", n_iterations=2, directed=False,
                 key_added=key_added)
    return adata.obs[key_added]


def _batch_correct(sub, batch, batch_key, *, seed, n_neighbors):
    """Harmony or BBKNN across the libraries in ``obs[batch_key]``; returns the representation to use."""
    import warnings

    if batch not in ("harmony", "bbknn"):
        raise AssayDataError(f"batch must be 'harmony' or 'bbknn'; got {batch!r}")
    if not batch_key or batch_key not in sub.obs:
        raise AssayDataError(f"batch correction needs a library column; {batch_key!r} is not one (give several "
                             "libraries per condition, or name the column with batch_key)")
    libs = sub.obs[batch_key].astype(str)
    per_condition = libs.groupby(sub.obs["sample"].astype(str), observed=True).nunique()
    if (per_condition < 2).all():
        raise AssayDataError(f"batch correction across {batch_key!r} would remove the difference between the "
                             "conditions: each condition is a single library. It needs several libraries per condition")
    if batch == "harmony":
        try:
            import harmonypy  # noqa: F401 - only to name the missing package
        except ImportError:
            raise AssayDataError("batch='harmony' needs harmonypy: pip install harmonypy") from None
        sub.obsm["X_pca_harmony"] = harmony(sub.obsm["X_pca"], libs.to_numpy(), seed=seed)
        return "X_pca_harmony"
    try:
        with warnings.catch_warnings():  # umap-learn warns at import that TensorFlow is absent
            warnings.simplefilter("ignore", ImportWarning)
            import bbknn
    except ImportError:
        raise AssayDataError("batch='bbknn' needs bbknn: pip install bbknn") from None
    sub.obs["_batch"] = libs.to_numpy()
    k = max(1, n_neighbors // libs.nunique())
    # exact per-batch neighbours (cKDTree): the graph does not depend on threads or an index seed
    bbknn.bbknn(sub, batch_key="_batch", use_rep="X_pca", neighbors_within_batch=k, computation="cKDTree")
    del sub.obs["_batch"]
    return "X_pca"


def harmony(components, libraries, *, seed):
    """Harmony-corrected components (cells x components) for the given library labels."""
    import harmonypy
    import pandas as pd

    # called directly: scanpy's harmony_integrate (1.11) transposes harmonypy 2.x's cells x components output
    ho = harmonypy.run_harmony(np.asarray(components, float), pd.DataFrame({"batch": np.asarray(libraries)}),
                               "batch", random_state=seed, verbose=False)
    z = np.asarray(ho.Z_corr)
    return z if z.shape[0] == len(libraries) else z.T


def _tsne(sub, *, seed, use_rep):
    """t-SNE by openTSNE on the principal components (scanpy's own ``tl.tsne`` calls scikit-learn's exact-gradient
    Barnes-Hut, twice as slow here: 18.6 s vs 9.9 s on 4,773 cells on 2 cores; benchmarks/bench_scrna.py). Exact
    neighbours (3 x perplexity) keep the embedding identical whatever the number of threads (annoy's approximate
    neighbours do not); Barnes-Hut below 10,000 cells, FFT-interpolated gradients above (openTSNE's rule)."""
    import os

    from openTSNE import TSNE

    perplexity = float(min(30.0, (sub.n_obs - 1) / 3.0 - 1))
    method = "bh" if sub.n_obs < 10_000 else "fft"
    threads = os.cpu_count() or 1
    emb = TSNE(perplexity=perplexity, neighbors="exact", negative_gradient_method=method, n_jobs=threads,
               random_state=seed, verbose=False).fit(np.ascontiguousarray(sub.obsm[use_rep], dtype=float))
    sub.obsm["X_tsne"] = np.asarray(emb)
    return {"library": "openTSNE", "perplexity": perplexity, "neighbors": "exact", "gradient": method,
            "use_rep": use_rep, "threads": threads}
