"""The Result of a group comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .._result import Result, format_number, one_axes_figure, p_words

__all__ = ["ComparisonResult", "stars"]

#: inches; the dot plot grows 1.1 inch per group up to this width
MAX_FIGURE_WIDTH = 40.0


def stars(p) -> str:
    """Prism's asterisks: ns >= 0.05, * < 0.05, ** < 0.01, *** < 0.001, **** < 0.0001."""
    if p != p:
        return ""
    for cut, s in ((1e-4, "****"), (1e-3, "***"), (1e-2, "**"), (0.05, "*")):
        if p < cut:
            return s
    return "ns"


@dataclass(frozen=True)
class ComparisonResult(Result):
    """``table`` (also ``comparisons``): one row per comparison; ``omnibus``, ``descriptives``,
    ``assumptions`` and ``units`` (the values actually analysed: replicate means when a replicate is given)."""

    omnibus: Any = None
    descriptives: Any = None
    assumptions: Any = None
    units: Any = None
    observations: Any = None

    title: ClassVar[str] = "Group comparison"
    validated_against: ClassVar[str] = (
        'R stats, multcomp, emmeans, car, lme4/lmerTest/pbkrtest, MASS, rstatix, effectsize, onewaytests; pingouin and scikit-posthocs (docs: validation/assays, validation/assays_extra)')

    @property
    def comparisons(self):
        return self.table

    def tables(self):
        return {"omnibus": self.omnibus, "comparisons": self.table, "descriptives": self.descriptives,
                "assumptions": self.assumptions}

    def plot(self, ax=None, **kwargs):
        from ._plot import plot_groups

        return plot_groups(self, ax=ax, **kwargs)

    def figures(self):
        from ._plot import TICK_LIMIT, plot_superplot

        cells = len(self.meta["groups"]) * len(self.meta.get("by_levels") or [1])
        width = min(1.1 * cells, MAX_FIGURE_WIDTH)  # thousands of groups: a wide figure, not a kilometre
        slug = _slug(self.meta["value"])
        figs = {f"compare_{slug}": one_axes_figure(lambda ax: self.plot(ax=ax), (max(3.2, width + 1.5), 4.0))}
        if (self.meta.get("replicate") and self.observations is not None
                and self.meta.get("level") in ("auto", "replicate") and cells <= TICK_LIMIT):
            figs[f"superplot_{slug}"] = one_axes_figure(lambda ax: plot_superplot(self, ax=ax),
                                                        (max(4.4, width + 3.0), 4.2))
        return figs

    def summary(self) -> str:
        m = self.meta
        lvl = int(round(100 * m["ci_level"]))
        lines = [f"Unit of analysis: {m['unit']} (n = {m['n_units']} values from {m['n_rows']} rows)."]
        multi = len(self.omnibus) > 1 or len(m["groups"]) > 2
        for r in self.omnibus.itertuples(index=False):
            if not multi and len(self.table):
                break  # two groups: the comparison line below says it all
            name = _stat_name(r.method)
            if r.df_num != r.df_num:
                df = f"({_df(r.df_den)})"
            elif r.df_den == r.df_den:
                df = f"({_df(r.df_num)}, {_df(r.df_den)})"
            else:
                df = f"({_df(r.df_num)})"
            term = {"group": m["group"], "by": m.get("by"), "group:by": f"{m['group']} x {m.get('by')}",
                    "block": m.get("replicate") or "block"}.get(r.term, r.term)
            lines.append(f"- {r.method}, {term}: {name}{df} = {format_number(r.statistic, 4)}, p {p_words(r.p_value)}.")
        for r in self.table.itertuples(index=False):
            within = f" within {m['by']} = {r.within}" if m.get("by") else (f" ({r.within})" if r.within else "")
            p = r.p_adjusted if r.adjustment not in ("none", None) else r.p_value
            adj = f" ({_adj_name(r.adjustment)})" if r.adjustment not in ("none", None) else ""
            ci = (f", {lvl}% CI {format_number(r.ci_low)} to {format_number(r.ci_high)}"
                  if r.ci_low == r.ci_low else "")
            what = "ratio" if "ratio" in r.method else "difference"
            test = f" ({r.method})" if not multi else ""
            lines.append(f"- {r.group1} vs {r.group2}{within}{test}: {what} {format_number(r.estimate)}{ci}; "
                         f"p{adj} {p_words(p)} {stars(p)}.")
        for r in self.assumptions.itertuples(index=False):
            if not r.passed:
                lines.append(f"Check: {r.check} ({r.test}, p {p_words(r.p_value)}): {r.note}.")
        lines += list(m.get("notes", []))
        if m.get("power"):
            lines.append(m["power"])
        return "\n".join(lines)

    def methods(self) -> str:
        m = self.meta
        parts = [f"{m['value']} was compared between levels of {m['group']}"
                 + (f" within each level of {m['by']}" if m.get("by") else "") + f" using {m['method']}"]
        if m.get("posthoc") == "omnibus":
            parts.append("(omnibus test only; no post tests were requested)")
        elif m.get("posthoc") and m["posthoc"] != "none" and len(m["groups"]) > 2 or m.get("by"):
            mixed = m.get("df_method") is not None
            parts.append(f"with {m['posthoc']} post tests" + ("" if mixed or m.get("test") in ("poisson", "negbin")
                                                              else " on the pooled error"))
        txt = " ".join(parts) + "."
        if m.get("design") == "split-plot":
            unit = m.get("replicate") or m.get("pair")
            txt += (f" {m['by']} and {m['group']} were not both crossed with {unit} (a split-plot or incomplete "
                    f"design), so {unit} entered the model as a random effect.")
        elif m.get("replicate"):
            txt += (f" The unit of analysis was the {m['unit']}; {m['replicate']} was treated as "
                    + ("a block (every replicate holds every group)." if m["design"] == "crossed"
                       else "nested within groups."))
        if m.get("df_method"):
            txt += (" The mixed model was fitted by REML (the highest likelihood over several starts and optimisers, "
                    "variance components at 0 allowed, as lme4); tests use Satterthwaite's degrees of freedom, "
                    "as lmerTest reports them by default.")
        txt += (f" Intervals are {int(round(100 * m['ci_level']))}% ({m['alternative']} tests). Shapiro-Wilk tests on "
                "residuals and the Brown-Forsythe test of equal variances are reported beside the result; they did "
                "not change the test.")
        return txt



def _slug(s) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(s))[:40] or "value"


def _stat_name(method: str) -> str:
    m = method.lower()
    if "likelihood-ratio" in m:
        return "χ²"
    if "kruskal" in m:
        return "H"
    if "trend" in m:
        return "t"
    if "anova" in m or m.startswith("f ") or "wald f" in m:
        return "F"
    if "mann-whitney" in m:
        return "W"
    if "wilcoxon" in m:
        return "V"
    return "t"


def _df(x) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}"


def _adj_name(a: str) -> str:
    return {"single-step (exact multivariate t)": "Dunnett", "studentized range": "Tukey"}.get(a, a)
