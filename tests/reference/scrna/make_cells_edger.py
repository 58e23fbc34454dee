"""Cell-level counts for the edgeR pooled-fold-change reference (python make_cells_edger.py; numpy only, fixed seed).

Writes edger_cells.csv: one row per cell (cell, condition, culture, then one column per gene, integer counts).
Conditions P (cultures P1: 60 cells, P2: 40) and R (R1: 90, R2: 50), so that the pooled libraries differ in size
(edgeR scales the prior count by library size / mean library size). 150 genes, gamma-Poisson around a per-cell
library size (mean 2,000, lognormal sd 0.4). Planted: LOWUP at 0.05 counts per cell in P, x10 in R (the largest
fold change, at the level of a lncRNA such as ZFAS1); UP01-UP10 x2.5 and DOWN01-DOWN05 x0.4 in R; ONLYR absent
from P; ONLYP absent from R; ALLZERO without a count.
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def main():
    rng = np.random.default_rng(20260411)
    names = (["LOWUP", "ONLYR", "ONLYP", "ALLZERO"] + [f"UP{i:02d}" for i in range(1, 11)]
             + [f"DOWN{i:02d}" for i in range(1, 6)] + [f"GENE{i:03d}" for i in range(1, 132)])
    G = len(names)
    lib_mean = 2000.0
    base = rng.gamma(0.6, 1.0, G)
    base /= base.sum()
    base[0] = 0.05 / lib_mean
    base[1] = base[2] = 0.5 / lib_mean
    base[3] = 0.0
    fold = np.ones(G)
    fold[0] = 10.0
    fold[4:14] = 2.5
    fold[14:19] = 0.4
    rows = []
    for cond, cultures in (("P", (("P1", 60), ("P2", 40))), ("R", (("R1", 90), ("R2", 50)))):
        prof = base * (fold if cond == "R" else 1.0)
        prof[1 if cond == "P" else 2] = 0.0  # ONLYR absent from P, ONLYP absent from R
        for culture, n in cultures:
            lib = rng.lognormal(np.log(lib_mean), 0.4, n)
            mu = lib[:, None] * prof[None, :]
            shape = 5.0  # dispersion 0.2 between cells
            counts = rng.poisson(rng.gamma(shape, mu / shape))
            for i, row in enumerate(counts):
                rows.append((f"{culture}_{i:03d}", cond, culture, row))
    with open(HERE / "edger_cells.csv", "w") as fh:
        fh.write("cell,condition,culture," + ",".join(names) + "\n")
        for cell, cond, culture, row in rows:
            fh.write(f"{cell},{cond},{culture}," + ",".join(str(int(v)) for v in row) + "\n")


if __name__ == "__main__":
    main()
