# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 4 — IC50: relative or absolute, censored, and how to state a resistance index
#
# **The question.** Sorafenib-resistant Huh7 cells (Huh7-R) "need about twice the dose" of parental cells
# (Huh7-P). Which IC50 is that, what if the curve does not reach 50%, and how sure are we of the ratio?
#
# - The **relative IC50** is the dose halfway between the curve's own top and bottom plateaus (the mid-point
#   of the fitted curve; GraphPad Prism's "IC50", drc's relative ED50).
# - The **absolute IC50** is the dose at which the response crosses a fixed level, here half the vehicle
#   response (drc's `ED(..., type = "absolute")`).
#
# They coincide only when the curve runs from 100% to 0%. A drug that never kills more than half of the cells
# has a relative IC50 but no absolute one.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import assaystats

pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

# %% [markdown]
# ## The data and the fits
#
# Bundled `sorafenib_ic50`: simulated LL.4 curves with a planted truth (printed below, from the data set's
# `truth.json`), 9 doses x 3 wells x 3 independent experiments. One four-parameter log-logistic curve per line;
# with `replicate="experiment"` every experiment is also fitted alone.

# %%
import json

df = assaystats.datasets.load("sorafenib_ic50")
print(assaystats.datasets.describe("sorafenib_ic50").split("\n\n")[1])
truth = json.loads((assaystats.datasets.path("sorafenib_ic50").parent / "truth.json").read_text())
print("planted IC50s (uM):", truth["ic50_uM"], "ratios:", truth["ratios"])
huh7 = df[df.line.isin(["Huh7-P", "Huh7-R"])]
res = assaystats.doseresponse.fit(huh7, dose="dose_uM", response="viability", group="line",
                                  replicate="experiment", compare=[("Huh7-R", "Huh7-P")], dose_unit="uM")
cols = ["group", "top", "bottom", "hill", "ic50", "ic50_ci_low", "ic50_ci_high", "abs_response", "abs_ic50",
        "abs_ic50_ci_low", "abs_ic50_ci_high", "flag"]
print(res.fits[cols].round(3).to_string(index=False))

# %% [markdown]
# `ic50` is the relative IC50, `abs_ic50` the absolute one at the level `abs_response`. Because these data are
# not normalised by the fit, that level is half the fitted vehicle plateau (`top`); with
# `normalize="vehicle"` it would be 50%, and `abs_response=` sets any level. Here the plateaus are close to
# 100% and 0%, so the two IC50s are close; the figure shows where each is read off the Huh7-P curve.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
res.plot(ax=axes[0], points="mean")
axes[0].set_title("Huh7-P and Huh7-R, mean ± SEM per dose")

row = res.fits.set_index("group").loc["Huh7-P"]
doses = np.geomspace(0.1, 100, 200)
ax = axes[1]
ax.plot(doses, res.curve("Huh7-P").predict(doses), color="k", label="Huh7-P fit")
mid = (row.top + row.bottom) / 2
ax.axhline(mid, color="C0", ls="--", lw=1, label=f"half-way between plateaus ({mid:.1f})")
ax.axvline(row.ic50, color="C0", ls="--", lw=1)
ax.axhline(row.abs_response, color="C3", ls=":", lw=1, label=f"half the vehicle response ({row.abs_response:.1f})")
ax.axvline(row.abs_ic50, color="C3", ls=":", lw=1)
ax.set_xscale("log")
ax.set_xlim(1, 20)
ax.set_ylim(20, 90)
ax.set_xlabel("sorafenib (µM)")
ax.set_ylabel("viability (% of vehicle)")
ax.set_title(f"Huh7-P: relative IC50 {row.ic50:.2f} µM, absolute IC50 {row.abs_ic50:.2f} µM")
ax.legend(frameon=False, fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## When they part ways: a partial response
#
# To see the difference clearly, take the Hep3B-P wells and squeeze their response into 50-100% (a drug that
# at most halves viability): response' = 50 + response / 2. This transformation leaves the mid-point of the
# curve where it was, so the relative IC50 cannot change; the curve never crosses half the vehicle response.

# %%
hep = df[df.line == "Hep3B-P"]
partial = hep.assign(line="Hep3B-P squeezed", viability=50 + hep.viability / 2)
pr = assaystats.doseresponse.fit(pd.concat([hep, partial]), dose="dose_uM", response="viability", group="line",
                                 compare="none", dose_unit="uM")
print(pr.fits[["group", "top", "bottom", "ic50", "ic50_ci_low", "ic50_ci_high", "abs_response", "abs_ic50",
               "flag"]].round(3).to_string(index=False))
print()
print(pr.summary())
ax = pr.plot(points="mean")
ax.axhline(pr.fits.abs_response.iloc[1], color="grey", ls=":", lw=1)
ax.set_title("same mid-point, different efficacy")
ax.figure.tight_layout()

# %% [markdown]
# The relative IC50 is the same for both (it measures *potency*: where the curve turns); the absolute IC50
# of the squeezed curve is "not reached" (`abs_ic50_not_reached`), because the drug never gets viability down
# to half (it measures *efficacy* and potency together). Report the relative IC50 with the plateaus (or
# Emax), or the absolute IC50 with its level, and say which.

# %% [markdown]
# ## Censored IC50s: what the flags mean
#
# An IC50 outside the tested doses is not estimated by the data, only by the model's extrapolation.
# assaystats reports it as censored: `ic50_relation` is `>` (or `<`), `ic50` is empty, the flag says
# `ic50_above_range` (or `below`), and the ratio that needs it is not computed. To make one, pretend the
# experiment stopped at 5 µM:

# %%
low = huh7[huh7.dose_uM <= 5]
cens = assaystats.doseresponse.fit(low, dose="dose_uM", response="viability", group="line",
                                   replicate="experiment", compare=[("Huh7-R", "Huh7-P")], dose_unit="uM")
print(cens.fits[["group", "dose_max", "ic50", "ic50_relation", "abs_ic50", "flag"]].to_string(index=False))
ed = cens.effective_doses
print("\nwhat the model would have extrapolated (not reported as an estimate):")
print(ed[ed.level == 50][["group", "estimate", "relation", "bound", "extrapolated"]].round(2).to_string(index=False))
print()
print(cens.summary())

# %% [markdown]
# The table says "Huh7-R: IC50 > 5 µM": a true statement from these doses, where any number would be a guess
# of the model. Per experiment, curves whose IC50 these doses cannot pin down are flagged too and left out of
# the replicate-level test (`used` is False), so that test may have too few experiments left to run:

# %%
print(cens.replicate_fits[["group", "replicate", "ic50", "flag", "used"]].to_string(index=False))
print(cens.replicate_comparisons[["group", "reference", "test", "n_group", "n_reference"]].to_string(index=False))

# %% [markdown]
# The remedy is the experiment, not the statistics: test higher doses. A censored IC50 can still be
# reported as such ("> 5 µM") and compared with a test that does not need the IC50 itself.

# %% [markdown]
# ## The resistance index and its interval
#
# The resistance index is IC50(resistant) / IC50(parental). From the curves, assaystats gives two intervals:
#
# - **delta method** on the log scale: log(ratio) ± t × SE, transformed back (the default);
# - **Fieller's interval**, which does not assume the ratio is normally distributed. It is more honest when
#   the IC50s are poorly determined; when they are well determined the two agree.
#
# Both treat every well as independent (the pooled residual error of all curves), like the F test of a
# shared log IC50 beside them. The experiment is the unit of replication (lesson 3), so assaystats also
# fits each experiment alone and compares the per-experiment log10 IC50s with a paired t test (n = number of
# experiments). That is the test to report.

# %%
both = assaystats.doseresponse.fit(df, dose="dose_uM", response="viability", group="line",
                                   replicate="experiment", compare=[("Huh7-R", "Huh7-P"), ("Hep3B-R", "Hep3B-P")],
                                   dose_unit="uM")
print("Pooled curves (wells as observations):")
print(both.comparisons[["group", "reference", "ratio", "ci_low", "ci_high", "fieller_low", "fieller_high",
                        "f_stat", "df_den", "p_value"]].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
print("\nReplicate level (experiments as observations):")
print(both.replicate_comparisons[["group", "reference", "test", "n_group", "ratio", "ci_low", "ci_high",
                                  "statistic", "df", "p_value", "p_adjusted"]]
      .to_string(index=False, float_format=lambda v: f"{v:.4g}"))

# %%
fig = both.figures()["ic50_per_replicate"]()

# %% [markdown]
# The two levels agree on the ratio, but the experiment-level interval is much wider and its p value much
# larger than the pooled F test's: the pooled analysis has hundreds of residual degrees of freedom
# (`df_den`), the experiment-level one has n - 1 experiments' worth (`df`). The per-experiment IC50s (figure)
# show how much the IC50 moves from one experiment to the next; the pooled interval knows nothing of that
# variation. Here the resistance of both lines holds at either level; with a smaller effect only the
# replicate-level test protects you from a false claim.
#
# The planted truth of these simulated data lets us check the intervals:

# %%
for r in both.replicate_comparisons.itertuples():
    t = truth["ratios"][f"{r.group}/{r.reference}"]
    p = both.comparisons.set_index("group").loc[r.group]
    print(f"{r.group}/{r.reference}: true ratio {t}; pooled delta CI {p.ci_low:.2f}-{p.ci_high:.2f} "
          f"covers it: {p.ci_low <= t <= p.ci_high}; replicate-level CI {r.ci_low:.2f}-{r.ci_high:.2f} "
          f"covers it: {r.ci_low <= t <= r.ci_high}")

# %% [markdown]
# ## What to report in a paper
#
# The IC50 type and model, the curves' fits, the resistance index with its interval, and the test whose n is
# the number of experiments:

# %%
fits = both.fits.set_index("group")
n_exp = int(both.replicate_comparisons.n_group.iloc[0])
print(both.methods())
print()
for r in both.replicate_comparisons.itertuples():
    p = both.comparisons.set_index("group").loc[r.group]
    print(f"{r.group}: relative IC50 {fits.loc[r.group, 'ic50']:.2f} µM (95% CI {fits.loc[r.group, 'ic50_ci_low']:.2f}"
          f" to {fits.loc[r.group, 'ic50_ci_high']:.2f}) vs {r.reference} {fits.loc[r.reference, 'ic50']:.2f} µM; "
          f"resistance index {r.ratio:.2f} (95% CI {r.ci_low:.2f} to {r.ci_high:.2f}; {r.test}, "
          f"t({r.df:.0f}) = {r.statistic:.2f}, Holm-adjusted p = {r.p_adjusted:.2g}, n = {n_exp} independent "
          f"experiments). Pooled-curve index {p.ratio:.2f} (Fieller 95% CI {p.fieller_low:.2f} to "
          f"{p.fieller_high:.2f}).")
