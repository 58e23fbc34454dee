"""Dot plot with mean and error bars, every point shown, Prism-style significance brackets."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_groups", "plot_superplot"]


#: brackets are drawn for at most this many comparisons (all pairs of 10 groups); above, the table tells
BRACKET_LIMIT = 45
#: tick labels are written for at most this many groups (the descriptives table names them all)
TICK_LIMIT = 150


def plot_groups(result, ax=None, *, error: str | None = None, brackets: bool = True, kind: str | None = None):
    """kind: 'dot' (mean with error bars over every point; bench assays) or 'violin' (violin + box + points;
    cohorts with many samples, as GEPIA's plots). Labels are user text: drawn as plain text (no mathtext) and
    shortened (``short_label``); the tables keep the full text."""
    import matplotlib.pyplot as plt

    with plt.rc_context({"text.parse_math": False}):
        return _plot_groups(result, ax, error, brackets, kind)


def _plot_groups(result, ax, error, brackets, kind):
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from .._result import short_label
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
    colour_of = {lev: cmap(i % 10) for i, lev in enumerate(levels)}
    pos = {}
    x = 0.0
    ticks, labels = [], []
    for bl in by_levels:
        for lev in levels:
            pos[(lev, bl)] = x
            ticks.append(x)
            labels.append(short_label(lev) if not by else f"{short_label(lev)}\n{short_label(bl)}")
            x += 1
        x += 0.6
    rng = np.random.default_rng(0)
    has_rep = m.get("replicate") and m.get("level") in ("auto", "replicate")
    kind = kind or m.get("plot_kind", "dot")
    if by:
        vals_of = {(str(a), str(b_)): v.to_numpy(float) for (a, b_), v in
                   units.groupby([units[group].astype(str), units[by].astype(str)], sort=False)[value]}
    else:
        vals_of = {str(a): v.to_numpy(float) for a, v in units.groupby(units[group].astype(str), sort=False)[value]}
    dkey = list(zip(desc.group.astype(str), desc.within.astype(str) if by else [""] * len(desc)))
    drow = dict(zip(dkey, range(len(desc))))
    xs_pts, ys_pts, cs_pts = [], [], []
    xm, ym, lo_e, hi_e = [], [], [], []
    for (lev, bl), xp in pos.items():
        vals = vals_of.get((lev, bl) if by else lev, np.empty(0))
        jitter = rng.uniform(-0.12, 0.12, vals.size)
        col = colour_of[lev]
        if kind == "violin" and vals.size > 2:
            vp = ax.violinplot([vals], positions=[xp], widths=0.8, showextrema=False)
            for body in vp["bodies"]:
                body.set_facecolor(col)
                body.set_alpha(0.3)
            ax.boxplot([vals], positions=[xp], widths=0.18, showfliers=False, patch_artist=False)
            ax.scatter(xp + jitter, vals, s=5, color=col, alpha=0.5, zorder=3, linewidth=0)
            continue
        xs_pts.append(xp + jitter)
        ys_pts.append(vals)
        cs_pts += [col] * vals.size
        d = desc.iloc[drow[(lev, bl if by else "")]]
        if error == "sd":
            lo, hi = d["mean"] - d["sd"], d["mean"] + d["sd"]
        elif error == "ci":
            lo, hi = d["ci_low"], d["ci_high"]
        else:
            lo, hi = d["mean"] - d["sem"], d["mean"] + d["sem"]
        xm.append(xp)
        ym.append(d["mean"])
        lo_e.append(d["mean"] - lo)
        hi_e.append(hi - d["mean"])
    if xs_pts:
        # one call per artist kind (not per group): thousands of groups draw in seconds
        ax.scatter(np.concatenate(xs_pts), np.concatenate(ys_pts), s=28 if has_rep else 14, c=cs_pts, alpha=0.85,
                   zorder=3, edgecolor="k" if has_rep else "none", linewidth=0.5)
        xm_ = np.asarray(xm)
        ax.hlines(ym, xm_ - 0.25, xm_ + 0.25, color="k", lw=2, zorder=4)
        ax.errorbar(xm, ym, yerr=[lo_e, hi_e], color="k", capsize=5 if len(xm) <= 200 else 0, lw=1.2, zorder=4,
                    fmt="none")
    if len(levels) * len(by_levels) <= TICK_LIMIT:
        ax.set_xticks(ticks)
        ax.set_xticklabels(labels, parse_math=False)
    else:
        ax.set_xticks([])  # thousands of ticks cost minutes to lay out and say nothing
    ax.set_ylabel(short_label(value))
    if kind == "violin":
        ax.set_title("violin, box (median, quartiles) and every sample", fontsize=9)
    else:
        err_name = {"sem": "mean \u00b1 SEM", "sd": "mean \u00b1 SD",
                    "ci": f"mean with {int(100 * m['ci_level'])}% CI"}[error]
        ax.set_title(f"{err_name}; points: {short_label(m['unit'])}s", fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if by:
        ax.set_xlabel(f"{short_label(group)} / {short_label(by)}")
    elif len(levels) > TICK_LIMIT:
        ax.set_xlabel(f"{short_label(group)}: {len(levels):,} groups (names in the descriptives table)")
    if brackets and 0 < len(result.table) <= BRACKET_LIMIT:
        span = float(units[value].max() - units[value].min()) or 1.0
        placed: list[tuple[float, float, float]] = []  # (x_from, x_to, y)
        top = float(units[value].max())
        for r in result.table.itertuples(index=False):
            p = r.p_adjusted if r.adjustment not in ("none", None) else r.p_value
            a = pos.get((r.group1, r.within if by else ""))
            b = pos.get((r.group2, r.within if by else ""))
            if a is None or b is None:
                continue
            lo_x, hi_x = min(a, b), max(a, b)
            inside = [xv for (lv, bl), xv in pos.items() if lo_x <= xv <= hi_x]
            local = max(_group_top(units, desc, value, group, by, key, pos) for key in pos if pos[key] in inside)
            y = local + 0.08 * span
            for x0, x1, yy in placed:
                if not (hi_x < x0 or lo_x > x1) and y < yy + 0.09 * span:
                    y = yy + 0.09 * span
            placed.append((lo_x, hi_x, y))
            ax.plot([a, a, b, b], [y - 0.02 * span, y, y, y - 0.02 * span], color="k", lw=1)
            ax.text((a + b) / 2, y + 0.01 * span, stars(p), ha="center", va="bottom", fontsize=9)
            top = max(top, y)
        ax.set_ylim(top=top + 0.08 * span)
    elif brackets and len(result.table) > BRACKET_LIMIT:
        ax.set_title(ax.get_title() + f"\n{len(result.table):,} comparisons: see the table (no brackets)", fontsize=9)
    return ax


def _group_top(units, desc, value, group, by, key, pos):
    lev, bl = key
    sel = units[group] == lev
    if by:
        sel &= units[by] == bl
    vals = units.loc[sel, value].to_numpy(float)
    d = desc[(desc.group == lev) & ((desc.within == bl) if by else True)]
    upper = float((d["mean"] + d["sem"].fillna(0)).iloc[0]) if len(d) else -np.inf
    return max(float(vals.max()) if vals.size else -np.inf, upper)


def plot_superplot(result, ax=None):
    """SuperPlot (Lord et al. 2020): every observation coloured by its replicate, replicate means as large
    markers in the same colour, and the mean +- SEM of the replicate means, which is what the test used.
    Labels are user text, drawn as plain text and shortened."""
    import matplotlib.pyplot as plt

    with plt.rc_context({"text.parse_math": False}):
        return _plot_superplot(result, ax)


def _plot_superplot(result, ax):
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from .._result import short_label

    m = result.meta
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    obs, units = result.observations, result.units
    value, group, rep = m["value"], m["group"], m["replicate"]
    by = m.get("by")
    by_levels = m.get("by_levels") or [""]
    reps = list(dict.fromkeys(obs[rep]))
    cmap = mpl.colormaps["tab10"]
    colors = {r_: cmap(i % 10) for i, r_ in enumerate(reps)}
    rng = np.random.default_rng(0)
    x = 0.0
    ticks, labels = [], []
    for bl in by_levels:
        for lev in m["groups"]:
            sel = obs[group] == lev
            usel = units[group] == lev
            if by:
                sel &= obs[by] == bl
                usel &= units[by] == bl
            for r_ in reps:
                v = obs.loc[sel & (obs[rep] == r_), value].to_numpy(float)
                ax.scatter(x + rng.uniform(-0.28, 0.28, v.size), v, s=8, color=colors[r_], alpha=0.45, lw=0)
                mu = units.loc[usel & (units[rep] == r_), value]
                if len(mu):
                    ax.scatter([x + rng.uniform(-0.12, 0.12)], [float(mu.iloc[0])], s=70, color=colors[r_],
                               edgecolor="k", lw=0.8, zorder=4)
            mv = units.loc[usel, value].to_numpy(float)
            if mv.size:
                sem = mv.std(ddof=1) / np.sqrt(mv.size) if mv.size > 1 else 0.0
                ax.errorbar([x], [mv.mean()], yerr=[sem], color="k", capsize=6, lw=1.5, zorder=5)
                ax.plot([x - 0.3, x + 0.3], [mv.mean()] * 2, color="k", lw=2, zorder=5)
            ticks.append(x)
            labels.append(short_label(lev) if not by else f"{short_label(lev)}\n{short_label(bl)}")
            x += 1
        x += 0.5
    for r_ in reps:
        ax.scatter([], [], s=40, color=colors[r_], edgecolor="k", label=short_label(r_))
    ax.legend(frameon=False, fontsize=7, title=short_label(rep), title_fontsize=7, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, parse_math=False)
    ax.set_ylabel(short_label(value))
    rp = short_label(rep)
    ax.set_title(f"SuperPlot: dots = rows\ncircles = {rp} means (n = {len(reps)})\nbar: mean \u00b1 SEM of the "
                 f"{rp} means", fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
