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
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1]))  # the gene lists are the package's own, read by the package's parsers
from assaystats.scrna._analysis import CELL_CYCLE, read_gene_sets  # noqa: E402


def _read_sets():
    return CELL_CYCLE(), read_gene_sets()


def _model(n_background):
    cc, sets = _read_sets()
    study = sorted({g for k in ("STEMNESS", "EMT", "NOTCH") for g in sets[k]})
    hyp = sets["HYPOXIA"]
    mito = [f"MT-{g}" for g in ("ND1 ND2 CO1 CO2 ATP8 ATP6 CO3 ND3 ND4L ND4 ND5 ND6 CYB".split())]
    ribo = [f"RPS{i}" for i in range(2, 12)] + [f"RPL{i}" for i in range(3, 13)]
    resist = [f"RESIST{i:02d}" for i in range(1, 41)]
    background = [f"GENE{i:05d}" if n_background > 999 else f"GENE{i:03d}" for i in range(1, n_background + 1)]
    genes = list(dict.fromkeys(["ZFAS1"] + cc["S"] + cc["G2M"] + study + hyp + mito + ribo + resist + background))
    gi = {g: i for i, g in enumerate(genes)}
    return {"cc": cc, "study": study, "mito": mito, "ribo": ribo, "resist": resist, "genes": genes, "gi": gi}


def _base(rng, m):
    gi = m["gi"]
    base = rng.gamma(0.6, 1.0, len(m["genes"]))
    base[[gi[g] for g in m["mito"]]] *= 8
    base[[gi[g] for g in m["ribo"]]] *= 10
    base[gi["ZFAS1"]] = 1.0
    return base / base.sum()


def _simulate(rng, m, base, n_per, label):
    """Counts (cells x genes) of one sample and its planted labels; the RNG is drawn in a fixed order."""
    gi, G, cc = m["gi"], len(m["genes"]), m["cc"]
    cand = np.zeros(n_per, bool)
    if label == "P":
        cand[rng.choice(n_per, int(round(0.05 * n_per)), replace=False)] = True
    resistant_like = np.full(n_per, label == "R") | cand
    p_cycle = np.where(resistant_like, 0.18, 0.55)
    phase = np.where(rng.random(n_per) < p_cycle, np.where(rng.random(n_per) < 0.55, "S", "G2M"), "G1")
    s_idx, g2m_idx = [gi[g] for g in cc["S"] if g in gi], [gi[g] for g in cc["G2M"] if g in gi]
    study_idx, resist_idx = [gi[g] for g in m["study"]], [gi[g] for g in m["resist"]]
    prof = np.ones((n_per, G))
    for i in range(n_per):
        if phase[i] == "S":
            prof[i, s_idx] *= 4
        elif phase[i] == "G2M":
            prof[i, g2m_idx] *= 4
        if resistant_like[i]:
            prof[i, gi["ZFAS1"]] *= 8
            prof[i, study_idx] *= 2.5
            prof[i, resist_idx] *= 3
            prof[i, gi["MKI67"]] *= 0.5
    lib = rng.lognormal(np.log(3000), 0.35, n_per)
    lowq = rng.random(n_per) < 0.04
    lib[lowq] *= 0.3
    mu = prof * base[None, :]
    mu /= mu.sum(axis=1, keepdims=True)
    mu[np.ix_(lowq, [gi[g] for g in m["mito"]])] *= 6
    mu /= mu.sum(axis=1, keepdims=True)
    mu *= lib[:, None]
    counts = rng.poisson(rng.gamma(5.0, mu / 5.0))
    dbl = np.flatnonzero(rng.random(n_per) < 0.03)
    for d in dbl:
        counts[d] += counts[rng.integers(n_per)]
    bcs = [f"{''.join(rng.choice(list('ACGT'), 16))}-1" for _ in range(n_per)]
    return counts, bcs, phase, cand, lowq, dbl


PLANTED = {"ZFAS1_fold_R_vs_P": 8, "study_sets_fold": 2.5, "resistance_block_fold": 3,
           "cycling_fraction": {"P": 0.55, "R": 0.18}, "MKI67_extra_fold_R": 0.5, "candidate_fraction_P": 0.05,
           "low_quality_fraction": 0.04, "doublet_fraction": 0.03}


def main(n_per=250, out=HERE, seed=11, n_background=500):
    rng = np.random.default_rng(seed)
    m = _model(n_background)
    base = _base(rng, m)
    summary = {"seed": seed, "n_per_sample": n_per, "planted": PLANTED, "samples": {}}
    for label in ("P", "R"):
        counts, bcs, phase, cand, lowq, dbl = _simulate(rng, m, base, n_per, label)
        folder = out / label / "filtered_feature_bc_matrix"
        folder.mkdir(parents=True, exist_ok=True)
        _write_10x(folder, counts, m["genes"], bcs)
        summary["samples"][label] = {
            "candidates": [b for b, c in zip(bcs, cand) if c], "low_quality": [b for b, q in zip(bcs, lowq) if q],
            "doublets": [bcs[d] for d in dbl], "phase": dict(zip(bcs, phase.tolist()))}
    (out / "truth.json").write_text(json.dumps(summary, indent=1) + "\n")


def main_h5(n_per, out, seed=11, n_background=20000, chunk=2500):
    """Large sets for the memory benchmark: the same model, drawn in chunks of ``chunk`` cells (so peak memory is
    one chunk, dense) and written as Cell Ranger .h5 files (P.h5, R.h5). Not byte-identical to the folder output of
    the same size (the RNG is drawn chunk by chunk); truth.json gives the planted candidates."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    m = _model(n_background)
    base = _base(rng, m)
    out.mkdir(parents=True, exist_ok=True)
    summary = {"seed": seed, "n_per_sample": n_per, "planted": PLANTED, "chunk": chunk, "samples": {}}
    for label in ("P", "R"):
        parts, all_bcs, cands = [], [], []
        for start in range(0, n_per, chunk):
            n = min(chunk, n_per - start)
            counts, bcs, _phase, cand, _lowq, _dbl = _simulate(rng, m, base, n, label)
            parts.append(sp.csr_matrix(counts.astype(np.int32)))
            all_bcs += [f"{b[:-2]}{start // chunk:04d}-1" for b in bcs]  # unique across chunks
            cands += [b for b, c in zip(all_bcs[-n:], cand) if c]
        _write_10x_h5(out / f"{label}.h5", sp.vstack(parts).tocsr(), m["genes"], all_bcs)
        summary["samples"][label] = {"candidates": cands}
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


def _write_10x_h5(path, counts_cells_x_genes, genes, barcodes):
    """Cell Ranger v3 HDF5 layout: /matrix/{barcodes,data,indices,indptr,shape,features/{id,name,feature_type,
    genome}}, the matrix stored genes x cells in CSC (= cells x genes CSR)."""
    import h5py

    x = counts_cells_x_genes.tocsr()
    with h5py.File(path, "w") as f:
        g = f.create_group("matrix")
        g.create_dataset("barcodes", data=np.array(barcodes, dtype="S"))
        g.create_dataset("data", data=x.data.astype(np.int32), compression="gzip", compression_opts=1)
        g.create_dataset("indices", data=x.indices.astype(np.int64), compression="gzip", compression_opts=1)
        g.create_dataset("indptr", data=x.indptr.astype(np.int64))
        g.create_dataset("shape", data=np.array([x.shape[1], x.shape[0]], dtype=np.int32))
        ft = g.create_group("features")
        ft.create_dataset("id", data=np.array([f"SIM_{n}" for n in genes], dtype="S"))
        ft.create_dataset("name", data=np.array(genes, dtype="S"))
        ft.create_dataset("feature_type", data=np.array(["Gene Expression"] * len(genes), dtype="S"))
        ft.create_dataset("genome", data=np.array(["SIM"] * len(genes), dtype="S"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=250)
    ap.add_argument("--out", default=str(HERE))
    ap.add_argument("--genes", type=int, default=500, help="number of background genes")
    ap.add_argument("--h5", action="store_true", help="write P.h5 and R.h5 (Cell Ranger HDF5), drawn in chunks")
    a = ap.parse_args()
    if a.h5:
        main_h5(a.cells, Path(a.out), n_background=a.genes)
    else:
        main(a.cells, Path(a.out), n_background=a.genes)
