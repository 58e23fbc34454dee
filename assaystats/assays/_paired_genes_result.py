"""The Result of ``assays.paired_genes`` (many genes in paired samples)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._result import Result, format_number, format_p, layout, short_label

__all__ = ["PairedGenesResult"]


@dataclass(frozen=True)
class PairedGenesResult(Result):
    title: ClassVar[str] = "Paired samples, many genes"
    validated_against: ClassVar[str] = ('R t.test, wilcox.test and p.adjust (docs: validation/assays_extra)')

    def tables(self):
        return {"paired_genes": self.table}

    def plot(self, ax=None):
        """Mean paired difference with its interval per gene, sorted; filled when q_t < 0.05."""
        import matplotlib.pyplot as plt

        t = self.table.sort_values("mean_diff")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 0.25 * len(t) + 1.2))
        y = np.arange(len(t))
        sig = t.q_t.to_numpy() < 0.05
        d, lo, hi = (t[c].to_numpy(float) for c in ("mean_diff", "ci_low", "ci_high"))
        ax.errorbar(d, y, xerr=[d - lo, hi - d], fmt="none", color="0.4")
        ax.scatter(d[sig], y[sig], color="C3", zorder=3, label="q < 0.05")
        ax.scatter(d[~sig], y[~sig], facecolor="white", edgecolor="0.3", zorder=3, label="q \u2265 0.05")
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels([short_label(g) for g in t.gene], fontsize=7)
        m = self.meta
        ax.set_xlabel(short_label(f"{m['value']}: {m['group_level']} - {m['control']}", 80)
                      + f" (paired mean, {int(100 * m['ci_level'])}% CI)")
        ax.legend(frameon=False, fontsize=7)
        return ax

    def figures(self):
        def fig():
            import matplotlib.pyplot as plt

            f, ax = plt.subplots(figsize=(5.5, 0.25 * len(self.table) + 1.4))
            self.plot(ax=ax)
            layout(f)
            return f
        return {"paired_genes": fig}

    def summary(self) -> str:
        t = self.table
        m = self.meta
        up = t[(t.q_t < 0.05) & (t.mean_diff > 0)]
        down = t[(t.q_t < 0.05) & (t.mean_diff < 0)]
        lines = [f"{len(t)} genes, {m['n_pairs']} pairs ({m['group_level']} vs {m['control']}): {len(up)} higher and "
                 f"{len(down)} lower at q < 0.05 (paired t, BH)."]
        for r in t.sort_values("p_t").head(5).itertuples(index=False):
            lines.append(f"- {r.gene}: mean difference {format_number(r.mean_diff, 3)} ({format_number(r.ci_low, 3)} to "
                         f"{format_number(r.ci_high, 3)}), paired t q {format_p(r.q_t)}, Wilcoxon q {format_p(r.q_w)}.")
        return "\n".join(lines)

    def methods(self) -> str:
        return ("For each gene the paired difference (one value per pair) was tested with the paired t test and the "
                "Wilcoxon signed-rank test (R's conventions: zero differences dropped, exact p without ties for fewer "
                "than 50 pairs); q values are Benjamini-Hochberg across genes for each test.")
