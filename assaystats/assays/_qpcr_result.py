"""The Result of a qPCR relative-quantification analysis, and its figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._result import Result, format_number, one_axes_figure, p_words

__all__ = ["QpcrResult"]


@dataclass(frozen=True)
class QpcrResult(Result):
    """``table`` (also ``relative_expression``): one row per group and target gene; ``samples`` (per biological
    sample dCt and log2 normalised quantity), ``technical`` (technical-replicate means, SDs and flags),
    ``stability`` (geNorm M of the reference genes, when several)."""

    technical: Any = None
    samples: Any = None
    stability: Any = None

    title: ClassVar[str] = "qPCR relative expression"
    validated_against: ClassVar[str] = (
        "R (t.test, multcomp) on published qPCR data and ctrlGene's geNorm M (docs: validation/qpcr)")

    @property
    def relative_expression(self):
        return self.table

    def tables(self):
        out = {"relative_expression": self.table, "qpcr_samples": self.samples, "qpcr_technical": self.technical}
        if self.stability is not None:
            out["reference_stability"] = self.stability
        return out

    def plot(self, ax=None):
        """Fold change (log2 axis) with its interval, per target gene and group."""
        import matplotlib as mpl
        import matplotlib.pyplot as plt

        t = self.table[self.table.group != self.meta["calibrator"]]
        if ax is None:
            _, ax = plt.subplots(figsize=(min(10.0, max(3.5, 0.55 * len(t) + 1.5)), 3.8))
        genes = list(dict.fromkeys(t.gene))
        groups = list(dict.fromkeys(t.group))
        width = 0.8 / max(len(groups), 1)
        cmap = mpl.colormaps["tab10"]
        for gi, g in enumerate(groups):
            sub = t[t.group == g].set_index("gene").reindex(genes)
            x = np.arange(len(genes)) + (gi - (len(groups) - 1) / 2) * width
            fc = sub.fold_change.to_numpy(float)
            lo = fc - sub.ci_low.to_numpy(float)
            hi = sub.ci_high.to_numpy(float) - fc
            ax.bar(x, np.log2(fc), width=width * 0.9, color=cmap(gi % 10), label=g)
            ax.errorbar(x, np.log2(fc), yerr=[np.log2(fc) - np.log2(fc - lo), np.log2(fc + hi) - np.log2(fc)],
                        fmt="none", color="k", capsize=3, lw=1)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xticks(np.arange(len(genes)))
        ax.set_xticklabels(genes, rotation=30 if len(genes) > 4 else 0, ha="right" if len(genes) > 4 else "center")
        ax.set_ylabel(f"log2 fold change vs {self.meta['calibrator']}")
        kind = "range (\u00b1 1 SD, technical)" if self.meta["technical_only"] else f"{int(100 * self.meta['ci_level'])}% CI"
        ax.set_title(f"{self.meta['method']}; bars: {kind}", fontsize=9)
        ax.legend(frameon=False, fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return ax

    def plot_heatmap(self, ax=None):
        import matplotlib.pyplot as plt

        t = self.table[self.table.group != self.meta["calibrator"]]
        mat = t.pivot_table(index="gene", columns="group", values="log2_fold_change", sort=False)
        if ax is None:
            _, ax = plt.subplots(figsize=(1.2 * mat.shape[1] + 2.5, 0.35 * mat.shape[0] + 1.5))
        lim = float(np.nanmax(np.abs(mat.to_numpy()))) or 1.0
        im = ax.imshow(mat.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_yticks(range(mat.shape[0]))
        ax.set_yticklabels(mat.index)
        ax.set_xticks(range(mat.shape[1]))
        ax.set_xticklabels(mat.columns)
        ax.figure.colorbar(im, ax=ax, label=f"log2 fold change vs {self.meta['calibrator']}")
        return ax

    def figures(self):
        n = int((self.table.group != self.meta["calibrator"]).sum())
        figs = {"qpcr_fold_change": one_axes_figure(lambda ax: self.plot(ax=ax), (min(10.0, max(4.0, 0.55 * n + 1.5)), 3.8))}
        if len(self.meta["targets"]) >= 3:
            size = (2.6 + 0.9 * (len(self.meta["groups"]) - 1), 0.3 * len(self.meta["targets"]) + 1.4)
            figs["qpcr_heatmap"] = one_axes_figure(lambda ax: self.plot_heatmap(ax=ax), size)
        return figs

    def summary(self) -> str:
        m = self.meta
        pfaffl = m["method"].startswith("Pfaffl")
        lines = []
        for r in self.table[self.table.group != m["calibrator"]].itertuples(index=False):
            kind = "range" if r.interval.startswith("range") else f"{int(100 * m['ci_level'])}% CI"
            p = "" if r.p_value != r.p_value else f", p {p_words(r.p_adjusted)}"
            if r.q_value == r.q_value and len(m["targets"]) > 1:
                p += f", q (BH across genes) {p_words(r.q_value)}"
            kd = f" (knockdown {format_number(r.knockdown_pct, 3)}%)" if r.fold_change < 1 else ""
            # with efficiencies the fold change is not 2^-ddCt: name the efficiency-weighted log2 ratio instead
            scale = (f"log2 ratio (efficiency-corrected) {format_number(r.log2_fold_change, 3)}" if pfaffl
                     else f"ddCt {format_number(r.delta_delta_ct, 3)}")
            lines.append(f"- {r.gene} in {r.group} vs {m['calibrator']}: fold change {format_number(r.fold_change, 3)} "
                         f"({kind} {format_number(r.ci_low, 3)} to {format_number(r.ci_high, 3)}){kd}{p}; "
                         f"{scale}, n = {r.n}.")
        if self.stability is not None:
            best = self.stability.iloc[0]
            lines.append("Reference-gene stability (geNorm M, lower is better): "
                         + ", ".join(f"{g} {format_number(v, 3)}" for g, v in zip(self.stability.gene,
                                                                                 self.stability.genorm_m))
                         + (f"; most stable {best.gene}." if len(self.stability) > 2 else
                            "; with two reference genes their M values are equal by definition (geNorm ranks need "
                            "three or more candidates)."))
        flagged = self.technical[self.technical.flag != "ok"] if self.technical is not None else []
        if len(flagged):
            lines.append(f"{len(flagged)} sample/gene combination(s) flagged (technical Ct SD > "
                         f"{m['spread_limit']:g} cycles or non-detects); see qpcr_technical.")
        lines += m.get("notes", [])
        return "\n".join(lines)

    def methods(self) -> str:
        m = self.meta
        amp = ", ".join(f"{g} {e:.3g}" for g, e in m["amplification"].items())
        return (f"Relative expression by the {m['method']} method against the calibrator group '{m['calibrator']}', "
                f"normalised to {', '.join(m['reference_genes'])} (geometric mean of reference quantities); "
                f"amplification factors: {amp}. Technical replicate Cts were averaged within each biological sample "
                "before any statistics. "
                + ("Statistics were done on per-sample log2 normalised quantities (Welch t for two groups; ANOVA with "
                   "Dunnett's test against the calibrator for more), and intervals back-transformed to fold changes."
                   if not m["technical_only"] else
                   "With one biological sample per group no test is possible; the range is "
                   + ("2^(log2 ratio +- sd), with every gene's Cts and technical SDs weighted by log2 of its "
                      "amplification factor (efficiency-corrected, as the fold change)."
                      if m["method"].startswith("Pfaffl") else "2^-(ddCt +- sd).")))

