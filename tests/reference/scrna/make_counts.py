"""Pseudobulk counts for the DESeq2 reference (python make_counts.py; numpy only, fixed seed).

8 samples (4 parental P, 4 resistant R cultures) x 400 genes, negative binomial with gene-wise dispersion.
Planted: genes UP001-UP030 x4 in R, DOWN001-DOWN020 x0.25 in R; ZERO01-ZERO03 are all zero; OUTLIER1 has one
sample x40 (a Cook's distance case). Size factors differ between samples (library 0.6-1.6x).
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def main():
    rng = np.random.default_rng(2026)
    names = ([f"UP{i:03d}" for i in range(1, 31)] + [f"DOWN{i:03d}" for i in range(1, 21)]
             + ["ZERO01", "ZERO02", "ZERO03", "OUTLIER1"] + [f"GENE{i:03d}" for i in range(1, 347)])
    G = len(names)
    samples = [f"P{i}" for i in range(1, 5)] + [f"R{i}" for i in range(1, 5)]
    cond = np.array(["P"] * 4 + ["R"] * 4)
    base = rng.lognormal(np.log(200), 1.5, G)
    disp = 0.02 + 2.0 / np.sqrt(base)
    fold = np.ones(G)
    fold[:30] = 4.0
    fold[30:50] = 0.25
    lib = rng.uniform(0.6, 1.6, len(samples))
    mu = base[:, None] * lib[None, :] * np.where(cond[None, :] == "R", fold[:, None], 1.0)
    shape = 1 / disp[:, None]
    counts = rng.poisson(rng.gamma(shape, mu / shape))
    counts[50:53] = 0
    counts[53, 2] *= 40
    with open(HERE / "pseudobulk_counts.csv", "w") as fh:
        fh.write("gene," + ",".join(samples) + "\n")
        for g, row in zip(names, counts):
            fh.write(g + "," + ",".join(str(int(v)) for v in row) + "\n")
    with open(HERE / "pseudobulk_samples.csv", "w") as fh:
        fh.write("sample,condition\n")
        for s, c in zip(samples, cond):
            fh.write(f"{s},{c}\n")


if __name__ == "__main__":
    main()
