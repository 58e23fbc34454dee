"""Figures of the single-cell comparison (never computes statistics). The sets and genes they show are the run's
(``meta['figure_genes']``, made by ``_sets.figure_spec``): nothing here names a gene or reads the bundled sets."""

from __future__ import annotations

import numpy as np

from .._result import layout

__all__ = ["fig_dotplot", "fig_embedding", "fig_heatmap", "fig_notch", "fig_qc", "fig_scatter", "fig_volcano",
           "figure_genes", "plot_embedding"]


def _expr(adata, gene):
    import scipy.sparse as sp

    x = adata[:, gene].X
    return np.asarray(x.toarray() if sp.issparse(x) else x).ravel()


def _values(adata, key):
    """An obs column (a set score) or a gene's log expression."""
    return adata.obs[key].to_numpy(float) if key in adata.obs else _expr(adata, key)


def _label(key) -> str:
    from .._result import short_label

    if key.startswith("score_"):
        return f"{short_label(key[len('score_'):])} score"
    return f"{short_label(key)} (log expression)"


def figure_genes(result) -> dict:
    """The sets and genes of the figures: ``meta['figure_genes']``, restricted to what the AnnData holds (a Result
    made before this key existed gets the bundled study's choice)."""
    from ._sets import figure_spec

    a = result.adata
    spec = result.meta.get("figure_genes")
    if spec is None:
        used = result.meta.get("gene_set_genes") or {k: [] for k in result.meta.get("gene_sets", {})}
        spec = figure_spec(used, a.var_names, bundled=True)
    have = set(a.var_names) | set(a.obs.columns)
    out = {"study": bool(spec.get("study", False)),
           "sets": [k for k in spec.get("sets", []) if k in (result.meta.get("gene_set_genes") or {})],
           "embedding": [g for g in spec.get("embedding", []) if g in have],
           "dotplot": [g for g in spec.get("dotplot", []) if g in a.var_names],
           "scatter": [g for g in spec.get("scatter", []) if g in have]}
    if len(out["scatter"]) < 2:
        out["scatter"] = []
    return out


def plot_embedding(result, ax=None, *, color="sample", basis="umap"):
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    a = result.adata
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    xy = a.obsm[f"X_{basis}"]
    import pandas as pd

    categorical = color in ("sample", "leiden", "phase", "candidate") or (
        color in a.obs and not pd.api.types.is_numeric_dtype(a.obs[color]))
    if categorical and color not in a.obs:
        from ..errors import AssayDataError

        raise AssayDataError(f"{color!r} is not a column of the cells (obs)")
    if categorical:
        vals = a.obs[color].astype(str)
        cats = sorted(vals.unique())
        cmap = mpl.colormaps["tab10"] if len(cats) <= 10 else mpl.colormaps["tab20"]
        for i, c in enumerate(cats):
            m = (vals == c).to_numpy()
            ax.scatter(xy[m, 0], xy[m, 1], s=6, color=cmap(i % cmap.N), label=c, lw=0, rasterized=True)
        ax.legend(frameon=False, fontsize=6, markerscale=2, title=color, title_fontsize=7)
    else:
        v = _values(a, color)
        order = np.argsort(v)
        sca = ax.scatter(xy[order, 0], xy[order, 1], c=v[order], s=6, cmap="Purples", lw=0, rasterized=True)
        ax.figure.colorbar(sca, ax=ax, shrink=0.7)
    if color == "sample" and "candidate" in a.obs:
        m = a.obs["candidate"].to_numpy(bool)
        ax.scatter(xy[m, 0], xy[m, 1], s=30, facecolor="none", edgecolor="k", lw=0.8, label="candidate")
    ax.set_title(_label(color).replace(" (log expression)", "") if not categorical else color, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{basis.upper()} 1", fontsize=7)
    ax.set_ylabel(f"{basis.upper()} 2", fontsize=7)
    return ax


def fig_embedding(result):
    import matplotlib.pyplot as plt

    a = result.adata
    colors = ["sample", "leiden"] + (["phase"] if "phase" in a.obs else []) + figure_genes(result)["embedding"]
    basis = "tsne" if "X_tsne" in a.obsm else "umap"
    fig, axes = plt.subplots(1, len(colors), figsize=(3.4 * len(colors), 3.3))
    for ax, c in zip(axes, colors):
        plot_embedding(result, ax=ax, color=c, basis=basis)
    layout(fig)
    return fig


def fig_qc(result):
    """QC per library (the unit of the MAD rules): violins of the kept and removed cells, and the counts-genes
    scatter coloured by the mitochondrial percentage with the removed cells marked."""
    import matplotlib.pyplot as plt

    c = result.table
    col_lib = "library" if "library" in c else "sample"
    libs = result.meta.get("libraries") or result.meta["samples"]
    fig, axes = plt.subplots(1, 4, figsize=(12, 3), gridspec_kw={"width_ratios": [1, 1, 1, 1.25]})
    for ax, col in zip(axes, ("total_counts", "n_genes", "pct_mito")):
        data, labels = [], []
        for s in libs:
            for ok in (True, False):
                v = c[(c[col_lib] == s) & (c.passed_qc == ok)][col].to_numpy(float)
                if v.size:
                    data.append(v)
                    labels.append(f"{s}\n{'kept' if ok else 'removed'}")
        ax.violinplot(data, showmedians=True)
        ax.set_xticks(range(1, len(labels) + 1))
        ax.set_xticklabels(labels, fontsize=6 if len(labels) > 4 else 7)
        ax.set_title(col, fontsize=9)
    ax = axes[3]
    kept, gone = c[c.passed_qc], c[~c.passed_qc]
    lim = {"vmin": float(c.pct_mito.min()), "vmax": float(c.pct_mito.max()), "cmap": "viridis"}
    sc_ = ax.scatter(kept.total_counts, kept.n_genes, c=kept.pct_mito, s=3, rasterized=True, **lim)
    ax.scatter(gone.total_counts, gone.n_genes, c=gone.pct_mito, s=12, marker="x", label=f"removed ({len(gone)})",
               **lim)
    ax.set_xscale("log")
    ax.set_xlabel("total counts", fontsize=8)
    ax.set_ylabel("genes detected", fontsize=8)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    fig.colorbar(sc_, ax=ax, label="% mito")
    layout(fig)
    return fig


def _set_genes(result):
    """The genes (data symbols) of the sets the heatmap shows, as the run scored them."""
    a = result.adata
    scored = result.meta.get("gene_set_genes") or {}
    return {k: [g for g in scored[k] if g in a.var_names] for k in figure_genes(result)["sets"]}


def _abbreviations(names) -> dict:
    """A set's tag in the heatmap's gene labels: its first letter when these are distinct, else its number."""
    first = [n[:1].upper() for n in names]
    if len(set(first)) == len(first) and all(first):
        return dict(zip(names, first))
    return {n: str(i) for i, n in enumerate(names, start=1)}


def fig_heatmap(result):
    """Mean log-normalised expression of the genes of the run's sets (with the bundled sets: stemness / EMT /
    Notch) by cluster (z-scored per gene across clusters; each column names the sample that dominates it)."""
    import matplotlib.pyplot as plt

    from .._result import short_label

    a = result.adata
    genes, blocks = [], []
    for k, v in _set_genes(result).items():
        genes += v
        blocks += [k] * len(v)
    tags = _abbreviations(list(dict.fromkeys(blocks)))
    clusters = sorted(a.obs["leiden"].astype(str).unique(), key=lambda c: (len(c), c))
    cl = a.obs["leiden"].astype(str).to_numpy()
    major = {c: a.obs.loc[cl == c, "sample"].astype(str).value_counts().index[0] for c in clusters}
    clusters = sorted(clusters, key=lambda c: (major[c], len(c), c))
    X = a.X[:, a.var_names.get_indexer(genes)]  # by position: a gene may be in two sets
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    M = np.column_stack([X[cl == c].mean(axis=0) for c in clusters])
    Z = (M - M.mean(axis=1, keepdims=True)) / (M.std(axis=1, keepdims=True) + 1e-9)
    fig, ax = plt.subplots(figsize=(0.45 * len(clusters) + 2.6, 0.17 * len(genes) + 1.4))
    im = ax.imshow(Z, cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.set_yticks(range(len(genes)))
    ax.set_yticklabels([f"{g} ({tags[b]})" for g, b in zip(genes, blocks)], fontsize=6)
    ax.set_xticks(range(len(clusters)))
    ax.set_xticklabels([f"{c}\n{major[c]}" for c in clusters], fontsize=7)
    ax.set_xlabel("cluster / dominant sample", fontsize=7)
    fig.colorbar(im, ax=ax, shrink=0.5, label="z across clusters")
    ax.set_title(", ".join(f"{short_label(b)} ({t})" for b, t in tags.items()), fontsize=8, wrap=True)
    layout(fig)
    return fig


def fig_dotplot(result):
    """Fraction expressing and mean expression in reference cells, candidate cells and the other sample."""
    import matplotlib.pyplot as plt

    a = result.adata
    ref, oth = result.meta["reference"], result.meta["other"]
    groups = {f"{ref}": (a.obs["sample"] == ref).to_numpy() & ~a.obs["candidate"].to_numpy(bool),
              f"{ref} candidates": a.obs["candidate"].to_numpy(bool), oth: (a.obs["sample"] == oth).to_numpy()}
    genes = figure_genes(result)["dotplot"]
    fig, ax = plt.subplots(figsize=(0.45 * len(genes) + 2, 2.4))
    for j, (name, m) in enumerate(groups.items()):
        if m.sum() == 0:
            continue
        for i, g in enumerate(genes):
            v = _expr(a[m], g)
            ax.scatter(i, j, s=300 * (v > 0).mean() + 2, c=[[v.mean()]], cmap="Reds", vmin=0, vmax=3)
    ax.set_xticks(range(len(genes)))
    ax.set_xticklabels(genes, rotation=60, fontsize=7)
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels(list(groups), fontsize=7)
    ax.set_title("dot size: fraction expressing; colour: mean log expression", fontsize=8)
    layout(fig)
    return fig


def fig_scatter(result):
    """Two genes (log expression) or two set scores against each other, cells coloured by sample: with the bundled
    sets the study's NOTCH1 vs NOTCH2 panel."""
    import matplotlib.pyplot as plt

    a = result.adata
    fig, ax = plt.subplots(figsize=(3.6, 3.4))
    pair = figure_genes(result)["scatter"]
    if pair:
        x, y = pair
        for s, col in zip(result.meta["samples"], ("C3", "C2")):
            m = (a.obs["sample"] == s).to_numpy()
            ax.scatter(_values(a[m], x), _values(a[m], y), s=6, alpha=0.6, color=col, label=s, rasterized=True)
        ax.set_xlabel(_label(x))
        ax.set_ylabel(_label(y))
        ax.legend(frameon=False, fontsize=7)
    layout(fig)
    return fig


fig_notch = fig_scatter  # the study's name for it


def fig_volcano(result):
    import matplotlib.pyplot as plt

    de = result.de
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    y = -np.log10(np.maximum(de.p_adjusted.to_numpy(float), 1e-300))
    sig = de.p_adjusted.to_numpy() < 0.05
    ax.scatter(de.log2fc[~sig], y[~sig], s=5, color="0.7", lw=0, rasterized=True)
    ax.scatter(de.log2fc[sig], y[sig], s=6, color="C3", lw=0)
    for r in de[sig].sort_values("log2fc", ascending=False).head(6).itertuples():
        ax.annotate(r.gene, (r.log2fc, -np.log10(max(r.p_adjusted, 1e-300))), fontsize=6)
    ax.set_xlabel(f"log2 fold change {result.meta['other']} vs {result.meta['reference']}")
    ax.set_ylabel("-log10 adjusted p")
    layout(fig)
    return fig
