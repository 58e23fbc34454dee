"""The single-cell command against a plain scanpy script doing the same steps, side by side in one process.

Run:  python benchmarks/bench_scrna.py [--cells 2500] [--genes 20000]
(--cells is per sample: 2500 x 2 = 5,000 cells; the simulation adds ~260 marker genes to --genes background genes)
Prints the time of each step for both and the overhead of assaystats over scanpy. The plain script's t-SNE is
scanpy's (scikit-learn); assaystats uses openTSNE (same perplexity, exact neighbours), which is the main reason it
can come out faster than the plain script. assaystats also computes cluster markers, which the plain script does not.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def plain_scanpy(p, r, seed=0):
    import anndata as ad
    import scanpy as sc

    t = {}
    t0 = time.perf_counter()
    a = sc.read_10x_mtx(p, var_names="gene_symbols", make_unique=True)
    b = sc.read_10x_mtx(r, var_names="gene_symbols", make_unique=True)
    adata = ad.concat([a, b], label="sample", keys=["P", "R"], index_unique="_")
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    adata.var["mt"] = adata.var_names.str.startswith("MT-")
    sc.pp.calculate_qc_metrics(adata, qc_vars=["mt"], inplace=True, percent_top=None, log1p=True)
    sc.pp.scrublet(adata, batch_key="sample", random_state=seed, verbose=False)
    t["qc"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    adata.layers["counts"] = adata.X.copy()
    sc.pp.normalize_total(adata, target_sum=1e4)
    sc.pp.log1p(adata)
    sc.pp.highly_variable_genes(adata, n_top_genes=2000, flavor="seurat")
    sc.pp.pca(adata, n_comps=30, mask_var="highly_variable", random_state=seed)
    sc.pp.neighbors(adata, random_state=seed)
    sc.tl.leiden(adata, random_state=seed, flavor="igraph", n_iterations=2, directed=False)
    sc.tl.umap(adata, random_state=seed)
    import os

    sc.tl.tsne(adata, random_state=seed, n_pcs=30, n_jobs=os.cpu_count() or 1)
    t["embed"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sc.tl.rank_genes_groups(adata, "sample", groups=["R"], reference="P", method="wilcoxon", tie_correct=True)
    sc.tl.score_genes_cell_cycle(adata, s_genes=["MCM5", "PCNA", "TYMS"], g2m_genes=["MKI67", "TOP2A", "CDK1"],
                                 random_state=seed)
    t["de_scores"] = time.perf_counter() - t0
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=2500)
    ap.add_argument("--genes", type=int, default=20000)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "data" / "scrna_sim" / "make_data.py"), "--cells", str(a.cells),
                        "--genes", str(a.genes), "--out", tmp], check=True)
        p, r = Path(tmp) / "P" / "filtered_feature_bc_matrix", Path(tmp) / "R" / "filtered_feature_bc_matrix"
        # warm both paths up on the bundled small simulation so that numba's one-off compilation is not timed
        small = ROOT / "data" / "scrna_sim"
        plain_scanpy(small / "P" / "filtered_feature_bc_matrix", small / "R" / "filtered_feature_bc_matrix")
        from assaystats.scrna import run as _run

        _run({"P": str(small / "P"), "R": str(small / "R")}, reference="P", stability_seeds=0)
        t0 = time.perf_counter()
        plain = plain_scanpy(p, r)
        t_plain = time.perf_counter() - t0
        from assaystats.scrna import run

        t0 = time.perf_counter()
        res = run({"P": str(p), "R": str(r)}, reference="P", stability_seeds=0)
        t_run = time.perf_counter() - t0
        out = Path(tmp) / "report"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assaystats", "scrna", "--sample", f"P={p}", "--sample", f"R={r}",
                        "--reference", "P", "--out", str(out)], check=True, capture_output=True)
        t_cmd = time.perf_counter() - t0
    print(f"{2 * a.cells} cells x {res.meta['n_genes']} genes")
    for k, v in plain.items():
        print(f"  plain scanpy {k:10s} {v:7.2f} s")
    print(f"plain scanpy script (same steps):      {t_plain:7.2f} s")
    for k, v in res.meta["timings_s"].items():
        print(f"  assaystats   {k:10s} {v:7.2f} s")
    print(f"assaystats.scrna.run (no stability):   {t_run:7.2f} s   overhead {100 * (t_run / t_plain - 1):+.0f}%")
    print(f"assaystats scrna command (report, 5 stability seeds, figures, h5ad): {t_cmd:7.2f} s")


if __name__ == "__main__":
    main()
