"""Dot plot with mean and error bars, every point shown, Prism-style significance brackets."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_groups"]


def plot_groups(result, ax=None, *, error: str | None = None, brackets: bool = True):
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from ._result import stars

    m = result.meta
    error = error or m.get("error", "sem")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    desc = result.descriptives
    units = result.units
    value, group = m["value"], m["group"]
    by = m.get("by")
    by_levels = m.get("by_levels") or [""]
    levels = m["groups"]
    cmap = mpl.colormaps["tab10"]
    pos = {}
    x = 0.0
    ticks, labels = [], []
    for bi, bl in enumerate(by_levels):
        for gi, lev in enumerate(levels):
            pos[(lev, bl)] = x
            ticks.append(x)
            labels.append(lev if not by else f"{lev}\n{bl}")
            x += 1
        x += 0.6
    rng = np.random.default_rng(0)
    has_rep = m.get("replicate") and m.get("level") in ("auto", "replicate")
    for (lev, bl), xp in pos.items():
        sel = units[group] == lev
        if by:
            sel &= units[by] == bl
        vals = units.loc[sel, value].to_numpy(float)
        jitter = rng.uniform(-0.12, 0.12, vals.size)
        col = cmap(levels.index(lev) % 10)
        ax.scatter(xp + jitter, vals, s=28 if has_rep else 14, color=col, alpha=0.85, zorder=3,
                   edgecolor="k" if has_rep else "none", linewidth=0.5)
        d = desc[(desc.group == lev) & ((desc.within == bl) if by else True)].iloc[0]
        if error == "sd":
            lo, hi = d["mean"] - d["sd"], d["mean"] + d["sd"]
        elif error == "ci":
            lo, hi = d["ci_low"], d["ci_high"]
        else:
            lo, hi = d["mean"] - d["sem"], d["mean"] + d["sem"]
        ax.plot([xp - 0.25, xp + 0.25], [d["mean"], d["mean"]], color="k", lw=2, zorder=4)
        ax.errorbar([xp], [d["mean"]], yerr=[[d["mean"] - lo], [hi - d["mean"]]], color="k", capsize=5, lw=1.2,
                    zorder=4)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.set_ylabel(value)
    err_name = {"sem": "mean \u00b1 SEM", "sd": "mean \u00b1 SD", "ci": f"mean with {int(100 * m['ci_level'])}% CI"}[error]
    unit = m["unit"]
    ax.set_title(f"{err_name}; points: {unit}s", fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if brackets and len(result.table):
        ymax = float(units[value].max())
        span = float(units[value].max() - units[value].min()) or 1.0
        level_y = ymax + 0.08 * span
        for r in result.table.itertuples(index=False):
            p = r.p_adjusted if r.adjustment not in ("none", None) else r.p_value
            s = stars(p)
            a = pos.get((r.group1, r.within if by else ""))
            b = pos.get((r.group2, r.within if by else ""))
            if a is None or b is None:
                continue
            ax.plot([a, a, b, b], [level_y - 0.02 * span, level_y, level_y, level_y - 0.02 * span], color="k", lw=1)
            ax.text((a + b) / 2, level_y + 0.01 * span, s, ha="center", va="bottom", fontsize=9)
            level_y += 0.1 * span
        ax.set_ylim(top=level_y + 0.05 * span)
    return ax
