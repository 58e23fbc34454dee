"""The Result of a survival analysis, with Kaplan-Meier and forest plots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .._result import Result, format_number, format_p, one_axes_figure, p_words

__all__ = ["SurvivalResult"]



@dataclass(frozen=True, repr=False)  # keep Result.__repr__ (compact)
class SurvivalResult(Result):
    """``table`` (also ``groups``): n, events, median with interval, RMST per group; ``logrank``, ``cox``,
    ``cox_tests``, ``curves`` (Kaplan-Meier steps), ``risk_table``, ``survival_at``, ``pairwise``, and for an
    expression split ``cutpoint``, ``cut_scan`` and ``continuous`` (Cox on the continuous expression); at an
    optimal cut ``cut_cv`` (the cross-validated hazard ratio, Faraggi & Simon 1996), and the ``note`` column of
    ``cox`` marks the hazard ratio at the selected cut as naive (biased away from 1; interval and p not valid).

    Without a group or an expression there is one curve (group 'all'): ``logrank`` and ``pairwise`` are None, and
    ``cox``, ``cox_tests``, ``ph_test`` are None unless covariates were given (then Cox on the covariates alone).
    Tables that are None are absent from ``tables()``."""

    logrank: Any = None
    cox: Any = None
    cox_tests: Any = None
    ph_test: Any = None
    curves: Any = None
    risk_table: Any = None
    survival_at: Any = None
    pairwise: Any = None
    cutpoint: Any = None
    cut_scan: Any = None
    continuous: Any = None
    cut_cv: Any = None

    title: ClassVar[str] = "Survival"
    validated_against: ClassVar[str] = (
        'R survival 3.5-3 (survfit, survdiff, coxph, cox.zph) and maxstat 0.7-25 (docs: validation/survival)')

    @property
    def groups(self):
        return self.table

    def tables(self):
        out = {"groups": self.table}
        if self.logrank is not None:
            out["logrank"] = self.logrank
        out["risk_table"] = self.risk_table
        table_name = {"continuous": "cox_continuous", "cut_cv": "cox_cut_crossvalidated"}
        for name in ("cox", "cox_tests", "ph_test", "survival_at", "pairwise", "cutpoint", "continuous", "cut_cv"):
            v = getattr(self, name)
            if v is not None:
                out[table_name.get(name, name)] = v
        return out

    def plot(self, ax=None, *, risk_table: bool = True):
        from ._plot import plot_km

        return plot_km(self, ax=ax, risk_table=risk_table)

    def figures(self):
        figs = {}

        def km():
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(6.4, 5.2))
            ax = fig.add_axes([0.12, 0.33, 0.83, 0.6])
            self.plot(ax=ax)
            return fig

        figs["kaplan_meier"] = km
        from ._plot import plot_cut_scan, plot_forest

        if self.cox is not None and len(self.cox) > 1:
            figs["cox_forest"] = one_axes_figure(lambda ax: plot_forest(self, ax=ax), (6, 0.45 * len(self.cox) + 1.5))
        if self.cut_scan is not None:
            figs["cutpoint_scan"] = one_axes_figure(lambda ax: plot_cut_scan(self, ax=ax), (5.5, 3.4))
        return figs

    def hr_label(self) -> str:
        """The first hazard ratio of the grouping (empty without a group: covariates alone are not a label)."""
        if self.cox is None or not len(self.cox) or len(self.meta.get("levels", ())) < 2:
            return ""
        r = self.cox.iloc[0]
        label = (f"HR {r.term} = {format_number(r.hr, 3)} ({format_number(r.hr_ci_low, 3)}-"
                 f"{format_number(r.hr_ci_high, 3)})")
        if getattr(r, "note", ""):  # at an optimal cut: say it is naive, and give the cross-validated one
            label += "; naive: biased by the cut search"
            if self.cut_cv is not None and len(self.cut_cv):
                c = self.cut_cv.iloc[0]
                label += (f"; cross-validated HR = {format_number(c.hr, 3)} ({format_number(c.hr_ci_low, 3)}-"
                          f"{format_number(c.hr_ci_high, 3)})" if c.hr == c.hr else "; cross-validated HR not estimable")
        return label

    def summary(self) -> str:
        m = self.meta
        u = f" {m['time_unit']}" if m.get("time_unit") else ""
        lvl = f"{100 * m['ci_level']:g}"
        lines = [f"Grouping: {m['rule']}. n = {m['n']}" + (f" ({m['n_dropped']} rows dropped)" if m["n_dropped"] else "")
                 + "."]
        for r in self.table.itertuples(index=False):
            med = (f"median {format_number(r.median)}{u} ({lvl}% CI {format_number(r.median_ci_low)} to "
                   f"{format_number(r.median_ci_high) if r.median_ci_high == r.median_ci_high else 'not reached'})"
                   if r.median == r.median else "median not reached")
            lines.append(f"- {r.group}: n = {r.n}, {r.events} events, {med}.")
        for r in ([] if self.logrank is None else self.logrank.itertuples(index=False)):
            lines.append(f"- {r.method}: \u03c7\u00b2({r.df}) = {format_number(r.statistic, 4)}, p {p_words(r.p_value)}.")
        if self.cox is not None:
            for r in self.cox.itertuples(index=False):
                naive = (" (naive: at the cut chosen by the search, this hazard ratio is biased away from 1 and its "
                         "interval and p ignore the search and are not valid)" if getattr(r, "note", "") else "")
                lines.append(f"- Cox ({m['ties']} ties): {r.term}: HR {format_number(r.hr, 3)} ({lvl}% CI "
                             f"{format_number(r.hr_ci_low, 3)} to {format_number(r.hr_ci_high, 3)}), p "
                             f"{p_words(r.p_value)}{naive}.")
        if self.ph_test is not None:
            bad = self.ph_test[(self.ph_test.p_value < 0.05)]
            g = self.ph_test[self.ph_test.term == "GLOBAL"].iloc[0]
            lines.append(f"- Proportional hazards (cox.zph score test, g = 1 - KM): global p {p_words(g.p_value)}"
                         + (f"; violated for {', '.join(bad.term[bad.term != 'GLOBAL'])}" if len(bad[bad.term != 'GLOBAL']) else "")
                         + ".")
        if self.cutpoint is not None:
            c = self.cutpoint.iloc[0]
            lines.append(f"- Optimal cut {format_number(c.cutpoint)}: maximally selected log-rank statistic "
                         f"{format_number(c.statistic, 4)}, corrected p {p_words(c.p_value)} (the naive log-rank p at this "
                         f"cut, {format_p(c.naive_p_value)}, ignores the search and is not a valid test).")
        if self.cut_cv is not None:
            for r in self.cut_cv.itertuples(index=False):
                est = (f"HR {format_number(r.hr, 3)} ({lvl}% CI {format_number(r.hr_ci_low, 3)} to "
                       f"{format_number(r.hr_ci_high, 3)}), p {p_words(r.p_value)}" if r.hr == r.hr else
                       f"not estimable ({r.note})")
                lines.append(f"- Cross-validated hazard ratio at the optimal cut ({r.folds}-fold, seed {r.seed}: "
                             f"each patient grouped by the cut chosen without their fold, cuts "
                             f"{format_number(r.cut_min)} to {format_number(r.cut_max)}; Faraggi & Simon 1996), "
                             f"{r.term}: {est}.")
        if self.continuous is not None:
            for r in self.continuous.itertuples(index=False):
                lines.append(f"- Cox on the continuous value, {r.term}: HR {format_number(r.hr, 3)} "
                             f"({format_number(r.hr_ci_low, 3)} to {format_number(r.hr_ci_high, 3)}), p {p_words(r.p_value)}.")
        lines += m.get("notes", [])
        return "\n".join(lines)

    def methods(self) -> str:
        m = self.meta
        ci = {"log": "log (R's default)", "log-log": "log-log", "plain": "plain"}[m["conf_type"]]
        lvl = f"{100 * m['ci_level']:g}"
        grouped = len(m["levels"]) > 1
        text = (f"Kaplan-Meier estimates with Greenwood standard errors and {lvl}% {ci} confidence intervals; medians "
                "by R's rule (first time the curve is at or below 0.5; midpoint where it is flat at 0.5), with the "
                f"interval from the confidence curves. Groups: {m['rule']}.")
        if grouped:
            text += (f" Log-rank test ({'rho = ' + str(m['rho']) if m['rho'] else 'unweighted'})"
                     + ("; with three or more groups a trend test across the ordered groups and pairwise tests with "
                        "Benjamini-Hochberg adjustment" if len(m["levels"]) > 2 else "") + ".")
        if self.cox is not None:
            what = (f"reference group '{m['reference']}'" + (f"; adjusted for {', '.join(m['covariates'])}"
                                                              if m["covariates"] else "")
                    if grouped else f"on {', '.join(m['covariates'])} alone, without a grouping")
            text += (f" Cox proportional hazards ({m['ties']} ties; {what}), {lvl}% Wald intervals, "
                     "likelihood-ratio, Wald and score tests and Harrell's concordance; proportional hazards checked "
                     "per term and globally by the score test of x*g(t) with g = 1 - KM (R's cox.zph).")
        if m.get("expression"):
            text += (" The expression was also analysed as a continuous covariate (per unit and per SD) so that the "
                     "dichotomised result can be read beside it.")
        if self.cut_cv is not None:
            text += (" The hazard ratio at the optimal cut is biased away from 1 and its interval and p are not valid "
                     "because the cut was chosen on the same patients (Altman et al. 1994); beside it, a "
                     f"cross-validated hazard ratio (Faraggi & Simon 1996): the patients were split into "
                     f"{m['cv_folds']} folds stratified by event (seed {m['seed']}), the cut was chosen again without "
                     "each fold, that fold's patients were grouped by it, and the same Cox model was fitted on these "
                     "out-of-fold groups.")
        if m.get("rows_left_out"):
            text += (" Rows with a missing value in a column used were left out (as R's na.omit): "
                     + ", ".join(f"{c} {k}" for c, k in m["rows_left_out"].items()) + ".")
        return text + f" Restricted mean survival time up to {format_number(m['rmst_tau'])}."
