"""Reading single-cell counts: Cell Ranger folders (v2 genes.tsv / v3 features.tsv, gzipped or not), .h5, .h5ad
and a cells x genes CSV; several samples at once with labels; gene symbols made unique; barcodes prefixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import AssayDataError

__all__ = ["read_sample", "read_samples"]


def _check_10x_folder(p: Path) -> None:
    names = {f.name for f in p.iterdir()}
    if not ({"matrix.mtx", "matrix.mtx.gz"} & names):
        raise AssayDataError("folder has no matrix.mtx(.gz); expected a Cell Ranger filtered_feature_bc_matrix folder",
                             file=str(p))
    if not ({"barcodes.tsv", "barcodes.tsv.gz"} & names):
        raise AssayDataError("folder has no barcodes.tsv(.gz)", file=str(p))
    if not ({"features.tsv", "features.tsv.gz", "genes.tsv", "genes.tsv.gz"} & names):
        raise AssayDataError("folder has no features.tsv(.gz) or genes.tsv", file=str(p))


def _count_lines(path: Path) -> int:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        return sum(1 for line in fh if line.strip())


def read_sample(path, label: str):
    """One sample as AnnData (cells x genes, raw integer counts in X)."""
    import anndata as ad
    import pandas as pd
    import scanpy as sc
    import scipy.sparse as sp

    p = Path(path)
    if not p.exists():
        raise AssayDataError("not found", file=str(path))
    if p.is_dir():
        inner = p / "filtered_feature_bc_matrix"
        if inner.is_dir():
            p = inner
        _check_10x_folder(p)
        mtx = next(f for f in (p / "matrix.mtx.gz", p / "matrix.mtx") if f.exists())
        bcs = next(f for f in (p / "barcodes.tsv.gz", p / "barcodes.tsv") if f.exists())
        feats = next(f for f in (p / "features.tsv.gz", p / "features.tsv", p / "genes.tsv.gz", p / "genes.tsv")
                     if f.exists())
        import gzip

        opener = gzip.open if mtx.suffix == ".gz" else open
        with opener(mtx, "rt") as fh:
            line = fh.readline()
            while line.startswith("%"):
                line = fh.readline()
            n_feat, n_bc, _nnz = (int(x) for x in line.split())
        if _count_lines(feats) != n_feat or _count_lines(bcs) != n_bc:
            raise AssayDataError(f"matrix.mtx declares {n_feat} features x {n_bc} barcodes but {feats.name} has "
                                 f"{_count_lines(feats)} lines and {bcs.name} {_count_lines(bcs)}; the files do not belong "
                                 "together", file=str(p))
        adata = sc.read_10x_mtx(p, var_names="gene_symbols", make_unique=True, cache=False)
    elif p.suffix == ".h5":
        adata = sc.read_10x_h5(p)
        adata.var_names_make_unique()
    elif p.suffix == ".h5ad":
        adata = ad.read_h5ad(p)
    elif p.suffix.lower() in (".csv", ".tsv", ".txt"):
        from ..io import read_table

        t = read_table(p)
        adata = ad.AnnData(X=sp.csr_matrix(t.iloc[:, 1:].to_numpy(float)),
                           obs=pd.DataFrame(index=t.iloc[:, 0].astype(str).to_numpy()),
                           var=pd.DataFrame(index=[str(c) for c in t.columns[1:]]))
    else:
        raise AssayDataError("expected a Cell Ranger folder, .h5, .h5ad or a cells x genes CSV", file=str(path))
    X = adata.X
    data = X.data if sp.issparse(X) else np.asarray(X).ravel()
    if data.size and (np.any(data < 0) or np.any(np.abs(data - np.round(data)) > 1e-6)):
        raise AssayDataError("holds non-integer or negative values where raw counts are expected (normalised data? "
                             "give the raw counts)", file=str(path))
    adata.X = sp.csr_matrix(X, dtype=np.float32)
    adata.obs_names = [f"{label}_{b}" for b in adata.obs_names]
    adata.obs["sample"] = label
    return adata


def read_samples(samples: dict):
    """{label: path} -> one AnnData with a 'sample' column (categorical, in the given order)."""
    import anndata as ad
    import pandas as pd

    if len(samples) < 1:
        raise AssayDataError("give at least one sample")
    parts = [read_sample(path, label) for label, path in samples.items()]
    adata = ad.concat(parts, join="outer", merge="same") if len(parts) > 1 else parts[0]
    adata.obs["sample"] = pd.Categorical(adata.obs["sample"], categories=list(samples))
    adata.var_names_make_unique()
    return adata
