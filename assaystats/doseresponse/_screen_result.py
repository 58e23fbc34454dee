"""The Result of ``screen``: the screen's tables and its overview figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._result import Result, one_axes_figure, short_label

__all__ = ["ScreenResult"]

#: rows and columns of the heatmap at most (the most often tested compounds and lines; the rest are counted)
HEATMAP_MAX = 40


def same_label(series, value) -> np.ndarray:
    """Rows of ``series`` holding ``value``, a missing label matching a missing label (a curve's key may be empty)."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return series.isna().to_numpy()
    return (series == value).to_numpy()


@dataclass(frozen=True)
class ScreenResult(Result):
    """``curves``: ``fit_many``'s table (one row per curve; the columns of ``fit(...).fits`` plus the screen's);
    ``gr``: ``gr_metrics``' table (or None); ``gr_values``: GR per well (or None); ``flags``: the number of curves
    per flag (``analysis``, ``flag``, ``curves``); ``worst``: the wells of the curves drawn as the worst fits.
    ``table`` is ``curves`` (``gr`` when only GR metrics were computed)."""

    curves: Any = None
    gr: Any = None
    gr_values: Any = None
    flags: Any = None
    worst: Any = None

    title: ClassVar[str] = "Drug screen"
    validated_against: ClassVar[str] = (
        "the single-curve fit and R's anova of nested nls; GR metrics against the GR calculator's own R code (docs: validation/doseresponse, validation/gr)")

    def tables(self) -> dict[str, Any]:
        out = {}
        if self.curves is not None:
            out["curves"] = self.curves
        if self.gr is not None:
            out["gr_metrics"] = self.gr
            out["gr_values"] = self.gr_values
        out["flags"] = self.flags
        return out

    # -- text --------------------------------------------------------------------------------------------------
    def summary(self) -> str:
        m = self.meta
        lines = []
        if self.curves is not None:
            t = self.curves
            ok = int((t["flag"] == "ok").sum())
            exact = t["ic50_relation"].astype(str) == "="
            ic = np.log10(t.loc[exact, "ic50"].to_numpy(float))
            ic = ic[np.isfinite(ic)]
            med = f"; median IC50 {10 ** np.median(ic):.3g}" if ic.size else ""
            flat = int((t["flat_p"] >= 0.05).sum())
            lines.append(f"{len(t)} curves fitted ({m['fit_many'].get('model')}, {m['engine']} engine): {ok} without "
                         f"a flag, {int(exact.sum())} with an IC50 inside the tested doses{med}; {flat} not "
                         "different from a flat line (F test p >= 0.05).")
        if self.gr is not None:
            g = self.gr
            sig = int((g["fit_GR"] == "sigmoid").sum())
            fin = np.isfinite(g["GR50"].to_numpy(float)) & (np.abs(g["GR50"].to_numpy(float)) != np.inf)
            lines.append(f"GR metrics of {len(g)} curves: {sig} sigmoid fits (F test against a flat GR line), "
                         f"{int(fin.sum())} with a finite GR50.")
        bad = self.flags[self.flags["flag"] != "ok"]
        if len(bad):
            lines.append("Flags: " + ", ".join(f"{r.flag} {r.curves}" + (" (GR)" if r.analysis == "gr_metrics" else "")
                                               for r in bad.itertuples(index=False)) + ".")
        return "\n".join(lines)

    def methods(self) -> str:
        parts = []
        if self.curves is not None:
            parts.append(str(self.meta["fit_many"].get("method", "")))
        if self.gr is not None:
            parts.append(str(self.meta["gr_metrics"].get("method", "")))
        return " ".join(p for p in parts if p)

    # -- figures -----------------------------------------------------------------------------------------------
    def figures(self):
        figs = {}
        if self.curves is not None:
            figs["ic50_distribution"] = one_axes_figure(lambda ax: self._hist(ax, "ic50"), (5.5, 3.6))
        if self.gr is not None:
            figs["gr50_distribution"] = one_axes_figure(lambda ax: self._hist(ax, "GR50"), (5.5, 3.6))
        figs["flags"] = one_axes_figure(self._flags_plot, (5.5, 0.3 * max(len(self.flags), 3) + 1.2))
        if len(self.meta["curve"]) >= 2:
            figs["heatmap"] = self._heatmap_figure
        if self.worst is not None and len(self.worst):
            figs["worst_fits"] = self._worst_figure
        return figs

    def plot(self, ax=None):
        """The distribution of log10 IC50 (or GR50 when only GR metrics were computed)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.6))
        return self._hist(ax, "ic50" if self.curves is not None else "GR50")

    def _hist(self, ax, what):
        t = self.curves if what == "ic50" else self.gr
        if what == "ic50":  # a flat curve's IC50 is noise: only curves that differ from a flat line
            t = t[t["flat_p"] < 0.05]
        else:
            t = t[t["fit_GR"] == "sigmoid"]
        v = t[what].to_numpy(float)
        if what == "ic50":
            rel = t["ic50_relation"].astype(str).to_numpy()
            groups = [("inside the tested doses", rel == "="), ("above the highest dose (>)", rel == ">"),
                      ("below the lowest dose (<)", rel == "<")]
        else:
            groups = [("finite", np.isfinite(v)), ("+inf (never reached)", v == np.inf), ("-inf", v == -np.inf)]
        fin = np.isfinite(v) & (v > 0)
        lv = np.log10(v[fin]) if fin.any() else np.array([0.0])
        bins = np.linspace(lv.min() - 0.1, lv.max() + 0.1, 31)
        unit = self.meta.get("dose_unit_text") or ""
        for (label, mask), colour in zip(groups, ("C0", "C3", "C2")):
            m = mask & fin
            n = int(mask.sum())
            if what == "ic50" and m.any():
                ax.hist(np.log10(v[m]), bins=bins, color=colour, alpha=0.7, label=f"{label}: {n}")
            elif what == "ic50" and n:
                ax.plot([], [], color=colour, label=f"{label}: {n}")
            elif what != "ic50" and label == "finite" and m.any():
                ax.hist(np.log10(v[m]), bins=bins, color=colour, alpha=0.7, label=f"{label}: {n}")
            elif n:
                ax.plot([], [], color=colour, label=f"{label}: {n}")
        name = "IC50 (relative)" if what == "ic50" else "GR50"
        ax.set_xlabel(f"log10 {name}" + (f" ({unit})" if unit else ""))
        ax.set_ylabel("curves")
        ax.legend(frameon=False, fontsize=7)
        which = "different from a flat line (F test p < 0.05)" if what == "ic50" else "with a sigmoid GR fit"
        ax.set_title(f"{name} of the {len(t)} curves {which}", fontsize=8)
        return ax

    def _flags_plot(self, ax):
        f = self.flags.iloc[::-1]
        labels = [f"{r.flag}" + (" (GR)" if r.analysis == "gr_metrics" else "") for r in f.itertuples(index=False)]
        y = np.arange(len(f))
        ax.barh(y, f["curves"].to_numpy(), color=["0.6" if r == "ok" else "C3" for r in f["flag"]])
        ax.set_yticks(y)
        ax.set_yticklabels([short_label(x) for x in labels], fontsize=7)
        ax.set_xlabel("curves")
        for yi, n in zip(y, f["curves"].to_numpy()):
            ax.text(n, yi, f" {n}", va="center", fontsize=7)
        return ax

    def heatmap_matrix(self):
        """The heatmap's matrix: median log10 IC50 (GR50 without curves) by the first two curve columns, restricted
        to the ``HEATMAP_MAX`` most often tested rows and columns; returns (matrix DataFrame, rows left, cols left)."""
        import pandas as pd

        from .._validate import label_values

        keys = list(self.meta["curve"])[:2]
        t = self.curves if self.curves is not None else self.gr
        col = "ic50" if self.curves is not None else "GR50"
        v = t[col].to_numpy(float)
        with np.errstate(all="ignore"):
            lv = np.where(np.isfinite(v) & (v > 0), np.log10(v), np.nan)
        frame = pd.DataFrame({"r": label_values(t[keys[0]]), "c": label_values(t[keys[1]]), "v": lv})
        rows = frame["r"].value_counts().index[:HEATMAP_MAX]
        cols = frame["c"].value_counts().index[:HEATMAP_MAX]
        sub = frame[frame["r"].isin(rows) & frame["c"].isin(cols)]
        mat = sub.pivot_table(index="r", columns="c", values="v", aggfunc="median", dropna=False, sort=False)
        return mat, frame["r"].nunique() - len(rows), frame["c"].nunique() - len(cols)

    def _heatmap_figure(self):
        import matplotlib.pyplot as plt

        from .._result import layout

        mat, rows_left, cols_left = self.heatmap_matrix()
        keys = list(self.meta["curve"])[:2]
        h = min(0.22 * mat.shape[0] + 2.0, 12.0)
        w = min(0.22 * mat.shape[1] + 3.5, 14.0)
        fig, ax = plt.subplots(figsize=(w, h))
        im = ax.imshow(np.ma.masked_invalid(mat.to_numpy(float)), aspect="auto", cmap="viridis_r")
        ax.set_xticks(np.arange(mat.shape[1]))
        ax.set_xticklabels([short_label(c) for c in mat.columns], rotation=90, fontsize=6)
        ax.set_yticks(np.arange(mat.shape[0]))
        ax.set_yticklabels([short_label(r) for r in mat.index], fontsize=6)
        ax.set_ylabel(short_label(keys[0]))
        ax.set_xlabel(short_label(keys[1]))
        what = "IC50" if self.curves is not None else "GR50"
        cb = fig.colorbar(im, ax=ax, shrink=0.8)
        cb.set_label(f"median log10 {what}" + (" (blank: not reached / not fitted)"), fontsize=7)
        if rows_left or cols_left:
            ax.set_title(f"{HEATMAP_MAX} most tested of each; {rows_left} rows and {cols_left} columns not shown",
                         fontsize=7)
        layout(fig)
        return fig

    def _worst_figure(self):
        import matplotlib.pyplot as plt

        from .._result import layout
        from .._validate import label_text

        keys = list(self.meta["curve"])
        dose, resp = self.meta["dose"], self.meta["response"]
        picks = self.worst[keys].drop_duplicates().reset_index(drop=True)
        n = len(picks)
        ncol = min(3, n)
        nrow = int(np.ceil(n / ncol))
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), squeeze=False)
        t = self.curves
        for i, pick in enumerate(picks.itertuples(index=False)):
            ax = axes[i // ncol][i % ncol]
            wsel = np.ones(len(self.worst), bool)
            csel = np.ones(len(t), bool)
            for k, v in zip(keys, pick):
                wsel &= same_label(self.worst[k], v)
                csel &= same_label(t[k], v)
            w = self.worst[wsel]
            row = t[csel].iloc[0]
            x = w[dose].to_numpy(float)
            pos = x[x > 0]
            lo = pos.min() if pos.size else 1e-3
            xs = np.where(x > 0, x, lo / 10)
            yobs = w[resp].to_numpy(float)
            ax.scatter(xs, yobs, s=8, color="0.3")
            span = np.nanmax(yobs) - np.nanmin(yobs) if np.isfinite(yobs).any() else 1.0
            ax.set_ylim(np.nanmin(yobs) - 0.15 * span, np.nanmax(yobs) + 0.15 * span)  # the data, not extrapolation
            if np.isfinite(row["e"]) and np.isfinite(row["hill"]):
                grid = np.geomspace(lo / 10, (pos.max() if pos.size else 1.0) * 1.5, 200)
                b = -float(row["hill"])
                with np.errstate(all="ignore"):
                    yy = row["bottom"] + (row["top"] - row["bottom"]) / (1 + np.exp(b * (np.log(grid)
                                                                                       - np.log(row["e"]))))
                ax.plot(grid, yy, color="C3")
            ax.set_xscale("log")
            name = " ".join(label_text(v) for v in pick)
            flags = str(row["flag"]).split(";")
            ax.set_title(short_label(name, 30) + ": " + ", ".join(flags[:2]) + (" ..." if len(flags) > 2 else "") + f"\nRMSE {row['rmse']:.3g}, R2 {row['r2']:.2f}",
                         fontsize=7)
            ax.tick_params(labelsize=6)
        for j in range(n, nrow * ncol):
            axes[j // ncol][j % ncol].axis("off")
        fig.supxlabel(f"{dose} (vehicle drawn at a tenth of the lowest dose)", fontsize=7)
        fig.supylabel(str(resp), fontsize=7)
        layout(fig)
        return fig
