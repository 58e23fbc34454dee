"""Peak memory and time of the scrna command on a large simulation (default 100,000 cells x ~20,000 genes),
beside a plain scanpy script doing the same steps, each in its own process.

Run:  python benchmarks/bench_scrna_memory.py [--cells 50000] [--genes 20000] [--data DIR] [--skip-plain]
(--cells is per sample; the data are written once as Cell Ranger .h5 files into --data and reused.)
Peak memory is the resident set size of the child process (getrusage ru_maxrss). The target: within the memory of a
24 GB machine, with no dense cells x genes copy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLAIN = r'''
import sys, time, json, warnings, os
warnings.simplefilter("ignore")
import anndata as ad, scanpy as sc
p, r = sys.argv[1], sys.argv[2]
t = {}; t0 = time.perf_counter()
a = sc.read_10x_h5(p); a.var_names_make_unique(); b = sc.read_10x_h5(r); b.var_names_make_unique()
adata = ad.concat([a, b], label="sample", keys=["P", "R"], index_unique="_")
t["read"] = time.perf_counter() - t0; t0 = time.perf_counter()
adata.var["mt"] = adata.var_names.str.startswith("MT-")
sc.pp.calculate_qc_metrics(adata, qc_vars=["mt"], inplace=True, percent_top=None, log1p=True)
# use_approx_neighbors=False: scanpy's default (pynndescent 0.7) fails from 8,192 cells + simulated doublets
sc.pp.scrublet(adata, batch_key="sample", random_state=0, verbose=False, mean_center=sys.argv[3] == "default",
               use_approx_neighbors=False)
t["qc"] = time.perf_counter() - t0; t0 = time.perf_counter()
adata.layers["counts"] = adata.X.copy()
sc.pp.normalize_total(adata, target_sum=1e4); sc.pp.log1p(adata)
sc.pp.highly_variable_genes(adata, n_top_genes=2000, flavor="seurat")
sc.pp.pca(adata, n_comps=30, mask_var="highly_variable", random_state=0)
# scanpy 1.11 + pynndescent 0.7 fail above 8,192 cells ('csr_array' has no 'getnnz'); the same wrapper as ours
from assaystats.scrna._pipeline import knn_transformer
sc.pp.neighbors(adata, random_state=0, transformer=knn_transformer(adata.n_obs, 15, 0))
sc.tl.leiden(adata, random_state=0, flavor="igraph", n_iterations=2, directed=False)
sc.tl.umap(adata, random_state=0)
sc.tl.tsne(adata, random_state=0, n_pcs=30, n_jobs=os.cpu_count() or 1)
t["embed"] = time.perf_counter() - t0; t0 = time.perf_counter()
sc.tl.rank_genes_groups(adata, "sample", groups=["R"], reference="P", method="wilcoxon", tie_correct=True)
t["de"] = time.perf_counter() - t0
print(json.dumps(t))
'''


def _child(cmd):
    """Wall time, peak resident memory (GiB, this child alone: os.wait4's rusage) and stdout of one process."""
    import os

    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        proc = subprocess.Popen(cmd, stdout=so, stderr=se, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        so.seek(0)
        se.seek(0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:  # e.g. -9: killed by the kernel's out-of-memory killer
            print(f"  FAILED (exit {code}{', killed: out of memory?' if code == -9 else ''}) after {wall:.0f} s; "
                  f"peak RSS {usage.ru_maxrss / 1024 ** 2:.1f} GiB; {se.read()[-500:].strip()}")
            return None
        return wall, usage.ru_maxrss / 1024 ** 2, so.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=50000)
    ap.add_argument("--genes", type=int, default=20000)
    ap.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "assaystats_scrna_100k"))
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--skip-ours", action="store_true")
    ap.add_argument("--plain-scrublet", choices=["default", "sparse"], default="default",
                    help="the plain script's scrublet: scanpy's defaults (mean-centred, dense) or mean_center=False")
    a = ap.parse_args()
    data = Path(a.data)
    if not (data / "P.h5").exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "data" / "scrna_sim" / "make_data.py"), "--h5", "--cells",
                        str(a.cells), "--genes", str(a.genes), "--out", str(data)], check=True)
        print(f"simulated {2 * a.cells} cells in {time.perf_counter() - t0:.0f} s -> {data}")
    if not a.skip_ours:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "report"
            print("assaystats scrna command:")
            got = _child([sys.executable, "-m", "assaystats", "scrna", "--sample", f"P={data / 'P.h5'}",
                          "--sample", f"R={data / 'R.h5'}", "--reference", "P", "--out", str(out)])
            if got:
                prov = json.loads((out / "provenance.json").read_text())
                print(f"  {got[0]:7.0f} s wall, peak RSS {got[1]:5.1f} GiB")
                print("  steps:", ", ".join(f"{k} {v:.0f} s" for k, v in prov["meta"][0]["timings_s"].items()))
                import pandas as pd

                qc = pd.read_csv(out / "tables" / "qc_summary.csv")
                cells = pd.read_csv(out / "tables" / "cells.csv", usecols=["doublet_score", "passed_qc"])
                print(f"  {int(cells.passed_qc.sum())} of {len(cells)} cells pass QC; doublet scores for "
                      f"{int(cells.doublet_score.notna().sum())}; flagged doublets {int(qc.flagged_doublets.sum())}")
    if not a.skip_plain:
        print(f"plain scanpy script (scrublet {a.plain_scrublet}):", flush=True)
        got = _child([sys.executable, "-c", PLAIN, str(data / "P.h5"), str(data / "R.h5"), a.plain_scrublet])
        if got:
            steps = json.loads(got[2].strip().splitlines()[-1])
            print(f"  {got[0]:7.0f} s wall, peak RSS {got[1]:5.1f} GiB")
            print("  steps:", ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()))


if __name__ == "__main__":
    main()
