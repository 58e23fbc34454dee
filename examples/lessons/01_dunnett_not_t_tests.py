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
# # Lesson 1 — Three siRNAs against one control: Dunnett, not three t tests
#
# **The question.** You knock down ZFAS1 with three different siRNAs and count colonies, next to a
# non-targeting control (siCtrl), in three independent experiments. Which siRNAs reduce colony formation?
#
# The tempting analysis is three t tests, each siRNA against siCtrl. Each test alone keeps a 5% chance of a
# false alarm, but the *experiment* has three chances, so the chance that at least one siRNA looks
# "significant" when none works is well above 5%. Dunnett's test compares every group with one control and
# keeps that family-wise error at 5%. This lesson shows the difference on one data set and then by simulation.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import assaystats

pd.set_option("display.width", 120)
rng = np.random.default_rng(2024)

# %% [markdown]
# ## The data: three siRNAs with a planted truth
#
# The bundled `zfas1_colonies` data set has a single siRNA, so we simulate the three-siRNA experiment here,
# shaped like it: its siCtrl mean and its experiment-to-experiment variation (read from the data set's
# `truth.json`), Poisson well counts, 3 wells x 3 experiments. The truth is planted: siZFAS1-1 halves the
# colonies, siZFAS1-2 removes a quarter, and siZFAS1-3 does nothing.

# %%
import json

bundled = json.loads((assaystats.datasets.path("zfas1_colonies").parent / "truth.json").read_text())
ctrl, sd_day = bundled["colonies_mean"]["siCtrl"], bundled["experiment_sd_log_counts"]
truth = {"siCtrl": ctrl, "siZFAS1-1": ctrl * 0.50, "siZFAS1-2": ctrl * 0.75, "siZFAS1-3": ctrl}
print("planted mean colonies per well:", truth, f"; experiment SD on the log scale {sd_day}")
rows = []
for e in range(1, 4):
    day = rng.normal(0.0, sd_day)                   # this experiment's shift, shared by all its wells
    for sirna, mean in truth.items():
        for well in range(1, 4):
            rows.append({"sirna": sirna, "experiment": f"exp{e}", "well": well,
                         "colonies": rng.poisson(mean * np.exp(day))})
colonies = pd.DataFrame(rows)
print(colonies.groupby(["sirna", "experiment"]).colonies.mean().unstack().round(1))

# %% [markdown]
# ## The right analysis: one family, Dunnett's test
#
# `assays.compare` with `control=` compares every group with the control by Dunnett's test. With
# `replicate="experiment"` the unit is the experiment mean (n = 3 per siRNA, not 9 wells; lesson 3 explains
# why), and because every experiment ran every siRNA the experiment is a block (repeated-measures ANOVA).

# %%
res = assaystats.assays.compare(colonies, value="colonies", group="sirna", control="siCtrl",
                                replicate="experiment")
print(res.summary())

# %% [markdown]
# Each line gives the difference from siCtrl with its simultaneous 95% interval and the Dunnett-adjusted
# p value. The summary also lists assumption checks (normality of residuals, equal variances, sphericity for
# repeated measures): they are reported beside the result and never switch the test silently; with three
# experiments they have little power, so read them as hints about the data, not verdicts.

# %%
ax = res.plot()
ax.set_title("Colonies per well; mean ± SEM of 3 experiments, Dunnett vs siCtrl")
ax.figure.set_size_inches(6, 4)

# %% [markdown]
# ## The tempting analysis: three separate t tests
#
# Each siRNA against siCtrl on its own (a paired t test on the experiment means, the right two-group test for
# this design), with no correction for the three tests. Next to it, the Dunnett-adjusted p value from above.

# %%
rows = []
for sirna in ["siZFAS1-1", "siZFAS1-2", "siZFAS1-3"]:
    pair = colonies[colonies.sirna.isin([sirna, "siCtrl"])]
    alone = assaystats.assays.compare(pair, value="colonies", group="sirna", control="siCtrl",
                                      replicate="experiment")
    t_row = alone.comparisons.iloc[0]
    d_row = res.comparisons.set_index("group1").loc[sirna]
    rows.append({"siRNA": sirna, "difference": t_row.estimate, "t test p": t_row.p_value,
                 "t test stars": assaystats.assays.stars(t_row.p_value),
                 "Dunnett p": d_row.p_adjusted, "Dunnett stars": assaystats.assays.stars(d_row.p_adjusted)})
side_by_side = pd.DataFrame(rows)
print(side_by_side.to_string(index=False, float_format=lambda x: f"{x:.4g}"))

# %% [markdown]
# On one data set the two analyses often agree on which siRNAs work. Dunnett's p values are not simply the
# t tests' p values made larger: Dunnett uses one pooled error from all groups (more degrees of freedom than
# a paired t test on three experiments; both are printed below), which can make it *more* sensitive to a real
# effect while it pays for the three comparisons. The problem with uncorrected tests is not visible in one
# experiment; it shows up in how often they cry wolf. So we repeat the experiment many times **under the null** (no siRNA has any effect)
# and count how often at least one of the three siRNAs comes out "significant".

# %% [markdown]
# ## The family-wise error rate, by simulation
#
# Each simulated study: 4 groups x 3 experiments (experiment means), an experiment effect shared by all groups
# and independent noise, around the same mean in every group (the SDs are printed below). For every study we
# compute the three paired t tests and Dunnett's test as `compare` does (Dunnett on the repeated-measures
# ANOVA error, critical value from `assaystats.assays.dunnett_quantile`), vectorised with numpy so that tens
# of thousands of studies are quick. The first studies are also run through `assaystats.assays.compare` to
# check that the vectorised code gives the same p values.

# %%
from scipy import stats

N_EXP, N_SIM, ALPHA = 3, 20_000, 0.05
SD_EXPERIMENT, SD_NOISE = 10.0, 8.0
print(f"null model: mean 100 in every group, experiment effect SD {SD_EXPERIMENT}, noise SD {SD_NOISE}")


def simulate_null(n_sirna, n_sim, rng):
    """Experiment means, shape (n_sim, n_exp, 1 + n_sirna); column 0 is the control. No real effect."""
    block = rng.normal(0, SD_EXPERIMENT, size=(n_sim, N_EXP, 1))
    return 100 + block + rng.normal(0, SD_NOISE, size=(n_sim, N_EXP, 1 + n_sirna))


def uncorrected_p(y):
    """Paired t test of every siRNA against the control, each on its own (df = n_exp - 1)."""
    d = y[:, :, 1:] - y[:, :, :1]
    t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / np.sqrt(N_EXP))
    return 2 * stats.t.sf(np.abs(t), N_EXP - 1)


def dunnett_t(y):
    """Dunnett's statistics on the pooled error of the two-way (experiment block + group) model."""
    k = y.shape[2]
    resid = y - y.mean(axis=1, keepdims=True) - y.mean(axis=2, keepdims=True) + y.mean(axis=(1, 2), keepdims=True)
    df = (k - 1) * (N_EXP - 1)
    mse = (resid**2).sum(axis=(1, 2)) / df
    means = y.mean(axis=1)
    return (means[:, 1:] - means[:, :1]) / np.sqrt(2 * mse[:, None] / N_EXP), df


y = simulate_null(3, N_SIM, rng)
p_t = uncorrected_p(y)
t_d, df_d = dunnett_t(y)
lam = np.full(3, np.sqrt(0.5))                      # equal n: every pair of comparisons correlates 0.5
crit = assaystats.assays.dunnett_quantile(1 - ALPHA, lam, df_d)

# the check: the first five simulated studies through assaystats' own compare()
names = ["siCtrl", "siA", "siB", "siC"]
for s in range(5):
    study = pd.DataFrame([{"sirna": names[g], "experiment": f"e{e}", "value": y[s, e, g]}
                          for e in range(N_EXP) for g in range(4)])
    ours = assaystats.assays.compare(study, value="value", group="sirna", control="siCtrl",
                                     replicate="experiment", order=names).comparisons
    p_dunnett = [assaystats.assays.dunnett_pvalue(t, lam, df_d) for t in t_d[s]]
    assert np.allclose(ours.p_adjusted, p_dunnett, rtol=1e-8), (ours.p_adjusted, p_dunnett)
    for g, name in enumerate(names[1:]):
        pair = study[study.sirna.isin(["siCtrl", name])]
        alone = assaystats.assays.compare(pair, value="value", group="sirna", control="siCtrl",
                                          replicate="experiment").comparisons
        assert np.isclose(alone.p_value.iloc[0], p_t[s, g], rtol=1e-8)
print("vectorised p values equal assaystats.assays.compare on the first 5 studies")

fwer_t = np.mean((p_t < ALPHA).any(axis=1))
fwer_d = np.mean((np.abs(t_d) > crit).any(axis=1))
se = lambda p: np.sqrt(p * (1 - p) / N_SIM)  # noqa: E731
print(f"Dunnett critical value |t| > {crit:.3f} on {df_d} df (a single t test needs |t| > "
      f"{stats.t.ppf(1 - ALPHA / 2, N_EXP - 1):.3f} on {N_EXP - 1} df)")
print(f"Under the null, {N_SIM} simulated studies with three siRNAs:")
print(f"  at least one of three uncorrected t tests p < 0.05: {fwer_t:.1%} (± {1.96 * se(fwer_t):.1%})")
print(f"  at least one Dunnett-adjusted p < 0.05:             {fwer_d:.1%} (± {1.96 * se(fwer_d):.1%})")
print(f"  1 - 0.95^3 (three independent tests):               {1 - (1 - ALPHA) ** 3:.1%}")

# %% [markdown]
# The uncorrected t tests find "an effect" in far more than 5% of the experiments where there is none, close
# to what 1 - 0.95³ predicts for three independent tests (the shared control makes them a little less than
# independent, so a little less often). Dunnett's rate stays at 5%, within the simulation's margin printed
# beside it. The gap grows with the number of siRNAs or drugs compared with the
# same control:

# %%
ks = np.arange(1, 9)
rate_t, rate_d = [], []
for k in ks:
    yk = simulate_null(k, 5_000, rng)
    tk, dfk = dunnett_t(yk)
    ck = assaystats.assays.dunnett_quantile(1 - ALPHA, np.full(k, np.sqrt(0.5)), dfk)
    rate_t.append(np.mean((uncorrected_p(yk) < ALPHA).any(axis=1)))
    rate_d.append(np.mean((np.abs(tk) > ck).any(axis=1)))

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(ks, rate_t, "o-", label="separate t tests, no correction")
ax.plot(ks, 1 - (1 - ALPHA) ** ks, ":", color="grey", label="1 - 0.95^k (independent tests)")
ax.plot(ks, rate_d, "s-", label="Dunnett (one family)")
ax.axhline(ALPHA, color="k", lw=0.8)
ax.set_xlabel("number of siRNAs compared with siCtrl (k)")
ax.set_ylabel("P(at least one p < 0.05) under the null")
ax.set_ylim(0, 0.5)
ax.legend(frameon=False)
print(pd.DataFrame({"k": ks, "uncorrected": rate_t, "Dunnett": rate_d}).to_string(index=False))

# %% [markdown]
# ## What the asterisks mean
#
# assaystats' figures and reports mark **adjusted** p values (Dunnett's here) with GraphPad Prism's
# asterisks. They are defined in one place, `assaystats.assays.stars` (module `assaystats/assays/_result.py`):

# %%
import inspect

print(inspect.getdoc(assaystats.assays.stars))
print("defined in", inspect.getsourcefile(assaystats.assays.stars))
for p in [0.2, 0.049, 0.0099, 0.00099, 0.000099]:
    print(f"p = {p:<9} -> {assaystats.assays.stars(p)}")

# %% [markdown]
# The asterisks are a summary of the p value, not a measure of the effect: "***" next to a difference of
# 3 colonies says the difference is well estimated, not that it matters. Always give the difference and its
# interval, and say which p value (adjusted or not) the stars summarise.

# %% [markdown]
# ## What to report in a paper
#
# Name the test, the family, the unit and n, and give each comparison's difference with its simultaneous
# interval and its adjusted p value. Built from the result above:

# %%
m = res.meta
print(res.methods())
print()
lvl = int(round(100 * m["ci_level"]))
for r in res.comparisons.itertuples():
    print(f"{r.group1} vs {r.group2}: difference {r.estimate:.1f} colonies per well "
          f"({lvl}% simultaneous CI {r.ci_low:.1f} to {r.ci_high:.1f}), Dunnett-adjusted p = {r.p_adjusted:.2g} "
          f"{assaystats.assays.stars(r.p_adjusted)} (n = {N_EXP} independent experiments, each the mean of 3 wells).")
print("\nLegend: * p < 0.05, ** p < 0.01, *** p < 0.001, **** p < 0.0001 (Dunnett-adjusted); ns not significant.")
