"""The Results of the cohort analyses (``correlates``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._result import Result, format_number, format_p, layout, short_label

__all__ = ["CoexpressionResult"]


@dataclass(frozen=True)
class CoexpressionResult(Result):
    title: ClassVar[str] = "Co-expression"
    validated_against: ClassVar[str] = ('R cor.test and ppcor 1.1 pcor.test (docs: validation/correlates)')

    def tables(self):
        return {"coexpression": self.table}

    def plot(self, ax=None, top: int = 20):
        """Ranked bar of r for the strongest correlations (filled: q < 0.05)."""
        import matplotlib.pyplot as plt

        t = self.table.reindex(self.table.r.abs().sort_values(ascending=False).index).head(top)[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 0.25 * len(t) + 1.2))
        colors = ["C3" if q < 0.05 else "0.7" for q in t.q_value]
        ax.barh(range(len(t)), t.r, color=colors)
        ax.set_yticks(range(len(t)))
        ax.set_yticklabels([short_label(g) for g in t.gene], fontsize=7)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlabel(f"{self.meta['method_name']} r with {self.meta['gene']} (red: q < 0.05)")
        return ax

    def plot_pair(self, gene2: str, ax=None):
        import matplotlib.pyplot as plt

        x, Y = self.meta["_x"], self.meta["_values"]
        y = Y[gene2]
        if ax is None:
            _, ax = plt.subplots(figsize=(3.6, 3.4))
        ax.scatter(x, y, s=8, alpha=0.6)
        r = self.table.set_index("gene").loc[gene2]
        ax.set_xlabel(self.meta["gene"])
        ax.set_ylabel(gene2)
        ax.set_title(f"r = {r.r:.3f}, q = {format_p(r.q_value)} (n = {r.n})", fontsize=8)
        return ax

    def figures(self):
        def bar():
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(5.5, 0.25 * min(20, len(self.table)) + 1.5))
            self.plot(ax=ax)
            layout(fig)
            return fig

        figs = {"coexpression_ranked": bar}
        top = self.table.reindex(self.table.r.abs().sort_values(ascending=False).index).gene.head(4).tolist()
        if top:
            def scatter():
                import matplotlib.pyplot as plt

                fig, axes = plt.subplots(1, len(top), figsize=(3.2 * len(top), 3.2))
                for ax, g in zip(np.atleast_1d(axes), top):
                    self.plot_pair(g, ax=ax)
                layout(fig)
                return fig
            figs["coexpression_scatter"] = scatter
        return figs

    def to_dict(self):
        d = super().to_dict()
        d["meta"].pop("_x", None)
        d["meta"].pop("_values", None)
        return d

    def summary(self):
        t = self.table
        m = self.meta
        sig = t[t.q_value < 0.05]
        lines = [f"{m['gene']} against {len(t)} genes ({m['method_name']}, {m['samples']}): {int((sig.r > 0).sum())} "
                 f"positive and {int((sig.r < 0).sum())} negative correlations at q < 0.05 (BH)."]
        for r in t.reindex(t.r.abs().sort_values(ascending=False).index).head(8).itertuples(index=False):
            lines.append(f"- {r.gene}: r = {format_number(r.r, 3)}, p {format_p(r.p_value)}, q {format_p(r.q_value)}, "
                         f"n = {r.n}.")
        lines += m.get("notes", [])
        return "\n".join(lines)

    def methods(self):
        return (f"Correlation of {self.meta['gene']} with each gene: {self.table.method.iloc[0]}; pairwise-complete "
                "samples (n per pair in the table); Benjamini-Hochberg q values across the genes tested.")
