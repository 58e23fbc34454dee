"""Kaplan-Meier curves with censor marks, interval bands and a number-at-risk table; forest plot; cut scan."""

from __future__ import annotations

import numpy as np

from .._result import format_number, format_p, short_label

__all__ = ["plot_km", "plot_forest", "plot_cut_scan"]


def plot_km(result, ax=None, *, risk_table: bool = True, bands: bool = True):
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    if ax is None:
        fig = plt.figure(figsize=(6.4, 5.2))
        ax = fig.add_axes([0.12, 0.33, 0.83, 0.6])
    m = result.meta
    cmap = mpl.colormaps["tab10"]
    cur = result.curves
    tmax = float(cur.time.max())
    for k, lev in enumerate(m["levels"]):
        c = cur[cur.group == lev]
        t = np.r_[0.0, c.time.to_numpy(float)]
        s = np.r_[1.0, c.surv.to_numpy(float)]
        col = cmap(k % 10)
        n = int(result.table.set_index("group").loc[lev, "n"])
        ax.step(t, s, where="post", color=col, lw=1.6, label=f"{short_label(lev)} (n = {n})")
        if bands:
            lo = np.r_[1.0, c.ci_low.to_numpy(float)]
            hi = np.r_[1.0, c.ci_high.to_numpy(float)]
            ax.fill_between(t, lo, hi, step="post", color=col, alpha=0.12, lw=0)
        cens = c[c.n_censor > 0]
        ax.plot(cens.time, cens.surv, "|", color=col, ms=7, mew=1.2)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, tmax * 1.02)
    ax.set_ylabel("survival probability")
    ax.set_xlabel(f"{short_label(m['time'])}" + (f" ({m['time_unit']})" if m.get("time_unit") else ""))
    text = []
    if result.logrank is not None:
        lr = result.logrank.iloc[0]
        p = format_p(lr.p_value)
        text.append(f"log-rank p {p if p.startswith('<') else '= ' + p}")
    else:  # one curve: its median and interval
        g = result.table.iloc[0]
        lvl = f"{100 * m['ci_level']:g}"
        if g.median == g.median:
            hi = format_number(g.median_ci_high) if g.median_ci_high == g.median_ci_high else "not reached"
            text.append(f"median {format_number(g.median)} ({lvl}% CI {format_number(g.median_ci_low)} to {hi})")
        else:
            text.append("median not reached")
    hr = result.hr_label()
    if hr:
        text.extend(short_label(part, 3 * 40) for part in hr.split("; "))
    if result.cutpoint is not None:
        c = result.cutpoint.iloc[0]
        text.append(f"optimal cut {format_number(c.cutpoint)}; corrected p = {format_p(c.p_value)}")
    ax.legend(frameon=False, fontsize=8, loc="upper right", title="\n".join(text), title_fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if risk_table:
        rt = result.risk_table
        fig = ax.figure
        pos = ax.get_position()
        h = 0.045 * len(m["levels"]) + 0.03
        need = 0.13 + h + 0.02
        if pos.y0 < need:  # axes that fill the figure (plot(ax=...)): make room below them for the table
            top = pos.y0 + pos.height
            ax.set_position([pos.x0, need, pos.width, max(top - need, 0.2)])
            pos = ax.get_position()
        tax = fig.add_axes([pos.x0, max(0.01, pos.y0 - 0.13 - h), pos.width, h])
        times = sorted(rt.time.unique())
        for k, lev in enumerate(m["levels"]):
            sub = rt[rt.group == lev].set_index("time")
            for tt in times:
                tax.text(tt, len(m["levels"]) - 1 - k, str(int(sub.loc[tt, "n_at_risk"])), ha="center", va="center",
                         fontsize=7, color=cmap(k % 10))
        tax.set_xlim(ax.get_xlim())
        tax.set_ylim(-0.6, len(m["levels"]) - 0.4)
        tax.set_yticks(range(len(m["levels"])))
        tax.set_yticklabels([short_label(v) for v in reversed(m["levels"])], fontsize=7)
        tax.tick_params(axis="y", length=0, pad=14)
        for lab, k in zip(tax.get_yticklabels(), reversed(range(len(m["levels"])))):
            lab.set_color(cmap(k % 10))
        tax.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            tax.spines[side].set_visible(False)
        tax.set_title("number at risk (still followed at t)", fontsize=7, loc="left")
    return ax


def plot_forest(result, ax=None):
    import matplotlib.pyplot as plt

    cox = result.cox
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.45 * len(cox) + 1.5))
    y = np.arange(len(cox))[::-1]
    ax.errorbar(cox.hr, y, xerr=[cox.hr - cox.hr_ci_low, cox.hr_ci_high - cox.hr], fmt="s", color="k", capsize=3)
    ax.axvline(1, color="0.5", ls="--")
    ax.set_xscale("log")
    ax.set_yticks(y)
    naive = cox["note"].astype(bool) if "note" in cox else np.zeros(len(cox), bool)
    ax.set_yticklabels([f"{short_label(t)}{' (naive, optimal cut)' if nv else ''}  {format_number(h, 3)} "
                        f"({format_number(lo, 3)}-{format_number(hi, 3)})"
                        for t, h, lo, hi, nv in zip(cox.term, cox.hr, cox.hr_ci_low, cox.hr_ci_high, naive)],
                       fontsize=8)
    ax.set_xlabel(f"hazard ratio ({100 * result.meta['ci_level']:g}% CI, log scale)")
    return ax


def plot_cut_scan(result, ax=None):
    import matplotlib.pyplot as plt

    sc = result.cut_scan
    c = result.cutpoint.iloc[0]
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.plot(sc.cut, sc.statistic, "o-", ms=3, color="C0")
    ax.axvline(c.cutpoint, color="C3", ls="--", lw=1)
    ax.set_xlabel(f"cut point of {short_label(result.meta['expression'])}")
    ax.set_ylabel("standardized log-rank statistic")
    ax.set_title(f"maximum {format_number(c.statistic, 3)} at {format_number(c.cutpoint)}; corrected p = "
                 f"{format_p(c.p_value)}", fontsize=9)
    return ax
