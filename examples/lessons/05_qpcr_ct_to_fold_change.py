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
# # Lesson 5 — qPCR: from Ct values to a fold change with an interval
#
# **Question.** After knocking down ZFAS1 with an siRNA, by how much did ZFAS1 (and its targets) fall, and how
# sure are we?
#
# A qPCR plate gives you a Ct per well: the cycle at which the fluorescence crossed a threshold. Fewer cycles
# means more template. To get from Cts to "ZFAS1 fell to a fifth" you need four decisions, and each one changes
# the number you will report:
#
# 1. **what the biological unit is** — the three wells of one cDNA are technical replicates; the independent
#    samples (here three transfections per siRNA) are the n;
# 2. **how to normalise** — against which reference (housekeeping) genes, and are they stable?
# 3. **what amplification efficiency to assume** — 100 % (Livak's 2^-ΔΔCt) or measured (Pfaffl);
# 4. **what to do with wells that never amplified** ("Undetermined").
#
# The data are the bundled `zfas1_qpcr` table (simulated to mimic the study's Fig. 2A, with the true fold
# changes stored beside it, so we can check ourselves).

# %%
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import assaystats

pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 20)

wells = assaystats.datasets.load("zfas1_qpcr")
truth = json.loads((assaystats.datasets.path("zfas1_qpcr").parent / "truth.json").read_text())
print(wells.head(6))
print("wells:", len(wells), "| genes:", wells["gene"].nunique(), "| samples per siRNA:",
      wells.groupby("group")["sample"].nunique().to_dict())
print("wells per sample and gene:", wells.groupby(["sample", "gene"]).size().unique())

# %% [markdown]
# One row per well: the sample (biological replicate), its group (the siRNA), the gene and the Ct. Note that the
# Ct column is text, because one well says `Undetermined`:

# %%
print(wells[~wells["ct"].astype(str).str.replace(".", "", regex=False).str.isdigit()])

# %% [markdown]
# ## 1. Livak: 2^-ΔΔCt with two reference genes
#
# `assays.qpcr` averages the technical wells of each sample first, normalises each target to the geometric mean
# of the reference genes (ΔCt), and then tests the per-sample −ΔCt values between groups (a Welch t test for two
# groups). The fold change is 2 to the difference of the group means (−ΔΔCt), and its confidence interval is the
# t interval of that difference, back-transformed — so it is asymmetric around the fold change, as it should be.

# %%
REFS = ["GAPDH", "ACTB"]
livak = assaystats.assays.qpcr(wells, reference_genes=REFS, control="siCtrl")
rel = livak.relative_expression
cols = ["gene", "delta_delta_ct", "fold_change", "ci_low", "ci_high", "knockdown_pct", "p_value", "q_value", "n"]
kd = rel[rel["group"] == "siZFAS1"][cols].reset_index(drop=True)
print(kd.round(4).to_string())
z = kd.set_index("gene").loc["ZFAS1"]
print(f"\nZFAS1: fold change {z.fold_change:.3f} (95% CI {z.ci_low:.3f} to {z.ci_high:.3f}), "
      f"knockdown {z.knockdown_pct:.1f} %, n = {int(z.n)} transfections per siRNA")
print(f"the simulation's true ZFAS1 fold change: {truth['fold_change_ZFAS1']}")

# %% [markdown]
# The interval is computed on the ΔCt (log) scale with n = the transfections, not the wells: the wells of
# one cDNA share its RNA extraction and reverse transcription, so they are not independent evidence about the
# siRNA. The `q_value` column corrects for testing all the target genes of the panel (Benjamini–Hochberg).

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
livak.plot(ax=ax)
ax.set_title("siZFAS1 vs siCtrl (Livak, GAPDH + ACTB)")
fig.tight_layout()

# %% [markdown]
# ## 2. Are the reference genes stable? geNorm M
#
# The fold change is only as good as the reference. geNorm's M value of a gene is the mean standard deviation,
# across samples, of its log-ratio to each other candidate; lower is more stable. assaystats reports it for the
# reference genes you chose:

# %%
print(livak.stability)
assert livak.stability["genorm_m"].nunique() == 1  # two reference genes: one pairwise ratio, one M

# %% [markdown]
# With exactly two reference genes both get the same M — there is a single pairwise ratio, so geNorm cannot tell
# which of the two drifts. To rank genes you need three or more candidates. `assays.genorm_m` takes a samples ×
# genes table of log2 quantities, which the result also gives (`technical`, one row per sample and gene). Let us
# add two genes as if they were candidate references: ZFAS1 (the gene we knocked down) and SOX2 (a target the
# simulation also lowers, by the amount printed below).

# %%
log2q = livak.technical.pivot(index="sample", columns="gene", values="log2q")
cand = assaystats.assays.genorm_m(log2q[["GAPDH", "ACTB", "SOX2", "ZFAS1"]])
print(cand)
print("true log2 fold changes in the simulation:",
      {g: truth["log2_fold_change"][g] for g in ["GAPDH", "ACTB", "SOX2", "ZFAS1"]})
m = cand.set_index("gene")["genorm_m"]
assert cand["gene"].iloc[-1] == "ZFAS1" and m["SOX2"] <= max(m["GAPDH"], m["ACTB"])  # what the text says next

# %% [markdown]
# ZFAS1 is flagged as the least stable, by far: the knockdown moves it. But look where SOX2 ranks: it truly
# changes with the siRNA, yet with six samples its M does not stand out from the housekeeping genes. geNorm
# measures how consistently genes move *together* across your samples; it is not a test of whether your
# treatment regulates a gene. Choose candidate references beforehand (known not to respond to your treatment),
# and use M to check them, not to pick a reference from your targets. What one reference instead of two does to
# the answer:

# %%
for refs in (["GAPDH", "ACTB"], ["GAPDH"], ["ACTB"]):
    r = assaystats.assays.qpcr(wells, reference_genes=refs, control="siCtrl").relative_expression
    r = r[(r["group"] == "siZFAS1") & (r["gene"] == "ZFAS1")].iloc[0]
    print(f"references {'+'.join(refs):11s}: ZFAS1 fold change {r.fold_change:.3f} "
          f"(95% CI {r.ci_low:.3f} to {r.ci_high:.3f})")

# %% [markdown]
# ## 3. Efficiency: Livak vs Pfaffl
#
# Livak's 2^-ΔΔCt assumes every gene doubles each cycle (amplification factor E = 2, "100 % efficiency"). If a
# primer pair amplifies at 90 % (E = 1.9), each cycle of difference is worth less than a doubling, and Pfaffl's
# ratio E_target^ΔCt_target / E_ref^ΔCt_ref is the correct one. You measure E from a standard curve (a dilution
# series; `assays.standard_curve` or `assays.read_efficiency` turn it into E per gene) and pass it as
# `efficiency=`. Here we have no dilution series, so we ask *what if*: the same Cts, with the ZFAS1 assay's
# efficiency set to a range of plausible values and the references kept at 100 %.

# %%
genes = sorted(wells["gene"].unique())
rows = []
for e_zfas1 in [1.80, 1.85, 1.90, 1.95, 2.00, 2.05]:
    eff = {g: 2.0 for g in genes}
    eff["ZFAS1"] = e_zfas1
    r = assaystats.assays.qpcr(wells, reference_genes=REFS, control="siCtrl", efficiency=eff)
    r = r.relative_expression
    r = r[(r["group"] == "siZFAS1") & (r["gene"] == "ZFAS1")].iloc[0]
    rows.append({"E_ZFAS1": e_zfas1, "efficiency_pct": round((e_zfas1 - 1) * 100), "ddCt": r.delta_delta_ct,
                 "fold_change": r.fold_change, "ci_low": r.ci_low, "ci_high": r.ci_high,
                 "knockdown_pct": r.knockdown_pct, "p_value": r.p_value})
eff_table = pd.DataFrame(rows)
print(eff_table.round(4).to_string(index=False))
# what the text below says: same ddCt, a fold change that falls as the efficiency rises, a p value that moves
assert eff_table["ddCt"].nunique() == 1 and eff_table["fold_change"].is_monotonic_decreasing
assert eff_table["p_value"].nunique() > 1

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.errorbar(eff_table["efficiency_pct"], eff_table["fold_change"],
            yerr=[eff_table["fold_change"] - eff_table["ci_low"], eff_table["ci_high"] - eff_table["fold_change"]],
            fmt="o-", capsize=3)
ax.axhline(truth["fold_change_ZFAS1"], ls="--", color="grey", label="true fold change (simulation)")
ax.set_xlabel("assumed ZFAS1 amplification efficiency (%)")
ax.set_ylabel("ZFAS1 fold change, siZFAS1 / siCtrl")
ax.legend(frameon=False)
fig.tight_layout()

# %% [markdown]
# What changes, and what does not: the ΔΔCt column (plain cycles) is the same in every row — the Cts did not
# change. The fold change does: a lower efficiency turns the same ΔΔCt into a smaller knockdown, because each
# cycle is worth less than a doubling. The p value moves as well: the correction rescales the target's cycles
# (by log2 E) but not the reference genes', so the per-sample values, their spread and their difference all
# change. Both the size you report and the test depend on the efficiency you assume. These data were simulated
# at 100 % efficiency, so the E = 2 row is the one whose assumption matches how they were made; with your own
# primers, use the efficiencies you measured, and say so.

# %% [markdown]
# ### Where E comes from: a standard curve
#
# A tenfold dilution series of cDNA, run with each primer pair, gives Ct = intercept + slope × log10(amount);
# E = 10^(−1/slope), so a slope of about −3.32 means E = 2 (100 %). The bundled data have no dilution series, so
# here is a small simulated one (five tenfold dilutions, triplicate wells, Ct noise SD 0.1 cycles), with the
# efficiencies planted in the code below:

# %%
planted = {"ZFAS1": 1.90, "GAPDH": 2.00, "ACTB": 1.97}          # amplification factors E of the simulation
start_ct = {"ZFAS1": 22.0, "GAPDH": 15.0, "ACTB": 14.5}         # Ct of the most concentrated dilution
rng = np.random.default_rng(5)
dilution = pd.DataFrame([
    {"gene": g, "amount": amount, "ct": start_ct[g] + k * np.log(10) / np.log(planted[g]) + rng.normal(0, 0.1)}
    for g in planted for k, amount in enumerate([100, 10, 1, 0.1, 0.01]) for _ in range(3)])
curves = assaystats.assays.standard_curve(dilution, amount="amount", ct="ct", gene="gene")
curves["planted_E"] = curves["gene"].map(planted)
print(curves.round(4).to_string(index=False))

fig, ax = plt.subplots(figsize=(5, 3.5))
for i, row in curves.iterrows():
    d = dilution[dilution["gene"] == row.gene]
    ax.plot(np.log10(d["amount"]), d["ct"], "o", color=f"C{i}", ms=4,
            label=f"{row.gene}: slope {row.slope:.2f}, E = {row.amplification:.3f}")
    xs = np.log10([0.01, 100])
    ax.plot(xs, row.intercept + row.slope * xs, "-", color=f"C{i}", lw=1)
ax.set_xlabel("log10 relative amount of cDNA")
ax.set_ylabel("Ct")
ax.legend(frameon=False, fontsize=8)
fig.tight_layout()

# %% [markdown]
# `assays.read_efficiency` turns such a table (or a file `gene,amount,ct`, or `gene,efficiency`) into the
# `efficiency=` argument; every gene analysed needs one, so here the genes without a curve are stated at 100 %.
# Livak and Pfaffl side by side on the same wells:

# %%
measured = assaystats.assays.read_efficiency(dilution)
eff = {g: 2.0 for g in genes} | measured
pfaffl = assaystats.assays.qpcr(wells, reference_genes=REFS, control="siCtrl", efficiency=eff)
side = pd.concat({
    "Livak (E = 2)": livak.relative_expression.query("group == 'siZFAS1'").set_index("gene"),
    "Pfaffl (measured E)": pfaffl.relative_expression.query("group == 'siZFAS1'").set_index("gene"),
}, axis=1).loc[["ZFAS1", "CD44", "HES1"]]
print({g: round(e, 3) for g, e in measured.items()})
print(side.loc[:, (slice(None), ["delta_delta_ct", "fold_change", "ci_low", "ci_high"])].round(3).to_string())

# %% [markdown]
# The ΔΔCt is the same in both columns; the fold change of ZFAS1, whose primers are the least efficient, moves
# the most, while targets stated at 100 % move only by the small correction of the reference genes. Report the
# efficiencies (and how they were measured) whenever they are not assumed.

# %% [markdown]
# ## 4. Non-detects: "Undetermined" and "Ct 40"
#
# One NANOG well of sample siZFAS1_3 never crossed the threshold. By default assaystats **excludes** a non-detect
# well, counts it, and flags the sample/gene in the technical table; the sample's Ct is then the mean of its
# remaining wells. The alternative, `undetermined=40`, sets it to a cycle number of your choosing (still flagged).

# %%
for how in ["exclude", 40]:
    res = assaystats.assays.qpcr(wells, reference_genes=REFS, control="siCtrl", undetermined=how)
    t = res.technical
    print(f"undetermined={how!r}: {res.meta['notes']}")
    print(t[(t["gene"] == "NANOG") & (t["sample"] == "siZFAS1_3")][
        ["sample", "gene", "ct_mean", "ct_sd", "n_wells", "n_nondetect", "flag"]].to_string(index=False))
    r = res.relative_expression
    r = r[(r["group"] == "siZFAS1") & (r["gene"] == "NANOG")].iloc[0]
    print(f"  NANOG fold change {r.fold_change:.3f} (95% CI {r.ci_low:.3f} to {r.ci_high:.3f}), "
          f"p = {r.p_value:.3g}\n")
print("the other NANOG wells of siZFAS1_3:",
      wells[(wells["sample"] == "siZFAS1_3") & (wells["gene"] == "NANOG")]["ct"].tolist())

# %% [markdown]
# Here the two sister wells amplified normally, so the missing well is a failed well (a pipetting or bubble
# problem), not an absent transcript: excluding it is right, and setting it to 40 invents an outlier far above
# its sister wells that widens the interval enormously. Substituting a cycle number is defensible only when
# *all* wells of a sample fail because the transcript is below detection — and then say so.
#
# Some instruments export a non-detect as the number 40 (the last cycle) instead of a word. assaystats cannot
# tell that 40 from a real Ct of 40, so it reads it as a number; what you see is only the large spread between
# technical wells, flagged as `ct_spread`:

# %%
exported_as_40 = wells.assign(ct=wells["ct"].replace("Undetermined", "40"))
res40 = assaystats.assays.qpcr(exported_as_40, reference_genes=REFS, control="siCtrl")
t = res40.technical
print("non-detects counted:", res40.meta["n_nondetect"])
print(t[t["flag"] != "ok"][["sample", "gene", "ct_mean", "ct_sd", "n_nondetect", "flag"]].to_string(index=False))

# %% [markdown]
# So: before analysis, replace your instrument's placeholder with `Undetermined` (or leave the cell empty), and
# read the `technical` table for flags.
#
# When every well of a target in a group is a non-detect, excluding them leaves nothing to compare; assaystats
# then stops with a message rather than inventing a fold change:

# %%
all_nd = wells.copy()
all_nd.loc[(all_nd["group"] == "siZFAS1") & (all_nd["gene"] == "NANOG"), "ct"] = "Undetermined"
try:
    assaystats.assays.qpcr(all_nd, reference_genes=REFS, control="siCtrl")
except assaystats.errors.AssayDataError as exc:
    print("AssayDataError:", exc)

# %% [markdown]
# ## What to report in a paper
#
# State the unit (biological samples, with technical wells averaged), the references, the efficiency assumption,
# what was done with non-detects, the test and n, and give the fold change with its interval, e.g.:

# %%
z = livak.relative_expression.query("group == 'siZFAS1' and gene == 'ZFAS1'").iloc[0]
print(f"ZFAS1 expression fell to {z.fold_change:.2f} of siCtrl (95% CI {z.ci_low:.2f} to {z.ci_high:.2f}; "
      f"knockdown {z.knockdown_pct:.0f} %) after siZFAS1 (n = {int(z.n)} independent transfections per siRNA, "
      f"technical triplicates averaged; Welch t test on ΔCt, p = {z.p_value:.2g}; BH q across the "
      f"{livak.relative_expression['gene'].nunique()} target genes = {z.q_value:.2g}). Relative expression by "
      f"2^-ΔΔCt, normalised to the geometric mean of GAPDH and ACTB (geNorm M = "
      f"{livak.stability['genorm_m'].iloc[0]:.2f}), assuming 100 % efficiency; "
      f"{livak.meta['n_nondetect']} non-detect well was excluded.")
print()
print(livak.methods())
