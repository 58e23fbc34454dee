# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 6 — Survival by a gene's expression: median split, "optimal" cut, or no cut at all?
#
# **Question.** Do liver-cancer patients whose tumours express more ZFAS1 die sooner — and how should we split
# them (or not) to say so?
#
# Portals such as GEPIA and KM-plotter draw two Kaplan–Meier curves, "high" and "low", and print a log-rank p.
# Where the line between high and low goes matters. A **median split** is fixed before looking at survival. An
# **optimal cut** is chosen by trying every possible threshold and keeping the one with the most striking
# difference; its p value then needs a correction for the search, and its hazard ratio is biased. The expression
# itself is a number, and a **Cox model on the continuous value** uses all of it.
#
# The data are the bundled `lihc_cohort`: a simulated cohort shaped like TCGA-LIHC (one row per patient, overall
# survival in months, tumour ZFAS1 in log2 TPM+1), with the true hazard ratio stored beside it.

# %%
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import assaystats

pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

cohort = assaystats.datasets.load("lihc_cohort")
truth = json.loads((assaystats.datasets.path("lihc_cohort").parent / "truth.json").read_text())
print(cohort[["patient", "os_months", "os_event", "ZFAS1"]].head())
print(f"patients: {len(cohort)}, deaths: {int(cohort['os_event'].sum())}, "
      f"ZFAS1 median {cohort['ZFAS1'].median():.3f}, SD {cohort['ZFAS1'].std():.3f}")
print("true hazard ratio per SD of ZFAS1 in the simulation:", truth["os_hr_per_sd_zfas1"])

# %% [markdown]
# ## 1. The median split
#
# `survival.analyze` with `cutoff="median"` splits at the median, draws the curves, runs the log-rank test and a
# Cox model of high vs low. Beside the split it always reports the Cox model on the continuous expression.

# %%
KW = {"time": "os_months", "event": "os_event", "expression": "ZFAS1", "time_unit": "months"}
med = assaystats.survival.analyze(cohort, cutoff="median", **KW)
print(med.summary())

# %%
ax = med.plot()  # Kaplan-Meier curves with the number at risk below
ax.set_title("Median split of tumour ZFAS1");

# %% [markdown]
# ## 2. The optimal cut, and why its p value must be corrected
#
# `cutoff="optimal"` scans every cut that leaves at least 10 % of patients on each side and keeps the one with
# the largest standardised log-rank statistic (the method of R's `maxstat`). The scan:

# %%
opt = assaystats.survival.analyze(cohort, cutoff="optimal", **KW)
cp = opt.cutpoint.iloc[0]
print(opt.cutpoint[["cutpoint", "n_low", "n_high", "statistic", "naive_p_value", "p_value"]].to_string(index=False))
print("cuts tried:", len(opt.cut_scan))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(opt.cut_scan["cut"], opt.cut_scan["statistic"], lw=1)
ax.axvline(cp.cutpoint, color="C3", ls="--", label=f"optimal cut {cp.cutpoint:.3g}")
ax.axvline(cohort["ZFAS1"].median(), color="grey", ls=":", label="median")
ax.set_xlabel("cut on tumour ZFAS1 (log2 TPM+1)")
ax.set_ylabel("standardised log-rank statistic")
ax.legend(frameon=False)
fig.tight_layout()

# %% [markdown]
# Two p values are printed. `naive_p_value` is the log-rank p of the chosen cut, computed as if that cut had been
# fixed in advance. `p_value` is the maximally selected statistic's p corrected for the search (Lausen et al.
# 1994, maxstat's `Lau94`). The naive one is not a valid test: with as many cuts to try as printed above, one of
# them will look good even when expression has nothing to do with survival.
#
# We can see that directly. Shuffle ZFAS1 across patients — now it is unrelated to survival by construction, while
# the follow-up and the deaths stay exactly those of the cohort — and redo the search each time. We count how
# often each p value falls below 0.05. (`survival.maxstat_logrank` does the search and `survival.logrank` the
# ordinary log-rank test; both are the functions `analyze` uses.)

# %%
t = cohort["os_months"].to_numpy(float)
e = cohort["os_event"].to_numpy(float)
x = cohort["ZFAS1"].to_numpy(float)
rng = np.random.default_rng(2026)
N_NULL = 500
sim = []
for _ in range(N_NULL):
    xp = rng.permutation(x)
    best = assaystats.survival.maxstat_logrank(xp, t, e)
    at_cut = (xp > best["cutpoint"]).astype(int)
    at_median = (xp > np.median(xp)).astype(int)
    sim.append({"median split p": assaystats.survival.logrank(t, e, at_median, 2)["p_value"],
                "naive p at the optimal cut": assaystats.survival.logrank(t, e, at_cut, 2)["p_value"],
                "corrected p (Lausen 1994)": best["p_value"],
                "max statistic": best["statistic"]})
sim = pd.DataFrame(sim)
rates = (sim.drop(columns="max statistic") < 0.05).mean()
print(f"{N_NULL} cohorts with no effect; fraction with p < 0.05:")
print(rates.round(3).to_string())
margin = 3 * np.sqrt(0.05 * 0.95 / N_NULL)  # 3 binomial standard errors around 5 %
assert abs(rates["median split p"] - 0.05) < margin and rates["corrected p (Lausen 1994)"] < 0.05 + margin
assert rates["naive p at the optimal cut"] > 4 * 0.05

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
bins = np.linspace(0, 1, 21)
for col in ["median split p", "naive p at the optimal cut", "corrected p (Lausen 1994)"]:
    ax.hist(sim[col], bins=bins, histtype="step", lw=1.5, label=col)
ax.axvline(0.05, color="k", lw=0.8)
ax.set_xlabel("p value, ZFAS1 shuffled (no true effect)")
ax.set_ylabel("cohorts")
ax.legend(frameon=False, fontsize=8)
fig.tight_layout()

# %% [markdown]
# Under no effect a valid test gives p < 0.05 in about 5 % of cohorts, and its p values spread evenly between 0
# and 1. The median split does. The naive p at the optimal cut piles up near zero: printed above is how often it
# "finds" an effect that is not there. The corrected p does not; Lausen's approximation is, if anything,
# conservative (at or below 5 %): it is an upper bound on the p value, clipped at 1, which is why unremarkable
# cuts pile up at p = 1. The shuffles also give a corrected p of their own — the fraction of shuffled cohorts
# whose best cut is at least as striking as the real one (a permutation p):

# %%
perm_p = (1 + (sim["max statistic"] >= cp.statistic).sum()) / (N_NULL + 1)
print(f"real cohort: max statistic {cp.statistic:.3f}; Lausen-corrected p {cp.p_value:.2g}; "
      f"permutation p {perm_p:.2g} ({N_NULL} shuffles); naive p {cp.naive_p_value:.2g}")

# %% [markdown]
# ## 3. The hazard ratio at the optimal cut, and the cross-validated one
#
# The hazard ratio of high vs low at the chosen cut has the same problem as its p: the cut was chosen to make the
# groups as different as possible, so the hazard ratio is biased away from 1 and its interval is too narrow.
# assaystats labels it "naive" and reports beside it a **cross-validated** hazard ratio (Faraggi & Simon 1996):
# the patients are split into 5 folds; for each fold the cut is searched on the other four folds only, and the
# fold's patients are called high or low by that cut. Every patient is classified by a cut chosen without them,
# so the Cox model on these groups carries no selection bias.

# %%
cols = ["term", "hr", "hr_ci_low", "hr_ci_high", "p_value"]
print("naive, at the optimal cut:")
print(opt.cox[cols + ["note"]].to_string(index=False))
print("\ncross-validated (5 folds):")
print(opt.cut_cv[cols + ["n_low", "n_high", "cut_min", "cut_max", "seed"]].to_string(index=False))

# %% [markdown]
# The folds are drawn at random (`seed=`), so the cross-validated estimate moves a little with the draw. Say which
# seed you used; here are two more draws:

# %%
for seed in (1, 2):
    cv = assaystats.survival.analyze(cohort, cutoff="optimal", seed=seed, **KW).cut_cv.iloc[0]
    print(f"seed {seed}: cross-validated HR {cv.hr:.2f} (95% CI {cv.hr_ci_low:.2f} to {cv.hr_ci_high:.2f}), "
          f"p = {cv.p_value:.2g}")

# %% [markdown]
# ## 4. No cut at all: the continuous Cox model
#
# Cutting a continuous measurement into two throws information away and invents a step in risk at an arbitrary
# threshold. The Cox model on ZFAS1 itself asks the question directly — how much does the hazard change per unit
# (here per log2 unit, i.e. per doubling) or per standard deviation of expression? It is reported with every split:

# %%
print(opt.continuous[["term", "hr", "hr_ci_low", "hr_ci_high", "p_value"]].to_string(index=False))
per_sd = opt.continuous.iloc[1]
print(f"\ntrue HR per SD in the simulation: {truth['os_hr_per_sd_zfas1']}; estimated {per_sd.hr:.2f} "
      f"({per_sd.hr_ci_low:.2f} to {per_sd.hr_ci_high:.2f})")

# %% [markdown]
# The proportional-hazards check (`ph_test`, R's `cox.zph`) belongs in the same report; a small p there means
# the hazard ratio changes over follow-up and a single HR summarises it poorly:

# %%
print(med.ph_test[["term", "chisq", "df", "p_value"]].to_string(index=False))

# %% [markdown]
# ## What to report in a paper
#
# Prefer the continuous Cox model as the main result. If you show a split, say which and why; for an optimal cut
# report the corrected p and the cross-validated hazard ratio, never the naive ones alone. For example:

# %%
c = opt.continuous.iloc[1]
m = med.cox.iloc[0]
cv = opt.cut_cv.iloc[0]
n, d = len(cohort), int(cohort["os_event"].sum())
print(f"Higher tumour ZFAS1 was associated with shorter overall survival (Cox proportional hazards model on "
      f"log2 expression, n = {n} patients, {d} deaths): HR {c.hr:.2f} per SD (95% CI {c.hr_ci_low:.2f} to "
      f"{c.hr_ci_high:.2f}), p = {c.p_value:.1g}. Split at the median, the high group had HR {m.hr:.2f} "
      f"({m.hr_ci_low:.2f} to {m.hr_ci_high:.2f}; log-rank p = {med.logrank.iloc[0].p_value:.2g}). The "
      f"maximally selected log-rank cut ({cp.cutpoint:.3g}; {int(cp.n_low)} low / {int(cp.n_high)} high) had a "
      f"corrected p = {cp.p_value:.2g} (Lausen 1994); its cross-validated HR was {cv.hr:.2f} ({cv.hr_ci_low:.2f} "
      f"to {cv.hr_ci_high:.2f}; 5-fold, seed {int(cv.seed)}).")
print()
print(opt.methods())
