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
# # Lesson 3 — Wells and cells are not replicates
#
# **The question.** You measured viability in 4 wells per condition, in each of 3 independent experiments.
# Is n = 12 (wells) or n = 3 (experiments)?
#
# The wells of one experiment share that day's cells, passage, transfection, reagents and plate; they are
# *technical* replicates and agree with each other more than wells of different experiments do. A t test
# that counts every well as independent sees 12 observations per group where the experiment only provides 3
# independent ones, so its p values are too small. The independent unit is the experiment: average the wells
# of each experiment and test the experiment means. That is what `assays.compare(..., replicate=...)` does by
# default.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

import assaystats

pd.set_option("display.width", 120)

# %% [markdown]
# ## One experiment analysed both ways
#
# Bundled `zfas1_viability` (simulated with a planted truth; see `assaystats.datasets.describe`): siCtrl or
# siZFAS1, sorafenib 0, 5 or 10 µM, 4 wells x 3 experiments. We take the vehicle (0 µM) wells, where the
# planted difference between the siRNAs is small.

# %%
via = assaystats.datasets.load("zfas1_viability")
vehicle = via[via.sorafenib_uM == 0]
print(vehicle.pivot_table(index="experiment", columns="sirna", values="viability", aggfunc=["mean", "count"])
      .round(2))

# %%
right = assaystats.assays.compare(vehicle, value="viability", group="sirna", control="siCtrl",
                                  replicate="experiment")
wrong = assaystats.assays.compare(vehicle, value="viability", group="sirna", control="siCtrl")
for name, r in [("wells as n (no replicate= given)", wrong), ("experiments as n (replicate='experiment')", right)]:
    c = r.comparisons.iloc[0]
    print(f"{name}:\n  {c.method}, n = {r.meta['n_units']} values in all, difference {c.estimate:.2f} "
          f"(95% CI {c.ci_low:.2f} to {c.ci_high:.2f}), p = {c.p_value:.3g} {assaystats.assays.stars(c.p_value)}")

# %% [markdown]
# Same data, same difference, two conclusions. With wells as n the interval is narrow and the p value small;
# with experiments as n the interval is honest about how much the difference moved between experiments:

# %%
per_exp = right.units.pivot_table(index="experiment", columns="sirna", values="viability")
per_exp["siZFAS1 - siCtrl"] = per_exp["siZFAS1"] - per_exp["siCtrl"]
print(per_exp.round(2))

# %% [markdown]
# If you ask for wells as n explicitly while naming the replicate (`level="cell"`), assaystats does it but
# warns, and says so in the report:

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    cell = assaystats.assays.compare(vehicle, value="viability", group="sirna", control="siCtrl",
                                     replicate="experiment", level="cell")
print("warning:", *[str(w.message) for w in caught])
print("report note:", *cell.meta["notes"])

# %% [markdown]
# The SuperPlot (Lord et al. 2020, *J Cell Biol*) shows both levels at once: small dots are wells, coloured
# by experiment; large dots are the experiment means, the values the test uses.

# %%
fig = right.figures()["superplot_viability"]()

# %% [markdown]
# ## How often is the wrong way wrong? A simulation under the null
#
# One data set cannot tell us which analysis is right. A simulation can: we build 1,000 studies in which
# siRNA has **no effect at all**, and count how often each analysis calls p < 0.05.
#
# Each simulated study has 3 experiments x 2 siRNAs x 4 wells, with viability 100 plus
#
# - an experiment effect shared by both siRNAs (its SD as planted in the bundled data),
# - a culture effect, separate for each siRNA in each experiment: each transfection is its own dish,
#   so the two conditions never move together exactly,
# - well noise (as planted in the bundled data).
#
# The three SDs are printed below.
#
# A correct test says p < 0.05 in 5% of these studies. The tests are computed vectorised with scipy (Welch's
# t on wells; the paired t on experiment means that `compare` uses when every experiment ran both siRNAs),
# and the first studies are also run through `assaystats.assays.compare` to check the p values are the same.

# %%
import json

planted = json.loads((assaystats.datasets.path("zfas1_viability").parent / "truth.json").read_text())
N_SIM, N_EXP, ALPHA = 1_000, 3, 0.05
SD_EXP, SD_CULTURE, SD_WELL = planted["experiment_sd_viability"], 4.0, planted["well_sd_viability"]
print(f"SDs: experiment {SD_EXP}, culture (siRNA x experiment) {SD_CULTURE}, well {SD_WELL}")
rng = np.random.default_rng(3)


def simulate(n_sim, n_wells, rng):
    """Viability, shape (n_sim, 2 siRNAs, n_exp, n_wells), under the null (no siRNA effect)."""
    exp = rng.normal(0, SD_EXP, size=(n_sim, 1, N_EXP, 1))
    culture = rng.normal(0, SD_CULTURE, size=(n_sim, 2, N_EXP, 1))
    return 100 + exp + culture + rng.normal(0, SD_WELL, size=(n_sim, 2, N_EXP, n_wells))


def p_wells(y):
    """Welch t test with every well as an observation (the wrong way)."""
    w = y.reshape(y.shape[0], 2, -1)
    return stats.ttest_ind(w[:, 1], w[:, 0], axis=1, equal_var=False).pvalue


def p_experiments(y):
    """Paired t test on the experiment means (the right way; each experiment ran both siRNAs)."""
    m = y.mean(axis=3)
    return stats.ttest_rel(m[:, 1], m[:, 0], axis=1).pvalue


y = simulate(N_SIM, 4, rng)
pw, pe = p_wells(y), p_experiments(y)

for s in range(5):  # the same studies through assaystats
    study = pd.DataFrame([{"sirna": ["siCtrl", "siZFAS1"][g], "experiment": f"exp{e + 1}", "viability": y[s, g, e, w]}
                          for g in range(2) for e in range(N_EXP) for w in range(y.shape[3])])
    a_right = assaystats.assays.compare(study, value="viability", group="sirna", control="siCtrl",
                                        replicate="experiment").comparisons.p_value.iloc[0]
    a_wrong = assaystats.assays.compare(study, value="viability", group="sirna",
                                        control="siCtrl").comparisons.p_value.iloc[0]
    assert np.isclose(a_right, pe[s], rtol=1e-9) and np.isclose(a_wrong, pw[s], rtol=1e-9)
print("vectorised p values equal assaystats.assays.compare on the first 5 studies")

fpr_w, fpr_e = np.mean(pw < ALPHA), np.mean(pe < ALPHA)
half = lambda p: 1.96 * np.sqrt(p * (1 - p) / N_SIM)  # noqa: E731
print(f"{N_SIM} simulated studies, no true effect, 3 experiments x 4 wells per siRNA:")
print(f"  wells as n (Welch t, n = {N_EXP * 4} per group): p < 0.05 in {fpr_w:.1%} (± {half(fpr_w):.1%})")
print(f"  experiments as n (paired t, n = {N_EXP}):        p < 0.05 in {fpr_e:.1%} (± {half(fpr_e):.1%})")
print(f"  the wrong way's false-positive rate is {fpr_w / fpr_e:.1f} times the right way's")

# %% [markdown]
# Counting wells turns a 5% test into one that finds an effect that is not there much more often (the ratio
# is printed above). And doing *more wells* makes it worse, not better: more wells make the well-level test ever more certain
# of a difference that is really experiment-to-experiment variation, while the experiment-level test stays
# at 5% whatever the number of wells.

# %%
wells = [2, 4, 8, 16, 32]
rows = []
for k in wells:
    yk = simulate(N_SIM, k, rng)
    rows.append({"wells per experiment": k, "wells as n": np.mean(p_wells(yk) < ALPHA),
                 "experiments as n": np.mean(p_experiments(yk) < ALPHA)})
rates = pd.DataFrame(rows)
print(rates.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(rates["wells per experiment"], rates["wells as n"], "o-", label="wells as n (Welch t)")
ax.plot(rates["wells per experiment"], rates["experiments as n"], "s-", label="experiments as n (paired t)")
ax.axhline(ALPHA, color="k", lw=0.8)
ax.set_xscale("log", base=2)
ax.set_xticks(wells, [str(k) for k in wells])
ax.set_xlabel("wells per siRNA per experiment (3 experiments)")
ax.set_ylabel("false-positive rate (no true effect)")
ax.set_ylim(0, 1)
ax.legend(frameon=False)
fig.tight_layout()

# %% [markdown]
# With only two wells per experiment the wells-as-n rate is near 5% (first row): the experiment shift, which
# cancels in the comparison, inflates the spread of the wells and so hides the culture effect. That is why a
# lab can use the wrong test for years without noticing, until it adds wells.
# What if the experiments really do not differ beyond their shared shift (no culture effect)? Then the
# wells-as-n test is not too liberal, but it is still not the test of the design: the experiment-level test
# is valid in both worlds, and you cannot know from 3 experiments which world you are in.
#
# The same holds for cells in an image (cells of one coverslip), mice in one cage, or tumours of one patient:
# find the unit that was independently randomised or prepared, and make it the n. With more than one level,
# `compare(level="mixed")` fits a mixed model instead.

# %% [markdown]
# ## What to report in a paper
#
# State the unit and n explicitly, and that wells were averaged first:

# %%
c = right.comparisons.iloc[0]
m = right.meta
print(right.methods())
print()
print(f"Vehicle-treated siZFAS1 vs siCtrl cells: difference in viability {c.estimate:.1f} percentage points "
      f"(95% CI {c.ci_low:.1f} to {c.ci_high:.1f}), {c.method} on experiment means, t({c.df:.0f}) = "
      f"{c.statistic:.2f}, p = {c.p_value:.2g} (n = {m['n_units'] // 2} independent experiments, each the mean "
      f"of {m['n_rows'] // m['n_units']} wells).")
