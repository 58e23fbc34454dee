"""The Result of ``gr_metrics`` (GR values per well, GR metrics per curve)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .._result import Result, flag_words, one_axes_figure, short_label

__all__ = ["GRMetricsResult"]

#: curves drawn by ``plot`` when none are named
PLOT_LIMIT = 10


@dataclass(frozen=True)
class GRMetricsResult(Result):
    """``table`` (also ``metrics``): one row per curve (GR50, GRmax, GR_AOC, GEC50, GRinf, h_GR, r2_GR, pval_GR,
    fit_GR, flat_fit_GR, rss, n, n_doses, dose_min, dose_max, flag); ``values``: the GR value of every treated
    well."""

    values: Any = None  # pandas.DataFrame

    title: ClassVar[str] = "GR metrics"
    validated_against: ClassVar[str] = (
        "the GR calculator's own R code, GRfunctions.R with drc 3.2-0 (docs: validation/gr)")

    @property
    def metrics(self):
        return self.table

    def tables(self) -> dict[str, Any]:
        return {"gr_metrics": self.table, "gr_values": self.values}

    def figures(self):
        return {"gr_curves": one_axes_figure(lambda ax: self.plot(ax=ax), (8.0, 4.5))}

    def _labels(self):
        keys = list(self.meta.get("curve", []))
        from .._validate import label_text

        return [" ".join(label_text(v) for v in r) for r in self.table[keys].itertuples(index=False)], keys

    def plot(self, ax=None, curves=None):
        """GR values (points) and fitted curves (lines) of ``curves`` (row positions of ``table``; default the first
        10, one colour each); dashed lines at GR 0 (cytostasis) and 0.5."""
        import matplotlib.pyplot as plt
        import numpy as np

        from .._validate import label_text
        from ._gr import gr_sigmoid

        if ax is None:
            _, ax = plt.subplots()
        labels, keys = self._labels()
        idx = list(range(min(PLOT_LIMIT, len(self.table)))) if curves is None else list(curves)
        dose = self.meta.get("dose")
        vals = self.values
        vkey = [" ".join(label_text(v) for v in r) for r in vals[keys].itertuples(index=False)]
        vkey = np.asarray(vkey, dtype=object)
        for i in idx:
            row = self.table.iloc[i]
            sel = vkey == labels[i]
            d = vals.loc[sel, dose].to_numpy(dtype=float)
            g = vals.loc[sel, "GR"].to_numpy(dtype=float)
            pts = ax.scatter(d, g, s=12, label=short_label(labels[i]))
            if row["fit_GR"] == "not fitted" or not np.isfinite(row["dose_min"]):
                continue
            grid = np.geomspace(row["dose_min"], row["dose_max"], 200)
            if row["fit_GR"] == "flat":
                yv = np.full_like(grid, row["flat_fit_GR"])
            else:
                yv = gr_sigmoid(grid, row["GRinf"], row["GEC50"], row["h_GR"])
            ax.plot(grid, yv, color=pts.get_facecolor()[0], lw=1.2)
        ax.axhline(0.0, color="0.5", lw=0.8, ls="--")
        ax.axhline(0.5, color="0.7", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_xlabel(str(dose))
        ax.set_ylabel("GR value")
        if idx:
            ax.legend(fontsize="small", frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
        return ax

    def summary(self) -> str:
        t = self.table
        n = len(t)
        kinds = t["fit_GR"].value_counts()
        words = flag_words(t["flag"])
        return (f"{n} GR curves: {int(kinds.get('sigmoid', 0))} sigmoid, {int(kinds.get('flat', 0))} flat "
                f"(F test p >= {self.meta.get('pcutoff')}), {int(kinds.get('not fitted', 0))} not fitted"
                + (f"; flags: {words}." if words else "."))

    def methods(self) -> str:
        return str(self.meta.get("method", ""))
