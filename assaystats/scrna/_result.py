"""The Result of the single-cell pipeline and its figures (the study's Fig. 1B-G)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._result import Result, format_number

__all__ = ["ScrnaResult"]


@dataclass(frozen=True)
class ScrnaResult(Result):
    """``table`` (also ``cells``): every cell read, with ``passed_qc``; ``de``; ``markers`` (the first 25 marker
    genes of each cluster against the rest); ``qc_summary``; ``gene_sets`` (one row per gene set read: its source,
    its genes found in the data, those matched only by case, whether it was scored); ``adata`` (the passing cells:
    normalised data in X, raw counts in layers['counts'], embeddings in obsm). The figures show the sets and genes
    of ``meta['figure_genes']``."""

    de: Any = None
    qc_summary: Any = None
    adata: Any = None
    markers: Any = None
    gene_sets: Any = None

    title: ClassVar[str] = "Single-cell comparison"
    validated_against: ClassVar[str] = (
        "R DESeq2 1.38.3, edgeR 3.40.2 and scanpy's own results (docs: validation/scrna)")

    @property
    def cells(self):
        return self.table

    def tables(self):
        # report order: the answers first, the per-cell table (every cell read) last
        out = {"de": self.de, "markers": self.markers, "qc_summary": self.qc_summary, "gene_sets": self.gene_sets,
               "cells": self.table}
        return {k: v for k, v in out.items() if v is not None}

    def plot(self, ax=None, color="sample", basis="umap"):
        from ._plot import plot_embedding

        return plot_embedding(self, ax=ax, color=color, basis=basis)

    def figures(self):
        """The figures that the run's sets and genes allow (``meta['figure_genes']``): the heatmap needs a scored
        set, the dot plot a gene, the scatter two genes or scores. The scatter of the study's panel (bundled sets)
        keeps its name, scrna_notch_scatter."""
        from . import _plot

        spec = _plot.figure_genes(self)
        figs = {"scrna_qc": lambda: _plot.fig_qc(self), "scrna_embedding": lambda: _plot.fig_embedding(self)}
        if spec["sets"]:
            figs["scrna_heatmap"] = lambda: _plot.fig_heatmap(self)
        if spec["dotplot"]:
            figs["scrna_dotplot"] = lambda: _plot.fig_dotplot(self)
        if spec["scatter"]:
            figs["scrna_notch_scatter" if spec["study"] else "scrna_scatter"] = lambda: _plot.fig_scatter(self)
        figs["scrna_volcano"] = lambda: _plot.fig_volcano(self)
        return {k: _plain_text(f) for k, f in figs.items()}

    def summary(self) -> str:
        m = self.meta
        de = self.de
        up = de[(de.p_adjusted < 0.05) & (de.log2fc > 0)].sort_values("log2fc", ascending=False)
        c = self.table
        ref, oth = m["reference"], m["other"]
        passed = c[c.passed_qc]
        phased = passed[passed["phase"].notna()]
        cyc = phased.groupby("sample")["phase"].apply(lambda s: float((s != "G1").mean()))
        lines = [f"{m['n_cells_read']} cells read, {m['n_cells_passed']} pass QC (per-sample MAD rules; table "
                 "qc_summary).",
                 f"Differential expression {oth} vs {ref}: {len(up)} genes up at adjusted p < 0.05; top by fold change: "
                 + ", ".join(f"{r.gene} (log2FC {format_number(r.log2fc, 3)})" for r in up.head(6).itertuples()) + ".",
                 (f"Cycling cells (S or G2M): {ref} {cyc.get(ref, np.nan):.0%}, {oth} {cyc.get(oth, np.nan):.0%}."
                  if len(phased) else "Cell-cycle phase not scored (no S or G2M genes of the Tirosh lists in the "
                  "data)."),
                 f"Candidate {ref} cells (neighbourhood dominated by {oth}, permutation q < 0.05): "
                 f"{int(c.candidate.sum())} of {int((passed['sample'] == ref).sum())}; "
                 + (f"{m['stability']['share_kept']:.0%} of the calls hold in all {m['stability']['seeds']} re-seeded "
                    "embeddings." if m["stability"].get("seeds") else "no stability run.")]
        if m["params"].get("scrublet_error"):
            lines.append(f"Doublet scores could not be computed (scrublet: {m['params']['scrublet_error']}).")
        if "DESeq2" in m["de_method"]:
            lines.append(f"DE is a pseudobulk DESeq2 test with the cultures (libraries {', '.join(m['libraries'])}) as "
                         "replicates; cells are not counted as replicates.")
        if "exploratory" in m["de_method"]:
            lines.append("One sample per condition: the cell-level test is exploratory (cells of one culture are not "
                         "independent replicates); p values are not evidence about cultures.")
        return "\n".join(lines)

    def methods(self) -> str:
        m = self.meta
        p = m["params"]
        dbl = ("z-scores and PCA" if p.get("scrublet_mean_center", True) else
               "truncated SVD without mean-centring, for samples over 25,000 cells")
        return (f"Counts were read with scanpy; QC by median absolute deviations per sample ({m['n_mads']:g} MADs for "
                f"log counts and genes, {m['n_mads_mito']:g} above the median for the {m['mito_prefix']} percentage); "
                f"scrublet doublet scores ({dbl}). {p.get('normalisation', '')}; {p.get('n_top_genes')} highly variable "
                f"genes, "
                f"{p.get('n_pcs')} principal components, "
                + (f"{p['batch']} correction across {p['batch_key']}, " if p.get("batch") else "")
                + f"{p.get('n_neighbors')} neighbours, Leiden (resolution {p.get('resolution')}), UMAP (scanpy) and "
                f"t-SNE (openTSNE, exact neighbours), seed {m['seed']}. Gene-set scores by scanpy's score_genes "
                f"(genes sorted) for {_sets_words(m)}, gene symbols matched exactly or, when only the case "
                "differs, ignoring case; cell-cycle phase from the Tirosh 2016 S and G2M genes. DE: "
                f"{m['de_method']}; "
                + ("log2 fold change = DESeq2's maximum-likelihood estimate with its Wald interval; " if "DESeq2" in
                   m["de_method"] else
                   "log2 fold change = log2 ratio of the counts summed over the cells of each sample, as counts per "
                   "million with edgeR's prior count of 2 (scaled to the library size), with a delta-method interval "
                   "over cells; ")
                + ("the pooled fold change in log2fc_pooled, " if "DESeq2" in m["de_method"] else "")
                + "Seurat's convention (log2(mean + 1) of counts per 10,000 per cell) in log2fc_seurat. "
                + "Candidate "
                f"cells: fraction of the {m['k_candidates']} nearest neighbours (PCA) from the other sample, exact "
                "label-permutation (hypergeometric) p values, BH q < 0.05 and a majority of neighbours.")


def _sets_words(m) -> str:
    names = list(m.get("gene_sets", {}))
    src = m.get("gene_sets_source", "the bundled study sets")
    if not names:
        return f"no set (none of {src} has a gene in the data)"
    return f"{len(names)} set{'s' if len(names) != 1 else ''} ({', '.join(names)}) from {src}"


def _plain_text(make):
    """Set and gene names are user text, drawn as plain text: a '$' in a name is not TeX (mathtext would fail)."""

    def draw():
        import matplotlib.pyplot as plt

        with plt.rc_context({"text.parse_math": False}):
            return make()

    return draw
