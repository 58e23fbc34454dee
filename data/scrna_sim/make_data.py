"""Simulate the bundled single-cell example 'scrna_sim' (python make_data.py [--cells N]; numpy + scipy, fixed seed).

Two Cell Ranger v3 'filtered_feature_bc_matrix' folders, P (parental Huh7) and R (sorafenib-resistant), shaped
like the study's Fig. 1: counts are gamma-Poisson (negative binomial) around a per-cell library size.
Planted (truth.json): ZFAS1 x8 in R (the top up-regulated gene), stemness / EMT / Notch genes x2.5 in R, a block of
40 'resistance' genes x3 in R (so R cells form their own clusters), cycling fraction P 55 % vs R 18 % (S and G2M genes
x4 in cycling cells; MKI67 additionally x0.5 in R), 5 % of P cells are 'candidate' cells with the R profile,
4 % low-quality cells (mitochondrial fraction x6, library x0.3), 3 % doublets (two cells summed).
The default size (250 + 250 cells, ~760 genes) runs in CI in seconds; --cells sets the number per sample for
benchmarks.
"""

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
GENESETS = HERE.parents[1] / "assaystats" / "scrna" / "genesets"


def _read_sets():
    cc = {"S": [], "G2M": []}
    cur = None
    for line in (GENESETS / "cell_cycle_tirosh2016.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            cur = line.strip("[]")
            continue
        cc[cur] += line.split()
    sets = {}
    for line in (GENESETS / "study_sets.gmt").read_text().splitlines():
        parts = line.split("\t")
        sets[parts[0]] = parts[2:]
    return cc, sets


def main(n_per=250, out=HERE, seed=11, n_background=500):
    rng = np.random.default_rng(seed)
    cc, sets = _read_sets()
    study = sorted({g for k in ("STEMNESS", "EMT", "NOTCH") for g in sets[k]})
    hyp = sets["HYPOXIA"]
    mito = [f"MT-{g}" for g in ("ND1 ND2 CO1 CO2 ATP8 ATP6 CO3 ND3 ND4L ND4 ND5 ND6 CYB".split())]
    ribo = [f"RPS{i}" for i in range(2, 12)] + [f"RPL{i}" for i in range(3, 13)]
    resist = [f"RESIST{i:02d}" for i in range(1, 41)]
    background = [f"GENE{i:05d}" if n_background > 999 else f"GENE{i:03d}" for i in range(1, n_background + 1)]
    genes = list(dict.fromkeys(["ZFAS1"] + cc["S"] + cc["G2M"] + study + hyp + mito + ribo + resist + background))
    G = len(genes)
    gi = {g: i for i, g in enumerate(genes)}
    base = rng.gamma(0.6, 1.0, G)
    base[[gi[g] for g in mito]] *= 8
    base[[gi[g] for g in ribo]] *= 10
    base[gi["ZFAS1"]] = 1.0
    base /= base.sum()

    def cells(n, label):
        profiles, meta = [], []
        cand = np.zeros(n, bool)
        if label == "P":
            cand[rng.choice(n, int(round(0.05 * n)), replace=False)] = True
        resistant_like = np.full(n, label == "R") | cand
        p_cycle = np.where(resistant_like, 0.18, 0.55)
        phase = np.where(rng.random(n) < p_cycle, np.where(rng.random(n) < 0.55, "S", "G2M"), "G1")
        for i in range(n):
            m = np.ones(G)
            if phase[i] == "S":
                m[[gi[g] for g in cc["S"] if g in gi]] *= 4
            elif phase[i] == "G2M":
                m[[gi[g] for g in cc["G2M"] if g in gi]] *= 4
            if resistant_like[i]:
                m[gi["ZFAS1"]] *= 8
                m[[gi[g] for g in study]] *= 2.5
                m[[gi[g] for g in resist]] *= 3
                m[gi["MKI67"]] *= 0.5
            profiles.append(m)
        return np.array(profiles), phase, cand

    summary = {"seed": seed, "n_per_sample": n_per, "planted": {
        "ZFAS1_fold_R_vs_P": 8, "study_sets_fold": 2.5, "resistance_block_fold": 3, "cycling_fraction": {"P": 0.55, "R": 0.18},
        "MKI67_extra_fold_R": 0.5, "candidate_fraction_P": 0.05, "low_quality_fraction": 0.04, "doublet_fraction": 0.03},
        "samples": {}}
    for label in ("P", "R"):
        prof, phase, cand = cells(n_per, label)
        lib = rng.lognormal(np.log(3000), 0.35, n_per)
        lowq = rng.random(n_per) < 0.04
        lib[lowq] *= 0.3
        mu = prof * base[None, :]
        mu /= mu.sum(axis=1, keepdims=True)
        mito_idx = [gi[g] for g in mito]
        mu[np.ix_(lowq, mito_idx)] *= 6
        mu /= mu.sum(axis=1, keepdims=True)
        mu *= lib[:, None]
        counts = rng.poisson(rng.gamma(5.0, mu / 5.0))
        dbl = np.flatnonzero(rng.random(n_per) < 0.03)
        for d in dbl:
            counts[d] += counts[rng.integers(n_per)]
        bcs = [f"{''.join(rng.choice(list('ACGT'), 16))}-1" for _ in range(n_per)]
        folder = out / label / "filtered_feature_bc_matrix"
        folder.mkdir(parents=True, exist_ok=True)
        _write_10x(folder, counts, genes, bcs)
        summary["samples"][label] = {
            "candidates": [b for b, c in zip(bcs, cand) if c], "low_quality": [b for b, q in zip(bcs, lowq) if q],
            "doublets": [bcs[d] for d in dbl], "phase": dict(zip(bcs, phase.tolist()))}
    (out / "truth.json").write_text(json.dumps(summary, indent=1) + "\n")


def _gz(path):
    """Text writer for a .gz file with a fixed header (no name, mtime 0): the same data give the same bytes."""
    import io

    return io.TextIOWrapper(gzip.GzipFile(filename="", mode="wb", fileobj=open(path, "wb"), mtime=0), encoding="ascii")


def _write_10x(folder, counts, genes, barcodes):
    rows, cols = np.nonzero(counts.T)  # genes x cells
    vals = counts.T[rows, cols]
    with _gz(folder / "matrix.mtx.gz") as fh:
        fh.write("%%MatrixMarket matrix coordinate integer general\n%\n")
        fh.write(f"{counts.shape[1]} {counts.shape[0]} {rows.size}\n")
        for r, c, v in zip(rows, cols, vals):
            fh.write(f"{r + 1} {c + 1} {v}\n")
    with _gz(folder / "features.tsv.gz") as fh:
        for g in genes:
            fh.write(f"SIM_{g}\t{g}\tGene Expression\n")
    with _gz(folder / "barcodes.tsv.gz") as fh:
        fh.write("\n".join(barcodes) + "\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=250)
    ap.add_argument("--out", default=str(HERE))
    ap.add_argument("--genes", type=int, default=500, help="number of background genes")
    a = ap.parse_args()
    main(a.cells, Path(a.out), n_background=a.genes)
