"""``assaystats.scrna.run``: two (or more) samples from counts to the study's single-cell figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    from ._result import ScrnaResult

import numpy as np

from .. import _progress
from ..errors import AssayDataError
from ._analysis import candidate_cells, differential, markers, score_sets
from ._io import read_samples
from ._pipeline import embed, harmony, qc_filter, qc_metrics
from ._sets import cell_cycle_notes, figure_spec, load_sets, match_sets

__all__ = ["run"]


def run(samples: dict, *, reference: str, seed: int = 0, gene_sets=None, n_mads: float = 5.0,
        n_mads_mito: float = 3.0, max_pct_mito=None, remove_doublets: bool = False, n_neighbors: int = 15,
        resolution: float = 1.0, k_candidates: int = 15, stability_seeds: int = 5,
        tsne: bool = True, replicate: str | None = None, conditions: dict | None = None, batch: str | None = None,
        batch_key: str | None = None, highlight=None) -> ScrnaResult:
    """samples: {label: path or AnnData}. ``reference`` is the sample whose cells are tested as candidates
    (the parental line). Returns a ScrnaResult whose ``cells`` table holds every cell read.

    ``gene_sets``: a GMT file or a list (one gene per line), or a dict {name: genes}; default the bundled study
    sets. Symbols differing from the data's only by case match (noted in ``meta['notes']``); a bundled set with no
    gene in the data is skipped with a note, a set given that matches no gene is an error. The figures show the
    sets scored (and, with the bundled sets, the study's genes); ``highlight`` (genes) replaces the genes of the
    embedding, dot plot and scatter figures (``_sets.figure_spec``).

    Replicate cultures: give several samples (one per culture, each its own library) and ``conditions``
    ({sample label: condition}); ``reference`` then names a condition. QC stays per library, the comparison is
    between the two conditions, and DE becomes a pseudobulk DESeq2 test with the cultures as replicates. An AnnData
    that already holds several cultures can instead name its culture column with ``replicate``.

    ``batch`` ('harmony' or 'bbknn', optional libraries) corrects for the libraries (``batch_key``, by default
    the culture column) before neighbours; it needs several libraries per condition."""
    import anndata as ad
    import pandas as pd

    from ._result import ScrnaResult

    labels = list(samples)
    if len(set(labels)) != len(labels):
        raise AssayDataError("two samples have the same label")
    if conditions:
        missing = [x for x in labels if x not in conditions]
        if missing:
            raise AssayDataError(f"sample(s) {', '.join(map(repr, missing))} have no condition (give one for every "
                                 "sample)")
        unknown = [x for x in conditions if x not in labels]
        if unknown:
            raise AssayDataError(f"condition given for {', '.join(map(repr, unknown))}, which is not a sample label")
        groups = list(dict.fromkeys(conditions[x] for x in labels))
    else:
        groups = labels
    if reference not in groups:
        what = "condition" if conditions else "sample label"
        raise AssayDataError(f"reference {reference!r} is not a {what} (labels: {', '.join(map(repr, groups))})")
    if len(groups) != 2:
        raise AssayDataError("give exactly two " + ("conditions" if conditions else "samples")
                             + f" (reference and the other condition); got {len(groups)}")
    other = [x for x in groups if x != reference][0]
    import time

    timings, t0, current = {}, time.perf_counter(), None

    def step(name, message=None):
        """A step starts: the wall time of the one before goes to meta['timings_s'] (and
        benchmarks/bench_scrna.py), and the command shows a line (assaystats._progress)."""
        nonlocal t0, current
        now = time.perf_counter()
        if current is not None:
            timings[current] = round(now - t0, 3)
        current, t0 = name, now
        if name is not None:
            _progress.step(message or name)

    step("read", "reading the counts")
    sets, source, sets_file, bundled = load_sets(gene_sets)
    if all(isinstance(v, ad.AnnData) for v in samples.values()):
        adata = ad.concat(list(samples.values()), label="sample", keys=labels)
        adata.obs["sample"] = pd.Categorical(adata.obs["sample"], categories=labels)
    else:
        adata = read_samples(samples)
    sets, notes, set_table = match_sets(sets, adata.var_names, bundled=bundled, source=source, file=sets_file)
    notes += cell_cycle_notes(adata.var_names)
    spec = figure_spec(sets, adata.var_names, bundled=bundled, highlight=highlight)
    step("qc", "QC and doublet scores (scrublet)")
    mito_prefix = qc_metrics(adata)
    qc = qc_filter(adata, n_mads=n_mads, n_mads_mito=n_mads_mito, max_pct_mito=max_pct_mito,
                   remove_doublets=remove_doublets, seed=seed)
    if conditions:  # QC above was per library; from here on 'sample' is the condition, 'library' the culture
        adata.obs["library"] = adata.obs["sample"].astype(str)
        adata.obs["sample"] = pd.Categorical(adata.obs["library"].map(conditions), categories=[reference, other])
        replicate = replicate or "library"
    step("embed", "normalisation, PCA, neighbours, Leiden, UMAP" + (", t-SNE" if tsne else ""))
    sub = embed(adata, seed=seed, n_neighbors=n_neighbors, resolution=resolution, tsne=tsne, batch=batch,
                batch_key=batch_key or replicate)
    use_rep = sub.uns["assaystats"]["use_rep"]
    step("scores", "gene-set and cell-cycle scores")
    used = score_sets(sub, sets, seed=seed)
    step("de", "differential expression")
    de = differential(sub, group=other, reference=reference, replicate=replicate)
    step("markers", "cluster markers")
    mk = markers(sub, groupby="leiden", top=25, use_raw=False)
    step("candidates", "candidate cells")
    score, q, call = candidate_cells(sub, reference=reference, other=other, k=k_candidates, use_rep=use_rep)
    sub.obs["candidate_score"], sub.obs["candidate_q"], sub.obs["candidate"] = score, q, call
    # co-clustering view: reference cells inside clusters made mostly (>= 80 %) of the other sample
    frac = sub.obs.groupby("leiden", observed=True)["sample"].apply(lambda s: float((s == other).mean()))
    sub.obs["in_other_cluster"] = sub.obs["leiden"].map(frac).astype(float).to_numpy() >= 0.8
    step("stability", "stability of the candidate calls"
         + (f" ({stability_seeds} seeds)" if stability_seeds >= 2 else " (skipped: fewer than 2 seeds)"))
    stability = _stability(sub, reference, other, k_candidates, seed, stability_seeds, call)
    step(None)
    cells = _cells_table(adata, sub, used)
    meta = {"analysis": "scrna", "samples": [reference, other] if conditions else labels,
            "libraries": labels, "conditions": dict(conditions) if conditions else None, "reference": reference,
            "other": other, "seed": seed,
            "mito_prefix": mito_prefix, "n_cells_read": int(adata.n_obs), "n_cells_passed": int(sub.n_obs),
            "n_genes": int(adata.n_vars), "gene_sets": {k: len(v) for k, v in used.items()},
            "gene_sets_source": source, "gene_set_genes": {k: list(v) for k, v in used.items()},
            "figure_genes": spec, "notes": notes,
            "k_candidates": k_candidates, "stability": stability, "de_method": de.method.iloc[0],
            "params": dict(sub.uns.get("assaystats", {})), "n": int(adata.n_obs),
            "n_mads": n_mads, "n_mads_mito": n_mads_mito, "timings_s": timings,
            "extra_versions": ["scanpy", "anndata", "openTSNE", "pydeseq2", "scikit-learn", "umap-learn",
                               "pynndescent", "leidenalg", "igraph", "numba"]
            + ({"harmony": ["harmonypy"], "bbknn": ["bbknn"]}.get(batch, []))}
    return ScrnaResult(table=cells, meta=meta, de=de, qc_summary=qc, adata=sub, markers=mk, gene_sets=set_table)


def _stability(sub, reference, other, k, seed, n_seeds, call):
    """Share of the candidate calls that hold in every re-seeded embedding: each seed recomputes the principal
    components from a random 90 % of the highly variable genes (the permutation seed is kept, so only the
    embedding changes)."""
    import scipy.sparse as sp
    from sklearn.decomposition import PCA

    if n_seeds < 2 or call.sum() == 0:
        return {"seeds": 0, "share_kept": np.nan, "calls": int(call.sum())}
    hv = np.flatnonzero(sub.var["highly_variable"].to_numpy())
    n_comps = sub.obsm["X_pca"].shape[1]
    kept = np.zeros(sub.n_obs)
    for s in _progress.iterate(range(n_seeds), "stability seeds"):
        rng = np.random.default_rng(seed + 1000 + s)
        cols = np.sort(rng.choice(hv, int(0.9 * hv.size), replace=False))
        X = sub.X[:, cols]
        X = X.toarray() if sp.issparse(X) else np.asarray(X)
        key = f"X_pca_stability_{s}"
        sub.obsm[key] = PCA(n_components=min(n_comps, cols.size - 1), random_state=seed + s).fit_transform(X - X.mean(0))
        if sub.uns["assaystats"].get("batch") == "harmony":  # the same correction as the main embedding
            libs = sub.obs[sub.uns["assaystats"]["batch_key"]].astype(str).to_numpy()
            sub.obsm[key] = harmony(sub.obsm[key], libs, seed=seed)
        _sc, _q, c = candidate_cells(sub, reference=reference, other=other, k=k, use_rep=key)
        del sub.obsm[key]
        kept += c
    return {"seeds": n_seeds, "share_kept": float(np.mean(kept[call] == n_seeds)), "calls": int(call.sum())}


def _cells_table(adata, sub, sets):
    import pandas as pd

    obs = adata.obs
    t = pd.DataFrame({"cell": adata.obs_names, "sample": obs["sample"].astype(str).to_numpy(),
                      **({"library": obs["library"].to_numpy()} if "library" in obs else {}),
                      "passed_qc": obs["passed_qc"].to_numpy(), "n_genes": obs["n_genes_by_counts"].to_numpy(),
                      "total_counts": obs["total_counts"].to_numpy(), "pct_mito": obs["pct_counts_mt"].to_numpy(),
                      "doublet_score": obs["doublet_score"].to_numpy()})
    s = sub.obs
    add = pd.DataFrame(index=sub.obs_names)
    add["cluster"] = s["leiden"].astype(str)
    add["umap_1"], add["umap_2"] = sub.obsm["X_umap"][:, 0], sub.obsm["X_umap"][:, 1]
    if "X_tsne" in sub.obsm:
        add["tsne_1"], add["tsne_2"] = sub.obsm["X_tsne"][:, 0], sub.obsm["X_tsne"][:, 1]
    else:
        add["tsne_1"] = add["tsne_2"] = np.nan
    for c in ("phase", "S_score", "G2M_score"):
        add[c.lower() if c != "phase" else "phase"] = s[c] if c in s else np.nan
    for name in sets:
        if f"score_{name}" in s:
            add[f"score_{name}"] = s[f"score_{name}"]
    add["candidate_score"], add["candidate_q"], add["candidate"] = s["candidate_score"], s["candidate_q"], s["candidate"]
    t = t.set_index("cell").join(add, how="left").reset_index()
    t["candidate"] = t["candidate"].eq(True)
    return t.rename(columns={"s_score": "s_score", "g2m_score": "g2m_score"})
