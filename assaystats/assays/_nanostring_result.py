"""The Result of a NanoString analysis: QC table (``table``), normalised counts, differential expression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._result import Result, format_number, format_p, one_axes_figure

__all__ = ["NanoStringResult"]


@dataclass(frozen=True)
class NanoStringResult(Result):
    normalized: Any = None
    differential: Any = None
    stability: Any = None

    title: ClassVar[str] = "NanoString nCounter"
    validated_against: ClassVar[str] = (
        'NanoStringNorm 1.2.1.1 on real RCC files (docs: validation/nanostring)')

    @property
    def qc(self):
        return self.table

    def tables(self):
        out = {"qc": self.table, "normalized": self.normalized}
        if self.differential is not None:
            out["differential"] = self.differential
        if self.stability is not None:
            out["housekeeping_stability"] = self.stability
        return out

    def plot(self, ax=None, top: int = 25):
        """Heatmap of log2 fold changes of the genes with the smallest q values (one column per comparison)."""
        import matplotlib.pyplot as plt

        d = self.differential
        d = d.assign(comparison=d.group + " vs " + d.reference + np.where(d.within != "", " | " + d.within, ""))
        genes = d.sort_values("q_value").gene.drop_duplicates().head(top)
        mat = d[d.gene.isin(genes)].pivot_table(index="gene", columns="comparison", values="log2fc").reindex(genes)
        if ax is None:
            _, ax = plt.subplots(figsize=(1.6 * mat.shape[1] + 2.5, 0.28 * len(genes) + 1.5))
        lim = float(np.nanmax(np.abs(mat.to_numpy()))) or 1.0
        im = ax.imshow(mat.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_yticks(range(len(genes)))
        ax.set_yticklabels(genes, fontsize=7)
        ax.set_xticks(range(mat.shape[1]))
        ax.set_xticklabels(mat.columns, rotation=20, ha="right", fontsize=8)
        ax.figure.colorbar(im, ax=ax, label="log2 fold change")
        ax.set_title(f"top {len(genes)} genes by q value", fontsize=9)
        return ax

    def plot_qc(self, ax=None):
        import matplotlib.pyplot as plt

        q = self.table
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3))
        x = np.arange(len(q))
        ax.bar(x - 0.2, q.pos_factor, width=0.4, label="positive factor (0.3-3)")
        ax.bar(x + 0.2, q.hk_factor, width=0.4, label="housekeeping factor (0.1-10)")
        ax.axhline(1, color="k", lw=0.6)
        ax.set_xticks(x)
        ax.set_xticklabels(q.file.str.replace(".RCC", "", regex=False), rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("scaling factor")
        ax.legend(frameon=False, fontsize=7)
        return ax

    def figures(self):
        figs = {"nanostring_qc": one_axes_figure(lambda ax: self.plot_qc(ax=ax), (7, 3.4))}
        if self.differential is not None and len(self.differential):
            figs["nanostring_heatmap"] = one_axes_figure(lambda ax: self.plot(ax=ax), (6, 8))
        return figs

    def summary(self) -> str:
        q = self.table
        lines = [f"{len(q)} RCC files, CodeSet {self.meta['codeset']!r}, {self.meta['genes']} endogenous genes."]
        bad = q[q["flags"] != "ok"]
        lines.append("QC: all samples pass." if bad.empty else
                     "QC flags: " + "; ".join(f"{f}: {fl}" for f, fl in zip(bad["file"], bad["flags"])) + ".")
        if self.stability is not None:
            lines.append("Most stable housekeeping genes (geNorm M): " + ", ".join(
                f"{g} {format_number(m, 3)}" for g, m in zip(self.stability.gene[:3], self.stability.genorm_m[:3])) + ".")
        d = self.differential
        if d is not None:
            for (grp, ref, within), sub in d.groupby(["group", "reference", "within"], sort=False):
                sig = sub[sub.q_value < 0.05]
                where = f" within {within}" if within else ""
                top = sub[sub.tested].sort_values("q_value").head(3)
                n_out = int((~sub.tested).sum())
                untested = f" ({n_out} not tested, see below)" if n_out else ""
                lines.append(f"- {grp} vs {ref}{where}: {len(sig)} of {int(sub.tested.sum())} genes tested with q < "
                             f"0.05{untested}; top: " + ", ".join(
                    f"{r.gene} (log2FC {format_number(r.log2fc, 3)}, q {format_p(r.q_value)})" for r in top.itertuples()) + ".")
        lines += list(self.meta.get("notes", []))  # e.g. design rows without an RCC file, left out and counted
        return "\n".join(lines)

    def methods(self) -> str:
        m = self.meta
        bg = {"threshold": "counts below it raised to it", "subtract": "subtracted, with 0 below it",
              "none": "not applied"}.get(m["background"], m["background"])
        return ("RCC files were normalised following NanoString's gene-expression data analysis guidelines as "
                "NanoStringNorm implements them: positive-control scaling (geometric mean of the six positive "
                "controls against the " + ("fixed reference" if m["reference"] else "cohort mean") + "), background "
                f"from the negative controls (mean + 2 SD; {bg}), and housekeeping scaling (geometric mean "
                "of the housekeeping genes). Counts below 1 count as 1 in geometric means and before the log2 "
                "(NanoStringNorm's rule). QC flags use the thresholds NanoString's guidelines recommend (FOV ratio "
                "< 0.75, binding density outside 0.1-2.25, positive-control R\u00b2 < 0.95, POS_E at the limit of "
                "detection, scaling factors outside 0.3-3 and 0.1-10). Differential expression: Welch t tests on log2 "
                "normalised counts per gene, Benjamini-Hochberg q values across the genes tested"
                + (f", separately within each {m['by']}" if m.get("by") else "")
                + ("; a gene at or below the background in every sample of a comparison, or without variation in "
                   "either group, is not tested" if self.differential is not None else "") + ".")
