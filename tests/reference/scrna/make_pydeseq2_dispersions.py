"""pydeseq2's gene-wise dispersion estimates on the reference pseudobulk counts, for the direct maximisation in R
(check_dispersion_maximum.R). Run in this folder: python make_pydeseq2_dispersions.py

The call is the one of assaystats.scrna.pseudobulk_deseq2: DeseqDataSet(design "~condition", DefaultInference with
one CPU), deseq2(); the reference level first (P -> "A_reference", R -> "B_group", as the wrapper names them).
Writes pydeseq2_dispersions.csv (gene, genewise_dispersion, genewise_converged, fitted_dispersion, dispersion:
the gene-wise maximum-likelihood estimate, pydeseq2's L-BFGS-B convergence flag, the trend and the final MAP
dispersion; empty for all-zero genes) and pydeseq2_mu.csv (the mean each gene-wise estimate was fitted with,
genes x samples). Numbers with repr (17 significant digits, round-trips doubles).
"""

import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from pydeseq2.dds import DeseqDataSet
from pydeseq2.default_inference import DefaultInference

HERE = Path(__file__).parent


def fmt(x):
    return "" if not np.isfinite(x) else repr(float(x))


def main():
    counts = pd.read_csv(HERE / "pseudobulk_counts.csv", index_col=0).T  # samples x genes
    samples = pd.read_csv(HERE / "pseudobulk_samples.csv", index_col=0)
    meta = pd.DataFrame({"condition": samples.condition.map({"P": "A_reference", "R": "B_group"})},
                        index=counts.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dds = DeseqDataSet(counts=counts, metadata=meta, design="~condition",
                           inference=DefaultInference(n_cpus=1), quiet=True)
        dds.deseq2()
    v = dds.var
    with open(HERE / "pydeseq2_dispersions.csv", "w") as fh:
        fh.write("gene,genewise_dispersion,genewise_converged,fitted_dispersion,dispersion\n")
        for g in v.index:
            conv = v.loc[g, "_genewise_converged"]
            fh.write(f"{g},{fmt(v.loc[g, 'genewise_dispersions'])},{'' if pd.isna(conv) else int(bool(conv))},"
                     f"{fmt(v.loc[g, 'fitted_dispersions'])},{fmt(v.loc[g, 'dispersions'])}\n")
    mu = dds.layers["_mu_hat"]  # samples x genes
    with open(HERE / "pydeseq2_mu.csv", "w") as fh:
        fh.write("gene," + ",".join(counts.index) + "\n")
        for j, g in enumerate(v.index):
            fh.write(g + "," + ",".join(fmt(x) for x in mu[:, j]) + "\n")
    print(f"pydeseq2 {version('pydeseq2')}, numpy {version('numpy')}, scipy {version('scipy')}")


if __name__ == "__main__":
    main()
