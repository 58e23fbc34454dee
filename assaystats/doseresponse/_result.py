"""The Result of a dose-response analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .._result import Result, format_number, format_p, one_axes_figure, p_words
from ._models import get_model

__all__ = ["DoseResponseResult", "ModelSelectionResult"]


@dataclass(frozen=True)
class DoseResponseResult(Result):
    """Fits, parameters, effective doses and comparisons of dose-response curves.

    ``table`` (also ``fits``) has one row per group; the other tables are attributes and ``tables()``.
    ``curves`` holds the fitted :class:`DoseResponseCurve` objects (``.predict(dose)``).
    """

    parameters: Any = None
    effective_doses: Any = None
    comparisons: Any = None
    replicate_fits: Any = None
    replicate_comparisons: Any = None
    curves: tuple = ()

    title: ClassVar[str] = "Dose-response"
    validated_against: ClassVar[str] = (
        'drc 3.2-0 (at tight convergence) and R nls, confint, car::deltaMethod (docs: validation/doseresponse)')

    @property
    def fits(self):
        return self.table

    def curve(self, group: str):
        for c in self.curves:
            if c.label == str(group):
                return c
        raise KeyError(group)

    def tables(self) -> dict[str, Any]:
        out = {"fits": self.table, "parameters": self.parameters, "effective_doses": self.effective_doses,
               "comparisons": self.comparisons}
        if self.replicate_fits is not None:
            out["replicate_fits"] = self.replicate_fits
            out["replicate_comparisons"] = self.replicate_comparisons
        return out

    def plot(self, ax=None, **kwargs):
        from ._plot import plot_curves

        return plot_curves(self, ax=ax, **kwargs)

    def plot_residuals(self, ax=None):
        from ._plot import plot_residuals

        return plot_residuals(self, ax=ax)

    def figures(self):
        from ._plot import plot_replicate_ic50

        figs = {"dose_response_curves": one_axes_figure(
                    lambda ax: self.plot(ax=ax, points=self.meta.get("points", "mean")), (6.0, 4.2)),
                "dose_response_residuals": one_axes_figure(lambda ax: self.plot_residuals(ax=ax), (6.0, 3.0))}
        if self.replicate_fits is not None and len(self.replicate_fits):
            figs["ic50_per_replicate"] = one_axes_figure(lambda ax: plot_replicate_ic50(self, ax=ax), (4.8, 3.6))
        return figs

    # -- words ------------------------------------------------------------------------------------
    def _unit(self) -> str:
        u = self.meta.get("dose_unit") or ""
        return f" {u}" if u else ""

    def summary(self) -> str:
        u = self._unit()
        lvl = int(round(100 * float(self.meta["ci_level"])))
        lines = []
        for r in self.table.itertuples(index=False):
            if r.ic50_relation in (">", "<"):
                bound = r.dose_max if r.ic50_relation == ">" else r.dose_min
                txt = f"IC50 {r.ic50_relation} {format_number(bound)}{u} (outside the tested doses; not extrapolated)"
            elif r.ic50 == r.ic50:
                txt = (f"IC50 {format_number(r.ic50)}{u} ({lvl}% CI {format_number(r.ic50_ci_low)} to "
                       f"{format_number(r.ic50_ci_high)}), Hill slope {format_number(r.hill, 3)}")
            else:
                txt = "IC50 not estimated"
            if "abs_ic50_not_reached" in r.flag:
                txt += f"; absolute IC50 (response {format_number(r.abs_response)}) not reached"
            elif r.abs_ic50 == r.abs_ic50:
                txt += f"; absolute IC50 {format_number(r.abs_ic50)}{u}"
            flag = "" if r.flag == "ok" else f" [flags: {r.flag.replace(';', ', ')}]"
            lines.append(f"- {r.group}: {txt}{flag}.")
        comp = self.comparisons
        if comp is not None and len(comp):
            for r in comp.itertuples(index=False):
                if r.ratio == r.ratio:
                    ratio = (f"IC50 ratio {r.group} / {r.reference} = {format_number(r.ratio, 3)} "
                             f"({lvl}% CI {format_number(r.ci_low, 3)} to {format_number(r.ci_high, 3)}; "
                             f"Fieller {format_number(r.fieller_low, 3)} to {format_number(r.fieller_high, 3)})")
                else:
                    ratio = f"IC50 ratio {r.group} / {r.reference} not estimated ({r.flag})"
                test = ""
                if r.f_stat == r.f_stat:
                    adj = "" if r.adjust_method == "none" or len(comp) == 1 else f", adjusted {format_p(r.p_adjusted)}"
                    test = (f"; shared vs separate log IC50: F({int(r.df_num)}, {int(r.df_den)}) = "
                            f"{format_number(r.f_stat, 3)}, p {p_words(r.p_value)}{adj}")
                lines.append(f"- {ratio}{test}.")
        rc = self.replicate_comparisons
        if rc is not None and len(rc):
            rep = self.meta["replicate"]
            for r in rc.itertuples(index=False):
                if r.ratio == r.ratio:
                    n = (f"n = {r.n_group} {rep} values" if r.test.startswith("paired")
                         else f"n = {r.n_group} and {r.n_reference} {rep} values")
                    adj = "" if len(rc) == 1 or r.adjust_method == "none" else f", adjusted {format_p(r.p_adjusted)}"
                    lines.append(f"- {r.group} vs {r.reference} across {rep} ({r.test}, {n}): IC50 ratio "
                                 f"{format_number(r.ratio, 3)} ({lvl}% CI {format_number(r.ci_low, 3)} to "
                                 f"{format_number(r.ci_high, 3)}), p {p_words(r.p_value)}{adj}.")
                else:
                    lines.append(f"- {r.group} vs {r.reference} across {rep}: {r.test}.")
            n_wells = int(self.table["n"].min())
            lines.append(
                f"Which n? The replicate-level test uses one log IC50 per {rep} (the independent unit). The curve "
                f"comparisons above pool all wells (n = {n_wells} or more per curve) as if they were independent, "
                "which overstates the evidence when experiments differ; report the replicate-level result.")
        return "\n".join(lines)

    def methods(self) -> str:
        m = self.meta
        cov = ("s\u00b2(J\u1d40J)\u207b\u00b9 (as GraphPad Prism and R's nls)" if m["cov"] == "jtj"
               else "the observed information 2s\u00b2H\u207b\u00b9 (as R's drc)")
        fixed = ", ".join(f"{k} = {v:g}" for k, v in m["fixed"].items()) or "none"
        mdl = get_model(m["model"])
        parts = [
            f"Dose-response curves were fitted per {m['group'] or 'data set'} by least squares with the "
            f"{m['model_description']} model (drc {m['drc_equivalent']}; f(x) = c + (d - c) h(x), "
            f"Hill slope = {mdl.hill_formula}, negative on a falling curve) "
            f"using lmfit's Levenberg-Marquardt algorithm with data-driven starting values and a deterministic "
            f"multi-start fallback; |Hill slope| was bounded by {m['slope_limit']:g}. Vehicle wells (dose 0) "
            f"were fitted as the dose-0 plateau. Fixed parameters: {fixed}.",
            f"Standard errors use {cov}; {int(round(100 * m['ci_level']))}% intervals are "
            + ("profile-likelihood intervals (R's confint rule)." if m["interval_method"] == "profile" else
               f"delta-method intervals with t quantiles on the residual degrees of freedom, computed on the "
               f"{m['ci_scale']} scale for doses."),
            "The relative IC50 is the dose halfway between the fitted plateaus (drc's ED50); the absolute IC50 "
            f"is the dose at which the fitted response equals {format_number(m['abs_response']) if m['abs_response'] is not None else 'half the fitted vehicle plateau'}. "
            "IC50s outside the tested doses are reported as censored, not extrapolated.",
        ]
        if m.get("normalize") == "vehicle":
            parts.append("Responses were normalised to 100 x (y - blank) / (vehicle mean - blank) within each "
                         "curve" + (" and replicate." if m.get("replicate") else "."))
        if len(m["groups"]) > 1 and m["compare"] != "none":
            if isinstance(m["compare"], str):
                against = ("with the reference " f"'{m['reference']}'" if m["compare"] == "reference"
                           else "between all pairs of groups")
            else:
                against = "for the pairs " + ", ".join(f"{a} vs {b}" for a, b in m["compare"])
            parts.append(
                f"IC50 ratios (resistance index) were computed {against} using the joint model with a pooled residual variance (drc EDcomp): delta-method "
                "and Fieller intervals; the extra-sum-of-squares F test compares separate log IC50s with a shared one "
                f"(Prism's 'Is logIC50 different?'); p values are adjusted by {m['p_adjust']}.")
        if m.get("replicate"):
            parts.append(
                f"Each curve was also fitted per {m['replicate']}; per-replicate log10 IC50s were compared by a "
                "paired t test when every replicate held both groups, otherwise by Welch's t test; this "
                "replicate-level analysis treats independent experiments, not wells, as the unit of replication.")
        return " ".join(parts)


@dataclass(frozen=True)
class ModelSelectionResult(Result):
    title: ClassVar[str] = "Dose-response model choice"
    validated_against: ClassVar[str] = ('drc 3.2-0 and R nls (docs: validation/doseresponse)')

    def tables(self):
        return {"model_selection": self.table}

    def summary(self) -> str:
        best = self.table.loc[self.table.delta_aic == 0, ["group", "model"]]
        return "\n".join(f"- {g}: lowest AIC with {m}." for g, m in best.itertuples(index=False))

    def methods(self) -> str:
        return ("Models were compared by AIC and BIC computed as in R (Gaussian log-likelihood at the maximum-"
                "likelihood variance RSS/n, the variance counted as a parameter), so that they equal AIC() of the "
                "same fit in R. The lack-of-fit F test compares each curve with a one-way ANOVA on dose "
                "(drc's modelFit) and needs replicated doses.")
