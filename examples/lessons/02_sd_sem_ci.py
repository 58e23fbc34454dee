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
# # Lesson 2 — SD, SEM or 95% CI: what does an error bar claim?
#
# **The question.** Your figure shows a mean with an error bar. Should the bar be the standard deviation
# (SD), the standard error of the mean (SEM) or a 95% confidence interval (CI)? They answer different
# questions:
#
# - **SD** describes the *spread of the data*: how different one experiment is from the next. It does not
#   shrink when you do more experiments; it just gets better estimated.
# - **SEM** = SD / √n describes the *uncertainty of the mean*. It shrinks with n. On its own it has no fixed
#   coverage: with n = 3, the true mean lies inside mean ± SEM much less often than people assume.
# - **95% CI** = mean ± t(n-1) × SEM is the uncertainty of the mean made into a statement: in 95% of
#   experiments built this way, the interval contains the true mean.
#
# (The same distinction, "spread" vs "uncertainty of an estimate", is the heart of seaborn's
# [error bar tutorial](https://seaborn.pydata.org/tutorial/error_bars.html).)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

import assaystats

pd.set_option("display.width", 120)

# %% [markdown]
# ## The same data, three ways
#
# Colony counts after ZFAS1 knockdown (bundled `zfas1_colonies`, simulated with a planted truth), 3 wells in
# each of 3 independent experiments. With `replicate="experiment"` the values analysed and drawn are the
# three experiment means per group, so n = 3. `ComparisonResult.plot(error=...)` draws the same result with
# SD, SEM or CI bars, computed from its `descriptives` table.

# %%
col = assaystats.datasets.load("zfas1_colonies")
res = assaystats.assays.compare(col, value="colonies", group="sirna", control="siCtrl", replicate="experiment")
desc = res.descriptives.set_index("group")
desc["ci_half_width"] = desc.ci_high - desc["mean"]
print(desc[["n", "mean", "sd", "sem", "ci_low", "ci_high", "ci_half_width"]].round(2))

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), sharey=True)
for ax, error in zip(axes, ["sd", "sem", "ci"]):
    res.plot(ax=ax, error=error, brackets=False)
    ax.set_title({"sd": "mean ± SD", "sem": "mean ± SEM", "ci": "mean with 95% CI"}[error])
fig.tight_layout()

# %% [markdown]
# Same numbers, three pictures. The SEM bars are the shortest, which is why they are popular; the CI bars
# are the longest, because with only three experiments the mean is poorly known. The ratios are fixed by n:

# %%
n = int(desc.loc["siCtrl", "n"])
print(f"n = {n}: SEM = SD / sqrt({n}) = {1 / np.sqrt(n):.3f} x SD")
print(f"       95% CI half-width = t(0.975, {n - 1} df) x SEM = {stats.t.ppf(0.975, n - 1):.3f} x SEM")
print("check on siCtrl: SD/SEM = {:.3f}, CI half-width/SEM = {:.3f}".format(
    desc.loc["siCtrl", "sd"] / desc.loc["siCtrl", "sem"],
    desc.loc["siCtrl", "ci_half_width"] / desc.loc["siCtrl", "sem"]))

# %% [markdown]
# ## How the picture changes with n
#
# Now we draw samples of different sizes from one known population: experiment means with true mean 100
# and true SD 15. The group label is the sample size, so one `compare` call gives every sample's
# descriptives and the same plot function draws them.

# %%
rng = np.random.default_rng(7)
TRUE_MEAN, TRUE_SD = 100.0, 15.0
sizes = [3, 5, 10, 30, 100]
sim = pd.concat([pd.DataFrame({"n": f"n={k}", "value": rng.normal(TRUE_MEAN, TRUE_SD, k)}) for k in sizes])
by_n = assaystats.assays.compare(sim, value="value", group="n", posthoc="omnibus",
                                 order=[f"n={k}" for k in sizes])
d = by_n.descriptives.set_index("group")
d["ci_width"] = d.ci_high - d.ci_low
print(d[["n", "mean", "sd", "sem", "ci_width"]].round(2))

fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for ax, error in zip(axes, ["sd", "sem", "ci"]):
    by_n.plot(ax=ax, error=error, brackets=False)
    ax.axhline(TRUE_MEAN, color="grey", lw=0.8, ls=":")
    ax.set_title({"sd": "mean ± SD", "sem": "mean ± SEM", "ci": "mean with 95% CI"}[error])
    ax.set_xlabel("sample size")
fig.tight_layout()

# %% [markdown]
# As n grows, the SD bars do not shrink: they scatter around the true SD (`TRUE_SD` above), widely at small n,
# where the sample SD is itself a rough estimate (compare the `sd` column of the table at n = 3 with the
# truth). SEM and CI bars shrink like 1/√n. At small n the CI is much longer than the SEM bar because
# t(n-1) is large; at large n it approaches 1.96 × SEM.
#
# ## How often does each bar contain the true mean?
#
# A claim you can check by simulation: draw 20,000 samples at each n, and count how often mean ± SEM and
# the 95% CI contain the true mean (for normal data the exact answers are P(|t(n-1)| < 1) and 95%).

# %%
N_SIM = 20_000
rows = []
for k in sizes:
    x = rng.normal(TRUE_MEAN, TRUE_SD, size=(N_SIM, k))
    m, sem = x.mean(axis=1), x.std(axis=1, ddof=1) / np.sqrt(k)
    tq = stats.t.ppf(0.975, k - 1)
    rows.append({"n": k,
                 "mean ± SEM covers (sim)": np.mean(np.abs(m - TRUE_MEAN) < sem),
                 "mean ± SEM covers (exact)": 1 - 2 * stats.t.sf(1, k - 1),
                 "95% CI covers (sim)": np.mean(np.abs(m - TRUE_MEAN) < tq * sem)})
coverage = pd.DataFrame(rows)
print(coverage.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
print(f"n = 3: mean ± SEM misses the true mean in {1 - coverage.iloc[0, 2]:.0%} of experiments (exact)")

# %% [markdown]
# With n = 3 experiments, mean ± SEM misses the true mean far more often than the "about a third" people
# remember from the normal distribution (printed above); the 95% CI keeps its promise at every n.
#
# ## Do overlapping bars mean "not significant"?
#
# The rule of thumb "bars that do not overlap mean a significant difference" means something different for
# each kind of bar. Take two groups of n = 3 with the same SD, whose bars *just touch*, and compute the
# two-sample t test that this picture implies:

# %%
k = 3
sem = 1.0                                          # any unit: only the ratios matter
se_diff = np.sqrt(2) * sem                         # SE of a difference of two means with equal SEM
for bar, half in [("SEM", sem), ("SD", np.sqrt(k) * sem), ("95% CI", stats.t.ppf(0.975, k - 1) * sem)]:
    t = 2 * half / se_diff                         # touching bars: the means differ by two half-widths
    print(f"{bar:>6} bars just touching (n = {k} per group): t = {t:.2f} on {2 * k - 2} df, "
          f"p = {2 * stats.t.sf(t, 2 * k - 2):.3g}")

# %% [markdown]
# Non-overlapping SEM bars can go with a p value well above 0.05, and 95% CIs that overlap a little can
# still go with p < 0.05. Read significance from the test, not from the bars.

# %% [markdown]
# ## Which bar to use
#
# - To show **how variable the experiments are**, show every point (assaystats' dot plots always do) and
#   use SD.
# - To show **how well the mean is known**, use the 95% CI.
# - SEM bars are acceptable only when n is stated, since their meaning depends on n.
#
# Whatever you choose, say it in the legend, with n and what n counts.

# %% [markdown]
# ## What to report in a paper
#
# The figure legend names the bar, n and the unit; the text gives the interval itself:

# %%
m = res.meta
lvl = int(round(100 * m["ci_level"]))
print(f"Figure legend: dots are the means of {m['n_rows'] // m['n_units']} wells in each of "
      f"{n} independent experiments; bars show the mean ± SD (n = {n} experiments).")
for g in ["siCtrl", "siZFAS1"]:
    r = desc.loc[g]
    print(f"Text: {g}: {r['mean']:.1f} colonies per well (SD {r.sd:.1f}; {lvl}% CI {r.ci_low:.1f} to "
          f"{r.ci_high:.1f}; n = {int(r.n)} experiments).")
