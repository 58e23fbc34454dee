"""Drawing of computed dose-response results (never computes statistics, never shows or saves)."""

from __future__ import annotations

import numpy as np

from .._result import short_label

__all__ = ["plot_curves", "plot_residuals", "plot_replicate_ic50", "vehicle_position"]


def vehicle_position(doses) -> float:
    """Where dose 0 is drawn on the log axis: one decade below the lowest positive dose."""
    pos = np.asarray(doses, float)
    pos = pos[pos > 0]
    return float(pos.min() / 10.0) if pos.size else 1.0


def _colors(n):
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _unit(meta) -> str:
    u = meta.get("dose_unit") or ""
    return f" ({u})" if u else ""


def plot_curves(result, ax=None, *, points: str = "all", show_ic50: bool = True, legend: bool = True):
    """Data and fitted curves on a log dose axis; the vehicle (dose 0) is drawn left of an axis break.

    points: 'all' (every well) or 'mean' (mean +- SEM per dose).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.0))
    curves = result.curves
    all_doses = np.concatenate([c.dose for c in curves])
    x0 = vehicle_position(all_doses)
    pos = all_doses[all_doses > 0]
    lo, hi = pos.min(), pos.max()
    grid = np.logspace(np.log10(lo) - 0.3, np.log10(hi) + 0.3, 300)
    fits = result.fits.set_index("group")
    for c, col in zip(curves, _colors(len(curves))):
        xd = np.where(c.dose > 0, c.dose, x0)
        row = fits.loc[c.label]
        label = short_label(c.label)
        unit = f" {result.meta.get('dose_unit')}" if result.meta.get("dose_unit") else ""
        if np.isfinite(row["ic50"]):
            label += f"  IC50 {row['ic50']:.3g}{unit}"
        elif row["ic50_relation"] in (">", "<"):
            label += f"  IC50 {row['ic50_relation']} {row['dose_max'] if row['ic50_relation'] == '>' else row['dose_min']:.3g}"
        if points == "mean":
            ux = np.unique(xd)
            m = np.array([c.response[xd == u].mean() for u in ux])
            sem = np.array([c.response[xd == u].std(ddof=1) / np.sqrt((xd == u).sum()) if (xd == u).sum() > 1
                            else 0.0 for u in ux])
            ax.errorbar(ux, m, yerr=sem, fmt="o", color=col, ms=4, capsize=2, lw=1)
        else:
            ax.plot(xd, c.response, "o", color=col, ms=3.5, alpha=0.75, mec="none")
        ax.plot(grid, c.predict(grid), "-", color=col, lw=1.6, label=label)
        ax.plot([x0], c.predict([0.0]), "_", color=col, ms=12, mew=1.6)
        if show_ic50 and np.isfinite(row["ic50"]):
            yv = float(c.predict([row["ic50"]])[0])
            ax.plot([row["ic50"], row["ic50"]], [min(0.0, float(c.response.min())), yv], ":", color=col, lw=1)
            ax.plot([row["ic50"]], [yv], "D", color=col, ms=4)
    ax.set_xscale("log")
    ticks = [x0] + [t for t in 10.0 ** np.arange(np.floor(np.log10(lo)), np.ceil(np.log10(hi)) + 1)
                    if lo / 3 <= t <= hi * 3]
    ax.set_xticks(ticks)
    ax.set_xticklabels(["0"] + [f"{t:g}" for t in ticks[1:]])
    ax.minorticks_off()
    brk = np.sqrt(x0 * lo / 2.0) if lo / 2 > x0 else x0 * 1.8
    ax.axvline(brk, color="0.85", lw=6, zorder=0)
    ax.set_xlim(x0 / 2, hi * 2)
    ax.set_xlabel(f"{short_label(result.meta.get('dose') or 'dose')}{_unit(result.meta)}")
    ax.set_ylabel(short_label(result.meta.get("response") or "response"))
    pts = "mean \u00b1 SEM per dose" if points == "mean" else "all wells"
    ax.set_title(f"{result.meta.get('drc_equivalent', '')} fit; points: {pts}", fontsize=9)
    if legend:
        ax.legend(frameon=False, fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def plot_residuals(result, ax=None):
    """Residuals (observed - fitted) against dose, per curve."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.0))
    curves = result.curves
    x0 = vehicle_position(np.concatenate([c.dose for c in curves]))
    for c, col in zip(curves, _colors(len(curves))):
        xd = np.where(c.dose > 0, c.dose, x0)
        ax.plot(xd, c.response - c.predict(c.dose), "o", color=col, ms=3.5, alpha=0.75, mec="none", label=short_label(c.label))
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis)
    ax.set_xlabel(f"{short_label(result.meta.get('dose') or 'dose')} (vehicle drawn at {x0:g})")
    ax.set_ylabel("residual")
    ax.legend(frameon=False, fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def plot_replicate_ic50(result, ax=None):
    """Per-experiment IC50s (points, one colour per replicate) with the geometric mean per group."""
    import matplotlib.pyplot as plt

    rf = result.replicate_fits
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.5))
    groups = list(result.meta["groups"])
    reps = list(dict.fromkeys(rf["replicate"]))
    cols = dict(zip(reps, _colors(len(reps))))
    for i, g in enumerate(groups):
        sub = rf[(rf.group == g) & rf.used]
        ax.scatter(np.full(len(sub), i) + np.linspace(-0.12, 0.12, max(len(sub), 1))[: len(sub)], sub.ic50,
                   c=[cols[r] for r in sub.replicate], s=30, zorder=3)
        if len(sub):
            gm = 10 ** sub.log10_ic50.mean()
            ax.plot([i - 0.25, i + 0.25], [gm, gm], color="k", lw=1.5)
    for r in reps:
        ax.scatter([], [], c=[cols[r]], label=short_label(r), s=30)
    ax.set_yscale("log")
    _plain_log_ticks(ax.yaxis)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([short_label(g) for g in groups], rotation=30, ha="right")
    ax.set_ylabel(f"IC50{_unit(result.meta)}")
    ax.set_title("IC50 per experiment (bar: geometric mean)", fontsize=9)
    ax.legend(frameon=False, fontsize=7, title=short_label(result.meta.get("replicate") or ""), title_fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _plain_log_ticks(axis):
    """Log axis with plain numbers (0.1, 1, 10, and 2, 5 between decades) instead of 10^x labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    fmt = FuncFormatter(lambda v, _pos: f"{v:g}")
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
    axis.set_major_formatter(fmt)
    axis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
